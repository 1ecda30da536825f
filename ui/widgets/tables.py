"""Tables the pages share: a read-only row-selecting view, and a model of a few hundred rows
shown through Columns (long lists use ui.widgets.lazy_table instead)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import (
    SIGNAL,
    QAbstractTableModel,
    QEvent,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
)
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableView

from ui.widgets.lazy_table import Column

Index = QModelIndex | QPersistentModelIndex
ROW_ROLE = Qt.ItemDataRole.UserRole + 10


def make_table(model) -> QTableView:
    view = QTableView()
    view.setModel(model)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    view.setAlternatingRowColors(True)
    view.verticalHeader().hide()
    view.verticalHeader().setDefaultSectionSize(28)
    header = view.horizontalHeader()
    header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
    header.setStretchLastSection(True)
    header.setDefaultSectionSize(110)
    for column, width in enumerate(getattr(model, "widths", list)()):
        view.setColumnWidth(column, width)
    open_on_enter(view)
    return view


class _EnterOpens(QObject):
    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if (event.type() == QEvent.Type.KeyPress
                and event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter)
                and isinstance(watched, QAbstractItemView)):
            index = watched.currentIndex()
            # A list nothing opens leaves Enter to its dialog (the default button).
            if index.isValid() and watched.receivers(SIGNAL("doubleClicked(QModelIndex)")):
                watched.doubleClicked.emit(index)
                return True
        return False


def open_on_enter(view: QAbstractItemView) -> None:
    """Enter on a list does what a double-click does: open the selected row."""
    view.installEventFilter(_EnterOpens(view))


class RowsTableModel(QAbstractTableModel):
    """A few hundred rows at most, as dicts, shown through Columns."""

    def __init__(self, columns: Sequence[Column], parent=None) -> None:
        super().__init__(parent)
        self.columns = list(columns)
        self.rows: list[Any] = []

    def set_rows(self, rows: Sequence[Any]) -> None:
        self.beginResetModel()
        self.rows = list(rows)
        self.endResetModel()

    def row_data(self, row: int) -> Any:
        return self.rows[row] if 0 <= row < len(self.rows) else None

    def row_of(self, key: str, field: str = "id") -> int:
        for i, r in enumerate(self.rows):
            value = r.get(field) if isinstance(r, dict) else getattr(r, field, None)
            if value == key:
                return i
        return -1

    def widths(self) -> list[int]:
        return [c.width for c in self.columns]

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.columns)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        column = self.columns[index.column()]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            value = column.value(self.rows[index.row()])
            return "" if value is None else str(value)     # the tip: a cut-off text in full
        if role == Qt.ItemDataRole.TextAlignmentRole and column.align_right:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == ROW_ROLE:
            return self.rows[index.row()]
        if role in (Qt.ItemDataRole.ForegroundRole, Qt.ItemDataRole.BackgroundRole) \
                and column.tone is not None:
            colours = column.tone(self.rows[index.row()])
            if colours:
                return QColor(colours[0 if role == Qt.ItemDataRole.ForegroundRole else 1])
        return None

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return self.columns[section].header
        return None
