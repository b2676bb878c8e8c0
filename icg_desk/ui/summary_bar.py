"""The live summary, always in view: the seven factor scores, the overall and the decision."""

from __future__ import annotations

from fractions import Fraction

from PySide6.QtCore import QEvent, QSize, Qt, Signal
from PySide6.QtGui import (
    QFont,
    QFontMetrics,
    QFontMetricsF,
    QKeyEvent,
    QPainter,
    QPaintEvent,
    QShowEvent,
)
from PySide6.QtWidgets import (
    QApplication,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QSizePolicy,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from icg_desk.models.schema import PortfolioStatus
from icg_desk.scoring import Decision, Status
from icg_desk.scoring.rubric import Rubric
from icg_desk.scoring.scale import format_score
from icg_desk.ui.batch_panel import STATUS_TEXT
from icg_desk.ui.plain_text import plain_tip
from icg_desk.ui.rubric_panel import SteadyLabel, plain_label


class CrossingWarning(QFrame):
    """What the last crossing did to the decision, until the next crossing or until dismissed.

    A change that does not cross leaves it as it is: `1` then `+` may move a Certified portfolio
    to a retake with the first key only, and the scorer still needs to read that. Hidden, it keeps
    its place (its row is reserved), so showing it never moves the text being read.
    """

    dismissed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("crossingRow")
        self.label = plain_label(wrap=False, object_name="crossingWarning")
        # Never widens the window: a long text is cut, and its tooltip says it all.
        self.label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.close_button = QToolButton()
        self.close_button.setObjectName("crossingDismiss")
        self.close_button.setText("\u2715")  # a multiplication x, as on a tab's close button
        self.close_button.setAutoRaise(True)
        self.close_button.setToolTip("Dismiss the warning (Escape)")
        self.close_button.setAccessibleName("Dismiss the warning")
        self.close_button.clicked.connect(self.dismiss)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        layout.addWidget(self.label, 1)
        layout.addWidget(self.close_button)
        policy = self.sizePolicy()
        policy.setRetainSizeWhenHidden(True)
        policy.setVerticalPolicy(QSizePolicy.Policy.Fixed)
        self.setSizePolicy(policy)
        self.hide()

    def text(self) -> str:
        return self.label.text()

    def show_crossings(self, crossings: tuple[str, ...]) -> None:
        """The crossings of the change just saved; none leaves the last warning as it is."""
        if not crossings:
            return
        text = "  ".join(crossings)
        self.label.setText(text)
        self.label.setToolTip(plain_tip(text))
        self.setAccessibleDescription(text)
        self.show()

    def dismiss(self) -> None:
        if self.isHidden():
            return
        focus = QApplication.focusWidget()
        had_focus = focus is not None and self.isAncestorOf(focus)
        self.hide()
        if had_focus:
            # Not on to the next widget in the chain, which may be a text field that would take
            # the next score key as text: the summary holds the focus, the window's keys work.
            bar = self.parentWidget()
            (bar or self.window()).setFocus(Qt.FocusReason.OtherFocusReason)
        self.dismissed.emit()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Escape and event.modifiers() in (
            Qt.KeyboardModifier.NoModifier,
            Qt.KeyboardModifier.KeypadModifier,
        ):
            self.dismiss()
            event.accept()
            return
        super().keyPressEvent(event)


def _restyle(label: QLabel, name: str, value: object) -> None:
    """Set a property the stylesheet selects on, and restyle only when it changed: a restyle
    sends the label new fonts and palettes, and its row a new layout."""
    if label.property(name) == value:
        return
    label.setProperty(name, value)
    label.style().unpolish(label)
    label.style().polish(label)


def headline_forms(decision: Decision, rubric: Rubric) -> tuple[str, ...]:
    """The decision's headline, then shorter forms of it for a box too small for the whole."""
    forms = [decision.headline]
    if decision.retake:
        names = [rubric.factor(k).name for k in decision.retake]
        forms.append("Retake: " + ", ".join(names))
        forms.append(f"Retake: {len(names)} factors" if len(names) > 1 else f"Retake: {names[0]}")
    return tuple(dict.fromkeys(forms))


class DecisionBadge(QLabel):
    """The decision in a box of one size, whatever it says.

    A label sized by its text re-lays the whole window out when a key changes the decision
    ("Certified" on one line, a retake on two): the reading area below jumps, and every widget
    is painted again. The box is as wide as about 30 characters and as tall as two lines at the
    font in use; a headline too long for it shows a shorter form, and the tooltip says it all.
    """

    LINES = 2
    CHARACTERS = 30

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("decision")
        self.setTextFormat(Qt.TextFormat.PlainText)
        self.setWordWrap(True)
        self.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        self.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
        self._forms: tuple[str, ...] = ("",)
        self._resize_box()

    def headline(self) -> str:
        """The whole headline, whichever form of it fits the box."""
        return self._forms[0]

    def set_headline(self, forms: tuple[str, ...], reasons: str = "") -> None:
        self._forms = forms or ("",)
        tip = "\n".join(t for t in (self._forms[0], reasons) if t)
        self.setToolTip(plain_tip(tip))
        self._fit()

    def _padding(self) -> QSize:
        inner = self.contentsRect()
        return QSize(self.width() - inner.width(), self.height() - inner.height())

    def sizeHint(self) -> QSize:
        metrics = QFontMetrics(self.font())
        pad = self._padding()
        return QSize(
            metrics.averageCharWidth() * self.CHARACTERS + pad.width(),
            metrics.lineSpacing() * self.LINES + pad.height(),
        )

    def minimumSizeHint(self) -> QSize:
        return self.sizeHint()

    def hasHeightForWidth(self) -> bool:
        return False  # one size: a longer headline takes a shorter form, never a taller box

    def _fit(self) -> None:
        box = self.sizeHint()
        # Measured as the label lays its text out (its own line breaking, padding included).
        for form in self._forms:
            self.setText(form)
            if super().heightForWidth(box.width()) <= box.height():
                return
        width = box.width() - self._padding().width()
        metrics = QFontMetrics(self.font())
        self.setText(metrics.elidedText(self._forms[-1], Qt.TextElideMode.ElideRight, width))

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() in (QEvent.Type.FontChange, QEvent.Type.StyleChange):
            self._resize_box()  # a new zoom or theme: a new box, the same for every decision

    def showEvent(self, event: QShowEvent) -> None:
        self._resize_box()  # the style sheet's font and padding arrive when first shown
        super().showEvent(event)

    def _resize_box(self) -> None:
        # A fixed size, not only a fixed policy: then a new headline's text asks nothing of the
        # layouts around it (Qt skips the layout request of a widget whose size cannot change).
        self.setFixedSize(self.sizeHint())
        self._fit()


class FactorCaption(QLabel):
    """A factor's name over its score, as plain text, word-wrapped. When a word of it is wider
    than its column (a long name on a small screen, or a large text scale), it is drawn smaller,
    down to `LEAST` of the font, rather than cut: "Communication" stays readable at 1366 pixels
    and Ctrl++. Only the drawing changes, never the label's size, so nothing moves around it.
    Below `LEAST` it is cut at the column's edge; the tooltip names the factor whole."""

    LEAST = 0.7

    def __init__(self, text: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("summaryFactor")
        self.setTextFormat(Qt.TextFormat.PlainText)
        self.setText(text)
        self.setWordWrap(True)
        self.setToolTip(plain_tip(text))

    def drawn_font(self) -> QFont:
        """The font the caption is drawn in at its present width."""
        font = QFont(self.font())
        words = self.text().split()
        if not words:
            return font
        metrics = QFontMetricsF(font)
        widest = max(metrics.horizontalAdvance(word) for word in words)
        room = self.contentsRect().width()
        if widest <= room or widest <= 0:
            return font
        base_points, base_pixels = font.pointSizeF(), font.pixelSize()
        scale = room / widest
        while True:  # glyph widths do not shrink in proportion to the size: measure again
            scale = max(self.LEAST, scale)
            if base_points > 0:
                font.setPointSizeF(base_points * scale)
            else:
                font.setPixelSize(max(1, int(base_pixels * scale)))
            metrics = QFontMetricsF(font)
            if scale <= self.LEAST or max(map(metrics.horizontalAdvance, words)) <= room:
                return font
            scale *= 0.96

    def drawn_text(self, font: QFont) -> str:
        """The name as drawn in `font`: a word still too wide for the column at the least size
        ends in "…" (cut at its end, where a reader expects it, not clipped on both sides)."""
        metrics = QFontMetricsF(font)
        room = self.contentsRect().width()
        return " ".join(
            word
            if metrics.horizontalAdvance(word) <= room
            else metrics.elidedText(word, Qt.TextElideMode.ElideRight, room)
            for word in self.text().split()
        )

    def paintEvent(self, event: QPaintEvent) -> None:
        font = self.drawn_font()
        if font == self.font():
            super().paintEvent(event)
            return
        painter = QPainter(self)
        painter.setFont(font)
        flags = int(self.alignment()) | int(Qt.TextFlag.TextWordWrap)
        self.style().drawItemText(
            painter,
            self.contentsRect(),
            flags,
            self.palette(),
            self.isEnabled(),
            self.drawn_text(font),
            self.foregroundRole(),
        )
        painter.end()


def _score_label(object_name: str) -> SteadyLabel:
    """A score ("—", "3.25") as wide as the widest score: a new score never re-shares the
    summary's columns, which would move every label in it, nor asks for a new layout."""
    return SteadyLabel("—", ("—", "0.00", "4.25"), object_name=object_name)


class SummaryBar(QFrame):
    def __init__(self, rubric: Rubric, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.rubric = rubric
        self.setObjectName("summaryBar")
        self._scores: dict[str, Fraction | None] = {}
        # A read of some factors only (an adjudication, a retake): the factors asked, and the
        # banked ones with their cycle; both empty for a read of every factor.
        self._asked: tuple[str, ...] = ()
        self._banked: dict[str, str] = {}
        self._note = ""

        self.code = plain_label(wrap=False, object_name="candidateCode")
        self.status = plain_label(wrap=False, object_name="portfolioStatus")
        who = QVBoxLayout()
        who.setSpacing(0)
        who.addWidget(self.code)
        who.addWidget(self.status)

        grid = QGridLayout()
        grid.setHorizontalSpacing(8)
        grid.setVerticalSpacing(0)
        self.factor_scores: dict[str, QLabel] = {}
        for column, factor in enumerate(rubric.factors):
            name = FactorCaption(factor.name)
            name.setAlignment(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignBottom)
            # Wrapped labels ask for their widest word, which would make the window too wide
            # for a small laptop; below that a long word is drawn smaller (FactorCaption).
            name.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Preferred)
            name.setMinimumWidth(40)
            score = _score_label("summaryScore")
            score.setAlignment(Qt.AlignmentFlag.AlignHCenter)
            grid.addWidget(name, 0, column)
            # Centred under its name: the label keeps one width, the column may be wider.
            grid.addWidget(score, 1, column, Qt.AlignmentFlag.AlignHCenter)
            # Share the width by the longest word of each name, so "Communication" gets the room
            # "Data" does not need.
            grid.setColumnStretch(column, max(6, *(len(w) for w in factor.name.split())))
            self.factor_scores[factor.key] = score

        self.overall = _score_label("overallScore")
        self.overall.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        overall_caption = plain_label("Overall", wrap=False, object_name="summaryFactor")
        overall_caption.setAlignment(Qt.AlignmentFlag.AlignRight)
        overall_box = QVBoxLayout()
        overall_box.setSpacing(0)
        overall_box.addWidget(overall_caption)
        overall_box.addWidget(self.overall, 0, Qt.AlignmentFlag.AlignRight)

        self.decision = DecisionBadge()

        self.warning = CrossingWarning()

        row = QHBoxLayout()
        row.setSpacing(14)
        row.addLayout(who)
        row.addLayout(grid, 1)
        row.addLayout(overall_box)
        row.addWidget(self.decision)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(14, 8, 14, 8)
        layout.setSpacing(4)
        layout.addLayout(row)
        layout.addWidget(self.warning)
        self.clear()

    def clear(self) -> None:
        self.code.setText("No portfolio")
        self.status.setText("")
        self._scores = {}
        self._asked, self._banked = (), {}
        for label in self.factor_scores.values():
            label.setText("—")
        self.overall.setText("—")
        self.decision.set_headline(("",))
        _restyle(self.decision, "state", "")
        self.warning.hide()  # a warning is about the portfolio it was raised on

    def show_portfolio(
        self,
        code: str,
        status: PortfolioStatus,
        scores: dict[str, Fraction | None],
        decision: Decision,
    ) -> None:
        self.code.setText(code)
        self.warning.hide()
        self._scores = dict(scores)
        for key in self.factor_scores:
            self._show_score(key)
        self.show_state(status, decision)

    def set_asked(self, asked: tuple[str, ...], banked: tuple[tuple[str, str], ...]) -> None:
        """A read of the factors `asked` only (an adjudication; a retake, whose other factors
        are `banked`), or of every factor (both empty). Such a read decides nothing: the
        candidate's overall and decision come from the coordinator's results, which the scorer
        never has (a retake's banked scores are not sent), so the summary counts the factors
        asked instead of showing a mean of some of them as if it were the overall."""
        self._asked, self._banked = asked, dict(banked)

    def set_note(self, note: str) -> None:
        """What the portfolio is, said before its status ("Practice 1 of 2 · In progress");
        "" for a live portfolio. Shown from the next `show_portfolio` or `show_state`."""
        self._note = note

    def show_state(self, status: PortfolioStatus, decision: Decision) -> None:
        text = STATUS_TEXT[status]
        self.status.setText(f"{self._note} · {text}" if self._note else text)
        if self._asked:
            self._show_partial()
            return
        self.overall.setText("—" if decision.overall is None else format_score(decision.overall))
        self.overall.setToolTip(
            "The mean of the factors scored so far"
            if decision.status is Status.INCOMPLETE
            else "The sum of the factor scores divided by 7"
        )
        self.decision.set_headline(
            headline_forms(decision, self.rubric), "\n".join(decision.reasons)
        )
        _restyle(self.decision, "state", decision.status.value)

    def show_score(self, key: str, score: Fraction | None) -> None:
        self._scores[key] = score
        self._show_score(key)

    def show_crossings(self, crossings: tuple[str, ...]) -> None:
        self.warning.show_crossings(crossings)

    def _show_partial(self) -> None:
        word = "Retake" if self._banked else "Adjudication"
        names = ", ".join(self.rubric.factor(k).name for k in self._asked)
        scored = sum(self._scores.get(k) is not None for k in self._asked)
        asked = len(self._asked)
        self.overall.setText("—")
        self.overall.setToolTip(
            f"This {word.lower()} scores {names} only: the candidate's overall and decision "
            "come from the coordinator's results"
        )
        done = "done" if scored == asked else f"{scored} of {asked} scored"
        factors = "factor" if asked == 1 else "factors"
        self.decision.set_headline(
            (f"{word}: {scored} of {asked} {factors} asked scored", f"{word}: {done}"),
            f"Scores {names} only; the result comes from the coordinator's results.",
        )
        _restyle(self.decision, "state", "")

    def _show_score(self, key: str) -> None:
        score = self._scores.get(key)
        label = self.factor_scores[key]
        if self._asked and key not in self._asked:
            cycle = self._banked.get(key)
            label.setText("banked" if cycle else "·")
            label.setToolTip(
                plain_tip(f"Banked from {cycle}: not scored again")
                if cycle
                else "Not asked in this adjudication: shown, not scored"
            )
            _restyle(label, "below", False)
            _restyle(label, "asked", False)
            return
        label.setToolTip("")
        _restyle(label, "asked", True)
        label.setText("—" if score is None else format_score(score))
        below = score is not None and score < self.rubric.thresholds.factor_floor
        _restyle(label, "below", below)
