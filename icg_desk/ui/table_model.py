"""The part every list of rows in the app shares: a fixed header and one row per item."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import (
    QAbstractItemModel,
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
)
from PySide6.QtWidgets import QAbstractItemView, QTableView

ModelIndex = QModelIndex | QPersistentModelIndex


class RowsTableModel(QAbstractTableModel):
    """A flat table: HEADERS are the columns, `_rows` the items; subclasses give data()."""

    HEADERS: tuple[str, ...] = ()
    _rows: list[Any]

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._rows = []

    def rowCount(self, parent: ModelIndex = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: ModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.HEADERS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self.HEADERS[section]
        return None

    def _set(self, rows: Sequence[Any]) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()


def table_view(
    model: QAbstractItemModel, object_name: str, *, row_height: int = 26, single: bool = False
) -> QTableView:
    """A read-only table of rows as the Coordinator window shows them: whole rows selected
    (one at a time when `single`), no grid, no row numbers, headers to the left."""
    view = QTableView()
    view.setObjectName(object_name)
    view.setModel(model)
    view.setAlternatingRowColors(True)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    if single:
        view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    # Tab leaves the table for the next control, as everywhere else in a window: in a table of
    # rows to read, Tab moving cell by cell kept the keyboard in it (arrows move the rows).
    view.setTabKeyNavigation(False)
    view.setWordWrap(False)
    view.setShowGrid(False)
    view.verticalHeader().hide()
    view.verticalHeader().setDefaultSectionSize(row_height)
    view.horizontalHeader().setHighlightSections(False)
    view.horizontalHeader().setDefaultAlignment(Qt.AlignmentFlag.AlignLeft)
    return view


def selected_value(view: QTableView, role: int) -> str | None:
    """`role`'s value of the row selected in `view` (an id the model keeps), or None."""
    rows = view.selectionModel().selectedRows()
    return None if not rows else str(rows[0].data(role))


def select_value(view: QTableView, role: int, value: str) -> bool:
    """Select (and show) the row of `view` whose `role` is `value`, in the order the view
    shows its rows (a sorting proxy's); False when no row has it."""
    model = view.model()
    for row in range(model.rowCount()):
        index = model.index(row, 0)
        if index.data(role) == value:
            view.selectRow(row)
            view.scrollTo(index)
            return True
    return False
