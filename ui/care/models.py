"""The visit board's table model: rows fetched a page at a time (ui.widgets.lazy_table), with
each cell's colours (overdue in red) and a row refreshed alone after a visit is saved."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QColor

from ui.widgets.lazy_table import LazyTableModel

Index = QModelIndex | QPersistentModelIndex


class BoardModel(LazyTableModel):
    """LazyTableModel with Column.tone honoured, and forget(id) to re-read one row."""

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if index.isValid() and role in (Qt.ItemDataRole.ForegroundRole,
                                        Qt.ItemDataRole.BackgroundRole):
            column = self.columns()[index.column()]
            row = self.row_data(index.row())
            if column.tone is None or row is None:
                return None
            colours = column.tone(row)
            if colours:
                return QColor(colours[0 if role == Qt.ItemDataRole.ForegroundRole else 1])
            return None
        if index.isValid() and role == Qt.ItemDataRole.ToolTipRole:
            return self.data(index, Qt.ItemDataRole.DisplayRole)
        return super().data(index, role)

    def forget(self, row_id: str) -> None:
        """Re-read one row (it changed), alone rather than its page, and redraw it."""
        self._cache.pop(row_id, None)
        for r in self._fetch_rows([row_id]):
            self._cache[r["id"]] = r
        row = self.row_of(row_id)
        if row >= 0:
            self.dataChanged.emit(self.index(row, 0), self.index(row, self.columnCount() - 1))
