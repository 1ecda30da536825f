"""A table model that holds only row ids and fetches rows on demand into a cache."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QColor

Index = QModelIndex | QPersistentModelIndex
PAGE = 200

# The cell tones every list uses, (foreground, background): a Column's tone returns one.
RED = ("#b71c1c", "#fdecea")     # overdue, missing, too low, a clash
AMBER = ("#8a5300", "#fff4e0")   # due, needs a look
GREEN = ("#1b5e20", "#e8f5e9")   # done
GREY = ("#7a8694", "#f4f6f8")    # not started, ended


@dataclass(frozen=True)
class Column:
    header: str
    value: Callable[[dict[str, Any]], Any]
    align_right: bool = False
    width: int = 110
    # (foreground, background) colours for a cell, e.g. ("#b71c1c", "#fdecea"), or None.
    tone: Callable[[Any], tuple[str, str] | None] | None = None


class LazyTableModel(QAbstractTableModel):
    """Rows appear as the view scrolls (fetchMore); each page of rows is one query."""

    def __init__(self, columns: Sequence[Column],
                 fetch_rows: Callable[[Sequence[str]], list[dict[str, Any]]],
                 parent=None) -> None:
        super().__init__(parent)
        self._columns = list(columns)
        self._fetch_rows = fetch_rows
        self._ids: list[str] = []
        self._shown = 0
        self._cache: dict[str, dict[str, Any]] = {}

    # --- content -------------------------------------------------------------
    def set_ids(self, ids: Sequence[str]) -> None:
        self.beginResetModel()
        self._ids = list(ids)
        self._cache.clear()
        self._shown = min(PAGE, len(self._ids))
        self.endResetModel()

    def refresh(self, ids: Sequence[str] | None = None) -> None:
        """Re-read rows after an edit, keeping how far the view had scrolled."""
        shown = self._shown
        self.set_ids(self._ids if ids is None else ids)
        if shown > self._shown:
            self.beginInsertRows(QModelIndex(), self._shown, min(shown, len(self._ids)) - 1)
            self._shown = min(shown, len(self._ids))
            self.endInsertRows()

    def total(self) -> int:
        return len(self._ids)

    def ids(self) -> list[str]:
        """Every row id of the list, shown or not yet fetched (for exporting the whole list)."""
        return list(self._ids)

    def columns(self) -> list[Column]:
        return list(self._columns)

    def id_at(self, row: int) -> str | None:
        return self._ids[row] if 0 <= row < self._shown else None

    def row_of(self, row_id: str) -> int:
        try:
            row = self._ids.index(row_id)
        except ValueError:
            return -1
        while row >= self._shown and self.canFetchMore(QModelIndex()):
            self.fetchMore(QModelIndex())
        return row

    def row_data(self, row: int) -> dict[str, Any] | None:
        row_id = self.id_at(row)
        if row_id is None:
            return None
        if row_id not in self._cache:
            start = row - row % PAGE
            page = self._ids[start:start + PAGE]
            for r in self._fetch_rows(page):
                self._cache[r["id"]] = r
        return self._cache.get(row_id)

    # --- Qt model ------------------------------------------------------------
    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else self._shown

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._columns)

    def canFetchMore(self, parent: Index) -> bool:
        return not parent.isValid() and self._shown < len(self._ids)

    def fetchMore(self, parent: Index) -> None:
        more = min(PAGE, len(self._ids) - self._shown)
        if more <= 0:
            return
        self.beginInsertRows(QModelIndex(), self._shown, self._shown + more - 1)
        self._shown += more
        self.endInsertRows()

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        column = self._columns[index.column()]
        if role == Qt.ItemDataRole.DisplayRole:
            row = self.row_data(index.row())
            if row is None:
                return None
            value = column.value(row)
            return "" if value is None else str(value)
        if role == Qt.ItemDataRole.TextAlignmentRole and column.align_right:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.UserRole:
            return self.id_at(index.row())
        if role in (Qt.ItemDataRole.ForegroundRole, Qt.ItemDataRole.BackgroundRole) \
                and column.tone is not None:
            row = self.row_data(index.row())
            colours = column.tone(row) if row is not None else None
            if colours:
                return QColor(colours[0 if role == Qt.ItemDataRole.ForegroundRole else 1])
        return None

    def widths(self) -> list[int]:
        return [c.width for c in self._columns]

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return self._columns[section].header
        return None
