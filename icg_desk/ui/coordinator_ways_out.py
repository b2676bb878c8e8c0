"""The ways out in the Coordinator window: take a read back, withdraw or reinstate a candidate,
reopen released results. Each asks who and why in a dialog (the Accept dialog's pattern: the
button is off until both are given), and is refused as the command line refuses it.

The dialog shows candidate names and codes as plain text (combo boxes never interpret markup).
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLineEdit,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from icg_desk.ui import palette as palettes
from icg_desk.ui.coordinator_attention import _user_name
from icg_desk.ui.coordinator_dialogs import dialog_stylesheet
from icg_desk.ui.rubric_panel import plain_label

Choice = tuple[str, str]  # (value, what the coordinator sees)


class WayOutDialog(QDialog):
    """What the step does, the choices it needs, and who does it and why (both required)."""

    def __init__(
        self,
        title: str,
        intro: str,
        ok_text: str,
        choices: Sequence[tuple[str, str, Sequence[Choice]]] = (),
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("wayOutDialog")
        self.setWindowTitle(title)
        self.setStyleSheet(dialog_stylesheet(palettes.current()))
        form = QFormLayout()
        self.combos: dict[str, QComboBox] = {}
        for name, label, options in choices:
            combo = QComboBox()
            combo.setObjectName(name)
            self.set_options(combo, options)
            combo.currentIndexChanged.connect(self._check)
            form.addRow(label, combo)
            self.combos[name] = combo
        self.by_edit = QLineEdit(_user_name())
        self.by_edit.setObjectName("wayOutBy")
        self.reason_edit = QPlainTextEdit()
        self.reason_edit.setObjectName("wayOutReason")
        self.reason_edit.setPlaceholderText("Why (required; kept in the cohort's log)")
        self.reason_edit.setTabChangesFocus(True)
        form.addRow("&By", self.by_edit)
        form.addRow("&Reason", self.reason_edit)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok.setText(ok_text)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        self.by_edit.textChanged.connect(self._check)
        self.reason_edit.textChanged.connect(self._check)
        layout = QVBoxLayout(self)
        layout.addWidget(plain_label(intro, object_name="dialogIntro"))
        layout.addLayout(form)
        layout.addWidget(self.buttons)
        self.setMinimumWidth(520)
        self._check()
        self.reason_edit.setFocus()

    @staticmethod
    def set_options(combo: QComboBox, options: Sequence[Choice]) -> None:
        combo.blockSignals(True)
        combo.clear()
        for value, shown in options:
            combo.addItem(shown, value)
        combo.blockSignals(False)

    def choose(self, name: str, value: str) -> bool:
        """Pick `value` in the combo `name`; False when it is not among the options."""
        combo = self.combos[name]
        index = combo.findData(value)
        if index >= 0:
            combo.setCurrentIndex(index)
        return index >= 0

    def choice(self, name: str) -> str:
        data = self.combos[name].currentData()
        return "" if data is None else str(data)

    def _check(self, *_args: object) -> None:
        by, reason = self.values()
        chosen = all(self.choice(name) for name in self.combos)
        self.ok.setEnabled(bool(by and reason and chosen))

    def values(self) -> tuple[str, str]:
        """(who, the reason), each trimmed."""
        return self.by_edit.text().strip(), self.reason_edit.toPlainText().strip()

    def accept(self) -> None:
        if not self.ok.isEnabled():  # Ok is off then; this holds for a direct accept() too
            return
        super().accept()
