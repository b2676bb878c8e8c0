"""Help > Keyboard shortcuts: every action that has a key, grouped, with a filter.

Built from the window's own actions rather than a hand-kept list, so the list cannot drift from
the keys that really work. Each action names its group with the dynamic property
"shortcutGroup" ("Scoring", "Moving", ...); actions without one are listed under "General".
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from PySide6.QtCore import QSortFilterProxyModel, Qt
from PySide6.QtGui import QAction, QBrush, QColor, QKeySequence, QStandardItem, QStandardItemModel
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLineEdit,
    QTreeView,
    QVBoxLayout,
    QWidget,
)

from icg_desk.ui import palette as palettes
from icg_desk.ui.palette import Palette
from icg_desk.ui.rubric_panel import plain_label

GROUP_PROPERTY = "shortcutGroup"
DEFAULT_GROUP = "General"


def shortcuts_stylesheet(p: Palette) -> str:
    return f"""
QTreeView#shortcutsView::item {{ padding: 3px 8px; }}
QTreeView#shortcutsView {{ border: 1px solid {p.border}; }}
QTreeView#shortcutsView QHeaderView::section {{
    background: {p.background}; color: {p.muted_text}; font-weight: 600; padding: 4px 8px;
    border: none; border-bottom: 1px solid {p.border};
}}
#shortcutsEmpty {{ color: {p.muted_text}; padding: 48px 8px; }}
"""


# "&Open" shows as "Open"; "&&" is how a menu writes a literal "&".
_MNEMONIC = re.compile(r"&(.)")


def action_text(action: QAction) -> str:
    """The action's text as a person reads it: without the mnemonic ampersand."""
    return _MNEMONIC.sub(r"\1", action.text())


def shortcut_text(action: QAction) -> str:
    """All of the action's shortcuts in the platform's own notation (Ctrl+O, or ⌘O on a Mac)."""
    return ", ".join(
        s.toString(QKeySequence.SequenceFormat.NativeText)
        for s in action.shortcuts()
        if not s.isEmpty()
    )


def grouped_shortcuts(actions: Iterable[QAction]) -> dict[str, list[tuple[str, str]]]:
    """(action text, shortcut text) by group, groups and actions in the order first given.

    The window adds its actions menu by menu, so first-seen order is the menus' order.
    """
    groups: dict[str, list[tuple[str, str]]] = {}
    seen: set[int] = set()
    for action in actions:
        keys = shortcut_text(action)
        if not keys or id(action) in seen:
            continue
        seen.add(id(action))
        group = action.property(GROUP_PROPERTY)
        name = group if isinstance(group, str) and group.strip() else DEFAULT_GROUP
        groups.setdefault(name, []).append((action_text(action), keys))
    return groups


class ShortcutsDialog(QDialog):
    """A read-only, filterable list of the given actions' shortcuts, one section per group."""

    ACTION_COLUMN, SHORTCUT_COLUMN = 0, 1

    def __init__(self, actions: Iterable[QAction], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Keyboard shortcuts")
        self.setObjectName("shortcutsDialog")
        colours = palettes.current()
        self.setStyleSheet(shortcuts_stylesheet(colours))

        self.model = QStandardItemModel(self)
        self.model.setHorizontalHeaderLabels(["Action", "Shortcut"])
        groups = grouped_shortcuts(actions)
        for group, rows in groups.items():
            group_item, spacer = QStandardItem(group), QStandardItem()
            for item in (group_item, spacer):
                item.setEditable(False)
                item.setSelectable(False)
                # A shaded band across both columns reads as a section heading.
                item.setBackground(QBrush(QColor(colours.band)))
            font = group_item.font()
            font.setBold(True)
            group_item.setFont(font)
            for text, keys in rows:
                name_item, keys_item = QStandardItem(text), QStandardItem(keys)
                for item in (name_item, keys_item):
                    item.setEditable(False)
                    item.setToolTip(f"{text}: {keys}")
                group_item.appendRow([name_item, keys_item])
            self.model.appendRow([group_item, spacer])

        # Filtering through a proxy keeps the model whole; a group stays while any of its rows
        # matches, and a group whose name matches keeps all its rows ("moving" lists them all).
        self.proxy = QSortFilterProxyModel(self)
        self.proxy.setSourceModel(self.model)
        self.proxy.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.proxy.setFilterKeyColumn(-1)  # the action's words or its keys
        self.proxy.setRecursiveFilteringEnabled(True)
        self.proxy.setAutoAcceptChildRows(True)

        self.filter_edit = QLineEdit()
        self.filter_edit.setPlaceholderText("Filter by action, key or group")
        self.filter_edit.setClearButtonEnabled(True)
        self.filter_edit.setAccessibleName("Filter shortcuts")
        self.filter_edit.textChanged.connect(self._filter)

        self.view = QTreeView()
        self.view.setObjectName("shortcutsView")
        self.view.setModel(self.proxy)
        self.view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setRootIsDecorated(False)
        # Every group stays open: folding a short list only hides keys a person came to find.
        self.view.setItemsExpandable(False)
        self.view.setExpandsOnDoubleClick(False)
        self.view.setUniformRowHeights(True)
        self.view.setAlternatingRowColors(True)
        self.view.setAllColumnsShowFocus(True)
        header = self.view.header()
        header.setStretchLastSection(False)
        header.setSectionsMovable(False)
        header.setSectionResizeMode(self.ACTION_COLUMN, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(self.SHORTCUT_COLUMN, QHeaderView.ResizeMode.ResizeToContents)
        self.view.expandAll()

        self.empty_label = plain_label(wrap=False, object_name="shortcutsEmpty")
        self.empty_label.setAlignment(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop)
        self.empty_label.hide()
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 16, 16, 12)
        layout.setSpacing(10)
        layout.addWidget(self.filter_edit)
        layout.addWidget(self.view, 1)
        layout.addWidget(self.empty_label, 1)
        layout.addWidget(buttons)
        self._fit_height(rows=len(groups) + sum(len(rows) for rows in groups.values()))
        self.filter_edit.setFocus()

    def _fit_height(self, rows: int) -> None:
        # Tall enough to show every shortcut without scrolling, but never taller than most of
        # the screen it opens on (a laptop's 768 pixels included).
        self.ensurePolished()
        row_height = max(self.view.sizeHintForRow(0), self.fontMetrics().height() + 6)
        chrome = self.sizeHint().height() - self.view.sizeHint().height()
        frame = 2 * self.view.frameWidth()
        needed = chrome + frame + self.view.header().sizeHint().height() + rows * row_height
        screen = (self.parentWidget() or self).screen()
        tallest = int(screen.availableGeometry().height() * 0.85) if screen else 700
        self.resize(520, max(360, min(needed, tallest)))

    def _filter(self, text: str) -> None:
        self.proxy.setFilterFixedString(text.strip())
        # Rows the filter brings back arrive folded; open them again.
        self.view.expandAll()
        nothing = self.proxy.rowCount() == 0
        self.empty_label.setText(
            f"No shortcut matches \u201c{text.strip()}\u201d" if nothing else ""
        )
        # The message takes the empty list's place: a bare header over white says less.
        self.empty_label.setVisible(nothing)
        self.view.setVisible(not nothing)

    def visible_rows(self) -> list[tuple[str, str, str]]:
        """(group, action, shortcut) for each action row the view shows, top to bottom."""
        model = self.view.model()
        rows = []
        for g in range(model.rowCount()):
            group = model.index(g, 0)
            for r in range(model.rowCount(group)):
                if self.view.isRowHidden(r, group):
                    continue
                rows.append(
                    (
                        str(group.data()),
                        str(model.index(r, self.ACTION_COLUMN, group).data()),
                        str(model.index(r, self.SHORTCUT_COLUMN, group).data()),
                    )
                )
        return rows
