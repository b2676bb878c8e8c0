"""The find bar under the entry text: a field, the match count, previous/next, and Done.

It was part of the entry panel; on its own it knows nothing of entries or documents. It says
what the person asked for (the text to find, next, previous, close) and shows the count it is
given, so the panel keeps the searching and a test drives the bar without any text to search.

Keys while the bar has focus: Enter / Shift+Enter and F3 / Shift+F3 step through the matches,
Escape closes. Other keys (Ctrl+F to select the query again, zoom) go on to the bar's parent.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeyEvent, QKeySequence
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QSizePolicy,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from icg_desk.ui.style import muted


class _FindField(QLineEdit):
    stepRequested = Signal(int)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            back = bool(event.modifiers() & Qt.KeyboardModifier.ShiftModifier)
            self.stepRequested.emit(-1 if back else 1)
            event.accept()
            return
        super().keyPressEvent(event)


class FindBar(QWidget):
    """A thin rule, then the find row. Hidden until `open()`; `dismiss()` hides it and says so."""

    searchChanged = Signal(str)  # the text to find, on every keystroke ("" when cleared)
    findNext = Signal()
    findPrevious = Signal()
    closed = Signal()  # by Done or Escape: the owner forgets its matches

    def __init__(self, placeholder: str = "Find", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        bar = QFrame()
        bar.setFrameShape(QFrame.Shape.NoFrame)
        bar.setAutoFillBackground(True)
        row = QHBoxLayout(bar)
        row.setContentsMargins(10, 6, 10, 6)
        row.setSpacing(6)

        self.field = _FindField()
        self.field.setPlaceholderText(placeholder)
        self.field.setAccessibleName(placeholder)
        self.field.setClearButtonEnabled(True)
        self.field.setMaximumWidth(320)
        self.field.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.field.textChanged.connect(self.searchChanged)
        self.field.stepRequested.connect(self._step)

        self.count_label = QLabel()
        self.count_label.setTextFormat(Qt.TextFormat.PlainText)
        self.count_label.setMinimumWidth(80)
        muted(self.count_label)

        self.previous_button = QToolButton()
        self.previous_button.setArrowType(Qt.ArrowType.UpArrow)
        self.previous_button.setToolTip("Previous match (Shift+Enter)")
        self.previous_button.setAccessibleName("Previous match")
        self.previous_button.clicked.connect(self.findPrevious)
        self.next_button = QToolButton()
        self.next_button.setArrowType(Qt.ArrowType.DownArrow)
        self.next_button.setToolTip("Next match (Enter)")
        self.next_button.setAccessibleName("Next match")
        self.next_button.clicked.connect(self.findNext)
        self.done_button = QToolButton()
        self.done_button.setText("Done")
        self.done_button.setAutoRaise(True)
        self.done_button.setToolTip("Close the find bar (Escape)")
        self.done_button.clicked.connect(self.dismiss)

        row.addWidget(self.field, 1)
        row.addWidget(self.count_label)
        row.addWidget(self.previous_button)
        row.addWidget(self.next_button)
        row.addStretch(1)
        row.addWidget(self.done_button)

        rule = QFrame()
        rule.setFrameShape(QFrame.Shape.HLine)
        rule.setFrameShadow(QFrame.Shadow.Plain)
        muted(rule, 0.15)
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(0)
        column.addWidget(rule)
        column.addWidget(bar)

    def text(self) -> str:
        return self.field.text()

    def open(self) -> None:
        """Show the bar with the query selected, so typing replaces it and Enter finds it again."""
        self.show()
        self.field.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.field.selectAll()

    def dismiss(self) -> None:
        self.hide()
        self.closed.emit()

    def show_count(self, current: int, total: int) -> None:
        """Match `current` (from 1) of `total`; "No matches" for none; nothing with no query."""
        if not self.field.text():
            self.count_label.setText("")
        elif total <= 0:
            self.count_label.setText("No matches")
        else:
            self.count_label.setText(f"{current:,} of {total:,}")
        self.previous_button.setEnabled(total > 0)
        self.next_button.setEnabled(total > 0)

    def _step(self, direction: int) -> None:
        (self.findNext if direction > 0 else self.findPrevious).emit()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        # Keys the field and buttons leave unhandled.
        if event.key() == Qt.Key.Key_Escape:
            self.dismiss()
        elif event.matches(QKeySequence.StandardKey.FindNext):
            self.findNext.emit()
        elif event.matches(QKeySequence.StandardKey.FindPrevious):
            self.findPrevious.emit()
        else:
            super().keyPressEvent(event)
            return
        event.accept()
