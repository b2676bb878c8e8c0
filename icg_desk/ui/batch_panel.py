"""The left side of the window: the batch's portfolios, a filter, and the batch's progress."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import (
    QModelIndex,
    QSortFilterProxyModel,
    Qt,
    Signal,
)
from PySide6.QtGui import QColor, QFont, QFontMetrics, QKeyEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QProgressBar,
    QStyle,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from icg_desk.models.calibration import LIVE_LOCKED
from icg_desk.models.schema import PortfolioStatus
from icg_desk.operations.batch_work import Changed, PortfolioSummary
from icg_desk.scoring import Status, format_score
from icg_desk.ui import palette as palettes
from icg_desk.ui.palette import Palette
from icg_desk.ui.plain_text import plain_tip
from icg_desk.ui.rubric_panel import HistoryKeysToWindow
from icg_desk.ui.style import appearance
from icg_desk.ui.table_model import ModelIndex, RowsTableModel

STATUS_TEXT = {
    PortfolioStatus.NOT_STARTED: "Not started",
    PortfolioStatus.IN_PROGRESS: "In progress",
    PortfolioStatus.COMPLETE: "Complete",
}


def all_complete_note(total: int) -> str:
    """The end of the batch: what to do with it now."""
    return (
        f"All {total} portfolios are complete. Send them to your coordinator: "
        "File > Send to coordinator… (Ctrl+Shift+E)"
    )


def status_colour(status: PortfolioStatus, p: Palette) -> QColor:
    return QColor(
        {
            PortfolioStatus.NOT_STARTED: p.pending,
            PortfolioStatus.IN_PROGRESS: p.in_progress,
            PortfolioStatus.COMPLETE: p.complete,
        }[status]
    )


_Index = ModelIndex


def code_font() -> QFont:
    """The candidate code column's font: fixed width, so codes line up."""
    font = QFont()
    font.setFamilies(["DejaVu Sans Mono", "Menlo", "Consolas", "monospace"])
    return font


class PortfolioListModel(RowsTableModel):
    CODE, STATUS, OVERALL = range(3)
    HEADERS = ("Candidate", "Status", "Overall")
    PortfolioIdRole = Qt.ItemDataRole.UserRole + 1
    StatusRole = Qt.ItemDataRole.UserRole + 2

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._row_of: dict[int, int] = {}
        # Kept as rows change: counting a thousand rows at every key showed in its time.
        self._complete = 0
        # Calibration: the live portfolios wait for the practice (shown "Locked").
        self._live_locked = False

    def set_live_locked(self, locked: bool) -> None:
        if locked != self._live_locked:
            self._live_locked = locked
            if self._rows:
                last = len(self._rows) - 1
                self.dataChanged.emit(self.index(0, 0), self.index(last, len(self.HEADERS) - 1))

    def _locked(self, p: PortfolioSummary) -> bool:
        return self._live_locked and not p.practice

    def widest_code(self) -> str:
        """The longest text of the code column (a practice portfolio's says so too)."""
        texts = [self._text(p, self.CODE) for p in self._rows]
        return max(texts, key=len, default="")

    def set_portfolios(self, rows: list[PortfolioSummary]) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self._row_of = {p.id: i for i, p in enumerate(self._rows)}
        self._complete = sum(p.status is PortfolioStatus.COMPLETE for p in self._rows)
        self.endResetModel()

    def apply(self, changed: Changed) -> None:
        row = self._row_of.get(changed.portfolio_id)
        if row is None:
            return
        old = self._rows[row]
        self._complete += (changed.status is PortfolioStatus.COMPLETE) - (
            old.status is PortfolioStatus.COMPLETE
        )
        self._rows[row] = PortfolioSummary(
            old.id,
            old.position,
            old.candidate_code,
            changed.status,
            changed.decision,
            old.partial,
            old.practice,
        )
        self.dataChanged.emit(self.index(row, 0), self.index(row, len(self.HEADERS) - 1))

    def summary(self, portfolio_id: int) -> PortfolioSummary | None:
        row = self._row_of.get(portfolio_id)
        return None if row is None else self._rows[row]

    def row_of(self, portfolio_id: int) -> int | None:
        return self._row_of.get(portfolio_id)

    def portfolio_ids(self) -> list[int]:
        return [p.id for p in self._rows]

    def next_to_score(self, portfolio_id: int | None, delta: int) -> tuple[int | None, bool]:
        """The next (+1) or previous (-1) portfolio not complete after `portfolio_id`, in the
        batch's order whatever the filter, and whether it wrapped round the end to reach it;
        (None, False) when no other one is left to score."""
        count = len(self._rows)
        start = self._row_of.get(portfolio_id, -1) if portfolio_id is not None else -1
        if start < 0:
            start = -1 if delta > 0 else count
        for step in range(1, count + 1):
            row = start + delta * step
            wrapped = not 0 <= row < count
            row %= count
            if row == start:
                break
            if self._rows[row].status is not PortfolioStatus.COMPLETE:
                return self._rows[row].id, wrapped
        return None, False

    def counts(self) -> tuple[int, int]:
        return self._complete, len(self._rows)

    def _text(self, p: PortfolioSummary, column: int) -> str:
        if column == self.CODE:
            # A practice portfolio by what it is (its code is in the header and the tooltip):
            # the list is narrow, and "P27-00001 · Practice 1" lost its end there.
            return f"Practice {p.practice}" if p.practice else p.candidate_code
        if column == self.STATUS:
            if self._locked(p) and p.status is not PortfolioStatus.COMPLETE:
                return "Locked"
            return STATUS_TEXT[p.status]
        if p.partial or p.decision.overall is None:
            return ""  # an adjudication's or retake's mean of some factors is no overall
        return format_score(p.decision.overall)

    def _tip(self, p: PortfolioSummary) -> str:
        if p.practice:
            return (
                f"{p.candidate_code}: practice portfolio {p.practice}, scored before live "
                "scoring and then compared with the agreed scores"
            )
        if self._locked(p):
            return f"{p.candidate_code}: {LIVE_LOCKED}"
        if p.partial:  # its decision is of some factors only: not the candidate's
            return f"{p.candidate_code}: scores some factors only"
        return f"{p.candidate_code}: {p.decision.headline}"

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        p = self._rows[index.row()]
        column = index.column()
        if role == self.PortfolioIdRole:
            return p.id
        if role == self.StatusRole:
            return p.status.value
        if role == Qt.ItemDataRole.DisplayRole:
            return self._text(p, column)
        if role == Qt.ItemDataRole.ToolTipRole:
            return plain_tip(self._tip(p))
        if role == Qt.ItemDataRole.ForegroundRole and column == self.STATUS:
            if self._locked(p) and p.status is not PortfolioStatus.COMPLETE:
                return QColor(palettes.current().muted_text)
            return status_colour(p.status, palettes.current())
        if role == Qt.ItemDataRole.ForegroundRole and column == self.OVERALL:
            if p.decision.status is Status.NOT_CERTIFIED:
                return QColor(palettes.current().error)
            if p.decision.status is Status.INCOMPLETE:
                return QColor(palettes.current().pending)  # "so far": not a result yet
        if role == Qt.ItemDataRole.FontRole and column == self.CODE:
            return code_font()
        if role == Qt.ItemDataRole.TextAlignmentRole and column == self.OVERALL:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None


class PortfolioFilter(QSortFilterProxyModel):
    """Filter by status and by a piece of the candidate code.

    The portfolio shown is always in the list, whatever the filter: scoring a "Not started"
    portfolio must not drop it from the list, which would move the window to another candidate.
    It leaves the list when the scorer moves to another portfolio.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._status: str | None = None
        self._text = ""
        self._shown: int | None = None

    def set_shown(self, portfolio_id: int | None) -> None:
        if portfolio_id == self._shown:
            return
        self.beginFilterChange()
        self._shown = portfolio_id
        self.endFilterChange(QSortFilterProxyModel.Direction.Rows)

    def set_status(self, status: str | None) -> None:
        self.beginFilterChange()
        self._status = status
        self.endFilterChange(QSortFilterProxyModel.Direction.Rows)

    def set_text(self, text: str) -> None:
        self.beginFilterChange()
        self._text = text.strip().casefold()
        self.endFilterChange(QSortFilterProxyModel.Direction.Rows)

    def filterAcceptsRow(self, source_row: int, source_parent: _Index) -> bool:
        model = self.sourceModel()
        index = model.index(source_row, PortfolioListModel.CODE, source_parent)
        if self._shown is not None and self._shown == model.data(
            index, PortfolioListModel.PortfolioIdRole
        ):
            return True
        if self._status and model.data(index, PortfolioListModel.StatusRole) != self._status:
            return False
        return self._text in str(model.data(index)).casefold()


class BatchPanel(QWidget):
    portfolioSelected = Signal(int)
    # Return or Escape in the filter or the list: back to scoring.
    doneFiltering = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = PortfolioListModel(self)
        self.proxy = PortfolioFilter(self)
        self.proxy.setSourceModel(self.model)

        self.search = QLineEdit(placeholderText="Filter candidates")
        self.search.setClearButtonEnabled(True)
        # Typed into only when chosen (a click, or Ctrl+L): never by Tab or by a focus that
        # Qt moves on its own, or score keys would become filter text.
        self.search.setFocusPolicy(Qt.FocusPolicy.ClickFocus)
        self._history_keys = HistoryKeysToWindow(self)
        self.search.installEventFilter(self._history_keys)
        self.status_filter = QComboBox()
        self.status_filter.addItem("All", None)
        for status, text in STATUS_TEXT.items():
            self.status_filter.addItem(text, status.value)

        self.table = QTableView()
        self.table.setTabKeyNavigation(False)  # Tab leaves the table; arrows move the rows
        self.table.setModel(self.proxy)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setShowGrid(False)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(PortfolioListModel.CODE, QHeaderView.ResizeMode.Stretch)
        self._measure()
        appearance().changed.connect(self._measure)  # Ctrl++ grows the text: rows follow
        header.setHighlightSections(False)

        self.progress = QProgressBar()
        self.progress.setTextVisible(False)
        self.progress.setFixedHeight(8)
        self.progress_label = QLabel()
        self.progress_label.setTextFormat(Qt.TextFormat.PlainText)
        # Shown while every portfolio is complete: the batch is done, and what to do next.
        self.done_note = QLabel()
        self.done_note.setObjectName("allCompleteNote")
        self.done_note.setTextFormat(Qt.TextFormat.PlainText)
        self.done_note.setWordWrap(True)
        font = self.done_note.font()
        font.setBold(True)
        self.done_note.setFont(font)
        self.done_note.hide()

        filters = QHBoxLayout()
        filters.setContentsMargins(0, 0, 0, 0)
        filters.addWidget(self.search, 1)
        filters.addWidget(self.status_filter)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 4, 8)
        layout.setSpacing(6)
        layout.addWidget(self.progress_label)
        layout.addWidget(self.progress)
        layout.addWidget(self.done_note)
        layout.addLayout(filters)
        layout.addWidget(self.table, 1)

        self.search.textChanged.connect(self.proxy.set_text)
        self.status_filter.currentIndexChanged.connect(
            lambda _: self.proxy.set_status(self.status_filter.currentData())
        )
        self.table.selectionModel().currentRowChanged.connect(self._current_row_changed)

    def _measure(self) -> None:
        """Row height and fixed column widths from the text's size now (Ctrl++ changes it).

        Fixed widths from the widest text, not ResizeToContents: that re-measures every row on
        every change, 16,000 data() calls per score on a 1,000-portfolio batch.
        """
        metrics = self.table.fontMetrics()
        self.table.verticalHeader().setDefaultSectionSize(max(26, metrics.height() + 10))
        header = self.table.horizontalHeader()
        fixed = 0
        for column, widest in (
            (PortfolioListModel.STATUS, "In progress"),
            (PortfolioListModel.OVERALL, "Overall"),
        ):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.Fixed)
            header.resizeSection(column, metrics.horizontalAdvance(widest) + 24)
            fixed += header.sectionSize(column)
        # Wide enough for the longest code beside them (a narrow list cut every code to
        # "C27-…"), within reason, so the entry keeps its room on a small screen.
        font = code_font()
        if self.table.font().pointSizeF() > 0:
            font.setPointSizeF(self.table.font().pointSizeF())
        code = QFontMetrics(font).horizontalAdvance(self.model.widest_code() or "C27-00000") + 20
        scrollbar = self.table.style().pixelMetric(QStyle.PixelMetric.PM_ScrollBarExtent)
        self.table.setMinimumWidth(min(300, code + fixed + scrollbar + 4))

    def set_portfolios(self, rows: list[PortfolioSummary]) -> None:
        self.model.set_portfolios(rows)
        self._measure()  # the codes' width
        self._update_progress()

    def set_live_locked(self, locked: bool) -> None:
        """Calibration: the live portfolios wait for the practice (or no longer do)."""
        self.model.set_live_locked(locked)

    def apply(self, changed: Changed) -> None:
        self.model.apply(changed)
        self._update_progress()

    def _update_progress(self) -> None:
        done, total = self.model.counts()
        self.progress.setRange(0, max(total, 1))
        self.progress.setValue(done)
        self.progress_label.setText(f"{done} of {total} complete")
        self.done_note.setText(all_complete_note(total))
        self.done_note.setVisible(0 < total == done)

    def current_portfolio(self) -> int | None:
        index = self.table.currentIndex()
        if not index.isValid():
            return None
        return int(self.proxy.data(index, PortfolioListModel.PortfolioIdRole))

    def select_portfolio(self, portfolio_id: int) -> bool:
        row = self.model.row_of(portfolio_id)
        if row is None:
            return False
        self.proxy.set_shown(portfolio_id)  # in the list whatever the filter
        index = self.proxy.mapFromSource(self.model.index(row, 0))
        self.table.setCurrentIndex(index)
        self.table.scrollTo(index)
        return True

    def step(self, delta: int) -> None:
        """Select the next (+1) or previous (-1) portfolio among those shown."""
        rows = self.proxy.rowCount()
        if rows == 0:
            return
        current = self.table.currentIndex()
        row = current.row() + delta if current.isValid() else 0
        row = max(0, min(rows - 1, row))
        self.table.setCurrentIndex(self.proxy.index(row, 0))

    def keyPressEvent(self, event: QKeyEvent) -> None:
        # Reached by the keys the filter, the status box and the list leave unhandled.
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_Escape):
            self.doneFiltering.emit()
            event.accept()
            return
        super().keyPressEvent(event)

    def _current_row_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if current.isValid():
            portfolio_id = int(self.proxy.data(current, PortfolioListModel.PortfolioIdRole))
            # The one left drops out of the list now if the filter no longer takes it.
            self.proxy.set_shown(portfolio_id)
            self.portfolioSelected.emit(portfolio_id)
