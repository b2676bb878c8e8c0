"""Starting ICG Desk: one QApplication, the style, the log, the scorer's or coordinator's window."""

from __future__ import annotations

import logging
import sys
import threading
import traceback
from logging.handlers import RotatingFileHandler
from pathlib import Path
from types import TracebackType

from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication, QMessageBox

from icg_desk import __version__
from icg_desk.paths import resources_dir
from icg_desk.ui.garbage import collect_garbage_on_ui_thread
from icg_desk.ui.settings import TEXT_SCALE, THEME, Settings
from icg_desk.ui.style import appearance, apply_style
from icg_desk.ui.window_shell import log_file

log = logging.getLogger("icg_desk")


def application() -> QApplication:
    """The one QApplication, made on first use and named so QSettings has a home."""
    app = QApplication.instance()
    if app is None:
        app = QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    app.setOrganizationName("ICG")
    app.setOrganizationDomain("instructionalcoaching.com")
    app.setApplicationName("ICG Desk")
    app.setApplicationVersion(__version__)
    app.setWindowIcon(QIcon(str(resources_dir() / "icons" / "icg-desk-256.png")))
    apply_style(app)
    # The remembered theme and text scale before any window is built (the windows' own
    # settings say the same, unless a test gave them others).
    options = Settings(QSettings())
    appearance().restore(options.get(THEME), options.get(TEXT_SCALE))
    collect_garbage_on_ui_thread(app)  # Qt objects must only ever die on this thread
    return app


def start_log() -> Path | None:
    """Bugs go to a log file the person can send: a few rotated files, never unbounded."""
    path = log_file()
    if any(isinstance(h, RotatingFileHandler) for h in log.handlers):
        return path
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handler = RotatingFileHandler(path, maxBytes=1_000_000, backupCount=3, encoding="utf-8")
    except OSError:
        return None  # a read-only home: the dialogs still show the details
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    log.addHandler(handler)
    log.setLevel(logging.INFO)
    log.info("ICG Desk %s started", __version__)
    return path


def _uncaught(kind: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
    """A bug in a slot: logged with its traceback and shown, and the window goes on."""
    details = "".join(traceback.format_exception(kind, exc, tb))
    log.error("uncaught exception\n%s", details)
    sys.__excepthook__(kind, exc, tb)
    if threading.current_thread() is not threading.main_thread():
        return
    box = QMessageBox(
        QMessageBox.Icon.Critical,
        "ICG Desk",
        "ICG Desk hit an internal error. Your work saved before it is safe.\n\n"
        f"The details are below and in the log file:\n{log_file()}",
        QMessageBox.StandardButton.Ok,
        QApplication.activeWindow(),
    )
    box.setObjectName("bugDialog")
    box.setTextFormat(Qt.TextFormat.PlainText)
    box.setDetailedText(details)
    box.exec()


def _start() -> QApplication:
    app = application()
    start_log()
    sys.excepthook = _uncaught
    return app


def run(batch: Path | None = None) -> int:
    """Open the window (on `batch` if given) and run until it is closed."""
    from icg_desk.ui.main_window import MainWindow
    from icg_desk.ui.single_instance import serve

    app = _start()
    window = MainWindow()
    # A second `icg-desk open` hands its batch to this window (icg_desk/ui/single_instance.py).
    server = serve(window)
    window.show()
    if batch is not None:
        window.open_batch(batch)
    try:
        return app.exec()
    finally:
        if server is not None:
            server.close()


def run_coordinator(cohort: Path | None = None) -> int:
    """Open the coordinator's window (on `cohort` if given) and run until it is closed."""
    from icg_desk.ui.coordinator_window import CoordinatorWindow

    app = _start()
    window = CoordinatorWindow()
    window.show()
    if cohort is not None:
        window.open_cohort(cohort)
    return app.exec()
