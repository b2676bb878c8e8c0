"""Every file kind ICG Desk reads is bounded, and entry documents are only ever regular files.

Rosters and scorer sheets, entry documents, returned summaries and returned files, rubric files:
a file past a limit of `models.input_limits` is refused before it is parsed, with a message
naming the file, the limit and what was found; a link, pipe or device named like an entry
document is refused by name and never read. Big inputs are made cheaply: sparse files (their
size is judged before a byte is read), zip bombs that are small compressed.
"""

from __future__ import annotations

import csv
import io
import os
import threading
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from icg_desk.cli import main
from icg_desk.formats.documents import read_document
from icg_desk.formats.summary import SummaryError, read_batch_summary
from icg_desk.models import input_limits as limits
from icg_desk.models.cohort_file import CohortFile
from icg_desk.models.cohort_schema import Candidate, CandidateEntry
from icg_desk.models.input_limits import InputRefused
from icg_desk.models.roster import ImportRejected
from icg_desk.models.rubric_file import RubricError, builtin_rubric, load_rubric, parse_rubric
from icg_desk.operations.merge import merge_files
from icg_desk.operations.roster_import import import_roster

HEADER = ["candidate_id", "name", "email", "organisation", "cohort", "retake_factors"]
VIDEOS = "Goal | https://youtu.be/aaa; Review | https://www.youtube.com/watch?v=bbb"
SECRET = "icg-desk-test-secret-4f1c"
needs_posix = pytest.mark.skipif(os.name != "posix", reason="links and pipes as POSIX has them")


@pytest.fixture
def cohort(tmp_path: Path) -> Iterator[CohortFile]:
    with CohortFile.create(tmp_path / "c.icgcohort", name="2026-27", rubric=builtin_rubric()) as c:
        yield c


def roster(folder: Path, *ids: str) -> Path:
    path = folder / "roster.csv"
    with path.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow([*HEADER, "entry1_videos"])
        for cid in ids:
            w.writerow([cid, f"Name {cid}", f"c{cid}@example.org", "D9", "2026-27", "", VIDEOS])
    return path


def documents(folder: Path, *ids: str) -> Path:
    folder.mkdir(exist_ok=True)
    for cid in ids:
        (folder / f"{cid}_entry1.txt").write_text(f"Impact cycle of {cid}.", encoding="utf-8")
        (folder / f"{cid}_entry2.txt").write_text(f"Letter for {cid}.", encoding="utf-8")
    return folder


def entry_texts(cohort: CohortFile) -> list[str]:
    with cohort.reading() as s:
        return list(s.scalars(select(CandidateEntry.text)))


def candidates(cohort: CohortFile) -> int:
    with cohort.reading() as s:
        return int(s.scalar(select(func.count()).select_from(Candidate)) or 0)


def rejected(cohort: CohortFile, roster_path: Path, docs: Path) -> str:
    with pytest.raises(ImportRejected) as caught:
        import_roster(cohort, roster_path, docs)
    assert candidates(cohort) == 0  # nothing half-imported
    return str(caught.value)


def sparse(path: Path, size: int) -> Path:
    """A file of `size` bytes that takes no room and no time: judged by its size alone."""
    with path.open("wb") as f:
        f.truncate(size)
    return path


def bomb(path: Path, member: str, unpacked: int, *, others: dict[str, bytes] | None = None) -> Path:
    """A zip whose `member` is `unpacked` zero bytes: a few KB on disk per MB unpacked."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in (others or {}).items():
            archive.writestr(name, data)
        with archive.open(member, "w", force_zip64=True) as stream:
            chunk = bytes(1 << 20)
            for _ in range(unpacked // len(chunk)):
                stream.write(chunk)
    return path


def finishes(call: Callable[[], object], seconds: float = 20) -> object:
    """The result (or the exception) of `call`, failing the test if it blocks instead."""
    box: list[object] = []

    def run() -> None:
        try:
            box.append(call())
        except BaseException as exc:  # noqa: BLE001 - handed to the test to judge
            box.append(exc)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(seconds)
    assert box, "reading blocked (a pipe was opened for reading)"
    return box[0]


# --- entry documents: regular files in the folder itself, and no more words than the rubric's --


@needs_posix
def test_a_document_that_is_a_link_to_a_file_elsewhere_is_refused_by_name(
    cohort: CohortFile, tmp_path: Path
) -> None:
    outside = tmp_path / "elsewhere" / "private.txt"
    outside.parent.mkdir()
    outside.write_text(f"PASSWORD={SECRET}", encoding="utf-8")
    docs = documents(tmp_path / "docs", "1001")
    (docs / "1001_entry1.txt").unlink()
    (docs / "1001_entry1.txt").symlink_to(outside)
    message = rejected(cohort, roster(tmp_path, "1001"), docs)
    assert "row 2: entry 1 document 1001_entry1.txt: is a symbolic link" in message
    assert SECRET not in message


@needs_posix
@pytest.mark.skipif(not Path("/proc/self/environ").exists(), reason="no /proc")
def test_a_link_to_the_process_environment_is_never_read(
    cohort: CohortFile, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ICG_DESK_TEST_SECRET", SECRET)
    docs = documents(tmp_path / "docs", "1001", "1002")
    (docs / "1001_entry2.txt").unlink()
    (docs / "1001_entry2.txt").symlink_to("/proc/self/environ")
    # Even importing the valid rows only, the linked row is skipped and the secret goes nowhere.
    result = import_roster(cohort, roster(tmp_path, "1001", "1002"), docs, valid_only=True)
    assert (result.imported, result.skipped) == (1, 1)
    assert "symbolic link" in str(result.problems[0])
    assert not any(SECRET in text for text in entry_texts(cohort))


@needs_posix
def test_a_link_to_a_folder_named_like_a_document_is_refused_by_name(
    cohort: CohortFile, tmp_path: Path
) -> None:
    docs = documents(tmp_path / "docs", "1001")
    (docs / "1001_entry1.txt").unlink()
    (docs / "1001_entry1.txt").symlink_to(tmp_path / "elsewhere", target_is_directory=True)
    (tmp_path / "elsewhere").mkdir()
    assert "entry 1 document 1001_entry1.txt: is a symbolic link" in rejected(
        cohort, roster(tmp_path, "1001"), docs
    )


@needs_posix
def test_a_documents_folder_that_is_itself_a_link_is_refused(
    cohort: CohortFile, tmp_path: Path
) -> None:
    real = documents(tmp_path / "real", "1001")
    link = tmp_path / "docs"
    link.symlink_to(real, target_is_directory=True)
    assert "docs: is a symbolic link; give the documents folder itself" in rejected(
        cohort, roster(tmp_path, "1001"), link
    )


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no named pipes here")
def test_a_pipe_named_like_a_document_is_refused_without_blocking(
    cohort: CohortFile, tmp_path: Path
) -> None:
    docs = documents(tmp_path / "docs", "1001")
    (docs / "1001_entry1.txt").unlink()
    os.mkfifo(docs / "1001_entry1.txt")
    outcome = finishes(lambda: read_document(docs / "1001_entry1.txt"))
    assert isinstance(outcome, InputRefused)
    assert "pipe" in str(outcome)
    message = finishes(lambda: rejected(cohort, roster(tmp_path, "1001"), docs))
    assert "entry 1 document 1001_entry1.txt: is a pipe, device or other special file" in str(
        message
    )


def test_a_text_document_past_its_size_limit_is_refused_before_it_is_read(tmp_path: Path) -> None:
    path = sparse(tmp_path / "1001_entry1.txt", limits.DOCUMENT_TEXT_MAX_BYTES + 1)
    with pytest.raises(InputRefused) as refused:
        read_document(path)
    assert str(refused.value) == (
        "is 5,000,001 bytes; a text document may be at most 5 MB (5,000,000 bytes)"
    )


def test_a_docx_that_unpacks_past_its_limit_is_refused_before_python_docx_parses_it(
    tmp_path: Path,
) -> None:
    unpacked = limits.DOCUMENT_DOCX.max_uncompressed + (1 << 20)
    path = bomb(tmp_path / "1001_entry1.docx", "word/document.xml", unpacked)
    assert path.stat().st_size < 1_000_000  # the bomb is small: only unpacking it is not
    with pytest.raises(InputRefused, match="unpacks to 20[0-9.]+ MB; a Word document may unpack"):
        read_document(path)


def test_a_docx_compressed_like_a_zip_bomb_is_refused(tmp_path: Path) -> None:
    path = bomb(tmp_path / "1001_entry1.docx", "word/document.xml", 4 << 20)
    with pytest.raises(InputRefused, match=r"'word/document.xml' is compressed [0-9,]+ to 1"):
        read_document(path)


def test_an_entry_over_the_rubrics_word_limit_is_a_problem_of_its_row_with_the_count(
    cohort: CohortFile, tmp_path: Path
) -> None:
    limit = cohort.rubric.entry(1).max_words
    docs = documents(tmp_path / "docs", "1001", "1002")
    (docs / "1001_entry1.txt").write_text("word " * (limit + 7), encoding="utf-8")
    (docs / "1002_entry1.txt").write_text("word " * limit, encoding="utf-8")  # at the limit: fine
    message = rejected(cohort, roster(tmp_path, "1001", "1002"), docs)
    assert message == (
        f"roster.csv, row 2: entry 1 document 1001_entry1.txt has {limit + 7:,} words; "
        f"the rubric allows at most {limit:,}"
    )


# --- rosters and scorer sheets -------------------------------------------------------------------


def test_a_roster_past_its_size_limit_is_refused_before_it_is_read(
    cohort: CohortFile, tmp_path: Path
) -> None:
    path = sparse(tmp_path / "roster.csv", limits.ROSTER_MAX_BYTES + limits.MB // 2)
    message = rejected(cohort, path, documents(tmp_path / "docs"))
    assert message == "roster.csv: is 50.5 MB; a roster may be at most 50 MB"


def test_a_roster_past_its_row_limit_is_refused(cohort: CohortFile, tmp_path: Path) -> None:
    path = tmp_path / "roster.csv"
    path.write_text("candidate_id\n" + "x\n" * limits.ROSTER_MAX_ROWS, encoding="utf-8")
    message = rejected(cohort, path, documents(tmp_path / "docs"))
    assert message == "roster.csv: has more than 100,000 rows; a roster may have at most 100,000"


def test_a_csv_of_nothing_but_commas_is_not_built_into_one_vast_row(
    cohort: CohortFile, tmp_path: Path
) -> None:
    path = tmp_path / "roster.csv"
    path.write_text("," * 90_000 + "\n" + "," * 90_000 + "\n", encoding="utf-8")
    message = rejected(cohort, path, documents(tmp_path / "docs"))
    assert message == "roster.csv: has a row of more than 200 cells; a roster has a few columns"


def _workbook_with_sheet_xml(path: Path, sheet_xml: bytes) -> Path:
    """A real workbook from openpyxl whose first sheet's XML is replaced by `sheet_xml`."""
    Workbook().save(path)
    with zipfile.ZipFile(path) as original:
        parts = {name: original.read(name) for name in original.namelist()}
    parts["xl/worksheets/sheet1.xml"] = sheet_xml
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    return path


def test_a_workbook_of_too_many_rows_is_refused_while_streaming(
    cohort: CohortFile, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The cap made small, so the sheet is too: what is tested is that rows are counted as read.
    monkeypatch.setattr("icg_desk.formats.roster_table.ROSTER_MAX_ROWS", 1_000)
    rows = b"".join(
        b'<row r="%d"><c r="A%d" t="inlineStr"><is><t>x</t></is></c></row>' % (n, n)
        for n in range(1, 5_000)
    )
    xml = (
        b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        b"<sheetData>" + rows + b"</sheetData></worksheet>"
    )
    path = _workbook_with_sheet_xml(tmp_path / "roster.xlsx", xml)
    message = rejected(cohort, path, documents(tmp_path / "docs"))
    assert message == "roster.xlsx: has more than 1,000 rows; a roster may have at most 1,000"


def test_a_workbook_zip_bomb_is_refused_before_openpyxl_parses_it(
    cohort: CohortFile, tmp_path: Path
) -> None:
    plain = tmp_path / "plain.xlsx"
    Workbook().save(plain)
    with zipfile.ZipFile(plain) as original:
        parts = {n: original.read(n) for n in original.namelist() if "sheet1" not in n}
    path = bomb(tmp_path / "roster.xlsx", "xl/worksheets/sheet1.xml", 210 << 20, others=parts)
    message = rejected(cohort, path, documents(tmp_path / "docs"))
    assert message.startswith("roster.xlsx: unpacks to 22")
    assert message.endswith("a roster workbook may unpack to at most 200 MB")


def test_the_command_line_names_the_roster_and_its_limit_with_exit_code_2(
    cohort: CohortFile, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = sparse(tmp_path / "roster.csv", 200 * limits.MB)
    docs = documents(tmp_path / "docs")
    cohort_path = cohort.path
    cohort.close()
    try:
        code = main(["cohort", "import", str(cohort_path), str(path), str(docs)])
    except SystemExit as exc:
        code = int(exc.code or 0)
    assert code == 2
    assert "roster.csv: is 200 MB; a roster may be at most 50 MB" in capsys.readouterr().err


# --- returned files and summaries ----------------------------------------------------------------


def test_a_summary_workbook_zip_bomb_is_refused_with_its_reason(tmp_path: Path) -> None:
    path = bomb(tmp_path / "summary.xlsx", "xl/worksheets/sheet1.xml", 4 << 20)
    with pytest.raises(SummaryError, match="compressed [0-9,]+ to 1 .* a zip bomb"):
        read_batch_summary(path)


def test_a_summary_workbook_past_its_size_limit_is_refused_unread(tmp_path: Path) -> None:
    path = tmp_path / "summary.xlsx"
    bomb(path, "xl/a.xml", 0)
    with path.open("ab") as f:  # still a zip (its directory is found from the end), but huge
        f.truncate(limits.SUMMARY_ZIP.max_bytes + 1)
    with pytest.raises(SummaryError, match="is 20,000,001 bytes; a summary workbook may be at mo"):
        read_batch_summary(path)


def test_a_returned_file_past_its_size_limit_is_rejected_unread_and_the_merge_goes_on(
    cohort: CohortFile, tmp_path: Path
) -> None:
    huge = sparse(tmp_path / "huge.icgbatch", limits.RETURNED_MAX_BYTES + 1)
    other = tmp_path / "note.txt"
    other.write_text("not a batch", encoding="utf-8")
    first, second = merge_files(cohort, [huge, other])
    assert first.outcome == "rejected"
    assert first.reason.startswith("is 1,000,000,001 bytes; a returned file may be at most 1,000")
    assert second.outcome == "rejected"
    assert second.file == other


# --- rubric files --------------------------------------------------------------------------------


def test_a_rubric_saved_with_a_byte_order_mark_is_read(tmp_path: Path) -> None:
    text = builtin_rubric().source_text
    path = tmp_path / "notepad.toml"
    path.write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    rubric = load_rubric(path)
    assert rubric == builtin_rubric()
    assert not rubric.source_text.startswith("\ufeff")  # what a batch then carries


@pytest.mark.parametrize(
    "text",
    [
        "x = " + "[" * 100_000 + "]" * 100_000,
        "x = " + "{a = " * 100_000 + "1" + "}" * 100_000,
        "a" + ".a" * 1_000 + " = 1",
        "[" + ".".join(["t"] * 20) + "]\n" + ".".join(["k"] * 20) + " = [[[[[[[[[[[[1]]]]]]]]]]]]",
    ],
    ids=["arrays", "inline-tables", "dotted-key", "all-three"],
)
def test_a_deeply_nested_rubric_is_a_rubric_error_not_a_recursion_error(text: str) -> None:
    with pytest.raises(RubricError, match="nests tables or arrays more than 32 levels deep"):
        parse_rubric(text, "deep.toml")


def test_nesting_inside_strings_and_comments_does_not_count() -> None:
    text = builtin_rubric().source_text
    noise = "\n# " + "[{." * 100 + "\n" + 'noise = "' + "[" * 100 + '"\n'
    assert parse_rubric(text + noise, "noisy.toml").edition == builtin_rubric().edition


def test_a_rubric_file_past_its_size_limit_is_refused_unread(tmp_path: Path) -> None:
    path = sparse(tmp_path / "big.toml", limits.RUBRIC_MAX_BYTES + 1)
    with pytest.raises(RubricError, match=r"big.toml: is 1,000,001 bytes; a rubric file may be at"):
        load_rubric(path)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no named pipes here")
def test_a_rubric_path_that_is_a_pipe_is_refused_without_blocking(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "pipe.toml")
    outcome = finishes(lambda: load_rubric(tmp_path / "pipe.toml"))
    assert isinstance(outcome, RubricError)
    assert "pipe" in str(outcome)


def test_zip_limits_are_judged_from_the_directory_alone() -> None:
    """check_zip passes what is not a zip (the parser says what it is) and a small real one."""
    limits.check_zip(io.BytesIO(b"not a zip"), limits.DOCUMENT_DOCX)
    small = io.BytesIO()
    with zipfile.ZipFile(small, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("word/document.xml", "<w/>" * 1000)  # high ratio, but tiny: allowed
    limits.check_zip(small, limits.DOCUMENT_DOCX)


def test_a_batch_carrying_a_deeply_nested_rubric_is_refused_untouched(tmp_path: Path) -> None:
    import hashlib
    import sqlite3

    from icg_desk.models.batch_file import BatchFile, BatchFileError

    path = tmp_path / "deep.icgbatch"
    BatchFile.create(
        path, batch_id="B", cohort="2026-27", scorer_id="S", scorer_name="S",
        rubric=builtin_rubric(),
    ).close()  # fmt: skip
    with sqlite3.connect(path) as con:
        con.execute("UPDATE batch SET rubric_text = ?", ("x = " + "[" * 100_000,))
    con.close()
    before = hashlib.sha256(path.read_bytes()).hexdigest()
    with pytest.raises(BatchFileError, match="embedded rubric is broken: .* levels deep"):
        BatchFile.open(path)
    assert hashlib.sha256(path.read_bytes()).hexdigest() == before


def test_the_command_line_refuses_a_deeply_nested_rubric_with_exit_code_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    deep = tmp_path / "deep.toml"
    deep.write_text("x = " + "[" * 100_000 + "]" * 100_000, encoding="utf-8")
    db = tmp_path / "c.icgcohort"
    try:
        code = main(["cohort", "init", str(db), "--name", "2026-27", "--rubric", str(deep)])
    except SystemExit as exc:
        code = int(exc.code or 0)
    assert code == 2
    assert "deep.toml: nests tables or arrays more than 32 levels deep" in capsys.readouterr().err
    assert not db.exists()
