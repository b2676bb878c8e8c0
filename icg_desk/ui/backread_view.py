"""The "Backreads" tab of the Scorer agreement view: each scorer's reads against the backreads
pulled of them (Cohort > Backread a sample), and every difference, in tables the coordinator
sorts by any column (docs/agreement.md says how to read the figures).

Per scorer: backreads back of those pulled, exact and same-level shares, and the mean
difference (the scorer's score minus the backreader's, per read; + the scorer scores higher)
with its simultaneous interval, in the error colour when the interval lies wholly above or below
0. Below, the factors scored differently: candidate code, factor, the scorer's score, the
backreader's and who backread; choosing a scorer above shows theirs only. Plain text
throughout; the figures come with the agreement's (models/agreement.py), read off the UI thread.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QItemSelection, QRegularExpression, QSortFilterProxyModel, Qt
from PySide6.QtGui import QColor, QFont
from PySide6.QtWidgets import QHeaderView, QSplitter, QVBoxLayout, QWidget

from icg_desk.models.agreement import CohortAgreement
from icg_desk.scoring import Rubric, format_score
from icg_desk.scoring.backread import Difference, ScorerBackreads
from icg_desk.ui import palette as palettes
from icg_desk.ui.agreement_charts import points
from icg_desk.ui.figure_text import RIGHT, SortRole, estimate_text, share, sort_number
from icg_desk.ui.plain_text import plain_tip
from icg_desk.ui.rubric_panel import plain_label
from icg_desk.ui.table_model import (
    ModelIndex,
    RowsTableModel,
    select_value,
    selected_value,
    table_view,
)

HIGHER, LOWER = "scores higher", "scores lower"  # than their backreaders


def backread_flag(s: ScorerBackreads) -> str:
    if not s.flagged or s.difference is None:
        return ""
    return HIGHER if s.difference.value > 0 else LOWER


class BackreadScorerModel(RowsTableModel):
    """Every scorer with backreads pulled of their reads."""

    SCORER, FLAG, BACK, EXACT, SAME_LEVEL, DIFFERENCE = range(6)
    HEADERS = (
        "Scorer",
        "Flag",
        "Back",
        "Exact",
        "Same level",
        "Difference [interval]",
    )
    TIPS = (
        "",
        "The difference's interval lies wholly above or below 0: the scorer scores higher (or "
        "lower) than their backreaders. A reason to look at the reads, not a verdict.",
        "Backreads back (every factor scored and merged) of those pulled",
        "The share of factors the scorer and the backreader scored the same",
        "The share of factors with the same level number (3-, 3 and 3+ are all level 3)",
        "The scorer's score minus the backreader's, per read, in score points (+ the scorer "
        "scores higher), with its simultaneous interval",
    )
    ScorerRole = Qt.ItemDataRole.UserRole + 2

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._rows: list[ScorerBackreads] = []

    def set_agreement(self, found: CohortAgreement | None) -> None:
        self._set([] if found is None else list(found.backreads.scorers.values()))

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = 0) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.ToolTipRole:
            return plain_tip(self.TIPS[section])
        return super().headerData(section, orientation, role)

    def text(self, row: int, column: int) -> str:
        s = self._rows[row]
        return (
            s.scorer_id,
            backread_flag(s),
            f"{s.returned} of {s.pulled}",
            share(s.exact),
            share(s.same_level),
            estimate_text(s.difference),
        )[column]

    def data(self, index: ModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        s, column = self._rows[index.row()], index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return self.text(index.row(), column)
        if role == SortRole:
            return self.sort_key(s, column)
        if role == self.ScorerRole:
            return s.scorer_id
        if role == Qt.ItemDataRole.TextAlignmentRole and column in (
            self.BACK,
            self.EXACT,
            self.SAME_LEVEL,
        ):
            return RIGHT
        if role == Qt.ItemDataRole.ForegroundRole and s.flagged:
            if column in (self.SCORER, self.FLAG, self.DIFFERENCE):
                return QColor(palettes.current().error)
            return None
        if role == Qt.ItemDataRole.FontRole and s.flagged:
            font = QFont()
            font.setBold(True)
            return font
        if role == Qt.ItemDataRole.ToolTipRole:
            flag = backread_flag(s)
            return plain_tip(
                f"{s.scorer_id}: {s.returned} of {s.pulled} backreads back; exact "
                f"{share(s.exact)}, same level {share(s.same_level)}; difference "
                f"{estimate_text(s.difference)} (the scorer's score minus the backreader's)"
                + (f"; {flag} than their backreaders" if flag else "")
            )
        return None

    def sort_key(self, s: ScorerBackreads, column: int) -> str | float:
        if column == self.SCORER:
            return s.scorer_id.casefold()
        if column == self.FLAG:
            return 1 if s.flagged else 0
        if column == self.BACK:
            return s.returned
        if column == self.EXACT:
            return sort_number(s.exact)
        if column == self.SAME_LEVEL:
            return sort_number(s.same_level)
        return sort_number(None if s.difference is None else s.difference.value)


class BackreadDifferenceModel(RowsTableModel):
    """The factors a scorer and their backreader scored differently."""

    CODE, FACTOR, SCORER, SCORE, READER_SCORE, DIFFERENCE, READER = range(7)
    HEADERS = ("Candidate", "Factor", "Scorer", "Score", "Backread", "Difference", "By")
    TIPS = (
        "",
        "",
        "Whose read it is",
        "The scorer's score",
        "The backreader's score",
        "The scorer's score minus the backreader's (+ the scorer scored higher)",
        "Who backread it",
    )

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._rows: list[Difference] = []
        self._names: dict[str, str] = {}
        self._labels: dict[object, str] = {}

    def set_agreement(self, found: CohortAgreement | None) -> None:
        if found is None:
            self._names, self._labels = {}, {}
            self._set([])
            return
        rubric: Rubric = found.rubric
        self._names = {f.key: f.name for f in rubric.factors}
        self._labels = {v.value: v.label for v in rubric.scale.values}
        self._set(list(found.backreads.differences))

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = 0) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.ToolTipRole:
            return plain_tip(self.TIPS[section])
        return super().headerData(section, orientation, role)

    def _score(self, value: object) -> str:
        label = self._labels.get(value)
        return format_score(value) if label is None else label  # type: ignore[arg-type]

    def text(self, row: int, column: int) -> str:
        d = self._rows[row]
        return (
            d.portfolio,
            self._names.get(d.factor_key, d.factor_key),
            d.scorer_id,
            self._score(d.scorer_score),
            self._score(d.reader_score),
            points(float(d.points)),
            d.reader_id,
        )[column]

    def data(self, index: ModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        d, column = self._rows[index.row()], index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return self.text(index.row(), column)
        if role == SortRole:
            if column in (self.SCORE, self.READER_SCORE, self.DIFFERENCE):
                return float((d.scorer_score, d.reader_score, d.points)[column - self.SCORE])
            return self.text(index.row(), column).casefold()
        if role == Qt.ItemDataRole.TextAlignmentRole and column in (
            self.SCORE,
            self.READER_SCORE,
            self.DIFFERENCE,
        ):
            return RIGHT
        # A level or more apart: the differences worth a look first.
        if role == Qt.ItemDataRole.ForegroundRole and abs(d.points) >= 1:
            return QColor(palettes.current().error)
        if role == Qt.ItemDataRole.ToolTipRole:
            return plain_tip(
                f"{d.portfolio}, {self._names.get(d.factor_key, d.factor_key)}: "
                f"{d.scorer_id} scored {self._score(d.scorer_score)}, {d.reader_id} "
                f"backread it {self._score(d.reader_score)}"
            )
        return None


class _ScorerFilter(QSortFilterProxyModel):
    """The differences, sorted by the column chosen, of one scorer or of every scorer."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setFilterKeyColumn(BackreadDifferenceModel.SCORER)

    def show_scorer(self, scorer_id: str | None) -> None:
        """The whole id, never a part of it (S-1 is not S-10)."""
        pattern = "" if scorer_id is None else f"^{QRegularExpression.escape(scorer_id)}$"
        self.setFilterRegularExpression(QRegularExpression(pattern))


def backread_line(found: CohortAgreement | None) -> str:
    if found is None:
        return ""
    b = found.backreads
    if not b.scorers:
        return (
            "No backread pulled yet. Cohort > Backread a sample… gives an adjudicator a seeded "
            "random sample of each scorer's completed reads; send it with Send batches and "
            "merge it back."
        )
    flagged = [
        f"{s.scorer_id} {backread_flag(s)} than their backreaders"
        for s in b.scorers.values()
        if s.flagged
    ]
    return (
        f"{b.returned} of {b.pulled} backreads back, {len(b.differences)} factors scored "
        f"differently  ·  difference = the scorer's score minus the backreader's, intervals "
        f"{round(b.confidence * 100)}% simultaneous"
        + (f"  ·  Flagged: {'; '.join(flagged)}" if flagged else "")
    )


class BackreadPanel(QWidget):
    """Each scorer's backread figures above, the differences below."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("backreadPanel")
        self.found: CohortAgreement | None = None
        self.line = plain_label("", object_name="panelNote")
        self.scorer_model = BackreadScorerModel(self)
        self.scorer_sort = QSortFilterProxyModel(self)
        self.scorer_sort.setSourceModel(self.scorer_model)
        self.scorer_sort.setSortRole(SortRole)
        self.scorer_view = table_view(
            self.scorer_sort, "backreadScorerView", row_height=24, single=True
        )
        self.scorer_view.setAccessibleName("Each scorer's reads against their backreads")
        self.scorer_view.setSortingEnabled(True)
        self.scorer_view.sortByColumn(BackreadScorerModel.FLAG, Qt.SortOrder.DescendingOrder)
        self.scorer_view.selectionModel().selectionChanged.connect(self._selected)
        self.difference_model = BackreadDifferenceModel(self)
        self.difference_sort = _ScorerFilter(self)
        self.difference_sort.setSourceModel(self.difference_model)
        self.difference_sort.setSortRole(SortRole)
        self.difference_view = table_view(
            self.difference_sort, "backreadDifferenceView", row_height=24, single=True
        )
        self.difference_view.setAccessibleName("Factors scored differently by scorer and backread")
        self.difference_view.setSortingEnabled(True)
        self.difference_view.sortByColumn(BackreadDifferenceModel.CODE, Qt.SortOrder.AscendingOrder)
        for view in (self.scorer_view, self.difference_view):
            header = view.horizontalHeader()
            header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
            header.setStretchLastSection(True)
        self.difference_label = plain_label("", object_name="panelNote")
        lower = QWidget()
        lower_layout = QVBoxLayout(lower)
        lower_layout.setContentsMargins(0, 0, 0, 0)
        lower_layout.addWidget(self.difference_label)
        lower_layout.addWidget(self.difference_view, 1)
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.setObjectName("backreadSplitter")
        self.splitter.addWidget(self.scorer_view)
        self.splitter.addWidget(lower)
        self.splitter.setChildrenCollapsible(False)
        self.splitter.setStretchFactor(0, 5)  # the differences have more columns
        self.splitter.setStretchFactor(1, 6)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 4, 0, 0)
        layout.addWidget(self.line)
        layout.addWidget(self.splitter, 1)
        self.show_backreads(None)

    def show_backreads(self, found: CohortAgreement | None) -> None:
        self.found = found
        self.scorer_model.set_agreement(found)
        self.difference_model.set_agreement(found)
        self.line.setText(backread_line(found))
        for column in range(BackreadScorerModel.DIFFERENCE):
            self.scorer_view.resizeColumnToContents(column)
        for column in range(BackreadDifferenceModel.READER):
            self.difference_view.resizeColumnToContents(column)
        self._show_scorer(None)

    def selected_scorer(self) -> str | None:
        return selected_value(self.scorer_view, BackreadScorerModel.ScorerRole)

    def select_scorer(self, scorer_id: str) -> bool:
        return select_value(self.scorer_view, BackreadScorerModel.ScorerRole, scorer_id)

    def _selected(self, *_args: QItemSelection) -> None:
        self._show_scorer(self.selected_scorer())

    def _show_scorer(self, scorer_id: str | None) -> None:
        self.difference_sort.show_scorer(scorer_id)
        shown = self.difference_sort.rowCount()
        if self.found is None or not self.found.backreads.scorers:
            self.difference_label.setText("")
        elif scorer_id is None:
            self.difference_label.setText(
                f"Factors scored differently: {shown}. Choose a scorer to see theirs only; "
                "click a column heading to sort."
            )
        else:
            self.difference_label.setText(
                f"Factors {scorer_id} and their backreaders scored differently: {shown}."
            )
