"""The coordinator window's dialogs: a new cohort, assigning reads, a rejected import, the merge
report; and what they share with the dashboard (outcome names and colours, plain tooltips).

Everything a file or a roster brings in (candidate names, file names, reasons quoting a returned
file, problems quoting a cell) is shown as plain text: in item views (whose models return plain
strings, which views never interpret), in plain-text labels, and in tooltips only through
`plain_tip`.
"""

from __future__ import annotations

import random
from collections.abc import Sequence

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QGuiApplication, QStandardItem, QStandardItemModel
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHeaderView,
    QLineEdit,
    QPushButton,
    QSizePolicy,
    QSpinBox,
    QTreeView,
    QVBoxLayout,
    QWidget,
)

from icg_desk.models.merge import (
    ACCEPTED,
    NO_SCORES,
    REJECTED,
    REPLACED,
    UNCHANGED,
    MergeOutcome,
    merge_report,
)
from icg_desk.models.roster import ImportProblem
from icg_desk.models.rubric_file import DEFAULT_EDITION, RubricError, builtin_rubric
from icg_desk.paths import builtin_editions
from icg_desk.scoring import Rubric
from icg_desk.ui import palette as palettes
from icg_desk.ui.palette import Palette
from icg_desk.ui.plain_text import plain_tip as plain_tip  # also imported from here
from icg_desk.ui.rubric_panel import plain_label

OUTCOME_TEXT = {
    ACCEPTED: "Accepted",
    UNCHANGED: "Unchanged",
    NO_SCORES: "No scores yet",
    REPLACED: "Replaced",
    REJECTED: "Rejected",
}


def outcome_colour(outcome: str, p: Palette) -> QColor | None:
    """The text colour of a returned file's outcome; None (the view's own) for an unknown one."""
    role = {
        ACCEPTED: p.certified,
        REPLACED: p.accent,
        UNCHANGED: p.muted_text,
        NO_SCORES: p.muted_text,
        REJECTED: p.error,
    }.get(outcome)
    return None if role is None else QColor(role)


def dialog_stylesheet(p: Palette) -> str:
    return f"""
QTreeView {{ border: 1px solid {p.border}; }}
QTreeView::item {{ padding: 3px 6px; }}
QTreeView QHeaderView::section {{
    background: {p.background}; color: {p.muted_text}; font-weight: 600; padding: 4px 6px;
    border: none; border-bottom: 1px solid {p.border};
}}
#dialogIntro {{ color: {p.secondary_text}; }}
#dialogNote {{ color: {p.muted_text}; }}
#dialogNote[problem="true"] {{ color: {p.error}; }}
#dialogTotals {{ color: {p.text}; font-weight: 600; }}
"""


def _row(*cells: str) -> list[QStandardItem]:
    items = []
    for text in cells:
        item = QStandardItem(text)
        item.setEditable(False)
        items.append(item)
    return items


def _table(model: QStandardItemModel, object_name: str) -> QTreeView:
    view = QTreeView()
    view.setObjectName(object_name)
    view.setModel(model)
    view.setRootIsDecorated(False)
    view.setAlternatingRowColors(True)
    view.setUniformRowHeights(True)
    view.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    view.setWordWrap(False)
    view.setTextElideMode(Qt.TextElideMode.ElideMiddle)
    return view


class NewCohortDialog(QDialog):
    """File > New cohort: the cohort's name and the rubric edition its portfolios are scored on.

    The window asks where to save it next; the name is required (blank is refused here).
    """

    def __init__(
        self, *, name: str = "", edition: str | None = None, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("newCohortDialog")
        self.setWindowTitle("New cohort")
        self.setStyleSheet(dialog_stylesheet(palettes.current()))
        intro = plain_label(
            "A cohort is one file (.icgcohort) for one round of certification: its roster, "
            "scorers, reads and results. Name it and choose the rubric its portfolios are "
            "scored on; next you choose where to save it.",
            object_name="dialogIntro",
        )
        self.name_edit = QLineEdit(name)
        self.name_edit.setObjectName("cohortNameEdit")
        self.name_edit.setPlaceholderText("e.g. 2026-27")
        self.name_edit.setToolTip("Shown on the dashboard and in every batch sent to a scorer")
        self.edition_box = QComboBox()
        self.edition_box.setObjectName("editionBox")
        # Each edition read once here: the note under the list says what the chosen one is.
        self._rubrics: dict[str, Rubric | RubricError] = {}
        for key in builtin_editions():
            try:
                self._rubrics[key] = builtin_rubric(key)
            except RubricError as exc:  # a coordinator may have edited the installed file
                self._rubrics[key] = exc
            self.edition_box.addItem(key, key)
        wanted = self.edition_box.findData(edition or DEFAULT_EDITION)
        self.edition_box.setCurrentIndex(max(0, wanted))
        self.edition_note = plain_label(object_name="dialogNote")
        form = QFormLayout()
        form.addRow("Cohort &name", self.name_edit)
        form.addRow("&Rubric edition", self.edition_box)
        form.addRow("", self.edition_note)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.create_button = buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.create_button.setText("Create…")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        self.name_edit.textChanged.connect(self._check)
        self.edition_box.currentIndexChanged.connect(self._check)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addSpacing(6)
        layout.addLayout(form)
        layout.addWidget(buttons)
        self._check()
        self.setMinimumWidth(520)
        self.adjustSize()

    def _rubric(self) -> Rubric | RubricError | None:
        return self._rubrics.get(self.edition_box.currentData())

    def _check(self, *_args: object) -> None:
        rubric = self._rubric()
        if rubric is None:
            note = "No rubric edition is installed: reinstall ICG Desk."
        elif isinstance(rubric, RubricError):
            note = f"This edition cannot be read: {rubric}"
        else:
            entries, reads = len(rubric.entries), rubric.reads.per_portfolio
            note = (
                f"{rubric.title}. {entries} entr{'ies' if entries != 1 else 'y'}, "
                f"{len(rubric.factors)} factors, {reads} read{'s' if reads != 1 else ''} per "
                "portfolio."
            )
        self.edition_note.setText(note)
        problem = not isinstance(rubric, Rubric)
        if self.edition_note.property("problem") != problem:
            self.edition_note.setProperty("problem", problem)
            self.edition_note.style().unpolish(self.edition_note)
            self.edition_note.style().polish(self.edition_note)
        self.create_button.setEnabled(self._ready())

    def _ready(self) -> bool:
        return bool(self.name_edit.text().strip()) and isinstance(self._rubric(), Rubric)

    def accept(self) -> None:
        if not self._ready():  # Create is off then; this holds for a direct accept() too
            self.name_edit.setFocus()
            return
        super().accept()

    def values(self) -> tuple[str, str]:
        """(the cohort's name, trimmed; the rubric edition) as chosen."""
        return self.name_edit.text().strip(), str(self.edition_box.currentData())


class AssignDialog(QDialog):
    """Cohort > Assign: the seed (the same seed gives the same plan) and reads per portfolio."""

    def __init__(
        self,
        *,
        reads: int,
        scorers: int,
        seed: int | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("assignDialog")
        self.setWindowTitle("Assign portfolios to scorers")
        self.setStyleSheet(dialog_stylesheet(palettes.current()))
        intro = plain_label(
            "Every portfolio gets the reads it is still missing; reads already assigned stay "
            "where they are. No scorer reads a portfolio from their own organisation or one they "
            "declared a conflict with, and the load is balanced. The same seed gives the same "
            "plan, so note it if you may need to repeat it.",
            object_name="dialogIntro",
        )
        self.seed_box = QSpinBox()
        self.seed_box.setObjectName("seedBox")
        self.seed_box.setRange(0, 2**31 - 1)
        self.seed_box.setValue(random.randrange(1, 100_000) if seed is None else seed)
        self.reads_box = QSpinBox()
        self.reads_box.setObjectName("readsBox")
        self.reads_box.setRange(1, max(1, scorers, reads))
        self.reads_box.setValue(reads)
        self.reads_box.setToolTip(
            f"The rubric asks for {reads}; each read goes to a different scorer "
            f"({scorers} in this cohort)."
        )
        for box in (self.seed_box, self.reads_box):
            box.setMinimumWidth(110)
            box.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
        form = QFormLayout()
        form.addRow("&Seed", self.seed_box)
        form.addRow("&Reads per portfolio", self.reads_box)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        ok = buttons.button(QDialogButtonBox.StandardButton.Ok)
        ok.setText("Assign")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addSpacing(6)
        layout.addLayout(form)
        layout.addWidget(buttons)
        # A fixed width first, so the wrapped intro is measured at it and shown whole.
        self.setMinimumWidth(480)
        self.adjustSize()

    def values(self) -> tuple[int, int]:
        """(seed, reads per portfolio) as chosen."""
        return self.seed_box.value(), self.reads_box.value()


class ImportProblemsDialog(QDialog):
    """A rejected import: every problem with its file, row and column; nothing was imported.

    For a roster whose problems are all in single rows, it offers to import the valid rows only
    (the problems with the file as a whole would reject that too, so then it does not).
    """

    def __init__(
        self,
        title: str,
        intro: str,
        problems: Sequence[ImportProblem],
        *,
        offer_valid_only: bool = False,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("importProblemsDialog")
        self.setWindowTitle(title)
        self.setStyleSheet(dialog_stylesheet(palettes.current()))
        self.chose_valid_only = False
        self.problems = tuple(problems)

        self.model = QStandardItemModel(0, 4, self)
        self.model.setHorizontalHeaderLabels(["File", "Row", "Column", "Problem"])
        for p in self.problems:
            self.model.appendRow(
                _row(
                    p.file.name,
                    "" if p.row is None else str(p.row),
                    p.column or "",
                    p.message,
                )
            )
        self.view = _table(self.model, "problemList")
        self.view.setWordWrap(True)
        self.view.setUniformRowHeights(False)
        header = self.view.header()
        header.setStretchLastSection(True)
        for column in range(3):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)

        count = len(self.problems)
        label = plain_label(
            f"{intro}\n\n{count} problem{'s' if count != 1 else ''}, listed below:",
            object_name="dialogIntro",
        )
        buttons = QDialogButtonBox()
        self.valid_only_button: QPushButton | None = None
        if offer_valid_only and self.problems and all(p.row is not None for p in self.problems):
            self.valid_only_button = buttons.addButton(
                "Import the valid rows only", QDialogButtonBox.ButtonRole.AcceptRole
            )
            self.valid_only_button.setObjectName("validOnlyButton")
            self.valid_only_button.setToolTip(
                "Import every row without a problem now; fix the rows listed here and import "
                "them later."
            )
            self.valid_only_button.clicked.connect(self._valid_only)
        copy = buttons.addButton("Copy the list", QDialogButtonBox.ButtonRole.ActionRole)
        copy.clicked.connect(self._copy)
        close = buttons.addButton(QDialogButtonBox.StandardButton.Close)
        close.clicked.connect(self.reject)
        close.setDefault(True)

        layout = QVBoxLayout(self)
        layout.addWidget(label)
        layout.addWidget(self.view, 1)
        layout.addWidget(buttons)
        self.resize(820, 420)

    def text(self) -> str:
        return "\n".join(str(p) for p in self.problems)

    def _copy(self) -> None:
        QGuiApplication.clipboard().setText(self.text())

    def _valid_only(self) -> None:
        self.chose_valid_only = True
        self.accept()


class MergeReportDialog(QDialog):
    """What became of each returned file: its outcome, whose it was, what changed, and why."""

    FILE, OUTCOME, SCORER, BATCH, CHANGED, REASON = range(6)

    def __init__(self, outcomes: Sequence[MergeOutcome], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("mergeReportDialog")
        self.setWindowTitle("Merge report")
        self.setStyleSheet(dialog_stylesheet(palettes.current()))
        self.outcomes = tuple(outcomes)
        self.report = merge_report(self.outcomes)
        colours = palettes.current()

        self.model = QStandardItemModel(0, 6, self)
        self.model.setHorizontalHeaderLabels(
            ["File", "Outcome", "Scorer", "Batch", "Scores changed", "Reason"]
        )
        for o in self.outcomes:
            cells = _row(
                o.file.name,
                OUTCOME_TEXT.get(o.outcome, o.outcome),
                o.scorer_id or "–",
                _short_batch(o.batch_id),
                "–" if o.outcome == REJECTED else str(o.changed),
                o.reason,
            )
            cells[self.FILE].setToolTip(plain_tip(str(o.file)))
            cells[self.BATCH].setToolTip(plain_tip(o.batch_id or ""))
            cells[self.REASON].setToolTip(plain_tip(o.reason))
            cells[self.OUTCOME].setForeground(
                outcome_colour(o.outcome, colours) or QColor(colours.text)
            )
            cells[self.CHANGED].setTextAlignment(
                Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
            )
            self.model.appendRow(cells)
        self.view = _table(self.model, "mergeReportView")
        self.view.setWordWrap(True)
        self.view.setUniformRowHeights(False)
        header = self.view.header()
        header.setStretchLastSection(True)
        for column in range(self.REASON):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)

        self.totals = plain_label(self.report.splitlines()[-1], object_name="dialogTotals")
        rejected = sum(o.outcome == REJECTED for o in self.outcomes)
        hint = (
            "A rejected file changed nothing; its reason says what to ask the scorer for."
            if rejected
            else "A file with no scores yet changed nothing: ask the scorer for the scored one."
            if any(o.outcome == NO_SCORES for o in self.outcomes)
            else "Every file was merged whole."
        )
        buttons = QDialogButtonBox()
        copy = buttons.addButton("Copy report", QDialogButtonBox.ButtonRole.ActionRole)
        copy.setToolTip("Copy the report as plain text, to paste into an e-mail to a scorer")
        copy.clicked.connect(lambda: QGuiApplication.clipboard().setText(self.report))
        close = buttons.addButton(QDialogButtonBox.StandardButton.Close)
        close.clicked.connect(self.accept)
        close.setDefault(True)

        layout = QVBoxLayout(self)
        layout.addWidget(self.totals)
        layout.addWidget(plain_label(hint, object_name="dialogIntro"))
        layout.addWidget(self.view, 1)
        layout.addWidget(buttons)
        self.resize(900, 360)

    def rows(self) -> list[tuple[str, ...]]:
        """The table as shown, row by row (for tests and for reading it back)."""
        return [
            tuple(self.model.item(r, c).text() for c in range(self.model.columnCount()))
            for r in range(self.model.rowCount())
        ]


def _short_batch(batch_id: str | None) -> str:
    # Batch ids are UUIDs: the first block tells batches apart at a glance; the tooltip has all.
    if not batch_id:
        return "–"
    return batch_id.split("-")[0] if len(batch_id) > 12 else batch_id
