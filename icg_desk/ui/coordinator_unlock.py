"""Cohort > Give an unlock code: the coordinator lets a scorer's batch open its live portfolios
without qualifying on the practice portfolios (models/unlocking.py; the command line's
`icg-desk cohort unlock`).

The reason is asked first (with who gives it, and which batch), the step is logged, and only
then is the code shown: large, selectable, with a Copy button, to read out or paste into a
message to the scorer. Every text is plain (scorer ids and reasons are the coordinator's).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont, QGuiApplication
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QVBoxLayout, QWidget

from icg_desk.models.unlocking import Unlocked
from icg_desk.operations import unlocking as unlock_ops
from icg_desk.ui import palette as palettes
from icg_desk.ui.coordinator_dialogs import dialog_stylesheet
from icg_desk.ui.coordinator_ways_out import WayOutDialog
from icg_desk.ui.rubric_panel import plain_label
from icg_desk.ui.tasks import Task

if TYPE_CHECKING:
    from icg_desk.ui.coordinator_steps import CoordinatorSteps

TITLE = "Give an unlock code"


class UnlockCodeDialog(QDialog):
    """The code, large and selectable, with what it is for and the log's words."""

    def __init__(self, done: Unlocked, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("unlockCodeDialog")
        self.setWindowTitle(f"Unlock code for {done.scorer_id}")
        self.setStyleSheet(dialog_stylesheet(palettes.current()))
        self.code = done.code
        intro = plain_label(
            f"Give this code to {done.scorer_id}: typed in their batch ({done.batch_id}), it "
            "opens the live portfolios without the practice reads qualifying. Their practice "
            "reads still come back and show in Scorer agreement.",
            object_name="dialogIntro",
        )
        self.code_label = QLabel()
        self.code_label.setObjectName("unlockCode")
        self.code_label.setTextFormat(Qt.TextFormat.PlainText)
        self.code_label.setText(done.code)
        self.code_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.code_label.setTextInteractionFlags(
            Qt.TextInteractionFlag.TextSelectableByMouse
            | Qt.TextInteractionFlag.TextSelectableByKeyboard
        )
        self.code_label.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        font = QFont("monospace")
        font.setStyleHint(QFont.StyleHint.Monospace)
        font.setPointSizeF(max(20.0, self.font().pointSizeF() * 2.4))
        font.setBold(True)
        self.code_label.setFont(font)
        self.code_label.setAccessibleName(f"Unlock code {' '.join(done.code)}")
        logged = plain_label(
            f"Kept in the cohort's log: {done.by}, {done.at:%Y-%m-%d %H:%M} UTC: {done.reason}",
            object_name="panelNote",
        )
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.copy_button = buttons.addButton("&Copy code", QDialogButtonBox.ButtonRole.ActionRole)
        self.copy_button.clicked.connect(self.copy)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.code_label)
        layout.addWidget(logged)
        layout.addWidget(buttons)
        self.setMinimumWidth(520)
        self.code_label.setFocus()

    def copy(self) -> None:
        QGuiApplication.clipboard().setText(self.code)


def give_unlock_code(
    window: CoordinatorSteps,
    batch: str | None = None,
    reason: str | None = None,
    by: str | None = None,
) -> Task[Any]:
    """Ask which batch, who and why (unless all are given), log the step, show the code."""
    if window.cohort is None:
        return Task.finished(TITLE, False)
    if None in (batch, reason, by):
        batches = unlock_ops.practice_batches(window.cohort.ref)
        if not batches:
            window.error(
                TITLE,
                "No batch has been sent with practice portfolios, so there is nothing to unlock.",
            )
            return Task.finished(TITLE, False)
        dialog = WayOutDialog(
            TITLE,
            "A scorer whose practice reads do not meet the rubric's qualifying rule can still "
            "open the live portfolios of their batch with this code. Say why: it is kept in "
            "the cohort's log, and the agreement view shows it beside their practice result.",
            "Give the code",
            [
                (
                    "unlockBatch",
                    "&Batch",
                    [
                        (b.batch_id, f"{b.scorer_id}  {b.batch_id}  ({b.practice} practice)")
                        for b in batches
                    ],
                )
            ],
            window,
        )
        if batch is not None:
            dialog.choose("unlockBatch", batch)
        if by is not None:
            dialog.by_edit.setText(by)
        if reason is not None:
            dialog.reason_edit.setPlainText(reason)
        if dialog.exec() != WayOutDialog.DialogCode.Accepted:
            return Task.finished(TITLE, False)
        batch = dialog.choice("unlockBatch")
        by, reason = dialog.values()
    chosen = (batch or "", reason or "", by or "")

    def shown(done: Any) -> bool:
        if done.problem is not None:
            return window._not_done(TITLE, "No code was given.", done.problem)
        unlocked: Unlocked = done.value
        window.statusBar().showMessage(
            f"Unlock code given for {unlocked.scorer_id}'s batch {unlocked.batch_id}.", 15000
        )
        UnlockCodeDialog(unlocked, window).exec()
        return True

    return window._step(
        TITLE,
        "Logging the unlock…",
        lambda ref, _p: unlock_ops.unlock(
            ref, scorer=None, batch=chosen[0], reason=chosen[1], by=chosen[2]
        ),
        shown,
        cancellable=False,
        failed=False,
    )
