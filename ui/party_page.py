"""The 党员联户 page: the community's Party members (pairing with households comes next)."""

from __future__ import annotations

from typing import Any

import sqlite_utils
from PySide6.QtCore import QAbstractTableModel, QModelIndex, Qt
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from app import registry
from ui.events import AppEvents
from ui.registry_page import make_table
from ui.widgets.form import FormDialog, confirm, run_dialog

COLUMNS = [("姓名", "name"), ("类别", "kind"), ("所在支部", "branch"), ("联系电话", "phone"),
           ("住址", "address")]


class PartyMemberDialog(FormDialog):
    def __init__(self, db: sqlite_utils.Database, member: dict[str, Any] | None = None,
                 resident: dict[str, Any] | None = None, parent: QWidget | None = None) -> None:
        super().__init__(self.tr("编辑党员") if member else self.tr("登记党员"), parent)
        self.db, self.member = db, member
        m = member or {}
        self.resident_id = m.get("resident_id") or (resident or {}).get("id")
        if self.resident_id:
            who = registry.resident_rows(db, [self.resident_id])
            self.add_field("resident_id", self.tr("本社区居民"),
                           QLabel(f"{who[0]['name']}  {who[0]['address'] or ''}" if who else ""))
        self.line("name", self.tr("姓名"), m.get("name") or (resident or {}).get("name"))
        self.combo("kind", self.tr("党员类别"), registry.PARTY_KIND_LABELS,
                   m.get("kind", "community"))
        self.line("branch", self.tr("所在支部"), m.get("branch"), self.tr("例如 锦绣花园党支部"))
        self.line("phone", self.tr("联系电话"), m.get("phone") or (resident or {}).get("phone"))
        self.note("note", self.tr("备注"), m.get("note"))

    def save(self) -> str | None:
        data = {"resident_id": self.resident_id, "name": self.value("name"),
                "kind": self.value("kind"), "branch": self.value("branch"),
                "phone": self.value("phone"), "note": self.value("note")}
        if self.member:
            registry.edit_party_member(self.db, self.member["id"], data)
            return self.member["id"]
        return registry.add_party_member(self.db, data)


class PartyMemberModel(QAbstractTableModel):
    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.rows: list[dict[str, Any]] = []

    def set_rows(self, rows: list[dict[str, Any]]) -> None:
        self.beginResetModel()
        self.rows = rows
        self.endResetModel()

    def rowCount(self, parent=QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent=QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if role != Qt.ItemDataRole.DisplayRole or not index.isValid():
            return None
        key = COLUMNS[index.column()][1]
        value = self.rows[index.row()].get(key)
        if key == "kind":
            return registry.PARTY_KIND_LABELS.get(value, value)
        if key == "address" and not value:
            return self.tr("（不住本社区）")
        return value or ""

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return COLUMNS[section][0]
        return None


class PartyPage(QWidget):
    def __init__(self, db: sqlite_utils.Database, events: AppEvents,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.db, self.events = db, events
        self.model = PartyMemberModel(self)
        self.view = make_table(self.model)
        self.view.setObjectName("partyView")
        self.view.doubleClicked.connect(lambda _i: self.edit())
        self.title = QLabel()
        pending = QLabel(self.tr(
            "党员联户（每户一名联系党员）、推荐配对、覆盖率统计和晒网督查将在下一版本提供；"
            "现在可以先登记和维护党员信息。"))
        pending.setWordWrap(True)
        pending.setStyleSheet("color: #5f6b7a;")
        add = QPushButton(self.tr("登记党员"))
        edit = QPushButton(self.tr("编辑"))
        remove = QPushButton(self.tr("删除"))
        add.clicked.connect(self.add)
        edit.clicked.connect(self.edit)
        remove.clicked.connect(self.remove)
        top = QHBoxLayout()
        top.addWidget(self.title, 1)
        for b in (add, edit, remove):
            top.addWidget(b)
        layout = QVBoxLayout(self)
        layout.addWidget(pending)
        layout.addLayout(top)
        layout.addWidget(self.view)
        events.party_members_changed.connect(self.reload)
        events.registry_changed.connect(self.reload)
        self.reload()

    def reload(self) -> None:
        self.model.set_rows(registry.party_members(self.db))
        self.title.setText(self.tr("本社区党员：{0} 名").format(len(self.model.rows)))

    def _current(self) -> dict[str, Any] | None:
        ix = self.view.currentIndex()
        return self.model.rows[ix.row()] if ix.isValid() else None

    def add(self) -> None:
        run_dialog(PartyMemberDialog(self.db, parent=self),
                   lambda _id: self.events.party_members_changed.emit())

    def edit(self) -> None:
        member = self._current()
        if member:
            run_dialog(PartyMemberDialog(self.db, member=member, parent=self),
                       lambda _id: self.events.party_members_changed.emit())

    def remove(self) -> None:
        member = self._current()
        if member and confirm(self, self.tr("删除党员"),
                              self.tr("确定删除党员“{0}”吗？").format(member["name"])):
            registry.delete_party_member(self.db, member["id"])
            self.events.party_members_changed.emit()
