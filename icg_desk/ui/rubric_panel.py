"""The right side of the window: the factors the current entry is scored on.

Each factor is a card: its standard, look-for prompts as checkboxes, the 12-value score selector,
the rationale and the evidence passages attached to it. Cards only report what the scorer did;
the window turns that into commands, and cards are refreshed from what was saved.
"""

from __future__ import annotations

from fractions import Fraction

from PySide6.QtCore import QCoreApplication, QEvent, QObject, QSize, Qt, QTimer, Signal
from PySide6.QtGui import (
    QFontMetrics,
    QKeyEvent,
    QKeySequence,
    QMouseEvent,
    QShowEvent,
    QTextCursor,
)
from PySide6.QtWidgets import (
    QApplication,
    QButtonGroup,
    QCheckBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from icg_desk.operations.batch_work import EvidenceItem, ReadState
from icg_desk.scoring.rubric import Factor, Rubric
from icg_desk.scoring.scale import format_score
from icg_desk.ui.plain_text import mnemonic_free, plain_tip


def is_history_key(event: QEvent) -> bool:
    """Ctrl+Z, Ctrl+Shift+Z, Ctrl+Y: the scoring history's keys, wherever they are typed."""
    if not isinstance(event, QKeyEvent):
        return False
    if event.matches(QKeySequence.StandardKey.Undo) or event.matches(QKeySequence.StandardKey.Redo):
        return True
    combination = event.keyCombination()
    return combination.keyboardModifiers() == Qt.KeyboardModifier.ControlModifier and (
        combination.key() == Qt.Key.Key_Y
    )


class HistoryKeysToWindow(QObject):
    """Installed on a text field: Ctrl+Z and the redo keys go to the window's Undo and Redo
    (the scoring history, which holds the field's typing too), not to the field's own undo."""

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ShortcutOverride and is_history_key(event):
            event.ignore()  # not the field's: the window's shortcut takes it
            return True
        if event.type() == QEvent.Type.KeyPress and is_history_key(event):
            return True  # never the field's own undo, should a shortcut not have taken it
        return super().eventFilter(watched, event)


def plain_label(text: str = "", *, wrap: bool = True, object_name: str = "") -> QLabel:
    """A label that never interprets its text: rubric and entry text are shown as typed."""
    return _plain(QLabel(), text, wrap=wrap, object_name=object_name)


def _plain(label: QLabel, text: str, *, wrap: bool, object_name: str) -> QLabel:
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setText(text)
    label.setWordWrap(wrap)
    if wrap:
        # Never squeezed below the lines it needs: a squeezed label silently loses its last line.
        label.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Minimum)
    if object_name:
        label.setObjectName(object_name)
    return label


class SteadyLabel(QLabel):
    """Plain text in a box of one size: as wide as the widest of `samples` (and of any text it
    has shown), at the label's font and style.

    A label sized by its text asks its window for a new layout whenever the text changes, and a
    score key changes several (the card's score, the summary's scores): each key then laid out
    the splitters, the rubric and the summary again. With a fixed size, Qt has nothing to redo.
    """

    def __init__(self, text: str, samples: tuple[str, ...], *, object_name: str = "") -> None:
        super().__init__()
        self._samples = samples
        self._chrome = 0
        _plain(self, text, wrap=False, object_name=object_name)
        self._fit()

    def setText(self, text: str) -> None:
        super().setText(text)
        if self._advance(text) > self.width() - self._chrome:
            self._samples = (*self._samples, text)  # never cut: the box grows, once
            self._fit()

    def _advance(self, text: str) -> int:
        return QFontMetrics(self.font()).horizontalAdvance(text)

    def _fit(self) -> None:
        # From the font and the margins, not from QLabel's sizeHint: that grows to the label's
        # minimum size, which is this box itself.
        margins = self.contentsMargins()
        self._chrome = margins.left() + margins.right() + 2 * self.margin()
        widest = max(self._advance(t) for t in (*self._samples, self.text()))
        height = QFontMetrics(self.font()).height() + margins.top() + margins.bottom()
        self.setFixedSize(widest + self._chrome, height + 2 * self.margin())

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() in (QEvent.Type.FontChange, QEvent.Type.StyleChange):
            self._fit()  # a new zoom or theme: a new box, the same for every text

    def showEvent(self, event: QShowEvent) -> None:
        # The style sheet's font and padding arrive when it is first shown (polished). Not an
        # event() override: that would run Python for every event the label gets.
        self._fit()
        super().showEvent(event)


class _LookForLabel(QLabel):
    """A look-for's text beside its checkbox: a checkbox's own text cannot wrap, this can, and a
    click on it toggles the box too."""

    def __init__(self, text: str, box: QCheckBox) -> None:
        super().__init__()
        # The buddy makes "&" a mnemonic, even in plain text.
        _plain(self, mnemonic_free(text), wrap=True, object_name="lookFor")
        self.setBuddy(box)
        self._box = box

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if self._box.isEnabled():
            self._box.click()


class ScoreSelector(QWidget):
    """Exactly the rubric's scale values, grouped by level; none checked while unscored."""

    scoreChosen = Signal(object)  # Fraction | None

    def __init__(self, rubric: Rubric, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._group = QButtonGroup(self)
        self._group.setExclusive(False)  # exclusive groups cannot show "no score yet"
        self._buttons: dict[Fraction, QToolButton] = {}
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        previous_level = None
        for value in rubric.scale.values:
            if previous_level is not None and value.level != previous_level:
                layout.addSpacing(8)
            previous_level = value.level
            button = QToolButton()
            button.setText(value.label)
            button.setCheckable(True)
            button.setObjectName("scoreButton")
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # keys 1-4, + and - do this faster
            level = rubric.level(value.level)
            button.setToolTip(
                plain_tip(f"{value.label} = {format_score(value.value)}: {level.short}")
            )
            button.setAccessibleName(f"Score {value.label}")
            button.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
            button.setMinimumWidth(30)
            self._group.addButton(button)
            self._buttons[value.value] = button
            button.clicked.connect(lambda _=False, v=value.value: self._clicked(v))
            layout.addWidget(button)
        self._score: Fraction | None = None

    def _clicked(self, value: Fraction) -> None:
        # Clicking the chosen score again clears it, as a scorer would expect of a toggle.
        chosen = None if value == self._score else value
        self.set_score(self._score)  # stay as saved until the change comes back
        self.scoreChosen.emit(chosen)

    def set_score(self, score: Fraction | None) -> None:
        self._score = score
        for value, button in self._buttons.items():
            button.setChecked(value == score)

    def score(self) -> Fraction | None:
        return self._score

    def button(self, value: Fraction) -> QToolButton:
        return self._buttons[value]


class FactorCard(QFrame):
    """One factor. Expanded (the current factor): everything. Compact (the entry's other
    factors): one row, its name, its score and whether a rationale is started; a click on it
    asks to make it the current factor (`openRequested`), which expands it."""

    scoreChosen = Signal(str, object)  # factor key, Fraction | None
    lookForToggled = Signal(str, int, bool)
    rationaleEdited = Signal(str, str, str)  # factor key, new text, text saved before
    attachRequested = Signal(str)
    evidenceShown = Signal(int, int, int)  # entry number, start, end
    evidenceRemoved = Signal(str, int)  # factor key, evidence id
    openRequested = Signal(str)  # factor key: a click on the compact row

    EXPANDED_MARGINS = (12, 8, 12, 10)
    COMPACT_MARGINS = (12, 5, 12, 5)

    def __init__(self, rubric: Rubric, factor: Factor, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.factor = factor
        self.setObjectName("factorCard")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self._saved_rationale = ""
        self._locked = False
        self._evidence: tuple[EvidenceItem, ...] = ()
        self.banked_cycle: str | None = None  # a retake's banked factor: the cycle it is from
        self.not_asked = False  # an adjudication's factor it does not ask for: shown, locked

        title = plain_label(factor.name, wrap=False, object_name="factorTitle")
        self.score_label = SteadyLabel(
            "not scored", ("not scored", "4.25"), object_name="factorScore"
        )
        self.score_label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.rationale_mark = plain_label(
            "rationale started", wrap=False, object_name="rationaleMark"
        )
        self.rationale_mark.hide()
        heading = QHBoxLayout()
        heading.addWidget(title, 1)
        heading.addWidget(self.rationale_mark)
        heading.addWidget(self.score_label)

        standard = plain_label(factor.standard, object_name="factorStandard")

        self.look_fors: list[QCheckBox] = []
        look_for_box = QVBoxLayout()
        look_for_box.setContentsMargins(0, 0, 0, 0)
        look_for_box.setSpacing(3)
        for i, text in enumerate(factor.look_fors):
            box = QCheckBox()
            box.setAccessibleName(text)
            label = _LookForLabel(text, box)
            box.toggled.connect(
                lambda seen, i=i: self.lookForToggled.emit(self.factor.key, i, seen)
            )
            # One box layout per row: a grid gave wrapped labels the height of fewer lines than
            # they needed at narrow widths, cutting off the end of a look-for.
            row = QHBoxLayout()
            row.setSpacing(6)
            row.addWidget(box, 0, Qt.AlignmentFlag.AlignTop)
            row.addWidget(label, 1)
            look_for_box.addLayout(row)
            self.look_fors.append(box)

        self.selector = ScoreSelector(rubric)
        self.selector.scoreChosen.connect(lambda s: self.scoreChosen.emit(self.factor.key, s))

        self.rationale = QPlainTextEdit()
        self.rationale.setObjectName("rationale")
        self.rationale.setPlaceholderText(
            "Rationale: the evidence behind this score"
            + (" (required)" if factor.rationale_required else "")
        )
        self.rationale.setTabChangesFocus(True)
        # Its typing is in the scoring history (one step per burst): Ctrl+Z undoes it there.
        self.rationale.setUndoRedoEnabled(False)
        self.rationale.setFixedHeight(76)
        self.rationale.textChanged.connect(self._rationale_changed)

        self.attach = QPushButton("Attach selected passage")
        self.attach.setObjectName("attachButton")
        self.attach.setToolTip("Attach the passage selected in the entry as evidence (Ctrl+E)")
        self.attach.clicked.connect(lambda: self.attachRequested.emit(self.factor.key))
        self.evidence_box = QVBoxLayout()
        self.evidence_box.setContentsMargins(0, 0, 0, 0)
        self.evidence_box.setSpacing(4)

        # Everything under the heading: shown while this is the current factor.
        self.body = QWidget()
        self.body.setObjectName("factorBody")
        body = QVBoxLayout(self.body)
        body.setContentsMargins(0, 0, 0, 0)
        body.setSpacing(6)
        body.addWidget(standard)
        body.addLayout(look_for_box)
        body.addWidget(self.selector)
        body.addWidget(self.rationale)
        body.addLayout(self.evidence_box)
        attach_row = QHBoxLayout()
        attach_row.addStretch(1)
        attach_row.addWidget(self.attach)
        body.addLayout(attach_row)

        self._card_layout = layout = QVBoxLayout(self)
        layout.setContentsMargins(*self.EXPANDED_MARGINS)
        layout.setSpacing(8)
        layout.addLayout(heading)
        layout.addWidget(self.body)
        self._expanded = True

    # --- from the saved state -----------------------------------------------------------------

    def set_read(self, read: ReadState) -> bool:
        """Show the saved state; True when the evidence rows changed (the card's height may)."""
        self.selector.set_score(read.score)
        if read.score is not None:
            self.score_label.setText(format_score(read.score))
        elif self.banked_cycle is not None:  # a retake's banked factor: not this read's to score
            self.score_label.setText(f"banked ({self.banked_cycle})")
        elif self.not_asked:  # an adjudication's other factor: not "not scored", which is a task
            self.score_label.setText("not asked")
        else:
            self.score_label.setText("not scored")
        for i, box in enumerate(self.look_fors):
            box.blockSignals(True)
            box.setChecked(i in read.look_fors_seen)
            box.blockSignals(False)
        self._saved_rationale = read.rationale
        self._show_rationale_mark()
        if self.rationale.toPlainText() != read.rationale:
            # Only when it differs (undo, another portfolio): resetting the text while the
            # scorer types would throw the cursor to the start.
            self.rationale.blockSignals(True)
            self.rationale.setPlainText(read.rationale)
            self.rationale.blockSignals(False)
        return self._show_evidence(read.evidence)

    def set_locked(self, locked: bool) -> None:
        self._locked = locked
        self.selector.setEnabled(not locked)
        for box in self.look_fors:
            box.setEnabled(not locked)
        self.rationale.setReadOnly(locked)
        self.attach.setVisible(not locked)
        for button in self.findChildren(QToolButton, "removeEvidence"):
            button.setVisible(not locked)

    def set_active(self, active: bool) -> None:
        self.setProperty("active", active)
        self.style().unpolish(self)
        self.style().polish(self)

    def set_expanded(self, expanded: bool) -> None:
        """All of the factor (the current one), or its compact row."""
        self._expanded = expanded
        self.body.setVisible(expanded)
        margins = self.EXPANDED_MARGINS if expanded else self.COMPACT_MARGINS
        self._card_layout.setContentsMargins(*margins)
        self.setCursor(
            Qt.CursorShape.ArrowCursor if expanded else Qt.CursorShape.PointingHandCursor
        )
        self.setToolTip("" if expanded else "Open this factor (Alt+Down, Alt+Up)")
        self._show_rationale_mark()

    def is_expanded(self) -> bool:
        return self._expanded

    def _show_rationale_mark(self) -> None:
        self.rationale_mark.setVisible(
            not self._expanded and bool(self.rationale.toPlainText().strip())
        )

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if not self._expanded and event.button() == Qt.MouseButton.LeftButton:
            self.openRequested.emit(self.factor.key)
            event.accept()
            return
        super().mousePressEvent(event)

    def _rationale_changed(self) -> None:
        self.rationaleEdited.emit(
            self.factor.key, self.rationale.toPlainText(), self._saved_rationale
        )

    def _show_evidence(self, items: tuple[EvidenceItem, ...]) -> bool:
        if items == self._evidence:
            return False  # a score key: rebuilding the rows would re-lay the card out on every key
        self._evidence = items
        while self.evidence_box.count():
            item = self.evidence_box.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                # Hidden on purpose first: a row added since the last turn of the event loop is
                # still to be shown by Qt (a queued call), and would then open as a window.
                widget.hide()
                widget.setParent(None)  # out of the card now, not at the next event loop turn
                widget.deleteLater()
        for e in items:
            row = QFrame()
            row.setObjectName("evidence")
            quote = e.quote if len(e.quote) <= 160 else e.quote[:157].rstrip() + "…"
            text = plain_label(f"“{quote}”  — Entry {e.entry_number}", object_name="evidenceText")
            show = QToolButton()
            show.setText("Show")
            show.setToolTip("Show this passage in the entry")
            show.clicked.connect(
                lambda _=False, e=e: self.evidenceShown.emit(e.entry_number, e.start, e.end)
            )
            remove = QToolButton()
            remove.setObjectName("removeEvidence")
            remove.setText("✕")
            remove.setToolTip("Remove this evidence")
            remove.clicked.connect(
                lambda _=False, e=e: self.evidenceRemoved.emit(self.factor.key, e.id)
            )
            layout = QHBoxLayout(row)
            layout.setContentsMargins(8, 4, 4, 4)
            layout.addWidget(text, 1)
            layout.addWidget(show, 0, Qt.AlignmentFlag.AlignTop)
            layout.addWidget(remove, 0, Qt.AlignmentFlag.AlignTop)
            self.evidence_box.addWidget(row)
            # Only now, inside the card: shown while it had no parent, the button was a window of
            # its own, which took the focus and the active window from the scorer's.
            remove.setVisible(not self._locked)
        return True


class RubricPanel(QScrollArea):
    """The cards of one entry's factors, one of them current (the one keys 1-4 score).

    Every card's signals are re-emitted as the panel's own, with the same arguments, so a window
    connects six panel signals once instead of reaching into each card.
    """

    currentFactorChanged = Signal(str)
    scoreChosen = Signal(str, object)  # factor key, Fraction | None
    lookForToggled = Signal(str, int, bool)  # factor key, look-for index, seen
    rationaleEdited = Signal(str, str, str)  # factor key, new text, text saved before
    attachRequested = Signal(str)  # factor key
    evidenceShown = Signal(int, int, int)  # entry number, start, end
    evidenceRemoved = Signal(str, int)  # factor key, evidence id

    def minimumSizeHint(self) -> QSize:
        # A scroll area asks for a sliver; the cards need their score buttons' width. Narrower,
        # a card hides its right edge, and Tab to a button there scrolls the panel sideways
        # (its bar is off), cutting off the other side: never narrower than the cards.
        hint = super().minimumSizeHint()
        body = self.widget()
        if body is None:
            return hint
        bar = self.verticalScrollBar().sizeHint().width()
        width = body.minimumSizeHint().width() + bar + 2 * self.frameWidth()
        return QSize(max(hint.width(), width), hint.height())

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.widget() and event.type() == QEvent.Type.LayoutRequest:
            self.updateGeometry()  # cards shown, folded or zoomed: a new minimum width
        return super().eventFilter(watched, event)

    def __init__(self, rubric: Rubric, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.rubric = rubric
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        # Always on: a bar that appears after layout narrows the cards without re-wrapping
        # their labels, which then lose their last line.
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOn)
        self.cards: dict[str, FactorCard] = {}
        self._current: str | None = None
        # An adjudication portfolio's factors not asked for: shown, locked.
        self._not_asked: frozenset[str] = frozenset()
        self._locked_all = False

        body = QWidget()
        body.setObjectName("rubricBody")
        self._layout = QVBoxLayout(body)
        self._layout.setContentsMargins(4, 8, 8, 8)
        self._layout.setSpacing(8)
        levels = " · ".join(f"{lv.level} {lv.short}" for lv in rubric.levels)
        self.legend = plain_label(levels, object_name="levelLegend")
        self._layout.addWidget(self.legend)
        for factor in rubric.factors:
            card = FactorCard(rubric, factor)
            card.hide()
            card.set_expanded(False)  # until it is the current factor
            card.openRequested.connect(self.set_current_factor)
            self._forward(card)
            self.cards[factor.key] = card
            self._layout.addWidget(card)
        self._layout.addStretch(1)
        self.setWidget(body)
        body.installEventFilter(self)  # its minimum width is the panel's: see minimumSizeHint
        self._reveal_later = QTimer(self)
        self._reveal_later.setSingleShot(True)
        self._reveal_later.setInterval(0)
        self._reveal_later.timeout.connect(self.reveal_current)
        self._history_keys = HistoryKeysToWindow(self)
        for card in self.cards.values():
            card.rationale.installEventFilter(self._history_keys)
        app = QApplication.instance()
        assert isinstance(app, QApplication)
        app.focusChanged.connect(self._focus_changed)

    def _forward(self, card: FactorCard) -> None:
        # Signal to signal: the cards live as long as the panel, so these never dangle.
        card.scoreChosen.connect(self.scoreChosen)
        card.lookForToggled.connect(self.lookForToggled)
        card.rationaleEdited.connect(self.rationaleEdited)
        card.attachRequested.connect(self.attachRequested)
        card.evidenceShown.connect(self.evidenceShown)
        card.evidenceRemoved.connect(self.evidenceRemoved)

    def show_entry(
        self,
        entry_number: int,
        reads: dict[str, ReadState],
        locked: bool,
        current: str | None = None,
    ) -> None:
        """Show the cards of an entry's factors, with `current` (else the current factor if it is
        one of them, else the first) highlighted and scrolled into view."""
        keys = [f.key for f in self.rubric.factors_for_entry(entry_number)]
        self._locked_all = locked
        for key, card in self.cards.items():
            card.setVisible(key in keys)
            card.set_read(reads.get(key, ReadState(key)))
            card.set_locked(locked or key in self._not_asked)
        if current not in keys:
            current = self._current if self._current in keys else (keys[0] if keys else None)
        self.verticalScrollBar().setValue(0)
        if current is not None:
            self.set_current_factor(current)
            self.reveal_current()

    def apply(self, read: ReadState) -> None:
        grew = self.cards[read.factor_key].set_read(read)
        if grew and read.factor_key == self._current:
            # Evidence added or removed: the card grows or shrinks once its new rows are shown,
            # which Qt does on the next turn of the event loop.
            self._reveal_later.start()

    def set_locked(self, locked: bool) -> None:
        self._locked_all = locked
        for key, card in self.cards.items():
            card.set_locked(locked or key in self._not_asked)

    def set_asked(
        self, asked: tuple[str, ...], banked: tuple[tuple[str, str], ...] = ()
    ) -> None:
        """An adjudication or retake portfolio: only the factors `asked` may be changed, the
        others are shown locked; empty (a read of every factor) unlocks them all as the
        portfolio allows. `banked`: a retake's banked factors and their cycles, which their
        cards say instead of "not scored"."""
        self._not_asked = frozenset(self.cards) - set(asked) if asked else frozenset()
        cycles = dict(banked)
        for key, card in self.cards.items():
            card.banked_cycle = cycles.get(key)
            card.not_asked = key in self._not_asked and key not in cycles
        self.set_locked(self._locked_all)

    def is_asked(self, key: str) -> bool:
        return key not in self._not_asked

    def current_factor(self) -> str | None:
        return self._current

    def set_current_factor(self, key: str) -> None:
        """Make `key` the current factor: its card expanded, highlighted and in view, the one it
        replaces folded back to its compact row."""
        if key == self._current:
            return
        previous, self._current = self._current, key
        if previous is not None:
            self.cards[previous].set_active(False)
            self.cards[previous].set_expanded(False)
        self.cards[key].set_expanded(True)
        self.cards[key].set_active(True)
        self.reveal_current()
        self.currentFactorChanged.emit(key)

    def expanded_factors(self) -> list[str]:
        """The factors shown in full (the current one); the others are compact rows."""
        return [k for k, card in self.cards.items() if card.is_expanded()]

    def reveal_current(self) -> None:
        """Scroll the current factor's card fully into view (its top, if it is taller than the
        view): the card the score keys act on is always the one the scorer sees."""
        if self._current is not None:
            self.reveal(self.cards[self._current])

    def reveal(self, widget: QWidget, margin: int = 8) -> None:
        body = self.widget()
        if body is None or not widget.isVisibleTo(body):
            return
        # Cards just shown, hidden, folded or grown are laid out on the next turn of the event
        # loop; the positions are needed now. A card's new size asks the body for a new layout,
        # which asks the scroll area for a new range: one pass per level.
        for _ in range(3):
            QCoreApplication.sendPostedEvents(None, QEvent.Type.LayoutRequest)
        top = widget.mapTo(body, widget.rect().topLeft()).y() - margin
        bottom = top + widget.height() + 2 * margin
        bar = self.verticalScrollBar()
        height = self.viewport().height()
        if bottom - top > height or top < bar.value():
            bar.setValue(top)
        elif bottom > bar.value() + height:
            bar.setValue(bottom - height)

    def edit_rationale(self) -> None:
        """F2: the current factor's rationale, scrolled into view, with the caret at its end."""
        if self._current is None:
            return
        card = self.cards[self._current]
        self.reveal(card)
        self.reveal(card.rationale)
        card.rationale.setFocus(Qt.FocusReason.ShortcutFocusReason)
        card.rationale.moveCursor(QTextCursor.MoveOperation.End)

    def _focus_changed(self, _old: QWidget | None, new: QWidget | None) -> None:
        if new is not QApplication.focusWidget():
            return  # moved on already (the window took focus back from a hidden widget)
        while new is not None:
            if isinstance(new, FactorCard):
                self.set_current_factor(new.factor.key)
                return
            new = new.parentWidget()
