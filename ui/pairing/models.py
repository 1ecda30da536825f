"""Table models of the 党员联户 page: short lists read at once (members, a member's households,
contacts, spot checks), the unpaired households (lazy), and the suggestion under review."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlite_utils
from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt

from app import accounts, pairing, registry
from app.accounts import masking
from app.pairing import SuggestionLine
from ui.widgets.community_filter import with_community_column
from ui.widgets.lazy_table import Column, LazyTableModel

Index = QModelIndex | QPersistentModelIndex


def listed(db: sqlite_utils.Database, columns: Sequence[Column]) -> list[Column]:
    """The columns with members' and households' phones as the signed-in role may see them in
    a list (app.accounts.masking: masked for the district)."""
    return masking.masked_columns(accounts.current(db), columns, masking.LIST)


def _date(value: Any) -> str:
    return "" if not value else str(value)


MEMBER_COLUMNS = [
    Column("姓名", lambda r: r["name"], width=80),
    Column("党员类型", lambda r: registry.PARTY_KIND_LABELS.get(r["kind"], r["kind"]), width=100),
    Column("联系户数", lambda r: r["load"], align_right=True, width=70),
    Column("联系电话", lambda r: r["phone"], width=115),
    Column("所在支部", lambda r: r["branch"], width=150),
    Column("住址", lambda r: r["address"] or "（不住本社区）"),
]

MEMBER_HOUSEHOLD_COLUMNS = [
    Column("住户", lambda r: r["address"], width=235),
    Column("户主", lambda r: r["head"] or "（无人）", width=70),
    Column("电话", lambda r: r["household_phone"], width=115),
    Column("联系起止", lambda r: f"{r['started_on']} 起" if not r["ended_on"]
           else f"{r['started_on']} 至 {r['ended_on']}", width=190),
    Column("说明", lambda r: pairing.END_REASON_LABELS.get(r["end_reason"], "")
           if r["ended_on"] else pairing.START_REASON_LABELS.get(r["start_reason"], "")),
]

CONTACT_COLUMNS = [
    Column("日期", lambda c: c.contact_on.isoformat(), width=95),
    Column("方式或服务", lambda c: c.kind_label, width=90),
    Column("党员", lambda c: c.member_name, width=80),
    Column("记录", lambda c: c.note),
]

HISTORY_COLUMNS = [
    Column("联系党员", lambda p: p.member_name, width=80),
    Column("起", lambda p: p.started_on.isoformat(), width=95),
    Column("止", lambda p: p.ended_on.isoformat() if p.ended_on else "至今", width=95),
    Column("原因", lambda p: pairing.END_REASON_LABELS.get(p.end_reason or "", "")
           or pairing.START_REASON_LABELS.get(p.start_reason, "")),
]

LOAD_COLUMNS = [
    Column("党员", lambda m: m["name"], width=80),
    Column("联系户数", lambda m: m["load"], align_right=True, width=70),
    Column("电话", lambda m: m["phone"], width=115),
    Column("情况", lambda m: m["state"]),
]

CHECK_COLUMNS = [
    Column("抽查日期", lambda c: c.drawn_on.isoformat(), width=95),
    Column("每格户数", lambda c: c.per_grid, align_right=True, width=70),
    Column("抽中", lambda c: c.drawn, align_right=True, width=50),
    Column("已核查", lambda c: c.checked, align_right=True, width=60),
    Column("抽样编号", lambda c: c.seed, width=80),
]

CHECK_ITEM_COLUMNS = [
    Column("序号", lambda r: r["position"], align_right=True, width=45),
    Column("网格", lambda r: r["grid_name"], width=80),
    Column("住户", lambda r: r["address"], width=190),
    Column("联系党员", lambda r: r["member_name"], width=80),
    Column("方式", lambda r: pairing.CHECK_METHOD_LABELS.get(r["method"] or "", ""), width=75),
    Column("知道党员", lambda r: {1: "知道", 0: "不知道"}.get(r["knows_member"], ""), width=70),
    Column("结果", lambda r: pairing.CHECK_RESULT_LABELS.get(r["result"] or "", "未核查"),
           width=80),
    Column("核查日期", lambda r: _date(r["checked_on"]), width=95),
    Column("备注", lambda r: r["note"]),
]

TALLY_COLUMNS = [
    Column("名称", lambda t: t.name, width=90),
    Column("抽中", lambda t: t.drawn, align_right=True, width=50),
    Column("已核查", lambda t: t.checked, align_right=True, width=60),
    Column("知道", lambda t: t.knew, align_right=True, width=50),
    Column("不知道", lambda t: t.not_knew, align_right=True, width=60),
    Column("未联系上", lambda t: t.unreachable, align_right=True, width=70),
    Column("知晓率", lambda t: f"{t.known_rate:.0%}" if t.knew + t.not_knew else "—"),
]

FOLLOW_UP_COLUMNS = [
    Column("住户", lambda r: r["address"], width=190),
    Column("住户电话", lambda r: r["household_phone"], width=120),
    Column("联系党员", lambda r: r["member_name"], width=80),
    Column("党员电话", lambda r: r["member_phone"], width=115),
    Column("核查日期", lambda r: _date(r["checked_on"]), width=95),
    Column("备注", lambda r: r["note"]),
]

UNPAIRED_COLUMNS = [
    Column("住户", lambda r: r["address"], width=245),
    Column("户主", lambda r: r["head"] or "（无人）", width=80),
    Column("人数", lambda r: r["members"], align_right=True, width=45),
    Column("联系电话", lambda r: r["phone"], width=120),
    Column("标签", lambda r: r["tags"]),
]


class UnpairedModel(LazyTableModel):
    def __init__(self, db: sqlite_utils.Database, parent=None) -> None:
        super().__init__(listed(db, with_community_column(db, UNPAIRED_COLUMNS)),
                         lambda ids: registry.household_rows(db, ids), parent)


class SuggestionModel(QAbstractTableModel):
    """The proposal under review: a tick per line, and the member the secretary may change."""

    HEADERS = ("采纳", "住户", "推荐党员", "远近", "党员将联系")
    MEMBER_COLUMN = 2

    def __init__(self, lines: Sequence[SuggestionLine], names: dict[str, str],
                 loads: dict[str, int], parent=None) -> None:
        super().__init__(parent)
        self.lines = list(lines)
        self.chosen = [line.member_id for line in self.lines]
        self.checked = [True] * len(self.lines)
        self.changed: set[int] = set()
        self.names = names
        self.base_loads = loads
        self._recount()

    def _recount(self) -> None:
        self.totals = dict(self.base_loads)
        for member, on in zip(self.chosen, self.checked, strict=True):
            if on:
                self.totals[member] = self.totals.get(member, 0) + 1

    def selected(self) -> list[tuple[str, str]]:
        return [(line.household_id, member) for line, member, on
                in zip(self.lines, self.chosen, self.checked, strict=True) if on]

    def set_all(self, on: bool) -> None:
        self.beginResetModel()
        self.checked = [on] * len(self.lines)
        self._recount()
        self.endResetModel()

    def set_member(self, row: int, member_id: str) -> None:
        if member_id == self.chosen[row]:
            return
        self.chosen[row] = member_id
        self.changed.add(row)
        self.checked[row] = True
        self._recount()
        self.dataChanged.emit(self.index(0, 0), self.index(len(self.lines) - 1, 4))

    def widths(self) -> list[int]:
        return [45, 230, 100, 190, 90]

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.lines)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.HEADERS)

    def flags(self, index: Index) -> Qt.ItemFlag:
        flags = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        if index.column() == 0:
            flags |= Qt.ItemFlag.ItemIsUserCheckable
        if index.column() == self.MEMBER_COLUMN:
            flags |= Qt.ItemFlag.ItemIsEditable
        return flags

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        row, col = index.row(), index.column()
        line = self.lines[row]
        member = self.chosen[row]
        if role == Qt.ItemDataRole.CheckStateRole and col == 0:
            return Qt.CheckState.Checked if self.checked[row] else Qt.CheckState.Unchecked
        if role == Qt.ItemDataRole.DisplayRole:
            if col == 1:
                return line.address
            if col == 2:
                return self.names.get(member, "")
            if col == 3:
                return "（已改）" if row in self.changed else pairing.TIER_LABELS[line.tier]
            if col == 4:
                return f"{self.totals.get(member, 0)} 户"
        if role == Qt.ItemDataRole.EditRole and col == self.MEMBER_COLUMN:
            return member
        if role == Qt.ItemDataRole.ToolTipRole and col == self.MEMBER_COLUMN:
            return "双击可改为其他党员"
        return None

    def setData(self, index: Index, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:
        if role == Qt.ItemDataRole.CheckStateRole and index.column() == 0:
            self.checked[index.row()] = Qt.CheckState(value) == Qt.CheckState.Checked
            self._recount()
            self.dataChanged.emit(self.index(0, 0), self.index(len(self.lines) - 1, 4))
            return True
        if role == Qt.ItemDataRole.EditRole and index.column() == self.MEMBER_COLUMN and value:
            self.set_member(index.row(), value)
            return True
        return False

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return self.HEADERS[section]
        return None
