"""A file ICG Desk will not open, told in a person's words: what is wrong, what to do next, and
the technical message under Details (issue 13, item 8)."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings, QTimer
from PySide6.QtWidgets import QApplication, QMessageBox

from icg_desk.models.sqlite_file import (
    DamagedFileError,
    DatabaseFileError,
    NewerFileError,
    NotOurFileError,
)
from icg_desk.ui.coordinator_window import CoordinatorWindow
from icg_desk.ui.main_window import MainWindow
from icg_desk.ui.tasks import SyncTaskRunner
from icg_desk.ui.window_shell import WindowShell, refusal_words


def _truncated(path: Path) -> None:
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


def _newer(path: Path) -> None:
    con = sqlite3.connect(path)
    version = con.execute("PRAGMA user_version").fetchone()[0]
    con.execute(f"PRAGMA user_version = {version + 1}")
    con.commit()
    con.close()


def _text(path: Path) -> None:
    path.write_text("not a batch at all\n" * 10)


def the_dialog(qtbot, action: Callable[[], object]) -> tuple[str, str, str, str]:
    """Run `action`, which opens a modal message box; note what it says and close it."""
    seen: list[tuple[str, str, str, str]] = []

    def close_it() -> None:
        dialog = QApplication.activeModalWidget()
        if not isinstance(dialog, QMessageBox):
            QTimer.singleShot(10, close_it)
            return
        seen.append(
            (dialog.objectName(), dialog.windowTitle(), dialog.text(), dialog.detailedText())
        )
        dialog.close()

    QTimer.singleShot(0, close_it)
    action()
    qtbot.waitUntil(lambda: bool(seen))
    return seen[0]


@pytest.fixture
def settings(tmp_path: Path) -> QSettings:
    return QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)


def shown(qtbot, window: WindowShell) -> WindowShell:
    qtbot.addWidget(window)
    window.show()
    return window


@pytest.mark.parametrize(
    ("spoil", "sentence", "next_step", "technical"),
    [
        (
            _truncated,
            "The batch file “summer.icgbatch” is damaged and cannot be opened.",
            "Ask your coordinator for a new copy.",
            "is damaged: ",
        ),
        (
            _text,
            "The file “summer.icgbatch” is not an ICG Desk batch, or it is damaged.",
            "Check that you chose the right file. If you did, ask your coordinator for a new copy.",
            "(it is not an SQLite database)",
        ),
        (
            _newer,
            "The batch file “summer.icgbatch” was saved by a newer version of ICG Desk.",
            "Install the newer ICG Desk",
            "was written by a newer ICG Desk",
        ),
    ],
    ids=["damaged", "not a database", "newer"],
)
def test_a_refused_batch_says_what_is_wrong_and_what_to_do(
    qtbot, tmp_path, demo_copies, settings, spoil, sentence, next_step, technical
):
    batch = demo_copies.batch(tmp_path / "summer.icgbatch", portfolios=2, seed=3, prefill=False)
    spoil(batch)
    before = batch.read_bytes()
    window = shown(qtbot, MainWindow(settings, runner=SyncTaskRunner))
    name, title, text, details = the_dialog(qtbot, lambda: window.open_batch(batch))
    assert (name, title) == ("refusalDialog", "Cannot open batch")
    assert text.startswith(f"{sentence}\n\n{next_step}")
    # The message of before, whole, under Details: the path and SQLite's own words.
    assert details.startswith(f"{batch.resolve()}: ")
    assert technical in details
    assert technical not in text
    assert window.session is None
    assert batch.read_bytes() == before
    assert not batch.with_name("summer.icgbatch.lock").exists()


def test_a_damaged_cohort_tells_the_coordinator_to_restore_a_backup(
    qtbot, tmp_path, demo_copies, settings
):
    cohort = tmp_path / "spring.icgcohort"
    _text(cohort)
    window = shown(qtbot, CoordinatorWindow(settings, runner=SyncTaskRunner))
    name, title, text, details = the_dialog(qtbot, lambda: window.open_cohort(cohort))
    assert (name, title) == ("refusalDialog", "Cannot open cohort")
    assert text.startswith("The file “spring.icgcohort” is not an ICG Desk cohort")
    assert "restore the cohort file from your latest backup" in text
    assert "coordinator" not in text
    assert f"{cohort.resolve()}: is not an ICG Desk cohort" in details
    assert window.cohort is None


def test_the_words_follow_the_class_of_the_error_not_its_message():
    path = Path("/x/a.icgbatch")
    step = "Ask your coordinator for a new copy."
    # The same message, four classes, four sentences.
    words = {
        cls: refusal_words(cls(path, "is damaged: x"), "batch", step)
        for cls in (DamagedFileError, NotOurFileError, NewerFileError, DatabaseFileError)
    }
    assert len(set(words.values())) == 4
    assert words[DamagedFileError][1] == step
    assert words[DatabaseFileError] == (
        "ICG Desk could not open the batch file “a.icgbatch”.",
        "Check that the file is still there and that you may read it, then try again.",
    )
