"""What the scorer's and the coordinator's windows share, written once.

The start page, the recent files, holding the open file's lock, the remembered geometry and
splitters, the message boxes, the table of actions with their shortcuts, and the task runner
with its one busy state. A window says what kind of file it opens and what its steps are; the
shell does the rest the same way in both.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

from PySide6.QtCore import QByteArray, QRect, QSettings, QSize, Qt
from PySide6.QtGui import QAction, QCloseEvent, QGuiApplication, QKeySequence, QScreen
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QMenu,
    QMessageBox,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from icg_desk.models.sqlite_file import (
    DamagedFileError,
    DatabaseFileError,
    NewerFileError,
    NotOurFileError,
)
from icg_desk.operations.errors import FileBusy, UserError, user_message
from icg_desk.operations.file_lock import FileLock
from icg_desk.paths import data_dir
from icg_desk.ui.backups import BackupKeeper
from icg_desk.ui.plain_text import plain_tip
from icg_desk.ui.rubric_panel import plain_label
from icg_desk.ui.settings import (
    TEXT_SCALE,
    THEME,
    PathListOption,
    PathOption,
    Settings,
    WindowOptions,
)
from icg_desk.ui.style import appearance
from icg_desk.ui.tasks import Label, Outcome, RunnerFactory, Task, TaskRunner

APP_NAME = "ICG Desk"
log = logging.getLogger("icg_desk")
T = TypeVar("T")


def log_file() -> Path:
    return data_dir() / "icg-desk.log"


def refusal_words(exc: DatabaseFileError, kind: str, new_copy: str) -> tuple[str, str]:
    """A refused file in a person's words: what is wrong with it, and what to do next.

    By the error's class, never by its message (which stays the technical detail). `new_copy`
    is where a good copy comes from, which depends on who is asking.
    """
    name = f"“{exc.path.name}”"
    if isinstance(exc, DamagedFileError):
        return f"The {kind} file {name} is damaged and cannot be opened.", new_copy
    if isinstance(exc, NotOurFileError):
        return (
            f"The file {name} is not an ICG Desk {kind}, or it is damaged.",
            f"Check that you chose the right file. If you did, {new_copy[0].lower()}{new_copy[1:]}",
        )
    if isinstance(exc, NewerFileError):
        return (
            f"The {kind} file {name} was saved by a newer version of ICG Desk.",
            "Install the newer ICG Desk (whoever sent the file can say which), then open it "
            "again.",
        )
    return (
        f"ICG Desk could not open the {kind} file {name}.",
        "Check that the file is still there and that you may read it, then try again.",
    )


#: A first window takes this share of the screen's available area, up to MAX_FIRST_SIZE.
FIRST_WINDOW_SHARE = 0.9
MAX_FIRST_SIZE = QSize(1600, 1000)
#: On a screen whose available height is less (1366x768, 1280x800), the first window is maximized.
MAXIMIZED_BELOW_HEIGHT = 800


def first_window_size(available: QSize) -> QSize:
    """90% of the available area (the desktop less its panels), at most 1600x1000."""
    return QSize(
        min(round(available.width() * FIRST_WINDOW_SHARE), MAX_FIRST_SIZE.width()),
        min(round(available.height() * FIRST_WINDOW_SHARE), MAX_FIRST_SIZE.height()),
    )


class WindowShell(QMainWindow):
    """A main window over one open file (a batch or a cohort), with its steps as actions."""

    #: Set by each window (ui/settings.py declares them): its remembered layout, its list of
    #: recent files, and the folder its file dialogs start in.
    window_options: WindowOptions
    recent_option: PathListOption
    folder_option: PathOption

    def __init__(
        self, settings: QSettings | None = None, runner: RunnerFactory | None = None
    ) -> None:
        super().__init__()
        self.settings = settings if settings is not None else QSettings()
        self.options = Settings(self.settings)
        # The remembered theme and text scale, the application's (both windows share them).
        appearance().restore(self.options.get(THEME), self.options.get(TEXT_SCALE))
        self.runner_factory: RunnerFactory = runner or TaskRunner
        self.tasks: TaskRunner = self.runner_factory(self)
        self.tasks.busyChanged.connect(self._busy_changed)
        self._lock: FileLock | None = None
        self._closing = False
        #: Actions that would conflict with a running step: off while the runner is busy.
        self.busy_actions: list[QAction] = []
        #: Rotating backups of the open file, and File > Restore backup… (ui/backups.py).
        self.backups = BackupKeeper(self)

    # --- the start page -----------------------------------------------------------------------

    def build_start_page(
        self, title: str, hint: str, buttons: Sequence[QPushButton], recent_title: str
    ) -> QWidget:
        page = QWidget()
        button_row = self.start_buttons = QWidget()
        button_row.setObjectName("startButtons")
        row = QHBoxLayout(button_row)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(10)
        for button in buttons:
            row.addWidget(button)
        row.addStretch(1)
        self.recent_list = QListWidget()
        self.recent_list.setObjectName("recentList")
        self.recent_list.itemActivated.connect(
            lambda item: self.open_recent(Path(item.data(Qt.ItemDataRole.UserRole)))
        )
        # Hidden until there is a file to go back to: an empty list is only a white box.
        self.recent_title = plain_label(recent_title, wrap=False)
        column = QVBoxLayout()
        column.addStretch(1)
        column.addWidget(plain_label(title, wrap=False, object_name="startTitle"))
        column.addWidget(plain_label(hint, object_name="startHint"))
        column.addSpacing(12)
        column.addWidget(button_row)
        column.addSpacing(18)
        column.addWidget(self.recent_title)
        column.addWidget(self.recent_list)
        column.addStretch(2)
        outer = QHBoxLayout(page)
        outer.addStretch(1)
        outer.addLayout(column, 2)
        outer.addStretch(1)
        self.recent_menu = QMenu("Open &recent", self)
        return page

    #: Set by each window: what it opens ("batch", "cohort") and the file's suffix.
    file_kind = "file"
    file_suffix = ""
    #: Where a good copy of a damaged file comes from, for the window's person (a scorer's
    #: batch comes from the coordinator; the coordinator's cohort overrides this).
    new_copy_step = "Ask your coordinator for a new copy."

    def open_file(self, path: Path) -> bool:
        raise NotImplementedError

    def open_recent(self, path: Path) -> bool:
        return self.open_file(path)

    def choose_file(self) -> None:
        """File > Open: the file dialog in the last folder used, then open what was chosen."""
        kind, suffix = self.file_kind, self.file_suffix
        chosen, _ = QFileDialog.getOpenFileName(
            self,
            f"Open {kind}",
            str(self.last_folder()),
            f"ICG Desk {kind}s (*{suffix});;All files (*)",
        )
        if chosen:
            self.open_file(Path(chosen))

    # --- actions ------------------------------------------------------------------------------

    def action(
        self,
        text: str,
        slot: Callable[[], object],
        shortcuts: Sequence[str] = (),
        group: str = "General",
        tip: str = "",
        *,
        while_busy: bool = False,
    ) -> QAction:
        """A window-wide action: its keys work wherever focus is, except in a text field that
        types them. Unless `while_busy`, it is off while a step runs."""
        action = QAction(text, self)
        if shortcuts:
            action.setShortcuts([QKeySequence(s) for s in shortcuts])
        action.setProperty("shortcutGroup", group)
        action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        action.setProperty("baseTip", tip)
        self.set_tip(action, tip)
        action.triggered.connect(lambda _checked=False: self._trigger(slot, while_busy))
        self.addAction(action)
        if not while_busy:
            self.busy_actions.append(action)
        return action

    def _trigger(self, slot: Callable[[], object], while_busy: bool) -> None:
        # The action is disabled while busy; a key can still arrive between the two.
        if self.tasks.busy and not while_busy:
            self.say_busy()
            return
        slot()

    @staticmethod
    def set_tip(action: QAction, tip: str) -> None:
        keys = action.shortcut().toString(QKeySequence.SequenceFormat.NativeText)
        text = tip or action.text().replace("&", "")
        action.setToolTip(plain_tip(f"{text} ({keys})" if keys else text))
        action.setStatusTip(text)

    def fill_menu(self, menu: QMenu, actions: Sequence[QAction | QMenu | None]) -> None:
        for item in actions:
            if item is None:
                menu.addSeparator()
            elif isinstance(item, QMenu):
                menu.addMenu(item)
            else:
                menu.addAction(item)

    def update_actions(self) -> None:
        """Each window enables its actions for what is open; the shell then turns off the ones
        that would conflict with a running step."""
        if self.tasks.busy:
            for action in self.busy_actions:
                action.setEnabled(False)

    def _busy_changed(self, _busy: bool) -> None:
        self.update_actions()

    def say_busy(self) -> None:
        self.statusBar().showMessage(
            f"Wait for “{self.tasks.current_title}” to finish, or cancel it.", 5000
        )

    # --- running steps ------------------------------------------------------------------------

    def run_step(
        self,
        title: str,
        label: Label,
        job: Callable[[Callable[[int, int], bool]], Any],
        on_done: Callable[[Outcome[Any]], Any],
        *,
        cancellable: bool = True,
    ) -> Task[Any]:
        """Run `job` off the UI thread; `on_done(outcome)` on this thread when it ends."""
        task = self.tasks.run(title, label, job, on_done, cancellable=cancellable)
        if task is None:
            self.say_busy()
            return Task.finished(title, None)
        return task

    def workbook_target(self, title: str, target: Path | None, beside: Path) -> Path | None:
        """Where an exported workbook goes: `target`, or asked for (suggesting
        `<beside>-summary.xlsx`); always ending in .xlsx. None when the person cancels."""
        if target is None:
            suggested = beside.with_name(f"{beside.stem}-summary.xlsx")
            chosen, _ = QFileDialog.getSaveFileName(
                self, title, str(suggested), "Excel workbooks (*.xlsx)"
            )
            if not chosen:
                return None
            target = Path(chosen)
        return target if target.suffix.lower() == ".xlsx" else target.with_suffix(".xlsx")

    def explain(self, title: str, what: str, outcome: Outcome[Any]) -> None:
        """The dialog for a step that failed: the person's message, or a bug with its details."""
        assert outcome.error is not None
        if outcome.is_bug:
            self.show_bug(title, outcome.details)
        else:
            message = user_message(outcome.error) or str(outcome.error)
            self.error(title, f"{what}\n\n{message}" if what else message)

    def show_bug(self, title: str, details: str) -> None:
        log.error("%s: internal error\n%s", title, details)
        box = self._message(
            QMessageBox.Icon.Critical,
            title,
            "ICG Desk hit an internal error and did not finish this step. Your work saved "
            f"before it is safe.\n\nThe details are below and in the log file:\n{log_file()}",
        )
        box.setObjectName("bugDialog")
        box.setDetailedText(details)
        box.exec()

    # --- message boxes ------------------------------------------------------------------------

    def _message(self, icon: QMessageBox.Icon, title: str, text: str) -> QMessageBox:
        box = QMessageBox(icon, title, text, QMessageBox.StandardButton.Ok, self)
        box.setTextFormat(Qt.TextFormat.PlainText)  # file names and messages are not markup
        return box

    def error(self, title: str, message: str) -> None:
        box = self._message(QMessageBox.Icon.Warning, title, message)
        box.setObjectName("errorDialog")
        box.exec()

    def refusal(self, title: str, sentence: str, next_step: str, details: str) -> None:
        """A file refused: what is wrong and what to do, in a person's words; the technical
        message under Details."""
        box = self._message(QMessageBox.Icon.Warning, title, f"{sentence}\n\n{next_step}")
        box.setObjectName("refusalDialog")
        box.setDetailedText(details)
        box.exec()

    def inform(self, title: str, message: str) -> None:
        box = self._message(QMessageBox.Icon.Information, title, message)
        box.setObjectName("infoDialog")
        box.exec()

    def ask(self, title: str, question: str, yes: str) -> bool:
        box = self._message(QMessageBox.Icon.Question, title, question)
        box.setObjectName("confirmDialog")
        box.setStandardButtons(QMessageBox.StandardButton.Cancel)
        go = box.addButton(yes, QMessageBox.ButtonRole.AcceptRole)
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)
        box.exec()
        return box.clickedButton() is go

    # --- the open file's lock -----------------------------------------------------------------

    def take_lock(
        self, path: Path, kind: str, acquire: Callable[[], FileLock]
    ) -> FileLock | None:
        """Hold `path` for this window, or say who holds it and return None.

        The lock is the operations layer's, so the command line honours it too: a merge into a
        cohort open here is refused, naming this window.
        """
        if not path.exists():
            # Nothing to protect, and no lock file to leave behind: the open says what is wrong.
            return FileLock(path, "nobody")
        try:
            return acquire()
        except FileBusy as exc:
            self.error(f"{kind.capitalize()} already open", str(exc))
            return None
        except UserError as exc:  # no lock file can be made there: a read-only folder
            self.error(f"Cannot open {kind}", str(exc))
            return None

    def open_locked(
        self, path: Path, acquire: Callable[[], FileLock], opening: Callable[[FileLock], T]
    ) -> T | None:
        """Lock `path`, open it with `opening(lock)`, then close what was open and hold the new
        lock. On any problem: a dialog, no lock left, and what was open stays open (None)."""
        lock = self.take_lock(path, self.file_kind, acquire)
        if lock is None:
            return None
        try:
            opened = opening(lock)
        except UserError as exc:
            lock.release()
            title = f"Cannot open {self.file_kind}"
            if isinstance(exc, DatabaseFileError):
                sentence, step = refusal_words(exc, self.file_kind, self.new_copy_step)
                self.refusal(title, sentence, step, str(exc))
            else:
                self.error(title, str(exc))
            return None
        self.close_file()
        self.hold_lock(lock)
        return opened

    def hold_lock(self, lock: FileLock) -> None:
        if self._lock is not lock:
            self.release_lock()
        self._lock = lock

    def release_lock(self) -> None:
        if self._lock is not None:
            self._lock.release()
            self._lock = None

    # --- closing ------------------------------------------------------------------------------

    def close_file(self) -> None:
        raise NotImplementedError

    def closeEvent(self, event: QCloseEvent) -> None:
        if self.tasks.busy:
            event.ignore()
            if not self._closing and self.ask(
                "A step is under way",
                f"“{self.tasks.current_title}” is still running. Stop it and close the window "
                "when it has stopped?",
                "Stop and close",
            ):
                self._closing = True
                self.tasks.cancel()
                self.tasks.when_idle(lambda: None if self.close() else None)
            return
        self.options.set(self.window_options.geometry, bytes(self.saveGeometry().data()))
        self.options.set(self.window_options.state, bytes(self.saveState().data()))
        self.close_file()
        self.settings.sync()
        self.tasks.shutdown()
        super().closeEvent(event)

    # --- remembered between sessions ----------------------------------------------------------

    def fit_first_window(self) -> None:
        """The size of a window with no remembered geometry: most of the screen it opens on,
        never more than `MAX_FIRST_SIZE`; maximized on a laptop's low screen, where every line
        counts (at 90% of 768, the current factor's card no longer fits)."""
        available = self._available_geometry()
        if available is None:
            return
        self.resize(first_window_size(available.size()))  # also its size once un-maximized
        frame = self.frameGeometry()
        frame.moveCenter(available.center())
        self.move(frame.topLeft())
        if available.height() < MAXIMIZED_BELOW_HEIGHT:
            self.setWindowState(self.windowState() | Qt.WindowState.WindowMaximized)

    def restore_window(self) -> None:
        """The remembered geometry and state; a geometry remembered on a larger screen than
        this one is shrunk (and moved) to fit this one's available area."""
        geometry = self.options.get(self.window_options.geometry)
        if geometry is not None:
            self.restoreGeometry(QByteArray(geometry))
            self._shrink_to_screen()
        state = self.options.get(self.window_options.state)
        if state is not None:
            self.restoreState(QByteArray(state))

    def _available_geometry(self) -> QRect | None:
        screen: QScreen | None = self.screen() or QGuiApplication.primaryScreen()
        return None if screen is None else screen.availableGeometry()

    def _shrink_to_screen(self) -> None:
        available = self._available_geometry()
        if available is None or self.isMaximized() or self.isFullScreen():
            return
        frame = self.frameGeometry()
        extra = frame.size() - self.size()  # the title bar and borders, once shown
        if frame.width() > available.width() or frame.height() > available.height():
            self.resize(
                min(self.width(), available.width() - extra.width()),
                min(self.height(), available.height() - extra.height()),
            )
            frame = self.frameGeometry()
        if not available.contains(frame):
            left = min(max(frame.left(), available.left()), available.right() - frame.width() + 1)
            top = min(max(frame.top(), available.top()), available.bottom() - frame.height() + 1)
            self.move(left, top)

    def restore_splitters(
        self, splitters: Sequence[QSplitter], defaults: Callable[[QSplitter], None]
    ) -> None:
        for splitter in splitters:
            saved = self.options.get(self.window_options.splitter(splitter.objectName()))
            if saved is None or not splitter.restoreState(QByteArray(saved)):
                defaults(splitter)

    def save_splitters(self, splitters: Sequence[QSplitter]) -> None:
        for splitter in splitters:
            option = self.window_options.splitter(splitter.objectName())
            self.options.set(option, bytes(splitter.saveState().data()))

    def last_folder(self, fallback: Path | None = None) -> Path:
        """Where the file dialogs start: the last folder used, else `fallback`, else home."""
        return self.options.get(self.folder_option) or fallback or Path.home()

    def remember_folder(self, folder: Path) -> None:
        self.options.set(self.folder_option, folder)

    def recent_files(self) -> list[str]:
        return [str(p) for p in self.options.get(self.recent_option)]

    def remember_recent(self, path: Path) -> None:
        self.options.add_recent(self.recent_option, path)
        self.refresh_recent()

    def refresh_recent(self) -> None:
        recent = self.recent_files()
        self.recent_menu.clear()
        self.recent_list.clear()
        for p in recent:
            action = self.recent_menu.addAction(p.replace("&", "&&"))  # "&" is not a mnemonic
            action.setToolTip(plain_tip(p))  # else the tooltip is the text, guessed as markup
            action.triggered.connect(lambda _=False, p=p: self.open_recent(Path(p)))
            item = QListWidgetItem(f"{Path(p).name}    {Path(p).parent}")
            item.setData(Qt.ItemDataRole.UserRole, p)
            self.recent_list.addItem(item)
        self.recent_menu.setEnabled(bool(recent))
        self.recent_title.setVisible(bool(recent))
        self.recent_list.setVisible(bool(recent))
