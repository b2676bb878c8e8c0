"""The find bar on its own: what it says it was asked, and the count it is told to show."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot

from icg_desk.ui.find_bar import FindBar


@pytest.fixture
def bar(qtbot: QtBot) -> Iterator[FindBar]:
    holder = QWidget()  # a parent, as the entry panel is: kept alive by the yield
    qtbot.addWidget(holder)
    bar = FindBar("Find in this entry", holder)
    bar.hide()
    holder.show()
    holder.activateWindow()
    qtbot.waitUntil(holder.isActiveWindow)
    yield bar  # noqa: PT022 - the generator's frame keeps `holder` alive until teardown


def test_opening_shows_it_with_the_query_selected(qtbot: QtBot, bar: FindBar) -> None:
    bar.field.setText("coach")
    bar.open()
    assert bar.isVisible()
    qtbot.waitUntil(bar.field.hasFocus)
    assert bar.field.selectedText() == "coach"
    assert bar.field.accessibleName() == "Find in this entry"


def test_typing_says_what_to_find(qtbot: QtBot, bar: FindBar) -> None:
    bar.open()
    heard: list[str] = []
    bar.searchChanged.connect(heard.append)
    qtbot.keyClicks(bar.field, "co")
    assert heard == ["c", "co"]
    assert bar.text() == "co"


@pytest.mark.parametrize(
    ("key", "modifier", "signal"),
    [
        (Qt.Key.Key_Return, Qt.KeyboardModifier.NoModifier, "findNext"),
        (Qt.Key.Key_Enter, Qt.KeyboardModifier.NoModifier, "findNext"),
        (Qt.Key.Key_Return, Qt.KeyboardModifier.ShiftModifier, "findPrevious"),
        (Qt.Key.Key_F3, Qt.KeyboardModifier.NoModifier, "findNext"),
        (Qt.Key.Key_F3, Qt.KeyboardModifier.ShiftModifier, "findPrevious"),
    ],
)
def test_keys_in_the_field_step_through_matches(
    qtbot: QtBot, bar: FindBar, key: Qt.Key, modifier: Qt.KeyboardModifier, signal: str
) -> None:
    bar.open()
    other = "findPrevious" if signal == "findNext" else "findNext"
    with qtbot.waitSignal(getattr(bar, signal)), qtbot.assertNotEmitted(getattr(bar, other)):
        qtbot.keyClick(bar.field, key, modifier)


def test_the_arrow_buttons_step_too(qtbot: QtBot, bar: FindBar) -> None:
    bar.open()
    bar.field.setText("coach")
    bar.show_count(1, 3)
    with qtbot.waitSignal(bar.findNext):
        bar.next_button.click()
    with qtbot.waitSignal(bar.findPrevious):
        bar.previous_button.click()


@pytest.mark.parametrize("close", ["escape", "done"])
def test_escape_and_done_close_it_and_say_so(qtbot: QtBot, bar: FindBar, close: str) -> None:
    bar.open()
    with qtbot.waitSignal(bar.closed):
        if close == "escape":
            qtbot.keyClick(bar.field, Qt.Key.Key_Escape)
        else:
            bar.done_button.click()
    assert not bar.isVisible()


def test_the_count_it_shows(bar: FindBar) -> None:
    bar.show_count(0, 0)
    assert bar.count_label.text() == ""  # no query, nothing to say
    bar.field.setText("coach")
    bar.show_count(0, 0)
    assert bar.count_label.text() == "No matches"
    assert not bar.next_button.isEnabled()
    assert not bar.previous_button.isEnabled()
    bar.show_count(2, 1234)
    assert bar.count_label.text() == "2 of 1,234"
    assert bar.next_button.isEnabled()
    assert bar.previous_button.isEnabled()


def test_the_count_is_plain_text(bar: FindBar) -> None:
    assert bar.count_label.textFormat() == Qt.TextFormat.PlainText
