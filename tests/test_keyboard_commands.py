"""The commands graders expect (issue 13, item 2), each driven by keys to the focused widget:
next and previous portfolio to score, complete and next, the note at the end of the batch,
look-fors by Alt+1..6, and the word a key gets on a complete (locked) portfolio."""

from __future__ import annotations

from fractions import Fraction as F
from pathlib import Path

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QLineEdit, QMessageBox, QPlainTextEdit

from icg_desk.models.schema import PortfolioStatus
from icg_desk.ui.batch_panel import all_complete_note
from icg_desk.ui.main_window import MainWindow
from icg_desk.ui.scoring_actions import LOCKED_WORD

NO = Qt.KeyboardModifier.NoModifier
ALT = Qt.KeyboardModifier.AltModifier
CTRL = Qt.KeyboardModifier.ControlModifier
SHIFT = Qt.KeyboardModifier.ShiftModifier


@pytest.fixture
def batch(tmp_path: Path, demo_copies) -> Path:
    return demo_copies.batch(tmp_path / "commands.icgbatch", portfolios=8, seed=5, prefill=False)


@pytest.fixture
def window(scorer_window, batch: Path) -> MainWindow:
    return scorer_window(batch)


def key(qtbot, key: str | Qt.Key, modifier: Qt.KeyboardModifier = NO) -> None:
    """A key as the scorer types it, to whatever has focus."""
    focused = QApplication.focusWidget()
    assert focused is not None
    qtbot.keyClick(focused, key, modifier)


def ids(window: MainWindow) -> list[int]:
    return window.batch_panel.model.portfolio_ids()


def shown(window: MainWindow) -> int:
    assert window._view is not None
    return window._view.id


def status_of(window: MainWindow, portfolio_id: int) -> PortfolioStatus:
    assert window.session is not None
    return window.session.work.portfolio(portfolio_id).status


def complete_by_session(window: MainWindow, portfolio_id: int) -> None:
    """Another portfolio scored and completed (through the session, as the window would)."""
    session = window.session
    assert session is not None
    for factor_key in session.rubric.factor_keys:
        session.set_score(portfolio_id, factor_key, F(3), None)
    assert session.mark_complete(portfolio_id)


def score_shown_by_keys(qtbot, window: MainWindow) -> None:
    for _ in window.session.rubric.factor_keys:
        key(qtbot, "3")
        key(qtbot, Qt.Key.Key_Down, ALT)


def message(window: MainWindow) -> str:
    return window.statusBar().currentMessage()


def text_field_focused() -> bool:
    widget = QApplication.focusWidget()
    return isinstance(widget, QLineEdit | QPlainTextEdit) and not widget.isReadOnly()


# --- next and previous portfolio to score -------------------------------------------------------


def test_alt_n_goes_to_the_next_portfolio_left_to_score_and_wraps(qtbot, window):
    p = ids(window)
    assert shown(window) == p[0]
    complete_by_session(window, p[1])
    complete_by_session(window, p[2])
    window.statusBar().clearMessage()
    key(qtbot, "n", ALT)
    assert shown(window) == p[3]
    assert message(window) == ""
    key(qtbot, "N", ALT | SHIFT)
    assert shown(window) == p[0]
    key(qtbot, "N", ALT | SHIFT)
    assert shown(window) == p[7]
    assert "Wrapped" in message(window)
    assert "last" in message(window)
    key(qtbot, "n", ALT)
    assert shown(window) == p[0]
    assert "Wrapped" in message(window)
    assert "first" in message(window)
    assert not text_field_focused()


def test_alt_n_finds_one_the_status_filter_hides(qtbot, window):
    p = ids(window)
    panel = window.batch_panel
    complete_by_session(window, p[1])
    key(qtbot, "3")  # p[0] is now in progress
    panel.status_filter.setCurrentIndex(panel.status_filter.findData("in_progress"))
    window.focus_scoring_surface()
    key(qtbot, "n", ALT)
    assert shown(window) == p[2]
    assert panel.current_portfolio() == p[2]  # shown and selected in the list


def test_alt_n_says_when_no_portfolio_is_left_to_score(qtbot, window):
    p = ids(window)
    for portfolio_id in p[1:]:
        complete_by_session(window, portfolio_id)
    key(qtbot, "n", ALT)
    assert shown(window) == p[0]
    assert message(window) == "No other portfolio left to score: this is the last one."
    complete_by_session(window, p[0])
    key(qtbot, "N", ALT | SHIFT)
    assert shown(window) == p[0]
    assert message(window) == "No portfolio left to score."


# --- complete and next ---------------------------------------------------------------------------


def test_alt_return_completes_and_opens_the_next_portfolio_to_score(qtbot, window):
    p = ids(window)
    complete_by_session(window, p[1])
    score_shown_by_keys(qtbot, window)
    key(qtbot, Qt.Key.Key_Return, ALT)
    assert status_of(window, p[0]) is PortfolioStatus.COMPLETE
    assert shown(window) == p[2]  # p[1] is complete already
    assert window.rubric_panel.current_factor() == "impact_cycle"
    assert not text_field_focused()
    assert window.entry_panel.isAncestorOf(QApplication.focusWidget())
    key(qtbot, "4")  # the surface scores the portfolio now shown
    assert window.session.work.portfolio(p[2]).reads["impact_cycle"].score == F(4)


def test_alt_return_from_a_rationale_leaves_the_keys_on_the_scoring_surface(qtbot, window):
    p = ids(window)
    score_shown_by_keys(qtbot, window)
    key(qtbot, Qt.Key.Key_F2)
    key(qtbot, "a")
    assert text_field_focused()
    key(qtbot, Qt.Key.Key_Return, ALT)
    assert status_of(window, p[0]) is PortfolioStatus.COMPLETE
    assert shown(window) == p[1]
    assert not text_field_focused()


def test_alt_return_stays_when_the_portfolio_cannot_be_completed(qtbot, window):
    p = ids(window)
    key(qtbot, "3")
    seen: list[str] = []

    def close_it() -> None:
        dialog = QApplication.activeModalWidget()
        if dialog is None:
            QTimer.singleShot(10, close_it)
            return
        seen.append(dialog.text() if isinstance(dialog, QMessageBox) else "")
        dialog.close()

    QTimer.singleShot(0, close_it)
    key(qtbot, Qt.Key.Key_Return, ALT)
    qtbot.waitUntil(lambda: bool(seen))
    assert "cannot be marked complete" in seen[0]
    assert shown(window) == p[0]
    assert status_of(window, p[0]) is PortfolioStatus.IN_PROGRESS


def test_alt_return_on_a_complete_portfolio_moves_on(qtbot, window):
    p = ids(window)
    complete_by_session(window, p[0])
    key(qtbot, Qt.Key.Key_Return, ALT)
    assert shown(window) == p[1]
    assert status_of(window, p[0]) is PortfolioStatus.COMPLETE


# --- the end of the batch -----------------------------------------------------------------------


def test_completing_the_last_portfolio_says_to_send_the_batch(qtbot, window):
    p = ids(window)
    note = window.batch_panel.done_note
    for portfolio_id in p[:-1]:
        complete_by_session(window, portfolio_id)
    key(qtbot, "n", ALT)
    assert shown(window) == p[-1]
    assert not note.isVisible()
    score_shown_by_keys(qtbot, window)
    key(qtbot, Qt.Key.Key_Return, ALT)
    words = (
        "All 8 portfolios are complete. Send them to your coordinator: "
        "File > Send to coordinator… (Ctrl+Shift+E)"
    )
    assert all_complete_note(8) == words
    assert message(window) == words
    assert note.isVisible()
    assert note.text() == words
    assert shown(window) == p[-1]  # nowhere left to go
    key(qtbot, Qt.Key.Key_Return, CTRL | SHIFT)  # reopened: the batch is not done
    assert not note.isVisible()
    key(qtbot, Qt.Key.Key_Return, CTRL)
    assert message(window) == words
    assert note.isVisible()


# --- look-fors by keyboard ----------------------------------------------------------------------


def test_alt_digits_tick_the_current_factors_look_fors(qtbot, window):
    p = ids(window)
    card = window.rubric_panel.cards["impact_cycle"]

    def seen(factor_key: str = "impact_cycle") -> frozenset[int]:
        return window.session.work.portfolio(p[0]).reads[factor_key].look_fors_seen

    key(qtbot, "1", ALT)
    key(qtbot, "6", ALT)
    assert seen() == {0, 5}
    assert card.look_fors[0].isChecked()
    assert card.look_fors[5].isChecked()
    key(qtbot, "1", ALT)
    assert seen() == {5}
    assert not card.look_fors[0].isChecked()
    key(qtbot, "z", CTRL)
    assert seen() == {0, 5}
    assert card.look_fors[0].isChecked()
    # The next factor has five: Alt+6 says so and changes nothing.
    key(qtbot, Qt.Key.Key_Down, ALT)
    assert window.rubric_panel.current_factor() == "playbook"
    key(qtbot, "6", ALT)
    assert message(window) == "Instructional Playbook has 5 look-fors."
    assert seen("playbook") == frozenset()
    key(qtbot, "2", ALT)
    assert seen("playbook") == {1}
    assert seen() == {0, 5}
    assert not text_field_focused()


def test_alt_digits_in_a_rationale_tick_look_fors_and_type_nothing(qtbot, window):
    p = ids(window)
    key(qtbot, Qt.Key.Key_F2)
    key(qtbot, "3", ALT)
    reads = window.session.work.portfolio(p[0]).reads["impact_cycle"]
    assert reads.look_fors_seen == {2}
    assert reads.rationale == ""


# --- a key on a complete portfolio --------------------------------------------------------------


@pytest.mark.parametrize(
    "keys",
    [
        [("1", NO)],
        [("+", NO)],
        [("-", NO)],
        [(Qt.Key.Key_Delete, NO)],
        [("2", ALT)],
        [("e", CTRL)],
        [(Qt.Key.Key_F2, NO)],
        [(Qt.Key.Key_F2, NO), ("a", NO)],
        [(Qt.Key.Key_F2, NO), (Qt.Key.Key_Backspace, NO)],
        [(Qt.Key.Key_F2, NO), ("4", NO)],
    ],
    ids=["digit", "plus", "minus", "delete", "alt-digit", "attach", "f2", "typing", "bs", "f2-4"],
)
def test_every_editing_key_on_a_complete_portfolio_says_why(qtbot, window, keys):
    p = ids(window)
    complete_by_session(window, p[0])
    window.focus_scoring_surface()
    before = window.session.work.portfolio(p[0])
    for pressed, modifier in keys:
        window.statusBar().clearMessage()
        key(qtbot, pressed, modifier)
        assert message(window) == LOCKED_WORD, pressed
    after = window.session.work.portfolio(p[0])
    assert after.reads == before.reads
    assert after.status is PortfolioStatus.COMPLETE


def test_keys_that_change_nothing_say_nothing_on_a_complete_portfolio(qtbot, window):
    complete_by_session(window, ids(window)[0])
    window.statusBar().clearMessage()
    key(qtbot, Qt.Key.Key_Down, ALT)
    key(qtbot, Qt.Key.Key_F2)
    window.statusBar().clearMessage()
    key(qtbot, Qt.Key.Key_End)  # reading the rationale
    assert message(window) == ""


# --- the keys are free --------------------------------------------------------------------------


def test_every_key_is_one_actions_and_no_menu_mnemonic(window):
    owners: dict[str, str] = {}
    for action in window.actions():
        for sequence in action.shortcuts():
            text = sequence.toString()
            assert text not in owners, f"{text}: {owners.get(text)} and {action.text()}"
            owners[text] = action.text()
    mnemonics = {
        f"Alt+{menu.title()[menu.title().index('&') + 1].upper()}"
        for menu in (a.menu() for a in window.menuBar().actions())
        if menu is not None and "&" in menu.title()
    }
    assert mnemonics  # &File, &Edit, ...
    assert not mnemonics & owners.keys()
    for keys in ("Alt+N", "Alt+Shift+N", "Alt+Return", *(f"Alt+{n}" for n in range(1, 7))):
        assert keys in owners
