"""The window's side of rotating backups (operations/backups.py holds the rules).

`BackupKeeper` belongs to a window: it backs the open file up on open, every few minutes while
it changes and on close, each time as a job of the window's task runner (off the UI thread; a
tick that finds the runner busy waits for the next), and runs File > Restore backup…: the list
of backups (`RestoreDialog`), a confirmation, then the restore as a job with the file closed, and
the file opened again.
"""

from __future__ import annotations

import logging
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Qt, QTimer, Signal, Slot
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from icg_desk.operations.backups import (
    Backup,
    BackupSchedule,
    fingerprint,
    list_backups,
    make_backup,
    restore_backup,
)
from icg_desk.operations.errors import UserError, user_message
from icg_desk.ui.tasks import Outcome, SyncTaskRunner

if TYPE_CHECKING:
    from icg_desk.ui.window_shell import WindowShell

log = logging.getLogger("icg_desk")

#: How often the keeper looks whether a backup is due (the schedule says when one is).
TICK_MS = 60_000


def when(backup: Backup) -> str:
    """A backup's time as the person reads it: their own clock's."""
    return backup.made_at.astimezone().strftime("%Y-%m-%d %H:%M:%S")


class RestoreDialog(QDialog):
    """The backups of the open file, newest first: when, and what each holds."""

    def __init__(self, backups: list[Backup], kind: str, name: str, parent: QWidget) -> None:
        super().__init__(parent)
        self.setObjectName("restoreBackupDialog")
        self.setWindowTitle("Restore backup")
        self.backups = backups
        intro = QLabel(
            f"ICG Desk keeps the last few states of the {kind} “{name}”. Choose the one to "
            "bring back; the present state is backed up first, so you can come back to it."
        )
        intro.setTextFormat(Qt.TextFormat.PlainText)
        intro.setWordWrap(True)
        self.table = QTableWidget(len(backups), 2, self)
        self.table.setTabKeyNavigation(False)  # Tab leaves the table; arrows move the rows
        self.table.setHorizontalHeaderLabels(["Backed up", "What it holds"])
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        for row, backup in enumerate(backups):
            self.table.setItem(row, 0, QTableWidgetItem(when(backup)))
            self.table.setItem(row, 1, QTableWidgetItem(backup.contents))
        self.table.resizeColumnToContents(0)
        if backups:
            self.table.selectRow(0)
        self.table.doubleClicked.connect(lambda _index: self.accept())
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.restore_button = buttons.addButton("Restore…", QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.table)
        layout.addWidget(buttons)
        self.resize(560, 320)

    def chosen(self) -> Backup | None:
        rows = self.table.selectionModel().selectedRows()
        return self.backups[rows[0].row()] if rows else None


# How a backup ended, from the worker: its schedule, the file's fingerprint when it began, the
# file, and the exception, if any.
_Finished = tuple[BackupSchedule, tuple[int, ...], Path, BaseException | None]


class BackupKeeper(QObject):
    """Rotating backups of the file open in `window`, and restoring one.

    The backups run on a worker of their own, not the window's task runner: the runner does one
    step at a time, and a backup every ten minutes must not turn away a step the person asks for
    meanwhile. SQLite lets the backup's read-only snapshot and a step's writes go on together.
    A window whose runner is `SyncTaskRunner` (the tests') backs up at once, on its own thread.
    """

    _finished = Signal(object)  # (schedule, fingerprint, path, error or None), from the worker

    def __init__(self, window: WindowShell, base: Path | None = None) -> None:
        super().__init__(window)
        self.window = window
        self.base = base  # None: the data folder's (operations.backups.backup_folder)
        self.path: Path | None = None
        self.schedule: BackupSchedule | None = None
        # A file just restored: its state is the backup chosen, so opening it again backs up
        # nothing (the state it replaced stays the newest backup, as the window says).
        self._restored: Path | None = None
        self.timer = QTimer(self)
        self.timer.setInterval(TICK_MS)
        self.timer.timeout.connect(self.tick)
        self._executor: ThreadPoolExecutor | None = None
        self._pending: Future[None] | None = None
        self._finished.connect(self._done, Qt.ConnectionType.QueuedConnection)

    @property
    def _synchronous(self) -> bool:
        return isinstance(self.window.tasks, SyncTaskRunner)

    # --- while a file is open -------------------------------------------------------------------

    def start(self, path: Path) -> None:
        """`path` was opened: back it up now, then keep on while it is open."""
        self.path, self.schedule = Path(path), BackupSchedule()
        self.timer.start()
        if self._restored == self.path:
            self._restored = None
            self.schedule.done(fingerprint(self.path), datetime.now(UTC))
            return
        self.tick()

    def tick(self) -> None:
        """Back up now if one is due and none is under way (else at a later tick)."""
        path, schedule = self.path, self.schedule
        if path is None or schedule is None:
            return
        if self._pending is not None and not self._pending.done():
            return
        seen = fingerprint(path)
        if not schedule.due(seen, datetime.now(UTC)):
            return
        base = self.base

        def job() -> _Finished:
            try:
                make_backup(path, base=base)
            except Exception as exc:  # noqa: BLE001 - handed to the UI thread, which sorts it
                return schedule, seen, path, exc
            return schedule, seen, path, None

        if self._synchronous:
            self._done(job())
            return
        if self._executor is None:
            self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="icg-backup")
        self._pending = self._executor.submit(lambda: self._finished.emit(job()))

    @Slot(object)
    def _done(self, finished: _Finished) -> None:
        schedule, seen, path, error = finished
        if error is None:
            schedule.done(seen, datetime.now(UTC))
            return
        message = user_message(error)
        if message is None:  # a bug: logged with its traceback, the window goes on
            log.error("backup of %s failed", path, exc_info=error)
            message = "an internal error (see the log)"
        else:  # not worth a dialog every ten minutes: the log and the status bar say it
            log.warning("backup of %s not made: %s", path, message)
        self.window.statusBar().showMessage(f"No backup was made: {message}", 8000)

    def stop(self, *, back_up: bool = True) -> None:
        """The file is closing (still open): a last backup if it changed since the one before."""
        path, schedule = self.path, self.schedule
        self.timer.stop()
        self.path = self.schedule = None
        if self._executor is not None:
            self._executor.shutdown(wait=True)  # never two backups of one file at once
            self._executor = self._pending = None
        if not back_up or path is None or schedule is None:
            return
        seen = fingerprint(path)
        if schedule.due(seen, datetime.now(UTC), closing=True):
            try:
                make_backup(path, base=self.base)
            except (UserError, OSError) as exc:  # closing goes on; the log keeps why
                log.warning("backup of %s on close not made: %s", path, user_message(exc))

    # --- File > Restore backup… -----------------------------------------------------------------

    def restore(self) -> None:
        path = self.path
        if path is None:
            return
        window, kind = self.window, self.window.file_kind
        backups = list_backups(path, base=self.base)
        if not backups:
            window.inform(
                "No backup yet",
                f"There is no backup of “{path.name}” yet. ICG Desk makes one when a {kind} "
                "is opened, then every few minutes while it changes.",
            )
            return
        dialog = RestoreDialog(backups, kind, path.name, window)
        if dialog.exec() != QDialog.DialogCode.Accepted.value:
            return
        chosen = dialog.chosen()
        if chosen is None:
            return
        if not window.ask(
            "Restore backup",
            f"Bring “{path.name}” back to how it was at {when(chosen)} ({chosen.contents})?\n\n"
            "What it holds now is backed up first: restore that backup to come back to it.",
            "Restore",
        ):
            return
        self.stop(back_up=False)  # the restore backs the present state up itself
        window.close_file()  # its lock released; the restore takes its own
        base = self.base

        def job(_progress: Any) -> Path:
            return restore_backup(path, chosen.path, base=base)

        def done(outcome: Outcome[Path]) -> None:
            if outcome.error is not None:
                window.explain("Backup not restored", f"“{path.name}” was not changed.", outcome)
            else:
                self._restored = Path(path)
            if window.open_file(path) and outcome.error is None:
                window.statusBar().showMessage(
                    f"Restored “{path.name}” as it was at {when(chosen)}; what it held before "
                    "is the newest backup.",
                    10_000,
                )

        window.run_step("Restoring a backup", "Restoring the backup…", job, done, cancellable=False)
