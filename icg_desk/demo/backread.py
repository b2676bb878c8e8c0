"""Backreads for a demo cohort (the screenshots, trying the Backreads view): an adjudicator is
added, a sample of each scorer's reads pulled for them (models/backread.py, as the command
does) and their backreads filled in as a careful reader's, without sending or merging files.

The reader scores each factor as the portfolio's other read did, a step of the scale up or
down now and then: so a scorer who scores high against the others (the agreement demo's S-01)
scores high against their backreads too.
"""

from __future__ import annotations

import random
from pathlib import Path

from sqlalchemy import insert, select

from icg_desk.models.backread import BackreadPulled, pull_backreads
from icg_desk.models.cohort_file import CohortFile
from icg_desk.models.cohort_schema import ADJUDICATOR, READ, Assignment, ReadScore, Scorer
from icg_desk.models.schema import utcnow

DEMO_READER = "A-01"


def add_demo_backreads(
    path: Path, *, per_scorer: int = 4, seed: int = 16, reader: str = DEMO_READER
) -> BackreadPulled:
    """Pull `per_scorer` of each scorer's reads for `reader` (added as an adjudicator if the
    cohort has no such scorer) and give every backread its scores."""
    with CohortFile.open(path) as cohort:
        rubric = cohort.rubric
        values = [v.value for v in rubric.scale.values]
        with cohort.transaction() as session:
            if session.scalars(select(Scorer.id).where(Scorer.scorer_id == reader)).first() is None:
                session.execute(
                    insert(Scorer),
                    [{"scorer_id": reader, "name": "Ada Backreader", "role": ADJUDICATOR}],
                )
        pulled = pull_backreads(cohort, reader, per_scorer=per_scorer, seed=seed, by="ICG demo")
        rng = random.Random(seed)
        with cohort.transaction() as session:
            rows = []
            now = utcnow()
            for read in pulled.reads:
                candidate = session.get(Assignment, read.read_id)
                assert candidate is not None
                # The portfolio's other read, else the scorer's own: what the reader starts from.
                other = session.scalars(
                    select(Assignment.id).where(
                        Assignment.candidate_ref == candidate.candidate_ref,
                        Assignment.kind == READ,
                        Assignment.id != read.read_id,
                    )
                ).first()
                base = dict(
                    session.execute(
                        select(ReadScore.factor_key, ReadScore.score).where(
                            ReadScore.assignment_ref == (other or read.read_id)
                        )
                    ).all()
                )
                for key in rubric.factor_keys:
                    given = base[key]
                    assert given is not None  # a complete read
                    step = values.index(given) + rng.choice((-1, 0, 0, 0, 0, 1))
                    score = values[max(0, min(len(values) - 1, step))]
                    rows.append(
                        {
                            "assignment_ref": read.backread_id,
                            "factor_key": key,
                            "score": score,
                            "changed_at": now,
                        }
                    )
            session.execute(insert(ReadScore), rows)
    return pulled
