"""Calibration in the scorer's window: the practice portfolios' agreed scores beside the
scorer's own, the unlock-code dialog, and the window's steps for both.

The rules are `operations.batch_work.BatchWork`'s (show_key, unlock, and the lock on live
portfolios); this shows them. Every text from the batch (the expert's rationale, factor names,
candidate codes) is shown as plain text, never interpreted.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from icg_desk.models.calibration import EXACT, FAR, NEAR, KeyRow
from icg_desk.models.schema import PortfolioStatus
from icg_desk.scoring.rubric import Rubric
from icg_desk.ui.rubric_panel import plain_label
from icg_desk.ui.scoring_actions import ScoringActions

if TYPE_CHECKING:
    from collections.abc import Callable

    from icg_desk.models.calibration import Calibration
    from icg_desk.operations.batch_work import Calibrated, PortfolioView

# The style property of a factor's closeness badge: its colour pair in style.py.
_KIND = {EXACT: "exact", NEAR: "near", FAR: "far"}


def _restyle(widget: QWidget, name: str, value: str) -> None:
    widget.setProperty(name, value)
    widget.style().unpolish(widget)
    widget.style().polish(widget)


class KeyComparison(QScrollArea):
    """A practice portfolio compared with its agreed scores: per factor, the scorer's score,
    the agreed score, how close in words and colour, and the expert's rationale."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("keyComparison")
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.body = QWidget()
        self.body.setObjectName("keyComparisonBody")
        self._layout = QVBoxLayout(self.body)
        self._layout.setContentsMargins(8, 6, 8, 6)
        self._layout.setSpacing(6)
        self.setWidget(self.body)
        # Per factor key: (the line of scores, the closeness badge, the rationale).
        self.rows: dict[str, tuple[QLabel, QLabel, QLabel]] = {}
        self.heading = plain_label("", object_name="keyHeading")
        self.hide()

    def clear(self) -> None:
        while self._layout.count():
            item = self._layout.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None and widget is not self.heading:
                widget.deleteLater()
        self.rows = {}

    def show_key(self, rubric: Rubric, code: str, rows: tuple[KeyRow, ...]) -> None:
        self.clear()
        exact = sum(r.closeness == EXACT for r in rows)
        self.heading.setText(f"{code} beside the agreed scores: {exact} of {len(rows)} exact")
        self._layout.addWidget(self.heading)
        for row in rows:
            card = QFrame()
            card.setObjectName("keyCard")
            layout = QVBoxLayout(card)
            layout.setContentsMargins(10, 6, 10, 8)
            layout.setSpacing(3)
            top = QHBoxLayout()
            top.setSpacing(8)
            name = plain_label(rubric.factor(row.factor_key).name, object_name="keyFactor")
            yours = "—" if row.given is None else rubric.scale.label(row.given)
            scores = plain_label(
                f"Yours {yours} · Agreed {rubric.scale.label(row.agreed)}",
                wrap=False,
                object_name="keyScores",
            )
            badge = plain_label(row.words, wrap=False, object_name="closeness")
            _restyle(badge, "kind", _KIND.get(row.closeness, "none"))
            top.addWidget(name, 1)
            top.addWidget(scores)
            top.addWidget(badge)
            layout.addLayout(top)
            why = plain_label(row.rationale or "(no rationale given)", object_name="keyRationale")
            why.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            layout.addWidget(why)
            self._layout.addWidget(card)
            self.rows[row.factor_key] = (scores, badge, why)
        self._layout.addStretch(1)
        self.show()


class UnlockDialog(QDialog):
    """Calibration > Enter unlock code…: the code the coordinator gave. A wrong code is said
    here, and the dialog stays open for another try; nothing changes in the batch."""

    def __init__(self, try_code: Callable[[str], str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("unlockDialog")
        self.setWindowTitle("Enter unlock code")
        self._try = try_code
        intro = plain_label(
            "Your coordinator can open the live portfolios without the practice qualifying: "
            "type the unlock code they gave you for this batch (12 letters and digits, such "
            "as ABCD-EFGH-JKMN; case, spaces and hyphens do not matter)."
        )
        self.code = QLineEdit()
        self.code.setObjectName("unlockCode")
        self.code.setPlaceholderText("XXXX-XXXX-XXXX")
        self.problem = plain_label("", object_name="dialogProblem")
        self.problem.hide()
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        ok = buttons.button(QDialogButtonBox.StandardButton.Ok)
        ok.setText("Unlock")
        buttons.accepted.connect(self._submit)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.code)
        layout.addWidget(self.problem)
        layout.addWidget(buttons)
        self.setMinimumWidth(420)

    def _submit(self) -> None:
        problem = self._try(self.code.text())
        if problem:
            self.problem.setText(problem)
            self.problem.show()
            self.code.selectAll()
            self.code.setFocus()
            return
        self.accept()


class Calibrating(ScoringActions):
    """The scorer's window's calibration steps: `MainWindow` takes them from here, with the
    scoring they hold back (`ScoringActions.calibration_refusal`)."""

    key_comparison: KeyComparison
    practice_banner: QLabel
    calibration_banner: QLabel

    def show_calibration(self, view: PortfolioView) -> None:
        """The practice banner, the agreed scores or the locked-live banner for `view`."""
        assert self.session is not None
        if view.practice:
            where = f"Practice {view.practice} of {view.practice_total}"
            if view.key_shown:
                self.practice_banner.setText(
                    f"{where}: compared with the agreed scores. Your read is settled; the "
                    "expert's scores and reasons are beside it below."
                )
            elif self._status is PortfolioStatus.COMPLETE:
                self.practice_banner.setText(
                    f"{where}: complete. Compare it with the agreed scores (Ctrl+K) when you "
                    "are sure of your read: it cannot change after that."
                )
            else:
                self.practice_banner.setText(
                    f"{where}: calibration before live scoring. Score it as you would any "
                    "portfolio and mark it complete (Ctrl+Return); then compare it with the "
                    "agreed scores (Ctrl+K)."
                )
            self.practice_banner.show()
        else:
            self.practice_banner.hide()
        if view.key_shown:
            self.key_comparison.show_key(self.session.rubric, view.candidate_code, view.key)
        else:
            self.key_comparison.hide()
            self.key_comparison.clear()
        if view.live_locked:
            self.calibration_banner.setText(self.session.work.calibration().words())
            self.calibration_banner.show()
        else:
            self.calibration_banner.hide()

    def compare_with_key(self) -> None:
        """Calibration > Compare with the agreed scores (Ctrl+K) on the portfolio shown."""
        if self.session is None or self._view is None:
            return
        view = self._view
        if not view.practice:
            self.statusBar().showMessage(
                f"{view.candidate_code} is a live portfolio: only practice portfolios have "
                "agreed scores to compare with.",
                6000,
            )
            return
        if view.key_shown:
            self.key_comparison.show()
            self.statusBar().showMessage("The agreed scores are shown beside yours.", 4000)
            return
        if self._status is not PortfolioStatus.COMPLETE:
            self.statusBar().showMessage(
                f"Mark {view.candidate_code} complete first (Ctrl+Return): the agreed scores "
                "are shown once your own read is finished.",
                6000,
            )
            return
        if not self.ask(
            "Compare with the agreed scores",
            f"See the agreed scores and the expert's reasons for {view.candidate_code}?\n\n"
            "Your read of it is then settled: you cannot change it afterwards.",
            "&Compare",
        ):
            return
        done = self.session.show_key(view.id)
        if done is None:
            return
        self._calibrated(done)

    def enter_unlock_code(self) -> None:
        """Calibration > Enter unlock code… (Ctrl+Shift+U)."""
        if self.session is None:
            return
        session = self.session
        found = session.work.calibration()
        if not found.has_practice or found.live_open:
            self.statusBar().showMessage(found.words(), 6000)
            return
        opened: list[Calibrated] = []

        def try_code(text: str) -> str:
            done, problem = session.unlock(text)
            if done is not None:
                opened.append(done)
            return problem

        UnlockDialog(try_code, self).exec()
        if opened:
            self._calibrated(opened[0])

    def show_calibration_status(self) -> None:
        """Calibration > Where my calibration stands."""
        if self.session is None:
            return
        self.inform("Calibration", self.session.work.calibration().words())

    def _calibrated(self, done: Calibrated) -> None:
        """After a key shown or the code entered: the list, the banners and, once, the news."""
        assert self.session is not None
        found = done.calibration
        self.batch_panel.set_live_locked(not found.live_open)
        if self._view is not None:  # shown again: its banners, its lock, its agreed scores
            self.show_portfolio(self._view.id)
        self.update_actions()
        self._say_calibration(found, done.opened)

    def _say_calibration(self, found: Calibration, opened: bool) -> None:
        if opened:
            self.inform("Live portfolios open", found.words())
        elif found.all_shown and not found.live_open:
            self.inform("Practice not qualified yet", found.words())
        else:
            shown, total = len(found.shown), len(found.practice)
            self.statusBar().showMessage(
                f"{shown} of {total} practice portfolios compared. {found.words()}", 10_000
            )
