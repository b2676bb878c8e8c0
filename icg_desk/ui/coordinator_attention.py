"""The Coordinator window's "Needs attention" view: every flag with its reads side by side, and
accepting one with a written reason; every conflict between two copies of a read with both
versions side by side, and resolving one (take the merged or the returned version) with a reason.

The model (`FlagsModel`) is plain data a test drives without a window; names, reads and reasons
are plain strings (views never interpret them), tooltips go through `plain_tip`.
"""

from __future__ import annotations

import getpass
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor, QFontDatabase
from PySide6.QtWidgets import (
    QAbstractItemView,
    QButtonGroup,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QRadioButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from icg_desk.models.cohort_results import CandidateResult, CohortResults
from icg_desk.models.conflicts import Conflict
from icg_desk.models.flags import CandidateFlag
from icg_desk.scoring import Rubric
from icg_desk.scoring.flags import FlagState
from icg_desk.ui import palette as palettes
from icg_desk.ui.coordinator_dialogs import dialog_stylesheet, plain_tip
from icg_desk.ui.rubric_panel import plain_label
from icg_desk.ui.table_model import ModelIndex, RowsTableModel

STATE_TEXT = {
    FlagState.OPEN: "Open",
    FlagState.ACCEPTED: "Accepted",
    FlagState.ADJUDICATED: "Adjudicated",
    FlagState.CLEARED: "Cleared",
}


@dataclass(frozen=True)
class FlagRow:
    """One flag of one candidate, as the view lists it."""

    candidate: CandidateResult
    flag: CandidateFlag

    @property
    def code(self) -> str:
        return self.candidate.code


def flag_rows(results: CohortResults | None) -> list[FlagRow]:
    """Every flag, the open ones first, each group in candidate id order."""
    if results is None:
        return []
    rows = [FlagRow(c, f) for c in results.candidates for f in c.flags]
    return sorted(rows, key=lambda r: (not r.flag.open, r.candidate.candidate_id))


def release_waits_for(results: CohortResults | None) -> str:
    """What release waits for, in one line for the window; "" when it can go (or went)."""
    if results is None or results.released_at is not None or not results.candidates:
        return ""
    parts: list[str] = []
    reading = len(results.missing)
    if reading:
        parts.append(f"{reading} candidate{'s' if reading != 1 else ''} waiting for reads")
    flagged = len(results.open_flags)
    if flagged:
        parts.append(f"{flagged} open flag{'s' if flagged != 1 else ''} (Needs attention)")
    conflicts = sum(c.conflicts for c in results.candidates if c.withdrawn is None)
    if conflicts:
        parts.append(
            f"{conflicts} conflict{'s' if conflicts != 1 else ''} between two copies "
            "(Needs attention)"
        )
    return "Release waits for " + " and ".join(parts) if parts else ""


class FlagsModel(RowsTableModel):
    """Every flag: who, which, each complete read side by side, its state and who closed it."""

    ID, CODE, NAME, FLAG, STATE = range(5)
    FIXED = ("ID", "Code", "Name", "Flag", "State")
    CLOSED_HEADER = "Accepted or adjudicated"
    HEADERS: tuple[str, ...] = (*FIXED, "Read 1", "Read 2", CLOSED_HEADER)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._rows: list[FlagRow] = []
        self._rubric: Rubric | None = None
        self.reads = 2

    def set_results(self, results: CohortResults | None) -> None:
        rows = flag_rows(results)
        self.beginResetModel()
        self._rubric = None if results is None else results.rubric
        self.reads = max([2, *(len(r.flag.reads) for r in rows)])
        reads = tuple(f"Read {n}" for n in range(1, self.reads + 1))
        self.HEADERS = (*self.FIXED, *reads, self.CLOSED_HEADER)
        self._rows = rows
        self.endResetModel()

    def row(self, row: int) -> FlagRow:
        return self._rows[row]

    @property
    def open_count(self) -> int:
        return sum(1 for r in self._rows if r.flag.open)

    def text(self, row: int, column: int) -> str:
        r = self._rows[row]
        c, f = r.candidate, r.flag
        if column == self.ID:
            return c.candidate_id
        if column == self.CODE:
            return c.code
        if column == self.NAME:
            return c.name
        if column == self.FLAG:
            return f.title(self._rubric) if self._rubric is not None else f.kind.value
        if column == self.STATE:
            return STATE_TEXT[f.state]
        read = column - len(self.FIXED)
        if 0 <= read < self.reads:
            return f.reads[read].text if read < len(f.reads) else ""
        return f.closed_text()

    def data(self, index: ModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return self.text(index.row(), index.column())
        f = self._rows[index.row()].flag
        if role == Qt.ItemDataRole.ForegroundRole and index.column() == self.STATE:
            colours = palettes.current()
            return QColor(colours.waiting if f.open else colours.muted_text)
        if role == Qt.ItemDataRole.ToolTipRole:
            lines = [*f.reasons]
            if f.closed_text():
                lines.append(f.closed_text())
            return plain_tip("\n".join(lines))
        return None


class ConflictsModel(RowsTableModel):
    """Every open conflict: whose read, then both versions of each factor that differs."""

    CODE, SCORER, BATCH, MERGED, RETURNED, DIFFER = range(6)
    HEADERS = ("Code", "Scorer", "Batch", "Merged version", "Returned copy", "Factors that differ")

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._rows: list[Conflict] = []
        self._rubric: Rubric | None = None

    def set_conflicts(self, conflicts: tuple[Conflict, ...], rubric: Rubric | None) -> None:
        self.beginResetModel()
        self._rows, self._rubric = list(conflicts), rubric
        self.endResetModel()

    def row(self, row: int) -> Conflict:
        return self._rows[row]

    def text(self, row: int, column: int) -> str:
        c = self._rows[row]
        if column == self.CODE:
            return c.code
        if column == self.SCORER:
            return c.scorer_id
        if column == self.BATCH:
            return c.batch_id or ""
        if column == self.MERGED:
            return f"revision {c.merged.revision}" + (
                f", {c.merged.source}" if c.merged.source else ""
            )
        if column == self.RETURNED:
            return f"revision {c.returned.revision}, {c.returned.source}"
        if self._rubric is None:
            return ""
        return "; ".join(
            f"{self._rubric.factor(k).name} {_score(c.merged.score(k))} | "
            f"{_score(c.returned.score(k))}"
            for k in c.differing(self._rubric)
        )

    def data(self, index: ModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return self.text(index.row(), index.column())
        if role == Qt.ItemDataRole.ToolTipRole and self._rubric is not None:
            return plain_tip(self._rows[index.row()].text(self._rubric))
        return None


def _score(stored: str | None) -> str:
    return stored if stored is not None else "-"


class ResolveConflictDialog(QDialog):
    """Resolve a conflict: both versions side by side, which to take, who and why (required)."""

    def __init__(self, conflict: Conflict, rubric: Rubric, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("resolveConflictDialog")
        self.setWindowTitle("Resolve a conflict between two copies")
        self.setStyleSheet(dialog_stylesheet(palettes.current()))
        # The two versions in columns, as `cohort conflicts` prints them: in a fixed-width font,
        # so that the columns line up (in the window's font they did not).
        intro = plain_label(conflict.text(rubric), wrap=False, object_name="dialogIntro")
        mono = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
        mono.setPointSizeF(intro.font().pointSizeF())
        intro.setFont(mono)
        note = plain_label(
            "Two copies of this read were edited apart: neither continues the other, so "
            "neither was applied over the other. Take the merged version to keep the reads as "
            "they are, or the returned copy to put its scores and rationales in their place. "
            "Your name, the time and your reason are kept in the cohort's log.",
            object_name="dialogNote",
        )
        self.take_merged = QRadioButton("Keep the &merged version")
        self.take_merged.setObjectName("takeMerged")
        self.take_returned = QRadioButton(f"Take the &returned copy ({conflict.returned.source})")
        self.take_returned.setObjectName("takeReturned")
        self.takes = QButtonGroup(self)
        self.takes.addButton(self.take_merged)
        self.takes.addButton(self.take_returned)
        self.by_edit = QLineEdit(_user_name())
        self.by_edit.setObjectName("resolveBy")
        self.reason_edit = QPlainTextEdit()
        self.reason_edit.setObjectName("resolveReason")
        self.reason_edit.setPlaceholderText("Why this version (required)")
        self.reason_edit.setTabChangesFocus(True)
        form = QFormLayout()
        form.addRow(self.take_merged)
        form.addRow(self.take_returned)
        form.addRow("Resolved &by", self.by_edit)
        form.addRow("Rea&son", self.reason_edit)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok.setText("Resolve")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        self.by_edit.textChanged.connect(self._check)
        self.reason_edit.textChanged.connect(self._check)
        self.takes.buttonToggled.connect(self._check)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(note)
        layout.addLayout(form)
        layout.addWidget(self.buttons)
        self.setMinimumWidth(560)
        self._check()

    def _check(self, *_args: object) -> None:
        take, by, reason = self.values()
        self.ok.setEnabled(bool(take and by and reason))

    def values(self) -> tuple[str, str, str]:
        """(merged or returned, "" when neither is chosen; who; the reason), trimmed."""
        take = (
            "merged"
            if self.take_merged.isChecked()
            else "returned"
            if self.take_returned.isChecked()
            else ""
        )
        return take, self.by_edit.text().strip(), self.reason_edit.toPlainText().strip()


class AcceptFlagDialog(QDialog):
    """Accept a flagged result: the flag, both reads, and who accepts it and why (required)."""

    def __init__(self, row: FlagRow, rubric: Rubric, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("acceptFlagDialog")
        self.setWindowTitle("Accept a flagged result")
        self.setStyleSheet(dialog_stylesheet(palettes.current()))
        c, f = row.candidate, row.flag
        intro = plain_label(
            f"Candidate {c.candidate_id} ({c.code}), {c.name}: {f.title(rubric)}.\n"
            + "\n".join(f.reasons)
            + "\n\nThe reads:\n"
            + "\n".join(f"  {r.text}" for r in f.reads)
            + "\n\nAccepting lets the result stand as the reads give it. Your name, the time "
            "and your reason are kept in the cohort's audit log. Should a later file change "
            "these reads, the flag opens again.",
            object_name="dialogIntro",
        )
        self.by_edit = QLineEdit(_user_name())
        self.by_edit.setObjectName("acceptBy")
        self.reason_edit = QPlainTextEdit()
        self.reason_edit.setObjectName("acceptReason")
        self.reason_edit.setPlaceholderText("Why the result stands (required)")
        self.reason_edit.setTabChangesFocus(True)
        form = QFormLayout()
        form.addRow("Accepted &by", self.by_edit)
        form.addRow("&Reason", self.reason_edit)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok.setText("Accept")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        self.by_edit.textChanged.connect(self._check)
        self.reason_edit.textChanged.connect(self._check)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(self.buttons)
        self.setMinimumWidth(520)
        self._check()
        self.reason_edit.setFocus()

    def _check(self, *_args: object) -> None:
        by, reason = self.values()
        self.ok.setEnabled(bool(by and reason))

    def values(self) -> tuple[str, str]:
        """(who accepts, the reason), each trimmed."""
        return self.by_edit.text().strip(), self.reason_edit.toPlainText().strip()


def _user_name() -> str:
    try:
        return getpass.getuser()
    except (OSError, KeyError):
        return ""


class AttentionPanel(QWidget):
    """The Needs attention tab: what release waits for, every flag, and Accept."""

    accept_requested = Signal()
    adjudicate_requested = Signal()
    resolve_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("attentionPanel")
        self.model = FlagsModel(self)
        self.release_note = plain_label("", object_name="panelNote")
        self.release_note.setObjectName("attentionReleaseNote")
        self.view = QTableView()
        self.view.setTabKeyNavigation(False)  # Tab leaves the table; arrows move the rows
        self.view.setObjectName("flagsView")
        self.view.setModel(self.model)
        self.view.setAlternatingRowColors(True)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.view.setWordWrap(False)
        self.view.setShowGrid(False)
        self.view.verticalHeader().hide()
        self.view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.view.horizontalHeader().setStretchLastSection(True)
        self.view.horizontalHeader().setDefaultAlignment(Qt.AlignmentFlag.AlignLeft)
        self.view.doubleClicked.connect(lambda _i: self._ask_accept())
        self.detail = plain_label("", object_name="panelNote")
        self.detail.setObjectName("flagDetail")
        self.accept_button = QPushButton("Accept with a reason…")
        self.accept_button.setObjectName("acceptFlagButton")
        self.accept_button.setToolTip(
            "Let the selected flag's result stand, with your reason (kept in the audit log)"
        )
        self.accept_button.clicked.connect(self._ask_accept)
        self.adjudicate_button = QPushButton("Send for adjudication…")
        self.adjudicate_button.setObjectName("adjudicateButton")
        self.adjudicate_button.setToolTip(
            "Write one batch per adjudicator with the flagged portfolios: each asks only for "
            "the factors of its open flags (Ctrl+Shift+J)"
        )
        self.adjudicate_button.clicked.connect(self.adjudicate_requested)
        self.view.selectionModel().selectionChanged.connect(self._selected)
        self.model.modelReset.connect(self._selected)
        self._released = False
        # Conflicts between two copies of a read, below the flags: both versions, and Resolve.
        self.conflicts = ConflictsModel(self)
        self.conflicts_note = plain_label("", object_name="panelNote")
        self.conflicts_note.setObjectName("conflictsNote")
        self.conflicts_view = QTableView()
        self.conflicts_view.setTabKeyNavigation(False)  # Tab leaves the table; arrows move the rows
        self.conflicts_view.setObjectName("conflictsView")
        self.conflicts_view.setModel(self.conflicts)
        self.conflicts_view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.conflicts_view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.conflicts_view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.conflicts_view.setWordWrap(False)
        self.conflicts_view.verticalHeader().hide()
        self.conflicts_view.horizontalHeader().setStretchLastSection(True)
        self.conflicts_view.doubleClicked.connect(lambda _i: self._ask_resolve())
        self.resolve_button = QPushButton("Resolve…")
        self.resolve_button.setObjectName("resolveConflictButton")
        self.resolve_button.setToolTip(
            "Take the merged or the returned version of the selected read, with your reason "
            "(kept in the cohort's log)"
        )
        self.resolve_button.clicked.connect(self._ask_resolve)
        self.conflicts_view.selectionModel().selectionChanged.connect(self._conflict_selected)
        self.conflicts.modelReset.connect(self._conflict_selected)
        bottom = QHBoxLayout()
        bottom.addWidget(self.detail, 1)
        bottom.addWidget(self.adjudicate_button, 0, Qt.AlignmentFlag.AlignTop)
        bottom.addWidget(self.accept_button, 0, Qt.AlignmentFlag.AlignTop)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(6)
        layout.addWidget(self.release_note)
        layout.addWidget(self.view, 1)
        layout.addLayout(bottom)
        below = QHBoxLayout()
        below.addWidget(self.conflicts_note, 1)
        below.addWidget(self.resolve_button, 0, Qt.AlignmentFlag.AlignTop)
        layout.addWidget(self.conflicts_view)
        layout.addLayout(below)
        self.show_conflicts((), None)

    def show_conflicts(self, conflicts: tuple[Conflict, ...], rubric: Rubric | None) -> None:
        """The open conflicts between two copies of a read (hidden when there are none)."""
        self.conflicts.set_conflicts(conflicts, rubric)
        self.conflicts_view.setVisible(bool(conflicts))
        self.resolve_button.setVisible(bool(conflicts))
        self.conflicts_note.setVisible(bool(conflicts))
        if conflicts:
            self.conflicts_view.resizeColumnsToContents()
            self.conflicts_view.selectRow(0)
        self._conflict_selected()

    def selected_conflict(self) -> Conflict | None:
        rows = self.conflicts_view.selectionModel().selectedRows()
        return self.conflicts.row(rows[0].row()) if rows else None

    def select_conflict(self, code: str, scorer_id: str) -> bool:
        for n in range(self.conflicts.rowCount()):
            c = self.conflicts.row(n)
            if (c.code, c.scorer_id) == (code, scorer_id):
                self.conflicts_view.selectRow(n)
                return True
        return False

    def _conflict_selected(self, *_args: object) -> None:
        count = self.conflicts.rowCount()
        self.resolve_button.setEnabled(self.selected_conflict() is not None and not self._released)
        self.conflicts_note.setText(
            f"{count} conflict{'s' if count != 1 else ''} between two copies of a read: each "
            "copy was edited apart from the other, so neither was applied over the other and the "
            "candidate's result waits. Choose one, then Resolve to take a version."
            if count
            else ""
        )

    def _ask_resolve(self) -> None:
        if self.selected_conflict() is not None and not self._released:
            self.resolve_requested.emit()

    def show_results(self, results: CohortResults | None) -> None:
        self._released = results is not None and results.released_at is not None
        self.model.set_results(results)
        waits = release_waits_for(results)
        if results is None:
            note = ""
        elif self._released:
            note = "The results are released: flags can no longer be accepted."
        elif self.model.open_count:
            # What release waits for is said above the dashboard; here, what to do.
            note = (
                "Each open flag holds its candidate's result back. Send for adjudication writes "
                "the flagged portfolios to adjudicators; merge their batches back and the flags "
                "they settle close. Or choose one to see why it was raised; Accept with a reason "
                "lets its result stand as the reads give it."
            )
        elif waits:
            note = waits + "."
        else:
            note = "Nothing holds the release back: every read is in and no flag is open."
        self.release_note.setText(note)
        for column in range(self.model.columnCount() - 1):
            self.view.resizeColumnToContents(column)
            self.view.setColumnWidth(column, min(self.view.columnWidth(column), 260))
        if self.model.rowCount():
            self.view.selectRow(0)
        self._selected()

    def selected(self) -> FlagRow | None:
        rows = self.view.selectionModel().selectedRows()
        return self.model.row(rows[0].row()) if rows else None

    def select(self, code: str, factor: str = "") -> bool:
        for n in range(self.model.rowCount()):
            r = self.model.row(n)
            if r.code == code and r.flag.factor == factor:
                self.view.selectRow(n)
                return True
        return False

    def _selected(self, *_args: object) -> None:
        row = self.selected()
        can = row is not None and row.flag.open and not self._released
        self.accept_button.setEnabled(can)
        self.adjudicate_button.setEnabled(bool(self.model.open_count) and not self._released)
        if row is None:
            self.detail.setText("No flags: no two reads disagree." if not self.model.rowCount()
                                else "")  # fmt: skip
            return
        lines = [*row.flag.reasons]
        if row.flag.closed_text():
            lines.append(row.flag.closed_text().capitalize())
        self.detail.setText("\n".join(lines))

    def _ask_accept(self) -> None:
        row = self.selected()
        if row is not None and row.flag.open and not self._released:
            self.accept_requested.emit()
