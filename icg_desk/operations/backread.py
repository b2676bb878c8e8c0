"""Pulling a backread sample (models/backread.py): a writing step, under the cohort's lock.

The sample's reads become the reader's assignments; they go out with the next `cohort
batches` (the normal export) and come back through the normal merge.
"""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction

from icg_desk.models.backread import BackreadPulled, pull_backreads
from icg_desk.operations.changes import Changes, Done
from icg_desk.operations.cohort import CohortRef, _writing


def backread(
    ref: CohortRef,
    reader_id: str,
    *,
    per_scorer: int | None = None,
    share: Fraction | None = None,
    scorer_ids: Sequence[str] | None = None,
    seed: int = 1,
    by: str,
) -> Done[BackreadPulled]:
    """Pull a seeded random sample of each scorer's completed reads for `reader_id`;
    BackreadRefused says why not, with nothing changed."""
    with _writing(ref) as cohort:
        done = pull_backreads(
            cohort,
            reader_id,
            per_scorer=per_scorer,
            share=share,
            scorer_ids=scorer_ids,
            seed=seed,
            by=by,
        )
    return Done(done, Changes(assignments=True))
