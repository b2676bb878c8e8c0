"""The entry panel: tabs, untrusted text shown literally, counts, video links, find, passages."""

from __future__ import annotations

import time

import pytest
from PySide6.QtCore import QPoint, QPointF, Qt, QUrl
from PySide6.QtGui import QFont, QTextCursor, QWheelEvent
from PySide6.QtWidgets import QApplication, QPushButton, QTextEdit, QWidget
from pytestqt.qtbot import QtBot

from icg_desk.operations.batch_work import EntryView, VideoView
from icg_desk.ui.entry_panel import (
    LINE_HEIGHT_PERCENT,
    MAX_POINT_SIZE,
    MIN_POINT_SIZE,
    EntryPanel,
    _EntryPage,
    _VideoRow,
    over_limit_text,
    word_count_text,
)

COACH_TEXT = (
    "The coach met Teacher A.\n"
    "\n"
    "Coaching began in September; the COACH listened first.\n"
    "A coach asks, a coach waits."
)
COACH_COUNT = COACH_TEXT.lower().count("coach")  # 5, in three spellings


def entry(
    number: int,
    text: str = "Some text.",
    *,
    title: str | None = None,
    words: int | None = None,
    max_words: int = 3000,
    videos: tuple[VideoView, ...] = (),
) -> EntryView:
    return EntryView(
        number=number,
        title=title or f"Title {number}",
        text=text,
        words=len(text.split()) if words is None else words,
        max_words=max_words,
        videos=videos,
    )


class Opener:
    """Stands in for QDesktopServices.openUrl and remembers every address it was given."""

    def __init__(self, result: bool = True) -> None:
        self.result = result
        self.urls: list[QUrl] = []

    def __call__(self, url: QUrl) -> bool:
        self.urls.append(QUrl(url))
        return self.result


@pytest.fixture
def opener() -> Opener:
    return Opener()


@pytest.fixture
def panel(qtbot: QtBot, opener: Opener) -> EntryPanel:
    widget = EntryPanel(open_url=opener)
    qtbot.addWidget(widget)
    widget.resize(900, 700)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def page(panel: EntryPanel, index: int | None = None) -> _EntryPage:
    tabs = panel._tabs
    widget = tabs.widget(tabs.currentIndex() if index is None else index)
    assert isinstance(widget, _EntryPage)
    return widget


def view(panel: EntryPanel, index: int | None = None) -> QTextEdit:
    return page(panel, index).view


# --- tabs -----------------------------------------------------------------------------------


def test_one_tab_per_entry_titled_with_number_and_title(panel: EntryPanel) -> None:
    panel.show_entries([entry(1, title="The Impact Cycle"), entry(2, title="Partnership")])

    assert panel._tabs.count() == 2
    assert panel._tabs.tabText(0) == "Entry 1: The Impact Cycle"
    assert panel._tabs.tabText(1) == "Entry 2: Partnership"
    assert panel.current_entry() == 1


def test_an_ampersand_in_a_title_is_shown_not_taken_as_a_mnemonic(panel: EntryPanel) -> None:
    panel.show_entries([entry(1, title="Q&A")])

    # Qt shows "&&" as one literal "&"; a single one would vanish into a shortcut underline.
    assert panel._tabs.tabText(0) == "Entry 1: Q&&A"


def test_no_portfolio_shows_a_placeholder(panel: EntryPanel) -> None:
    assert panel._stack.currentWidget() is panel._placeholder
    assert panel.current_entry() is None

    panel.show_entries([entry(1), entry(2)])
    assert panel._stack.currentWidget() is panel._tabs

    panel.show_find()
    panel.clear()
    assert panel._stack.currentWidget() is panel._placeholder
    assert not panel._find_bar.isVisible()
    assert panel._tabs.count() == 0
    assert panel.current_entry() is None
    assert panel.selection() is None


def test_show_entries_keeps_the_tab_index_when_the_next_portfolio_has_it(
    panel: EntryPanel, qtbot: QtBot
) -> None:
    panel.show_entries([entry(1), entry(2), entry(3)])
    panel.set_current_entry(3)

    with qtbot.waitSignal(panel.currentEntryChanged) as shown:
        panel.show_entries([entry(1, "Other"), entry(2, "Other"), entry(3, "Other")])
    assert panel._tabs.currentIndex() == 2
    assert shown.args == [3]

    panel.show_entries([entry(1, "A two-entry portfolio"), entry(2, "Second")])
    assert panel.current_entry() == 1


def test_showing_the_same_entries_again_keeps_the_pages_and_the_reading_place(
    panel: EntryPanel,
) -> None:
    entries = [entry(1, COACH_TEXT), entry(2)]
    panel.show_entries(entries)
    first = page(panel)
    cursor = first.view.textCursor()
    cursor.setPosition(10)
    first.view.setTextCursor(cursor)

    panel.show_entries(list(entries))

    assert page(panel) is first
    assert first.view.textCursor().position() == 10


def test_the_next_portfolio_reuses_the_pages_and_shows_nothing_of_the_last(
    panel: EntryPanel, qtbot: QtBot
) -> None:
    clip = VideoView("Clip 1", "https://www.youtube.com/watch?v=abc123", True)
    panel.show_entries([entry(1, "First candidate.", words=3120, videos=(clip,)), entry(2)])
    first, second = page(panel, 0), page(panel, 1)
    old_row = first.video_rows[0]
    cursor = first.view.textCursor()
    cursor.setPosition(3)
    cursor.setPosition(9, QTextCursor.MoveMode.KeepAnchor)  # a passage selected
    first.view.setTextCursor(cursor)

    with qtbot.waitSignal(old_row.destroyed, timeout=2000):
        panel.show_entries([entry(1, "Another candidate."), entry(2, "Its second entry.")])

    assert (page(panel, 0), page(panel, 1)) == (first, second)  # the same widgets, new text
    assert first.view.toPlainText() == "Another candidate."
    panel.set_current_entry(2)  # a page out of view takes its text when it comes into view
    assert second.view.toPlainText() == "Its second entry."
    assert panel.selection() is None
    assert first.entry.text == "Another candidate."  # selections map to the new text
    assert first.video_rows == []
    assert not first.videos.isVisibleTo(first)
    assert not first.warning_label.isVisibleTo(first)
    assert first.count_label.text() == "2 words · limit 3,000"
    assert first.view.textCursor().position() == 0
    assert not first.view.textCursor().hasSelection()


def test_pages_a_portfolio_has_no_entry_for_are_deleted(panel: EntryPanel, qtbot: QtBot) -> None:
    panel.show_entries([entry(1), entry(2)])
    old = page(panel, 1)

    with qtbot.waitSignal(old.destroyed, timeout=2000):
        panel.show_entries([entry(1, "Another candidate")])
    assert panel._tabs.count() == 1
    assert page(panel).view.toPlainText() == "Another candidate"


def test_next_and_previous_entry_wrap_around(panel: EntryPanel, qtbot: QtBot) -> None:
    panel.show_entries([entry(1), entry(2), entry(3)])
    seen: list[int] = []
    panel.currentEntryChanged.connect(seen.append)

    panel.next_entry()
    panel.next_entry()
    panel.next_entry()
    panel.previous_entry()

    assert seen == [2, 3, 1, 3]
    assert panel.current_entry() == 3


def test_set_current_entry_refuses_an_entry_the_portfolio_does_not_have(
    panel: EntryPanel,
) -> None:
    panel.show_entries([entry(1), entry(2)])

    with pytest.raises(ValueError, match="no entry 7"):
        panel.set_current_entry(7)
    assert panel.current_entry() == 1


# --- the text -------------------------------------------------------------------------------


UNTRUSTED = (
    "<b>bold</b> &amp; =SUM(A1:A3)\n"
    '<a href="https://evil.example">click</a> <img src="x.png"> <script>alert(1)</script>\n'
    "<table><tr><td>cell</td></tr></table>"
)


def test_untrusted_text_is_shown_literally(panel: EntryPanel) -> None:
    panel.show_entries([entry(1, UNTRUSTED)])
    document = view(panel).document()

    assert view(panel).toPlainText() == UNTRUSTED
    assert "<b>bold</b>" in document.toPlainText()
    assert "&amp;" in document.toPlainText()
    # Had the tags been interpreted, "bold" would be bold and there would be a link and a table.
    cursor = QTextCursor(document)
    cursor.setPosition(UNTRUSTED.index("bold") + 1)
    assert cursor.charFormat().fontWeight() == QFont.Weight.Normal
    assert not cursor.charFormat().isAnchor()
    assert document.rootFrame().childFrames() == []
    assert document.blockCount() == 3
    assert not view(panel).acceptRichText()
    assert view(panel).isReadOnly()


def test_text_has_comfortable_line_spacing_in_every_block(panel: EntryPanel) -> None:
    panel.show_entries([entry(1, COACH_TEXT)])

    block = view(panel).document().firstBlock()
    while block.isValid():
        assert block.blockFormat().lineHeight() == LINE_HEIGHT_PERCENT
        block = block.next()


def test_the_text_sits_in_a_centred_column_on_a_wide_panel(panel: EntryPanel, qtbot: QtBot) -> None:
    panel.show_entries([entry(1, COACH_TEXT)])
    text = page(panel).view

    panel.resize(1800, 700)
    qtbot.waitUntil(lambda: text.viewportMargins().left() > 300)
    margins = text.viewportMargins()
    assert margins.left() == margins.right()
    # Roughly 80 characters of prose: far narrower than the 1800-pixel panel.
    assert 450 < text.viewport().width() < 1000

    panel.resize(500, 700)
    qtbot.waitUntil(lambda: text.viewportMargins().left() == 20)


# --- counts ---------------------------------------------------------------------------------


def test_word_count_beside_the_limit() -> None:
    assert word_count_text(2485, 3000) == "2,485 words · limit 3,000"
    assert word_count_text(1, 3000) == "1 word · limit 3,000"
    assert word_count_text(12, 0) == "12 words"
    assert over_limit_text(2485, 3000) is None
    assert over_limit_text(3000, 3000) is None
    assert over_limit_text(3120, 3000) == "Over the 3,000-word limit by 120"


def test_header_shows_the_count_and_a_warning_only_when_over(panel: EntryPanel) -> None:
    panel.show_entries([entry(1, words=2485), entry(2, words=3120)])

    within = page(panel, 0)
    assert within.count_label.text() == "2,485 words · limit 3,000"
    assert not within.warning_label.isVisibleTo(within)

    over = page(panel, 1)
    assert over.count_label.text() == "3,120 words · limit 3,000"
    assert over.warning_label.text() == "Over the 3,000-word limit by 120"
    assert over.warning_label.isVisibleTo(over)


# --- video links ----------------------------------------------------------------------------

YOUTUBE = "https://www.youtube.com/watch?v=abc123"
VIMEO = "http://vimeo.com/1"


def rows(panel: EntryPanel) -> list[_VideoRow]:
    return page(panel).video_rows


def test_allowed_link_opens_through_the_injected_opener(
    panel: EntryPanel, opener: Opener, qtbot: QtBot
) -> None:
    panel.show_entries([entry(1, videos=(VideoView("Clip 1", YOUTUBE, True),))])
    row = rows(panel)[0]
    assert row.open_button is not None
    assert row.url.text() == YOUTUBE

    qtbot.mouseClick(row.open_button, Qt.MouseButton.LeftButton)

    assert [url.toString() for url in opener.urls] == [YOUTUBE]


def test_enter_on_the_open_button_opens_too(
    panel: EntryPanel, opener: Opener, qtbot: QtBot
) -> None:
    panel.show_entries([entry(1, videos=(VideoView("Clip 1", YOUTUBE, True),))])
    button = rows(panel)[0].open_button
    assert button is not None
    button.setFocus()

    qtbot.keyClick(button, Qt.Key.Key_Return)

    assert [url.toString() for url in opener.urls] == [YOUTUBE]


def test_a_link_that_is_not_allowed_can_never_be_opened(
    panel: EntryPanel, opener: Opener, qtbot: QtBot
) -> None:
    panel.show_entries([entry(1, videos=(VideoView("Clip 2", VIMEO, False),))])
    row = rows(panel)[0]

    assert row.open_button is None
    assert row.findChildren(QPushButton) == []
    assert row.status.text() == "not allowed — not opened"
    assert row.url.text() == VIMEO
    for target in (row, row.label, row.url, row.status):
        qtbot.mouseDClick(target, Qt.MouseButton.LeftButton)
        qtbot.keyClick(target, Qt.Key.Key_Return)
        qtbot.keyClick(target, Qt.Key.Key_Enter)
        qtbot.keyClick(target, Qt.Key.Key_Space)
    assert row.open() is False

    assert opener.urls == []


def test_allowed_and_refused_links_side_by_side(panel: EntryPanel, opener: Opener) -> None:
    panel.show_entries(
        [
            entry(
                1,
                videos=(VideoView("Clip 1", YOUTUBE, True), VideoView("Clip 2", VIMEO, False)),
            )
        ]
    )
    allowed, refused = rows(panel)

    assert allowed.open_button is not None
    allowed.open_button.click()
    assert refused.open() is False
    assert [url.toString() for url in opener.urls] == [YOUTUBE]


def test_video_labels_are_plain_text(panel: EntryPanel) -> None:
    panel.show_entries([entry(1, videos=(VideoView("<i>Clip</i> &amp;", YOUTUBE, True),))])
    label = rows(panel)[0].label

    assert label.textFormat() == Qt.TextFormat.PlainText
    assert label.text() == "<i>Clip</i> &amp;"


def test_an_address_qt_cannot_parse_strictly_is_not_opened(
    panel: EntryPanel, opener: Opener
) -> None:
    bad = "https://www.youtube.com/watch?v=%zz"
    panel.show_entries([entry(1, videos=(VideoView("Clip", bad, True),))])
    row = rows(panel)[0]

    assert row.open() is False
    assert opener.urls == []
    assert "not opened" in row.status.text()


def test_a_failed_open_says_so(qtbot: QtBot) -> None:
    failing = Opener(result=False)
    panel = EntryPanel(open_url=failing)
    qtbot.addWidget(panel)
    panel.show_entries([entry(1, videos=(VideoView("Clip", YOUTUBE, True),))])
    row = page(panel).video_rows[0]

    assert row.open() is False
    assert len(failing.urls) == 1
    assert "could not open" in row.status.text()


def test_entries_without_videos_show_no_video_list(panel: EntryPanel) -> None:
    panel.show_entries([entry(1)])

    assert page(panel).video_rows == []
    assert page(panel).findChildren(_VideoRow) == []


# --- find -----------------------------------------------------------------------------------


def open_find(panel: EntryPanel, qtbot: QtBot, query: str) -> None:
    panel.show_find()
    assert panel._find_bar.isVisible()
    qtbot.keyClicks(panel._find_field, query)


def test_find_highlights_every_match_case_insensitively(panel: EntryPanel, qtbot: QtBot) -> None:
    panel.show_entries([entry(1, COACH_TEXT)])

    open_find(panel, qtbot, "coach")

    selections = view(panel).extraSelections()
    assert COACH_COUNT == 5
    assert len(selections) == COACH_COUNT
    assert {s.cursor.selectedText().lower() for s in selections} == {"coach"}
    assert panel._find_count.text() == f"1 of {COACH_COUNT}"
    # The current match is drawn differently from the others.
    backgrounds = [s.format.background().color().name() for s in selections]
    assert len(set(backgrounds)) == 2
    assert backgrounds.count(backgrounds[0]) == 1


def test_enter_and_shift_enter_step_through_matches(panel: EntryPanel, qtbot: QtBot) -> None:
    panel.show_entries([entry(1, COACH_TEXT)])
    open_find(panel, qtbot, "coach")
    starts = [s.cursor.selectionStart() for s in view(panel).extraSelections()]
    assert view(panel).textCursor().position() == starts[0]

    qtbot.keyClick(panel._find_field, Qt.Key.Key_Return)
    assert view(panel).textCursor().position() == starts[1]
    assert panel._find_count.text() == f"2 of {COACH_COUNT}"

    qtbot.keyClick(panel._find_field, Qt.Key.Key_Return, Qt.KeyboardModifier.ShiftModifier)
    qtbot.keyClick(panel._find_field, Qt.Key.Key_Return, Qt.KeyboardModifier.ShiftModifier)
    # Back past the first match wraps to the last.
    assert view(panel).textCursor().position() == starts[-1]
    assert panel._find_count.text() == f"{COACH_COUNT} of {COACH_COUNT}"


def test_f3_steps_from_the_text_too(panel: EntryPanel, qtbot: QtBot) -> None:
    panel.show_entries([entry(1, COACH_TEXT)])
    open_find(panel, qtbot, "coach")
    text = view(panel)
    text.setFocus()

    qtbot.keyClick(text, Qt.Key.Key_F3)
    assert panel._find_count.text() == f"2 of {COACH_COUNT}"
    qtbot.keyClick(text, Qt.Key.Key_F3, Qt.KeyboardModifier.ShiftModifier)
    assert panel._find_count.text() == f"1 of {COACH_COUNT}"


def test_escape_closes_the_find_bar_and_clears_the_highlights(
    panel: EntryPanel, qtbot: QtBot
) -> None:
    panel.show_entries([entry(1, COACH_TEXT)])
    open_find(panel, qtbot, "coach")

    qtbot.keyClick(panel._find_field, Qt.Key.Key_Escape)

    assert not panel._find_bar.isVisible()
    assert view(panel).extraSelections() == []


def test_ctrl_f_in_the_text_opens_the_find_bar(panel: EntryPanel, qtbot: QtBot) -> None:
    panel.show_entries([entry(1, COACH_TEXT)])
    text = view(panel)
    text.setFocus()

    qtbot.keyClick(text, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)

    assert panel._find_bar.isVisible()
    assert panel._find_field.hasFocus()


def test_find_with_no_matches_says_so(panel: EntryPanel, qtbot: QtBot) -> None:
    panel.show_entries([entry(1, COACH_TEXT)])

    open_find(panel, qtbot, "mentor")

    assert panel._find_count.text() == "No matches"
    assert view(panel).extraSelections() == []
    assert not panel._find_next.isEnabled()


def test_switching_tabs_runs_the_find_again(panel: EntryPanel, qtbot: QtBot) -> None:
    panel.show_entries([entry(1, COACH_TEXT), entry(2, "One coach here.")])
    open_find(panel, qtbot, "coach")

    panel.next_entry()

    assert panel._find_count.text() == "1 of 1"
    assert len(view(panel, 1).extraSelections()) == 1
    assert view(panel, 0).extraSelections() == []


def test_find_starts_from_the_part_of_the_text_in_view(panel: EntryPanel, qtbot: QtBot) -> None:
    paragraphs = [f"Paragraph {n}: the coach and the teacher." for n in range(400)]
    panel.show_entries([entry(1, "\n".join(paragraphs))])
    text = view(panel)
    bar = text.verticalScrollBar()
    bar.setValue(bar.maximum() // 2)
    top = text.cursorForPosition(QPoint(0, 0)).position()
    assert top > 0

    open_find(panel, qtbot, "coach")

    assert text.textCursor().position() >= top
    assert panel._find_count.text() != "1 of 400"


def test_find_on_a_20000_word_entry_is_quick(panel: EntryPanel, qtbot: QtBot) -> None:
    sentence = "The coach and the teacher looked at the student work together. "
    text = "\n\n".join(sentence * 20 for _ in range(160))  # 11 words a sentence: 35,200 words
    panel.show_entries([entry(1, text)])
    panel.show_find()

    started = time.perf_counter()
    panel._find_field.setText("the")
    elapsed = time.perf_counter() - started

    expected = text.lower().count("the")
    assert len(view(panel).extraSelections()) == expected
    assert panel._find_count.text() == f"1 of {expected:,}"
    assert elapsed < 1.0


# --- selection and passages -----------------------------------------------------------------


def test_selection_reports_entry_offsets_and_text(panel: EntryPanel) -> None:
    panel.show_entries([entry(1, "Unrelated."), entry(2, COACH_TEXT)])
    panel.set_current_entry(2)
    assert panel.selection() is None

    text = view(panel)
    cursor = text.textCursor()
    start = COACH_TEXT.index("Coaching")
    cursor.setPosition(start)
    cursor.setPosition(start + len("Coaching began"), QTextCursor.MoveMode.KeepAnchor)
    text.setTextCursor(cursor)

    assert panel.selection() == (2, start, start + 14, "Coaching began")


def test_selection_across_paragraphs_has_plain_newlines(panel: EntryPanel) -> None:
    panel.show_entries([entry(1, COACH_TEXT)])
    text = view(panel)
    cursor = text.textCursor()
    cursor.setPosition(0)
    cursor.setPosition(40, QTextCursor.MoveMode.KeepAnchor)
    text.setTextCursor(cursor)

    assert panel.selection() == (1, 0, 40, COACH_TEXT[:40])


def test_show_passage_selects_the_span_on_its_entry(panel: EntryPanel, qtbot: QtBot) -> None:
    long_text = "\n".join(f"Line {n} of the reflection." for n in range(300)) + COACH_TEXT
    panel.show_entries([entry(1, "First."), entry(2, long_text)])
    start = long_text.index("Coaching began")
    end = start + len("Coaching began")

    with qtbot.waitSignal(panel.currentEntryChanged) as shown:
        panel.show_passage(2, start, end)

    assert shown.args == [2]
    assert panel.selection() == (2, start, end, "Coaching began")
    text = view(panel)
    # Scrolled to it: the passage is inside the visible part of the text.
    assert text.viewport().rect().contains(text.cursorRect())


def test_show_passage_refuses_an_unknown_entry(panel: EntryPanel) -> None:
    panel.show_entries([entry(1)])

    with pytest.raises(ValueError, match="5"):
        panel.show_passage(5, 0, 3)


# --- font size ------------------------------------------------------------------------------


def test_font_size_clamps_and_applies_to_every_tab(panel: EntryPanel, qtbot: QtBot) -> None:
    panel.show_entries([entry(1), entry(2), entry(3)])
    assert panel.font_point_size() == 12

    with qtbot.waitSignal(panel.fontSizeChanged) as changed:
        panel.set_font_point_size(99)
    assert changed.args == [MAX_POINT_SIZE]
    assert panel.font_point_size() == MAX_POINT_SIZE

    panel.set_font_point_size(2)
    assert panel.font_point_size() == MIN_POINT_SIZE
    for index in range(3):
        assert view(panel, index).font().pointSizeF() == MIN_POINT_SIZE


def test_zoom_steps_one_point_and_new_tabs_use_the_size(panel: EntryPanel) -> None:
    panel.show_entries([entry(1)])
    panel.zoom_in()
    panel.zoom_in()
    panel.zoom_out()
    assert panel.font_point_size() == 13

    panel.show_entries([entry(1, "Next candidate"), entry(2)])
    assert view(panel, 1).font().pointSizeF() == 13


def test_setting_the_same_size_does_not_signal(panel: EntryPanel, qtbot: QtBot) -> None:
    with qtbot.assertNotEmitted(panel.fontSizeChanged):
        panel.set_font_point_size(12)


def wheel(
    target: QWidget,
    at: QPoint,
    steps: int,
    modifiers: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier,
) -> None:
    event = QWheelEvent(
        QPointF(at),
        QPointF(target.mapToGlobal(at)),
        QPoint(0, 0),
        QPoint(0, 120 * steps),
        Qt.MouseButton.NoButton,
        modifiers,
        Qt.ScrollPhase.NoScrollPhase,
        False,
    )
    QApplication.sendEvent(target, event)


def test_ctrl_wheel_zooms_every_tab_not_just_one(panel: EntryPanel) -> None:
    panel.show_entries([entry(1, COACH_TEXT), entry(2)])
    text = view(panel)

    wheel(text.viewport(), QPoint(20, 20), 1, Qt.KeyboardModifier.ControlModifier)

    assert panel.font_point_size() == 13
    assert view(panel, 0).font().pointSizeF() == 13
    assert view(panel, 1).font().pointSizeF() == 13


def test_the_wheel_beside_the_column_scrolls_the_text(panel: EntryPanel, qtbot: QtBot) -> None:
    panel.show_entries([entry(1, "\n".join(f"Line {n}." for n in range(500)))])
    panel.resize(1600, 700)
    text = view(panel)
    qtbot.waitUntil(lambda: text.viewportMargins().left() > 200)
    assert text.verticalScrollBar().value() == 0

    # In the left margin: outside the viewport, inside the text widget.
    wheel(text, QPoint(10, 100), -3)

    assert text.verticalScrollBar().value() > 0


@pytest.mark.parametrize(
    "text",
    [
        "Windows line ends:\r\nthe coach listened.\r\n\r\nThen the coach asked.",
        "An emoji 😀 and 𝑥 before the coach listened. Then the coach asked.",
        "Old Mac breaks:\rthe coach listened.\rThen the coach asked.",
    ],
)
def test_passages_are_placed_in_characters_of_the_entry_text(panel: EntryPanel, text: str) -> None:
    panel.show_entries([entry(1, text)])
    start = text.index("the coach listened")
    end = text.index("asked") + len("asked")

    panel.show_passage(1, start, end)
    shown = panel.selection()

    assert shown is not None
    number, got_start, got_end, quote = shown
    assert (number, got_start, got_end) == (1, start, end)
    assert quote == text[start:end]
    # And what Qt highlights is that same passage.
    selected = view(panel).textCursor().selectedText()
    assert selected.startswith("the coach listened")
    assert selected.endswith("asked")


def test_the_next_portfolio_is_read_from_its_top(panel: EntryPanel, qtbot: QtBot) -> None:
    long = "\n\n".join(f"Paragraph {i} of a long entry, " * 8 for i in range(200))
    panel.show_entries([entry(1, long)])
    bar = page(panel).view.verticalScrollBar()
    qtbot.waitUntil(lambda: bar.maximum() > 0)
    bar.setValue(bar.maximum() // 2)

    panel.show_entries([entry(1, long + " Another candidate.")])

    assert page(panel).view.verticalScrollBar().value() == 0
