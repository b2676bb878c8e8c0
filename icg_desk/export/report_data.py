"""What a candidate's score report says, in words and numbers: no Qt, no PDF.

`pdf_report` lays these out on a page; everything a candidate reads is worded here, from the
rubric and the decision, so the wording can be tested without reading a PDF back.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from fractions import Fraction

from sqlalchemy import select

from icg_desk.models.batch_file import BatchFile
from icg_desk.models.schema import FactorRead, Portfolio
from icg_desk.scoring import Decision, Status, decide, format_score
from icg_desk.scoring.rubric import Factor, Rubric
from icg_desk.scoring.scale import format_against

NOT_SCORED = "Not yet scored"
_MONTHS = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]


@dataclass(frozen=True)
class CandidateReport:
    candidate_code: str
    display_name: str  # the candidate's name on the coordinator's copy, else the code
    cohort: str
    rubric: Rubric
    scores: Mapping[str, Fraction | None]  # the factor scores (None: not scored)
    decision: Decision
    issued: date
    preview: bool  # a scorer's preview (marked as such on the page), not the candidate's copy


def reports_from_batch(
    batch: BatchFile, *, issued: date | None = None, only: Collection[int] | None = None
) -> list[CandidateReport]:
    """One preview report per portfolio (those whose ids are in `only`, when given), in batch
    order, from the scorer's read.

    Scorers never see names (blind scoring), so each report is headed by the candidate code.
    """
    rubric = batch.rubric
    cohort = batch.identity.cohort
    known = set(rubric.factor_keys)
    with batch.reading() as session:
        scores: dict[int, dict[str, Fraction | None]] = defaultdict(dict)
        # The reads alone: the entry texts (thousands of words each) are not needed here.
        for pid, key, score in session.execute(
            select(FactorRead.portfolio_id, FactorRead.factor_key, FactorRead.score)
        ):
            # The workstation only writes the rubric's own keys; anything else cannot be part of
            # a decision on this rubric, so it is left out rather than failing the whole batch.
            if key in known:
                scores[pid][key] = score
        rows = session.execute(
            select(Portfolio.id, Portfolio.candidate_code).order_by(Portfolio.position)
        ).all()
    day = issued or date.today()
    wanted = None if only is None else set(only)
    picked = [(pid, code) for pid, code in rows if wanted is None or pid in wanted]
    return [
        CandidateReport(
            candidate_code=code,
            display_name=code,
            cohort=cohort,
            rubric=rubric,
            scores=scores.get(pid, {}),
            decision=decide(rubric, scores.get(pid, {})),
            issued=day,
            preview=True,
        )
        for pid, code in picked
    ]


# --- the words on the page -------------------------------------------------------------------


@dataclass(frozen=True)
class FactorLine:
    """One row of the factor table."""

    factor: Factor
    score: Fraction | None
    score_text: str  # "3.25", or "Not yet scored"
    level_text: str  # "3 - Clear evidence", or "" when not scored
    accomplished: bool | None  # None when not scored
    retake: bool


@dataclass(frozen=True)
class ScaleLine:
    level: int
    evidence: str  # "Clear evidence"
    range_text: str  # "2.75-3.25" with an en dash
    scores: tuple[tuple[str, str], ...]  # (label, value): ("3-", "2.75"), ("3", "3.00"), ...
    accomplished: bool

    @property
    def scores_text(self) -> str:
        """ "3- 2.75 · 3 3.00 · 3+ 3.25" """
        return " · ".join(f"{label} {value}" for label, value in self.scores)


def factor_lines(report: CandidateReport) -> list[FactorLine]:
    rubric, decision = report.rubric, report.decision
    lines = []
    for factor in rubric.factors:
        score = report.scores.get(factor.key)
        if score is None:
            lines.append(FactorLine(factor, None, NOT_SCORED, "", None, False))
            continue
        lines.append(
            FactorLine(
                factor=factor,
                score=score,
                score_text=format_score(score),
                level_text=_level_text(rubric, score),
                accomplished=score >= rubric.thresholds.accomplished,
                retake=factor.key in decision.retake,
            )
        )
    return lines


def overall_text(report: CandidateReport) -> str:
    """The overall score as shown: never rounded up to the threshold it misses."""
    overall = report.decision.overall
    if overall is None:
        return "–"
    return format_against(overall, report.rubric.thresholds.certification)


def decision_title(report: CandidateReport) -> str:
    return {
        Status.CERTIFIED: "Certified",
        Status.NOT_CERTIFIED: "Not certified",
        Status.INCOMPLETE: "Incomplete",
    }[report.decision.status]


def decision_summary(report: CandidateReport) -> str:
    """The decision in one or two sentences, with this candidate's numbers."""
    d, t = report.decision, report.rubric.thresholds
    cert, floor = format_score(t.certification), format_score(t.factor_floor)
    if d.status is Status.INCOMPLETE:
        missing = d.total - d.scored
        factors = "factor is" if missing == 1 else "factors are"
        return (
            f"{missing} of {d.total} {factors} not scored yet, so there is no decision. "
            "The scores below are the ones entered so far."
        )
    if d.status is Status.CERTIFIED:
        return (
            f"The overall score of {overall_text(report)} meets the {cert} needed for "
            f"certification, and no factor is below {floor}."
        )
    sentences = []
    assert d.overall is not None
    if d.overall < t.certification:
        sentences.append(
            f"The overall score of {overall_text(report)} is below the {cert} needed for "
            "certification."
        )
    if len(d.retake) > 2:  # named under "What to retake"; a list of seven here says nothing
        sentences.append(
            f"{len(d.retake)} factors are below the factor floor of {floor} and must be retaken."
        )
    elif d.retake:
        names = _and(report.rubric.factor(k).name for k in d.retake)
        verb = "is" if len(d.retake) == 1 else "are"
        sentences.append(f"{names} {verb} below the factor floor of {floor} and must be retaken.")
    return " ".join(sentences)


def retake_text(report: CandidateReport) -> str:
    """Which factors to retake and what each retake must reach, in words."""
    rubric, d = report.rubric, report.decision
    t = rubric.thresholds
    cert, floor = format_score(t.certification), format_score(t.factor_floor)
    names = [rubric.factor(k).name for k in d.retake]
    first = f"Resubmit a revised version of {_and(names)}; the other factor scores stand."
    targets = [d.retake_targets.get(k) for k in d.retake]
    if any(target is None for target in targets):
        return (
            f"{first} With the scores that stand, retaking {'it' if len(names) == 1 else 'them'} "
            f"alone cannot bring the overall score to {cert}, even at the top of the scale."
        )
    outcome = (
        f"that brings the overall score to at least {cert} with no factor below {floor}, "
        "and certifies."
    )
    shown = [f"{format_score(v)} ({rubric.scale.label(v)})" for v in targets if v is not None]
    if len(set(shown)) == 1:
        who = "It" if len(names) == 1 else "Each"
        return f"{first} {who} must reach at least {shown[0]}: {outcome}"
    each = "; ".join(f"{n} at least {v}" for n, v in zip(names, shown, strict=True))
    return f"{first} To certify, {each}: {outcome}"


def areas_to_strengthen(report: CandidateReport) -> list[FactorLine]:
    """The scored factors below "accomplished", with their look-fors on the page."""
    below = set(report.decision.below_accomplished)
    return [line for line in factor_lines(report) if line.factor.key in below]


def calculation(report: CandidateReport) -> str:
    """The overall score's arithmetic with this candidate's numbers: "(3.00 + ... ) / 7"."""
    rubric = report.rubric
    scored = [(f, s) for f in rubric.factors if (s := report.scores.get(f.key)) is not None]
    if not scored:
        return ""
    if rubric.equal_weights:
        terms = " + ".join(format_score(s) for _, s in scored)
        return f"({terms}) / {len(scored)}"
    terms = " + ".join(f"{_number(f.weight)} × {format_score(s)}" for f, s in scored)
    return f"({terms}) / {_number(sum((f.weight for f, _ in scored), Fraction(0)))}"


def calculation_text(report: CandidateReport) -> str:
    """How the overall score was calculated, in one sentence with this candidate's numbers."""
    rubric, d = report.rubric, report.decision
    equation = calculation(report)
    if not equation:
        return "The overall score is calculated once the factors are scored."
    how = (
        f"the sum of the {len(rubric.factors)} factor scores divided by {len(rubric.factors)}"
        if rubric.equal_weights
        else "the weighted mean of the factor scores (each score times its weight)"
    )
    if d.status is Status.INCOMPLETE:
        return f"The overall score is {how}; so far {equation} = {overall_text(report)}."
    return f"The overall score is {how}: {equation} = {overall_text(report)}."


def scale_lines(rubric: Rubric) -> list[ScaleLine]:
    lines = []
    for level in sorted(rubric.levels, key=lambda lv: lv.level, reverse=True):
        values = [v for v in rubric.scale.values if v.level == level.level]
        if not values:
            continue
        low, high = format_score(values[0].value), format_score(values[-1].value)
        lines.append(
            ScaleLine(
                level=level.level,
                evidence=level.short,
                range_text=low if low == high else f"{low}–{high}",
                scores=tuple((v.label, format_score(v.value)) for v in values),
                accomplished=level.accomplished,
            )
        )
    return lines


def scale_note(rubric: Rubric) -> str:
    t = rubric.thresholds
    cert, floor = format_score(t.certification), format_score(t.factor_floor)
    return (
        "Each factor is scored on the four-level rubric below; a + or - places a score in the "
        "upper or lower part of its level. With more than one scorer, a factor's score is the "
        "mean of their scores (a mean between two ranges counts at the lower level). "
        f"Certification needs an overall score of at least {cert} and no factor below {floor}; "
        f"a factor below {floor} is retaken while the other factor scores stand."
    )


def _level_text(rubric: Rubric, score: Fraction) -> str:
    """ "3 – Clear evidence": the rubric's level_text, with the dash a printed page wants."""
    level = rubric.level(rubric.scale.level_of(score))
    return f"{level.level} – {level.short}"


def issued_text(day: date) -> str:
    """October 31, 2026: spelled out, whatever the locale (the program is US-based)."""
    return f"{_MONTHS[day.month - 1]} {day.day}, {day.year}"


def _and(names: Iterable[str]) -> str:
    items = list(names)
    if len(items) <= 2:
        return " and ".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def _number(value: Fraction) -> str:
    """A weight as written: 2, 1.5."""
    if value.denominator == 1:
        return str(value.numerator)
    return format(float(value), "g")
