"""A score report a candidate can check: read back from every page of a generated cohort's
reports, its arithmetic re-adds, its Met? column agrees with the decision, every page says
"Page N of M", and every page of a preview says why it is provisional.

The words are checked without a PDF too (report_data), over many score vectors.
"""

from __future__ import annotations

import dataclasses
import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal
from fractions import Fraction as F
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pypdf import PdfReader

from icg_desk.demo.cohort import build_demo_cohort
from icg_desk.export.cohort_reports import write_cohort_reports
from icg_desk.export.pdf_report import write_report
from icg_desk.export.report_data import (
    CandidateReport,
    calculation_text,
    next_step_text,
    provisional_text,
    requirements,
    retake_text,
)
from icg_desk.models.cohort_file import CohortFile
from icg_desk.models.cohort_results import (
    CandidateResult,
    CohortResults,
    cohort_results,
    release_results,
)
from icg_desk.models.rubric_file import builtin_rubric
from icg_desk.scoring import Status, combine_reads, decide, format_score
from icg_desk.scoring.rubric import Rubric

RUBRIC = builtin_rubric("icg-revised")
VALUES = [v.value for v in RUBRIC.scale.values]
ISSUED = date(2026, 10, 31)


def made(rubric: Rubric, scores: dict[str, F | None], **fields: object) -> CandidateReport:
    return CandidateReport(
        candidate_code=str(fields.pop("code", "C27-00001")),
        display_name=str(fields.pop("name", "Ann <b>Example</b> & Co")),
        cohort="2026-27",
        rubric=rubric,
        scores=scores,
        decision=decide(rubric, scores),
        issued=ISSUED,
        preview=bool(fields.pop("preview", False)),
        **fields,  # type: ignore[arg-type]
    )


def words(text: str) -> str:
    return unicodedata.normalize("NFC", " ".join(text.split()))


# --- re-adding what the page says ------------------------------------------------------------

EQUATION = re.compile(
    r"(?:so far )?\((?P<terms>[^()]*)\) / (?P<div>[\d.]+) = (?P<total>[\d.]+) / (?P=div) = "
    r"(?P<overall>\d+\.\d+)\."
)
PLAIN = "calculated from the exact factor scores: the table rounds them to two decimals"


def shown(value: Decimal, threshold: Decimal) -> str:
    """The overall as the rule prints it: two decimals half up, never rounded up to a
    threshold it misses (then four decimals, cut)."""
    two = value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    if value < threshold and two == threshold:
        return f"{value.quantize(Decimal('0.0001'), rounding=ROUND_DOWN):.4f}"
    return f"{two:.2f}"


def readd(text: str, table_scores: list[str], rubric: Rubric) -> str:
    """Redo the printed arithmetic; returns the overall it prints. Fails when it does not add
    up, unless the page says plainly that the overall comes from exact values."""
    found = EQUATION.search(text)
    if found is None:
        assert PLAIN in text, text
        return re.search(r"overall score (?:so far )?of (\d+\.\d+)\.", text).group(1)  # type: ignore[union-attr]
    terms = found["terms"].split(" + ")
    assert len(terms) == len(table_scores)
    total = Decimal(0)
    for term, table in zip(terms, table_scores, strict=True):
        weight, _, score = term.rpartition(" × ")
        value = Decimal(score)
        total += value * (Decimal(weight) if weight else 1)
        # Each term is the table's score, or the exact score the table rounds.
        assert value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP) == Decimal(table)
        if score != table:
            assert "the table rounds them to two decimals" in text
    assert total == Decimal(found["total"])  # the sum is exact: it re-adds
    cert = Decimal(format_score(rubric.thresholds.certification))
    overall = total / Decimal(found["div"])
    assert shown(overall, cert) == found["overall"]
    return found["overall"]


@settings(max_examples=400, deadline=None)
@given(
    st.lists(st.lists(st.sampled_from(VALUES), min_size=1, max_size=4), min_size=7, max_size=7),
    st.sampled_from([None, (1, 1, 1, 1, 1, 1, 1), (2, 1, 1, 3, 1, 1, 2), (44, 1, 1, 1, 1, 1, 1)]),
)
def test_the_arithmetic_re_adds_for_any_reads_and_weights(reads, weights) -> None:
    """Means of 1 to 4 reads (three reads have no exact decimal) on equal and unequal weights."""
    rubric = RUBRIC
    if weights is not None:
        factors = tuple(
            dataclasses.replace(f, weight=F(w))
            for f, w in zip(RUBRIC.factors, weights, strict=True)
        )
        rubric = dataclasses.replace(RUBRIC, factors=factors)
    scores: dict[str, F | None] = {
        k: combine_reads(rubric, k, r).score for k, r in zip(rubric.factor_keys, reads, strict=True)
    }
    report = made(rubric, scores)
    table = [req.score_text for req in requirements(report)[:-1]]
    printed = readd(calculation_text(report), table, rubric)
    assert printed == requirements(report)[-1].score_text
    if all(len(r) in (1, 2, 4) for r in reads):  # exact decimals: the arithmetic is printed
        assert EQUATION.search(calculation_text(report))


def test_the_issues_example_now_re_adds() -> None:
    # Factor means 3.50 4.125 1.875 3.125 1.875 4.00 4.125: the rounded scores add to 22.64,
    # which / 7 gives 3.23 only by luck; the exact sum is printed instead.
    means = ["3.5", "4.125", "1.875", "3.125", "1.875", "4", "4.125"]
    report = made(RUBRIC, dict(zip(RUBRIC.factor_keys, map(F, means), strict=True)))
    assert calculation_text(report) == (
        "The overall score is the sum of the 7 factor scores divided by 7, calculated from the "
        "exact factor scores (the table rounds them to two decimals): (3.500 + 4.125 + 1.875 + "
        "3.125 + 1.875 + 4.000 + 4.125) / 7 = 22.625 / 7 = 3.23."
    )


def test_a_mean_of_three_reads_says_plainly_the_overall_is_exact() -> None:
    scores: dict[str, F | None] = {k: F(3) for k in RUBRIC.factor_keys}
    scores["data"] = F(37, 12)  # (3 + 3 + 3.25) / 3
    text = calculation_text(made(RUBRIC, scores))
    assert EQUATION.search(text) is None
    assert PLAIN in text
    assert text.endswith("can differ by 0.01 from the overall score of 3.01.")


# --- Met?, what would certify ----------------------------------------------------------------


def test_met_column_follows_the_rubrics_thresholds() -> None:
    scores: dict[str, F | None] = {k: F(3) for k in RUBRIC.factor_keys}
    scores["data"] = F(3, 2)
    rows = requirements(made(RUBRIC, scores))
    assert [(r.label, r.needed, r.met_text) for r in rows[2:4]] == [
        ("Data", "1.75", "No"),
        ("Communication", "1.75", "Yes"),
    ]
    assert (rows[-1].label, rows[-1].needed, rows[-1].met_text) == ("Overall score", "2.75", "Yes")
    # Thresholds come from the rubric, not the page: a stricter rubric changes the column.
    strict = dataclasses.replace(
        RUBRIC,
        thresholds=dataclasses.replace(RUBRIC.thresholds, certification=F(3), factor_floor=F(1, 1)),
    )
    rows = requirements(made(strict, scores))
    assert [(r.needed, r.met_text) for r in (rows[2], rows[-1])] == [
        ("1.00", "Yes"),
        ("3.00", "No"),
    ]
    scores["playbook"] = None
    rows = requirements(made(RUBRIC, scores))
    assert rows[1].met_text == "–"
    assert rows[-1].met_text == "–"  # no decision on the overall while a factor is unscored


@pytest.mark.parametrize(
    ("means", "gap", "plan"),
    [
        (
            ["2.5"] * 7,
            "0.25",
            "one factor raised in a retake: Impact Cycle from 2.50 to at least 4.25 (4+); "
            "the overall score would then be 2.75.",
        ),
        (
            ["2.5", "2.75", "2.875", "2.75", "2.75", "3.0", "2.5"],  # 19.125 / 7 = 2.73
            "0.02",
            "one factor raised in a retake: Data from 2.88 to at least 3.00 (3); "
            "the overall score would then be 2.75.",
        ),
        (
            ["2", "2", "2", "2", "2", "2", "4.25"],  # 16.25 / 7 = 2.32: 3.00 short
            "0.43",
            # 3.00 more in 2 factors, as evenly as the scale allows: 1.25 and 1.75 (not 0.75
            # and 2.25), the lower target first in rubric order.
            "2 factors raised in a retake: Impact Cycle from 2.00 to at least 3.25 (3+) and "
            "Instructional Playbook from 2.00 to at least 3.75 (4-); "
            "the overall score would then be 2.75.",
        ),
    ],
)
def test_not_certified_without_a_retake_gets_the_gap_and_the_smallest_raises(
    means: list[str], gap: str, plan: str
) -> None:
    report = made(RUBRIC, dict(zip(RUBRIC.factor_keys, map(F, means), strict=True)))
    assert report.decision.status is Status.NOT_CERTIFIED
    assert not report.decision.retake
    text = next_step_text(report)
    assert text is not None
    overall = requirements(report)[-1].score_text
    assert f"The overall score of {overall} is {gap} below the 2.75 needed" in text
    assert Decimal(overall) + Decimal(gap) == Decimal("2.75")  # re-adds from the page
    assert plan in text
    assert "(Smallest: the fewest factors, then the least raise in total.)" in text


def test_no_next_step_for_certified_retake_or_incomplete() -> None:
    three: dict[str, F | None] = {k: F(3) for k in RUBRIC.factor_keys}
    assert next_step_text(made(RUBRIC, three)) is None
    assert next_step_text(made(RUBRIC, three | {"data": F(1)})) is None  # "What to retake"
    assert next_step_text(made(RUBRIC, three | {"data": None})) is None


def test_a_retake_that_alone_cannot_certify_gets_the_smallest_raises() -> None:
    means = ["1.25", "2", "2", "2", "1.75", "2", "2.25"]
    report = made(RUBRIC, dict(zip(RUBRIC.factor_keys, map(F, means), strict=True)))
    text = retake_text(report)
    assert "retaking it alone cannot bring the overall score to 2.75" in text
    assert (
        "The smallest change that would certify is 3 factors raised in a retake: Impact Cycle "
        "from 1.25 to at least 3.25 (3+), Instructional Playbook from 2.00 to at least 3.75 (4-) "
        "and Working with Adults from 1.75 to at least 4.00 (4); the overall score would then "
        "be 2.75."
    ) in text


# --- banked and new marks, the provisional line -----------------------------------------------


def page_texts(path: Path) -> list[str]:
    return [words(page.extract_text()) for page in PdfReader(path).pages]


def test_banked_and_new_marks_print_only_when_known(tmp_path: Path) -> None:
    scores: dict[str, F | None] = {k: F(3) for k in RUBRIC.factor_keys}
    banked: dict[str, str | None] = {k: "2025-26" for k in RUBRIC.factor_keys}
    banked["data"] = None  # retaken this cycle: new
    banked["leadership"] = "<i>2024</i>"  # untrusted text from a file: printed as typed
    write_report(made(RUBRIC, scores, banked=banked), tmp_path / "banked.pdf")
    text = " ".join(page_texts(tmp_path / "banked.pdf"))
    assert "Impact Cycle banked (2025-26) 3.00" in text
    assert "Data new 3.00" in text
    assert "Leadership banked (<i>2024</i>) 3.00" in text
    write_report(made(RUBRIC, scores), tmp_path / "plain.pdf")
    text = " ".join(page_texts(tmp_path / "plain.pdf"))
    assert "Impact Cycle 3.00" in text
    assert "banked" not in text
    assert " new " not in text


def result(reads_in: int, reads_needed: int = 2, partial: int = 0) -> CandidateResult:
    factors = tuple(combine_reads(RUBRIC, k, [F(3)] * reads_in) for k in RUBRIC.factor_keys)
    return CandidateResult(
        "1001", "C27-00001", "Ann", "a@example.org", "District", (), reads_needed, reads_in,
        partial, factors, decide(RUBRIC, {f.key: f.score for f in factors}),
    )  # fmt: skip


def test_provisional_text_says_why_from_the_result() -> None:
    assert provisional_text(result(1)) == "Provisional: 1 of 2 reads in"
    assert provisional_text(result(0, partial=1)) == (
        "Provisional: 0 of 2 reads in, 1 read in progress"
    )
    assert provisional_text(result(2)) == "Provisional: 2 of 2 reads in; not released yet"
    assert provisional_text(result(3, 3)) == "Provisional: 3 of 3 reads in; not released yet"


# --- a generated cohort, every page of every report -------------------------------------------


@dataclass(frozen=True)
class Cohort:
    before: CohortResults
    after: CohortResults


@pytest.fixture(scope="module")
def cohort(tmp_path_factory: pytest.TempPathFactory) -> Cohort:
    # 40 candidates, 4 scorers; the first batch has 3 portfolios not scored: those candidates
    # wait with 1 of 2 reads in. Released only once every read is in: the rest are scored.
    folder = tmp_path_factory.mktemp("cohort")
    path = build_demo_cohort(folder, candidates=40, scorers=4, words_per_entry=40, unscored=3)
    with CohortFile.open(path) as file:
        before = cohort_results(file)
    from icg_desk.demo.cohort import accept_every_flag, score_batch
    from icg_desk.operations.merge import merge_files

    batches = sorted((folder / "batches").glob("*.icgbatch"))
    score_batch(batches[0])
    with CohortFile.open(path) as file:
        merge_files(file, batches[:1])
        accept_every_flag(file)  # the made-up reads now in may disagree: release waits for that
        release_results(file)
        after = cohort_results(file)
    assert any(c.reads_missing for c in before.candidates)
    assert not any(c.reads_missing for c in after.candidates)
    return Cohort(before, after)


ROW = (
    r"{name}(?: (?:new|banked \([^)]*\)))? (?P<score>\d+\.\d\d|–) (?P<level>.*?) "
    r"(?:(?:Yes|No) )?(?P<needed>\d+\.\d\d) (?P<met>Yes|No: retake|No|–) "
)
OVERALL_ROW = re.compile(
    r"Overall score(?: so far)? (?P<score>\d+\.\d+|–) (?P<needed>\d+\.\d\d) (?P<met>Yes|No|–) "
)
RAISE = re.compile(r"(?P<name>[A-Z][A-Za-z ]+?) from (\d+\.\d\d) to at least (?P<to>\d+\.\d\d) \(")


def check_report(path: Path, candidate: CandidateResult, rubric: Rubric, preview: bool) -> str:
    """Every check a candidate could make on their own report; returns its text."""
    pages = page_texts(path)
    for n, page in enumerate(pages, start=1):
        assert f"{candidate.code} · Page {n} of {len(pages)}" in page, (path, n)
        line = provisional_text(candidate)
        if preview:
            assert line in page, (path, n)
        else:
            assert "Provisional" not in page
    text = " ".join(pages)
    table_at = text.index("Factor scores and requirements")
    t, d = rubric.thresholds, candidate.decision
    scores = []
    at = table_at
    for factor in rubric.factors:
        row = re.compile(ROW.format(name=re.escape(factor.name))).search(text, at)
        assert row is not None, (factor.name, text[at : at + 300])
        at = row.end()
        exact = candidate.scores[factor.key]
        assert row["needed"] == format_score(t.factor_floor)
        if exact is None:
            assert (row["score"], row["met"]) == ("–", "–")
            continue
        scores.append(row["score"])
        met = "Yes" if exact >= t.factor_floor else "No: retake"
        assert row["met"] == met, factor.name
        assert (factor.key in d.retake) == (met == "No: retake")
    overall = OVERALL_ROW.search(text, at)
    assert overall is not None
    assert overall["needed"] == format_score(t.certification)
    if d.status is Status.INCOMPLETE:
        assert overall["met"] == "–"
    else:
        assert (overall["met"] == "Yes") == (d.overall is not None and d.overall >= F(11, 4))
        # Met? agrees with the decision: certified exactly when every requirement is met.
        assert (overall["met"] == "Yes" and not d.retake) == (d.status is Status.CERTIFIED)
    calc = text[text.index("The overall score is", overall.end()) :]
    if scores:
        assert readd(calc, scores, rubric) == overall["score"]
    if d.status is Status.NOT_CERTIFIED and not d.retake:
        # The gap re-adds from the page, and the raises it names certify.
        gap = re.search(r"is (\d+\.\d+) below the 2\.75 needed", text)
        assert gap is not None
        assert Decimal(overall["score"]) + Decimal(gap[1]) == Decimal("2.75")
        plan = text[text.index("The smallest change") : text.index("(Smallest:")]
        raised = dict(candidate.scores)
        by_name = {f.name: f.key for f in rubric.factors}
        for found in RAISE.finditer(plan):
            raised[by_name[found["name"]]] = F(found["to"])
        assert raised != candidate.scores
        after = decide(rubric, raised)
        assert after.certified
        assert after.overall is not None
        assert f"the overall score would then be {format_score(after.overall)}." in plan
    return text


def pdf_of(run_paths: list[Path], candidate: CandidateResult) -> Path:
    matches = [p for p in run_paths if p.name.startswith(f"{candidate.candidate_id} ")]
    assert len(matches) == 1
    return matches[0]


def test_every_preview_page_re_adds_and_says_it_is_provisional(
    cohort: Cohort, tmp_path: Path
) -> None:
    results = cohort.before
    run = write_cohort_reports(results, tmp_path, preview=True)
    assert not run.skipped
    waiting = 0
    for candidate in results.candidates:
        text = check_report(pdf_of(run.written[:-1], candidate), candidate, results.rubric, True)
        if candidate.reads_missing:
            waiting += 1
            assert "Provisional: 1 of 2 reads in" in text
            assert "PROVISIONAL DECISION" in text
    assert waiting == 3  # the portfolios left unscored in the first batch
    # The combined file: the same pages, each report numbered on its own.
    combined = page_texts(run.written[-1])
    assert len(combined) == sum(len(PdfReader(p).pages) for p in run.written[:-1])
    assert all("Provisional: " in page for page in combined)


def test_every_released_page_re_adds_and_meets_its_decision(cohort: Cohort, tmp_path: Path) -> None:
    results = cohort.after
    run = write_cohort_reports(results, tmp_path)
    assert not run.skipped
    kinds = {"certified": 0, "retake": 0, "next step": 0, "rounded": 0}
    for candidate in results.candidates:
        text = check_report(pdf_of(run.written[:-1], candidate), candidate, results.rubric, False)
        d = candidate.decision
        kinds["certified"] += d.status is Status.CERTIFIED
        kinds["retake"] += bool(d.retake)
        kinds["next step"] += "What would certify" in text
        kinds["rounded"] += "the table rounds them to two decimals" in text
    # The cohort shows every kind of report the checks are about.
    assert all(kinds.values()), kinds
    numbered = page_texts(run.written[-1])
    assert all(re.search(r"· Page \d+ of \d+", page) for page in numbered)


def test_the_provisional_line_is_on_every_page_as_typed(tmp_path: Path) -> None:
    weakest: dict[str, F | None] = {k: F(3, 4) for k in RUBRIC.factor_keys}  # two pages
    line = "Provisional: <b>1</b> of 2 & 王"
    write_report(made(RUBRIC, weakest, preview=True, provisional=line), tmp_path / "p.pdf")
    pages = page_texts(tmp_path / "p.pdf")
    assert len(pages) == 2
    for n, page in enumerate(pages, start=1):
        assert line in page
        assert f"C27-00001 · Page {n} of 2" in page
    assert "PROVISIONAL DECISION" in pages[0]
