"""The adjudicated factor scores of a cohort, as the results and the merge read them.

Apart from models/adjudication.py (which plans and settles) so that the results can read them
without importing the assignment rules.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from fractions import Fraction

from sqlalchemy import select
from sqlalchemy.orm import Session

from icg_desk.models.cohort_schema import ADJUDICATION, Assignment, ReadScore, Scorer
from icg_desk.scoring import Rubric


def adjudications_of(
    session: Session, rubric: Rubric, candidate_refs: Iterable[int] | None = None
) -> dict[int, dict[str, tuple[Fraction, str]]]:
    """candidate ref -> factor key -> (adjudicated score, adjudicator id), from the
    adjudications whose asked factors are all merged; a later adjudication of a factor wins."""
    query = (
        select(Assignment.id, Assignment.candidate_ref, Assignment.factors, Scorer.scorer_id)
        .join(Scorer, Assignment.scorer_ref == Scorer.id)
        .where(Assignment.kind == ADJUDICATION)
        .order_by(Assignment.id)
    )
    if candidate_refs is not None:
        query = query.where(Assignment.candidate_ref.in_(list(candidate_refs)))
    rows = session.execute(query).all()
    if not rows:
        return {}
    scores: dict[int, dict[str, Fraction]] = defaultdict(dict)
    for ref, key, score in session.execute(
        select(ReadScore.assignment_ref, ReadScore.factor_key, ReadScore.score).where(
            ReadScore.assignment_ref.in_([r.id for r in rows]), ReadScore.score.is_not(None)
        )
    ):
        if score is not None:
            scores[ref][key] = score
    found: dict[int, dict[str, tuple[Fraction, str]]] = defaultdict(dict)
    for aid, cref, factors, scorer_id in rows:
        got = scores.get(aid, {})
        asked = [k for k in factors if k in rubric.factor_keys]
        if asked and all(k in got for k in asked):  # complete: every factor asked is in
            for key in asked:
                found[cref][key] = (got[key], scorer_id)
    return found
