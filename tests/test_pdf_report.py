"""The candidate score report: read back from the PDF (pypdf) for its words and its pages."""

from __future__ import annotations

import dataclasses
import unicodedata
from collections.abc import Mapping
from datetime import date
from fractions import Fraction
from pathlib import Path

import pytest
from pypdf import PdfReader

from icg_desk.demo.batch import DEMO_COHORT, write_demo_batch
from icg_desk.export import pdf_report
from icg_desk.export.pdf_report import ReportError, esc, write_report, write_reports
from icg_desk.export.report_data import (
    CandidateReport,
    calculation_text,
    reports_from_batch,
    retake_text,
)
from icg_desk.models.batch_file import BatchFile
from icg_desk.operations.batch_work import BatchWork
from icg_desk.scoring import Decision, Status, decide
from icg_desk.scoring.rubric import Rubric

ISSUED = date(2026, 10, 31)
# docs/scoring.md's example: 3 3+ 2- 4 3 3 2+ sums to 20.25; / 7 = 2.89; certified.
CERTIFIED = ("3", "3+", "2-", "4", "3", "3", "2+")
# Data below the 1.75 floor: overall exactly 2.75, yet not certified; Data is retaken.
ONE_RETAKE = ("3", "3", "1+", "3", "3", "3", "3")
WEAKEST = ("1-",) * 7  # every factor an area to strengthen: the longest report there is


def scores_of(rubric: Rubric, labels: tuple[str | None, ...]) -> dict[str, Fraction | None]:
    return {
        key: None if label is None else rubric.scale.parse(label)
        for key, label in zip(rubric.factor_keys, labels, strict=True)
    }


def report(
    rubric: Rubric,
    labels: tuple[str | None, ...] = CERTIFIED,
    *,
    name: str = "Zoë Ñúñez-O'Brien",
    code: str = "C27-04813",
    cohort: str = "2026-27",
    preview: bool = False,
    decision: Decision | None = None,
) -> CandidateReport:
    scores: Mapping[str, Fraction | None] = scores_of(rubric, labels)
    return CandidateReport(
        candidate_code=code,
        display_name=name,
        cohort=cohort,
        rubric=rubric,
        scores=scores,
        decision=decision or decide(rubric, scores),
        issued=ISSUED,
        preview=preview,
    )


def pdf_text(path: Path) -> tuple[str, int]:
    """The PDF's words with runs of white space made one space, and its page count."""
    pages = PdfReader(path).pages
    return " ".join(" ".join(page.extract_text() for page in pages).split()), len(pages)


def printed(tmp_path: Path, rep: CandidateReport) -> tuple[str, int]:
    path = tmp_path / f"{rep.candidate_code}.pdf"
    write_report(rep, path)
    return pdf_text(path)


# --- what the report says ---------------------------------------------------------------------


def test_a_certified_report_says_everything(tmp_path: Path, revised: Rubric) -> None:
    text, pages = printed(tmp_path, report(revised))
    assert pages == 2  # the look-fors of its two areas to strengthen run onto a second page
    for words in (
        "ICG Coaching Certification",
        "Zoë Ñúñez-O'Brien",
        "C27-04813",
        "2026-27",
        "icg-revised",
        "October 31, 2026",
        "Certified",
        "The overall score of 2.89 meets the 2.75 needed for certification",
        "(3.00 + 3.25 + 1.75 + 4.00 + 3.00 + 3.00 + 2.25) / 7 = 20.25 / 7 = 2.89",
        "Impact Cycle 3.00 3 – Clear evidence Yes 1.75 Yes",
        "Data 1.75 2 – Limited evidence No 1.75 Yes",  # at the floor: met
        "Overall score 2.89 2.75 Yes",
        "How the scores work",
        "0.75–1.25",
        "3.75–4.25",
        "Little or no evidence",
        "Less than accomplished",
        "C27-04813 · Page 1 of 2",
        "C27-04813 · Page 2 of 2",
    ):
        assert words in text
    for factor in revised.factors:
        assert factor.name in text
    assert "What to retake" not in text
    assert "SCORER'S PREVIEW" not in text
    # Areas to strengthen: the two factors below 2.75, each with its look-fors.
    assert "Areas to strengthen" in text
    for key in ("data", "system_support"):
        for look_for in revised.factor(key).look_fors:
            assert " ".join(look_for.split()) in text
    assert revised.factor("leadership").look_fors[0] not in text


def test_a_strong_certified_report_is_one_page(tmp_path: Path, revised: Rubric) -> None:
    text, pages = printed(tmp_path, report(revised, ("3", "4-", "4", "3+", "4", "4+", "3")))
    assert pages == 1
    assert "Certified" in text
    assert "Areas to strengthen" not in text


def test_a_retake_says_which_factor_and_what_it_must_reach(tmp_path: Path, revised: Rubric) -> None:
    text, pages = printed(tmp_path, report(revised, ONE_RETAKE))
    assert pages in (1, 2)
    assert "Not certified" in text
    assert "Data is below the factor floor of 1.75 and must be retaken" in text
    assert "Data 1.25 1 – Little or no evidence No 1.75 No: retake" in text
    assert "What to retake" in text
    assert "Resubmit a revised version of Data; the other factor scores stand." in text
    assert "It must reach at least 1.75 (2-)" in text


def test_the_weakest_report_still_ends_on_its_second_page(tmp_path: Path, revised: Rubric) -> None:
    text, pages = printed(tmp_path, report(revised, WEAKEST))
    assert pages == 2
    assert "C27-04813 · Page 2 of 2" in text
    for factor in revised.factors:
        for look_for in factor.look_fors:
            assert " ".join(look_for.split()) in text
    # Retaking every factor at 4.25 would certify: the lowest score that does is 2.75.
    assert "Each must reach at least 2.75 (3-)" in text


def test_when_retakes_alone_cannot_certify_the_report_says_so(revised: Rubric) -> None:
    labels = ("2-", "2-", "1", "2-", "2-", "2-", "2-")  # (6 x 1.75 + 4.25) / 7 < 2.75
    words = retake_text(report(revised, labels))
    assert "retaking it alone cannot bring the overall score to 2.75" in words


def test_a_weighted_rubric_shows_the_weights_in_the_calculation(revised: Rubric) -> None:
    factors = tuple(
        dataclasses.replace(f, weight=Fraction(2)) if f.key == "impact_cycle" else f
        for f in revised.factors
    )
    weighted = dataclasses.replace(revised, factors=factors)
    words = calculation_text(report(weighted))
    assert words.startswith("The overall score is the weighted mean")
    assert "(2 × 3.00 + 1 × 3.25" in words
    assert ") / 8 = " in words


def test_a_scorers_preview_is_marked_as_one(tmp_path: Path, revised: Rubric) -> None:
    text, _ = printed(tmp_path, report(revised, name="C27-04813", preview=True))
    assert "SCORER'S PREVIEW · NOT FOR RELEASE TO THE CANDIDATE" in text
    assert "Candidate score report" not in text


# --- a batch, and a portfolio scored half-way -------------------------------------------------


@pytest.fixture(scope="module")
def demo_batch(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_demo_batch(tmp_path_factory.mktemp("batch") / "b.icgbatch", portfolios=8, seed=4)


@pytest.fixture(scope="module")
def demo_reports(demo_batch: Path) -> list[CandidateReport]:
    with BatchFile.open(demo_batch) as batch:
        return reports_from_batch(batch, issued=ISSUED)


def test_reports_from_a_batch_are_previews_in_batch_order(
    demo_batch: Path, demo_reports: list[CandidateReport]
) -> None:
    with BatchFile.open(demo_batch) as batch:
        summaries = BatchWork(batch).portfolios()
    assert [r.candidate_code for r in demo_reports] == [p.candidate_code for p in summaries]
    for rep, summary in zip(demo_reports, summaries, strict=True):
        assert rep.preview
        assert rep.display_name == rep.candidate_code
        assert rep.cohort == DEMO_COHORT
        assert rep.issued == ISSUED
        assert rep.decision == summary.decision
    assert Status.INCOMPLETE in {r.decision.status for r in demo_reports}


def test_an_incomplete_portfolio_prints_what_is_scored_so_far(
    tmp_path: Path, revised: Rubric
) -> None:
    half = ("3", None, "2", "4", None, "3+", None)
    text, pages = printed(tmp_path, report(revised, half, preview=True))
    assert pages in (1, 2)
    assert "Incomplete" in text
    assert "3 of 7 factors are not scored yet, so there is no decision" in text
    assert "Instructional Playbook – Not yet scored" in text
    assert "Overall score so far 3.06" in text  # (3 + 2 + 4 + 3.25) / 4
    assert "What to retake" not in text

    nothing = (None,) * 7
    text, _ = printed(tmp_path, report(revised, nothing, code="C27-00000", preview=True))
    assert "7 of 7 factors are not scored yet" in text
    assert "Not yet scored" in text


def test_a_demo_batch_prints_whole(demo_reports: list[CandidateReport], tmp_path: Path) -> None:
    calls: list[tuple[int, int]] = []

    def progress(done: int, total: int) -> bool:
        calls.append((done, total))
        return True

    run = write_reports(
        demo_reports, outdir=tmp_path / "each", combined=tmp_path / "all.pdf", progress=progress
    )
    n = len(demo_reports)
    assert not run.skipped
    assert not run.cancelled
    assert run.written[:n] == [tmp_path / "each" / f"{r.candidate_code}.pdf" for r in demo_reports]
    assert run.written[n:] == [tmp_path / "all.pdf"]
    # Progress counts reports: one step per report's file, then the combined file as the last
    # step, (n, n + 1) said again after each report laid out in it (for a cancel to be heard).
    assert calls == [(i, n + 1) for i in range(1, n + 1)] + [(n, n + 1)] * n + [(n + 1, n + 1)]
    counts = [pdf_text(path)[1] for path in run.written[:n]]
    assert all(c in (1, 2) for c in counts)
    text, pages = pdf_text(tmp_path / "all.pdf")
    assert pages == sum(counts)
    for rep in demo_reports:
        assert f"{rep.candidate_code} · Page 1" in text  # each candidate's pages count from 1
    assert not list(tmp_path.rglob("*.part"))


# --- untrusted text ---------------------------------------------------------------------------


def test_markup_in_data_prints_literally(tmp_path: Path, revised: Rubric) -> None:
    factors = tuple(
        dataclasses.replace(f, name="Data <font size=40>&amp;", look_fors=("Use </para> & <br/>",))
        if f.key == "data"
        else f
        for f in revised.factors
    )
    rubric = dataclasses.replace(revised, factors=factors, program="ICG <b>Coaching</b>")
    rep = report(rubric, name="Ana 🙂 <b>Bold</b> & Co", cohort="<i>2026</i>", code="C<1>&2")
    text, _ = printed(tmp_path, rep)
    for literal in (
        "Ana <b>Bold</b> & Co",
        "<i>2026</i>",
        "C<1>&2",
        "Data <font size=40>&amp;",
        "Use </para> & <br/>",
        "ICG <b>Coaching</b>",
    ):
        assert literal in text


@pytest.mark.parametrize(
    "name",
    [
        "Zoë Ñúñez-O'Brien",
        "王小明",
        "김민수 and 東京",
        '=HYPERLINK("x")',
        "Ana 🙂 <b>Bold</b> & Co",
    ],
)
def test_names_in_any_script_print_as_written(tmp_path: Path, revised: Rubric, name: str) -> None:
    text, _ = printed(tmp_path, report(revised, name=name))
    # Emoji no embedded font has are left out, never printed as a box.
    assert name.replace("🙂 ", "") in text


def test_arabic_is_joined_and_right_to_left(tmp_path: Path, revised: Rubric) -> None:
    text, _ = printed(tmp_path, report(revised, name="محمد العلي"))
    # On the page: the joined (presentation) forms; pypdf puts them back in reading order, and
    # compatibility normalisation turns them back into the letters typed.
    assert "محمد العلي" in unicodedata.normalize("NFKC", text)
    # Display order, as the Unicode bidirectional algorithm has it for a left-to-right line.
    assert esc("Ali محمد 12 (x) العلي") == "Ali 12 ﺪﻤﺤﻣ (x) ﻲﻠﻌﻟﺍ"
    assert esc("Dana (דנה) Levi") == "Dana (הנד) Levi"


def test_esc_leaves_out_what_no_font_has() -> None:
    assert esc("👨‍👩‍👧 Family 🇺🇸") == "Family"  # emoji, their joiners and flags
    assert esc("A\u202eB\tC\x00") == "AB C"  # a bidi override cannot reorder a name
    assert esc("प") == "\ufffd"  # a letter of a script no font has: visibly missing
    assert esc("王 <x>") == '<font name="DroidSansFallback">王</font> &lt;x&gt;'
    with pytest.raises(ReportError):
        esc(None)  # type: ignore[arg-type]


# --- one bad record among many, cancelling ----------------------------------------------------


def test_bad_records_are_skipped_and_reported(tmp_path: Path, revised: Rubric) -> None:
    good = [report(revised, name=f"Good {i}", code=f"C27-1000{i}") for i in range(3)]
    no_name = report(revised, name=None, code="C27-NONAME")  # type: ignore[arg-type]
    wrong = decide(revised, scores_of(revised, ONE_RETAKE))
    unknown = report(
        revised,
        ONE_RETAKE,
        code="C27-UNKNOWN",
        decision=dataclasses.replace(wrong, retake=("no_such_factor",)),
    )
    huge = report(revised, code="X " * 3000)  # laid out taller than a page: fails only then
    reports = [good[0], no_name, good[1], unknown, huge, good[2]]
    run = write_reports(reports, outdir=tmp_path / "each", combined=tmp_path / "all.pdf")
    assert [code for code, _ in run.skipped] == ["C27-NONAME", "C27-UNKNOWN", huge.candidate_code]
    why = dict(run.skipped)
    assert "expected text" in why["C27-NONAME"]
    assert "no_such_factor" in why["C27-UNKNOWN"]
    assert sorted(p.name for p in (tmp_path / "each").iterdir()) == [
        "C27-10000.pdf",
        "C27-10001.pdf",
        "C27-10002.pdf",
    ]
    text, pages = pdf_text(tmp_path / "all.pdf")
    assert pages == sum(pdf_text(p)[1] for p in run.written[:3])
    assert all(f"Good {i}" in text for i in range(3))
    assert "Skipped" not in text
    assert "X X X" not in text


def test_a_failing_font_lookup_skips_only_the_record_that_needs_it(
    tmp_path: Path, revised: Rubric, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_cjk_font() -> None:
        raise ReportError("the font DroidSansFallback.ttf cannot be loaded: missing")

    pdf_report._esc.cache_clear()  # a name escaped before would not look the font up again
    monkeypatch.setattr(pdf_report, "_cjk_cmap", no_cjk_font)
    reports = [report(revised, code="C27-1"), report(revised, name="李华", code="C27-2")]
    run = write_reports(reports, combined=tmp_path / "all.pdf")
    pdf_report._esc.cache_clear()
    assert run.skipped == [("C27-2", "the font DroidSansFallback.ttf cannot be loaded: missing")]
    assert "C27-1 · Page 1" in pdf_text(tmp_path / "all.pdf")[0]


def test_cancelling_leaves_no_combined_file(tmp_path: Path, revised: Rubric) -> None:
    reports = [report(revised, code=f"C27-2000{i}") for i in range(6)]
    calls: list[tuple[int, int]] = []

    def progress(done: int, total: int) -> bool:
        calls.append((done, total))
        return done < 3

    run = write_reports(reports, combined=tmp_path / "all.pdf", progress=progress)
    assert run.cancelled
    assert run.written == []
    assert run.skipped == []
    assert calls == [(1, 6), (2, 6), (3, 6)]
    assert list(tmp_path.iterdir()) == []  # no file under the final name, no temporary one


def test_a_failed_report_leaves_no_file(tmp_path: Path, revised: Rubric) -> None:
    with pytest.raises(ReportError):
        write_report(report(revised, name=None), tmp_path / "x.pdf")  # type: ignore[arg-type]
    assert list(tmp_path.iterdir()) == []


def test_write_reports_needs_somewhere_to_write(revised: Rubric) -> None:
    with pytest.raises(ValueError, match="outdir"):
        write_reports([report(revised)])


def test_file_names_are_safe_and_unique() -> None:
    used: set[str] = set()
    names = [
        pdf_report._file_name(code, used)
        for code in ("C27-1", "c27-1", "../../etc/passwd", "CON", "", "王小明", "a/b\\c:d")
    ]
    assert names == [
        "C27-1.pdf",
        "c27-1-2.pdf",
        "etc_passwd.pdf",
        "_CON.pdf",
        "candidate.pdf",
        "candidate-2.pdf",
        "a_b_c_d.pdf",
    ]


def test_a_record_that_fails_only_in_layout_is_left_out_of_the_combined_file(
    tmp_path: Path, revised: Rubric
) -> None:
    # Its candidate code is taller than a page: ReportLab finds out while laying the file out,
    # half-way through; the file is built again without it.
    huge = report(revised, code="X " * 3000)
    reports = [report(revised, code="C27-1"), huge, report(revised, code="C27-2")]
    calls: list[tuple[int, int]] = []

    def progress(done: int, total: int) -> bool:
        calls.append((done, total))
        return True

    run = write_reports(reports, combined=tmp_path / "all.pdf", progress=progress)
    assert [code for code, _ in run.skipped] == [huge.candidate_code]
    assert "far too long" in run.skipped[0][1]
    assert run.written == [tmp_path / "all.pdf"]
    assert [done for done, _ in calls] == sorted(set(done for done, _ in calls))
    assert calls[-1] == (3, 3)
    text, _ = pdf_text(tmp_path / "all.pdf")
    assert "C27-1 · Page 1" in text
    assert "C27-2 · Page 1" in text
    assert [p.name for p in tmp_path.iterdir()] == ["all.pdf"]
