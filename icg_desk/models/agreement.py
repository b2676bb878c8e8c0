"""A cohort's reads as the agreement figures take them (scoring/agreement.py), and the figures.

Which reads count: every **complete read** (all factors scored) of a candidate who is not
withdrawn, as for the results. An adjudicator's scores are not reads: they score only the
flagged factors, chosen because the reads disagreed, often with the earlier reads in view, so
counting them would make agreement look better or worse for reasons that are not the scorers'.
They are kept apart here as in the results (models/adjudication.py).

When a read was made: each merged score keeps the time the scorer last changed it, as their
batch recorded it (`read_score.changed_at`, cohort format 8; a time ahead of the merge is taken
as the merge's, models/merge.py). A read's time is the latest of its factors' times: when it got
the scores it has now. A scorer whose batch goes back once at the end of the summer still gives
each read its own week. Scores merged from a summary workbook, or by an ICG Desk before format 8,
have no time of their own: such a read takes the time its file's scores were last changed, from
the merge log (`scores_as_of`: a batch's last edit, a summary's export; the merge's own time for
the logs of older files), the latest among the files that changed one of its scores. A read with
neither (none expected) has no time and stays out of the drift.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from fractions import Fraction

from sqlalchemy.orm import Session

from icg_desk.models.backread import cohort_backreads
from icg_desk.models.cohort_file import CohortFile, CohortFileError
from icg_desk.models.cohort_schema import READ
from icg_desk.models.merge import ACCEPTED, REPLACED
from icg_desk.models.quality import add_quality
from icg_desk.scoring import Rubric
from icg_desk.scoring.agreement import Agreement, ScoredRead, agreement
from icg_desk.scoring.backread import Backreads
from icg_desk.scoring.distribution import score_distribution


@dataclass(frozen=True)
class CohortAgreement:
    cohort: str
    rubric: Rubric
    figures: Agreement
    # factor key -> how many of the reads counted gave each score of the scale, lowest first
    # (the charts' distributions; not in the JSON, whose shape the issue sets).
    distribution: Mapping[str, tuple[int, ...]] = field(default_factory=dict)
    # Each scorer's reads looked at again by a backreader (models/backread.py); in the JSON,
    # a `backread` object in each scorer's.
    backreads: Backreads = field(default_factory=Backreads)

    def as_json(self) -> dict[str, object]:
        found = {"cohort": self.cohort, "rubric_edition": self.rubric.edition} | (
            self.figures.as_json()
        )
        for scorer in found["scorers"]:  # type: ignore[attr-defined]
            scorer["backread"] = self.backreads.as_json(scorer["scorer_id"])
        return found


def cohort_agreement(cohort: CohortFile) -> CohortAgreement:
    """The agreement figures of the cohort's complete reads, from one consistent read."""
    with cohort.reading() as session:
        return agreement_in(session, cohort)


def agreement_in(session: Session, cohort: CohortFile) -> CohortAgreement:
    """The figures from the reads `session` sees: with other figures read in the same
    transaction (the summary workbook's results), both are of the same moment."""
    rubric = cohort.rubric
    backreads = cohort_backreads(session, rubric)
    keys, scale = rubric.factor_keys, rubric.scale
    reads = agreement_reads(session, rubric, cohort)
    # Validity and practice reads beside the figures, never in them (models/quality.py).
    figures = add_quality(agreement(reads, keys, scale), session, rubric, cohort)
    return CohortAgreement(
        cohort.name,
        rubric,
        figures,
        score_distribution((r.scores for r in reads), keys, scale),
        backreads=backreads,
    )


def agreement_reads(session: Session, rubric: Rubric, cohort: CohortFile) -> list[ScoredRead]:
    """Every complete read of a candidate not withdrawn, with the time it last changed.

    One query gives each read with its scores side by side (a column per factor of the
    rubric), so SQLite, not Python, goes through the tens of thousands of scores of a cohort.
    """
    keys = rubric.factor_keys
    columns = ", ".join("max(CASE WHEN r.factor_key = ? THEN r.score END)" for _ in keys)
    rows = (
        session.connection()
        .exec_driver_sql(
            f"SELECT c.code, s.scorer_id, max(r.changed_at), {columns} FROM assignment a "
            "JOIN candidate c ON c.id = a.candidate_ref "
            "JOIN scorer s ON s.id = a.scorer_ref "
            "JOIN read_score r ON r.assignment_ref = a.id "
            "WHERE a.kind = ? AND a.candidate_ref NOT IN (SELECT candidate_ref FROM withdrawal) "
            "GROUP BY a.id",
            (*keys, READ),
        )
        .fetchall()
    )
    # The stored text of each score, parsed and checked once per distinct text (a cohort has
    # a dozen): every read then shares the same Fraction objects.
    parsed: dict[str, Fraction] = {}
    when = _read_times(session)
    own: dict[str, datetime] = {}
    reads = []
    for code, scorer_id, changed, *texts in rows:
        if None in texts:
            continue  # not complete: work in progress, not a judgement
        values = []
        for key, text in zip(keys, texts, strict=True):
            score = parsed.get(text)
            if score is None:
                score = parsed[text] = _score(cohort, rubric, (code, scorer_id), key, text)
            values.append(score)
        if changed is not None:
            moment = own.get(changed)
            if moment is None:
                moment = own[changed] = datetime.fromisoformat(changed)
        else:
            moment = when.get((scorer_id, code))
        reads.append(ScoredRead(scorer_id, code, dict(zip(keys, values, strict=True)), moment))
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
    """(scorer id, candidate code) -> the latest time a merged file changed a score of it.

    The changes are JSON in the log ([[code, factor, old, new], ...]); SQLite's json_each
    goes through them. Times are stored as UTC ISO text of one form, so they sort as text."""
    parsed: dict[str, datetime] = {}
    found: dict[tuple[str, str], datetime] = {}
    for scorer_id, code, moment in session.connection().exec_driver_sql(
        "SELECT m.scorer_id, json_extract(j.value, '$[0]'), "
        "max(coalesce(m.scores_as_of, m.at)) FROM merge_log m, json_each(m.changes) j "
        "WHERE m.outcome IN (?, ?) AND m.scorer_id IS NOT NULL GROUP BY 1, 2",
        (ACCEPTED, REPLACED),
    ):
        if code is None:
            continue
        stamp = parsed.get(moment)
        if stamp is None:
            stamp = parsed[moment] = datetime.fromisoformat(moment)
        found[(scorer_id, str(code))] = stamp
    return found
