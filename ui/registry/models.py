"""Table models of the registry: households of a tree node, residents, search results."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Any

import sqlite_utils
from PySide6.QtCore import QAbstractTableModel, QModelIndex, Qt

from app import accounts, registry
from app.accounts import masking
from ui.categories.columns import category_column, name_tone, with_category
from ui.widgets.community_filter import with_community_column
from ui.widgets.lazy_table import Column, LazyTableModel


def personal_columns(db: sqlite_utils.Database, columns: list[Column],
                     revealed: dict[str, dict[str, str]] | None = None) -> list[Column]:
    """The columns as this session may see them in a list (app.accounts.masking); `revealed`
    (row id → field → value) holds values shown in full for a while after "显示"."""
    session = accounts.current(db)
    out = []
    for c in masking.masked_columns(session, columns, masking.LIST):
        kind = masking.kind_of_header(c.header)
        if kind is None or revealed is None:
            out.append(c)
            continue

        def value(r: dict[str, Any], kind: str = kind, shown=c.value) -> str:
            return revealed.get(r.get("id", ""), {}).get(kind) or shown(r)
        out.append(replace(c, value=value))
    return out


def age(row: dict[str, Any], today: date | None = None) -> int | None:
    if not row.get("birth_date"):
        return None
    born = date.fromisoformat(row["birth_date"])
    today = today or date.today()
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


SEX = registry.SEX_LABELS
RESIDENCY = registry.RESIDENCY_LABELS

HOUSEHOLD_COLUMNS = [
    Column("门牌", lambda r: f"{r['building']}{r['unit']}{r['door_number']}", width=140),
    Column("户主", lambda r: r["head"] or "（无人）", width=90),
    Column("人数", lambda r: r["members"], align_right=True, width=50),
    Column("联系电话", lambda r: r["phone"], width=130),
    Column("居住", lambda r: registry.DWELLING_LABELS.get(r["dwelling"], ""), width=60),
    Column("标签", lambda r: r["tags"], width=150),
    Column("楼院", lambda r: r["compound"]),
]

RESIDENT_COLUMNS = [
    Column("姓名", lambda r: r["name"], width=90),
    Column("性别", lambda r: SEX.get(r["sex"] or "", ""), width=50),
    Column("年龄", age, align_right=True, width=50),
    Column("证件号码", lambda r: r["id_number"], width=180),
    Column("联系电话", lambda r: r["phone"], width=130),
    Column("与户主关系", lambda r: r["relation"], width=90),
    Column("居住类型", lambda r: RESIDENCY.get(r["residency"], ""), width=80),
    Column("标签", lambda r: r["tags"], width=150),
    Column("类别", lambda r: r.get("category") or "", width=60),   # ui.categories.columns
]

SEARCH_COLUMNS = [
    Column("姓名", lambda r: r["name"], width=90, tone=name_tone),
    Column("性别", lambda r: SEX.get(r["sex"] or "", ""), width=50),
    Column("年龄", age, align_right=True, width=50),
    Column("证件号码", lambda r: r["id_number"], width=180),
    Column("联系电话", lambda r: r["phone"], width=130),
    Column("住址", lambda r: r["address"], width=220),
    category_column(),
]


class HouseholdTableModel(LazyTableModel):
    source = staticmethod(registry.household_rows)   # (db, ids) → rows, for exports

    def __init__(self, db: sqlite_utils.Database, parent=None) -> None:
        super().__init__(personal_columns(db, with_community_column(db, HOUSEHOLD_COLUMNS)),
                         lambda ids: registry.household_rows(db, ids), parent)


class SearchResultModel(LazyTableModel):
    source = staticmethod(registry.resident_rows)

    def __init__(self, db: sqlite_utils.Database, parent=None) -> None:
        super().__init__(personal_columns(db, with_community_column(db, SEARCH_COLUMNS)),
                         with_category(db, lambda ids: registry.resident_rows(db, ids)), parent)


class ResidentTableModel(QAbstractTableModel):
    """The members of one household: a handful of rows, read at once."""

    def __init__(self, parent=None, db: sqlite_utils.Database | None = None) -> None:
        super().__init__(parent)
        self._rows: list[dict[str, Any]] = []
        self.revealed: dict[str, dict[str, str]] = {}   # resident id → field → full value
        self.columns = (personal_columns(db, RESIDENT_COLUMNS, self.revealed) if db is not None
                        else masking.masked_columns(None, RESIDENT_COLUMNS, masking.LIST))

    def reveal(self, resident_id: str, values: dict[str, str]) -> None:
        self.revealed[resident_id] = values
        self._changed(resident_id)

    def hide_again(self, resident_id: str) -> None:
        if self.revealed.pop(resident_id, None) is not None:
            self._changed(resident_id)

    def _changed(self, resident_id: str) -> None:
        row = self.row_of(resident_id)
        if row >= 0:
            self.dataChanged.emit(self.index(row, 0), self.index(row, len(self.columns) - 1))

    def set_rows(self, rows: list[dict[str, Any]]) -> None:
        self.beginResetModel()
        self._rows = rows
        self.endResetModel()

    def row_data(self, row: int) -> dict[str, Any] | None:
        return self._rows[row] if 0 <= row < len(self._rows) else None

    def widths(self) -> list[int]:
        return [c.width for c in RESIDENT_COLUMNS]

    def row_of(self, resident_id: str) -> int:
        return next((i for i, r in enumerate(self._rows) if r["id"] == resident_id), -1)

    def rowCount(self, parent=QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent=QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(RESIDENT_COLUMNS)

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        column = self.columns[index.column()]
        if role == Qt.ItemDataRole.DisplayRole:
            value = column.value(self._rows[index.row()])
            return "" if value is None else str(value)
        if role == Qt.ItemDataRole.TextAlignmentRole and column.align_right:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return RESIDENT_COLUMNS[section].header
        return None
