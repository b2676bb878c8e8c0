"""A cohort's reads as the agreement figures take them (scoring/agreement.py), and the figures.

Which reads count: every **complete read** (all factors scored) of a candidate who is not
withdrawn, as for the results. An adjudicator's scores are not reads: they score only the
flagged factors, chosen because the reads disagreed, often with the earlier reads in view, so
counting them would make agreement look better or worse for reasons that are not the scorers'.
They are kept apart here as in the results (models/adjudication.py).

When a read was made: the cohort keeps no time per score of its own, but every merged file is
in the merge log with the time its scores were last changed (`scores_as_of`: a batch's last
edit, a summary's export) and each score it changed. A read's time is the latest of those times
among the files that changed one of its scores: when it got the scores it has now. A scorer who
returns their batch once at the end of the summer gives every read the same week; one who sends
it back as they go (each return replaces the earlier file) gives each read the week of the
return that brought it. Logs of older files without `scores_as_of` use the merge's time. A read
with no file in the log that changed it (none expected) has no time and stays out of the drift.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from fractions import Fraction

from sqlalchemy import select
from sqlalchemy.orm import Session

from icg_desk.models.cohort_file import CohortFile, CohortFileError
from icg_desk.models.cohort_schema import (
    READ,
    Assignment,
    Candidate,
    MergeLog,
    Scorer,
    Withdrawal,
)
from icg_desk.models.merge import ACCEPTED, REPLACED
from icg_desk.scoring import Rubric
from icg_desk.scoring.agreement import Agreement, ScoredRead, agreement


@dataclass(frozen=True)
class CohortAgreement:
    cohort: str
    rubric: Rubric
    figures: Agreement

    def as_json(self) -> dict[str, object]:
        return {"cohort": self.cohort, "rubric_edition": self.rubric.edition} | (
            self.figures.as_json()
        )


def cohort_agreement(cohort: CohortFile) -> CohortAgreement:
    """The agreement figures of the cohort's complete reads, from one consistent read."""
    rubric = cohort.rubric
    with cohort.reading() as session:
        reads = agreement_reads(session, rubric, cohort)
    return CohortAgreement(cohort.name, rubric, agreement(reads, rubric.factor_keys, rubric.scale))


def agreement_reads(session: Session, rubric: Rubric, cohort: CohortFile) -> list[ScoredRead]:
    """Every complete read of a candidate not withdrawn, with the time it last changed."""
    keys = rubric.factor_keys
    withdrawn = set(session.scalars(select(Withdrawal.candidate_ref)))
    assignments = {
        aid: (code, scorer_id)
        for aid, ref, code, scorer_id in session.execute(
            select(Assignment.id, Assignment.candidate_ref, Candidate.code, Scorer.scorer_id)
            .join(Candidate, Assignment.candidate_ref == Candidate.id)
            .join(Scorer, Assignment.scorer_ref == Scorer.id)
            .where(Assignment.kind == READ)
        )
        if ref not in withdrawn
    }
    # The stored text of each score, parsed once per distinct text: a cohort has tens of
    # thousands of scores and a dozen texts. Every read then shares the same Fraction objects.
    parsed: dict[str, Fraction] = {}
    scores: dict[int, dict[str, Fraction]] = defaultdict(dict)
    # The driver's rows as they are: a cohort has tens of thousands of scores.
    rows = (
        session.connection()
        .exec_driver_sql(
            "SELECT assignment_ref, factor_key, score FROM read_score WHERE score IS NOT NULL"
        )
        .fetchall()
    )
    for aid, key, text in rows:
        if aid not in assignments:
            continue
        score = parsed.get(text)
        if score is None:
            score = parsed[text] = _score(cohort, rubric, assignments[aid], key, text)
        scores[aid][key] = score

    when = _read_times(session)
    reads = []
    for aid, (code, scorer_id) in assignments.items():
        got = scores.get(aid)
        if got is None or any(k not in got for k in keys):
            continue  # not complete: work in progress, not a judgement
        reads.append(ScoredRead(scorer_id, code, got, when.get((scorer_id, code))))
    return reads


def _score(
    cohort: CohortFile, rubric: Rubric, who: tuple[str, str], key: str, text: str
) -> Fraction:
    try:
        score = Fraction(Decimal(text))
    except (InvalidOperation, ValueError):
        score = None
    if score is None or not rubric.scale.contains(score):
        code, scorer_id = who
        raise CohortFileError(
            cohort.path,
            f"the read of {code} by {scorer_id} has {text!r} for {key}, which is not a score "
            "on the rubric's scale",
        )
    return score


def _read_times(session: Session) -> dict[tuple[str, str], datetime]:
    """(scorer id, candidate code) -> the latest time a merged file changed a score of it."""
    found: dict[tuple[str, str], datetime] = {}
    for scorer_id, at, as_of, changes in session.execute(
        select(MergeLog.scorer_id, MergeLog.at, MergeLog.scores_as_of, MergeLog.changes).where(
            MergeLog.outcome.in_((ACCEPTED, REPLACED)), MergeLog.scorer_id.is_not(None)
        )
    ):
        moment = as_of if as_of is not None else at
        if scorer_id is None:
            continue
        for code in {change[0] for change in changes if change and change[0]}:
            key = (scorer_id, str(code))
            before = found.get(key)
            if before is None or moment > before:
                found[key] = moment
    return found
