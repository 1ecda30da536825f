"""Table models of a ledger import: the rows with problems, and what a re-import changes."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, Qt

from app.ledger.importer import ResidentChange, RowProblem


class _ListModel(QAbstractTableModel):
    headers: tuple[str, ...] = ()
    widths: tuple[int, ...] = ()

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.items: list[Any] = []

    def set_items(self, items: list[Any]) -> None:
        self.beginResetModel()
        self.items = list(items)
        self.endResetModel()

    def cell(self, item: Any, column: int) -> Any:  # pragma: no cover - subclasses
        raise NotImplementedError

    def rowCount(self, parent=QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.items)

    def columnCount(self, parent=QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.headers)

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            value = self.cell(self.items[index.row()], index.column())
            return "" if value is None else str(value)
        return None

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return self.headers[section]
        return None


class ProblemTableModel(_ListModel):
    headers = ("行号", "姓名", "证件号码", "问题")
    widths = (50, 80, 170, 400)

    def cell(self, item: RowProblem, column: int) -> Any:
        if column == 3:
            prefix = "" if item.skipped else "（照常导入）"
            return prefix + "；".join(item.messages)
        return (item.row, item.name, item.id_number)[column]


class ChangeTableModel(_ListModel):
    headers = ("行号", "居民或住户", "变化")
    widths = (50, 170, 450)

    def cell(self, item: ResidentChange, column: int) -> Any:
        if column == 2:
            return "；".join(f"{what}：{before} → {after}" for what, before, after in item.changes)
        return (item.row, item.name)[column]
