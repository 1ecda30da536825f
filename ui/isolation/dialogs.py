"""Dialogs of the 居家隔离 page: registering a case (a resident found by search, or a
newcomer), a morning or afternoon check, a nucleic-acid test, changing the period, release,
and transfer or withdrawal."""

from __future__ import annotations

import html
from datetime import date, datetime
from typing import Any

import sqlite_utils
from PySide6.QtCore import QDate, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDialogButtonBox,
    QDoubleSpinBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from app import isolation, registry
from app.errors import FormError
from db import registry as rq
from ui.registry.dialogs import UnitPicker
from ui.widgets.form import FormDialog, confirm


def date_edit(value: date | str | None = None) -> QDateEdit:
    edit = QDateEdit()
    edit.setCalendarPopup(True)
    edit.setDisplayFormat("yyyy-MM-dd")
    day = date.fromisoformat(value) if isinstance(value, str) else (value or date.today())
    edit.setDate(QDate(day.year, day.month, day.day))
    return edit


def picked_date(edit: QDateEdit) -> date:
    d = edit.date()
    return date(d.year(), d.month(), d.day())


def staff_combo(db: sqlite_utils.Database, roles: tuple[str, ...], current: str | None
                ) -> QComboBox:
    box = QComboBox()
    box.addItem("（未指定）", None)
    for s in rq.staff(db):
        if s["role"] in roles:
            label = s["name"] + (f"  {s['phone']}" if s["phone"] else "")
            box.addItem(label, s["id"])
    if current:
        box.setCurrentIndex(max(0, box.findData(current)))
    return box


class ResidentFinder(QWidget):
    """Type a name, pinyin initials, ID number or phone; pick the person from the list."""

    def __init__(self, db: sqlite_utils.Database, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.db = db
        self.edit = QLineEdit()
        self.edit.setPlaceholderText(self.tr("输入姓名、拼音首字母、身份证号或电话查找"))
        self.results = QListWidget()
        self.results.setMaximumHeight(130)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.edit)
        layout.addWidget(self.results)
        self.timer = QTimer(self, singleShot=True, interval=150)
        self.timer.timeout.connect(self.search)
        self.edit.textChanged.connect(lambda _t: self.timer.start())
        self.on_pick = lambda _row: None

    def search(self) -> None:
        self.results.clear()
        text = self.edit.text().strip()
        if not text:
            return
        ids = registry.search_residents(self.db, text, limit=30)
        for r in rq.resident_rows(self.db, ids):
            sex = registry.SEX_LABELS.get(r["sex"] or "", "")
            born = f"{r['birth_date'][:4]}年生" if r["birth_date"] else ""
            item = QListWidgetItem(f"{r['name']}  {sex}  {born}  {r['address'] or '（无住址）'}")
            item.setData(Qt.ItemDataRole.UserRole, r)
            self.results.addItem(item)
        if self.results.count():
            self.results.setCurrentRow(0)

    def resident(self) -> dict[str, Any] | None:
        item = self.results.currentItem()
        return item.data(Qt.ItemDataRole.UserRole) if item else None


class CaseDialog(FormDialog):
    """登记居家隔离 / 居家健康监测: who, why, from when to when, the trio, the door."""

    def __init__(self, db: sqlite_utils.Database, parent: QWidget | None = None, *,
                 by: str | None = None, resident_id: str | None = None,
                 now: datetime | None = None) -> None:
        super().__init__(self.tr("登记居家隔离 / 居家健康监测"), parent)
        self.setMinimumWidth(620)
        self.db, self.by, self.now = db, by, now
        self.settings = isolation.get_settings(db)
        who = QWidget()
        row = QHBoxLayout(who)
        row.setContentsMargins(0, 0, 0, 0)
        self.known = QRadioButton(self.tr("本社区居民"))
        self.newcomer = QRadioButton(self.tr("新来人员（同时登记为居民）"))
        self.known.setChecked(True)
        group = QButtonGroup(self)
        group.addButton(self.known)
        group.addButton(self.newcomer)
        row.addWidget(self.known)
        row.addWidget(self.newcomer)
        row.addStretch()
        self.add_field("who", self.tr("人员"), who)
        self.finder = ResidentFinder(db)
        self.add_field("resident_id", self.tr("查找居民"), self.finder)
        self.finder.results.currentItemChanged.connect(lambda *_: self._resident_picked())
        # The newcomer's own fields, shown only for a newcomer.
        self.new_fields = [
            self.line("newcomer.name", self.tr("姓名")),
            self.line("newcomer.id_number", self.tr("身份证号")),
            self.line("newcomer.phone", self.tr("手机号")),
        ]
        self.units = UnitPicker(self, db, None)
        self.door = self.line("newcomer.door_number", self.tr("门牌号"), "",
                              self.tr("例如 501；须是本单元已登记的住户"))
        self.new_fields += [self.units.building, self.units.unit, self.door]
        if resident_id:
            row_ = rq.resident_rows(db, [resident_id])
            if row_:
                self.finder.edit.setText(row_[0]["name"])
                self.finder.search()
                for i in range(self.finder.results.count()):
                    if self.finder.results.item(i).data(Qt.ItemDataRole.UserRole)["id"] == \
                            resident_id:
                        self.finder.results.setCurrentRow(i)

        self.kind = self.combo("kind", self.tr("管控类型"), isolation.KIND_LABELS,
                               "home_isolation")
        self.combo("reason", self.tr("管控原因"), {r: r for r in isolation.REASONS},
                   isolation.REASONS[0], editable=True)
        self.line("origin", self.tr("来源地"), "", self.tr("从哪里来，例如 上海市浦东新区"))
        self.start = date_edit((now or datetime.now()).date())
        self.add_field("started_on", self.tr("开始日期"), self.start)
        self.end = date_edit()
        self.add_field("planned_end", self.tr("预计解除日期"), self.end,
                       self.tr("按政策天数自动计算，可修改"))
        self.days_label = QLabel()
        self.days_label.setStyleSheet("color: #5f6b7a;")
        self.form.addRow("", self.days_label)
        self.worker = self.add_field("grid_worker_id", self.tr("网格员"),
                                     staff_combo(db, ("grid_worker", "grid_chief"), None))
        self.police = self.add_field("police_id", self.tr("片警"),
                                     staff_combo(db, ("police",), None))
        self.doctor = self.add_field("doctor_id", self.tr("片医"),
                                     staff_combo(db, ("doctor",), None))
        self.door_measure = self.combo("door_measure", self.tr("门禁措施"), isolation.DOOR_LABELS,
                                       isolation.default_door_measure(self.value("kind")))
        self.kind.currentIndexChanged.connect(self._door_for_kind)
        self.line("phone", self.tr("隔离期间联系电话"), "", self.tr("不填则用居民登记的电话"))
        self.note("note", self.tr("备注"), "")

        self.known.toggled.connect(self._switch)
        self.kind.currentIndexChanged.connect(self._update_end)
        self.start.dateChanged.connect(self._update_end)
        self.end.dateChanged.connect(self._show_days)
        self._switch()
        self._update_end()
        self._resident_picked()

    def _row_widget(self, name: str) -> QWidget:
        return self.field(name).parentWidget()

    def _switch(self) -> None:
        known = self.known.isChecked()
        for name in ("resident_id",):
            self._show_row(name, known)
        for name in ("newcomer.name", "newcomer.id_number", "newcomer.phone", "building_id",
                     "unit_id", "newcomer.door_number"):
            self._show_row(name, not known)

    def _show_row(self, name: str, visible: bool) -> None:
        box = self._row_widget(name)
        self.form.setRowVisible(box, visible)

    def _door_for_kind(self) -> None:
        """The kind's door measure: monitoring never seals a door, isolation usually does."""
        kind = self.value("kind")
        current = self.value("door_measure")
        if (kind == "home_monitoring" and current == "seal") or \
                (kind == "home_isolation" and current == "none"):
            self.door_measure.setCurrentIndex(
                self.door_measure.findData(isolation.default_door_measure(kind)))

    def _update_end(self) -> None:
        kind = self.kind.currentData()
        end = isolation.planned_end_for(self.settings, kind, picked_date(self.start))
        self.end.setDate(QDate(end.year, end.month, end.day))
        self._show_days()

    def _show_days(self) -> None:
        days = (picked_date(self.end) - picked_date(self.start)).days + 1
        policy = self.settings.policy(self.kind.currentData()).days
        text = self.tr("共{0}天").format(days)
        if days != policy:
            text += self.tr("（政策规定{0}天）").format(policy)
        self.days_label.setText(text)

    def _resident_picked(self) -> None:
        r = self.finder.resident()
        household = r["household_id"] if r else None
        trio = isolation.default_trio(self.db, household)
        for box, key in ((self.worker, "grid_worker_id"), (self.police, "police_id"),
                         (self.doctor, "doctor_id")):
            if trio[key]:           # the person is picked first, the trio follows
                box.setCurrentIndex(max(0, box.findData(trio[key])))

    def _newcomer(self) -> dict[str, Any]:
        unit = self.units.unit.currentData()
        door = self.value("newcomer.door_number")
        household = rq.household_by_door(self.db, unit, door) if unit and door else None
        if household is None:
            raise FormError({"newcomer.door_number": self.tr(
                "本单元没有这个门牌号的住户。请先在“楼栋住户”中登记这一户，或检查门牌号。")})
        return {"name": self.value("newcomer.name"),
                "id_number": self.value("newcomer.id_number"),
                "phone": self.value("newcomer.phone"), "household_id": household["id"],
                "relation": "其他", "residency": "floating"}

    def save(self) -> str | None:
        args: dict[str, Any] = {
            "kind": self.value("kind"), "reason": self.value("reason"),
            "origin": self.value("origin"), "started_on": picked_date(self.start),
            "planned_end": picked_date(self.end),
            "grid_worker_id": self.value("grid_worker_id"),
            "police_id": self.value("police_id"), "doctor_id": self.value("doctor_id"),
            "door_measure": self.value("door_measure"), "phone": self.value("phone"),
            "note": self.value("note"), "by": self.by, "now": self.now,
        }
        if self.known.isChecked():
            r = self.finder.resident()
            if r is None:
                raise FormError({"resident_id": self.tr("请查找并选中被管控的居民。")})
            return isolation.register_case(self.db, resident_id=r["id"], **args)
        return isolation.register_case(self.db, newcomer=self._newcomer(), **args)


class SymptomChecks(QWidget):
    def __init__(self, chosen: str = "") -> None:
        super().__init__()
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        self.boxes: dict[str, QCheckBox] = {}
        for i, (code, label) in enumerate(isolation.SYMPTOM_LABELS.items()):
            box = QCheckBox(label)
            box.setObjectName(f"symptom_{code}")
            box.setChecked(code in chosen.split())
            grid.addWidget(box, i // 3, i % 3)
            self.boxes[code] = box

    def value(self) -> list[str]:
        return [code for code, box in self.boxes.items() if box.isChecked()]


class CheckDialog(FormDialog):
    """上午 / 下午 检测: temperature, symptoms, how, by whom."""

    def __init__(self, db: sqlite_utils.Database, case: isolation.BoardCase,
                 parent: QWidget | None = None, *, by: str | None = None,
                 now: datetime | None = None) -> None:
        super().__init__(self.tr("录入体温检测 — {0}").format(case.name), parent)
        self.db, self.case, self.now = db, case, now
        self.outcome: isolation.CheckResult | None = None
        info = QLabel(f"<b style='font-size:13pt'>{html.escape(case.name)}</b>　"
                      f"{html.escape(case.address or '')}　{case.kind_label}　"
                      f"第{case.day_no}天/共{case.days}天")
        info.setStyleSheet("color: #3d4a5a;")
        self.form.addRow(info)
        slot = "pm" if case.pm in ("due", "overdue") or case.am == "done" else "am"
        slot_box = self.combo("slot", self.tr("时段"), isolation.SLOT_LABELS, slot)
        # Said before saving: this half-day already has a reading (a new one is kept beside it).
        self.earlier = QLabel()
        self.earlier.setObjectName("earlierReadings")
        self.earlier.setWordWrap(True)
        self.earlier.setStyleSheet("color: #b26a00;")
        self.form.addRow("", self.earlier)
        slot_box.currentIndexChanged.connect(self._show_earlier)
        self._show_earlier()
        self.temp = QDoubleSpinBox()
        self.temp.setRange(34.0, 43.0)
        self.temp.setDecimals(1)
        self.temp.setSingleStep(0.1)
        self.temp.setValue(36.5)
        self.temp.setSuffix(" ℃")
        self.add_field("temperature", self.tr("体温"), self.temp)
        self.symptoms = SymptomChecks()
        self.add_field("symptoms", self.tr("症状"), self.symptoms)
        self.combo("method", self.tr("方式"), isolation.METHOD_LABELS, "visit")
        self.line("checked_by", self.tr("检测人"), by or "")
        self.line("note", self.tr("备注"), "")
        # A round of checks is many people in a row: save, and the next one due opens.
        self.next_wanted = False
        self.next_button = self.buttons.addButton(self.tr("保存并录入下一位"),
                                                  QDialogButtonBox.ButtonRole.ActionRole)
        self.next_button.setObjectName("saveAndNext")
        self.next_button.clicked.connect(self._save_and_next)
        self.temp.selectAll()

    def _show_earlier(self) -> None:
        readings = isolation.readings_at(self.db, self.case.id, self.value("slot"), now=self.now)
        self.earlier.setText(self.tr("这个时段已有读数：{0}。保存会另记一条，原读数保留。").format(
            "、".join(isolation.reading_text(r) for r in readings)) if readings else "")
        self.earlier.setVisible(bool(readings))

    def _save_and_next(self) -> None:
        self.next_wanted = True
        self._try_save()

    def save(self) -> str | None:
        def record(another: bool) -> isolation.CheckResult:
            return isolation.record_check(
                self.db, self.case.id, slot=self.value("slot"),
                temperature=f"{self.temp.value():.1f}", symptoms=self.symptoms.value(),
                method=self.value("method"), checked_by=self.value("checked_by"),
                note=self.value("note"), another=another, now=self.now)

        try:
            self.outcome = record(another=False)
        except isolation.AlreadyRecorded as exc:
            if not confirm(self, self.tr("这个时段已有读数"), exc.message,
                           ok=self.tr("另记一条")):
                raise
            self.outcome = record(another=True)
        return self.outcome.check_id


class TestDialog(FormDialog):
    """核酸检测: the sampling day and its result."""

    def __init__(self, db: sqlite_utils.Database, case: isolation.BoardCase,
                 parent: QWidget | None = None) -> None:
        super().__init__(self.tr("核酸检测 — {0}").format(case.name), parent)
        self.db, self.case = db, case
        pending = [t for t in case.tests if t["result"] == "pending"]
        if pending:
            day = pending[0]["test_on"]
        elif case.missing_tests:
            day = case.missing_tests[0]
        else:
            day = date.today()
        needed = "、".join(isolation.short_date(d) for d in isolation.required_test_days(
            isolation.get_settings(db), case.kind, case.started_on, case.planned_end))
        hint = QLabel(self.tr("应检日期：{0}").format(needed))
        hint.setStyleSheet("color: #5f6b7a;")
        self.form.addRow(hint)
        self.day = date_edit(day)
        self.add_field("test_on", self.tr("采样日期"), self.day)
        self.combo("result", self.tr("结果"), isolation.TEST_LABELS,
                   "negative" if pending else "pending")
        self.line("note", self.tr("备注"), "")

    def save(self) -> str | None:
        def record(correct: bool) -> str:
            return isolation.record_test(self.db, self.case.id, test_on=picked_date(self.day),
                                         result=self.value("result"), note=self.value("note"),
                                         correct=correct)

        try:
            return record(correct=False)
        except isolation.AlreadyRecorded as exc:
            if not confirm(self, self.tr("更正核酸结果"), exc.message, ok=self.tr("确认更正")):
                raise
            return record(correct=True)


class ChangeEndDialog(FormDialog):
    """延长 / 缩短期限, with the reason kept in the case's history."""

    def __init__(self, db: sqlite_utils.Database, case: isolation.BoardCase,
                 parent: QWidget | None = None, *, by: str | None = None) -> None:
        super().__init__(self.tr("调整管控期限 — {0}").format(case.name), parent)
        self.db, self.case, self.by = db, case, by
        self.form.addRow(QLabel(self.tr("现在：{0} 至 {1}（共{2}天）").format(
            isolation.cn_date(case.started_on), isolation.cn_date(case.planned_end), case.days)))
        self.end = date_edit(case.planned_end)
        self.add_field("planned_end", self.tr("新的预计解除日期"), self.end)
        self.line("reason", self.tr("调整原因"), "", self.tr("例如 核酸结果待复核，延长3天"))

    def save(self) -> str | None:
        isolation.change_end(self.db, self.case.id, picked_date(self.end), self.value("reason"),
                             by=self.by)
        return self.case.id


class ReleaseDialog(FormDialog):
    """解除: what is still missing, shown once; a missing or pending 核酸 result entered in
    place; the button named by what it will do; an early release asks for the reason."""

    test_recorded = Signal(str)        # a result entered here (the board refreshes)

    def __init__(self, db: sqlite_utils.Database, case: isolation.BoardCase,
                 parent: QWidget | None = None, *, by: str | None = None,
                 now: datetime | None = None) -> None:
        super().__init__(self.tr("解除{0} — {1}").format(case.kind_label, case.name), parent)
        self.db, self.case, self.by, self.now = db, case, by, now
        self.today = (now or datetime.now()).date()
        self.summary = QLabel()
        self.form.addRow(self.summary)
        self.blockers = QLabel()
        self.blockers.setObjectName("blockers")
        self.blockers.setStyleSheet("color: #c62828;")
        self.blockers.setWordWrap(True)
        self.form.addRow(self.blockers)
        # In place: the missing (or pending) test's day and result.
        self.test_day = date_edit(self.today)
        self.add_field("test_on", self.tr("补录采样日期"), self.test_day)
        self.combo("result", self.tr("核酸结果"), isolation.TEST_LABELS, "negative")
        self.day = date_edit(self.today)
        self.add_field("released_on", self.tr("解除日期"), self.day)
        self.line("reason", self.tr("提前解除原因"), "")
        self.ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.mode = "release"
        self.refresh()

    def _rows(self, names: tuple[str, ...], visible: bool) -> None:
        for name in names:
            self.form.setRowVisible(self.field(name).parentWidget(), visible)

    def refresh(self) -> None:
        """Read the case again: the list of what is missing and what the button does."""
        check = isolation.release_check(self.db, self.case.id, self.today)
        tests = isolation.case_detail(self.db, self.case.id).tests
        done = "、".join(f"{isolation.short_date(t['test_on'])}"
                         f"{isolation.TEST_LABELS[t['result']]}" for t in tests)
        self.summary.setText("\n".join([
            self.tr("管控期：{0} 至 {1}（共{2}天）").format(
                isolation.cn_date(self.case.started_on), isolation.cn_date(self.case.planned_end),
                self.case.days),
            self.tr("核酸：{0}").format(done or self.tr("无记录"))]))
        self.blockers.setText("\n".join(check.blockers))
        self.blockers.setVisible(bool(check.blockers))
        self.ready = not check.blockers
        if (check.missing_tests or check.pending_tests) and not check.positive:
            self.mode = "test"
            first = (check.pending_tests or check.missing_tests)[0]
            self.test_day.setDate(QDate(first.year, first.month, first.day))
            self.ok.setText(self.tr("补录核酸结果"))
            self.ok.setToolTip(self.tr("记录这一天的核酸结果，然后再看还缺什么"))
        elif check.blockers:
            self.mode = "blocked"
            self.ok.setText(self.tr("还不能解除"))
            self.ok.setToolTip(self.tr("有阳性结果：请转出，不能解除。") if check.positive
                               else self.tr("体温或症状异常须先由片医处理，然后才能解除。"))
        else:
            self.mode = "release"
            self.ok.setText(self.tr("提前解除并打印通知书") if check.early
                            else self.tr("解除并打印通知书"))
            self.ok.setToolTip("")
            reason = self.field("reason")
            reason.setPlaceholderText(self.tr("未到期，须填写原因，例如 区指挥部通知提前解除")
                                      if check.early else self.tr("期满解除不用填写"))
        self.ok.setEnabled(self.mode != "blocked")
        self._rows(("test_on", "result"), self.mode == "test")
        self._rows(("released_on", "reason"), self.mode == "release")

    def _try_save(self) -> None:
        if self.mode != "test":
            super()._try_save()
            return
        try:
            self.record_test()
        except FormError as exc:
            self.show_errors(exc.errors)

    def record_test(self) -> str:
        """Enter the missing (or pending) result in place; the dialog stays open."""
        test_id = isolation.record_test(self.db, self.case.id,
                                        test_on=picked_date(self.test_day),
                                        result=self.value("result"))
        self.show_errors({})
        self.refresh()
        self.test_recorded.emit(self.case.id)
        return test_id

    def save(self) -> str | None:
        try:
            isolation.release_case(self.db, self.case.id, released_on=picked_date(self.day),
                                   reason=self.value("reason"), by=self.by, now=self.now)
        except FormError as exc:
            if "release" not in exc.errors:
                raise
            self.refresh()          # something new is missing: the list above says what
            raise FormError({k: v for k, v in exc.errors.items() if k != "release"}) from exc
        return self.case.id


class CloseCaseDialog(FormDialog):
    """转出 (centralised isolation, hospital) or 撤销 (registered by mistake)."""

    def __init__(self, db: sqlite_utils.Database, case: isolation.BoardCase,
                 parent: QWidget | None = None, *, by: str | None = None) -> None:
        super().__init__(self.tr("转出或撤销 — {0}").format(case.name), parent)
        self.db, self.case, self.by = db, case, by
        self.what = self.combo("action", self.tr("处理"),
                               {"transfer": self.tr("转出（集中隔离、医院）"),
                                "cancel": self.tr("撤销（登记有误或上级通知）")}, "transfer")
        self.line("transfer_to", self.tr("转往"), "", self.tr("例如 市第一集中隔离点"))
        self.line("reason", self.tr("原因"), "")
        self.what.currentIndexChanged.connect(
            lambda: self.form.setRowVisible(self.field("transfer_to").parentWidget(),
                                            self.what.currentData() == "transfer"))

    def save(self) -> str | None:
        if self.value("action") == "transfer":
            isolation.transfer_case(self.db, self.case.id, self.value("transfer_to"),
                                    self.value("reason"), by=self.by)
        else:
            isolation.cancel_case(self.db, self.case.id, self.value("reason"), by=self.by)
        return self.case.id


# What the district may let its communities adjust (DistrictRules), as its check boxes say.
RULE_LABELS = {"days_open": "允许社区延长隔离天数（不能缩短）",
               "tests_open": "允许社区增加核酸检测日（区里的检测日必须保留）",
               "fever_open": "允许社区调低发热标准（不能调高）",
               "deadlines_open": "允许社区自行设定检测时间"}


class SettingsDialog(FormDialog):
    """The office's isolation policy: days and test days per kind, the fever line and the
    check deadlines (they change with national and local policy). At the district it sets
    the policy of all its communities and what they may adjust; at a community under a
    district policy it shows where each value comes from (区里统一 / 本社区调整) and disables,
    with the reason, what the district does not let the community change."""

    def __init__(self, db: sqlite_utils.Database, parent: QWidget | None = None) -> None:
        self.view = view = isolation.policy_view(db)
        super().__init__(self.tr("全区隔离政策设置") if view.mode == "district"
                         else self.tr("居家隔离政策设置"), parent)
        self.db = db
        settings = view.settings
        for kind, label in isolation.KIND_LABELS.items():
            policy = settings.policy(kind)
            self.spin(f"{kind}.days", self.tr("{0}天数").format(label), policy.days, 1, 60)
            self.line(f"{kind}.test_days", self.tr("{0}核酸检测日").format(label),
                      " ".join(str(d) for d in policy.test_days),
                      self.tr("第几天做核酸，用空格分开，例如 1 4 7"))
        self.line("fever", self.tr("发热标准（℃）"), f"{settings.fever:.1f}",
                  self.tr("体温达到此值即提醒片医，一般为 37.3"))
        self.line("am_deadline", self.tr("上午检测截止"),
                  settings.am_deadline.strftime("%H:%M"))
        self.line("pm_start", self.tr("下午检测开始"), settings.pm_start.strftime("%H:%M"))
        self.line("pm_deadline", self.tr("下午检测截止"),
                  settings.pm_deadline.strftime("%H:%M"))
        self.intro = QLabel(self._intro())
        self.intro.setObjectName("policyIntro")
        self.intro.setWordWrap(True)
        self.layout().insertWidget(1, self.intro)
        self.sources: dict[str, QLabel] = {}
        if view.mode == "community":
            self._show_sources()
        self.rules: dict[str, QCheckBox] = {}
        if view.mode == "district":
            for name, text in RULE_LABELS.items():
                box = QCheckBox(self.tr(text))
                box.setObjectName(name)
                box.setChecked(getattr(view.rules, name))
                self.form.addRow(self.tr("社区调整") if not self.rules else "", box)
                self.rules[name] = box

    def _intro(self) -> str:
        v = self.view
        if v.mode == "district":
            return self.tr("这里的政策对全区所有社区生效，随下次同步下发到各社区。"
                           "勾选下方的项，社区才可以在本社区调整（只能更严格）。")
        if v.mode == "own":
            return self.tr("本社区还没有收到区里统一的隔离政策，以下是本社区自己的设置。"
                           "收到区里的政策后，以区里的为准。")
        when = (f"（{v.changed_by or '区里'}于 {v.changed_at[:16]} 修改）"
                if v.changed_at else "")
        return self.tr("本社区执行区里统一的隔离政策{0}。灰色的项由区里统一规定，不能修改；"
                       "其余的项社区可以调整，但只能比区里更严格。").format(when)

    def _show_sources(self) -> None:
        """Under each field: 区里统一 or 本社区调整, and why it is locked if it is."""
        for name, source in self.view.sources.items():
            widget = self.field(name)
            text = self.tr(isolation.SOURCE_LABELS[source])
            why = self.view.locked(name)
            if why:
                widget.setEnabled(False)
                widget.setToolTip(why)
                text += f" · {why}"
            elif self.view.allowed(name):
                text += f" · {self.view.allowed(name)}"
            label = QLabel(text)
            label.setObjectName(f"source_{name}")
            label.setStyleSheet("color: #666;" if source == "district" else "color: #1565c0;")
            label.setWordWrap(True)
            widget.parentWidget().layout().addWidget(label)
            self.sources[name] = label

    def save(self) -> str | None:
        from datetime import time

        errors: dict[str, str] = {}
        policies = {}
        for kind, label in isolation.KIND_LABELS.items():
            try:
                days = tuple(int(d) for d in self.value(f"{kind}.test_days").split())
            except ValueError:
                errors[f"{kind}.test_days"] = self.tr(
                    "{0}的核酸检测日请填数字，用空格分开，例如“1 4 7”。").format(label)
                continue
            policies[kind] = isolation.Policy(self.value(f"{kind}.days"), days)
        try:
            fever = float(self.value("fever"))
        except ValueError:
            errors["fever"] = self.tr("发热标准请填数字，例如 37.3。")
            fever = 0.0
        clock = {}
        for name in ("am_deadline", "pm_start", "pm_deadline"):
            try:
                clock[name] = time.fromisoformat(self.value(name))
            except ValueError:
                errors[name] = self.tr("请按“时:分”填写，例如 12:00。")
        if errors:
            raise FormError(errors)
        settings = isolation.Settings(policies=policies, fever=fever, **clock)
        if self.view.mode == "district":
            rules = isolation.DistrictRules(**{n: b.isChecked() for n, b in self.rules.items()})
            isolation.save_district_policy(self.db, settings, rules)
        else:
            isolation.save_settings(self.db, settings)
        return None


class EditCaseDialog(FormDialog):
    """修改信息: reason, origin, the trio, the door, the phone, the note (not the dates)."""

    def __init__(self, db: sqlite_utils.Database, case_id: str, parent: QWidget | None = None,
                 *, by: str | None = None) -> None:
        self.case = isolation.case_detail(db, case_id).case
        c = self.case
        super().__init__(self.tr("修改信息 — {0}").format(c["name"]), parent)
        self.db, self.by = db, by
        self.combo("reason", self.tr("管控原因"), {r: r for r in isolation.REASONS},
                   c["reason"], editable=True)
        self.line("origin", self.tr("来源地"), c["origin"])
        self.add_field("grid_worker_id", self.tr("网格员"),
                       staff_combo(db, ("grid_worker", "grid_chief"), c["grid_worker_id"]))
        self.add_field("police_id", self.tr("片警"), staff_combo(db, ("police",), c["police_id"]))
        self.add_field("doctor_id", self.tr("片医"), staff_combo(db, ("doctor",), c["doctor_id"]))
        self.combo("door_measure", self.tr("门禁措施"), isolation.DOOR_LABELS, c["door_measure"])
        self.line("phone", self.tr("隔离期间联系电话"), c["phone"])
        self.note("note", self.tr("备注"), c["note"])

    def save(self) -> str | None:
        isolation.edit_case(self.db, self.case["id"], {
            k: self.value(k) for k in ("reason", "origin", "grid_worker_id", "police_id",
                                       "doctor_id", "door_measure", "phone", "note")},
            by=self.by)
        return self.case["id"]
