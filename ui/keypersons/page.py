"""The 重点人员核查 page. At a community: its people from the district's lists by due time
(overdue in red), what the list says beside what the registry knows, and 填写核查结果. At the
district: each list's progress per community (verified / total, overdue), the people of the
row chosen with their results, those waiting for a hand assignment, conflicts; 导入名单,
分配, 改派 (一步), 撤回, 导出结果台账."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import sqlite_utils
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app import keypersons
from app.errors import FormError
from app.keypersons import UNASSIGNED
from ui import access
from ui.events import AppEvents
from ui.keypersons.dialogs import AssignDialog, ImportListDialog, VerifyDialog
from ui.widgets import background
from ui.widgets.community_filter import CommunityFilter
from ui.widgets.lazy_table import GREEN, GREY, RED, Column, LazyTableModel
from ui.widgets.tables import RowsTableModel, make_table


def _tone(r: dict) -> tuple[str, str] | None:
    if r["overdue"]:
        return RED
    if r["state"] == "moved" or r["list_status"] == "withdrawn":
        return GREY
    return GREEN if r["result"] else None


PEOPLE_COLUMNS = [
    # The year is this one's: month-day and time leave room for the result at 1280 × 800.
    Column("截止", lambda r: r["due_at"][5:], width=95, tone=_tone),
    Column("状态", lambda r: r["status"], width=90, tone=_tone),
    Column("姓名", lambda r: r["name"], width=70),
    Column("证件号码", lambda r: r["id_shown"], width=160),
    Column("联系电话", lambda r: r["phone_shown"], width=105),
    Column("名单住址", lambda r: r["address"], width=180),
    Column("本社区登记", lambda r: r["known"], width=220),
    Column("核查结果", lambda r: r["result_shown"], width=150),
    Column("措施", lambda r: keypersons.MEASURE_LABELS.get(r["measure"] or "", ""), width=120),
    Column("核查人", lambda r: r["recorded_by"] or "", width=70),
    Column("核查时间", lambda r: r["recorded_at"] or "", width=140),
    Column("类别", lambda r: r["category"], width=110),
    Column("名单", lambda r: r["title"], width=240),
]
PROGRESS_COLUMNS = [
    Column("名单", lambda p: p.title + ("（已撤回）" if p.withdrawn else ""), width=380),
    Column("截止", lambda p: p.due_at, width=135),
    Column("社区", lambda p: p.community, width=110),
    Column("已核实/总数", lambda p: f"{p.verified}/{p.total}", align_right=True, width=90,
           tone=lambda p: GREEN if p.verified == p.total else None),
    Column("逾期", lambda p: p.overdue, align_right=True, width=60,
           tone=lambda p: RED if p.overdue else None),
]


def KeyPersonsPage(db: sqlite_utils.Database, events: AppEvents, db_path: Path | None = None,
                   parent: QWidget | None = None) -> QWidget:
    """The page for this database: the district's or the community's."""
    if keypersons.is_district(db):
        return DistrictKeyPersonsPage(db, events, db_path, parent)
    return CommunityKeyPersonsPage(db, events, parent)


class CommunityKeyPersonsPage(QWidget):
    def __init__(self, db: sqlite_utils.Database, events: AppEvents,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.db, self.events = db, events
        layout = QVBoxLayout(self)
        top = QHBoxLayout()
        title = QLabel(self.tr("重点人员核查"))
        title.setStyleSheet("font-size: 14pt; font-weight: bold;")
        top.addWidget(title)
        self.summary = QLabel()
        top.addWidget(self.summary, 1)
        self.pending = QCheckBox(self.tr("只看待核实(&W)"))
        self.pending.toggled.connect(lambda _on: self.reload())
        top.addWidget(self.pending)
        self.verify_button = QPushButton(self.tr("填写核查结果(&V)…"))
        self.verify_button.setToolTip(self.tr("选中一人后按回车也可以填写"))
        self.verify_button.clicked.connect(self.open_selected)
        top.addWidget(self.verify_button)
        layout.addLayout(top)
        self.hint = QLabel(self.tr("区里下发的重点人员名单：按截止时间排列，逾期未核实的标红。"
                                   "核实后填写结果，下次同步时报给区里。"))
        self.hint.setWordWrap(True)
        self.hint.setStyleSheet("color: #5f6b7a;")
        layout.addWidget(self.hint)
        self.model = LazyTableModel(PEOPLE_COLUMNS, lambda ids: keypersons.person_rows(
            self.db, list(ids)), self)
        self.table: QTableView = make_table(self.model)
        self.table.doubleClicked.connect(lambda _i: self.open_selected())
        layout.addWidget(self.table, 1)
        access.hold(db, "registry.edit", self.verify_button)
        self.reload()

    def reload(self) -> None:
        try:
            ids = keypersons.person_ids(self.db, pending_only=self.pending.isChecked())
        except FormError as exc:
            self.model.set_ids([])
            self.summary.setText(exc.message)
            return
        self.model.set_ids(ids)
        figures = keypersons.daily_figures(self.db, date.today())
        self.summary.setText(self.tr("　共 {0} 人，已核实 {1}，逾期 {2}").format(
            figures["received"], figures["verified"], figures["overdue"]))

    def selected(self) -> dict | None:
        index = self.table.currentIndex()
        return self.model.row_data(index.row()) if index.isValid() else None

    def open_selected(self) -> VerifyDialog | None:
        row = self.selected()
        if row is None or not access.allowed(self.db, "registry.edit", self):
            return None
        if row["state"] == "moved" or row["list_status"] == "withdrawn":
            QMessageBox.information(self, self.tr("不需要核查"), self.tr(
                "“{0}”{1}，不需要再填写结果。").format(row["name"], row["status"]))
            return None
        dialog = VerifyDialog(self.db, row, self)
        dialog.accepted.connect(self._saved)
        dialog.open()            # window-modal; Esc closes, Ctrl+S saves
        return dialog

    def _saved(self) -> None:
        self.model.refresh()
        self.reload()
        self.events.registry_changed.emit()


class DistrictKeyPersonsPage(QWidget):
    def __init__(self, db: sqlite_utils.Database, events: AppEvents,
                 db_path: Path | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.db, self.events, self.db_path = db, events, db_path
        layout = QVBoxLayout(self)
        top = QHBoxLayout()
        title = QLabel(self.tr("重点人员核查"))
        title.setStyleSheet("font-size: 14pt; font-weight: bold;")
        top.addWidget(title)
        self.filter = CommunityFilter(db, events, self)
        self.filter.changed.connect(self.reload)
        top.addWidget(self.filter)
        top.addStretch(1)
        self.import_button = QPushButton(self.tr("导入名单(&I)…"))
        self.import_button.clicked.connect(self.new_item)
        self.withdraw_button = QPushButton(self.tr("撤回名单(&W)"))
        self.withdraw_button.clicked.connect(self.withdraw_selected)
        self.export_button = QPushButton(self.tr("导出结果台账(&X)…"))
        self.export_button.clicked.connect(self.export)
        for b in (self.import_button, self.withdraw_button, self.export_button):
            top.addWidget(b)
        layout.addLayout(top)
        self.conflict_label = QLabel()
        self.conflict_label.setWordWrap(True)
        self.conflict_label.setStyleSheet("color: #b71c1c;")
        layout.addWidget(self.conflict_label)
        # People a community reported 已离开本社区（去向××社区）: one step to send them there.
        self.movable: list[dict] = []
        self.leavers = QWidget()
        leave_row = QHBoxLayout(self.leavers)
        leave_row.setContentsMargins(0, 0, 0, 0)
        self.leavers_label = QLabel()
        self.leavers_label.setWordWrap(True)
        self.leavers_label.setStyleSheet("color: #8a5300;")
        leave_row.addWidget(self.leavers_label, 1)
        self.reassign_button = QPushButton(self.tr("按去向改派(&R)…"))
        self.reassign_button.setToolTip(self.tr("把上面这些人改派给社区报的去向社区，下次同步时下发"))
        self.reassign_button.clicked.connect(lambda: self.reassign_to_destinations())
        leave_row.addWidget(self.reassign_button, 0, Qt.AlignmentFlag.AlignTop)
        layout.addWidget(self.leavers)
        split = QSplitter(Qt.Orientation.Vertical)
        self.progress_model = RowsTableModel(PROGRESS_COLUMNS, self)
        self.progress_table = make_table(self.progress_model)
        self.progress_table.selectionModel().currentRowChanged.connect(
            lambda _c, _p: self.show_people())
        split.addWidget(self.progress_table)
        people = QWidget()
        box = QVBoxLayout(people)
        box.setContentsMargins(0, 0, 0, 0)
        row = QHBoxLayout()
        self.people_label = QLabel(self.tr("选中上表一行，查看其中每个人的核查结果"))
        row.addWidget(self.people_label, 1)
        self.assign_button = QPushButton(self.tr("分配/改派给社区(&G)…"))
        self.assign_button.clicked.connect(self.assign_selected)
        row.addWidget(self.assign_button)
        box.addLayout(row)
        self.people_model = LazyTableModel(PEOPLE_COLUMNS, lambda ids: keypersons.person_rows(
            self.db, list(ids)), self)
        self.people_table = make_table(self.people_model)
        self.people_table.doubleClicked.connect(lambda _i: self.assign_selected())
        box.addWidget(self.people_table, 1)
        split.addWidget(people)
        split.setSizes([220, 480])       # a few lists × communities above, the people below
        layout.addWidget(split, 1)
        for b in (self.import_button, self.withdraw_button, self.assign_button,
                  self.reassign_button):
            b.setEnabled(self._may_write())
            if not self._may_write():
                b.setToolTip(keypersons.DISTRICT_ONLY)
        self.reload()

    def _may_write(self) -> bool:
        try:
            keypersons.require_district_writer(self.db)
        except FormError:
            return False
        return True

    def reload(self) -> None:
        try:
            rows = keypersons.progress(self.db, self.filter.community_ids())
            found = keypersons.conflicts(self.db)
        except FormError as exc:
            self.progress_model.set_rows([])
            self.conflict_label.setText(exc.message)
            return
        self.progress_model.set_rows(rows)
        self.conflict_label.setText("\n".join(
            self.tr("冲突：{0}在{1}填写了“{2}”的结果（{3}），但区里已在{4}把此人转给{5}。"
                    "结果已保留，请与两个社区核实。").format(
                c["community"], c["recorded_at"], c["name"], keypersons.result_text(c),
                c["moved_at"], c["moved_to_name"]) for c in found))
        self.conflict_label.setVisible(bool(found))
        self.show_leavers()
        if rows and not self.progress_table.currentIndex().isValid():
            self.progress_table.selectRow(0)
        self.show_people()

    def show_leavers(self) -> None:
        """The people reported gone to another community of the district, and where."""
        shown = self.filter.community_ids()
        self.movable = [p for p in keypersons.reassignable(self.db)
                        if p["target"] and (shown is None or p["community_id"] in shown)]
        names = "；".join(self.tr("{0}（{1} → {2}）").format(
            p["name"], p["community"], p["target_name"]) for p in self.movable[:20])
        more = self.tr(" 等 {0} 人").format(len(self.movable)) if len(self.movable) > 20 else ""
        self.leavers_label.setText(self.tr("社区报“已离开本社区”、去向本区其他社区的：{0}{1}。"
                                           "可一步改派给去向社区。").format(names, more))
        self.leavers.setVisible(bool(self.movable))

    def reassign_to_destinations(self, *, confirm: bool = True) -> int:
        """Reassign every person listed to the community their 去向 names (one step).
        Returns how many were reassigned."""
        people = list(self.movable)
        if not people or not self._may_write():
            return 0
        if confirm and QMessageBox.question(self, self.tr("按去向改派"), self.tr(
                "把这 {0} 人改派给社区报的去向社区？原社区保留已填的结果，"
                "新社区下次同步后开始核查。").format(len(people))) \
                != QMessageBox.StandardButton.Yes:
            return 0
        done, problems = 0, []
        for p in people:
            try:
                keypersons.assign(self.db, p["id"], p["target"])
                done += 1
            except FormError as exc:
                problems.append(f"{p['name']}：{exc.message}")
        self.reload()
        if problems:
            QMessageBox.warning(self, self.tr("按去向改派"), "\n".join(problems))
        return done

    def current_progress(self) -> keypersons.Progress | None:
        index = self.progress_table.currentIndex()
        return self.progress_model.row_data(index.row()) if index.isValid() else None

    def show_people(self) -> None:
        chosen = self.current_progress()
        if chosen is None:
            self.people_model.set_ids([])
            return
        self.people_model.set_ids(keypersons.person_ids(
            self.db, list_id=chosen.list_id, community_id=chosen.community_id))
        waiting = chosen.community_id == UNASSIGNED
        self.people_label.setText(self.tr("{0} · {1}：{2} 人{3}").format(
            chosen.title, chosen.community, chosen.total,
            self.tr("（等待区里指定社区）") if waiting else ""))

    def selected_person(self) -> dict | None:
        index = self.people_table.currentIndex()
        return self.people_model.row_data(index.row()) if index.isValid() else None

    def assign_selected(self) -> AssignDialog | None:
        row = self.selected_person()
        if row is None or not self._may_write():
            return None
        if row["state"] == "moved":
            QMessageBox.information(self, self.tr("已改派"), self.tr("此人已{0}。").format(
                row["status"]))
            return None
        names = keypersons.community_names(self.db)
        dialog = AssignDialog(self.db, row, names, keypersons.reassign_target(self.db, row["id"]),
                              self)
        dialog.accepted.connect(self.reload)
        dialog.open()
        return dialog

    def new_item(self) -> ImportListDialog | None:
        if not self._may_write():
            return None
        from app.ledger.reader import LEDGER_PATTERNS  # every kind the reader opens

        name, _f = QFileDialog.getOpenFileName(self, self.tr("选择重点人员名单"), "",
                                               f"表格文件 ({LEDGER_PATTERNS});;所有文件 (*)")
        return self.open_import(Path(name)) if name else None

    def open_import(self, path: Path) -> ImportListDialog | None:
        from app.ledger.reader import LedgerError

        try:
            dialog = ImportListDialog(self.db, self.db_path, path, self)
        except (LedgerError, FormError) as exc:
            QMessageBox.warning(self, self.tr("无法读取名单"), exc.message)
            return None
        dialog.finished.connect(lambda _r: self.reload())
        dialog.open()
        return dialog

    def withdraw_selected(self) -> None:
        chosen = self.current_progress()
        if chosen is None:
            return
        if QMessageBox.question(self, self.tr("撤回名单"), self.tr(
                "撤回名单“{0}”？各社区同步后会看到“已撤回”，已填的结果保留。").format(
                chosen.title)) != QMessageBox.StandardButton.Yes:
            return
        try:
            keypersons.withdraw(self.db, chosen.list_id)
        except FormError as exc:
            QMessageBox.warning(self, self.tr("撤回名单"), exc.message)
        self.reload()

    def export(self) -> None:
        from app.keypersons import ledger
        from app.ledger.xlsx import ExportError

        name, _f = QFileDialog.getSaveFileName(self, self.tr("导出核查结果台账"),
                                               "重点人员核查结果.xlsx", "Excel (*.xlsx)")
        if not name:
            return
        ids = self.filter.community_ids()
        self.export_button.setEnabled(False)
        self.export_task = background.start(
            self, lambda db, _p, _c: ledger.export(db, name, communities=ids), self.db_path)

        def done(n: int) -> None:
            self.export_button.setEnabled(True)
            QMessageBox.information(self, self.tr("导出结果台账"),
                                    self.tr("已导出 {0} 人 → {1}").format(n, name))

        def failed(exc: BaseException) -> None:
            self.export_button.setEnabled(True)
            message = exc.message if isinstance(exc, FormError | ExportError) else str(exc)
            QMessageBox.warning(self, self.tr("导出结果台账"), message)
        self.export_task.done.connect(done)
        self.export_task.error.connect(failed)
