"""The threshold-crossing warning: it stays until the next crossing or until dismissed, and it never
moves the reading area (issue 13, item 3)."""

from __future__ import annotations

from fractions import Fraction as F
from pathlib import Path

import pytest
from PySide6.QtCore import QRect, Qt
from PySide6.QtWidgets import QApplication

from icg_desk.models.rubric_file import builtin_rubric
from icg_desk.ui.main_window import MainWindow

KEYS = builtin_rubric().factor_keys


@pytest.fixture
def window(scorer_window, tmp_path: Path, demo_copies) -> MainWindow:
    batch = demo_copies.batch(tmp_path / "summer.icgbatch", portfolios=3, seed=3, prefill=False)
    window = scorer_window(batch)
    # Every factor at 3: Certified. Then Data is the factor the keys score.
    for key in KEYS:
        window.rubric_panel.set_current_factor(key)
        window._set_score(key, F(3))
    window.rubric_panel.set_current_factor("data")
    window.entry_panel.setFocus()
    return window


def press(qtbot, window: MainWindow, key: str | Qt.Key) -> None:
    qtbot.keyClick(QApplication.focusWidget() or window, key)


def reading_area(window: MainWindow) -> tuple[QRect, QRect, int]:
    QApplication.processEvents()
    assert window.summary is not None
    return (
        window.reading_splitter.geometry(),
        window.rubric_panel.geometry(),
        window.summary.height(),
    )


def test_a_crossing_warns_and_the_warning_stays_through_keys_that_do_not_cross(qtbot, window):
    warning = window.summary.warning
    assert window.summary.decision.text() == "Certified"
    assert not warning.isVisible()

    press(qtbot, window, "1")  # Data 1.00: Certified to Retake
    assert window.summary.decision.text() == "Retake: Data (1.00)"
    assert warning.isVisible()
    assert "from Certified to Not certified" in warning.text()
    assert "Data is now below the factor floor 1.75." in warning.text()

    press(qtbot, window, "+")  # 1+: still a retake, no crossing; the warning stays as it was
    assert window.summary.decision.text().startswith("Retake: Data")
    assert warning.isVisible()
    assert "from Certified to Not certified" in warning.text()

    press(qtbot, window, "2")  # 2.00: above the floor again, a crossing the other way
    assert "Data is no longer below the factor floor." in warning.text()
    assert warning.isVisible()

    # No modifier takes a factor across the floor on this scale (1+ is 1.25, 2- is 1.75); one
    # takes the overall across 2.75. Sum 19.5 (2.79), then 19.25 (2.75, still Certified).
    window._set_score("impact_cycle", F(11, 4))
    window._set_score("playbook", F(11, 4))
    window.rubric_panel.set_current_factor("communication")
    window.entry_panel.setFocus()
    press(qtbot, window, "-")
    assert window.summary.decision.text() == "Certified"
    assert "Data is no longer below the factor floor." in warning.text()  # not a crossing

    window.rubric_panel.set_current_factor("leadership")
    window.entry_panel.setFocus()
    press(qtbot, window, "-")  # 3-: overall 2.71, a modifier that crosses
    assert window.summary.decision.text().startswith("Not certified")
    assert warning.isVisible()
    assert warning.text() == "This change turned the decision from Certified to Not certified."

    press(qtbot, window, "-")  # back to 3: it crosses again, and the text follows it
    assert window.summary.decision.text() == "Certified"
    assert warning.text() == "This change turned the decision from Not certified to Certified."


def test_the_warning_is_dismissed_by_its_button_or_escape(qtbot, window):
    warning = window.summary.warning
    press(qtbot, window, "1")
    assert warning.isVisible()
    qtbot.mouseClick(warning.close_button, Qt.MouseButton.LeftButton)
    assert not warning.isVisible()

    press(qtbot, window, "+")  # no crossing: it stays dismissed
    assert not warning.isVisible()
    press(qtbot, window, "3")  # a crossing brings it back
    assert warning.isVisible()

    warning.close_button.setFocus()
    qtbot.keyClick(warning.close_button, Qt.Key.Key_Escape)
    assert not warning.isVisible()
    # Focus does not fall into a text field that would take the next score key as text.
    assert window.summary.isAncestorOf(QApplication.focusWidget()) or (
        QApplication.focusWidget() is window.summary
    )
    press(qtbot, window, "1")
    assert window.rubric_panel.cards["data"].selector is not None
    assert window.summary.decision.text() == "Retake: Data (1.00)"


def test_showing_or_hiding_the_warning_does_not_move_the_reading_area(qtbot, window):
    before = reading_area(window)
    press(qtbot, window, "1")
    assert window.summary.warning.isVisible()
    assert reading_area(window) == before
    # A longer text (two crossings) takes no more room than a short one.
    press(qtbot, window, "3")
    assert reading_area(window) == before
    window.summary.warning.dismiss()
    assert reading_area(window) == before


def test_another_portfolio_starts_without_the_last_ones_warning(qtbot, window):
    press(qtbot, window, "1")
    assert window.summary.warning.isVisible()
    window.step_portfolio(1)
    assert not window.summary.warning.isVisible()


def test_no_decision_moves_the_reading_area_and_a_long_one_is_told_in_full(qtbot, window):
    """The decision's box keeps one size: "Certified" on one line and a retake of three factors
    (a headline of three lines at that width) re-lay nothing out; the tooltip has it all."""
    before = reading_area(window)
    badge = window.summary.decision
    box = badge.size()
    for _ in range(3):  # three factors below the floor, one after the other
        press(qtbot, window, "1")
        assert reading_area(window) == before
        assert badge.size() == box
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Down, Qt.KeyboardModifier.AltModifier)
    full = badge.headline()
    assert full.startswith("Retake: ")
    assert full.count("(1.00)") == 3
    assert badge.text() != full  # too long for the box: a shorter form of the same decision
    assert badge.text().startswith("Retake: ")
    assert full in badge.toolTip()
    for _ in range(3):  # and back up: Certified again, the box and the text below unmoved
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Up, Qt.KeyboardModifier.AltModifier)
        press(qtbot, window, "3")
        assert reading_area(window) == before
    assert badge.text() == "Certified"
    assert badge.size() == box


def test_the_shorter_forms_of_a_retake_name_every_factor_or_count_them(revised):
    from icg_desk.scoring import decide
    from icg_desk.ui.summary_bar import headline_forms

    scores = dict.fromkeys(revised.factor_keys, F(3))
    scores.update(impact_cycle=F(1), data=F(1), leadership=F(1))
    forms = headline_forms(decide(revised, scores), revised)
    names = [revised.factor(k).name for k in ("impact_cycle", "data", "leadership")]
    assert forms[0].startswith("Retake: ")
    assert all(f"{n} (1.00)" in forms[0] for n in names)
    assert forms[1] == "Retake: " + ", ".join(names)
    assert forms[2] == "Retake: 3 factors"
    assert headline_forms(decide(revised, dict.fromkeys(revised.factor_keys, F(3))), revised) == (
        "Certified",
    )
