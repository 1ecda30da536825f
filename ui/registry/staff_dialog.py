"""工作人员: the community's grid workers, police officers, doctors and cadres, who form the
responsible trio of an isolation case and sign its forms."""

from __future__ import annotations

from typing import Any

import sqlite_utils
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app import registry
from db import registry as rq
from ui.widgets.form import FormDialog
from ui.widgets.lazy_table import Column
from ui.widgets.tables import ROW_ROLE, RowsTableModel, make_table

STAFF_COLUMNS = [
    Column("姓名", lambda r: r["name"], width=90),
    Column("岗位", lambda r: registry.STAFF_ROLE_LABELS.get(r["role"], r["role"]), width=80),
    Column("所在网格", lambda r: r["unit_name"], width=110),
    Column("电话", lambda r: r["phone"], width=120),
    Column("备注", lambda r: r["note"], width=200),
]


def staff_rows(db: sqlite_utils.Database) -> list[dict[str, Any]]:
    units = {u["id"]: u["name"] for u in rq.org_units(db)}
    return [{**s, "unit_name": units.get(s["org_unit_id"], "")} for s in rq.staff(db)]


class StaffEditDialog(FormDialog):
    def __init__(self, db: sqlite_utils.Database, staff: dict[str, Any] | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(self.tr("编辑工作人员") if staff else self.tr("新增工作人员"), parent)
        self.db, self.staff = db, staff
        s = staff or {}
        self.line("name", self.tr("姓名"), s.get("name"))
        self.combo("role", self.tr("岗位"), registry.STAFF_ROLE_LABELS,
                   s.get("role", "grid_worker"))
        units = {rq.community_id(db): self.tr("全社区")}
        units.update({g["id"]: g["name"] for g in rq.org_units(db, "grid")})
        self.combo("org_unit_id", self.tr("所在网格"), units, s.get("org_unit_id"))
        self.line("phone", self.tr("手机号"), s.get("phone"))
        self.line("note", self.tr("备注"), s.get("note"), self.tr("例如 林山寨派出所社区民警"))

    def save(self) -> str | None:
        data = {k: self.value(k) for k in ("name", "role", "org_unit_id", "phone", "note")}
        if self.staff:
            registry.edit_staff(self.db, self.staff["id"], data)
            return self.staff["id"]
        return registry.add_staff(self.db, data)


class StaffDialog(QDialog):
    """The list, with 新增 and 修改."""

    def __init__(self, db: sqlite_utils.Database, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.db = db
        self.setWindowTitle(self.tr("工作人员（网格员、片警、片医等）"))
        self.resize(680, 420)
        self.model = RowsTableModel(STAFF_COLUMNS, self)
        self.view = make_table(self.model)
        self.view.doubleClicked.connect(lambda _i: self.edit())
        add = QPushButton(self.tr("新增…"))
        add.clicked.connect(lambda: self.add())
        edit = QPushButton(self.tr("修改…"))
        edit.clicked.connect(lambda: self.edit())
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close.button(QDialogButtonBox.StandardButton.Close).setText(self.tr("关闭"))
        close.rejected.connect(self.reject)
        row = QHBoxLayout()
        row.addWidget(add)
        row.addWidget(edit)
        row.addStretch()
        row.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addWidget(self.view, 1)
        layout.addLayout(row)
        self.reload()

    def reload(self) -> None:
        self.model.set_rows(staff_rows(self.db))

    def _open(self, dialog: StaffEditDialog) -> StaffEditDialog:
        dialog.accepted.connect(self.reload)
        dialog.open()
        return dialog

    def add(self) -> StaffEditDialog:
        return self._open(StaffEditDialog(self.db, None, self))

    def edit(self) -> StaffEditDialog | None:
        rows = self.view.selectionModel().selectedRows()
        if not rows:
            return None
        return self._open(StaffEditDialog(self.db, rows[0].data(ROW_ROLE), self))
