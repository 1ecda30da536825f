"""The place dialog: registering or correcting a place (a FormError shows under its field
and nothing typed is lost)."""

from __future__ import annotations

import sqlite_utils
from PySide6.QtWidgets import QWidget

from app import places
from ui.widgets.form import FormDialog

NO_COMPOUND = "（不在小区内，临街）"


class PlaceDialog(FormDialog):
    def __init__(self, db: sqlite_utils.Database, place_id: str | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__("修改场所" if place_id else "登记场所", parent)
        self.db, self.place_id = db, place_id
        held = places.input_of(places.get(db, place_id)) if place_id else places.PlaceInput()
        self.line("name", self.tr("场所名称"), held.name, self.tr("招牌上的名称，如 老王烩面馆"))
        kinds = {k: k for k in places.kinds(db)}
        box = self.combo("kind", self.tr("场所类型"), {"": "", **kinds}, held.kind or "",
                         editable=True)
        box.setToolTip(self.tr("从列表选择（前九种是“九小场所”），也可直接输入新的类型"))
        self.combo("address", self.tr("所在小区"),
                   {"": NO_COMPOUND, **dict(places.compounds(db))}, held.compound_id or "")
        self.line("street_address", self.tr("门牌/街道地址"), held.street_address,
                  self.tr("临街：建设路12号；小区内：临街门面3号"))
        self.line("manager", self.tr("负责人"), held.manager)
        self.line("phone", self.tr("联系电话"), held.phone)
        self.line("employees", self.tr("从业人数"),
                  "" if held.employees is None else held.employees)
        self.line("licence_no", self.tr("营业执照号"), held.licence_no,
                  self.tr("统一社会信用代码"))
        self.combo("status", self.tr("状态"), places.STATUS_LABELS, held.status)
        self.note("note", self.tr("备注"), held.note)

    def data(self) -> places.PlaceInput:
        return places.PlaceInput(
            name=self.value("name"), kind=self.value("kind"),
            compound_id=self.field("address").currentData() or None,
            street_address=self.value("street_address"), manager=self.value("manager"),
            phone=self.value("phone"), employees=self.value("employees") or None,
            licence_no=self.value("licence_no"), status=self.value("status"),
            note=self.value("note"))

    def save(self) -> str | None:
        data = self.data()
        if self.place_id:
            places.edit(self.db, self.place_id, data)
            return self.place_id
        return places.register(self.db, data)
