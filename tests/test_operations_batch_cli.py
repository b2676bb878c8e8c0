"""The scorer's operations, and the command line honouring the locks the windows hold."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import pytest

from icg_desk.cli import main
from icg_desk.demo.cohort import build_demo_cohort
from icg_desk.export.summary_xlsx import write_batch_summary
from icg_desk.formats.summary import read_batch_summary
from icg_desk.models.batch_file import BatchFile
from icg_desk.operations.batch_ops import (
    ReportChoice,
    export_batch_reports,
    export_batch_summary,
    open_batch_for_scoring,
)
from icg_desk.operations.errors import FileBusy
from icg_desk.operations.file_lock import COORDINATOR_WINDOW, lock_file

HOLDER = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from icg_desk.operations.file_lock import lock_file
    lock = lock_file(Path(sys.argv[1]), sys.argv[2])
    print("held", flush=True)
    sys.stdin.readline()
    lock.release()
    """
)


def hold(path: Path, program: str) -> subprocess.Popen[str]:
    child = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(path), program],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        cwd=Path(__file__).resolve().parents[1],
    )
    assert child.stdout is not None
    assert child.stdout.readline().strip() == "held"
    return child


@pytest.fixture
def batch(tmp_path: Path, demo_copies) -> Path:
    return demo_copies.batch(tmp_path / "b.icgbatch", portfolios=3)


def test_the_summary_export_records_its_time_as_a_step_of_its_own(
    batch: Path, tmp_path: Path
) -> None:
    target = tmp_path / "s.xlsx"
    info = export_batch_summary(batch, target)  # its own connection, its own lock
    assert read_batch_summary(target).checksum == info.checksum
    with BatchFile.open(batch) as opened:
        assert opened.identity.exported_at == info.exported_at


def test_the_summary_writer_alone_leaves_the_batch_as_it_was(batch: Path, tmp_path: Path) -> None:
    with BatchFile.open(batch) as opened:
        write_batch_summary(opened, tmp_path / "s.xlsx")
    with BatchFile.open(batch) as opened:
        assert opened.identity.exported_at is None  # recording it is the operation's step


def test_the_window_exports_under_the_lock_it_holds_from_a_worker(
    batch: Path, tmp_path: Path
) -> None:
    lock, opened = open_batch_for_scoring(batch)
    try:
        with pytest.raises(FileBusy, match="is open in the scorer's window"):
            export_batch_summary(batch, tmp_path / "no.xlsx")  # a command, meanwhile
        done: list[object] = []
        worker = threading.Thread(
            target=lambda: done.append(export_batch_summary(batch, tmp_path / "s.xlsx", lock=lock))
        )
        worker.start()
        worker.join()
        assert len(done) == 1
        assert (tmp_path / "s.xlsx").is_file()
        assert not (tmp_path / "no.xlsx").exists()
        # Printing only reads: it never waits for the window.
        run = export_batch_reports(batch, tmp_path / "reports", which=ReportChoice.ALL)
        assert len(run.written) == 3
    finally:
        opened.close()
        lock.release()


def test_a_batch_that_cannot_be_opened_leaves_no_lock(tmp_path: Path) -> None:
    path = tmp_path / "not.icgbatch"
    path.write_text("not a batch")
    with pytest.raises(Exception, match="not an ICG Desk batch"):
        open_batch_for_scoring(path)
    lock_file(path, "next").release()  # free


@pytest.mark.skipif(os.name != "posix", reason="holds the lock from a POSIX child")
def test_a_merge_from_the_cli_into_a_cohort_open_in_the_window_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = build_demo_cohort(tmp_path / "demo", candidates=3, scorers=2, words_per_entry=30)
    returned = sorted((tmp_path / "demo" / "batches").glob("*.icgbatch"))
    before = db.read_bytes()
    window = hold(db, COORDINATOR_WINDOW)
    try:
        with pytest.raises(SystemExit) as exited:
            main(["cohort", "merge", str(db), *map(str, returned)])
        assert exited.value.code == 2
        err = capsys.readouterr().err
        assert "is open in the Coordinator window" in err
        assert f"process {window.pid}" in err
        with pytest.raises(SystemExit) as exited:
            main(["cohort", "merge", str(db), str(returned[0]), "--wait", "0.2"])
        assert exited.value.code == 2
        assert db.read_bytes() == before  # not a byte written
        assert main(["cohort", "status", str(db)]) == 0  # reading is never refused
    finally:
        window.communicate("")
    assert main(["cohort", "merge", str(db), str(returned[0])]) == 0  # once the window closes


def test_the_batch_summary_command_waits_for_nothing_when_the_batch_is_free(
    batch: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    copy = Path(shutil.copy(batch, tmp_path / "c.icgbatch"))
    assert main(["batch", "summary", str(copy), str(tmp_path / "s.xlsx"), "--wait", "1"]) == 0
    assert "3 portfolios" in capsys.readouterr().out
