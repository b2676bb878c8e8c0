"""The centre of the scorer's window: a portfolio's entries, one tab each, to read for hours.

Everything an entry holds was written by a candidate and is untrusted: the text only ever goes
through `setPlainText`, labels and links are plain-text widgets, tooltips go through `plain_tip`,
and a video link opens only when the rubric's link policy allowed it (`VideoView.allowed`) and the
policy, asked again on the parts of the strictly parsed `QUrl` that is opened (`checked_link`),
still does.

The text lives in a read-only `QTextEdit` rather than a `QPlainTextEdit`: the plain-text layout
ignores `QTextBlockFormat.setLineHeight`, and comfortable line spacing matters more here than the
plain layout's speed on huge documents (a 20,000-word entry still lays out in about 20 ms).

Keyboard: the window is expected to bind Ctrl+F to `show_find`; when nothing above claims it, the
panel handles Find, Find next/previous (F3 / Shift+F3), Escape and zoom keys itself, as key
presses that its children leave unhandled.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable, Sequence
from itertools import accumulate

from PySide6.QtCore import QEvent, QPoint, Qt, QUrl, Signal
from PySide6.QtGui import (
    QColor,
    QDesktopServices,
    QFont,
    QFontDatabase,
    QFontMetricsF,
    QKeyEvent,
    QKeySequence,
    QPalette,
    QResizeEvent,
    QTextBlockFormat,
    QTextCharFormat,
    QTextCursor,
    QTextOption,
    QWheelEvent,
)
from PySide6.QtWidgets import (
    QApplication,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSizePolicy,
    QStackedWidget,
    QTabWidget,
    QTextEdit,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from icg_desk.operations.batch_work import EntryView, VideoView
from icg_desk.scoring.links import LinkParts
from icg_desk.ui import palette as palettes
from icg_desk.ui.find_bar import FindBar
from icg_desk.ui.palette import Palette
from icg_desk.ui.plain_text import mnemonic_free, plain_tip
from icg_desk.ui.rubric_panel import HistoryKeysToWindow
from icg_desk.ui.style import appearance
from icg_desk.ui.style import muted as _muted

DEFAULT_POINT_SIZE = 12.0
MIN_POINT_SIZE = 8.0
MAX_POINT_SIZE = 32.0
LINE_HEIGHT_PERCENT = 135
# Long lines tire the eye on a wide screen: the text is held to a centred column this wide.
READING_COLUMN_CHARS = 80
_MIN_SIDE_MARGIN = 20
# Average letter width is measured on ordinary prose, not on "x" or "M", so the column holds
# about READING_COLUMN_CHARS characters of real text.
_MEASURE_SAMPLE = (
    "The coach and the teacher set a student-focused goal, then checked progress weekly."
)

# Fonts drawn for reading on screens, first found wins; the system font if none is installed.
_READING_FAMILIES = (
    "Charter",
    "Georgia",
    "Cambria",
    "Source Serif 4",
    "Source Serif Pro",
    "Noto Serif",
    "DejaVu Serif",
)


def over_limit_stylesheet(p: Palette) -> str:
    return (
        f"QLabel {{ color: {p.warning}; background: {p.over_limit_surface}; "
        "border-radius: 4px; padding: 1px 8px; }"
    )


def word_count_text(words: int, max_words: int) -> str:
    """'2,485 words · limit 3,000'; the limit is left out when the rubric sets none."""
    count = f"{words:,} word" + ("" if words == 1 else "s")
    return f"{count} · limit {max_words:,}" if max_words > 0 else count


def over_limit_text(words: int, max_words: int) -> str | None:
    if max_words <= 0 or words <= max_words:
        return None
    return f"Over the {max_words:,}-word limit by {words - max_words:,}"


class _Offsets:
    """Converts between places in the entry text and positions in its Qt document.

    Evidence is stored "in characters of the entry text" (Python indexes), but Qt counts UTF-16
    units and makes one paragraph break of CR LF; an emoji or a Windows line ending would
    otherwise shift every passage after it.
    """

    def __init__(self, text: str) -> None:
        self._length = len(text)
        self._before: list[int] | None = None  # Qt position of each text index; None: the same
        if "\r" not in text and len(text.encode("utf-16-le")) == 2 * len(text):
            return
        # A CR before an LF takes no position: the LF's is the paragraph break's.
        units = [
            0 if ch == "\r" and text[i + 1 : i + 2] == "\n" else 2 if ord(ch) > 0xFFFF else 1
            for i, ch in enumerate(text)
        ]
        self._before = [0, *accumulate(units)]

    def to_document(self, index: int) -> int:
        index = min(max(index, 0), self._length)
        return index if self._before is None else self._before[index]

    def to_text(self, position: int) -> int:
        if self._before is None:
            return min(max(position, 0), self._length)
        return min(bisect_left(self._before, position), self._length)


def _reading_font(point_size: float) -> QFont:
    installed = set(QFontDatabase.families())
    # Asking Qt for a family that is not installed costs a slow alias scan and logs a warning,
    # so only installed names are ever requested.
    family = next((f for f in _READING_FAMILIES if f in installed), None)
    font = QFont(family) if family else QFont()
    if not family:
        font.setStyleHint(QFont.StyleHint.Serif)
    font.setPointSizeF(point_size)
    return font


class _ReadingView(QTextEdit):
    """Read-only entry text in a centred column of comfortable width."""

    zoomRequested = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setReadOnly(True)
        self.setAcceptRichText(False)
        self.setUndoRedoEnabled(False)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setLineWrapMode(QTextEdit.LineWrapMode.WidgetWidth)
        # A pasted URL with no spaces must wrap too, not push the column sideways.
        self.setWordWrapMode(QTextOption.WrapMode.WrapAtWordBoundaryOrAnywhere)
        # Keyboard selection lets a scorer pick out evidence without the mouse.
        self.setTextInteractionFlags(
            Qt.TextInteractionFlag.TextSelectableByMouse
            | Qt.TextInteractionFlag.TextSelectableByKeyboard
        )
        # A passage shown from the rubric panel stays visibly selected while focus is over there.
        palette = self.palette()
        for role in (QPalette.ColorRole.Highlight, QPalette.ColorRole.HighlightedText):
            palette.setColor(
                QPalette.ColorGroup.Inactive, role, palette.color(QPalette.ColorGroup.Active, role)
            )
        self.setPalette(palette)
        self.document().setDocumentMargin(4)

    def set_text(self, text: str) -> None:
        # Typed in with the line height already set: every new block takes the format of the one
        # before, in one pass (setPlainText and then a format over the whole text is two).
        document = self.document()
        document.clear()
        cursor = QTextCursor(document)
        block = QTextBlockFormat()
        block.setLineHeight(
            LINE_HEIGHT_PERCENT, QTextBlockFormat.LineHeightTypes.ProportionalHeight.value
        )
        cursor.setBlockFormat(block)
        cursor.insertText(text)
        self.setTextCursor(QTextCursor(document))

    def set_side_margins(self, side: int) -> None:
        if self.viewportMargins().left() != side:
            self.setViewportMargins(side, 0, side, 0)

    def column_width(self) -> float:
        metrics = QFontMetricsF(self.font())
        per_char = metrics.horizontalAdvance(_MEASURE_SAMPLE) / len(_MEASURE_SAMPLE)
        return per_char * READING_COLUMN_CHARS + 2 * self.document().documentMargin()

    def first_visible_position(self) -> int:
        return self.cursorForPosition(QPoint(0, 0)).position()

    def event(self, event: QEvent) -> bool:
        # The side margins are outside the viewport, where Qt drops wheel events; a scorer
        # scrolling with the pointer beside the column expects the text to move.
        if isinstance(event, QWheelEvent):
            self.wheelEvent(event)
            return True
        return super().event(event)

    def wheelEvent(self, event: QWheelEvent) -> None:
        # QTextEdit zooms its own font on Ctrl+wheel; the panel keeps one size for all tabs.
        if event.modifiers() & Qt.KeyboardModifier.ControlModifier:
            step = event.angleDelta().y()
            if step:
                self.zoomRequested.emit(1 if step > 0 else -1)
            event.accept()
            return
        super().wheelEvent(event)


def checked_link(video: VideoView) -> tuple[QUrl | None, str]:
    """The address to open for `video`, parsed strictly, and None with the reason when it is not
    to be opened. The policy judges the parts of this very `QUrl`, the one that is opened."""
    if not video.allowed:
        return None, "it is not on the rubric's list of video links ICG Desk opens"
    url = QUrl(video.url, QUrl.ParsingMode.StrictMode)
    if not url.isValid():
        return None, "it is not a valid address"
    encoded = QUrl.ComponentFormattingOption.FullyEncoded
    port = url.port()
    parts = LinkParts(
        scheme=url.scheme(),
        userinfo=url.userInfo(encoded),
        host=url.host(encoded),
        port=None if port < 0 else port,
        path=url.path(encoded),
        query=url.query(encoded),
        fragment=url.fragment(encoded),
    )
    refusal = video.policy.refusal(video.url, parts)
    if refusal is not None:
        return None, refusal
    return url, ""


class _VideoRow(QWidget):
    """One video link: its label, the URL as plain text, and Open only when allowed."""

    def __init__(
        self, video: VideoView, open_url: Callable[[QUrl], bool], parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.video = video
        self._open_url = open_url
        # Label above its address, the button beside both: in a narrow centre column neither the
        # label nor the address is cut to a few letters.
        layout = QGridLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setHorizontalSpacing(10)
        layout.setVerticalSpacing(0)
        layout.setColumnStretch(0, 1)

        self.label = QLabel(video.label)
        self.label.setTextFormat(Qt.TextFormat.PlainText)
        self.label.setWordWrap(True)
        font = self.label.font()
        font.setWeight(QFont.Weight.DemiBold)
        self.label.setFont(font)

        # A read-only line edit shows the URL strictly as text, scrolls when it is long and lets
        # a scorer copy it, which a link label would not.
        self.url = QLineEdit(video.url)
        self.url.setReadOnly(True)
        self.url.setFrame(False)
        self.url.setCursorPosition(0)
        self.url.setFocusPolicy(Qt.FocusPolicy.ClickFocus)
        self.url.setAccessibleName(f"Address of {video.label}")
        palette = self.url.palette()
        palette.setColor(QPalette.ColorRole.Base, QColor(Qt.GlobalColor.transparent))
        self.url.setPalette(palette)
        _muted(self.url, 0.7)

        layout.addWidget(self.label, 0, 0)
        layout.addWidget(self.url, 1, 0)
        side = QHBoxLayout()
        side.setSpacing(6)
        layout.addLayout(side, 0, 1, 2, 1, Qt.AlignmentFlag.AlignVCenter)

        self.open_button: QPushButton | None = None
        self.status = QLabel()
        self.status.setTextFormat(Qt.TextFormat.PlainText)
        # Decided on the parsed address, as open() decides: no button for a link that the
        # strict parse or the policy would refuse at the moment of opening.
        url, why_not = checked_link(video)
        if url is not None:
            self.open_button = QPushButton("Open")
            self.open_button.setAutoDefault(True)  # Enter on the focused button opens, too
            self.open_button.setToolTip("Open this video in the browser")
            self.open_button.setAccessibleName(f"Open {video.label}")
            self.open_button.clicked.connect(self.open)
            self.status.hide()
            side.addWidget(self.status)
            side.addWidget(self.open_button)
        else:
            self.status.setText("not allowed — not opened")
            font = self.status.font()
            font.setItalic(True)
            self.status.setFont(font)
            self.setToolTip(plain_tip(f"ICG Desk will not open this link: {why_not}."))
            _muted(self.label, 0.45)
            _muted(self.url, 0.45)
            _muted(self.status, 0.62)
            side.addWidget(self.status)

    def open(self) -> bool:
        # The one door to the browser: the policy is checked here, on the parsed address that
        # is handed over, not only by hiding a button.
        url, _why_not = checked_link(self.video)
        if url is None:
            self._say("not allowed — not opened")
            return False
        if not self._open_url(url):
            self._say("could not open — copy the address instead")
            return False
        self.status.hide()
        return True

    def _say(self, message: str) -> None:
        self.status.setText(message)
        self.status.show()


class _EntryPage(QWidget):
    """One tab: the counts, any video links, and the text."""

    def __init__(
        self,
        entry: EntryView,
        font: QFont,
        open_url: Callable[[QUrl], bool],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.entry = entry
        self.offsets = _Offsets(entry.text)
        self._open_url = open_url
        self.setBackgroundRole(QPalette.ColorRole.Base)
        self.setAutoFillBackground(True)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)

        self.header = QWidget()
        # Its side margins follow the column; counted into the minimum width they would pin the
        # panel at the widest width it has had.
        self.header.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self._header_layout = QVBoxLayout(self.header)
        self._header_layout.setSpacing(8)

        counts = QHBoxLayout()
        counts.setSpacing(12)
        self.count_label = QLabel()
        self.count_label.setTextFormat(Qt.TextFormat.PlainText)
        _muted(self.count_label)
        counts.addWidget(self.count_label)
        self.warning_label = QLabel()
        self.warning_label.setTextFormat(Qt.TextFormat.PlainText)
        self.warning_label.setStyleSheet(over_limit_stylesheet(palettes.current()))
        appearance().changed.connect(self._restyle)
        counts.addWidget(self.warning_label)
        counts.addStretch(1)
        self._header_layout.addLayout(counts)

        self.videos = QWidget()
        self._videos_layout = QVBoxLayout(self.videos)
        self._videos_layout.setContentsMargins(0, 0, 0, 0)
        self._videos_layout.setSpacing(2)
        heading = QLabel("Video links")
        heading.setTextFormat(Qt.TextFormat.PlainText)
        _muted(heading)
        self._videos_layout.addWidget(heading)
        self.video_rows: list[_VideoRow] = []
        self._header_layout.addWidget(self.videos)

        rule = QFrame()
        rule.setFrameShape(QFrame.Shape.HLine)
        rule.setFrameShadow(QFrame.Shadow.Plain)
        _muted(rule, 0.15)
        self._header_layout.addWidget(rule)

        self.view = _ReadingView()
        self.view.setFont(font)

        layout.addWidget(self.header)
        layout.addWidget(self.view, 1)
        # The scroll bar comes and goes with the text's height; the column stays centred.
        self.view.verticalScrollBar().rangeChanged.connect(self.fit_column)
        # Every widget has its parent by now: none of them can open as a window of its own,
        # which would take the active window (and the scorer's keys) away.
        self.show_entry(entry, force=True)

    def show_entry(self, entry: EntryView, *, force: bool = False, text_now: bool = True) -> None:
        """Show another entry in this page: the next portfolio reuses the pages it has, which
        is faster than building new ones and leaves the window's layout as it was. A page not
        in view takes its text (laid out, the costly part) when it comes into view."""
        if entry == self.entry and not force:
            return
        self.entry = entry
        self.offsets = _Offsets(entry.text)
        self.count_label.setText(word_count_text(entry.words, entry.max_words))
        warning = over_limit_text(entry.words, entry.max_words) or ""
        self.warning_label.setText(warning)
        self.warning_label.setVisible(bool(warning))
        if force or tuple(r.video for r in self.video_rows) != entry.videos:
            self._show_videos(entry.videos)
        self.view.setAccessibleName(f"Entry {entry.number} text")
        self._text_shown = False
        if text_now:
            self.ensure_text()

    def ensure_text(self) -> None:
        if not self._text_shown:
            self._text_shown = True
            self.view.set_text(self.entry.text)
            self.fit_column()

    def _show_videos(self, videos: tuple[VideoView, ...]) -> None:
        for row in self.video_rows:
            row.hide()
            row.setParent(None)  # out of the page now, not at the next turn of the event loop
            row.deleteLater()
        self.video_rows = []
        for video in videos:
            row = _VideoRow(video, self._open_url)
            self.video_rows.append(row)
            self._videos_layout.addWidget(row)
        self.videos.setVisible(bool(videos))

    def _restyle(self) -> None:
        self.warning_label.setStyleSheet(over_limit_stylesheet(palettes.current()))

    def set_reading_font(self, font: QFont) -> None:
        self.view.setFont(font)
        self.fit_column()

    def fit_column(self) -> None:
        bar = self.view.verticalScrollBar()
        bar_width = bar.sizeHint().width() if bar.isVisibleTo(self.view) else 0
        available = self.width() - bar_width
        side = max(_MIN_SIDE_MARGIN, int((available - self.view.column_width()) / 2))
        self.view.set_side_margins(side)
        # The header lines up with the text column, not with the window edges.
        inner = side + int(self.view.document().documentMargin())
        self._header_layout.setContentsMargins(inner, 14, inner + bar_width, 10)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self.fit_column()

    def find_all(self, query: str) -> list[QTextCursor]:
        # QTextDocument.find works in the document's own positions (UTF-16, the same ones
        # selection() reports) and is case-insensitive without FindCaseSensitively.
        document = self.view.document()
        found: list[QTextCursor] = []
        cursor = QTextCursor(document)
        while True:
            cursor = document.find(query, cursor)
            if cursor.isNull():
                return found
            found.append(cursor)


class EntryPanel(QWidget):
    """A portfolio's entries in tabs, with word counts, video links and find in text."""

    currentEntryChanged = Signal(int)
    fontSizeChanged = Signal(float)

    def __init__(
        self,
        parent: QWidget | None = None,
        *,
        open_url: Callable[[QUrl], bool] | None = None,
    ) -> None:
        super().__init__(parent)
        self._open_url: Callable[[QUrl], bool] = open_url or QDesktopServices.openUrl
        self._font = _reading_font(DEFAULT_POINT_SIZE)
        self._entries: tuple[EntryView, ...] = ()
        self._pages: list[_EntryPage] = []
        self._find_page: _EntryPage | None = None
        self._matches: list[QTextCursor] = []
        self._current_match = -1

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)

        self._stack = QStackedWidget()
        self._placeholder = self._build_placeholder()
        self._tabs = QTabWidget()
        self._tabs.setDocumentMode(True)
        self._tabs.setElideMode(Qt.TextElideMode.ElideRight)
        self._tabs.setUsesScrollButtons(True)
        self._tabs.currentChanged.connect(self._on_tab_changed)
        self._stack.addWidget(self._placeholder)
        self._stack.addWidget(self._tabs)
        layout.addWidget(self._stack, 1)

        self._find_bar = FindBar("Find in this entry")
        self._find_bar.hide()
        self._find_bar.searchChanged.connect(self._on_query_changed)
        self._find_bar.findNext.connect(lambda: self._step(1))
        self._find_bar.findPrevious.connect(lambda: self._step(-1))
        self._find_bar.closed.connect(self._on_find_closed)
        # Ctrl+Z there is the window's Undo too: the scoring history, from anywhere.
        self._history_keys = HistoryKeysToWindow(self)
        self._find_bar.field.installEventFilter(self._history_keys)
        layout.addWidget(self._find_bar)

    # The find bar's parts by their names from before it was a widget of its own.

    @property
    def _find_field(self) -> QLineEdit:
        return self._find_bar.field

    @property
    def _find_count(self) -> QLabel:
        return self._find_bar.count_label

    @property
    def _find_next(self) -> QToolButton:
        return self._find_bar.next_button

    @property
    def _find_previous(self) -> QToolButton:
        return self._find_bar.previous_button

    # --- building ----------------------------------------------------------------------------

    def _build_placeholder(self) -> QWidget:
        page = QWidget()
        box = QVBoxLayout(page)
        box.addStretch(1)
        title = QLabel("No portfolio open")
        font = title.font()
        font.setPointSizeF(font.pointSizeF() * 1.3)
        title.setFont(font)
        hint = QLabel("Choose a portfolio in the batch list to read its entries.")
        for label in (title, hint):
            label.setAlignment(Qt.AlignmentFlag.AlignCenter)
            label.setWordWrap(True)
            _muted(label)
            box.addWidget(label)
        box.addStretch(2)
        return page

    # --- entries -----------------------------------------------------------------------------

    def show_entries(self, entries: Sequence[EntryView], current: int | None = None) -> None:
        """One tab per entry, entry `current` shown (else the same tab as before). Showing the
        same entries again keeps the reading position."""
        entries = tuple(entries)
        if entries == self._entries and self._pages:
            if current is not None:
                self.set_current_entry(current)
            return
        keep_index = max(self._tabs.currentIndex(), 0)
        if current is not None:
            keep_index = next((i for i, e in enumerate(entries) if e.number == current), 0)
        focused = QApplication.focusWidget()
        if focused is not None and self._tabs.isAncestorOf(focused):
            # Parked on the panel while the pages change, so that Qt does not hand focus to
            # whatever widget comes next in the window (a rationale, say).
            self.setFocus(Qt.FocusReason.OtherFocusReason)
        self._forget_matches()
        if len(entries) != len(self._pages):
            self._remove_pages()
        self._entries = entries
        if not entries:
            self._show_placeholder()
            return
        # The rebuild passes through indexes that mean nothing to listeners: one signal at the end.
        self._tabs.blockSignals(True)
        try:
            for index, entry in enumerate(entries):
                if index < len(self._pages):
                    self._pages[index].show_entry(entry, text_now=index == keep_index)
                    self._tabs.setTabText(index, self._tab_title(entry))
                else:
                    page = _EntryPage(entry, self._font, self._open_url)
                    page.view.zoomRequested.connect(self._zoom_by)
                    self._pages.append(page)
                    self._tabs.addTab(page, self._tab_title(entry))
                self._tabs.setTabToolTip(index, plain_tip(entry.title))
            self._tabs.setCurrentIndex(keep_index if keep_index < len(entries) else 0)
        finally:
            self._tabs.blockSignals(False)
        self._stack.setCurrentWidget(self._tabs)
        self._on_tab_changed(self._tabs.currentIndex())

    def clear(self) -> None:
        self._remove_pages()
        self._entries = ()
        self._show_placeholder()

    def _show_placeholder(self) -> None:
        # Nothing to search; the query stays in the field for the next portfolio.
        self._find_bar.hide()
        self._stack.setCurrentWidget(self._placeholder)

    def _remove_pages(self) -> None:
        self._forget_matches()
        self._tabs.blockSignals(True)
        try:
            while self._tabs.count():
                page = self._tabs.widget(0)
                self._tabs.removeTab(0)
                if page is not None:
                    page.deleteLater()
        finally:
            self._tabs.blockSignals(False)
        self._pages = []

    @staticmethod
    def _tab_title(entry: EntryView) -> str:
        # A bare & in a tab title would become a keyboard mnemonic and vanish.
        return mnemonic_free(f"Entry {entry.number}: {entry.title}")

    def _page(self) -> _EntryPage | None:
        index = self._tabs.currentIndex()
        if not 0 <= index < len(self._pages):
            return None
        page = self._pages[index]
        page.ensure_text()  # every use of a page's text goes through here
        return page

    def _page_for(self, number: int) -> int:
        for index, page in enumerate(self._pages):
            if page.entry.number == number:
                return index
        raise ValueError(f"there is no entry {number} in this portfolio")

    def current_entry(self) -> int | None:
        page = self._page()
        return page.entry.number if page else None

    def set_current_entry(self, number: int) -> None:
        self._tabs.setCurrentIndex(self._page_for(number))

    def next_entry(self) -> None:
        if self._pages:
            self._tabs.setCurrentIndex((self._tabs.currentIndex() + 1) % len(self._pages))

    def previous_entry(self) -> None:
        if self._pages:
            self._tabs.setCurrentIndex((self._tabs.currentIndex() - 1) % len(self._pages))

    def focus_text(self) -> None:
        """Focus the current entry's text (the panel itself when no portfolio is shown)."""
        page = self._page()
        target: QWidget = page.view if page is not None else self
        target.setFocus(Qt.FocusReason.OtherFocusReason)

    def _on_tab_changed(self, index: int) -> None:
        page = self._page()
        if page is None:
            return
        focused = QApplication.focusWidget()
        if focused is self or (focused is not None and self._tabs.isAncestorOf(focused)):
            page.view.setFocus(Qt.FocusReason.OtherFocusReason)  # the text, not a video button
        if self._find_bar.isVisible():
            self._run_find(anchor=None)
        self.currentEntryChanged.emit(page.entry.number)

    # --- selection and evidence --------------------------------------------------------------

    def selection(self) -> tuple[int, int, int, str] | None:
        """(entry number, start, end, text): start and end index the entry's own text."""
        page = self._page()
        if page is None:
            return None
        cursor = page.view.textCursor()
        if not cursor.hasSelection():
            return None
        start = page.offsets.to_text(cursor.selectionStart())
        end = page.offsets.to_text(cursor.selectionEnd())
        # Sliced from the entry rather than selectedText(), which turns line breaks into U+2029.
        return page.entry.number, start, end, page.entry.text[start:end]

    def show_passage(self, entry_number: int, start: int, end: int) -> None:
        """Select and show a passage given as selection() gave it."""
        self.set_current_entry(entry_number)
        page = self._page()
        assert page is not None
        view = page.view
        start, end = sorted((page.offsets.to_document(start), page.offsets.to_document(end)))
        # The caret goes to the start so that a long passage is shown from its beginning.
        cursor = QTextCursor(view.document())
        cursor.setPosition(end)
        cursor.setPosition(start, QTextCursor.MoveMode.KeepAnchor)
        view.setTextCursor(cursor)
        self._bring_into_view(view, cursor)

    @staticmethod
    def _bring_into_view(view: _ReadingView, cursor: QTextCursor) -> None:
        caret = QTextCursor(cursor)
        caret.clearSelection()
        rect = view.cursorRect(caret)
        bar = view.verticalScrollBar()
        bar.setValue(bar.value() + rect.center().y() - view.viewport().height() // 3)

    # --- typography --------------------------------------------------------------------------

    def font_point_size(self) -> float:
        return self._font.pointSizeF()

    def set_font_point_size(self, size: float) -> None:
        size = min(max(float(size), MIN_POINT_SIZE), MAX_POINT_SIZE)
        if size == self._font.pointSizeF():
            return
        self._font = QFont(self._font)
        self._font.setPointSizeF(size)
        for page in self._pages:
            page.set_reading_font(self._font)
        self.fontSizeChanged.emit(size)

    def zoom_in(self) -> None:
        self.set_font_point_size(self.font_point_size() + 1)

    def zoom_out(self) -> None:
        self.set_font_point_size(self.font_point_size() - 1)

    def _zoom_by(self, steps: int) -> None:
        self.set_font_point_size(self.font_point_size() + steps)

    # --- find --------------------------------------------------------------------------------

    def show_find(self) -> None:
        if not self._pages:
            return
        already_open = self._find_bar.isVisible()
        self._find_bar.open()
        if not already_open:
            self._run_find(anchor=None)

    def _on_find_closed(self) -> None:
        self._forget_matches()
        page = self._page()
        if page is not None:
            page.view.setFocus(Qt.FocusReason.OtherFocusReason)

    def _on_query_changed(self, _text: str) -> None:
        # Typing on from "coa" to "coac" stays on the match being looked at, as browsers do.
        anchor = None
        if 0 <= self._current_match < len(self._matches):
            anchor = self._matches[self._current_match].selectionStart()
        self._run_find(anchor)

    def _forget_matches(self) -> None:
        if self._find_page is not None and self._find_page in self._pages:
            self._find_page.view.setExtraSelections([])
        self._find_page = None
        self._matches = []
        self._current_match = -1

    def _run_find(self, anchor: int | None) -> None:
        self._forget_matches()
        page = self._page()
        query = self._find_bar.text()
        if page is None or not query:
            self._update_find_count()
            return
        self._find_page = page
        self._matches = page.find_all(query)
        if self._matches:
            # Start from what the scorer is looking at rather than jumping back to the top.
            if anchor is None:
                anchor = page.view.first_visible_position()
            self._current_match = next(
                (i for i, m in enumerate(self._matches) if m.selectionStart() >= anchor), 0
            )
            self._show_match()
        else:
            self._update_find_count()

    def _step(self, direction: int) -> None:
        if not self._find_bar.isVisible():
            self.show_find()
            return
        if not self._matches:
            return
        self._current_match = (self._current_match + direction) % len(self._matches)
        self._show_match()

    def _show_match(self) -> None:
        page = self._find_page
        if page is None or not self._matches:
            return
        view = page.view
        selections: list[QTextEdit.ExtraSelection] = []
        for index, match in enumerate(self._matches):
            selection = QTextEdit.ExtraSelection()
            selection.cursor = match
            selection.format = self._match_format(index == self._current_match)
            selections.append(selection)
        view.setExtraSelections(selections)

        match = self._matches[self._current_match]
        caret = QTextCursor(view.document())
        caret.setPosition(match.selectionStart())
        was_visible = view.viewport().rect().contains(view.cursorRect(caret))
        view.setTextCursor(caret)
        if not was_visible:
            self._bring_into_view(view, caret)
        self._update_find_count()

    @staticmethod
    def _match_format(current: bool) -> QTextCharFormat:
        # Find highlights set their own text colour too, so they stay legible on a dark palette.
        colours = palettes.current()
        text_format = QTextCharFormat()
        text_format.setBackground(
            QColor(colours.find_current if current else colours.find_highlight)
        )
        text_format.setForeground(QColor(colours.find_text))
        return text_format

    def _update_find_count(self) -> None:
        self._find_bar.show_count(self._current_match + 1, len(self._matches))

    # --- keys --------------------------------------------------------------------------------

    def keyPressEvent(self, event: QKeyEvent) -> None:
        # Reached only by keys the focused child left unhandled, and only when no window
        # shortcut took them first.
        if event.matches(QKeySequence.StandardKey.Find):
            self.show_find()
        elif event.matches(QKeySequence.StandardKey.FindNext):
            self._step(1)
        elif event.matches(QKeySequence.StandardKey.FindPrevious):
            self._step(-1)
        elif event.key() == Qt.Key.Key_Escape and self._find_bar.isVisible():
            self._find_bar.dismiss()
        elif event.matches(QKeySequence.StandardKey.ZoomIn):
            self.zoom_in()
        elif event.matches(QKeySequence.StandardKey.ZoomOut):
            self.zoom_out()
        else:
            super().keyPressEvent(event)
            return
        event.accept()
