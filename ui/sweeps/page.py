"""The 入户排查 page: the sweeps this office sees, progress per grid and building (per community
at the district), the households not yet visited (a lazy list: Enter records the outcome),
the outcome dialog with 登记新住户 and 转为居家隔离 in one step, and a new sweep."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import sqlite_utils
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from app import accounts, community_scope, sweeps
from app.errors import FormError
from ui import access
from ui.events import AppEvents
from ui.isolation.dialogs import CaseDialog, SymptomChecks, date_edit, picked_date
from ui.widgets.community_filter import CommunityFilter, with_community_column
from ui.widgets.form import FormDialog
from ui.widgets.lazy_table import Column, LazyTableModel
from ui.widgets.shown import ReadWhenShown
from ui.widgets.tables import RowsTableModel, make_table

PENDING_TONE = ("#8a4b00", "#fff4e0")
PROGRESS_COLUMNS = [
    Column("范围", lambda p: p.label, width=130),
    Column("户数", lambda p: p.households, align_right=True, width=50),
    Column("已排查", lambda p: p.done, align_right=True, width=54),
    Column("无人在家", lambda p: p.absent, align_right=True, width=64),
    Column("拒绝", lambda p: p.refused, align_right=True, width=50),
    Column("空置", lambda p: p.vacant, align_right=True, width=50),
    Column("未完成", lambda p: p.pending, align_right=True, width=54,
           tone=lambda p: PENDING_TONE if p.pending else None),
    Column("完成率", lambda p: f"{p.percent}%", align_right=True, width=54),
    Column("返回人员", lambda p: p.returnees, align_right=True, width=64),
]
PENDING_COLUMNS = [
    Column("住址", lambda r: r["address"], width=190),
    Column("户主", lambda r: r["head"] or "", width=80),
    Column("人数", lambda r: r["members"], align_right=True, width=50),
    Column("状态", lambda r: "无人在家，待再访" if r["outcome"] == "absent" else "未排查",
           width=120, tone=lambda r: PENDING_TONE if r["outcome"] == "absent" else None),
    Column("上次", lambda r: r["visited_on"] or "", width=90),
]


class SweepsPage(ReadWhenShown, QWidget):
    def __init__(self, db: sqlite_utils.Database, events: AppEvents,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.db, self.events = db, events
        self.at_district = community_scope.is_district(db)
        layout = QVBoxLayout(self)
        top = QHBoxLayout()
        title = QLabel(self.tr("入户排查"))
        title.setStyleSheet("font-size: 14pt; font-weight: bold;")
        top.addWidget(title)
        self.sweep_box = QComboBox()
        self.sweep_box.setObjectName("sweepChoice")
        self.sweep_box.setMinimumWidth(160)
        self.sweep_box.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.sweep_box.setMinimumContentsLength(16)
        self.sweep_box.currentIndexChanged.connect(lambda _i: self.show_sweep())
        top.addWidget(self.sweep_box, 1)
        self.by = QComboBox()
        self.by.setObjectName("progressBy")
        for key, label in ((("community", "按社区"),) if self.at_district else ()) + (
                ("grid", "按网格"), ("building", "按楼栋")):
            self.by.addItem(self.tr(label), key)
        self.by.currentIndexChanged.connect(lambda _i: self.show_sweep())
        top.addWidget(self.by)
        self.filter: CommunityFilter | None = None
        if self.at_district:
            self.filter = CommunityFilter(db, events)
            self.filter.changed.connect(self.show_sweep)
            top.addWidget(self.filter)
        self.new_button = QPushButton(self.tr("发起排查(&N)…"))
        self.new_button.setToolTip(self.tr("发起一次入户排查（Ctrl+N）"))
        self.new_button.clicked.connect(self.new_sweep)
        top.addWidget(self.new_button)
        self.close_button = QPushButton(self.tr("结束排查(&J)"))
        self.close_button.clicked.connect(self.close_sweep)
        top.addWidget(self.close_button)
        layout.addLayout(top)
        self.summary = QLabel()
        self.summary.setObjectName("sweepSummary")
        self.summary.setWordWrap(True)
        layout.addWidget(self.summary)

        split = QSplitter()
        left = QWidget()
        lv = QVBoxLayout(left)
        lv.setContentsMargins(0, 0, 0, 0)
        lv.addWidget(QLabel(self.tr("进度（选中一行，右侧只列这一片）")))
        self.progress_model = RowsTableModel(PROGRESS_COLUMNS, self)
        self.progress_table = make_table(self.progress_model)
        self.progress_table.setObjectName("sweepProgress")
        self.progress_table.selectionModel().currentRowChanged.connect(
            lambda *_: self.show_pending())
        lv.addWidget(self.progress_table)
        right = QWidget()
        rv = QVBoxLayout(right)
        rv.setContentsMargins(0, 0, 0, 0)
        self.pending_label = QLabel()
        rv.addWidget(self.pending_label)
        columns = (with_community_column(db, PENDING_COLUMNS) if self.at_district
                   else PENDING_COLUMNS)
        self.pending_model = LazyTableModel(
            columns, lambda ids: sweeps.pending_rows(db, self.sweep_id or "", ids), self)
        self.pending_table = make_table(self.pending_model)
        self.pending_table.setObjectName("sweepPending")
        if not self.at_district:
            self.pending_table.doubleClicked.connect(lambda _i: self.record())
            self.pending_table.setToolTip(self.tr("回车或双击：登记这一户的排查结果"))
        rv.addWidget(self.pending_table)
        split.addWidget(left)
        split.addWidget(right)
        split.setSizes([560, 520])
        layout.addWidget(split, 1)
        access.hold(db, "sweeps.manage", self.new_button)
        events.registry_changed.connect(self.reload)
        self.reload()

    @property
    def sweep_id(self) -> str | None:
        return self.sweep_box.currentData()

    def community_ids(self) -> set[str] | None:
        return self.filter.community_ids() if self.filter else None

    def load(self) -> None:
        keep = self.sweep_id
        self.sweep_box.blockSignals(True)
        self.sweep_box.clear()
        try:
            found = sweeps.sweeps(self.db)
        except FormError as exc:
            found = []
            self.summary.setText(exc.message)
        for s in found:
            self.sweep_box.addItem(s.label, s.id)
        at = self.sweep_box.findData(keep) if keep else 0
        self.sweep_box.setCurrentIndex(max(at, 0))
        self.sweep_box.blockSignals(False)
        self.show_sweep()

    def show_sweep(self) -> None:
        sweep_id = self.sweep_id
        if not sweep_id:
            self.progress_model.set_rows([])
            self.pending_model.set_ids([])
            self.summary.setText(self.tr(
                "还没有入户排查。区里发起的排查会随同步下发；社区也可以自己发起（“发起排查”）。"))
            self.close_button.setEnabled(False)
            self.pending_label.setText("")
            return
        sweep = sweeps.get_sweep(self.db, sweep_id)
        rows = sweeps.progress(self.db, sweep_id, self.by.currentData(), self.community_ids())
        total = sweeps.total(rows)
        self.progress_model.set_rows([*rows, total] if rows else [])
        asked = "、".join(sweeps.QUESTION_LABELS[q] for q in sweep.questions
                         if q in sweeps.QUESTION_LABELS)
        self.summary.setText(self.tr(
            "{0}：{1}～{2}，{3}。共{4}户，已完成{5}户（{6}%），无人在家待再访{7}户，"
            "发现外地返回{8}人。排查内容：{9}。").format(
            "区里统一发起" if sweep.by_district else f"{sweep.maker}发起",
            sweep.starts_on.isoformat(), sweep.due_on.isoformat(),
            "进行中" if sweep.status == "open" else "已结束", total.households, total.finished,
            total.percent, total.absent, total.returnees, asked))
        self.close_button.setEnabled(sweep.status == "open" and sweeps.own(self.db, sweep) and
                                     accounts.refusal(self.db, "sweeps.manage") is None)
        self.show_pending()

    def show_pending(self) -> None:
        sweep_id = self.sweep_id
        if not sweep_id:
            return
        row = self.progress_table.currentIndex().row()
        picked = self.progress_model.row_data(row) if row >= 0 else None
        key = picked.key if picked is not None and picked.key else None
        by = self.by.currentData()
        ids = sweeps.pending_ids(
            self.db, sweep_id, grid_id=key if by == "grid" else None,
            building_id=key if by == "building" else None,
            community_ids={key} if by == "community" and key else self.community_ids())
        self.pending_model.set_ids(ids)
        where = picked.label if key else self.tr("全部")
        self.pending_label.setText(self.tr("{0}：未排查或无人在家待再访 {1} 户").format(
            where, len(ids)))

    def record(self) -> None:
        index = self.pending_table.currentIndex()
        household_id = self.pending_model.id_at(index.row()) if index.isValid() else None
        if not household_id or not self.sweep_id or not access.allowed(
                self.db, "registry.edit", self):
            return
        row = self.pending_model.row_data(index.row()) or {}
        dialog = OutcomeDialog(self.db, self.sweep_id, household_id, row.get("address", ""),
                               self)
        if dialog.exec() == QDialog.DialogCode.Accepted:
            self.events.registry_changed.emit()
            if dialog.result_id and dialog.wants_case:
                self.returnee_case(dialog.result_id)

    def returnee_case(self, visit_id: str) -> None:
        if self.returnee_case_dialog(visit_id).exec() == QDialog.DialogCode.Accepted:
            self.events.registry_changed.emit()

    def returnee_case_dialog(self, visit_id: str) -> CaseDialog:
        """The isolation dialog filled in from the visit: kind, reason, origin, start today,
        and for a newcomer (新来人员) the household's building, unit and door."""
        prefill = sweeps.returnee_case_prefill(self.db, visit_id)
        dialog = CaseDialog(self.db, self)
        dialog.kind.setCurrentIndex(max(0, dialog.kind.findData(prefill["kind"])))
        dialog.field("reason").setEditText(prefill["reason"])
        dialog.field("origin").setText(prefill["origin"])
        units = dialog.units
        units.building.setCurrentIndex(max(0, units.building.findData(prefill["building_id"])))
        units.unit.setCurrentIndex(max(0, units.unit.findData(prefill["unit_id"])))
        dialog.door.setText(prefill["door_number"])
        return dialog

    def new_item(self) -> None:
        """Ctrl+N: 发起排查 (or why this role may not)."""
        if access.allowed(self.db, "sweeps.manage", self):
            self.new_sweep()

    def new_sweep(self) -> None:
        dialog = NewSweepDialog(self.db, self)
        if dialog.exec() == QDialog.DialogCode.Accepted:
            self.reload()
            self.sweep_box.setCurrentIndex(max(0, self.sweep_box.findData(dialog.result_id)))

    def close_sweep(self) -> None:
        if not self.sweep_id:
            return
        if QMessageBox.question(self, self.tr("结束排查"), self.tr(
                "结束后不能再登记这次排查的结果（已登记的都保留）。确定结束吗？")) != \
                QMessageBox.StandardButton.Yes:
            return
        try:
            sweeps.close_sweep(self.db, self.sweep_id)
        except FormError as exc:
            QMessageBox.warning(self, self.tr("结束排查"), exc.message)
        self.reload()


class OutcomeDialog(FormDialog):
    """登记排查结果: the outcome, who lives here now, returnees, symptoms, the 60+ and their
    vaccination, a note; 登记新住户 adds a person to the household at once."""

    def __init__(self, db: sqlite_utils.Database, sweep_id: str, household_id: str,
                 address: str, parent: QWidget | None = None) -> None:
        super().__init__(self.tr("登记排查结果 — {0}").format(address), parent)
        self.db, self.sweep_id, self.household_id = db, sweep_id, household_id
        self.added = 0
        self.wants_case = False
        self.combo("outcome", self.tr("排查结果"), sweeps.OUTCOME_LABELS, "done")
        self.visited = date_edit(date.today())
        self.add_field("visited_on", self.tr("排查日期"), self.visited)
        self.spin("people", self.tr("现住人数"), None, 0, sweeps.MAX_COUNT, special="未填")
        self.spin("returnees", self.tr("外地返回人数"), 0, 0, sweeps.MAX_COUNT)
        self.line("returnee_origin", self.tr("从何地返回"), "", self.tr("例如 广州市白云区"))
        self.returned = date_edit(date.today() - timedelta(days=1))
        self.add_field("returned_on", self.tr("返回日期"), self.returned)
        self.symptoms = SymptomChecks()
        self.add_field("symptoms", self.tr("症状"), self.symptoms)
        self.spin("elderly", self.tr("60岁以上人数"), None, 0, sweeps.MAX_COUNT, special="未填")
        self.spin("elderly_unvaccinated", self.tr("其中未接种疫苗"), None, 0, sweeps.MAX_COUNT,
                  special="未填")
        self.note("note", self.tr("备注"), "")
        self.case_box = QCheckBox(self.tr("保存后把返回人员登记为居家隔离/健康监测（预先填好）"))
        self.case_box.setObjectName("returneeCase")
        self.form.addRow("", self.case_box)
        add = QPushButton(self.tr("登记新住户(&R)…"))
        add.setObjectName("addResident")
        add.setToolTip(self.tr("这一户有未登记的人：马上登记为本户居民"))
        add.clicked.connect(self.add_resident)
        self.form.addRow("", add)
        self.added_label = QLabel()
        self.form.addRow("", self.added_label)

    def add_resident(self) -> None:
        from ui.registry.dialogs import ResidentDialog

        dialog = ResidentDialog(self.db, self.household_id, parent=self)
        if dialog.exec() == QDialog.DialogCode.Accepted:
            self.added += 1
            self.added_label.setText(self.tr("已登记新住户 {0} 人").format(self.added))

    def save(self) -> str | None:
        values: dict[str, Any] = {
            "visited_on": picked_date(self.visited), "people": self.value("people"),
            "returnees": self.value("returnees"),
            "returnee_origin": self.value("returnee_origin"),
            "returned_on": picked_date(self.returned) if self.value("returnees") else None,
            "symptoms": self.symptoms.value(), "elderly": self.value("elderly"),
            "elderly_unvaccinated": self.value("elderly_unvaccinated"),
            "new_residents": self.added, "note": self.value("note")}
        visit = sweeps.record_visit(self.db, self.sweep_id, self.household_id,
                                    self.value("outcome"), **values)
        self.wants_case = self.case_box.isChecked() and bool(self.value("returnees"))
        return visit


class NewSweepDialog(FormDialog):
    """发起排查: a name, the days, the scope (at the district: every community)."""

    def __init__(self, db: sqlite_utils.Database, parent: QWidget | None = None) -> None:
        super().__init__(self.tr("发起入户排查"), parent)
        self.db = db
        self.at_district = community_scope.is_district(db)
        self.line("title", self.tr("排查名称"), "", self.tr("例如 12月上旬入户排查"))
        self.start = date_edit(date.today())
        self.add_field("starts_on", self.tr("开始日期"), self.start)
        self.due = date_edit(date.today() + timedelta(days=3))
        self.add_field("due_on", self.tr("完成期限"), self.due)
        if self.at_district:
            self.form.addRow("", QLabel(self.tr("区里发起的排查覆盖各社区的全部住户，"
                                                "下次同步时发给每个社区。")))
        else:
            self.combo("scope", self.tr("排查范围"), {"community": "全社区"})
        self.checks: dict[str, QCheckBox] = {}
        box = QWidget()
        row = QVBoxLayout(box)
        row.setContentsMargins(0, 0, 0, 0)
        for key, label in sweeps.QUESTION_LABELS.items():
            check = QCheckBox(label)
            check.setChecked(True)
            row.addWidget(check)
            self.checks[key] = check
        self.add_field("questions", self.tr("排查内容"), box)
        self.note("note", self.tr("说明"), "")

    def save(self) -> str | None:
        return sweeps.create_sweep(
            self.db, self.value("title"), picked_date(self.start), picked_date(self.due),
            questions=[k for k, c in self.checks.items() if c.isChecked()],
            note=self.value("note"))
