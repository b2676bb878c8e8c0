"""What a candidate's score report says, in words and numbers: no Qt, no PDF.

`pdf_report` lays these out on a page; everything a candidate reads is worded here, from the
rubric and the decision, so the wording can be tested without reading a PDF back.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from fractions import Fraction

from sqlalchemy import select

from icg_desk.models.batch_file import BatchFile
from icg_desk.models.cohort_results import CandidateResult
from icg_desk.models.schema import FactorRead, Portfolio
from icg_desk.scoring import Decision, Status, decide, format_score
from icg_desk.scoring.raises import RaisePlan, smallest_raises
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
    # Where each factor's score comes from, for a retake: factor key -> the cycle it was banked
    # in ("2025-26"), or None for a score new in this cycle. None (the default): not known, and
    # nothing is marked.
    banked: Mapping[str, str | None] | None = None
    # Why the result is not final yet ("Provisional: 1 of 2 reads in"), printed on every page;
    # None for a final result. See `provisional_text`.
    provisional: str | None = None
    # Factor key -> the adjudicator whose score it is (it replaced the mean of the reads);
    # marked on the factor's row. Empty: no factor was adjudicated.
    adjudicated: Mapping[str, str] = field(default_factory=dict)
    # The day released results were amended (reopened, then released again); printed beside
    # the issue date as "Amended". None for a report never amended.
    amended: date | None = None


def provisional_text(result: CandidateResult) -> str:
    """The line a preview of this candidate's report carries on every page: why it may change.

    The one place the report words it; `cohort_reports` calls it for every report printed before
    release. What it waits for is `result.state`, the answer every other surface gives too.
    """
    text = f"Provisional: {result.reads_in} of {result.reads_needed} reads in"
    state = result.state
    if state.final:
        return text + "; not released yet"
    why = [w for w in state.waiting_for if "missing" not in w]  # the count above says it
    return text + (", " + "; ".join(why) if why else "")


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
    met: bool | None = None  # at least the factor floor; None when not scored
    banked_cycle: str | None = None  # the cycle a banked score comes from
    mark: str = ""  # "banked (2025-26)" or "new" when the report knows; else ""


@dataclass(frozen=True)
class Requirement:
    """One requirement of certification and whether this candidate meets it (the Met? column)."""

    label: str  # "Overall score", or the factor's name
    needed: str  # "2.75": the score needed, at least
    score_text: str  # as printed in the Score column
    met: bool | None  # None: no score yet

    @property
    def met_text(self) -> str:
        return "–" if self.met is None else "Yes" if self.met else "No"


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
    floor = rubric.thresholds.factor_floor
    lines = []
    for factor in rubric.factors:
        score = report.scores.get(factor.key)
        cycle = None if report.banked is None else report.banked.get(factor.key)
        mark = "" if report.banked is None else mark_text(cycle)
        adjudicator = report.adjudicated.get(factor.key)
        if adjudicator is not None:
            mark = f"{mark}; " if mark else ""
            mark += f"adjudicated by {adjudicator}"
        if score is None:
            lines.append(FactorLine(factor, None, NOT_SCORED, "", None, False, None, cycle, mark))
            continue
        lines.append(
            FactorLine(
                factor=factor,
                score=score,
                score_text=format_score(score),
                level_text=_level_text(rubric, score),
                accomplished=score >= rubric.thresholds.accomplished,
                retake=factor.key in decision.retake,
                met=score >= floor,
                banked_cycle=cycle,
                mark=mark,
            )
        )
    return lines


def mark_text(banked_cycle: str | None) -> str:
    """ "banked (2025-26)" for a score kept from an earlier cycle, "new" for one of this cycle."""
    return "new" if banked_cycle is None else f"banked ({banked_cycle})"


def requirements(report: CandidateReport) -> list[Requirement]:
    """Every requirement of certification, from the rubric's thresholds, met or not (the Met?
    column): each factor at least the floor, in rubric order, then the overall score."""
    t = report.rubric.thresholds
    floor, cert = format_score(t.factor_floor), format_score(t.certification)
    rows = [
        Requirement(line.factor.name, floor, line.score_text, line.met)
        for line in factor_lines(report)
    ]
    overall = report.decision.overall
    complete = report.decision.status is not Status.INCOMPLETE
    met = None if overall is None or not complete else overall >= t.certification
    rows.append(Requirement("Overall score", cert, overall_text(report), met))
    return rows


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
        alone = (
            f"{first} With the scores that stand, retaking {'it' if len(names) == 1 else 'them'} "
            f"alone cannot bring the overall score to {cert}, even at the top of the scale."
        )
        plan = raise_plan(report)
        return alone if plan is None else f"{alone} {plan_text(report, plan)}"
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


@dataclass(frozen=True)
class Calculation:
    """The overall score's arithmetic, printed so that a candidate can redo it.

    `terms` are the factor scores as the equation prints them; `total` is their (weighted) sum,
    exact; `total / divisor`, rounded to two decimals, is the overall score printed. When every
    factor score is exact at two decimals the terms are the table's scores (`rounded` False);
    else the terms carry the decimals that make them exact (3.125), and the report says the
    table's are rounded. When some score has no exact decimal (a mean of three reads: 37/12),
    there is no `total`: the report says plainly that the overall comes from exact values.
    """

    terms: tuple[str, ...]  # "3.125", or "2 × 3.125" with weights
    total: str | None  # "22.625"; None when a score has no exact decimal
    divisor: str  # "7"
    overall: str  # as printed everywhere else
    rounded: bool  # the table's two-decimal scores are rounded, not exact


_MAX_PLACES = 4  # a mean of two reads needs three (3.125), of four reads four (3.0625)


def exact_text(value: Fraction, places: int = 2) -> str | None:
    """The value with the fewest decimals (at least `places`, at most four) that show it
    exactly: 3 -> "3.00", 25/8 -> "3.125"; None when no such decimal is exact (37/12)."""
    for n in range(places, _MAX_PLACES + 1):
        scaled = value * 10**n
        if scaled.denominator == 1:
            return f"{Decimal(scaled.numerator).scaleb(-n):.{n}f}"
    return None


def calculation(report: CandidateReport) -> Calculation | None:
    """The arithmetic of the overall score (so far) with this candidate's numbers; None when no
    factor is scored."""
    rubric = report.rubric
    scored = [(f, s) for f in rubric.factors if (s := report.scores.get(f.key)) is not None]
    if not scored:
        return None
    if rubric.equal_weights:
        total_value = sum((s for _, s in scored), Fraction(0))
    else:
        total_value = sum((f.weight * s for f, s in scored), Fraction(0))
    # One number of decimals for every term: the fewest that show each score exactly.
    exact = [exact_text(s) for _, s in scored]
    places = max((len(t.partition(".")[2]) for t in exact if t is not None), default=2)
    rounded = places > 2 or any(t is None for t in exact)  # the table's are not exact
    total = exact_text(total_value, places)
    weights_exact = all(exact_text(f.weight, 0) is not None for f, _ in scored)
    if total is None or not weights_exact or any(t is None for t in exact):
        texts = [format_score(s) for _, s in scored]
        total = None
    else:
        texts = [exact_text(s, places) or "" for _, s in scored]
    if rubric.equal_weights:
        terms = tuple(texts)
        divisor = str(len(scored))
    else:
        terms = tuple(
            f"{_number(f.weight)} × {text}" for (f, _), text in zip(scored, texts, strict=True)
        )
        divisor = _number(sum((f.weight for f, _ in scored), Fraction(0)))
    return Calculation(terms, total, divisor, overall_text(report), rounded)


def calculation_text(report: CandidateReport) -> str:
    """How the overall score was calculated, with this candidate's numbers, so that the numbers
    printed add up: either the arithmetic re-adds exactly from what it prints, or it says that
    the overall score comes from exact values the page does not show."""
    rubric, d = report.rubric, report.decision
    calc = calculation(report)
    if calc is None:
        return "The overall score is calculated once the factors are scored."
    how = (
        f"the sum of the {len(rubric.factors)} factor scores divided by {len(rubric.factors)}"
        if rubric.equal_weights
        else "the weighted mean of the factor scores (each score times its weight)"
    )
    so_far = "so far " if d.status is Status.INCOMPLETE else ""
    if calc.total is None:
        return (
            f"The overall score is {how}, calculated from the exact factor scores: the table "
            "rounds them to two decimals and some have no exact decimal (a mean of three reads), "
            f"so adding the rounded scores can differ by 0.01 from the overall score {so_far}of "
            f"{calc.overall}."
        )
    equation = f"({' + '.join(calc.terms)}) / {calc.divisor} = {calc.total} / {calc.divisor}"
    if calc.rounded:
        return (
            f"The overall score is {how}, calculated from the exact factor scores (the table "
            f"rounds them to two decimals): {so_far}{equation} = {calc.overall}."
        )
    return f"The overall score is {how}: {so_far}{equation} = {calc.overall}."


# --- what would certify ----------------------------------------------------------------------


def raise_plan(report: CandidateReport) -> RaisePlan | None:
    """The smallest set of raises that would certify (scoring/raises.py); None when the report
    has no decision yet, is certified, or when nothing would certify."""
    d = report.decision
    if d.status is not Status.NOT_CERTIFIED:
        return None
    plan = smallest_raises(report.rubric, report.scores)
    return plan if plan is not None and plan.raises else None


def plan_text(report: CandidateReport, plan: RaisePlan) -> str:
    """The plan in words: which factors, from what to at least what, and the overall after."""
    rubric = report.rubric
    parts = [
        f"{rubric.factor(r.key).name} from {format_score(r.current)} to at least "
        f"{format_score(r.target.value)} ({r.target.label})"
        for r in plan.raises
    ]
    after = format_score(plan.overall)
    if len(parts) == 1:
        head = (
            f"The smallest change that would certify is one factor raised in a retake: {parts[0]}"
        )
    else:
        head = (
            f"The smallest change that would certify is {len(parts)} factors raised in a retake: "
            f"{_and(parts)}"
        )
    return (
        f"{head}; the overall score would then be {after}. (Smallest: the fewest factors, then "
        "the least raise in total.)"
    )


def next_step_text(report: CandidateReport) -> str | None:
    """For a candidate not certified with no factor to retake: how far the overall score is
    from the threshold, and the smallest set of raises that would certify. None otherwise."""
    d, t = report.decision, report.rubric.thresholds
    if d.status is not Status.NOT_CERTIFIED or d.retake or d.overall is None:
        return None
    cert, floor = format_score(t.certification), format_score(t.factor_floor)
    shown = overall_text(report)
    gap = Decimal(cert) - Decimal(shown)  # from the numbers printed, so that they re-add
    first = (
        f"The overall score of {shown} is {gap} below the {cert} needed; no factor is below the "
        f"floor of {floor}, so no factor must be retaken."
    )
    plan = raise_plan(report)
    if plan is None:
        return first
    return f"{first} {plan_text(report, plan)}"


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
