"""The scorer's Excel summary: what it holds, that text stays text, and that edits are caught."""

from __future__ import annotations

import hashlib
import shutil
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from fractions import Fraction
from pathlib import Path
from xml.etree import ElementTree

import pytest
from openpyxl import Workbook, load_workbook
from openpyxl.worksheet.worksheet import Worksheet
from sqlalchemy import select, update

from icg_desk.demo.batch import write_demo_batch
from icg_desk.export.summary_xlsx import SummaryCancelled, SummaryInfo, write_batch_summary
from icg_desk.formats.summary import SummaryError, read_batch_summary, scores_checksum
from icg_desk.models.batch_file import BatchFile
from icg_desk.models.batch_marks import record_summary_export
from icg_desk.models.portfolios import EntryContent, PortfolioContent, add_portfolios
from icg_desk.models.schema import BatchInfo, Change, FactorRead
from icg_desk.operations.batch_work import BatchWork
from icg_desk.scoring import Rubric, format_score, to_decimal

RED, AMBER = "F4C7C3", "FCE8B2"
MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"

# Text a spreadsheet could take for a formula, an error value or markup.
RATIONALES = {
    "impact_cycle": "=SUM(A1:A9)",
    "playbook": "+1 great",
    "data": "-minus",
    "communication": "@cmd",
    "partnership": "<b>x</b> & y",
    "leadership": "\t=1+1",
    "system_support": "#N/A",
}
# Portfolio 1, all seven scored: one below the floor, one below accomplished.
SCORES = {
    "impact_cycle": Fraction(5, 4),  # 1.25: below the floor 1.75
    "playbook": Fraction(9, 4),  # 2.25: below accomplished 2.75
    "data": Fraction(3),
    "communication": Fraction(17, 4),
    "partnership": Fraction(11, 4),
    "leadership": Fraction(13, 4),
    "system_support": Fraction(15, 4),
}
ODD_CODE = '=HYPERLINK("http://x")'
EVIL_NAME = "=cmd|' /C calc'!A0"
EVIDENCE = '=HYPERLINK("http://example.com","click")'
ODD_ENTRY = f"{EVIDENCE} opened the first coaching conversation."


@dataclass(frozen=True)
class Exported:
    batch_path: Path
    path: Path
    info: SummaryInfo
    progress: list[tuple[int, int]]
    # From the batch, for comparison: (code, status, scores by key, overall or None, headline)
    expected: list[tuple[str, str, dict[str, Fraction | None], Fraction | None, str]]
    batch_id: str
    exported_at: str
    passages: list[str]  # the evidence on the first portfolio's Data


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> Exported:
    folder = tmp_path_factory.mktemp("summary")
    batch_path = write_demo_batch(folder / "b.icgbatch", portfolios=10, seed=4)
    with BatchFile.open(batch_path) as batch:
        add_portfolios(
            batch,
            [PortfolioContent(ODD_CODE, (EntryContent(1, ODD_ENTRY), EntryContent(2, "Two.")))],
        )
        with batch.transaction() as session:
            session.execute(update(BatchInfo).values(scorer_name=EVIL_NAME))
    with BatchFile.open(batch_path) as batch:
        work = BatchWork(batch)
        first, second = work.portfolios()[:2]
        for key, score in SCORES.items():
            work.set_score(first.id, key, score)
            work.set_rationale(first.id, key, RATIONALES[key])
        work.set_look_for(first.id, "data", 0, True)
        work.set_look_for(first.id, "data", 2, True)
        # Evidence is the entry's own words at their place.
        text = work.portfolio(first.id).entries[0].text
        passages = [text[0:40], text[100:160]]
        work.add_evidence(first.id, "data", 1, 0, 40, passages[0])
        work.add_evidence(first.id, "data", 1, 100, 160, passages[1])
        work.mark_complete(first.id)
        odd = work.portfolios()[-1]
        work.add_evidence(odd.id, "impact_cycle", 1, 0, len(EVIDENCE), EVIDENCE)
        work.set_score(second.id, "data", Fraction(2))
        work.set_rationale(second.id, "communication", "x" * 40_000)  # past Excel's cell limit
        work.set_rationale(second.id, "partnership", "a bell\x07 rang")  # not allowed in XML
        work.set_rationale(second.id, "leadership", "Only a note so far.")

        expected = []
        for summary in work.portfolios():
            view = work.portfolio(summary.id)
            scores = {k: r.score for k, r in view.reads.items()}
            overall = summary.decision.overall if summary.decision.certified is not None else None
            expected.append(
                (
                    summary.candidate_code,
                    summary.status.value,
                    scores,
                    overall,
                    summary.decision.headline,
                )
            )
        progress: list[tuple[int, int]] = []
        path = folder / "summary.xlsx"
        info = write_batch_summary(
            batch, path, progress=lambda done, total: progress.append((done, total)) or True
        )
        # The writer only reads the batch; the scorer's operation records the export after it.
        record_summary_export(batch, info.exported_at)
        exported_at = batch.identity.exported_at
        assert exported_at is not None
        return Exported(
            batch_path,
            path,
            info,
            progress,
            expected,
            batch.identity.batch_id,
            exported_at.isoformat(),
            passages,
        )


def sheet(path: Path, name: str) -> Worksheet:
    ws = load_workbook(path)[name]
    assert isinstance(ws, Worksheet)
    return ws


def edited(exported: Exported, tmp_path: Path, change: Callable[[Workbook], object]) -> Path:
    """A copy of the summary, changed by `change(workbook)` and saved with openpyxl."""
    copy = tmp_path / "edited.xlsx"
    workbook = load_workbook(exported.path)
    change(workbook)
    workbook.save(copy)
    return copy


# --- what the workbook holds ---------------------------------------------------------------------


def test_sheets_and_headers(exported: Exported) -> None:
    workbook = load_workbook(exported.path)
    assert workbook.sheetnames == ["Scores", "Rationales", "About"]
    rows = list(sheet(exported.path, "Scores").iter_rows(max_row=2, values_only=True))
    keys = list(SCORES)
    assert rows[0] == (
        "candidate_code",
        "status",
        *keys,
        "overall",
        "decision",
        "exported_scores",
        "version",
    )
    assert rows[1][:4] == ("Candidate code", "Status", "Impact Cycle", "Instructional Playbook")
    assert rows[1][-4:-2] == ("Overall", "Decision")
    header = next(sheet(exported.path, "Rationales").iter_rows(max_row=1, values_only=True))
    assert header == (
        "Candidate code",
        "Factor",
        "Score",
        "Look-fors seen",
        "Evidence",
        "Rationale",
    )


def test_one_row_per_portfolio_in_batch_order_with_the_batch_values(exported: Exported) -> None:
    # Read-only mode, as a large workbook would be read.
    workbook = load_workbook(exported.path, read_only=True)
    try:
        rows = list(workbook["Scores"].iter_rows(min_row=3, values_only=True))
    finally:
        workbook.close()
    assert len(rows) == len(exported.expected) == exported.info.portfolios == 11
    status_text = {
        "not_started": "Not started",
        "in_progress": "In progress",
        "complete": "Complete",
    }
    for row, (code, status, scores, overall, headline) in zip(rows, exported.expected, strict=True):
        assert row[0] == code
        assert row[1] == status_text[status]
        for value, key in zip(row[2:9], SCORES, strict=True):
            score = scores[key]
            assert value == (None if score is None else float(score)), (code, key)
        assert row[9] == (None if overall is None else float(to_decimal(overall)))
        assert row[10] == headline
    first = rows[0]
    assert first[1] == "Complete"
    assert first[9] == 2.93
    assert str(first[9]) == "2.93"
    assert first[10].startswith("Retake: Impact Cycle (1.25)")
    assert rows[1][1] == "In progress"
    assert rows[1][9] is None
    assert rows[-1][0] == ODD_CODE


def test_number_formats_and_highlights(exported: Exported) -> None:
    ws = sheet(exported.path, "Scores")
    row = ws[3]
    fills = {key: row[i + 2].fill.fgColor.rgb for i, key in enumerate(SCORES)}
    assert fills["impact_cycle"].endswith(RED)
    assert fills["playbook"].endswith(AMBER)
    assert all(row[i + 2].fill.fill_type is None for i in (2, 3, 4, 5, 6))
    for cell in row[2:10]:
        assert cell.number_format == "0.00"
        assert cell.data_type == "n"
    overall = row[9]
    assert overall.fill.fill_type is None  # 2.93 is above 2.75
    rationale_scores = [r[2] for r in sheet(exported.path, "Rationales").iter_rows(min_row=2)]
    assert all(c.number_format == "0.00" for c in rationale_scores if c.value is not None)
    assert rationale_scores[0].fill.fgColor.rgb.endswith(RED)


def test_frozen_headers_filters_widths(exported: Exported) -> None:
    scores = sheet(exported.path, "Scores")
    assert scores.freeze_panes == "B3"
    assert scores.auto_filter.ref == "A2:M13"
    assert scores.row_dimensions[1].hidden
    assert scores.column_dimensions["L"].hidden
    assert scores.column_dimensions["M"].hidden  # the version, for the merge
    assert scores.column_dimensions["A"].width == 14
    assert scores.column_dimensions["K"].width == 48
    rationales = sheet(exported.path, "Rationales")
    assert rationales.freeze_panes == "B2"
    assert rationales.auto_filter.ref == f"A1:F{rationales.max_row}"
    assert rationales.column_dimensions["F"].width == 60
    # Rows 2-8 are the first portfolio's seven factors; row 4 is Data, with two look-fors and
    # two passages of evidence: wrapped. A rationale that fits on one line is left alone.
    assert rationales["D4"].alignment.wrap_text
    assert rationales["E4"].alignment.wrap_text
    assert not rationales["F2"].alignment.wrap_text
    about = sheet(exported.path, "About")
    assert about.freeze_panes == "A2"
    assert about.column_dimensions["B"].width == 90


def test_rationale_rows(exported: Exported, revised: Rubric) -> None:
    ws = sheet(exported.path, "Rationales")
    rows = list(ws.iter_rows(min_row=2, values_only=True))
    first_code = exported.expected[0][0]
    mine = [r for r in rows if r[0] == first_code]
    assert [r[1] for r in mine] == [
        "Impact Cycle",
        "Instructional Playbook",
        "Data",
        "Communication",
        "Working with Adults",
        "Leadership",
        "System Support",
    ]
    assert [r[5] for r in mine] == list(RATIONALES.values())
    assert [r[2] for r in mine] == [float(s) for s in SCORES.values()]
    data = mine[2]
    look_fors = revised.factor("data").look_fors
    assert data[3] == f"{look_fors[0]}; {look_fors[2]}"
    one, two = exported.passages
    assert data[4] == f"[Entry 1] {one}\n[Entry 1] {two}"
    # The in-progress portfolio: a scored factor and a factor with only a rationale.
    second = [r for r in rows if r[0] == exported.expected[1][0]]
    assert [r[1:] for r in rows if r[0] == ODD_CODE] == [
        ("Impact Cycle", None, None, f"[Entry 1] {EVIDENCE}", None)
    ]
    assert [(r[1], r[2]) for r in second] == [
        ("Data", 2),
        ("Communication", None),
        ("Working with Adults", None),
        ("Leadership", None),
    ]
    assert second[0][5] is None  # an empty rationale is an empty cell
    assert len(second[1][5]) <= 32_767
    assert second[1][5].startswith("xxx")
    assert second[1][5].endswith("more characters in the batch file]")
    assert second[2][5] == "a bell\ufffd rang"
    assert second[3][5] == "Only a note so far."
    # Every row has something; portfolios nobody touched have none.
    scored_codes = {
        code
        for code, _, scores, _, _ in exported.expected
        if any(v is not None for v in scores.values())
    }
    assert {r[0] for r in rows} == scored_codes | {exported.expected[1][0], ODD_CODE}


def test_formula_like_text_is_stored_as_text(exported: Exported) -> None:
    with zipfile.ZipFile(exported.path) as archive:
        sheets = [n for n in archive.namelist() if n.startswith("xl/worksheets/sheet")]
        assert len(sheets) == 3
        styles = ElementTree.fromstring(archive.read("xl/styles.xml"))
        xfs = styles.find(f"{MAIN}cellXfs")
        assert xfs is not None
        quoted = {i for i, xf in enumerate(xfs) if xf.get("quotePrefix") == "1"}
        texts: dict[str, list[ElementTree.Element]] = {}
        for name in sheets:
            root = ElementTree.fromstring(archive.read(name))
            assert root.find(f".//{MAIN}f") is None, f"a formula in {name}"
            for cell in root.iter(f"{MAIN}c"):
                t = cell.find(f"{MAIN}is/{MAIN}t")
                if t is not None and t.text:
                    texts.setdefault(t.text, []).append(cell)
    dangerous = [*RATIONALES.values(), ODD_CODE, EVIL_NAME, f"[Entry 1] {EVIDENCE}"]
    for text in dangerous:
        if text.startswith("[Entry"):
            cells = [c for t, cs in texts.items() if t.startswith(text) for c in cs]
        else:
            cells = texts.get(text, [])
        assert cells, f"{text!r} is not stored as an inline string"
        for cell in cells:
            assert cell.get("t") == "inlineStr"
            if text[0] in "=+-@\t#":
                assert int(cell.get("s", "0")) in quoted, f"{text!r} has no quote prefix"
    # And openpyxl, reading it back, sees text, not a formula or an error.
    ws = sheet(exported.path, "Rationales")
    for row in ws.iter_rows(min_row=2, max_row=8):
        assert row[5].data_type == "s"
    assert sheet(exported.path, "Scores")["A13"].value == ODD_CODE


def test_about_sheet(exported: Exported) -> None:
    rows = list(sheet(exported.path, "About").iter_rows(values_only=True))
    fields = {label: value for label, value in rows[1:]}
    assert rows[0] == ("Field", "Value")
    assert fields["Summary format"] == 1
    assert fields["Batch id"] == exported.batch_id
    assert fields["Cohort"] == "2026-27"
    assert fields["Scorer id"] == "S-017"
    assert fields["Scorer name"] == EVIL_NAME
    assert fields["Rubric edition"] == "icg-revised"
    assert fields["Exported at (UTC)"] == exported.exported_at
    assert fields["Exported at (UTC)"].endswith("+00:00")
    assert fields["ICG Desk version"]
    assert fields["Portfolios"] == 11
    assert fields["Factor keys"] == " ".join(SCORES)
    assert fields["Score scale"].split()[0] == "0.75"
    assert fields["Checksum (SHA-256)"] == exported.info.checksum
    assert "changed after export" in fields["About the checksum"]
    checksum_rows = [
        (code, key, None if s is None else format_score(s))
        for code, _, scores, _, _ in exported.expected
        for key, s in scores.items()
    ]
    assert exported.info.checksum == scores_checksum(exported.batch_id, checksum_rows)


# --- reading back ---------------------------------------------------------------------------------


def test_read_back(exported: Exported) -> None:
    summary = read_batch_summary(exported.path)
    assert summary.batch_id == exported.batch_id
    assert summary.cohort == "2026-27"
    assert summary.scorer_id == "S-017"
    assert summary.rubric_edition == "icg-revised"
    assert summary.checksum == exported.info.checksum
    assert list(summary.scores) == [code for code, *_ in exported.expected]
    for code, _, scores, _, _ in exported.expected:
        assert summary.scores[code] == scores


def test_the_scores_are_as_of_the_batchs_last_change(exported: Exported, tmp_path: Path) -> None:
    with BatchFile.open(exported.batch_path) as batch, batch.reading() as session:
        last_change = max(
            [*session.scalars(select(Change.at)), *session.scalars(select(FactorRead.updated_at))]
        )
    summary = read_batch_summary(exported.path)
    assert summary.scores_as_of == last_change
    assert summary.exported_at == datetime.fromisoformat(exported.exported_at)
    assert last_change.tzinfo is not None
    assert summary.scores_as_of <= summary.exported_at + (
        timedelta(seconds=1)
    )

    def without(workbook: Workbook) -> None:  # a summary from before the field was added
        about = workbook["About"]
        for row in about.iter_rows():
            if row[0].value == "Scores as of (UTC)":
                about.delete_rows(row[0].row)
                break
        else:
            raise AssertionError("no Scores as of field")

    older = read_batch_summary(edited(exported, tmp_path, without))
    assert older.scores_as_of == older.exported_at == summary.exported_at

    def garbled(workbook: Workbook) -> None:
        for row in workbook["About"].iter_rows():
            if row[0].value == "Scores as of (UTC)":
                row[1].value = "last Tuesday"

    with pytest.raises(SummaryError, match=r"About!B\d+: Scores as of \(UTC\) should be a date"):
        read_batch_summary(edited(exported, tmp_path, garbled))


def test_an_edited_score_is_caught_and_named(exported: Exported, tmp_path: Path) -> None:
    def change(workbook: Workbook) -> None:
        workbook["Scores"]["C3"] = 2.0  # impact_cycle of the first portfolio, was 1.25

    with pytest.raises(SummaryError) as caught:
        read_batch_summary(edited(exported, tmp_path, change))
    message = str(caught.value)
    assert "Scores!C3" in message
    assert "checksum does not match" in message
    assert "Impact Cycle is 2.00 but was exported as 1.25" in message


def test_an_edit_to_both_copies_is_still_caught(exported: Exported, tmp_path: Path) -> None:
    def change(workbook: Workbook) -> None:
        ws = workbook["Scores"]
        ws["E3"] = 4.0
        ws["L3"] = ws["L3"].value.replace("3.00", "4.00")

    with pytest.raises(SummaryError, match="checksum does not match the scores"):
        read_batch_summary(edited(exported, tmp_path, change))


def test_sorting_the_rows_keeps_the_checksum(exported: Exported, tmp_path: Path) -> None:
    def change(workbook: Workbook) -> None:
        ws = workbook["Scores"]
        rows = [[c.value for c in row] for row in ws.iter_rows(min_row=3)]
        for r, values in enumerate(reversed(rows), start=3):
            for c, value in enumerate(values, start=1):
                ws.cell(r, c).value = value

    summary = read_batch_summary(edited(exported, tmp_path, change))
    assert summary.checksum == exported.info.checksum


@pytest.mark.parametrize(
    ("cell", "value", "problem"),
    [
        ("D3", 3.3, "3.3 is not on the scale"),
        ("D3", "2.25", "holds text"),
        ("D3", "=1+1.25", "holds a formula"),
    ],
)
def test_a_score_that_is_not_a_score(
    exported: Exported, tmp_path: Path, cell: str, value: object, problem: str
) -> None:
    def change(workbook: Workbook) -> None:
        workbook["Scores"][cell] = value

    with pytest.raises(SummaryError, match=problem) as caught:
        read_batch_summary(edited(exported, tmp_path, change))
    assert f"Scores!{cell}" in str(caught.value)


def test_a_removed_row_is_caught(exported: Exported, tmp_path: Path) -> None:
    with pytest.raises(SummaryError, match="rows were added or removed"):
        read_batch_summary(edited(exported, tmp_path, lambda wb: wb["Scores"].delete_rows(5)))


def test_not_a_workbook(exported: Exported, tmp_path: Path) -> None:
    text = tmp_path / "notes.xlsx"
    text.write_text("hello", encoding="utf-8")
    with pytest.raises(SummaryError, match="is not an Excel workbook"):
        read_batch_summary(text)
    with pytest.raises(SummaryError, match="is not an Excel workbook") as caught:
        read_batch_summary(exported.batch_path)
    assert str(exported.batch_path) in str(caught.value)
    other_zip = tmp_path / "other.xlsx"
    with zipfile.ZipFile(other_zip, "w") as archive:
        archive.writestr("readme.txt", "not a workbook")
    with pytest.raises(SummaryError, match="ICG Desk can read"):
        read_batch_summary(other_zip)
    with pytest.raises(SummaryError, match="no such file"):
        read_batch_summary(tmp_path / "missing.xlsx")


def test_a_workbook_without_the_about_sheet(exported: Exported, tmp_path: Path) -> None:
    def change(workbook: Workbook) -> None:
        del workbook["About"]

    with pytest.raises(SummaryError, match="has no sheet 'About'"):
        read_batch_summary(edited(exported, tmp_path, change))


def test_a_missing_about_field(exported: Exported, tmp_path: Path) -> None:
    def change(workbook: Workbook) -> None:
        ws = workbook["About"]
        for row in ws.iter_rows(min_row=2):
            if row[0].value == "Checksum (SHA-256)":
                row[1].value = None

    with pytest.raises(SummaryError, match=r"About.*'Checksum \(SHA-256\)' is missing"):
        read_batch_summary(edited(exported, tmp_path, change))


def test_a_newer_summary_format_is_refused(exported: Exported, tmp_path: Path) -> None:
    def change(workbook: Workbook) -> None:
        workbook["About"]["B2"] = 2

    with pytest.raises(SummaryError, match="newer ICG Desk"):
        read_batch_summary(edited(exported, tmp_path, change))


# --- writing: progress, cancel, the batch --------------------------------------------------------


def test_progress_reaches_the_total(exported: Exported) -> None:
    assert exported.progress[0] == (0, 11)
    assert exported.progress[-1] == (11, 11)
    done = [d for d, _ in exported.progress]
    assert done == sorted(done)


def test_cancel_leaves_nothing_under_the_final_name(exported: Exported, tmp_path: Path) -> None:
    batch_path = shutil.copy(exported.batch_path, tmp_path / "b.icgbatch")
    path = tmp_path / "summary.xlsx"
    with BatchFile.open(Path(batch_path)) as batch:
        before = batch.identity.exported_at
        with pytest.raises(SummaryCancelled):
            write_batch_summary(batch, path, progress=lambda done, total: done < 5)
        assert not path.exists()
        assert {p.name for p in tmp_path.iterdir()} <= {
            "b.icgbatch",
            "b.icgbatch-wal",
            "b.icgbatch-shm",
        }
        assert batch.identity.exported_at == before
        # A summary already there is left exactly as it was.
        path.write_bytes(b"an earlier summary")
        with pytest.raises(SummaryCancelled):
            write_batch_summary(batch, path, progress=lambda done, total: done < total)
        assert path.read_bytes() == b"an earlier summary"

        # A failure is no different from a cancel.
        def fail(done: int, total: int) -> bool:
            raise OSError(28, "No space left on device")

        with pytest.raises(OSError, match="No space left on device"):
            write_batch_summary(batch, path, progress=fail)
        assert path.read_bytes() == b"an earlier summary"
        assert not [p for p in tmp_path.iterdir() if p.suffix == ".tmp"]


def test_a_failed_rename_names_the_file_and_marks_nothing(
    exported: Exported, tmp_path: Path
) -> None:
    batch_path = Path(shutil.copy(exported.batch_path, tmp_path / "b.icgbatch"))
    target = tmp_path / "taken.xlsx"
    target.mkdir()  # a folder where the workbook should go: the rename fails
    with BatchFile.open(batch_path) as batch:
        before = batch.identity.exported_at
        with pytest.raises(IsADirectoryError) as caught:
            write_batch_summary(batch, target)
        assert caught.value.filename == str(target)  # not our temporary name
    with BatchFile.open(batch_path) as batch:
        assert batch.identity.exported_at == before
    assert not [p for p in tmp_path.iterdir() if p.suffix == ".tmp"]


def test_the_export_time_is_recorded_in_the_batch(exported: Exported) -> None:
    with BatchFile.open(exported.batch_path) as batch:
        recorded = batch.identity.exported_at
    assert recorded is not None
    assert recorded.isoformat() == exported.exported_at


def test_an_empty_batch(tmp_path: Path, revised: Rubric) -> None:
    calls: list[tuple[int, int]] = []
    with BatchFile.create(
        tmp_path / "e.icgbatch",
        batch_id="empty",
        cohort="2026-27",
        scorer_id="S-1",
        scorer_name="Nobody",
        rubric=revised,
    ) as batch:
        info = write_batch_summary(
            batch, tmp_path / "e.xlsx", progress=lambda d, t: calls.append((d, t)) or True
        )
    assert info.portfolios == 0
    assert calls == [(0, 0)]
    summary = read_batch_summary(tmp_path / "e.xlsx")
    assert summary.scores == {}
    assert summary.checksum == info.checksum


# --- the checksum ---------------------------------------------------------------------------------


def test_the_checksum_recipe() -> None:
    rows = [("C27-2", "data", "3.25"), ("C27-1", "data", None), ("C27-1", "playbook", "1.00")]
    text = "icg-desk-scores/1\nB-1\nC27-1\tdata\t\nC27-1\tplaybook\t1.00\nC27-2\tdata\t3.25\n"
    expected = hashlib.sha256(text.encode("utf-8")).hexdigest()
    assert scores_checksum("B-1", rows) == expected
    # The worked example in docs/summary-format.md.
    assert expected == "f18b18f57fec3460096d45d4c313001c2e2b564c7b9327c8b3cc626cb4e017c9"
    assert scores_checksum("B-1", reversed(rows)) == expected  # any order
    assert scores_checksum("B-2", rows) != expected
    assert scores_checksum("B-1", [*rows[:2], ("C27-1", "playbook", "1.25")]) != expected


@pytest.mark.parametrize(
    "rows",
    [
        [("C27-1", "data", "3.5")],  # not two decimals
        [("C27-1", "data", "3.25"), ("C27-1", "data", "3.00")],  # twice
        [("C27\t1", "data", "3.25")],  # a tab would shift the fields
    ],
)
def test_the_checksum_refuses_ambiguous_rows(rows: list[tuple[str, str, str | None]]) -> None:
    with pytest.raises(ValueError, match="scored twice|two-decimal|tab or line break"):
        scores_checksum("B-1", rows)
