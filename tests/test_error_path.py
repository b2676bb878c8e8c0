"""One error path (issue 15, item 6): the environment is a message, never a traceback.

A read-only file or folder, a file busy in another program, permission denied, the disk full:
on the command line a message naming the file and exit code 2; in the windows a dialog, and the
window goes on. Only a bug keeps its traceback.

The tests run as root, for whom chmod makes nothing read-only, so the environment is simulated
deterministically: SQLite opens every file in read-only mode (it then refuses writes itself, with
its own error codes), or with a page limit (SQLite's own "database or disk is full"), and the
operating system's calls that write a finished file or a lock file raise the error number a
full disk, a busy file or a read-only folder gives.
"""

from __future__ import annotations

import errno
import os
import sqlite3
import sqlite3.dbapi2
from collections.abc import Callable
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError

from icg_desk.cli import main
from icg_desk.models import merge as merge_model
from icg_desk.models.cohort_file import CohortFile
from icg_desk.models.cohort_schema import MergeLog, ReadScore
from icg_desk.models.environment import EnvironmentProblem, environment_error
from icg_desk.models.errors import UserError
from icg_desk.models.rubric_file import DEFAULT_EDITION
from icg_desk.operations.errors import user_message

_real_connect = sqlite3.connect


def run(capsys: pytest.CaptureFixture[str], *argv: object) -> tuple[int, str, str]:
    try:
        code = main([str(a) for a in argv])
    except SystemExit as exc:
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


def refused(capsys: pytest.CaptureFixture[str], *argv: object) -> str:
    """Run a command that must fail as the person's error: exit 2, one message, no traceback.
    Its stderr."""
    code, out, err = run(capsys, *argv)
    assert code == 2, (out, err)
    assert "Traceback" not in out + err
    assert err.startswith(f"icg-desk {argv[0]}"), err
    assert ": error: " in err.splitlines()[0]
    return err


def _simulate(monkeypatch: pytest.MonkeyPatch, change: Callable[..., sqlite3.Connection]) -> None:
    # SQLAlchemy's driver calls sqlite3.dbapi2.connect; ICG Desk's checks call sqlite3.connect.
    monkeypatch.setattr(sqlite3, "connect", change)
    monkeypatch.setattr(sqlite3.dbapi2, "connect", change)


def _read_only_connect(database: object, *args: object, **kwargs: object) -> sqlite3.Connection:
    if not kwargs.get("uri"):
        database, kwargs["uri"] = f"{Path(str(database)).resolve().as_uri()}?mode=ro", True
    return _real_connect(database, *args, **kwargs)  # type: ignore[arg-type]


@pytest.fixture
def read_only_disk(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every file SQLite opens by name is opened read-only: writing is SQLITE_READONLY, making
    a new file SQLITE_CANTOPEN, as on a read-only share. (Read-only URIs are left as they are.)"""
    _simulate(monkeypatch, _read_only_connect)


@pytest.fixture
def full_disk(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every file SQLite opens by name cannot grow by a page: SQLITE_FULL, as on a full disk."""

    def connect(database: object, *args: object, **kwargs: object) -> sqlite3.Connection:
        con = _real_connect(database, *args, **kwargs)  # type: ignore[arg-type]
        if not kwargs.get("uri"):
            (pages,) = con.execute("PRAGMA page_count").fetchone()
            con.execute(f"PRAGMA max_page_count = {max(pages, 1)}")
        return con

    _simulate(monkeypatch, connect)


def failing_moves(monkeypatch: pytest.MonkeyPatch, number: int) -> None:
    """The move that puts a finished file in place fails with `number` (formats.atomic)."""

    def fail(src: object, dst: object, *args: object, **kwargs: object) -> None:
        raise OSError(number, os.strerror(number), str(src), None, str(dst))

    monkeypatch.setattr(os, "replace", fail)
    monkeypatch.setattr(os, "link", fail)


@pytest.fixture(scope="module")
def demo_master(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from icg_desk.demo.cohort import build_demo_cohort

    return build_demo_cohort(
        tmp_path_factory.mktemp("demo"), candidates=4, scorers=3, words_per_entry=30
    )


@pytest.fixture
def demo(demo_master: Path, tmp_path: Path) -> Path:
    """A copy of the demo cohort's folder; its cohort, batches and roster."""
    import shutil

    folder = tmp_path / "demo"
    shutil.copytree(demo_master.parent, folder)
    return folder / demo_master.name


def snapshot(path: Path) -> tuple[int, int]:
    with CohortFile.open(path) as cohort, cohort.reading() as s:
        return (
            s.scalar(select(func.count()).select_from(ReadScore)) or 0,
            s.scalar(select(func.count()).select_from(MergeLog)) or 0,
        )


# --- the helper ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("exc", "expected"),
    [
        (OSError(errno.ENOSPC, "No space left on device", "/d/x.xlsx"), "the disk is full"),
        (PermissionError(errno.EACCES, "Permission denied", "/d/x.xlsx"), "permission denied"),
        (OSError(errno.EROFS, "Read-only file system", "/d/x.xlsx"), "read-only disk"),
        (OSError(errno.EBUSY, "Device or resource busy", "/d/x.xlsx"), "another program has it"),
        (NotADirectoryError(errno.ENOTDIR, "Not a directory", "/d/x.xlsx"), "is a file, not a"),
        (IsADirectoryError(errno.EISDIR, "Is a directory", "/d/x.xlsx"), "is a folder, not a file"),
    ],
    ids=["full", "permission", "read-only", "busy", "not a folder", "a folder"],
)
def test_the_helper_names_the_file_and_the_cause(exc: OSError, expected: str) -> None:
    problem = environment_error(exc)
    assert isinstance(problem, EnvironmentProblem)
    assert str(problem).startswith("/d/x.xlsx: ")
    assert expected in str(problem)
    assert user_message(exc) == str(problem)


def test_a_file_open_in_another_program_on_windows_is_busy_not_permission_denied() -> None:
    # Windows reports a sharing violation (a workbook open in Excel) as EACCES, winerror 32.
    exc = PermissionError(errno.EACCES, "The process cannot access the file", "C:/d/x.xlsx")
    exc.winerror = 32  # type: ignore[attr-defined]  # set by Windows itself there
    assert str(environment_error(exc)) == (
        "C:/d/x.xlsx: is busy: another program has it open; close it there and try again"
    )


def test_icg_desks_own_words_for_an_os_error_are_kept() -> None:
    exc = FileNotFoundError(errno.ENOENT, "the folder /d does not exist", "/d/x.xlsx")
    assert str(environment_error(exc)) == "/d/x.xlsx: the folder /d does not exist"


def test_a_rename_is_named_by_the_file_it_was_to_make() -> None:
    exc = OSError(errno.ENOSPC, "No space left on device", "/d/.x.xlsx.0a1b.tmp", None, "/d/x.xlsx")
    assert str(environment_error(exc)).startswith("/d/x.xlsx: cannot be saved: the disk is full")


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        (sqlite3.SQLITE_READONLY, "read-only"),
        (sqlite3.SQLITE_BUSY, "busy in another program"),
        (sqlite3.SQLITE_FULL, "the disk is full"),
        (sqlite3.SQLITE_IOERR, "reported an error"),
    ],
    ids=["readonly", "locked", "full", "disk I/O"],
)
def test_sqlites_failures_are_the_persons_and_name_the_file(code: int, expected: str) -> None:
    error = sqlite3.OperationalError("whatever the driver says")
    error.sqlite_errorcode = code  # type: ignore[attr-defined]
    wrapped = OperationalError("UPDATE x SET y = 1", {}, error)
    for exc in (error, wrapped):
        problem = environment_error(exc, Path("/d/c.icgcohort"))
        assert problem is not None
        assert str(problem).startswith("/d/c.icgcohort: ")
        assert expected in str(problem)
        assert expected in (user_message(exc) or "")  # without the name, still the person's


def test_a_bug_is_not_the_environments() -> None:
    assert environment_error(KeyError("x")) is None
    assert user_message(ZeroDivisionError()) is None
    syntax = sqlite3.OperationalError("near 'x': syntax error")
    syntax.sqlite_errorcode = sqlite3.SQLITE_ERROR  # type: ignore[attr-defined]
    assert user_message(syntax) is None


# --- the command line ----------------------------------------------------------------------------


@pytest.mark.usefixtures("read_only_disk")
def test_a_cohort_made_on_a_read_only_disk_is_a_message(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = tmp_path / "c.icgcohort"
    err = refused(capsys, "cohort", "init", path, "--name", "2026-27")
    assert f"{path}: cannot be saved: the file or its folder is read-only" in err
    assert list(tmp_path.iterdir()) == []


@pytest.mark.usefixtures("full_disk")
def test_a_cohort_made_on_a_full_disk_is_a_message_and_leaves_nothing(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = tmp_path / "c.icgcohort"
    err = refused(capsys, "cohort", "init", path, "--name", "2026-27")
    assert f"{path}: cannot be saved: the disk is full" in err
    assert list(tmp_path.iterdir()) == []


@pytest.mark.usefixtures("read_only_disk")
def test_a_demo_batch_on_a_read_only_disk_is_a_message(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = tmp_path / "d.icgbatch"
    err = refused(capsys, "demo", "--out", path, "--no-gui")
    assert f"{path}: cannot be saved: the file or its folder is read-only" in err


def test_a_path_through_a_file_is_named(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    a_file = tmp_path / "notes.txt"
    a_file.write_text("a file, not a folder")
    err = refused(capsys, "demo", "--out", a_file / "d.icgbatch", "--no-gui")
    assert f"{a_file}: a part of this path is a file, not a folder" in err  # not "File exists"
    err = refused(capsys, "cohort", "template", a_file / "t.xlsx")
    assert "a part of this path is a file, not a folder" in err


@pytest.mark.parametrize(
    ("number", "expected"),
    [
        (errno.ENOSPC, "cannot be saved: the disk is full"),
        (errno.EBUSY, "is busy: another program has it open; close it there and try again"),
        (errno.EACCES, "cannot be saved: permission denied"),
        (errno.EROFS, "cannot be saved: it is on a read-only disk or share"),
    ],
    ids=["full", "busy", "permission", "read-only"],
)
def test_a_finished_file_that_cannot_be_put_in_place_is_a_message(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    demo: Path,
    tmp_path: Path,
    number: int,
    expected: str,
) -> None:
    batch = sorted((demo.parent / "batches").glob("*.icgbatch"))[0]
    failing_moves(monkeypatch, number)
    for argv, target in (
        (("cohort", "summary", demo, tmp_path / "s.xlsx"), tmp_path / "s.xlsx"),
        (("batch", "summary", batch, tmp_path / "b.xlsx"), tmp_path / "b.xlsx"),
        (("cohort", "template", tmp_path / "t.xlsx"), tmp_path / "t.xlsx"),
    ):
        err = refused(capsys, *argv)
        assert f"{target}: {expected}" in err, err
        assert not target.exists()


def test_a_cohort_in_a_folder_where_no_lock_file_can_be_made_is_named(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, demo: Path
) -> None:
    real_open = os.open

    def open_(path: object, *args: object, **kwargs: object) -> int:
        if str(path).endswith(".lock"):
            raise PermissionError(errno.EACCES, "Permission denied", str(path))
        return real_open(path, *args, **kwargs)  # type: ignore[arg-type]

    batch = sorted((demo.parent / "batches").glob("*.icgbatch"))[0]
    monkeypatch.setattr(os, "open", open_)
    err = refused(capsys, "cohort", "merge", demo, batch)
    assert f"{demo}: cannot be opened for changes: ICG Desk keeps a lock file beside it" in err
    assert "permission denied" in err


def test_a_merge_into_a_cohort_whose_disk_fills_says_how_far_it_got(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, demo: Path
) -> None:
    batches = sorted((demo.parent / "batches").glob("*.icgbatch"))
    before = snapshot(demo)
    real_apply = merge_model._apply
    calls: list[Path] = []

    def apply(session: object, rubric: object, path: Path, *args: object) -> object:
        calls.append(path)
        if len(calls) == 2:  # the disk is full when the second file is written
            full = sqlite3.OperationalError("database or disk is full")
            full.sqlite_errorcode = sqlite3.SQLITE_FULL  # type: ignore[attr-defined]
            raise OperationalError("INSERT INTO read_score ...", {}, full)
        return real_apply(session, rubric, path, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(merge_model, "_apply", apply)
    code, out, err = run(capsys, "cohort", "merge", demo, *batches)
    assert code == 2
    assert "Traceback" not in out + err
    # The report of what was merged before the cohort failed, then why it stopped.
    assert out.splitlines()[1].startswith(f"{batches[0].name}  unchanged")
    assert f"{demo}: cannot be saved: the disk is full" in err
    assert f"Merging stopped at {batches[1].name}: the file before it was merged whole" in err
    assert f"nothing of it or of the {len(batches) - 2} after it was merged" in err
    # The first file's outcome is logged; nothing of the second.
    reads, logged = snapshot(demo)
    assert (reads, logged) == (before[0], before[1] + 1)


@pytest.mark.usefixtures("read_only_disk")
def test_a_merge_into_a_read_only_cohort_is_a_message_and_changes_nothing(
    capsys: pytest.CaptureFixture[str], demo: Path
) -> None:
    batch = sorted((demo.parent / "batches").glob("*.icgbatch"))[0]
    before = demo.read_bytes()
    err = refused(capsys, "cohort", "merge", demo, batch)
    assert f"{demo}: cannot be saved: the file or its folder is read-only" in err
    assert f"Merging stopped at {batch.name}: nothing was merged; nothing of it was merged" in err
    assert demo.read_bytes() == before


def rollback_journal(path: Path) -> Path:
    """The file in SQLite's rollback-journal mode, as another tool may leave it: the first
    connection ICG Desk opens then writes, to turn on write-ahead logging."""
    con = _real_connect(path)
    con.execute("PRAGMA journal_mode = DELETE")
    con.close()
    return path


def test_reading_a_cohort_on_a_read_only_disk_is_a_message(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, demo: Path
) -> None:
    rollback_journal(demo)
    before = demo.read_bytes()
    _simulate(monkeypatch, _read_only_connect)
    for command in ("results", "status"):
        err = refused(capsys, "cohort", command, demo)
        assert f"{demo}: cannot be saved: the file or its folder is read-only" in err
    assert demo.read_bytes() == before


def assigned_cohort(capsys: pytest.CaptureFixture[str], folder: Path) -> Path:
    """A cohort of 4 candidates and 2 scorers, every read assigned, none sent."""
    db = folder / "c.icgcohort"
    assert run(capsys, "cohort", "init", db, "--name", "2026-27")[0] == 0
    docs, roster, scorers = folder / "docs", folder / "roster.csv", folder / "s.csv"
    docs.mkdir()
    rows = ["candidate_id,name,email,organisation,cohort,retake_factors,entry1_videos"]
    for i in range(1, 5):
        videos = "A | https://youtu.be/a; B | https://youtu.be/b"
        rows.append(f"K{i},C {i},k{i}@example.org,,2026-27,,{videos}")
        for n in (1, 2):
            (docs / f"K{i}_entry{n}.txt").write_text(f"Entry {n} of {i}.", encoding="utf-8")
    roster.write_text("\n".join(rows) + "\n", encoding="utf-8")
    scorers.write_text(
        "scorer_id,name,email,organisation,conflicts\n"
        "S-1,Ana,ana@example.org,,\nS-2,Ben,ben@example.org,,\n",
        encoding="utf-8",
    )
    assert run(capsys, "cohort", "import", db, roster, docs)[0] == 0
    assert run(capsys, "cohort", "scorers", db, scorers)[0] == 0
    assert run(capsys, "cohort", "assign", db, "--seed", "7")[0] == 0
    return db


def test_batches_sent_onto_a_full_disk_name_the_batch_and_nothing_is_sent(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    import json

    from icg_desk.formats.naming import batch_file_name

    db = assigned_cohort(capsys, tmp_path)

    def connect(database: object, *args: object, **kwargs: object) -> sqlite3.Connection:
        con = _real_connect(database, *args, **kwargs)  # type: ignore[arg-type]
        if ".icgbatch" in str(database) and not kwargs.get("uri"):  # the batches, not the cohort
            con.execute("PRAGMA max_page_count = 1")
        return con

    _simulate(monkeypatch, connect)
    outdir = tmp_path / "out"
    err = refused(capsys, "cohort", "batches", db, outdir)
    first = outdir / batch_file_name("2026-27", "S-1")
    # The batch asked for, not the hidden temporary name it was being written under.
    assert f"{first}: cannot be saved: the disk is full" in err
    assert ".tmp" not in err
    assert list(outdir.iterdir()) == []
    monkeypatch.undo()
    code, out, _ = run(capsys, "cohort", "status", db, "--json")
    assert code == 0
    assert json.loads(out)["reads_sent"] == 0


# --- the windows ---------------------------------------------------------------------------------


@pytest.fixture
def settings(tmp_path: Path) -> QSettings:
    return QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)


@pytest.fixture
def coordinator(qtbot, settings: QSettings) -> object:
    from icg_desk.ui.coordinator_window import CoordinatorWindow
    from icg_desk.ui.tasks import SyncTaskRunner

    window = CoordinatorWindow(settings, runner=SyncTaskRunner)
    qtbot.addWidget(window)
    window.show()
    return window


def test_a_new_cohort_on_a_read_only_disk_is_a_dialog_and_the_window_goes_on(
    qtbot, coordinator, tmp_path: Path, read_only_disk: None
) -> None:
    from test_refusals import the_dialog

    path = tmp_path / "c.icgcohort"
    name, title, text, _ = the_dialog(
        qtbot, lambda: coordinator.new_cohort(path, name="2026-27", edition=DEFAULT_EDITION)
    )
    assert (name, title) == ("errorDialog", "Cohort not created")
    assert text.startswith(f"{path}: cannot be saved: the file or its folder is read-only")
    assert coordinator.isVisible()
    assert coordinator.cohort is None
    assert list(tmp_path.glob("c.icgcohort*")) == []


def test_a_cohort_on_a_read_only_disk_is_a_dialog_and_the_window_goes_on(
    qtbot, coordinator, demo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from test_refusals import the_dialog

    rollback_journal(demo)
    before = demo.read_bytes()
    _simulate(monkeypatch, _read_only_connect)
    name, title, text, details = the_dialog(qtbot, lambda: coordinator.open_cohort(demo))
    assert title == "Cannot open cohort"
    assert f"{demo.name}" in text
    assert f"{demo.resolve()}: cannot be saved: the file or its folder is read-only" in details
    assert coordinator.isVisible()
    assert coordinator.cohort is None
    assert demo.read_bytes() == before


def test_a_batch_in_a_folder_where_no_lock_file_can_be_made_is_a_dialog(
    qtbot, settings: QSettings, demo_copies, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from test_refusals import the_dialog

    from icg_desk.ui.main_window import MainWindow
    from icg_desk.ui.tasks import SyncTaskRunner

    batch = demo_copies.batch(tmp_path / "summer.icgbatch", portfolios=2, seed=3, prefill=False)
    before = batch.read_bytes()
    real_open = os.open

    def open_(path: object, *args: object, **kwargs: object) -> int:
        if str(path).endswith(".lock"):
            raise OSError(errno.EROFS, "Read-only file system", str(path))
        return real_open(path, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(os, "open", open_)
    window = MainWindow(settings, runner=SyncTaskRunner)
    qtbot.addWidget(window)
    window.show()
    name, title, text, _ = the_dialog(qtbot, lambda: window.open_batch(batch))
    assert (name, title) == ("errorDialog", "Cannot open batch")
    assert text.startswith(f"{batch.resolve()}: cannot be opened for changes")
    assert "it is on a read-only disk or share" in text
    assert window.session is None
    assert window.isVisible()
    assert batch.read_bytes() == before
    monkeypatch.undo()
    assert window.open_batch(batch)  # and once the folder can be written, it opens


def test_user_errors_are_still_user_errors() -> None:
    problem = EnvironmentProblem("/d/x", "is busy")
    assert isinstance(problem, UserError)
    assert environment_error(problem) is problem


def test_a_merge_stopped_by_a_full_disk_is_a_dialog_then_the_report_of_what_was_merged(
    qtbot, coordinator, demo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from test_coordinator_window import answering

    batches = sorted((demo.parent / "batches").glob("*.icgbatch"))
    assert coordinator.open_cohort(demo)
    real_apply = merge_model._apply
    calls: list[Path] = []

    def apply(session: object, rubric: object, path: Path, *args: object) -> object:
        calls.append(path)
        if len(calls) == 2:
            full = sqlite3.OperationalError("database or disk is full")
            full.sqlite_errorcode = sqlite3.SQLITE_FULL  # type: ignore[attr-defined]
            raise OperationalError("INSERT INTO read_score ...", {}, full)
        return real_apply(session, rubric, path, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(merge_model, "_apply", apply)
    message, report = answering(qtbot, lambda: coordinator.merge_returned(batches), None, None)
    assert (message.kind, message.title) == ("QMessageBox", "Not merged")
    assert "cannot be saved: the disk is full" in message.text
    assert f"Merging stopped at {batches[1].name}" in message.text
    assert report.kind == "MergeReportDialog"
    assert report.text.splitlines()[1].startswith(f"{batches[0].name}  unchanged")
    assert len(report.text.splitlines()) == 3  # the header, the one file merged, the totals
    assert coordinator.isVisible()
