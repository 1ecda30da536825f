"""The 值班备勤 page: one tab each for the trio (三人小组), the week's duty roster (值班表), task
forces and volunteers (专班志愿者), checkpoints (卡口) and supplies (物资; the last two from
ui/readiness). At a district: the 社区 column and the community filter, read only."""

from __future__ import annotations

from datetime import date, timedelta

import sqlite_utils
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from app import accounts, community_scope, duty, readiness
from app.accounts import masking
from app.errors import FormError
from ui import access
from ui.duty.dialogs import (
    HoursDialog,
    ShiftDialog,
    SwapDialog,
    TaskForceDialog,
    TrioDialog,
    VolunteerDialog,
)
from ui.readiness.tabs import CheckpointsTab, SuppliesTab
from ui.widgets.community_filter import CommunityFilter
from ui.widgets.form import confirm, run_dialog
from ui.widgets.lazy_table import RED, Column
from ui.widgets.tables import RowsTableModel, make_table

CLASH_TONE = RED
WEEKDAYS = "一二三四五六日"


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


def _phone(db: sqlite_utils.Database):
    """A phone as whoever is signed in now may see it in a list (the session is read at
    each paint: a user may change while the page stays open)."""
    return lambda value: masking.show(accounts.current(db), "phone", value, masking.LIST)


def preview(parent: QWidget, make_pdf, title: str, file_name: str) -> None:
    """Make a PDF and show it in the print preview; a refusal is said, not raised."""
    try:
        data = make_pdf()
    except FormError as exc:
        QMessageBox.warning(parent, title, exc.message)
        return
    from ui.widgets.print_preview import PrintPreviewDialog  # ReportLab, pdfium

    parent._preview = PrintPreviewDialog(data, title, file_name, parent)
    parent._preview.open()


class _Tab(QWidget):
    """A toolbar over a table; `communities()` is the page's filter (None: all)."""

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

    def button(self, text: str, slot, permission: str | None = "duty.edit") -> QPushButton:
        b = QPushButton(text)
        b.clicked.connect(lambda _c=False: slot())
        self.bar.addWidget(b)
        if permission:
            access.hold(self.db, permission, b)
        return b

    def current(self):
        index = self.table.currentIndex()
        return self.model.row_data(index.row()) if index.isValid() else None

    def open_current(self) -> None:
        pass

    def reload(self) -> None:
        raise NotImplementedError


class TrioTab(_Tab):
    def __init__(self, db: sqlite_utils.Database, communities) -> None:
        phone = _phone(db)

        def seat(key: str):
            return lambda t: getattr(t, key).name if getattr(t, key) else "待明确"

        def tel(key: str):
            return lambda t: phone(getattr(t, key).phone) if getattr(t, key) else ""

        columns = [Column("网格", lambda t: t.grid, width=90),
                   Column("服务小区", lambda t: "、".join(t.compounds), width=180)]
        for key, label in duty.TRIO_ROLES.items():
            columns += [Column(label, seat(key), width=80), Column("电话", tel(key), width=110)]
        columns.append(Column("状态", lambda t: "已确认" if t.saved else "按工作人员推荐，未确认",
                              tone=lambda t: None if t.saved else ("#8a6d00", "#fff8e1")))
        super().__init__(db, communities, columns)
        self.button(self.tr("设定三人小组(&E)…"), self.open_current)
        self.button(self.tr("打印公示和通讯录(&P)…"), self.print_trio, "print")
        self.bar.addStretch(1)

    def reload(self) -> None:
        self.model.set_rows(duty.trios(self.db, self.communities()))

    def open_current(self) -> None:
        trio = self.current()
        if trio is None or not access.allowed(self.db, "duty.edit", self):
            return
        run_dialog(TrioDialog(self.db, trio, self), lambda _id: self.reload())

    def print_current(self) -> None:
        self.print_trio()

    def print_trio(self) -> None:
        from app.duty import printing

        preview(self, lambda: printing.trio_pdf(self.db, communities=self.communities()),
                self.tr("三人小组公示"),
                "三人小组公示.pdf")


class RosterTab(_Tab):
    def __init__(self, db: sqlite_utils.Database, communities) -> None:
        phone = _phone(db)

        def day(s: duty.Shift) -> str:
            d = date.fromisoformat(s.on_date)
            return f"{d:%m-%d} 周{WEEKDAYS[d.weekday()]}"

        columns = [Column("日期", day, width=90),
                   Column("班次", lambda s: s.shift_label, width=110),
                   Column("地点", lambda s: s.place_label, width=170),
                   Column("值班人", lambda s: s.person_name, width=80),
                   Column("电话", lambda s: phone(s.phone), width=110),
                   Column("换班", lambda s: f"换过{s.swaps}次" if s.swaps else "", width=70),
                   Column("提示", lambda s: ("⚠ " + s.clash) if s.clash else "",
                          tone=lambda s: CLASH_TONE if s.clash else None)]
        super().__init__(db, communities, columns)
        self.monday = duty.monday_of(date.today())
        self.button(self.tr("上一周(&B)"), lambda: self.move(-7), None)
        self.week = QLabel()
        self.week.setObjectName("rosterWeek")
        self.bar.addWidget(self.week)
        self.button(self.tr("下一周(&N)"), lambda: self.move(7), None)
        self.button(self.tr("本周(&T)"), lambda: self.move(None), None)
        self.place = QComboBox()
        self.place.setObjectName("rosterPlace")
        # Long checkpoint names must not widen the page past 1024 px; the list shows them whole.
        self.place.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.place.setMinimumContentsLength(10)
        self.place.addItem(self.tr("全部地点"), None)
        for key, label in duty.PLACES.items():
            self.place.addItem(self.tr("全部卡口") if key == "checkpoint" else label, key)
        # One checkpoint's roster: what its gate posts and who checks its shifts.
        for cp in readiness.checkpoints(db, communities()):
            self.place.addItem(self.tr("卡口：{0}").format(cp["name"]), f"cp:{cp['id']}")
        self.place.currentIndexChanged.connect(lambda _i: self.reload())
        self.bar.addWidget(self.place)
        self.bar.addStretch(1)
        # The actions on a row of their own, under the week and place: one row of both was
        # wider than the page at 1024 × 768.
        self.bar = QHBoxLayout()
        self.layout().insertLayout(1, self.bar)
        self.add = self.button(self.tr("排班(&D)…"), self.new_item)
        self.swap = self.button(self.tr("换班(&W)…"), self.open_current)
        self.remove = self.button(self.tr("删除班次(&X)"), self.remove_current)
        self.button(self.tr("打印值班表(&P)…"), self.print_roster, "print")
        self.bar.addStretch(1)
        self.clashes = QLabel()
        self.clashes.setObjectName("rosterClashes")
        self.clashes.setStyleSheet(f"color: {CLASH_TONE[0]};")
        self.layout().insertWidget(2, self.clashes)

    def move(self, days: int | None) -> None:
        self.monday = (duty.monday_of(date.today()) if days is None
                       else self.monday + timedelta(days=days))
        self.reload()

    def reload(self) -> None:
        end = self.monday + timedelta(days=6)
        self.week.setText(f"{self.monday:%Y-%m-%d} 至 {end:%m-%d}")
        chosen = self.place.currentData() or ""
        one = chosen[3:] if chosen.startswith("cp:") else None
        shifts = duty.roster(self.db, self.monday, 7, self.communities(),
                             ("checkpoint" if one else chosen) or None, checkpoint_id=one)
        self.model.set_rows(shifts)
        clashes = [s for s in shifts if s.clash]
        self.clashes.setText(self.tr("有 {0} 个班次同一人同一时间排在两处，见“提示”列。").format(
            len(clashes)) if clashes else "")
        self.clashes.setVisible(bool(clashes))

    def new_item(self) -> None:
        if not access.allowed(self.db, "duty.edit", self):
            return
        dialog = ShiftDialog(self.db, max(self.monday, date.today()), self)
        run_dialog(dialog, lambda _id: self._saved(dialog.clash))

    def _saved(self, clash: str) -> None:
        self.reload()
        if clash:
            QMessageBox.warning(self, self.tr("排班冲突"),
                                self.tr("已保存，但这个人{0}。请确认是否需要调整。").format(clash))

    def open_current(self) -> None:
        shift = self.current()
        if shift is None or not access.allowed(self.db, "duty.edit", self):
            return
        dialog = SwapDialog(self.db, shift, self)
        run_dialog(dialog, lambda _id: self._saved(dialog.clash))

    def remove_current(self) -> None:
        shift = self.current()
        if shift is None:
            return
        if confirm(self, self.tr("删除班次"), self.tr("删除 {0} {1} {2} 的班次？").format(
                shift.on_date, shift.shift_label, shift.person_name)):
            duty.remove_shift(self.db, shift.id)
            self.reload()

    def print_current(self) -> None:
        self.print_roster()

    def print_roster(self) -> None:
        from app.duty import printing

        preview(self, lambda: printing.roster_pdf(self.db, self.monday), self.tr("值班表"),
                f"值班表{self.monday:%Y%m%d}.pdf")


class VolunteersTab(_Tab):
    def __init__(self, db: sqlite_utils.Database, communities) -> None:
        phone = _phone(db)
        columns = [Column("姓名", lambda v: v["name"], width=80),
                   Column("电话", lambda v: phone(v["phone"]), width=110),
                   Column("所在专班", lambda v: v["task_force"] or "", width=140),
                   Column("技能", lambda v: v["skills"] or "", width=160),
                   Column("服务时长(时)", lambda v: f"{v['hours']:g}", align_right=True)]
        super().__init__(db, communities, columns)
        self.group = QComboBox()
        self.group.setObjectName("volunteerGroup")
        self.group.currentIndexChanged.connect(lambda _i: self._show())
        self.bar.addWidget(QLabel(self.tr("专班：")))
        self.bar.addWidget(self.group)
        self.bar.addStretch(1)
        self.button(self.tr("新建专班(&G)…"), self.new_group)
        self.button(self.tr("新增志愿者(&V)…"), self.new_item)
        self.button(self.tr("登记时长(&T)…"), self.add_hours)
        self.button(self.tr("复制通讯录(&C)"), self.copy_list, "registry.view")
        self.button(self.tr("打印通讯录(&P)…"), self.print_list, "print")

    def reload(self) -> None:
        chosen = self.group.currentData()
        self.group.blockSignals(True)
        self.group.clear()
        self.group.addItem(self.tr("全部"), None)
        for t in duty.task_forces(self.db, self.communities()):
            self.group.addItem(f"{t['name']}（{t['members']}人）", t["id"])
        self.group.setCurrentIndex(max(0, self.group.findData(chosen)))
        self.group.blockSignals(False)
        self._show()

    def _show(self) -> None:
        self.model.set_rows(duty.volunteers(self.db, self.group.currentData(),
                                            self.communities()))

    def new_group(self) -> None:
        run_dialog(TaskForceDialog(self.db, parent=self), lambda _id: self.reload())

    def new_item(self) -> None:
        if not access.allowed(self.db, "duty.edit", self):
            return
        run_dialog(VolunteerDialog(self.db, task_force_id=self.group.currentData(), parent=self),
                   lambda _id: self.reload())

    def open_current(self) -> None:
        row = self.current()
        if row is None or not access.allowed(self.db, "duty.edit", self):
            return
        run_dialog(VolunteerDialog(self.db, row, parent=self), lambda _id: self.reload())

    def add_hours(self) -> None:
        row = self.current()
        if row is None:
            QMessageBox.information(self, self.tr("登记时长"),
                                    self.tr("请先在列表里选中一位志愿者。"))
            return
        run_dialog(HoursDialog(self.db, row, self), lambda _id: self._show())

    def copy_list(self) -> None:
        text = duty.phone_list(self.db, self.group.currentData())
        QGuiApplication.clipboard().setText(text)
        QMessageBox.information(self, self.tr("复制通讯录"), self.tr(
            "已复制 {0} 人的姓名和电话，可粘贴到微信群、短信或表格里。").format(
                len(text.splitlines())))

    def print_current(self) -> None:
        self.print_list()

    def print_list(self) -> None:
        from app.duty import printing

        preview(self, lambda: printing.volunteers_pdf(self.db, self.group.currentData()),
                self.tr("专班志愿者通讯录"), "专班志愿者通讯录.pdf")


class DutyPage(QWidget):
    """值班备勤: five tabs; F5 reloads the one shown, Ctrl+N adds to it, Ctrl+P prints it."""

    def __init__(self, db: sqlite_utils.Database, events=None) -> None:
        super().__init__()
        self.db = db
        layout = QVBoxLayout(self)
        self.community_filter = (CommunityFilter(db, events)
                                 if community_scope.is_district(db) else None)
        if self.community_filter is not None:
            top = QHBoxLayout()
            top.addWidget(self.community_filter)
            top.addStretch(1)
            layout.addLayout(top)
            self.community_filter.changed.connect(self.reload_all)

        def communities():
            return self.community_filter.community_ids() if self.community_filter else None

        self.tabs = QTabWidget()
        self.tabs.setObjectName("dutyTabs")
        self.trio = TrioTab(db, communities)
        self.roster = RosterTab(db, communities)
        self.volunteers = VolunteersTab(db, communities)
        self.checkpoints = CheckpointsTab(db, communities)
        self.supplies = SuppliesTab(db, communities)
        for tab, title in ((self.trio, self.tr("三人小组")), (self.roster, self.tr("值班表")),
                           (self.volunteers, self.tr("专班志愿者")),
                           (self.checkpoints, self.tr("卡口")), (self.supplies, self.tr("物资"))):
            self.tabs.addTab(tab, title)
        self.tabs.currentChanged.connect(lambda _i: self.reload())
        layout.addWidget(self.tabs, 1)
        self._loaded = False

    def showEvent(self, event) -> None:  # the lists are read when the page is first shown
        super().showEvent(event)
        if not self._loaded:
            self._loaded = True
            self.reload()

    def reload(self) -> None:
        self.tabs.currentWidget().reload()

    def reload_all(self) -> None:
        for i in range(self.tabs.count()):
            self.tabs.widget(i).reload()

    def new_item(self) -> None:
        method = getattr(self.tabs.currentWidget(), "new_item", None)
        if callable(method):
            method()

    def print_current(self) -> None:
        """Ctrl+P: the shown tab's print (the trio notices, the roster, the phone list)."""
        method = getattr(self.tabs.currentWidget(), "print_current", None)
        if callable(method):
            method()
