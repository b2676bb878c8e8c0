"""A cohort's reads of portfolios with agreed scores, as scoring/quality.py takes them.

- **Validity reads**: assignments of kind "validity" (a scorer's read of a validity portfolio,
  seeded unseen into their batch) of portfolios with a key (`key_score`), not withdrawn. They
  are compared with the key; they never enter the inter-rater figures, whose reads are of kind
  "read" only (models/agreement.py), nor any candidate's result.
- **Practice reads**: assignments of kind "practice", judged against the cohort's own copy of
  the key by the rubric's qualifying rule, with the coordinator's unlock codes given
  (`coordinator_event` rows "unlocked", models/unlocking.py).

Scores are read as merged (`read_score`); a score off the rubric's scale is an error naming the
portfolio, scorer and factor, as in the agreement figures.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from fractions import Fraction

from sqlalchemy import select
from sqlalchemy.orm import Session

from icg_desk.models.cohort_file import CohortFile, CohortFileError
from icg_desk.models.cohort_results import UNLOCKED
from icg_desk.models.cohort_schema import (
    PRACTICE,
    VALIDITY,
    CoordinatorEvent,
)
from icg_desk.scoring import Rubric
from icg_desk.scoring.agreement import Agreement
from icg_desk.scoring.quality import (
    KeyedRead,
    PracticeFigures,
    Unlock,
    practice_figures,
    validity_figures,
    with_quality,
)


def keyed_reads(
    session: Session, rubric: Rubric, cohort: CohortFile, kind: str
) -> tuple[list[KeyedRead], dict[str, int]]:
    """Every read of this kind ("validity" or "practice") of a portfolio not withdrawn, with
    its key; and how many such portfolios each scorer was given."""
    # Plain SQL, each stored score text parsed once (a cohort has a dozen): the figures read
    # every score of every validity read, and the ORM's conversion of each was most of the time.
    sql = session.connection().exec_driver_sql
    parsed: dict[str, Fraction] = {}

    def score(text: str) -> Fraction:
        found = parsed.get(text)
        if found is None:
            try:
                found = parsed[text] = Fraction(Decimal(text))
            except (InvalidOperation, ValueError):
                raise CohortFileError(
                    cohort.path, f"{text!r} in a {kind} read or key is not a score"
                ) from None
        return found

    keys: dict[int, dict[str, Fraction]] = defaultdict(dict)
    for ref, factor, text in sql("SELECT candidate_ref, factor_key, score FROM key_score"):
        keys[ref][factor] = score(text)
    rows = sql(
        "SELECT a.id, a.batch_id, c.id, c.code, s.scorer_id FROM assignment a "
        "JOIN candidate c ON c.id = a.candidate_ref JOIN scorer s ON s.id = a.scorer_ref "
        "WHERE a.kind = ? AND a.candidate_ref NOT IN (SELECT candidate_ref FROM withdrawal) "
        "ORDER BY a.id",
        (kind,),
    ).fetchall()
    scores: dict[int, dict[str, Fraction | None]] = defaultdict(dict)
    for assignment_ref, factor, text in sql(
        "SELECT r.assignment_ref, r.factor_key, r.score FROM read_score r "
        "JOIN assignment a ON a.id = r.assignment_ref WHERE a.kind = ?",
        (kind,),
    ):
        scores[assignment_ref][factor] = None if text is None else score(text)
    assigned: dict[str, int] = defaultdict(int)
    reads = []
    for assignment, batch_id, ref, code, scorer_id in rows:
        assigned[scorer_id] += 1
        given = scores.get(assignment, {})
        for factor, got in given.items():
            if got is not None and not rubric.scale.contains(got):
                raise CohortFileError(
                    cohort.path,
                    f"the {kind} read of {code} by {scorer_id} has {got} for {factor}, which "
                    "is not a score on the rubric's scale",
                )
        reads.append(KeyedRead(scorer_id, code, given, keys.get(ref, {}), batch_id))
    return reads, dict(assigned)


def unlocks_given(session: Session) -> dict[str, list[Unlock]]:
    """Scorer id -> the unlock codes the coordinator gave them, oldest first."""
    found: dict[str, list[Unlock]] = defaultdict(list)
    for event in session.scalars(
        select(CoordinatorEvent)
        .where(CoordinatorEvent.action == UNLOCKED)
        .order_by(CoordinatorEvent.id)
    ):
        found[event.to_scorer].append(
            Unlock(event.batch_id or "", event.actor, event.at, event.reason)
        )
    return dict(found)


def add_quality(
    figures: Agreement, session: Session, rubric: Rubric, cohort: CohortFile
) -> Agreement:
    """The agreement figures with each scorer's validity and practice figures beside them."""
    keys, scale = rubric.factor_keys, rubric.scale
    validity, _ = keyed_reads(session, rubric, cohort, VALIDITY)
    practice, assigned = keyed_reads(session, rubric, cohort, PRACTICE)
    judged: Mapping[str, PracticeFigures] = practice_figures(
        practice,
        keys,
        scale,
        rubric.calibration,
        assigned=assigned,
        unlocks=unlocks_given(session),
    )
    found = validity_figures(validity, keys, scale, rule=rubric.validity)
    return with_quality(figures, found, judged)
