"""Rotating backups in the windows (issue 15, item 9): made on open, while the file changes and
on close, and File > Restore backup… driven through the real menu action, the list dialog and
the confirmation, in the scorer's window and the Coordinator window."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from datetime import timedelta
from fractions import Fraction
from pathlib import Path

from PySide6.QtCore import QSettings, QTimer
from PySide6.QtWidgets import QApplication, QMessageBox, QPushButton
from test_migrations import execute

from icg_desk.operations.backups import list_backups
from icg_desk.ui.backups import RestoreDialog
from icg_desk.ui.coordinator_window import CoordinatorWindow
from icg_desk.ui.tasks import SyncTaskRunner


def answer(qtbot, action: Callable[[], object], *handlers: Callable[[object], None]) -> list:
    """Run `action`; each modal dialog it opens, in turn, goes to the next handler."""
    seen: list = []

    def handle() -> None:
        dialog = QApplication.activeModalWidget()
        if dialog is None or dialog in seen:
            QTimer.singleShot(10, handle)
            return
        seen.append(dialog)
        handlers[len(seen) - 1](dialog)
        if len(seen) < len(handlers):
            QTimer.singleShot(10, handle)

    QTimer.singleShot(0, handle)
    action()
    qtbot.waitUntil(lambda: len(seen) == len(handlers))
    return seen


def choose_row(row: int) -> Callable[[object], None]:
    def handler(dialog: object) -> None:
        assert isinstance(dialog, RestoreDialog)
        dialog.table.selectRow(row)
        dialog.restore_button.click()

    return handler


def press(text: str) -> Callable[[object], None]:
    def handler(dialog: object) -> None:
        assert isinstance(dialog, QMessageBox)
        button = next(b for b in dialog.findChildren(QPushButton) if b.text() == text)
        button.click()

    return handler


def first_score(path: Path) -> str | None:
    con = sqlite3.connect(path)
    try:
        row = con.execute(
            "SELECT score FROM factor_read WHERE factor_key = 'impact_cycle' "
            "AND portfolio_id = (SELECT min(id) FROM portfolio)"
        ).fetchone()
        return None if row is None else row[0]
    finally:
        con.close()


def score_first_factor(window, value: str) -> None:
    session = window.session
    pid = session.work.portfolios()[0].id
    old = session.work.portfolio(pid).reads["impact_cycle"].score
    session.set_score(pid, "impact_cycle", Fraction(value), old)


def test_the_scorer_restores_a_backup_from_the_file_menu(
    qtbot, tmp_path, demo_copies, scorer_window
):
    path = demo_copies.batch(tmp_path / "b.icgbatch", portfolios=3, seed=4, prefill=False)
    window = scorer_window(path)
    made = list_backups(path)
    assert len(made) == 1  # on open
    assert first_score(made[0].path) is None

    score_first_factor(window, "4.25")
    window.session.batch.checkpoint()
    assert first_score(path) == "4.25"

    file_menu = window.menuBar().actions()[0].menu()
    assert window.restore_action in file_menu.actions()
    dialogs = answer(qtbot, window.restore_action.trigger, choose_row(0), press("Restore"))
    listed = dialogs[0]
    assert listed.table.rowCount() == 1
    assert listed.table.item(0, 1).text() == "0 of 3 portfolios complete, 0 in progress"
    assert "how it was at" in dialogs[1].text()

    assert window.session is not None  # opened again, on the state restored
    assert window.session.batch.path == path.resolve()
    assert first_score(path) is None
    # Newest first: the state replaced (backed up before the restore: restoring it undoes the
    # restore, as the window says), the backup made on the first open. The state restored is
    # that backup already: opening it again backs up nothing.
    assert [first_score(b.path) for b in list_backups(path)] == ["4.25", None]
    assert "what it held before is the newest backup" in window.statusBar().currentMessage()
    # Changing it again is backed up as before (on close, here).
    score_first_factor(window, "2.00")
    window.close_batch()
    assert [first_score(b.path) for b in list_backups(path)] == ["2.00", "4.25", None]


def test_cancelling_either_dialog_restores_nothing(qtbot, tmp_path, demo_copies, scorer_window):
    path = demo_copies.batch(tmp_path / "b.icgbatch", portfolios=2, seed=4, prefill=False)
    window = scorer_window(path)
    score_first_factor(window, "3.00")

    def cancel(dialog: object) -> None:
        dialog.reject()  # type: ignore[attr-defined]

    answer(qtbot, window.restore_action.trigger, cancel)
    answer(qtbot, window.restore_action.trigger, choose_row(0), press("Cancel"))
    assert window.session is not None
    window.session.batch.checkpoint()
    assert first_score(path) == "3.00"
    assert len(list_backups(path)) == 1


def test_the_scorer_window_backs_up_while_the_batch_changes_and_on_close(
    tmp_path, demo_copies, scorer_window
):
    path = demo_copies.batch(tmp_path / "b.icgbatch", portfolios=2, seed=4, prefill=False)
    window = scorer_window(path)
    keeper = window.backups
    assert len(list_backups(path)) == 1
    keeper.tick()
    assert len(list_backups(path)) == 1  # nothing changed
    score_first_factor(window, "2.00")
    keeper.tick()
    assert len(list_backups(path)) == 1  # changed, but the last one is recent
    keeper.schedule.last_at -= timedelta(minutes=10)
    keeper.tick()
    assert len(list_backups(path)) == 2
    score_first_factor(window, "2.25")
    window.close_batch()
    backups = list_backups(path)
    assert len(backups) == 3  # on close, as it changed
    assert first_score(backups[0].path) == "2.25"


def test_the_coordinator_restores_a_backup_from_the_file_menu(qtbot, tmp_path, demo_copies):
    path = demo_copies.cohort(tmp_path / "cohort")
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    window = CoordinatorWindow(settings, SyncTaskRunner)
    qtbot.addWidget(window)
    window.show()
    assert window.open_cohort(path)
    backups = list_backups(path)
    assert len(backups) == 1  # on open
    assert "reads scored" in backups[0].contents
    con = sqlite3.connect(path)
    (logged,) = con.execute("SELECT count(*) FROM merge_log").fetchone()
    con.close()
    execute(path, "DELETE FROM merge_log")  # as a step gone wrong would

    answer(qtbot, window.restore_action.trigger, choose_row(0), press("Restore"))
    assert window.cohort is not None  # open again
    con = sqlite3.connect(path)
    assert con.execute("SELECT count(*) FROM merge_log").fetchone() == (logged,)
    con.close()
    # Newest first: the state replaced, the one made on open (which the cohort is again).
    counts = []
    for backup in list_backups(path):
        con = sqlite3.connect(backup.path)
        counts.append(con.execute("SELECT count(*) FROM merge_log").fetchone()[0])
        con.close()
    assert counts == [0, logged]
    window.close_cohort()


def test_a_backup_runs_beside_the_windows_steps_not_in_their_way(qtbot, tmp_path, demo_copies):
    """With the real task runner the backup on open runs on the keeper's own worker: the
    window's runner stays free for the person's next step."""
    from icg_desk.ui.main_window import MainWindow

    path = demo_copies.batch(tmp_path / "b.icgbatch", portfolios=2, seed=4, prefill=False)
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    window = MainWindow(settings)
    qtbot.addWidget(window)
    window.show()
    assert window.open_batch(path)
    assert not window.tasks.busy
    qtbot.waitUntil(lambda: len(list_backups(path)) == 1)
    qtbot.waitUntil(lambda: window.backups.schedule.last_at is not None)  # told on the UI thread
    window.close_batch()
    assert len(list_backups(path)) == 1  # nothing changed since: no backup on close
