"""The 关爱走访 forms: one-step 走访记录 (with 保存并录入下一位), the intervals per tag, a
person's own schedule or its end, vaccination, referring a need and its outcome."""

from __future__ import annotations

import html
from collections.abc import Callable
from datetime import date
from typing import Any

import sqlite_utils
from PySide6.QtCore import QDate
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDialogButtonBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QWidget,
)

from app import care
from app.errors import FormError
from ui.widgets.form import FormDialog, confirm


def date_edit(day: date) -> QDateEdit:
    edit = QDateEdit()
    edit.setCalendarPopup(True)
    edit.setDisplayFormat("yyyy-MM-dd")
    edit.setDate(QDate(day.year, day.month, day.day))
    return edit


def picked(edit: QDateEdit) -> date:
    d = edit.date()
    return date(d.year(), d.month(), d.day())


class NeedChecks(QWidget):
    """就医 助餐 维修 代买 心理 其他, as ticks."""

    def __init__(self) -> None:
        super().__init__()
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        self.boxes: dict[str, QCheckBox] = {}
        for i, (code, label) in enumerate(care.NEED_LABELS.items()):
            box = QCheckBox(label)
            box.setObjectName(f"need_{code}")
            grid.addWidget(box, i // 3, i % 3)
            self.boxes[code] = box

    def value(self) -> list[str]:
        return [code for code, box in self.boxes.items() if box.isChecked()]


def ask_end_schedule(parent: QWidget, exc: care.MovedAway) -> bool:
    return confirm(parent, parent.tr("此人已迁出"), exc.message, ok=parent.tr("结束走访安排"))


class VisitDialog(FormDialog):
    """走访记录 in one step: how (visited / phoned / not at home), how the person is, needs
    found, a note; 保存并录入下一位 goes on to the next one due."""

    def __init__(self, db: sqlite_utils.Database, row: dict[str, Any], today: date,
                 parent: QWidget | None = None,
                 ask_end: Callable[[QWidget, care.MovedAway], bool] = ask_end_schedule) -> None:
        super().__init__(self.tr("走访记录 — {0}").format(row["name"]), parent)
        self.db, self.row, self.today, self.ask_end = db, row, today, ask_end
        self.ended = False            # the person had moved away and their care was ended
        self.method_saved: str | None = None
        age = f"{row['age']}岁　" if row.get("age") is not None else ""
        info = QLabel(f"<b style='font-size:13pt'>{html.escape(row['name'])}</b>　{age}"
                      f"{html.escape(row.get('address') or '')}<br>"
                      f"<span style='color:#5f6b7a'>{html.escape(row.get('tags') or '')}　"
                      f"每{row.get('days')}天　上次：{row.get('last_on') or '未走访'}</span>")
        info.setObjectName("visitPerson")
        self.form.addRow(info)
        self.combo("method", self.tr("方式"), care.METHOD_LABELS, "visit")
        visitor = row.get("visitor") or "grid_worker"
        if visitor == "member" and not row.get("member_id"):
            visitor = "grid_worker"
        self.combo("visitor", self.tr("走访人"), care.VISITOR_LABELS, visitor)
        self.line("visitor_name", self.tr("志愿者姓名"), row.get("volunteer") or "",
                  self.tr("由志愿者走访时填写"))
        self.combo("wellbeing", self.tr("状况"), care.WELLBEING_LABELS, "good")
        self.needs = NeedChecks()
        self.add_field("needs", self.tr("发现需求"), self.needs)
        self.line("note", self.tr("备注"), "", self.tr("例如 血压偏高；厨房水管漏水"))
        self.day = date_edit(today)
        self.add_field("visited_on", self.tr("日期"), self.day)
        self.vaccine: QComboBox | None = None
        if row.get("age") is not None and row["age"] >= care.VACCINE_AGE:
            now = care.VACCINE_LABELS.get(row.get("vaccination") or "", "未登记")
            self.vaccine = self.combo("vaccination", self.tr("疫苗接种（现：{0}）").format(now),
                                      {"": self.tr("（不更改）"), **care.VACCINE_LABELS}, "")
        self.field("method").currentIndexChanged.connect(self._method_changed)
        # A round of visits is many people in a row: save, and the next one due opens.
        self.next_wanted = False
        self.next_button = self.buttons.addButton(self.tr("保存并录入下一位(&N)"),
                                                  QDialogButtonBox.ButtonRole.ActionRole)
        self.next_button.setObjectName("saveAndNext")
        self.next_button.clicked.connect(self._save_and_next)

    def _method_changed(self) -> None:
        self.field("wellbeing").setEnabled(self.value("method") != "absent")

    def _save_and_next(self) -> None:
        self.next_wanted = True
        self._try_save()

    def save(self) -> str | None:
        method = self.value("method")
        try:
            visit_id = care.record_visit(
                self.db, self.row["id"], method=method, visitor=self.value("visitor"),
                wellbeing=self.value("wellbeing"), needs=self.needs.value(),
                note=self.value("note"), visitor_name=self.value("visitor_name"),
                visited_on=picked(self.day), today=self.today)
        except care.MovedAway as exc:
            if not self.ask_end(self, exc):
                raise
            care.end_schedule(self.db, exc.resident_id, "moved_away", today=self.today)
            self.ended = True
            return None
        self.method_saved = method
        if self.vaccine is not None and self.vaccine.currentData():
            care.record_vaccination(self.db, self.row["id"], self.vaccine.currentData(),
                                    today=self.today)
        return visit_id


class RulesDialog(FormDialog):
    """走访间隔: a row per tag — every how many days, and who visits."""

    def __init__(self, db: sqlite_utils.Database, parent: QWidget | None = None) -> None:
        super().__init__(self.tr("走访间隔设置"), parent)
        self.db = db
        hint = QLabel(self.tr("按居民或住户的标签设定多久走访一次、由谁走访；“高龄”指{0}岁及以上。"
                              "同一人有几个标签时按最短的间隔；个人另有安排的以个人为准。")
                      .format(care.OLD_AGE))
        hint.setWordWrap(True)
        self.form.addRow(hint)
        self.table = QTableWidget(0, 3)
        self.table.setObjectName("rulesTable")
        self.table.setHorizontalHeaderLabels([self.tr("标签"), self.tr("间隔（天）"),
                                              self.tr("由谁走访")])
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.setMinimumHeight(220)
        for rule in care.rules(db):
            self.add_row(rule.tag, rule.interval_days, rule.visitor)
        self.add_field("rules", self.tr("间隔"), self.table)
        row = QHBoxLayout()
        add = QPushButton(self.tr("添加一行(&A)"))
        add.clicked.connect(lambda: self.add_row("", 30, "grid_worker"))
        remove = QPushButton(self.tr("删除所选行(&D)"))
        remove.clicked.connect(self._remove)
        row.addWidget(add)
        row.addWidget(remove)
        row.addStretch()
        box = QWidget()
        box.setLayout(row)
        self.form.addRow(box)

    def add_row(self, tag: str, days: int, visitor: str) -> None:
        n = self.table.rowCount()
        self.table.insertRow(n)
        self.table.setItem(n, 0, QTableWidgetItem(tag))
        spin = QSpinBox()
        spin.setRange(1, care.MAX_INTERVAL)
        spin.setValue(days)
        self.table.setCellWidget(n, 1, spin)
        who = QComboBox()
        for key, label in care.VISITOR_LABELS.items():
            who.addItem(label, key)
        who.setCurrentIndex(max(0, who.findData(visitor)))
        self.table.setCellWidget(n, 2, who)

    def _remove(self) -> None:
        for r in sorted({i.row() for i in self.table.selectedIndexes()}, reverse=True):
            self.table.removeRow(r)

    def items(self) -> list[tuple[str, int, str]]:
        out = []
        for r in range(self.table.rowCount()):
            item = self.table.item(r, 0)
            out.append(((item.text() if item else "").strip(),
                        self.table.cellWidget(r, 1).value(),
                        self.table.cellWidget(r, 2).currentData()))
        return out

    def save(self) -> str | None:
        try:
            care.set_rules(self.db, self.items())
        except FormError as exc:      # one message per row, under the table
            raise FormError({"rules": "\n".join(exc.errors.values())}) from exc
        return None


class ScheduleDialog(FormDialog):
    """A person's own interval and visitor (empty: as their tags say)."""

    def __init__(self, db: sqlite_utils.Database, row: dict[str, Any],
                 parent: QWidget | None = None) -> None:
        super().__init__(self.tr("个人走访安排 — {0}").format(row["name"]), parent)
        self.db, self.row = db, row
        own = care.schedule(db, row["id"]) or {}
        self.spin("interval_days", self.tr("间隔（天）"), own.get("interval_days"), 1,
                  care.MAX_INTERVAL, special=self.tr("按标签"))
        self.combo("visitor", self.tr("由谁走访"),
                   {"": self.tr("（按标签）"), **care.VISITOR_LABELS}, own.get("visitor") or "")
        self.line("visitor_name", self.tr("志愿者姓名"), own.get("visitor_name"))
        self.note("note", self.tr("备注"), own.get("note"))

    def save(self) -> str | None:
        return care.set_schedule(self.db, self.row["id"],
                                 interval_days=self.value("interval_days"),
                                 visitor=self.value("visitor") or None,
                                 visitor_name=self.value("visitor_name"),
                                 note=self.value("note"))


class EndDialog(FormDialog):
    """结束走访: the reason (moved away, died, declined); the history stays."""

    def __init__(self, db: sqlite_utils.Database, row: dict[str, Any], today: date,
                 parent: QWidget | None = None) -> None:
        super().__init__(self.tr("结束关爱走访 — {0}").format(row["name"]), parent)
        self.db, self.row, self.today = db, row, today
        self.combo("end_reason", self.tr("原因"), care.END_REASON_LABELS, "moved_away")
        self.note("note", self.tr("说明"), "")

    def save(self) -> str | None:
        return care.end_schedule(self.db, self.row["id"], self.value("end_reason"),
                                 note=self.value("note"), today=self.today)


class VaccinationDialog(FormDialog):
    def __init__(self, db: sqlite_utils.Database, row: dict[str, Any], today: date,
                 parent: QWidget | None = None) -> None:
        super().__init__(self.tr("疫苗接种情况 — {0}").format(row["name"]), parent)
        self.db, self.row, self.today = db, row, today
        self.combo("status", self.tr("接种情况"), care.VACCINE_LABELS,
                   row.get("vaccination") or "full")
        self.spin("doses", self.tr("已接种剂次"), None, 0, 9, special=self.tr("未填"))
        self.line("note", self.tr("备注"), "")

    def save(self) -> str | None:
        return care.record_vaccination(self.db, self.row["id"], self.value("status"),
                                       doses=self.value("doses"), note=self.value("note"),
                                       today=self.today)


class ReferDialog(FormDialog):
    """转介: to which body (民政, 残联, 卫生服务中心 …)."""

    def __init__(self, db: sqlite_utils.Database, need: dict[str, Any], today: date,
                 parent: QWidget | None = None) -> None:
        super().__init__(self.tr("转介需求 — {0}").format(need["name"]), parent)
        self.db, self.need, self.today = db, need, today
        self.form.addRow(QLabel(f"{care.NEED_LABELS[need['kind']]}　{need['note'] or ''}"))
        self.combo("referred_to", self.tr("转介到"), {b: b for b in care.REFERRAL_BODIES},
                   editable=True)
        self.line("note", self.tr("说明"), "")

    def save(self) -> str | None:
        care.refer_need(self.db, self.need["id"], self.value("referred_to"),
                        note=self.value("note"), today=self.today)
        return self.need["id"]


class OutcomeDialog(FormDialog):
    def __init__(self, db: sqlite_utils.Database, need: dict[str, Any], today: date,
                 parent: QWidget | None = None) -> None:
        super().__init__(self.tr("办理结果 — {0}").format(need["name"]), parent)
        self.db, self.need, self.today = db, need, today
        where = f"（已转介{need['referred_to']}）" if need.get("referred_to") else ""
        self.form.addRow(QLabel(f"{care.NEED_LABELS[need['kind']]}{where}　{need['note'] or ''}"))
        self.line("outcome", self.tr("办理结果"), "", self.tr("例如 民政已批准助餐补贴"))

    def save(self) -> str | None:
        care.close_need(self.db, self.need["id"], self.value("outcome"), today=self.today)
        return self.need["id"]

