"""The readiness forms: a checkpoint, a day's counts at it, a registration, a supply item, a
receipt or an issue. Each calls app.readiness and shows its messages beside the fields."""

from __future__ import annotations

from datetime import date

import sqlite_utils
from PySide6.QtWidgets import QLabel, QWidget

from app import readiness
from ui.widgets.form import FormDialog


class CheckpointDialog(FormDialog):
    def __init__(self, db: sqlite_utils.Database, row: dict | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(self.tr("修改卡口") if row else self.tr("新设卡口"), parent)
        self.db, self.row = db, row or {}
        self.line("name", self.tr("卡口名称"), self.row.get("name"), self.tr("如 锦绣花园东门卡口"))
        compounds = {"": self.tr("（请选择）")}
        compounds.update({c["id"]: c["name"] for c in readiness.compound_choices(db)})
        self.combo("compound", self.tr("所在小区"), compounds, self.row.get("compound_id") or "")
        self.line("gate", self.tr("门岗"), self.row.get("gate"), self.tr("如 东门"))
        self.line("note", self.tr("备注"), self.row.get("note"))

    def save(self) -> str | None:
        return readiness.save_checkpoint(self.db, name=self.value("name"),
                                         compound_id=self.value("compound") or None,
                                         gate=self.value("gate"), note=self.value("note"),
                                         checkpoint_id=self.row.get("id"))


class CountsDialog(FormDialog):
    def __init__(self, db: sqlite_utils.Database, checkpoint: dict,
                 parent: QWidget | None = None) -> None:
        super().__init__(self.tr("登记人车数量 — {0}").format(checkpoint["name"]), parent)
        self.db, self.checkpoint = db, checkpoint
        self.replaced = False
        self.line("on_date", self.tr("日期"), date.today().isoformat(), self.tr("年-月-日"))
        self.line("people", self.tr("人员（人次）"), "", self.tr("整数，如 520"))
        self.line("vehicles", self.tr("车辆（辆次）"), "", self.tr("整数，如 80"))
        self.line("note", self.tr("备注"))

    def save(self) -> str | None:
        self.replaced = readiness.record_counts(
            self.db, self.checkpoint["id"], on_date=self.value("on_date"),
            people=self.value("people"), vehicles=self.value("vehicles"),
            note=self.value("note"))
        return self.checkpoint["id"]


class EntryDialog(FormDialog):
    """进出登记: one person through the gate by name (only where the office switched
    registration on); the gate's latest entries are listed above the form."""

    def __init__(self, db: sqlite_utils.Database, checkpoint: dict,
                 parent: QWidget | None = None) -> None:
        super().__init__(self.tr("进出人员登记 — {0}").format(checkpoint["name"]), parent)
        self.db, self.checkpoint = db, checkpoint
        latest = readiness.entries(db, checkpoint["id"])[:8]
        lines = [f"{e['at'].replace('T', ' ')}　{'进' if e['direction'] == 'in' else '出'}　"
                 f"{e['name']}　{e['plate'] or ''}" for e in latest]   # no phones shown
        self.recent = QLabel(self.tr("最近登记：\n") + "\n".join(lines) if lines
                             else self.tr("这个卡口还没有人员登记。"))
        self.recent.setObjectName("recentEntries")
        self.recent.setStyleSheet("color: #5f6b7a;")
        self.form.addRow(self.recent)
        self.line("name", self.tr("姓名"), "", self.tr("进出人员的姓名"))
        self.line("phone", self.tr("联系电话"), "", self.tr("11位手机号，可不填"))
        self.combo("direction", self.tr("进出"), {"in": self.tr("进"), "out": self.tr("出")},
                   "in")
        self.line("plate", self.tr("车牌号"), "", self.tr("开车进出时填写，如 豫A12345"))
        self.line("note", self.tr("备注"))

    def save(self) -> str | None:
        return readiness.register_entry(
            self.db, self.checkpoint["id"], name=self.value("name"), phone=self.value("phone"),
            plate=self.value("plate"), direction=self.value("direction") or "in",
            note=self.value("note"))


class SupplyDialog(FormDialog):
    def __init__(self, db: sqlite_utils.Database, row=None, parent: QWidget | None = None
                 ) -> None:
        super().__init__(self.tr("修改物资") if row else self.tr("新增物资"), parent)
        self.db, self.row = db, row
        self.line("name", self.tr("物资名称"), row.name if row else "", self.tr("如 医用外科口罩"))
        self.line("unit", self.tr("单位"), row.unit if row else "个")
        self.line("stored_at", self.tr("存放地点"), row.stored_at if row else "")
        self.line("low_level", self.tr("预警数量"), row.low_level if row else 0,
                  self.tr("库存不多于这个数时提示库存不足"))
        self.line("note", self.tr("备注"), row.note if row else "")

    def save(self) -> str | None:
        return readiness.save_supply(self.db, name=self.value("name"), unit=self.value("unit"),
                                     stored_at=self.value("stored_at"),
                                     low_level=self.value("low_level"),
                                     note=self.value("note"),
                                     supply_id=self.row.id if self.row else None)


class MoveDialog(FormDialog):
    def __init__(self, db: sqlite_utils.Database, item, kind: str,
                 parent: QWidget | None = None) -> None:
        verb = self.tr("入库") if kind == "in" else self.tr("出库（发放）")
        super().__init__(f"{verb} — {item.name}（库存 {item.stock}{item.unit}）", parent)
        self.db, self.item, self.kind = db, item, kind
        self.line("quantity", self.tr("数量（{0}）").format(item.unit))
        self.line("party", self.tr("来源") if kind == "in" else self.tr("领用人"), "",
                  self.tr("谁送来的") if kind == "in" else self.tr("发给谁"))
        self.line("reason", self.tr("原因") if kind == "in" else self.tr("用途"))
        self.line("on_date", self.tr("日期"), date.today().isoformat(), self.tr("年-月-日"))
        self.line("handled_by", self.tr("经手人"))

    def save(self) -> str | None:
        readiness.move(self.db, self.item.id, self.kind, quantity=self.value("quantity"),
                       party=self.value("party"), reason=self.value("reason"),
                       on_date=self.value("on_date"), handled_by=self.value("handled_by"))
        return self.item.id

