"""The duty forms: a grid's trio, a shift, a swap, a task force, a volunteer, a volunteer's
hours. Each calls app.duty and shows its Chinese messages beside the fields."""

from __future__ import annotations

from datetime import date

import sqlite_utils
from PySide6.QtWidgets import QWidget

from app import duty
from ui.widgets.form import FormDialog


class TrioDialog(FormDialog):
    def __init__(self, db: sqlite_utils.Database, trio: duty.Trio,
                 parent: QWidget | None = None) -> None:
        super().__init__(self.tr("三人小组 — {0}").format(trio.grid), parent)
        self.db, self.trio = db, trio
        for seat, label in duty.TRIO_ROLES.items():
            choices = {"": self.tr("（待明确）")}
            for s in duty.staff_choices(db, seat):
                choices[s["id"]] = f"{s['name']}（{s['unit_name'] or ''}）"
            person = getattr(trio, seat)
            self.combo(seat, label, choices, person.id if person else "")

    def save(self) -> str | None:
        return duty.set_trio(self.db, self.trio.grid_id,
                             grid_worker_id=self.value("grid_worker") or None,
                             police_id=self.value("police") or None,
                             doctor_id=self.value("doctor") or None)


class ShiftDialog(FormDialog):
    def __init__(self, db: sqlite_utils.Database, day: date, parent: QWidget | None = None
                 ) -> None:
        super().__init__(self.tr("排班"), parent)
        self.db = db
        self.clash = ""
        self.line("on_date", self.tr("日期"), day.isoformat(), self.tr("年-月-日"))
        self.combo("shift", self.tr("班次"),
                   {k: f"{v[0]} {v[1]}–{v[2]}时" for k, v in duty.SHIFTS.items()})
        self.combo("place", self.tr("地点"), dict(duty.PLACES))
        points = {"": self.tr("（社区值班室不用选）")}
        points.update({r["id"]: r["name"] for r in duty.checkpoint_choices(db)})
        self.combo("checkpoint", self.tr("卡口"), points)
        self.line("person_name", self.tr("值班人"), "", self.tr("姓名"))
        self.line("phone", self.tr("电话"))
        self.line("note", self.tr("备注"))

    def save(self) -> str | None:
        shift_id, self.clash = duty.add_shift(
            self.db, on_date=self.value("on_date"), shift=self.value("shift"),
            place=self.value("place"), checkpoint_id=self.value("checkpoint") or None,
            person_name=self.value("person_name"), phone=self.value("phone"),
            note=self.value("note"))
        return shift_id


class SwapDialog(FormDialog):
    def __init__(self, db: sqlite_utils.Database, shift: duty.Shift,
                 parent: QWidget | None = None) -> None:
        super().__init__(self.tr("换班 — {0} {1} {2}").format(
            shift.on_date, shift.shift_label, shift.person_name), parent)
        self.db, self.shift = db, shift
        self.clash = ""
        self.line("to_name", self.tr("接班人"), "", self.tr("换来值班的人的姓名"))
        self.line("to_phone", self.tr("接班人电话"))
        self.line("agreed_by", self.tr("同意人"), "", self.tr("同意这次换班的负责人"))
        self.line("reason", self.tr("原因"))

    def save(self) -> str | None:
        self.clash = duty.swap_shift(self.db, self.shift.id, to_name=self.value("to_name"),
                                     to_phone=self.value("to_phone"),
                                     agreed_by=self.value("agreed_by"),
                                     reason=self.value("reason"))
        return self.shift.id


class TaskForceDialog(FormDialog):
    def __init__(self, db: sqlite_utils.Database, row: dict | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(self.tr("修改专班") if row else self.tr("新建专班"), parent)
        self.db, self.row = db, row or {}
        self.line("name", self.tr("专班名称"), self.row.get("name"), self.tr("如 防汛应急专班"))
        self.line("duty", self.tr("职责"), self.row.get("duty"))
        self.line("leader", self.tr("负责人"), self.row.get("leader"))
        self.line("leader_phone", self.tr("负责人电话"), self.row.get("leader_phone"))

    def save(self) -> str | None:
        return duty.save_task_force(self.db, name=self.value("name"), duty=self.value("duty"),
                                    leader=self.value("leader"),
                                    leader_phone=self.value("leader_phone"),
                                    task_force_id=self.row.get("id"))


class VolunteerDialog(FormDialog):
    def __init__(self, db: sqlite_utils.Database, row: dict | None = None,
                 task_force_id: str | None = None, parent: QWidget | None = None) -> None:
        super().__init__(self.tr("修改志愿者") if row else self.tr("新增志愿者"), parent)
        self.db, self.row = db, row or {}
        self.line("name", self.tr("姓名"), self.row.get("name"))
        self.line("phone", self.tr("电话"), self.row.get("phone"))
        self.line("skills", self.tr("技能"), self.row.get("skills"),
                  self.tr("用空格或顿号分开，如 驾驶 医护"))
        groups = {"": self.tr("（不在专班）")}
        groups.update({t["id"]: t["name"] for t in duty.task_forces(db)})
        self.combo("task_force", self.tr("所在专班"), groups,
                   self.row.get("task_force_id") or task_force_id or "")
        self.line("note", self.tr("备注"), self.row.get("note"))

    def save(self) -> str | None:
        return duty.save_volunteer(self.db, name=self.value("name"), phone=self.value("phone"),
                                   skills=self.value("skills"),
                                   task_force_id=self.value("task_force") or None,
                                   note=self.value("note"), volunteer_id=self.row.get("id"))


class HoursDialog(FormDialog):
    def __init__(self, db: sqlite_utils.Database, volunteer: dict,
                 parent: QWidget | None = None) -> None:
        super().__init__(self.tr("登记服务时长 — {0}").format(volunteer["name"]), parent)
        self.db, self.volunteer = db, volunteer
        self.line("on_date", self.tr("服务日期"), date.today().isoformat(), self.tr("年-月-日"))
        self.line("hours", self.tr("时长（小时）"), "", self.tr("如 2 或 3.5"))
        self.line("activity", self.tr("服务内容"), "", self.tr("如 卡口值守"))

    def save(self) -> str | None:
        return duty.add_hours(self.db, self.volunteer["id"], on_date=self.value("on_date"),
                              hours=self.value("hours"), activity=self.value("activity"))
