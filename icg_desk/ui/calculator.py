"""The score calculator (Tools > Score calculator): what-if factor scores, and what they decide.

It helps candidates and coordinators understand a score: type a score for each factor and see
each factor's level, the overall score, the decision, its reasons and what a retake must reach.
It mirrors `icg-desk calc`; every number and every word of the decision comes from
`icg_desk.scoring`, so the dialog can never disagree with a score report.
"""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QShowEvent, QValidator
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QVBoxLayout,
    QWidget,
)

from icg_desk.scoring import Decision, ScoreError, Status, decide, format_score
from icg_desk.scoring.rubric import Rubric
from icg_desk.scoring.scale import Scale
from icg_desk.ui import palette as palettes
from icg_desk.ui.palette import Palette
from icg_desk.ui.plain_text import mnemonic_free, plain_tip
from icg_desk.ui.rubric_panel import plain_label
from icg_desk.ui.style import appearance, pt

NOT_SCORED = "—"


def calculator_stylesheet(p: Palette, scale: float = 1.0) -> str:
    """Only this dialog's own object names: the application's stylesheet styles the rest."""
    return f"""
#calcTitle {{ color: {p.text}; font-size: {pt(11, scale)}; font-weight: 600; }}
#calcIntro {{ color: {p.muted_text}; }}
#calcHeader {{ color: {p.muted_text}; font-size: {pt(8, scale)}; font-weight: 600; }}
#calcFactor {{ color: {p.text}; }}
#calcScore {{ color: {p.text}; font-weight: 600; }}
#calcLevel {{ color: {p.secondary_text}; }}
#calcLevel[unscored="true"] {{ color: {p.disabled_text}; }}
#calcLevel[invalid="true"] {{ color: {p.error}; }}
#calcMark {{ font-size: {pt(8, scale)}; font-weight: 600; border-radius: 3px; padding: 1px 6px; }}
#calcMark[mark="retake"] {{ color: {p.not_certified}; background: {p.not_certified_surface}; }}
#calcMark[mark="below"] {{ color: {p.warning}; background: {p.warning_surface}; }}
#calcRule {{ color: {p.border}; }}
#calcOverallCaption {{ color: {p.muted_text}; font-size: {pt(8, scale)}; font-weight: 600; }}
#calcOverall {{ font-size: {pt(20, scale)}; font-weight: 700; color: {p.text}; }}
#calcHeadline {{ padding: 6px 10px; border-radius: 6px; background: {p.band}; color: {p.secondary_text};
                font-weight: 600; }}
#calcHeadline[state="certified"] {{ background: {p.certified_surface}; color: {p.certified}; }}
#calcHeadline[state="not_certified"] {{ background: {p.not_certified_surface}; color: {p.not_certified}; }}
#calcReasons {{ color: {p.secondary_text}; }}
#calcRetake {{ color: {p.text}; }}
#calcThresholds {{ color: {p.muted_text}; font-size: {pt(8, scale)}; }}
QComboBox#calcSelector:focus {{ border: 1px solid {p.accent}; }}
"""  # noqa: E501


def _restyle(widget: QWidget) -> None:
    # A changed dynamic property only shows once the style sheet is applied again.
    widget.style().unpolish(widget)
    widget.style().polish(widget)


class ScoreValidator(QValidator):
    """Lets a person type exactly the scale's scores ("3+", or its value "3.25"), nothing else.

    Half-typed text that can still become a score ("3.2" on the way to "3.25") is Intermediate,
    so typing is never blocked midway; whether a text is a score is `Scale.parse`'s call alone.
    """

    def __init__(self, scale: Scale, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._scale = scale
        # Everything a score can be typed as, to recognise a beginning of one.
        self._spellings = (*scale.labels, *(format_score(v.value) for v in scale.values))

    def validate(self, text: str, pos: int) -> tuple[QValidator.State, str, int]:
        # Typing over the "not scored" dash (the field got focus by a click, not by Tab, so the
        # dash was not selected) starts a score rather than being refused.
        if NOT_SCORED in text and text.strip() != NOT_SCORED:
            before = text[:pos].count(NOT_SCORED)
            text, pos = text.replace(NOT_SCORED, ""), pos - before
        cleaned = text.strip()
        if cleaned in ("", NOT_SCORED):
            return QValidator.State.Acceptable, text, pos
        try:
            self._scale.parse(cleaned)
        except ScoreError:
            if any(s.startswith(cleaned) for s in self._spellings):
                return QValidator.State.Intermediate, text, pos
            return QValidator.State.Invalid, text, pos
        return QValidator.State.Acceptable, text, pos


class ScoreCalculatorDialog(QDialog):
    """Factor scores in, the decision out, updated on every keystroke."""

    def __init__(self, rubric: Rubric, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.rubric = rubric
        self.setWindowTitle("Score calculator")
        self.setObjectName("scoreCalculator")
        self.setStyleSheet(calculator_stylesheet(palettes.current(), appearance().scale))

        title = plain_label(rubric.title, object_name="calcTitle")
        intro = plain_label(
            f"Type or choose a score for each factor ({rubric.scale.labels[0]} to "
            f"{rubric.scale.labels[-1]}); the result updates as you go.",
            object_name="calcIntro",
        )

        self.selectors: list[QComboBox] = []
        self.score_labels: list[QLabel] = []
        self.level_labels: list[QLabel] = []
        self.mark_labels: list[QLabel] = []
        grid = QGridLayout()
        grid.setHorizontalSpacing(14)
        grid.setVerticalSpacing(6)
        for column, (text, align) in enumerate(
            (
                ("FACTOR", Qt.AlignmentFlag.AlignLeft),
                ("SCORE", Qt.AlignmentFlag.AlignLeft),
                ("VALUE", Qt.AlignmentFlag.AlignRight),
                ("LEVEL", Qt.AlignmentFlag.AlignLeft),
            )
        ):
            header = plain_label(text, wrap=False, object_name="calcHeader")
            grid.addWidget(header, 0, column, align | Qt.AlignmentFlag.AlignBottom)
        for row, factor in enumerate(rubric.factors, start=1):
            selector = self._selector(factor.name)
            name = plain_label(mnemonic_free(factor.name), wrap=False, object_name="calcFactor")
            name.setBuddy(selector)
            name.setToolTip(plain_tip(factor.standard))
            score = plain_label(NOT_SCORED, wrap=False, object_name="calcScore")
            score.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            score.setMinimumWidth(score.fontMetrics().horizontalAdvance("0.00"))
            level = plain_label(wrap=False, object_name="calcLevel")
            mark = plain_label(wrap=False, object_name="calcMark")
            level_cell = QHBoxLayout()
            level_cell.setSpacing(8)
            level_cell.addWidget(level)
            level_cell.addWidget(mark)
            level_cell.addStretch(1)
            grid.addWidget(name, row, 0)
            grid.addWidget(selector, row, 1)
            grid.addWidget(score, row, 2)
            grid.addLayout(level_cell, row, 3)
            self.selectors.append(selector)
            self.score_labels.append(score)
            self.level_labels.append(level)
            self.mark_labels.append(mark)
        grid.setColumnStretch(3, 1)

        rule = QFrame()
        rule.setObjectName("calcRule")
        rule.setFrameShape(QFrame.Shape.HLine)
        rule.setFrameShadow(QFrame.Shadow.Plain)

        self.overall_caption = plain_label("OVERALL", wrap=False, object_name="calcOverallCaption")
        self.overall_label = plain_label(NOT_SCORED, wrap=False, object_name="calcOverall")
        overall_box = QVBoxLayout()
        overall_box.setSpacing(0)
        overall_box.addWidget(self.overall_caption)
        overall_box.addWidget(self.overall_label)
        overall_box.addStretch(1)

        self.headline_label = plain_label(object_name="calcHeadline")
        self.reasons_label = plain_label(object_name="calcReasons")
        self.retake_label = plain_label(object_name="calcRetake")
        t = rubric.thresholds
        thresholds = plain_label(
            f"Certified at an overall score of {format_score(t.certification)} or more, with no "
            f"factor below {format_score(t.factor_floor)}.\nA factor below "
            f"{format_score(t.factor_floor)} is retaken; the other factor scores are kept.",
            object_name="calcThresholds",
        )
        details = QVBoxLayout()
        details.setContentsMargins(10, 0, 0, 0)  # in line with the headline's text
        details.setSpacing(6)
        details.addWidget(self.reasons_label)
        details.addWidget(self.retake_label)
        outcome = QVBoxLayout()
        outcome.setSpacing(8)
        outcome.addWidget(self.headline_label)
        outcome.addLayout(details)
        outcome.addStretch(1)
        result = QHBoxLayout()
        result.setSpacing(24)
        result.addLayout(overall_box)
        result.addLayout(outcome, 1)

        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Reset | QDialogButtonBox.StandardButton.Close
        )
        self.reset_button = buttons.button(QDialogButtonBox.StandardButton.Reset)
        self.close_button = buttons.button(QDialogButtonBox.StandardButton.Close)
        # Return in a score field must not close the dialog: only a click or Escape does.
        for button in (self.reset_button, self.close_button):
            button.setAutoDefault(False)
            button.setDefault(False)
        self.reset_button.setToolTip("Clear every factor score")
        self.reset_button.clicked.connect(self.reset)
        buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(20, 18, 20, 14)
        layout.setSpacing(0)
        layout.addWidget(title)
        layout.addSpacing(2)
        layout.addWidget(intro)
        layout.addSpacing(14)
        layout.addLayout(grid)
        layout.addSpacing(14)
        layout.addWidget(rule)
        layout.addSpacing(14)
        layout.addLayout(result)
        layout.addSpacing(12)
        layout.addWidget(thresholds)
        layout.addSpacing(16)
        layout.addWidget(buttons)
        self.setMinimumWidth(680)
        # The caption changes between "OVERALL" and "MEAN SO FAR": a fixed width keeps the
        # headline beside it from jumping sideways as the last factor is scored.
        for label in (self.overall_caption, self.overall_label):
            label.ensurePolished()  # measure in the style sheet's font, not the default one
        self.overall_label.setMinimumWidth(
            max(
                self.overall_caption.fontMetrics().horizontalAdvance("MEAN SO FAR"),
                self.overall_label.fontMetrics().horizontalAdvance("0.00"),
            )
        )
        # Creation order is already Tab order; set it anyway so a later layout change cannot
        # quietly break moving from one factor to the next with Tab.
        for first, second in zip(self.selectors, self.selectors[1:], strict=False):
            QWidget.setTabOrder(first, second)

        self._decision = decide(rubric, {})
        self._refresh()
        self.selectors[0].setFocus()

    def sizeHint(self) -> QSize:
        # Word-wrapped labels make the layout's own hint a narrow, tall dialog; the height the
        # contents need at the dialog's real width opens it without empty space.
        width = max(super().sizeHint().width(), self.minimumWidth())
        return QSize(width, self._needed_height(width))

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self._fit_height()

    def _needed_height(self, width: int) -> int:
        layout = self.layout()
        assert layout is not None
        return layout.totalHeightForWidth(width) if layout.hasHeightForWidth() else 0

    def _fit_height(self) -> None:
        # A window's minimum height comes from its layout's minimum, which ignores that wrapped
        # text needs more lines at a given width: six retakes would be squeezed into overlap.
        # So the dialog grows itself to what its text needs at its width, and never less.
        needed = self._needed_height(self.width())
        self.setMinimumHeight(needed)
        if self.height() < needed:
            self.resize(self.width(), needed)

    # --- for callers and tests --------------------------------------------------------------

    def set_scores(self, labels: Sequence[str | None]) -> None:
        """Type these scores (scale labels or values; None for not scored) in factor order."""
        if len(labels) != len(self.selectors):
            raise ValueError(f"expected {len(self.selectors)} scores, got {len(labels)}")
        for selector, label in zip(self.selectors, labels, strict=True):
            selector.setCurrentText(NOT_SCORED if label is None else label)
            self._normalise(selector)

    def decision(self) -> Decision:
        return self._decision

    def scores(self) -> dict[str, Fraction | None]:
        """The factor scores as typed, None for a factor not scored (or not yet a score)."""
        return {
            factor.key: self._parse(selector.currentText())
            for factor, selector in zip(self.rubric.factors, self.selectors, strict=True)
        }

    def reset(self) -> None:
        for selector in self.selectors:
            selector.setCurrentIndex(0)
        self.selectors[0].setFocus()

    # --- building ---------------------------------------------------------------------------

    def _selector(self, factor_name: str) -> QComboBox:
        """An editable list of the scale's values: pick one with the mouse, or type "3+"."""
        selector = QComboBox()
        selector.setObjectName("calcSelector")
        selector.setEditable(True)
        selector.addItems([NOT_SCORED, *self.rubric.scale.labels])
        # Typed text must never become a new entry in the list: the list is the scale.
        selector.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        # The default inline completion turns a typed "3" into "3-" (the first match); a score
        # typed must stay as typed.
        selector.setCompleter(None)  # type: ignore[arg-type]  # Qt takes nullptr here
        selector.setValidator(ScoreValidator(self.rubric.scale, selector))
        selector.setMaxVisibleItems(len(self.rubric.scale.values) + 1)
        selector.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        selector.setMinimumContentsLength(4)
        selector.setAccessibleName(f"Score for {factor_name}")
        selector.setToolTip(f"{self.rubric.scale.allowed()}; {NOT_SCORED} for not scored")
        selector.editTextChanged.connect(self._edited)
        line = selector.lineEdit()
        assert line is not None  # an editable combo box always has its line edit
        line.editingFinished.connect(lambda s=selector: self._normalise(s))
        return selector

    # --- reacting ---------------------------------------------------------------------------

    def _parse(self, text: str) -> Fraction | None:
        cleaned = text.strip()
        if cleaned in ("", NOT_SCORED):
            return None
        try:
            return self.rubric.scale.parse(cleaned)
        except ScoreError:
            return None  # half typed: not a score yet

    def _edited(self, _text: str) -> None:
        self._refresh()

    def _normalise(self, selector: QComboBox) -> None:
        # When typing is done, "3.25" reads back as "3+", an emptied field as the dash, and the
        # list's selection follows the text, so the arrow keys step on from the typed score.
        text = selector.currentText().strip()
        if text in ("", NOT_SCORED):
            index = 0
        else:
            score = self._parse(text)
            if score is None:
                return  # half typed: left for the person to finish
            index = selector.findText(self.rubric.scale.label(score), Qt.MatchFlag.MatchExactly)
        if index != selector.currentIndex() or selector.currentText() != selector.itemText(index):
            selector.setCurrentIndex(index)

    def _refresh(self) -> None:
        scores = self.scores()
        decision = decide(self.rubric, scores)
        self._decision = decision
        for i, factor in enumerate(self.rubric.factors):
            self._show_factor(i, factor.key, scores[factor.key], decision)
        self._show_decision(decision)
        if self.isVisible():
            self._fit_height()

    def _show_factor(self, row: int, key: str, score: Fraction | None, decision: Decision) -> None:
        text = self.selectors[row].currentText().strip()
        level, mark = self.level_labels[row], self.mark_labels[row]
        invalid = score is None and text not in ("", NOT_SCORED)
        self.score_labels[row].setText(NOT_SCORED if score is None else format_score(score))
        if score is not None:
            level.setText(self.rubric.level_text(score))
        else:
            level.setText("not a score yet" if invalid else "not scored")
        level.setProperty("unscored", score is None and not invalid)
        level.setProperty("invalid", invalid)
        _restyle(level)
        if key in decision.retake:
            mark.setText("retake")
            mark.setProperty("mark", "retake")
        elif key in decision.below_accomplished:
            mark.setText("below accomplished")
            mark.setProperty("mark", "below")
        else:
            mark.setText("")
            mark.setProperty("mark", "")
        mark.setVisible(bool(mark.text()))
        _restyle(mark)

    def _show_decision(self, decision: Decision) -> None:
        incomplete = decision.status is Status.INCOMPLETE
        # While factors are missing the figure is the mean of those scored, not yet the overall.
        self.overall_caption.setText("MEAN SO FAR" if incomplete else "OVERALL")
        self.overall_label.setText(
            NOT_SCORED if decision.overall is None else format_score(decision.overall)
        )
        self.headline_label.setText(decision.headline)
        self.headline_label.setProperty("state", decision.status.value)
        _restyle(self.headline_label)

        # A certified decision has no reasons; the thresholds line below says why it certifies.
        self.reasons_label.setText("\n".join(f"• {r[:1].upper()}{r[1:]}" for r in decision.reasons))
        self.reasons_label.setVisible(bool(decision.reasons))

        lines = []
        for key, target in decision.retake_targets.items():
            name = self.rubric.factor(key).name
            if target is None:
                lines.append(
                    f"• Retake {name}: retakes alone cannot reach the certification threshold"
                )
            else:
                lines.append(
                    f"• Retake {name}: needs {self.rubric.scale.label(target)} "
                    f"({format_score(target)}) or higher to certify"
                )
        self.retake_label.setText("\n".join(lines))
        self.retake_label.setVisible(bool(lines))
