"""Calibration in the scorer's window, driven by keys to the focused widget: practice portfolios
marked in the list and the header, live portfolios locked with a calm banner and a word in the
status bar (never a dialog per key), the agreed scores beside the scorer's once compared, and the
live portfolios opening without reopening the batch, by qualifying or by the unlock code."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from fractions import Fraction as F
from pathlib import Path

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget
from test_calibration_work import CODE, KEY_A, KEY_B, KEYS, make_batch

from icg_desk.models.calibration import LIVE_LOCKED
from icg_desk.ui.calibration_view import UnlockDialog
from icg_desk.ui.main_window import MainWindow
from icg_desk.ui.shortcuts_dialog import grouped_shortcuts

NO = Qt.KeyboardModifier.NoModifier
ALT = Qt.KeyboardModifier.AltModifier
CTRL = Qt.KeyboardModifier.ControlModifier
SHIFT = Qt.KeyboardModifier.ShiftModifier


@pytest.fixture
def batch(tmp_path: Path) -> Path:
    return make_batch(tmp_path / "calib.icgbatch")


@pytest.fixture
def window(scorer_window, batch: Path) -> MainWindow:
    return scorer_window(batch)


def key(qtbot, key: str | Qt.Key, modifier: Qt.KeyboardModifier = NO) -> None:
    focused = QApplication.focusWidget()
    assert focused is not None
    qtbot.keyClick(focused, key, modifier)


def answer(qtbot, action: Callable[[], object], *handlers: Callable[[QWidget], None]) -> list:
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
    # The dialogs gone, the keys go to the window again (the offscreen platform does not give
    # it back the activation a desktop would).
    windows = [w for w in QApplication.topLevelWidgets() if isinstance(w, MainWindow)]
    windows[0].activateWindow()
    qtbot.waitUntil(lambda: isinstance(QApplication.activeWindow(), MainWindow))
    return seen


def press_button(text: str) -> Callable[[QWidget], None]:
    def handler(dialog: QWidget) -> None:
        assert isinstance(dialog, QMessageBox)
        button = next(b for b in dialog.buttons() if b.text().replace("&", "") == text)
        button.setFocus()
        QTest.keyClick(button, Qt.Key.Key_Space)  # the key a person presses on a button

    return handler


def read_and_close(into: list[str]) -> Callable[[QWidget], None]:
    def handler(dialog: QWidget) -> None:
        assert isinstance(dialog, QMessageBox)
        into.append(dialog.text())
        dialog.close()

    return handler


def saved(batch: Path) -> list[tuple]:
    db = sqlite3.connect(f"file:{batch}?mode=ro", uri=True)
    try:
        return db.execute(
            "SELECT p.candidate_code, p.status, p.revision, p.key_shown_at, r.factor_key, r.score "
            "FROM portfolio p LEFT JOIN factor_read r ON r.portfolio_id = p.id ORDER BY p.id, r.id"
        ).fetchall()
    finally:
        db.close()


def ids(window: MainWindow) -> list[int]:
    return window.batch_panel.model.portfolio_ids()


def list_text(window: MainWindow, row: int, column: int) -> str:
    model = window.batch_panel.model
    return str(model.data(model.index(row, column)))


def score_by_keys(qtbot, window: MainWindow, scores: dict[str, F]) -> None:
    """Each factor in rubric order, from the first: its level key, + or -, then Alt+Down."""
    assert window.session is not None
    scale = window.session.rubric.scale
    for factor_key in KEYS:
        score = scores[factor_key]
        label = scale.label(score)
        key(qtbot, label[0])
        if label.endswith("+"):
            key(qtbot, "+")
        elif label.endswith("-"):
            key(qtbot, "-")
        assert window._reads[factor_key].score == score
        key(qtbot, Qt.Key.Key_Down, ALT)


def test_practice_is_marked_and_live_portfolios_are_locked(qtbot, window, batch):
    assert list_text(window, 0, 0) == "Practice 1"
    assert list_text(window, 1, 0) == "Practice 2"
    assert [list_text(window, row, 1) for row in range(2, 5)] == ["Locked"] * 3
    # The batch opens on the first practice portfolio, said so in the header and the banner.
    assert window._view is not None
    assert window._view.id == ids(window)[0]
    assert window.summary is not None
    assert window.summary.code.text() == "P27-00001"
    assert window.summary.status.text() == "Practice 1 of 2 · Not started"
    assert window.practice_banner.isVisible()
    assert window.practice_banner.text().startswith("Practice 1 of 2: calibration")
    assert not window.calibration_banner.isVisible()
    assert "Practice 1 of 2" in window.windowTitle()

    before = saved(batch)
    key(qtbot, Qt.Key.Key_PageDown, ALT)
    key(qtbot, Qt.Key.Key_PageDown, ALT)
    assert window._view.id == ids(window)[2]
    assert window.calibration_banner.isVisible()
    assert LIVE_LOCKED in window.calibration_banner.text()
    assert "0 of 2 compared" in window.calibration_banner.text()
    assert not window.practice_banner.isVisible()
    for typed in ("3", "+", Qt.Key.Key_Delete):
        key(qtbot, typed)
        assert QApplication.activeModalWidget() is None  # a word, not a dialog per key
        assert LIVE_LOCKED in window.statusBar().currentMessage()
    key(qtbot, Qt.Key.Key_Return, CTRL)
    assert LIVE_LOCKED in window.statusBar().currentMessage()
    assert window.rubric_panel is not None
    card = window.rubric_panel.cards[KEYS[0]]
    assert card.rationale.isReadOnly()
    assert saved(batch) == before


def test_compare_then_qualify_opens_the_live_portfolios(qtbot, window, batch):
    first, second, live = ids(window)[:3]
    score_by_keys(qtbot, window, KEY_A)
    key(qtbot, "k", CTRL)  # not complete yet: said, nothing shown
    assert "complete first" in window.statusBar().currentMessage()
    assert not window.key_comparison.isVisible()
    key(qtbot, Qt.Key.Key_Return, CTRL)
    answer(qtbot, lambda: key(qtbot, "k", CTRL), press_button("Compare"))
    # The agreed scores beside the scorer's, factor by factor, plain text.
    comparison = window.key_comparison
    assert comparison.isVisible()
    assert list(comparison.rows) == list(KEYS)
    scores, badge, why = comparison.rows[KEYS[0]]
    assert scores.text() == "Yours 3 · Agreed 3"
    assert badge.text() == "exact"
    assert badge.property("kind") == "exact"
    assert why.textFormat() == Qt.TextFormat.PlainText
    assert why.text() == "The expert's reason for impact_cycle: <b>plain</b> =1+1"
    assert "settled" in window.practice_banner.text()
    assert not window.locked_banner.isVisible()  # no "reopen it": it cannot be
    assert not window.undo_action.isEnabled()  # a settled read's history is not undone
    # Settled: keys say so, the file keeps the read.
    before = saved(batch)
    key(qtbot, "2")
    assert "settled" in window.statusBar().currentMessage()
    key(qtbot, Qt.Key.Key_Return, CTRL | SHIFT)
    assert "settled" in window.statusBar().currentMessage()
    assert saved(batch) == before

    # The second practice portfolio, one factor a level off: 13 of 14 exact, qualified.
    window.batch_panel.select_portfolio(second)
    window.focus_scoring_surface()
    mine = dict(KEY_B)
    mine[KEYS[0]] = F(3)
    score_by_keys(qtbot, window, mine)
    key(qtbot, Qt.Key.Key_Return, CTRL)
    told: list[str] = []
    answer(qtbot, lambda: key(qtbot, "k", CTRL), press_button("Compare"), read_and_close(told))
    assert told[0].startswith("Your practice reads qualify: 13 of 14")
    _, badge, _ = window.key_comparison.rows[KEYS[0]]
    assert (badge.text(), badge.property("kind")) == ("one level off", "near")
    # Open at once, without reopening the batch.
    assert [list_text(window, row, 1) for row in range(2, 5)] == ["Not started"] * 3
    window.batch_panel.select_portfolio(live)
    window.focus_scoring_surface()
    assert not window.calibration_banner.isVisible()
    key(qtbot, "3")
    assert window._reads[KEYS[0]].score == F(3)
    assert any(row[0] == window._view.candidate_code and row[5] == "3.00" for row in saved(batch))


def test_not_qualified_says_why_and_stays_locked(qtbot, window):
    first, second, live = ids(window)[:3]
    session = window.session
    assert session is not None
    for portfolio_id, scores in ((first, KEY_A), (second, KEY_B)):
        for factor_key, score in scores.items():
            wrong = F(4) if factor_key == KEYS[4] and portfolio_id == second else score
            session.set_score(portfolio_id, factor_key, wrong, None)
        assert session.mark_complete(portfolio_id)
    assert session.show_key(first) is not None
    window.batch_panel.select_portfolio(second)
    told: list[str] = []
    answer(qtbot, lambda: key(qtbot, "k", CTRL), press_button("Compare"), read_and_close(told))
    assert "do not qualify yet" in told[0]
    assert "3 levels off" in told[0]
    assert "unlock code" in told[0]
    window.batch_panel.select_portfolio(live)
    assert window.calibration_banner.isVisible()
    assert "do not qualify yet" in window.calibration_banner.text()
    assert list_text(window, 2, 1) == "Locked"


def test_the_unlock_code_opens_the_live_portfolios(qtbot, window, batch):
    live = ids(window)[2]
    window.batch_panel.select_portfolio(live)
    window.focus_scoring_surface()
    problems: list[str] = []

    def wrong_then_right(dialog: QWidget) -> None:
        assert isinstance(dialog, UnlockDialog)
        qtbot.waitUntil(dialog.code.hasFocus)  # the code is typed at once
        qtbot.keyClicks(dialog.code, "ABCD-EFGH-JKMN")
        qtbot.keyClick(dialog.code, Qt.Key.Key_Return)
        assert dialog.isVisible()  # a wrong code: said here, and another try
        problems.append(dialog.problem.text())
        dialog.code.clear()
        qtbot.keyClicks(dialog.code, CODE.lower())
        qtbot.keyClick(dialog.code, Qt.Key.Key_Return)

    told: list[str] = []
    answer(
        qtbot,
        lambda: key(qtbot, "u", CTRL | SHIFT),
        wrong_then_right,
        read_and_close(told),
    )
    assert "not this batch's unlock code; nothing changed" in problems[0]
    assert "unlock code was entered" in told[0]
    assert not window.calibration_banner.isVisible()
    assert list_text(window, 2, 1) == "Not started"
    key(qtbot, "2")
    assert window._reads[KEYS[0]].score == F(2)
    # Nothing more to unlock: said in the status bar.
    key(qtbot, "u", CTRL | SHIFT)
    assert QApplication.activeModalWidget() is None
    assert "unlock code was entered" in window.statusBar().currentMessage()


def test_a_batch_without_practice_shows_nothing_of_calibration(qtbot, scorer_window, tmp_path):
    window = scorer_window(make_batch(tmp_path / "plain.icgbatch", keys=()))
    assert not window.practice_banner.isVisible()
    assert not window.calibration_banner.isVisible()
    assert not window.key_comparison.isVisible()
    assert "Practice" not in list_text(window, 0, 0)
    key(qtbot, "3")
    assert window._reads[KEYS[0]].score == F(3)
    key(qtbot, "k", CTRL)
    assert "only practice portfolios" in window.statusBar().currentMessage()


def test_the_calibration_keys_are_in_the_menu_and_the_shortcuts_dialog(window):
    menus = {a.text(): a.menu() for a in window.menuBar().actions()}
    calibration = menus["&Calibration"]
    assert calibration is not None
    shown = {a.text(): a.shortcut().toString() for a in calibration.actions()}
    assert shown == {
        "&Compare with the agreed scores": "Ctrl+K",
        "Enter &unlock code…": "Ctrl+Shift+U",
        "&Where my calibration stands": "F6",
    }
    groups = grouped_shortcuts(window.actions())
    assert groups["Calibration"] == [
        ("Compare with the agreed scores", "Ctrl+K"),
        ("Enter unlock code…", "Ctrl+Shift+U"),
        ("Where my calibration stands", "F6"),
    ]
