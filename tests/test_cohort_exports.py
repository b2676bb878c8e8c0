"""The coordinator's exports: score reports with names (PDF) and the cohort summary workbook.

Read back: the PDFs with pypdf, the workbook with openpyxl (and its XML, for what openpyxl would
smooth over).
"""

from __future__ import annotations

import dataclasses
import os
import unicodedata
import zipfile
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from openpyxl.worksheet.worksheet import Worksheet
from pypdf import PdfReader

from icg_desk.demo.cohort import build_demo_cohort
from icg_desk.export.cohort_reports import (
    ResultsNotReleased,
    reports_from_results,
    safe_stem,
    unique_pdf_name,
    write_cohort_reports,
)
from icg_desk.export.cohort_summary import write_cohort_summary
from icg_desk.export.pdf_report import write_reports
from icg_desk.export.summary_xlsx import SummaryCancelled
from icg_desk.models.cohort_file import CohortFile
from icg_desk.models.cohort_results import (
    CandidateResult,
    CohortResults,
    ReadRow,
    cohort_results,
    release_results,
)
from icg_desk.scoring import Status, combine_reads, decide, format_score, to_decimal
from icg_desk.scoring.rubric import Rubric


@dataclass(frozen=True)
class Demo:
    before: CohortResults  # as they stood before release
    after: CohortResults  # released


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Demo:
    path = build_demo_cohort(tmp_path_factory.mktemp("cohort"))
    with CohortFile.open(path) as cohort:
        before = cohort_results(cohort)
        release_results(cohort)
        after = cohort_results(cohort)
    assert before.released_at is None
    assert after.released_at is not None
    return Demo(before, after)


@pytest.fixture(scope="module")
def released_folder(demo: Demo, tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("reports")
    run = write_cohort_reports(demo.after, folder)
    assert not run.cancelled
    assert not run.skipped
    return folder


def pdf_text(path: Path) -> tuple[str, int]:
    pages = PdfReader(path).pages
    text = " ".join(" ".join(page.extract_text() for page in pages).split())
    return unicodedata.normalize("NFC", text), len(pages)


# --- the reports' data ------------------------------------------------------------------------


def test_reports_printed_by_workers_read_as_those_printed_in_one_process(
    demo: Demo, released_folder: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from icg_desk.export import report_pool

    # 12 candidates print in this process unless told: here, by two worker processes, each
    # putting 6 consecutive reports together for the combined file.
    monkeypatch.setattr(report_pool, "PARTS_PER_WORKER", 1)
    run = write_cohort_reports(demo.after, tmp_path, workers=2)
    assert not run.cancelled
    assert not run.skipped
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        p.name for p in released_folder.iterdir()
    )
    for path in run.written:
        mine, theirs = PdfReader(path), PdfReader(released_folder / path.name)
        assert [p.extract_text() for p in mine.pages] == [p.extract_text() for p in theirs.pages]
    # The combined file opens on each candidate's bookmark, named as their file is.
    combined = PdfReader(run.written[-1])
    assert [item.title for item in combined.outline] == [  # type: ignore[union-attr]
        f"{c.candidate_id} {c.name}" for c in demo.after.candidates
    ]
    assert combined.metadata is not None
    assert combined.metadata.title == f"Score reports: {len(demo.after.candidates)} candidates"


def test_reports_carry_the_name_the_code_and_whether_released(demo: Demo) -> None:
    before, after = reports_from_results(demo.before), reports_from_results(demo.after)
    assert [r.display_name for r in after] == [c.name for c in demo.after.candidates]
    assert [r.candidate_code for r in after] == [c.code for c in demo.after.candidates]
    assert all(r.preview for r in before)
    assert not any(r.preview for r in after)
    assert all(r.cohort == demo.after.cohort for r in after)
    # Released reports are issued on the day of release unless told otherwise.
    assert demo.after.released_at is not None
    assert {r.issued for r in after} == {demo.after.released_at.date()}
    assert {r.issued for r in reports_from_results(demo.after, issued=date(2026, 10, 31))} == {
        date(2026, 10, 31)
    }
    first = demo.after.candidates[0]
    assert after[0].decision == first.decision
    assert dict(after[0].scores) == first.scores


# --- the reports' files -----------------------------------------------------------------------


def test_unreleased_results_are_refused_without_preview(demo: Demo, tmp_path: Path) -> None:
    folder = tmp_path / "reports"
    with pytest.raises(ResultsNotReleased, match="release them first.*or print previews"):
        write_cohort_reports(demo.before, folder)
    assert not folder.exists()


def test_released_reports_one_per_candidate_and_one_combined(
    demo: Demo, released_folder: Path
) -> None:
    results = demo.after
    combined = released_folder / f"{results.cohort} score reports.pdf"
    expected = {f"{c.candidate_id} {c.name}.pdf" for c in results.candidates} | {combined.name}
    assert {p.name for p in released_folder.iterdir()} == expected

    pages_each = 0
    for c in results.candidates:
        text, pages = pdf_text(released_folder / f"{c.candidate_id} {c.name}.pdf")
        pages_each += pages
        # The name heads the page, above the code.
        assert text.startswith(f"SCORE REPORT {c.name} CANDIDATE CODE")
        assert "Candidate score report" in text
        assert f"CANDIDATE CODE COHORT RUBRIC EDITION ISSUED {c.code} {results.cohort}" in text
        assert f"{c.code} · Page 1" in text
        assert "PREVIEW" not in text
    text, pages = pdf_text(combined)
    assert pages == pages_each  # every report starts on a page of its own
    # In candidate id order: each name's report begins after the one before it.
    starts = [text.index(f"SCORE REPORT {c.name} CANDIDATE CODE") for c in results.candidates]
    assert starts == sorted(starts)
    assert [c.candidate_id for c in results.candidates] == sorted(
        c.candidate_id for c in results.candidates
    )
    assert "PREVIEW" not in text


def test_previews_are_marked_on_every_page_and_in_the_file_name(demo: Demo, tmp_path: Path) -> None:
    results = demo.before
    run = write_cohort_reports(results, tmp_path, preview=True)
    first = results.candidates[0]
    assert run.written[0] == tmp_path / f"{first.candidate_id} {first.name} (preview).pdf"
    assert run.written[-1] == tmp_path / f"{results.cohort} score reports (preview).pdf"
    assert len(run.written) == len(results.candidates) + 1
    text, pages = pdf_text(run.written[0])
    assert "COORDINATOR'S PREVIEW · NOT FOR RELEASE TO THE CANDIDATE" in text
    assert first.name in text
    assert first.code in text
    # The band's tag is drawn on every page, the kicker once per report.
    assert text.count("COORDINATOR'S PREVIEW") == pages + 1
    assert "SCORER'S PREVIEW" not in text


def test_the_preview_flag_does_not_mark_released_results(demo: Demo, tmp_path: Path) -> None:
    run = write_cohort_reports(demo.after, tmp_path, preview=True)
    assert all("(preview)" not in p.name for p in run.written)
    assert "PREVIEW" not in pdf_text(run.written[0])[0]


def test_a_cancelled_run_leaves_no_combined_file(demo: Demo, tmp_path: Path) -> None:
    calls: list[tuple[int, int]] = []

    def progress(done: int, total: int) -> bool:
        calls.append((done, total))
        return done < 3

    run = write_cohort_reports(demo.after, tmp_path, progress=progress)
    assert run.cancelled
    # Progress counts reports, one step each: the combined file is no step of its own.
    assert calls[-1] == (3, len(demo.after.candidates))
    assert len(run.written) == 3
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(p.name for p in run.written)


def test_file_names_are_safe_on_windows_and_unique() -> None:
    assert safe_stem("1001 Zoë Ñúñez-O'Brien") == "1001 Zoë Ñúñez-O'Brien"
    assert safe_stem("1001 王小明") == "1001 王小明"
    assert safe_stem('1002 a/b\\c:d*e?f"g<h>i|j') == "1002 a_b_c_d_e_f_g_h_i_j"
    assert safe_stem("..hidden. ") == "hidden"
    assert safe_stem("CON") == "_CON"
    assert safe_stem("aux.txt") == "_aux.txt"
    # A right-to-left override would make the name read "...fdp.exe" backwards.
    assert safe_stem("1003 Eve\u202efdp.exe") == "1003 Evefdp.exe"
    assert safe_stem("1004\tTab\nNew  line\x00") == "1004 Tab New line"
    assert safe_stem("") == safe_stem(" \u200b ") == "candidate"
    long = safe_stem("1005 " + "é" * 300)
    assert long.startswith("1005 éé")
    assert len(long.encode("utf-8")) <= 120
    used: set[str] = set()
    names = [unique_pdf_name(t, "", used) for t in ("1 Ann", "1 ANN", "1 Ann", "1 Ann (2)")]
    assert names == ["1 Ann.pdf", "1 ANN (2).pdf", "1 Ann (3).pdf", "1 Ann (2) (2).pdf"]
    assert unique_pdf_name("1 Ann", " (preview)", used) == "1 Ann (preview).pdf"


def test_write_reports_checks_the_file_names_match(demo: Demo, tmp_path: Path) -> None:
    reports = reports_from_results(demo.after)
    with pytest.raises(ValueError, match="1 file names for 12 reports"):
        write_reports(reports, outdir=tmp_path, file_names=["one.pdf"])
    escaping = [f"{i}.pdf" for i in range(len(reports) - 1)] + ["../outside.pdf"]
    with pytest.raises(ValueError, match="'../outside.pdf' is not a file name"):
        write_reports(reports, outdir=tmp_path / "in", file_names=escaping)
    assert list(tmp_path.iterdir()) == []


# --- the workbook -----------------------------------------------------------------------------


def shown(score: Fraction) -> float:
    return float(to_decimal(score))


def rows(sheet: Worksheet) -> list[list[Any]]:
    return [list(row) for row in sheet.iter_rows(values_only=True)]


@pytest.fixture(scope="module")
def workbook_path(demo: Demo, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_cohort_summary(demo.after, tmp_path_factory.mktemp("xlsx") / "cohort.xlsx")


def test_the_workbook_has_its_four_sheets_and_an_overview(demo: Demo, workbook_path: Path) -> None:
    results = demo.after
    book = load_workbook(workbook_path)
    assert book.sheetnames == ["Overview", "Results", "Factor statistics", "Reads", "Flags"]
    fields = {row[0]: row[1] for row in rows(book["Overview"])[1:]}
    assert results.released_at is not None
    assert fields["Cohort"] == results.cohort
    assert fields["Rubric edition"] == results.rubric.edition
    assert fields["Released at"] == f"{results.released_at.astimezone(UTC):%Y-%m-%d %H:%M} UTC"
    assert fields["Candidates"] == len(results.candidates)
    assert fields["Certified"] == results.count(Status.CERTIFIED)
    assert fields["Not certified"] == results.count(Status.NOT_CERTIFIED)
    assert fields["Certified"] + fields["Not certified"] == len(results.candidates)
    assert fields["Waiting"] == 0
    assert fields["Flags open"] == 0
    # The demo's made-up reads disagree now and then: each flag was accepted, with its reason.
    accepted = [(c, f) for c in results.candidates for f in c.flags]
    assert fields["Flags accepted"] == len(accepted) > 0
    flags = rows(book["Flags"])
    assert flags[0][:7] == ["Candidate id", "Code", "Name", "Flag", "State", "Read 1", "Read 2"]
    assert [(r[1], r[3], r[4]) for r in flags[1:]] == [
        (c.code, f.title(results.rubric), "accepted") for c, f in accepted
    ]
    assert all(r[5] and r[6] and r[-1] for r in flags[1:])  # both reads, and the reason
    assert fields["Reads needed"] == fields["Reads in"] == len(results.reads)
    assert fields["Reads missing"] == 0
    assert fields["Candidates with discrepant factors"] == sum(
        1 for c in results.candidates if c.discrepant
    )


def test_results_has_a_row_per_candidate_with_scores_as_the_app_shows_them(
    demo: Demo, workbook_path: Path
) -> None:
    results, rubric = demo.after, demo.after.rubric
    sheet = load_workbook(workbook_path)["Results"]
    head, *body = rows(sheet)
    assert head[:7] == [
        "Candidate id",
        "Code",
        "Name",
        "Email",
        "Organisation",
        "Reads in",
        "Reads missing",
    ]
    assert head[7:14] == [f.name for f in rubric.factors]
    assert head[14:] == [
        "Overall",
        "Decision",
        "Headline",
        "Retake factors",
        "Discrepant factors",
        "Retaking this cycle",
        "Result",
        "Flags",
        "Adjudicated",
        "Factor sources",
        "Banked scores",
    ]
    assert sheet.freeze_panes == "D2"
    assert sheet.auto_filter.ref == f"A1:Y{1 + len(results.candidates)}"
    assert len(body) == len(results.candidates)
    for row, c in zip(body, results.candidates, strict=True):
        assert row[:7] == [c.candidate_id, c.code, c.name, c.email, c.organisation, 2, 0]
        assert row[7:14] == [shown(f.score) for f in c.factors if f.score is not None]
        assert c.decision.overall is not None
        assert row[14] == shown(c.decision.overall)
        assert (
            row[15]
            == {Status.CERTIFIED: "Certified", Status.NOT_CERTIFIED: "Not certified"}[
                c.decision.status
            ]
        )
        assert row[16] == c.decision.headline
        assert row[17] == ("; ".join(rubric.factor(k).name for k in c.decision.retake) or None)
        assert row[19] == ("; ".join(rubric.factor(k).name for k in c.retake_factors) or None)
    # Means of two reads are in eighths: some are held rounded, as the app shows them.
    means = [f.score for c in results.candidates for f in c.factors if f.score is not None]
    assert any(s.denominator == 8 for s in means)
    for cells in sheet.iter_rows(min_row=2, min_col=8, max_col=15):
        assert {cell.number_format for cell in cells} == {"0.00"}
    # Highlights: red below the floor (1.75), amber below accomplished (2.75).
    fills = {
        cell.value: cell.fill.fgColor.rgb
        for cells in sheet.iter_rows(min_row=2, min_col=8, max_col=14)
        for cell in cells
    }
    assert all(fills[v].endswith("F4C7C3") for v in fills if isinstance(v, float) and v < 1.75)
    assert all(
        fills[v].endswith("FCE8B2") for v in fills if isinstance(v, float) and 1.75 <= v < 2.75
    )


def test_factor_statistics(demo: Demo, workbook_path: Path) -> None:
    results, rubric = demo.after, demo.after.rubric
    sheet = load_workbook(workbook_path)["Factor statistics"]
    head, *body = rows(sheet)
    labels = list(rubric.scale.labels)
    assert labels[0] == "1-"
    assert labels[-1] == "4+"
    assert head[11:] == labels
    assert len(body) == len(rubric.factors)
    for i, (row, factor) in enumerate(zip(body, rubric.factors, strict=True)):
        scores = [c.factors[i].score for c in results.candidates]
        assert all(s is not None for s in scores)
        exact = sorted(s for s in scores if s is not None)
        assert row[0] == factor.name
        assert row[1] == factor.key
        assert row[2] == len(exact)
        assert row[3] == shown(sum(exact, Fraction(0)) / len(exact))
        middle = len(exact) // 2  # twelve candidates: the mean of the two middle scores
        assert row[4] == shown((exact[middle - 1] + exact[middle]) / 2)
        assert row[5:7] == [shown(exact[0]), shown(exact[-1])]
        assert row[7] == sum(1 for s in exact if s < Fraction(7, 4))
        assert row[8] == sum(1 for s in exact if s < Fraction(11, 4))
        assert row[9] == sum(1 for c in results.candidates if c.factors[i].discrepant)
        given = [r.scores[factor.key] for r in results.reads]
        assert row[10] == len(given) == sum(v for v in row[11:] if isinstance(v, int))
        for label, count in zip(labels, row[11:], strict=True):
            assert count == sum(1 for s in given if s == rubric.scale.parse(label))


def test_reads_are_the_raw_reads(demo: Demo, workbook_path: Path) -> None:
    results, rubric = demo.after, demo.after.rubric
    sheet = load_workbook(workbook_path)["Reads"]
    head, *body = rows(sheet)
    names = [f.name for f in rubric.factors]
    assert head == [
        "Candidate id",
        "Code",
        "Scorer",
        "Batch",
        "Complete",
        *names,
        *(f"{n}: rationale" for n in names),
    ]
    assert len(body) == len(results.reads)
    for row, read in zip(body, results.reads, strict=True):
        assert row[:5] == [read.candidate_id, read.code, read.scorer_id, read.batch_id, "Yes"]
        assert row[5:12] == [float(s) for s in read.scores.values() if s is not None]
        assert row[12:] == [read.rationales.get(k) for k in rubric.factor_keys]


def test_a_provisional_workbook_shows_incomplete_candidates(tmp_path: Path) -> None:
    path = build_demo_cohort(tmp_path, unscored=2)
    with CohortFile.open(path) as cohort:
        results = cohort_results(cohort)
    waiting = [c for c in results.candidates if c.reads_missing]
    assert waiting
    book = load_workbook(write_cohort_summary(results, tmp_path / "provisional.xlsx"))
    fields = {row[0]: row[1] for row in rows(book["Overview"])[1:]}
    assert fields["Released at"] == "Not released — provisional"
    assert fields["Reads missing"] == sum(c.reads_missing for c in results.candidates) > 0
    assert fields["Reads in"] + fields["Reads missing"] == fields["Reads needed"]
    assert fields["Waiting"] == len(results.waiting) >= len(waiting)
    assert fields["Certified"] == results.count(Status.CERTIFIED)
    by_id = {row[0]: row for row in rows(book["Results"])[1:]}
    for c in waiting:
        row = by_id[c.candidate_id]
        assert row[6] == c.reads_missing
        # Never counted under a decision while waiting, whatever its reads so far say.
        assert row[15] == "Waiting"
        assert row[20] == c.state.label
        assert row[20].startswith("Waiting: ")
        if c.decision.status is Status.INCOMPLETE:
            assert row[14] is None
    reads = rows(book["Reads"])[1:]
    assert sum(1 for row in reads if row[4] == "No") == sum(
        1 for r in results.reads if not r.complete
    )


# --- hand-made results: text that looks like a formula, an overall just below the threshold ---


def weighted(revised: Rubric) -> Rubric:
    # Impact Cycle weighs 44: an overall can then be 2.745, which two decimals show as 2.75.
    factors = tuple(
        dataclasses.replace(f, weight=Fraction(44)) if f.key == "impact_cycle" else f
        for f in revised.factors
    )
    return dataclasses.replace(revised, factors=factors)


def made_results(rubric: Rubric, reads: list[dict[str, Fraction]], **person: str) -> CohortResults:
    factors = tuple(combine_reads(rubric, k, [r[k] for r in reads]) for k in rubric.factor_keys)
    candidate = CandidateResult(
        candidate_id=person.get("candidate_id", "1001"),
        code="C27-00001",
        name=person.get("name", "Ann Example"),
        email=person.get("email", "ann@example.org"),
        organisation=person.get("organisation", "District"),
        retake_factors=(),
        reads_needed=len(reads),
        reads_in=len(reads),
        reads_partial=0,
        factors=factors,
        decision=decide(rubric, {f.key: f.score for f in factors}),
    )
    read_rows = tuple(
        ReadRow(
            "1001",
            "C27-00001",
            f"S-{n}",
            None,
            dict(r),
            {k: person.get("rationale", "") for k in r if person.get("rationale")},
        )
        for n, r in enumerate(reads, start=1)
    )
    released = datetime(2026, 10, 31, 12, tzinfo=UTC)
    return CohortResults("2026-27", rubric, released, (candidate,), read_rows)


def test_an_overall_just_below_the_threshold_never_shows_as_it(
    revised: Rubric, tmp_path: Path
) -> None:
    rubric = weighted(revised)
    labels = dict(zip(rubric.factor_keys, ("3-", "2-", "2-", "2-", "3-", "4", "4+"), strict=True))
    read = {k: rubric.scale.parse(v) for k, v in labels.items()}
    results = made_results(rubric, [read])
    decision = results.candidates[0].decision
    assert decision.overall == Fraction("2.745")
    assert decision.status is Status.NOT_CERTIFIED
    assert format_score(decision.overall) == "2.75"  # what two decimals alone would show
    sheet = load_workbook(write_cohort_summary(results, tmp_path / "w.xlsx"))["Results"]
    overall = sheet.cell(row=2, column=15)
    assert overall.value == 2.745
    assert overall.number_format == "0.0000"
    assert overall.fill.fgColor.rgb.endswith("F4C7C3")
    assert sheet.cell(row=2, column=16).value == "Not certified"
    # The report says the same.
    run = write_cohort_reports(results, tmp_path / "reports")
    assert "The overall score of 2.7450 is below the 2.75 needed" in pdf_text(run.written[0])[0]


def test_a_mean_is_held_as_it_is_shown(revised: Rubric, tmp_path: Path) -> None:
    low = {k: Fraction(9, 4) for k in revised.factor_keys}
    high = {k: Fraction(3) for k in revised.factor_keys}
    results = made_results(revised, [low, high])
    assert results.candidates[0].factors[0].score == Fraction("2.625")
    sheet = load_workbook(write_cohort_summary(results, tmp_path / "m.xlsx"))["Results"]
    assert [sheet.cell(row=2, column=c).value for c in range(8, 16)] == [2.63] * 8
    assert Decimal("2.63") == to_decimal(Fraction("2.625"))


FORMULAS = {
    "name": '=HYPERLINK("http://x")',
    "email": "+1 555 0100",
    "organisation": "@SUM(A1:A9)",
    "candidate_id": "-1001",
    "rationale": "=1+1",
}


def test_text_that_looks_like_a_formula_stays_text(revised: Rubric, tmp_path: Path) -> None:
    read = {k: Fraction(3) for k in revised.factor_keys}
    results = made_results(revised, [read], **FORMULAS)
    path = write_cohort_summary(results, tmp_path / "f.xlsx")
    book = load_workbook(path)
    row = next(book["Results"].iter_rows(min_row=2, max_row=2))
    assert [c.value for c in row[:5]] == [
        FORMULAS["candidate_id"],
        "C27-00001",
        FORMULAS["name"],
        FORMULAS["email"],
        FORMULAS["organisation"],
    ]
    assert all(c.data_type == "s" and c.quotePrefix for c in (row[0], *row[2:5]))
    reads = next(book["Reads"].iter_rows(min_row=2, max_row=2))
    assert {c.value for c in reads[12:]} == {"=1+1"}
    assert all(c.data_type == "s" for c in reads[12:])
    with zipfile.ZipFile(path) as archive:
        sheets = [n for n in archive.namelist() if n.startswith("xl/worksheets/sheet")]
        assert len(sheets) == 5
        assert not any(b"<f>" in archive.read(n) or b"<f " in archive.read(n) for n in sheets)
    # The report prints the name as typed, too.
    run = write_cohort_reports(results, tmp_path / "reports")
    assert FORMULAS["name"] in pdf_text(run.written[0])[0]
    assert run.written[0].name == "-1001 =HYPERLINK(_http_x_).pdf"


# --- writing the workbook safely ----------------------------------------------------------------


def test_a_cancelled_summary_leaves_no_file(demo: Demo, tmp_path: Path) -> None:
    target = tmp_path / "cohort.xlsx"
    calls: list[tuple[int, int]] = []

    def progress(done: int, total: int) -> bool:
        calls.append((done, total))
        return done < 10

    with pytest.raises(SummaryCancelled):
        write_cohort_summary(demo.after, target, progress=progress)
    assert calls[0] == (0, len(demo.after.candidates) + len(demo.after.reads))
    assert list(tmp_path.iterdir()) == []


def test_a_failed_or_cancelled_summary_keeps_the_earlier_one(
    demo: Demo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = write_cohort_summary(demo.before, tmp_path / "cohort.xlsx")
    earlier = target.read_bytes()
    with pytest.raises(SummaryCancelled):
        write_cohort_summary(demo.after, target, progress=lambda done, total: False)
    assert target.read_bytes() == earlier

    def refuse(src: object, dst: object) -> None:
        raise PermissionError(13, "Permission denied", str(src))

    monkeypatch.setattr(os, "replace", refuse)
    with pytest.raises(PermissionError) as failed:
        write_cohort_summary(demo.after, target)
    assert failed.value.filename == str(target)  # named as asked, not by its temporary name
    assert target.read_bytes() == earlier
    assert [p.name for p in tmp_path.iterdir()] == ["cohort.xlsx"]
    monkeypatch.undo()

    write_cohort_summary(demo.after, target)
    fields = {row[0]: row[1] for row in rows(load_workbook(target)["Overview"])[1:]}
    assert fields["Released at"] != "Not released — provisional"


def test_a_summary_into_a_missing_folder_says_so(demo: Demo, tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="does not exist"):
        write_cohort_summary(demo.after, tmp_path / "nowhere" / "cohort.xlsx")
