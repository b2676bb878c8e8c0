"""Sending the batch back while ICG Desk runs: the checkpoints that keep the .icgbatch file alone
up to date, and File > Send to coordinator's self-contained copy and summary (issue 13, item 6).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from datetime import datetime
from fractions import Fraction as F
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from icg_desk.demo.cohort import write_demo_inputs
from icg_desk.models.batch_file import BatchFile
from icg_desk.models.errors import UserError
from icg_desk.models.merge import ACCEPTED
from icg_desk.models.rubric_file import builtin_rubric
from icg_desk.models.schema import FactorRead, Portfolio, PortfolioStatus
from icg_desk.operations import batch_ops
from icg_desk.operations import cohort as cohort_ops
from icg_desk.operations.batch_ops import SentFiles, open_batch_for_scoring, send_to_coordinator
from icg_desk.operations.batch_work import BatchWork
from icg_desk.operations.errors import FileBusy
from icg_desk.operations.file_lock import FileLock

KEYS = builtin_rubric().factor_keys


@pytest.fixture
def demo_path(tmp_path: Path, demo_copies) -> Path:
    return demo_copies.batch(tmp_path / "demo.icgbatch", portfolios=4, seed=3, prefill=False)


def scores_in(path: Path) -> dict[str, dict[str, F | None]]:
    """Every score the file at `path` holds, by candidate code: what a second program finds."""
    with BatchFile.open(path) as other, other.reading() as session:
        found: dict[str, dict[str, F | None]] = {}
        for code, key, score in session.execute(
            select(Portfolio.candidate_code, FactorRead.factor_key, FactorRead.score).join(
                FactorRead, FactorRead.portfolio_id == Portfolio.id
            )
        ):
            found.setdefault(code, {})[key] = score
        return found


def statuses_in(path: Path) -> dict[str, str]:
    with BatchFile.open(path) as other, other.reading() as session:
        return dict(session.execute(select(Portfolio.candidate_code, Portfolio.status)).all())


def copy_file_alone(path: Path, target: Path) -> Path:
    """What a scorer e-mails while ICG Desk runs: the .icgbatch, never its -wal."""
    shutil.copyfile(path, target)
    assert not target.with_name(target.name + "-wal").exists()
    return target


# --- checkpoints ----------------------------------------------------------------------------------


def test_a_copy_of_the_file_alone_holds_every_completed_portfolio(demo_path, tmp_path):
    with BatchFile.open(demo_path) as batch:
        work = BatchWork(batch)
        first, second = (p for p in work.portfolios()[:2])
        for n, key in enumerate(KEYS):
            work.set_score(first.id, key, F(1 + n % 4))
        work.mark_complete(first.id)
        work.set_score(second.id, "data", F(2))  # after the last completed portfolio
        assert demo_path.with_name(demo_path.name + "-wal").exists()  # still open, in WAL
        copy = copy_file_alone(demo_path, tmp_path / "mailed.icgbatch")

        found = scores_in(copy)
        assert found[first.candidate_code] == {k: F(1 + n % 4) for n, k in enumerate(KEYS)}
        assert statuses_in(copy)[first.candidate_code] == PortfolioStatus.COMPLETE.value
        # A score after the last completed portfolio waits for the next checkpoint (idle).
        assert second.candidate_code not in found

        assert work.checkpoint() is True
        copy = copy_file_alone(demo_path, tmp_path / "later.icgbatch")
        assert scores_in(copy)[second.candidate_code] == {"data": F(2)}


def test_a_checkpoint_after_close_does_nothing(demo_path):
    batch = BatchFile.open(demo_path)
    batch.close()
    assert batch.checkpoint() is False
    # It did not open the file again: nothing beside it.
    assert not demo_path.with_name(demo_path.name + "-wal").exists()


def test_the_window_checkpoints_when_the_scorer_pauses(qtbot, demo_path, tmp_path):
    from icg_desk.ui.session import IDLE_CHECKPOINT_MS, ScoringSession

    assert IDLE_CHECKPOINT_MS == 30_000
    with BatchFile.open(demo_path) as batch:
        session = ScoringSession(batch)
        session.idle_timer.setInterval(50)  # 30 s in the app
        first = session.work.portfolios()[0]
        session.set_score(first.id, "data", F(3), None)
        assert session.idle_timer.isActive()
        assert first.candidate_code not in scores_in(
            copy_file_alone(demo_path, tmp_path / "before.icgbatch")
        )
        qtbot.waitUntil(lambda: not session.idle_timer.isActive(), timeout=2000)
        copy = copy_file_alone(demo_path, tmp_path / "after.icgbatch")
        assert scores_in(copy)[first.candidate_code] == {"data": F(3)}
        # Each change starts the wait again: a scorer typing is not interrupted by checkpoints.
        session.idle_timer.setInterval(IDLE_CHECKPOINT_MS)
        session.set_score(first.id, "data", F(4), F(3))
        assert session.idle_timer.remainingTime() > IDLE_CHECKPOINT_MS - 5000
        session.idle_timer.stop()
        session.deleteLater()


# --- Send to coordinator: the operation -----------------------------------------------------------

DAY = datetime(2026, 12, 7, 15, 30)
STEM = "2026-27 S-017 2026-12-07"


@pytest.fixture
def scoring(demo_path: Path) -> Iterator[tuple[FileLock, BatchWork]]:
    """The batch as the scorer's window holds it: locked and open, scored through BatchWork."""
    lock, batch = open_batch_for_scoring(demo_path)
    try:
        yield lock, BatchWork(batch)
    finally:
        batch.close()
        lock.release()


def beside(path: Path) -> list[str]:
    return sorted(p.name for p in path.parent.iterdir() if p.name.startswith(path.name))


def test_the_copy_is_one_whole_file_with_every_score_saved(scoring, demo_path, tmp_path):
    lock, work = scoring
    first, second = work.portfolios()[:2]
    for key in KEYS:
        work.set_score(first.id, key, F(3))
    work.mark_complete(first.id)
    work.set_score(second.id, "playbook", F(2))  # after the last checkpoint: only in the -wal
    folder = tmp_path / "outbox"
    folder.mkdir()
    steps: list[tuple[int, int]] = []

    sent = send_to_coordinator(
        demo_path, folder, lock=lock, now=DAY, progress=lambda d, t: steps.append((d, t)) or True
    )

    assert sent == SentFiles(folder / f"{STEM}.icgbatch", folder / f"{STEM} summary.xlsx")
    # Only the two files: no -wal, -shm or -journal beside the copy, no temporary file left.
    assert sorted(p.name for p in folder.iterdir()) == [f"{STEM} summary.xlsx", f"{STEM}.icgbatch"]
    header = sent.batch_copy.read_bytes()[:100]
    assert header[18:20] == b"\x01\x01"  # the rollback journal: opening it needs no -wal
    found = scores_in(sent.batch_copy)
    assert found[first.candidate_code] == dict.fromkeys(KEYS, F(3))
    assert found[second.candidate_code] == {"playbook": F(2)}
    assert statuses_in(sent.batch_copy)[first.candidate_code] == PortfolioStatus.COMPLETE.value
    with BatchFile.open(sent.batch_copy) as copy:
        assert copy.identity.batch_id == work.batch.identity.batch_id
        assert copy.identity.exported_at is not None  # the summary's stamp came along
    # The scorer's window goes on scoring its own batch, still open and locked.
    assert lock.held
    work.set_score(second.id, "data", F(4))

    workbook = load_workbook(sent.summary, read_only=True)
    codes = {row[0] for row in workbook["Scores"].iter_rows(values_only=True)}
    workbook.close()
    assert {first.candidate_code, second.candidate_code} <= codes
    total = len(work.portfolios()) + 1  # each portfolio of the summary, then the copy
    assert steps[-1] == (total, total)
    assert all(t == total for _, t in steps)


def test_names_are_never_overwritten(scoring, demo_path, tmp_path):
    lock, _work = scoring
    first = send_to_coordinator(demo_path, tmp_path, lock=lock, now=DAY)
    before = first.batch_copy.read_bytes(), first.summary.read_bytes()
    second = send_to_coordinator(demo_path, tmp_path, lock=lock, now=DAY)
    assert second == SentFiles(
        tmp_path / f"{STEM} (2).icgbatch", tmp_path / f"{STEM} (2) summary.xlsx"
    )
    # A file of the same name in another case, left there by hand, is not replaced either
    # (Windows and macOS would take it for the same name).
    (tmp_path / f"{STEM} (3) SUMMARY.xlsx").write_text("mine")
    third = send_to_coordinator(demo_path, tmp_path, lock=lock, now=DAY)
    assert third.batch_copy.name == f"{STEM} (4).icgbatch"
    assert (first.batch_copy.read_bytes(), first.summary.read_bytes()) == before
    assert (tmp_path / f"{STEM} (3) SUMMARY.xlsx").read_text() == "mine"
    assert scores_in(third.batch_copy) == scores_in(first.batch_copy)


def test_the_names_are_safe_whatever_the_cohort_is_called(tmp_path):
    from icg_desk.formats.naming import sent_batch_stem

    day = DAY.date()
    assert sent_batch_stem("2026-27", "S-017", day) == STEM
    assert sent_batch_stem("Été/2027: cohort", "S 9", day) == "t_2027_cohort S_9 2026-12-07"
    assert sent_batch_stem("", "CON", day) == "cohort _CON 2026-12-07"


@pytest.mark.parametrize("kind", ["missing", "a file", "read-only"])
def test_a_folder_that_cannot_be_written_is_refused_naming_it(
    scoring, demo_path, tmp_path, monkeypatch, kind
):
    lock, _work = scoring
    folder = tmp_path / "elsewhere"
    if kind == "a file":
        folder.write_text("not a folder")
    elif kind == "read-only":
        folder.mkdir()
        # As root every folder is writable to os.access; a read-only share says no.
        monkeypatch.setattr(batch_ops.os, "access", lambda *_a, **_k: False)
    with pytest.raises(UserError) as refused:
        send_to_coordinator(demo_path, folder, lock=lock, now=DAY)
    assert str(refused.value).startswith(f"{folder}: ")
    assert {"missing": "no such folder", "a file": "not a folder", "read-only": "read-only"}[
        kind
    ] in str(refused.value)
    assert not folder.is_dir() or not any(folder.iterdir())


def test_a_folder_refusing_the_write_itself_is_named_and_nothing_is_left(
    scoring, demo_path, tmp_path, monkeypatch
):
    """A network drive that os.access calls writable, but that refuses the file."""
    lock, _work = scoring
    real_open = os.open

    def refusing(path, flags, *args, **kwargs):
        if str(path).endswith(".tmp") and ".icgbatch" in str(path):
            raise PermissionError(13, "Permission denied", str(path))
        return real_open(path, flags, *args, **kwargs)

    monkeypatch.setattr("icg_desk.formats.atomic.os.open", refusing)
    with pytest.raises(UserError, match=f"^{tmp_path}: cannot save the files there") as refused:
        send_to_coordinator(demo_path, tmp_path, lock=lock, now=DAY)
    assert "Permission denied" in str(refused.value)
    assert sorted(p.name for p in tmp_path.iterdir() if STEM in p.name) == []


def test_without_the_windows_lock_sending_is_refused_while_the_batch_is_open(
    scoring, demo_path, tmp_path
):
    with pytest.raises(FileBusy):
        send_to_coordinator(demo_path, tmp_path, lock=None, now=DAY)
    assert not any(STEM in p.name for p in tmp_path.iterdir())


def test_sending_a_closed_batch_takes_the_lock_itself(demo_path, tmp_path):
    sent = send_to_coordinator(demo_path, tmp_path, lock=None, now=DAY)
    assert sent.batch_copy.is_file()
    assert beside(demo_path) == ["demo.icgbatch"]  # no lock, no -wal left behind


def test_the_coordinators_merge_accepts_the_sent_copy(tmp_path):
    rubric = builtin_rubric()
    cohort = tmp_path / "c.icgcohort"
    inputs = write_demo_inputs(tmp_path / "in", candidates=3, scorers=2, words_per_entry=30)
    cohort_ops.create_cohort(cohort, "2026-27", rubric)
    ref = cohort_ops.CohortRef(cohort)
    cohort_ops.import_roster(ref, inputs.roster, inputs.documents)
    cohort_ops.import_scorers(ref, inputs.scorers)
    cohort_ops.assign(ref, seed=1)
    batch_path = cohort_ops.send_batches(ref, tmp_path / "sent").value[0].path

    lock, batch = open_batch_for_scoring(batch_path)
    try:
        work = BatchWork(batch)
        portfolios = work.portfolios()
        for p in portfolios:
            for key in KEYS:
                work.set_score(p.id, key, F(3))
        work.mark_complete(portfolios[0].id)  # the others only in the -wal
        sent = send_to_coordinator(batch_path, tmp_path / "in", lock=lock)
    finally:
        batch.close()
        lock.release()

    (outcome,) = cohort_ops.merge(ref, [sent.batch_copy]).value
    assert outcome.outcome == ACCEPTED, outcome.reason
    assert f"{len(KEYS) * len(portfolios)} scores of {len(portfolios)} portfolios" in outcome.reason
    assert cohort_ops.status(ref).reads_returned == len(portfolios)


# --- File > Send to coordinator -------------------------------------------------------------------


@pytest.fixture
def window(scorer_window, demo_path):
    return scorer_window(demo_path)


def answering(qtbot, action):
    """Run `action`; read and close each modal message it opens. Returns (result, texts)."""
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication, QMessageBox

    seen: list[str] = []
    stop = [False]

    def close_it() -> None:
        if stop[0]:
            return  # the action is over: a later one's dialogs are not ours
        dialog = QApplication.activeModalWidget()
        if isinstance(dialog, QMessageBox):
            seen.append(f"{dialog.windowTitle()}|{dialog.text()}")
            dialog.close()
        QTimer.singleShot(10, close_it)

    QTimer.singleShot(0, close_it)
    try:
        result = action()
    finally:
        stop[0] = True
    return result, seen


def test_file_send_to_coordinator_asks_where_writes_both_and_says_what_to_send(
    qtbot, window, demo_path, tmp_path, monkeypatch
):
    from PySide6.QtWidgets import QFileDialog

    session = window.session
    first = session.work.portfolios()[0]
    session.set_score(first.id, "data", F(3), None)  # saved, not yet checkpointed
    assert session.idle_timer.isActive()  # the window's checkpoint when the scorer pauses
    asked: list[str] = []
    outbox = tmp_path / "outbox"
    outbox.mkdir()

    def choose(_parent, _caption, start, *_a, **_k) -> str:
        asked.append(start)
        return str(outbox)

    monkeypatch.setattr(QFileDialog, "getExistingDirectory", choose)
    assert window.send_action.isEnabled()
    assert window.send_action.shortcut().toString() == "Ctrl+Shift+E"
    assert window.send_action in window.menuBar().actions()[0].menu().actions()

    sent, seen = answering(qtbot, lambda: window.send_to_coordinator().value)

    assert asked == [str(demo_path.parent)]  # the batch's folder the first time
    assert isinstance(sent, SentFiles)
    assert sent.batch_copy.parent == outbox
    assert sent.summary.parent == outbox
    assert scores_in(sent.batch_copy)[first.candidate_code] == {"data": F(3)}
    (message,) = seen
    assert message.startswith("Send to coordinator|Send these two files to your coordinator:")
    assert sent.batch_copy.name in message
    assert sent.summary.name in message
    assert str(outbox) in message

    # The next time it starts in the folder used last, and never overwrites what is there.
    again, _ = answering(qtbot, lambda: window.send_to_coordinator().value)
    assert asked[-1] == str(outbox)
    assert again.batch_copy.name.endswith(" (2).icgbatch")
    # The window still holds its batch, and scoring goes on.
    assert window.session is session
    session.set_score(first.id, "data", F(4), F(3))
    assert scores_in(sent.batch_copy)[first.candidate_code] == {"data": F(3)}


def test_send_to_coordinator_cancelled_or_refused_writes_nothing(
    qtbot, window, tmp_path, monkeypatch
):
    from PySide6.QtWidgets import QFileDialog

    monkeypatch.setattr(QFileDialog, "getExistingDirectory", lambda *_a, **_k: "")
    result, seen = answering(qtbot, lambda: window.send_to_coordinator().value)
    assert result is None
    assert seen == []

    not_a_folder = tmp_path / "notes.txt"
    not_a_folder.write_text("x")
    result, seen = answering(qtbot, lambda: window.send_to_coordinator(not_a_folder).value)
    assert result is None
    (message,) = seen
    assert message.startswith("Nothing to send was written|")
    assert f"{not_a_folder}: is a file, not a folder" in message
    assert window.options.get(settings_module().SEND_FOLDER) is None


def test_send_to_coordinator_is_off_without_a_batch(qtbot, window):
    window.close_batch()
    assert not window.send_action.isEnabled()
    assert window.send_to_coordinator().value is None


def settings_module():
    from icg_desk.ui import settings

    return settings
