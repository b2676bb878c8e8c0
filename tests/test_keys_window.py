"""The Coordinator window's Cohort > Import validity or practice portfolios… and Seed…, driven
through the real widgets: the dialogs, the problems shown, the window still running."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QSettings, QTimer
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget
from sqlalchemy import select

from icg_desk.models.cohort_file import CohortFile
from icg_desk.models.cohort_schema import PRACTICE, VALIDITY, Assignment, Candidate
from icg_desk.ui.coordinator_dialogs import ImportProblemsDialog
from icg_desk.ui.coordinator_keys import KeysImportDialog, SeedDialog
from icg_desk.ui.coordinator_window import CoordinatorWindow
from icg_desk.ui.tasks import SyncTaskRunner
from tests.test_keys import make_cohort, write_keys


@pytest.fixture
def window(qtbot, tmp_path: Path):
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    made = CoordinatorWindow(settings, runner=SyncTaskRunner)
    qtbot.addWidget(made)
    made.resize(1280, 800)
    made.show()
    return made


def answer(qtbot, action, respond) -> list[QWidget]:
    """Run `action`; each modal dialog it opens is handed to `respond`, which closes it."""
    seen: list[QWidget] = []
    finished = [False]

    def poll() -> None:
        if finished[0]:
            return
        dialog = QApplication.activeModalWidget()
        if dialog is not None and all(dialog is not d for d in seen):
            seen.append(dialog)
            respond(dialog)
        QTimer.singleShot(10, poll)

    QTimer.singleShot(0, poll)
    action()
    qtbot.waitUntil(lambda: QApplication.activeModalWidget() is None, timeout=10000)
    finished[0] = True
    return seen


def close(dialog: QWidget) -> None:
    dialog.close() if isinstance(dialog, QMessageBox) else dialog.reject()  # type: ignore[attr-defined]


def test_keys_are_imported_and_seeded_from_the_window(qtbot, window, tmp_path, monkeypatch):
    path = make_cohort(tmp_path, candidates=4, scorers=2)
    assert window.open_cohort(path)
    menu = [a.text() for a in window.menuBar().actions()[1].menu().actions()]
    assert "Import &validity or practice portfolios…" in menu
    assert "See&d validity and practice portfolios…" in menu

    # A sheet with a problem: the problems dialog names file, row and column; nothing imported.
    bad, docs = write_keys(tmp_path, ["V1", "V2"], scores={"data": "7"}, name="bad.csv")
    seen = answer(qtbot, lambda: window.import_keys(VALIDITY, bad, docs), close)
    assert isinstance(seen[0], ImportProblemsDialog)
    assert "bad.csv, row 2, column data" in seen[0].text()
    assert window.isVisible()

    # The dialog: kind practice, from a sheet; the files chosen next.
    good, docs = write_keys(tmp_path / "good", ["P1", "P2"])
    monkeypatch.setattr(
        "PySide6.QtWidgets.QFileDialog.getOpenFileName", lambda *a, **k: (str(good), "")
    )
    monkeypatch.setattr(
        "PySide6.QtWidgets.QFileDialog.getExistingDirectory", lambda *a, **k: str(docs)
    )

    def choose_practice(dialog: QWidget) -> None:
        if isinstance(dialog, KeysImportDialog):
            dialog.kind_box.setCurrentIndex(dialog.kind_box.findData(PRACTICE))
            dialog.accept()
        else:
            assert isinstance(dialog, QMessageBox)
            assert "Imported 2 practice portfolios" in dialog.text()
            dialog.close()

    seen = answer(qtbot, window.import_keys, choose_practice)
    assert [type(d).__name__ for d in seen] == ["KeysImportDialog", "QMessageBox"]
    more = write_keys(tmp_path / "v", ["V1", "V2"])
    seen = answer(qtbot, lambda: window.import_keys(VALIDITY, *more), close)
    assert "Imported 2 validity portfolios" in seen[0].text()  # type: ignore[attr-defined]

    def seed(dialog: QWidget) -> None:
        if isinstance(dialog, SeedDialog):
            dialog.validity_box.setValue(1)
            dialog.practice_box.setValue(1)
            dialog.reason_edit.setText("first round")
            dialog.accept()
        else:
            assert "Seeded 2 validity and 2 practice reads" in dialog.text()  # type: ignore[attr-defined]
            dialog.close()

    seen = answer(qtbot, window.seed_keys, seed)
    assert [type(d).__name__ for d in seen] == ["SeedDialog", "QMessageBox"]
    with CohortFile.open(path) as cohort, cohort.reading() as session:
        kinds = list(session.scalars(select(Assignment.kind)))
        assert kinds.count(VALIDITY) == 2
        assert kinds.count(PRACTICE) == 2
        assert (
            len(session.scalars(select(Candidate).where(Candidate.kind != "candidate")).all()) == 4
        )
    # The dashboard counts candidates only, and says the others apart.
    assert window.dashboard.figures["candidates"].value.text() == "4"
    assert "2 validity, 2 practice portfolios" in window.dashboard.detail_label.text()
    assert "2 validity, 2 practice" in window.dashboard.figures["candidates"].toolTip()
