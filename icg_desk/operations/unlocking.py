"""The coordinator's calibration unlock code (models/unlocking.py): a writing step, audited.

It holds the cohort's lock like every writing step: the event it logs is the cohort's record
of who let which scorer through without qualifying, and why.
"""

from __future__ import annotations

from icg_desk.models.cohort_file import CohortFile
from icg_desk.models.unlocking import (
    PracticeBatch,
    Unlocked,
    give_unlock_code,
    list_practice_batches,
)
from icg_desk.operations.changes import Changes, Done
from icg_desk.operations.cohort import CohortRef, _writing


def unlock(
    ref: CohortRef, *, scorer: str | None, batch: str | None, reason: str, by: str
) -> Done[Unlocked]:
    """The batch's unlock code, with who, when and why logged; UnlockRefused says why not."""
    with _writing(ref) as cohort:
        done = give_unlock_code(cohort, scorer=scorer, batch=batch, reason=reason, by=by)
    # The practice column of the agreement view reads the event: as a change to the reads.
    return Done(done, Changes(reads=True))


def practice_batches(ref: CohortRef) -> list[PracticeBatch]:
    """Every batch sent with practice portfolios (read only)."""
    with CohortFile.open(ref.path) as cohort:
        return list_practice_batches(cohort)
