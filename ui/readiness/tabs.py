"""The 卡口 and 物资 tabs of the 值班备勤 page: checkpoints with their last counts (and the
day's counts entered as numbers), supplies with their stock, low ones flagged, received and
issued through forms that say who and why."""

from __future__ import annotations

import sqlite_utils
from PySide6.QtWidgets import (
    QCheckBox,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app import community_scope, readiness
from ui import access
from ui.readiness.dialogs import (
    CheckpointDialog,
    CountsDialog,
    EntryDialog,
    MoveDialog,
    SupplyDialog,
)
from ui.widgets.form import run_dialog
from ui.widgets.lazy_table import RED, Column
from ui.widgets.tables import RowsTableModel, make_table

LOW_TONE = RED


def with_community(db: sqlite_utils.Database, columns: list[Column]) -> list[Column]:
    """At a district, the 社区 column first (rows are dicts or dataclasses carrying
    community_id); a community's own list is unchanged."""
    if not community_scope.is_district(db):
        return columns
    names = community_scope.names(db)

    def name(row) -> str:
        cid = row.get("community_id") if isinstance(row, dict) else row.community_id
        return names.get(cid or "", "")
    return [Column("社区", name, width=100), *columns]


class _ListTab(QWidget):
    def __init__(self, db: sqlite_utils.Database, communities, columns: list[Column]) -> None:
        super().__init__()
        self.db, self.communities = db, communities
        self.bar = QHBoxLayout()
        self.model = RowsTableModel(with_community(db, columns), self)
        self.table = make_table(self.model)
        self.table.doubleClicked.connect(lambda _i: self.open_current())
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 4, 0, 0)
        layout.addLayout(self.bar)
        layout.addWidget(self.table, 1)

    def button(self, text: str, slot, permission: str = "duty.edit") -> QPushButton:
        b = QPushButton(text)
        b.clicked.connect(lambda _c=False: slot())
        self.bar.addWidget(b)
        access.hold(self.db, permission, b)
        return b

    def current(self):
        index = self.table.currentIndex()
        return self.model.row_data(index.row()) if index.isValid() else None

    def _need_row(self, title: str):
        row = self.current()
        if row is None:
            QMessageBox.information(self, title, self.tr("请先在列表里选中一行。"))
        return row

    def open_current(self) -> None:
        pass


def _last_checks(db: sqlite_utils.Database, rows: list[dict]) -> dict[str, str]:
    """Checkpoint id → its latest inspection, as 日期 结果 (a few checkpoints: one query each)."""
    from app import inspections

    out = {}
    for r in rows:
        ids = inspections.inspection_ids(db, subject_kind="checkpoint", subject_id=r["id"],
                                         communities={r["community_id"]})
        if ids:
            last = inspections.inspections_by_ids(db, ids[:1])[0]
            out[r["id"]] = (f"{last['inspected_on']} "
                            f"{inspections.OUTCOME_LABELS.get(last['outcome'], '')}")
    return out


class CheckpointsTab(_ListTab):
    def __init__(self, db: sqlite_utils.Database, communities) -> None:
        self.checks: dict[str, str] = {}
        columns = [Column("卡口", lambda r: r["name"], width=170),
                   Column("所在小区", lambda r: r["compound"] or "", width=110),
                   Column("门岗", lambda r: r["gate"] or "", width=60),
                   Column("最近登记日", lambda r: r["last_date"] or "未登记", width=100),
                   Column("人员(人次)", lambda r: r["last_people"] if r["last_date"] else "",
                          align_right=True, width=90),
                   Column("车辆(辆次)", lambda r: r["last_vehicles"] if r["last_date"] else "",
                          align_right=True, width=90),
                   Column("人员登记", lambda r: "已开启（记姓名电话）" if r["registration"]
                          else "未开启（只记数量）", width=150),
                   Column("最近九个有检查", lambda r: self.checks.get(r["id"], "未检查"),
                          width=150),
                   Column("备注", lambda r: r["note"] or "")]
        super().__init__(db, communities, columns)
        self.button(self.tr("新设卡口(&K)…"), self.new_item)
        self.button(self.tr("登记人车数量(&E)…"), self.add_counts)
        self.inspect_button = self.button(self.tr("九个有检查(&J)…"), self.inspect,
                                          "places.edit")
        self.inspect_button.setToolTip(self.tr("按“九个有”检查表逐项检查选中的卡口；发现的问题"
                                               "在 场所检查 › 整改 里跟踪"))
        self.entry_button = self.button(self.tr("进出人员登记(&G)…"), self.register_entry)
        self.entry_button.setToolTip(self.tr("记下进出人员的姓名和电话（卡口开启人员登记后才能用）"))
        self.registration = QCheckBox(self.tr("开启人员登记(&R)"))
        self.registration.setToolTip(self.tr("开启后卡口可登记进出人员的姓名和电话；"
                                             "平时只记每天的人数和车辆数"))
        self.registration.clicked.connect(self.switch_registration)
        self.bar.addWidget(self.registration)
        access.hold(db, "settings", self.registration)
        self.bar.addStretch(1)
        self.table.selectionModel().currentRowChanged.connect(lambda *_: self._selected())

    def reload(self) -> None:
        held = self.current()
        rows = readiness.checkpoints(self.db, self.communities())
        self.checks = _last_checks(self.db, rows)
        self.model.set_rows(rows)
        # The chosen checkpoint stays chosen (after switching registration, a count, …).
        at = next((i for i, r in enumerate(rows) if held and r["id"] == held["id"]), -1)
        if at >= 0:
            self.table.selectRow(at)
        self._selected()

    def _selected(self) -> None:
        row = self.current()
        self.registration.blockSignals(True)
        self.registration.setChecked(bool(row and row["registration"]))
        self.registration.blockSignals(False)

    def new_item(self) -> None:
        if access.allowed(self.db, "duty.edit", self):
            run_dialog(CheckpointDialog(self.db, parent=self), lambda _id: self.reload())

    def open_current(self) -> None:
        row = self.current()
        if row is not None and access.allowed(self.db, "duty.edit", self):
            run_dialog(CheckpointDialog(self.db, row, self), lambda _id: self.reload())

    def add_counts(self) -> None:
        row = self._need_row(self.tr("登记人车数量"))
        if row is None:
            return
        dialog = CountsDialog(self.db, row, self)
        run_dialog(dialog, lambda _id: self._counted(dialog.replaced))

    def inspect(self) -> None:
        """The checkpoint's 九个有 inspection (the inspections feature's dialogs)."""
        from ui.inspections.tabs import open_inspection

        row = self._need_row(self.tr("九个有检查"))
        if row is not None and access.allowed(self.db, "places.edit", self):
            open_inspection(self, self.db, ("checkpoint", row["id"], row["name"]),
                            lambda _id: self.reload())

    def register_entry(self) -> EntryDialog | None:
        """Names at the gate: only where the office switched registration on (else it says
        who switches it on); the dialog is returned open (tests fill it)."""
        row = self._need_row(self.tr("进出人员登记"))
        if row is None or not access.allowed(self.db, "duty.edit", self):
            return None
        if not row["registration"]:
            QMessageBox.information(self, self.tr("进出人员登记"), self.tr(
                "卡口“{0}”没有开启人员登记，平时只记每天的人数和车辆数。需要登记姓名电话时，"
                "请书记或管理员先选中这个卡口，勾选“开启人员登记”。").format(row["name"]))
            return None
        self.entry_dialog = EntryDialog(self.db, row, self)
        self.entry_dialog.accepted.connect(self.reload)
        self.entry_dialog.open()
        return self.entry_dialog

    def _counted(self, replaced: bool) -> None:
        self.reload()
        if replaced:
            QMessageBox.information(self, self.tr("登记人车数量"), self.tr(
                "这一天已登记过，已按新填的数字更正；原来的数字和更正人记在审计日志里。"))

    def switch_registration(self, on: bool) -> None:
        row = self.current()
        if row is None:
            self.registration.setChecked(False)
            QMessageBox.information(self, self.tr("人员登记"), self.tr("请先选中一个卡口。"))
            return
        readiness.set_registration(self.db, row["id"], on)
        self.reload()


class SuppliesTab(_ListTab):
    def __init__(self, db: sqlite_utils.Database, communities) -> None:
        def low(s) -> tuple[str, str] | None:
            return LOW_TONE if s.low else None

        columns = [Column("物资", lambda s: s.name, width=140),
                   Column("库存", lambda s: s.stock, align_right=True, width=70, tone=low),
                   Column("单位", lambda s: s.unit, width=50),
                   Column("预警数量", lambda s: s.low_level, align_right=True, width=80),
                   Column("状态", lambda s: "库存不足" if s.low else "", width=80, tone=low),
                   Column("存放地点", lambda s: s.stored_at, width=120),
                   Column("备注", lambda s: s.note)]
        super().__init__(db, communities, columns)
        self.low_only = QCheckBox(self.tr("只看库存不足(&W)"))
        self.low_only.toggled.connect(lambda _on: self.reload())
        self.bar.addWidget(self.low_only)
        self.summary = QLabel()
        self.summary.setObjectName("suppliesSummary")
        self.bar.addWidget(self.summary)
        self.bar.addStretch(1)
        self.button(self.tr("新增物资(&N)…"), self.new_item)
        self.button(self.tr("入库(&I)…"), lambda: self.move("in"))
        self.button(self.tr("出库发放(&U)…"), lambda: self.move("out"))

    def reload(self) -> None:
        items = readiness.supplies(self.db, self.communities())
        low = sum(1 for s in items if s.low)
        self.model.set_rows([s for s in items if s.low or not self.low_only.isChecked()])
        self.summary.setText(self.tr("共 {0} 项，{1} 项库存不足").format(len(items), low))

    def new_item(self) -> None:
        if access.allowed(self.db, "duty.edit", self):
            run_dialog(SupplyDialog(self.db, parent=self), lambda _id: self.reload())

    def open_current(self) -> None:
        row = self.current()
        if row is not None and access.allowed(self.db, "duty.edit", self):
            run_dialog(SupplyDialog(self.db, row, self), lambda _id: self.reload())

    def move(self, kind: str) -> None:
        row = self._need_row(self.tr("入库") if kind == "in" else self.tr("出库发放"))
        if row is not None:
            run_dialog(MoveDialog(self.db, row, kind, self), lambda _id: self.reload())
