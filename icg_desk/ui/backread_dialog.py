"""Cohort > Backread a sample…: the reader (an adjudicator), how many of each scorer's completed
reads (a number, or a share), which scorers, and the seed; then the step runs off the UI thread
like every other (`CoordinatorSteps._way_out`), and a refusal is shown in a dialog, with nothing
changed, as `icg-desk cohort backread` refuses it (models/backread.py).

Scorer ids and names are shown as plain text (list items and combo boxes never interpret markup).
"""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QRadioButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from icg_desk.models.cohort_schema import ADJUDICATOR
from icg_desk.models.cohort_status import ScorerProgress
from icg_desk.operations.backread import backread
from icg_desk.ui import palette as palettes
from icg_desk.ui.coordinator_attention import _user_name
from icg_desk.ui.coordinator_dialogs import dialog_stylesheet
from icg_desk.ui.rubric_panel import plain_label
from icg_desk.ui.tasks import Task

if TYPE_CHECKING:
    from icg_desk.ui.coordinator_steps import CoordinatorSteps

TITLE = "Backread a sample"


class BackreadDialog(QDialog):
    """Who backreads, how many of whose reads, and the seed; Ok is off until a reader, a scorer
    and who pulls it are given."""

    def __init__(self, scorers: Sequence[ScorerProgress], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("backreadDialog")
        self.setWindowTitle(TITLE)
        self.setStyleSheet(dialog_stylesheet(palettes.current()))
        self.reader_combo = QComboBox()
        self.reader_combo.setObjectName("backreadReader")
        for p in scorers:
            if p.role == ADJUDICATOR:
                self.reader_combo.addItem(f"{p.scorer_id}  {p.name}", p.scorer_id)
        self.per_scorer_button = QRadioButton("&Number of each scorer's reads")
        self.per_scorer_button.setObjectName("backreadPerScorerChoice")
        self.share_button = QRadioButton("S&hare of each scorer's completed reads")
        self.share_button.setObjectName("backreadShareChoice")
        self.how = QButtonGroup(self)
        self.how.addButton(self.per_scorer_button)
        self.how.addButton(self.share_button)
        self.per_scorer_button.setChecked(True)
        self.per_scorer_spin = QSpinBox()
        self.per_scorer_spin.setObjectName("backreadPerScorer")
        self.per_scorer_spin.setRange(1, 10_000)
        self.per_scorer_spin.setValue(3)
        self.share_spin = QSpinBox()
        self.share_spin.setObjectName("backreadShare")
        self.share_spin.setRange(1, 100)
        self.share_spin.setValue(10)
        self.share_spin.setSuffix(" %")
        self.seed_spin = QSpinBox()
        self.seed_spin.setObjectName("backreadSeed")
        self.seed_spin.setRange(0, 2_000_000_000)
        self.seed_spin.setValue(1)
        self.scorer_list = QListWidget()
        self.scorer_list.setObjectName("backreadScorers")
        self.scorer_list.setAccessibleName("Scorers whose reads are sampled")
        for p in scorers:
            if p.role == ADJUDICATOR or not p.returned:
                continue
            item = QListWidgetItem(f"{p.scorer_id}  {p.name}  ({p.returned} reads back)")
            item.setData(Qt.ItemDataRole.UserRole, p.scorer_id)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Checked)
            self.scorer_list.addItem(item)
        self.by_edit = QLineEdit(_user_name())
        self.by_edit.setObjectName("backreadBy")

        number = QHBoxLayout()
        number.addWidget(self.per_scorer_button)
        number.addWidget(self.per_scorer_spin)
        share = QHBoxLayout()
        share.addWidget(self.share_button)
        share.addWidget(self.share_spin)
        form = QFormLayout()
        form.addRow("&Reader", self.reader_combo)
        form.addRow(number)
        form.addRow(share)
        form.addRow("&Scorers", self.scorer_list)
        form.addRow("S&eed", self.seed_spin)
        form.addRow("&By", self.by_edit)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok.setText("Pull the sample")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        self.reader_combo.currentIndexChanged.connect(self._check)
        self.scorer_list.itemChanged.connect(self._check)
        self.by_edit.textChanged.connect(self._check)
        self.how.buttonToggled.connect(self._check)
        layout = QVBoxLayout(self)
        layout.addWidget(
            plain_label(
                "Give an adjudicator a seeded random sample of each scorer's completed reads for "
                "a second look while scoring goes on. They get them in their next batch (Send "
                "batches), scored blind like any read; merge it back as usual. A backread never "
                "counts toward a result or raises a flag; Scorer agreement > Backreads shows "
                "each scorer's differences. The same seed on the same cohort pulls the same "
                "sample. A coordinator who backreads adds themselves to the scorers sheet with "
                "the role adjudicator.",
                object_name="dialogIntro",
            )
        )
        if not self.reader_combo.count():
            layout.addWidget(
                plain_label(
                    "No scorer has the role adjudicator: import a scorers sheet with one first.",
                    object_name="dialogWarning",
                )
            )
        layout.addLayout(form)
        layout.addWidget(self.buttons)
        self.setMinimumWidth(560)
        self._check()

    def reader(self) -> str:
        data = self.reader_combo.currentData()
        return "" if data is None else str(data)

    def scorers(self) -> list[str]:
        found = []
        for row in range(self.scorer_list.count()):
            item = self.scorer_list.item(row)
            if item.checkState() == Qt.CheckState.Checked:
                found.append(str(item.data(Qt.ItemDataRole.UserRole)))
        return found

    def set_scorers(self, scorer_ids: Sequence[str]) -> None:
        for row in range(self.scorer_list.count()):
            item = self.scorer_list.item(row)
            chosen = item.data(Qt.ItemDataRole.UserRole) in scorer_ids
            item.setCheckState(Qt.CheckState.Checked if chosen else Qt.CheckState.Unchecked)

    def how_many(self) -> tuple[int | None, Fraction | None]:
        """(per scorer, share): one of them."""
        if self.share_button.isChecked():
            return None, Fraction(self.share_spin.value(), 100)
        return self.per_scorer_spin.value(), None

    def by(self) -> str:
        return self.by_edit.text().strip()

    def _check(self, *_args: object) -> None:
        self.per_scorer_spin.setEnabled(self.per_scorer_button.isChecked())
        self.share_spin.setEnabled(self.share_button.isChecked())
        self.ok.setEnabled(bool(self.reader() and self.scorers() and self.by()))

    def accept(self) -> None:
        if not self.ok.isEnabled():
            return
        super().accept()


def backread_sample(
    window: CoordinatorSteps,
    reader: str | None = None,
    *,
    per_scorer: int | None = None,
    share: Fraction | None = None,
    scorers: Sequence[str] | None = None,
    seed: int = 1,
    by: str | None = None,
) -> Task[Any]:
    """Cohort > Backread a sample: asked in a dialog unless the reader, a number or share and
    who pulls it are given; run off the UI thread; a refusal shown in a dialog."""
    if window.cohort is None or window.snapshot is None:
        return Task.finished(TITLE, False)
    if reader is None or by is None or (per_scorer is None and share is None):
        dialog = BackreadDialog(window.snapshot.status.per_scorer, window)
        if reader is not None:
            dialog.reader_combo.setCurrentIndex(dialog.reader_combo.findData(reader))
        if scorers is not None:
            dialog.set_scorers(scorers)
        if by is not None:
            dialog.by_edit.setText(by)
        dialog.seed_spin.setValue(seed)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return Task.finished(TITLE, False)
        reader, by = dialog.reader(), dialog.by()
        per_scorer, share = dialog.how_many()
        chosen = dialog.scorers()
        listed = dialog.scorer_list.count()
        scorers = None if len(chosen) == listed else chosen
        seed = dialog.seed_spin.value()
    args = (reader, per_scorer, share, scorers, seed, by)

    def work(ref: Any, _progress: Any) -> Any:
        who, n, f, only, s, person = args
        return backread(ref, who, per_scorer=n, share=f, scorer_ids=only, seed=s, by=person)

    return window._way_out(
        TITLE,
        "Pulling the sample…",
        work,
        lambda v: f"{v.text()}. Send batches to give them to {v.reader_id}.",
    )
