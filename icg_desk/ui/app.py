"""Starting ICG Desk: one QApplication, the style, the scorer's or coordinator's window."""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication

from icg_desk import __version__
from icg_desk.paths import resources_dir
from icg_desk.ui.garbage import collect_garbage_on_ui_thread
from icg_desk.ui.style import apply_style


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
    collect_garbage_on_ui_thread(app)  # Qt objects must only ever die on this thread
    return app


def run(batch: Path | None = None) -> int:
    """Open the window (on `batch` if given) and run until it is closed."""
    from icg_desk.ui.main_window import MainWindow

    app = application()
    window = MainWindow()
    window.show()
    if batch is not None:
        window.open_batch(batch)
    return app.exec()


def run_coordinator(cohort: Path | None = None) -> int:
    """Open the coordinator's window (on `cohort` if given) and run until it is closed."""
    from icg_desk.ui.coordinator_window import CoordinatorWindow

    app = application()
    window = CoordinatorWindow()
    window.show()
    if cohort is not None:
        window.open_cohort(cohort)
    return app.exec()
