"""The 党员联户 page: coverage (chart, grid › compound › building, unpaired households, members
over the limit or with none), the members and their households with the contact log, and
the spot checks (晒网督查); printing the notice boards and contact cards, the ledger."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import sqlite_utils
from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMessageBox,
    QPushButton,
    QSplitter,
    QTabWidget,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app import accounts, community_scope, pairing, registry
from app.accounts import masking
from app.database import database_file
from app.errors import FormError
from ui import access
from ui.categories.columns import annotate, category_column
from ui.events import AppEvents
from ui.pairing.dialogs import (
    AddHouseholdsDialog,
    CheckResultDialog,
    ContactDialog,
    DrawCheckDialog,
    EndPairingDialog,
    LimitDialog,
    PairDialog,
    PartyMemberDialog,
    SuggestionDialog,
)
from ui.pairing.models import (
    CHECK_COLUMNS,
    CHECK_ITEM_COLUMNS,
    CONTACT_COLUMNS,
    FOLLOW_UP_COLUMNS,
    LOAD_COLUMNS,
    MEMBER_COLUMNS,
    MEMBER_HOUSEHOLD_COLUMNS,
    TALLY_COLUMNS,
    UnpairedModel,
    listed,
)
from ui.widgets import background
from ui.widgets.community_filter import CommunityFilter, with_community_column
from ui.widgets.flow import flow_row
from ui.widgets.form import confirm, run_dialog
from ui.widgets.lazy_chart import ChartSlot
from ui.widgets.tables import RowsTableModel, make_table

MUTED = "color: #5f6b7a;"
ID_ROLE = Qt.ItemDataRole.UserRole + 1
LEVEL_ROLE = Qt.ItemDataRole.UserRole + 2


def _button(text: str, slot, name: str | None = None, tip: str = "") -> QPushButton:
    b = QPushButton(text)
    b.clicked.connect(slot)
    if name:
        b.setObjectName(name)
    if tip:
        b.setToolTip(tip)
    return b


def _row(*widgets: QWidget, stretch_first: bool = True) -> QHBoxLayout:
    row = QHBoxLayout()
    for i, w in enumerate(widgets):
        row.addWidget(w, 1 if (i == 0 and stretch_first) else 0)
    return row


def db_path(db: sqlite_utils.Database) -> str:
    return database_file(db)



def _coverage_chart() -> QWidget:
    from ui.pairing.chart import CoverageChart

    return CoverageChart()

class CoverageTab(QWidget):
    """联户概况: the chart, coverage per grid › compound › building, who is unpaired, and the
    members over the limit or with no household."""

    def __init__(self, page: PartyPage) -> None:
        super().__init__(page)
        self.page, self.db = page, page.db
        self.summary = QLabel()
        self.summary.setObjectName("coverageSummary")
        self.summary.setStyleSheet("font-size: 13pt;")
        self.summary.setWordWrap(True)
        buttons = QHBoxLayout()
        self.b_suggest = _button(self.tr("为未联户家庭推荐(&T)…"), page.suggest, "suggestButton")
        self.b_suggest.setStyleSheet("font-weight: bold;")
        for b in (self.b_suggest, _button(self.tr("联户设置(&S)…"), page.edit_limit, "editLimit"),
                  _button(self.tr("打印楼栋公示(&P)…"), page.print_notices, "printNotices",
                          tip=self.tr("打印楼栋党员联系户公示（Ctrl+P）")),
                  _button(self.tr("打印联系卡(&K)…"), page.print_cards, "printCards"),
                  _button(self.tr("导出联户台账(&X)…"), page.export_ledger, "exportLedger")):
            buttons.addWidget(b)
        buttons.addStretch()

        self.chart = ChartSlot(_coverage_chart, 190)   # pyqtgraph loads when first seen
        self.tree = QTreeWidget()
        self.tree.setObjectName("coverageTree")
        self.tree.setHeaderLabels([self.tr("网格 / 楼院 / 楼栋"), self.tr("住户"),
                                   self.tr("已联户"), self.tr("覆盖率")])
        self.tree.setColumnWidth(0, 200)
        self.tree.header().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.tree.header().setStretchLastSection(False)
        for col in (1, 2, 3):
            self.tree.setColumnWidth(col, 64)
        self.tree.currentItemChanged.connect(lambda *_: self.scope_changed())
        left = QWidget()
        ll = QVBoxLayout(left)
        ll.setContentsMargins(0, 0, 0, 0)
        ll.addWidget(self.chart, 2)
        ll.addWidget(self.tree, 3)

        self.unpaired_title = QLabel()
        self.unpaired = UnpairedModel(self.db, self)
        self.unpaired_view = make_table(self.unpaired)
        self.unpaired_view.setObjectName("unpairedView")
        self.unpaired_view.doubleClicked.connect(lambda _i: self.pair_selected())
        self.loads = RowsTableModel(listed(self.db, LOAD_COLUMNS), self)
        self.loads_view = make_table(self.loads)
        self.loads_view.setObjectName("loadsView")
        self.loads_view.doubleClicked.connect(
            lambda ix: page.show_member(self.loads.row_data(ix.row())["id"]))
        self.loads_title = QLabel()
        right = QWidget()
        rl = QVBoxLayout(right)
        rl.setContentsMargins(0, 0, 0, 0)
        rl.addLayout(_row(self.unpaired_title,
                          _button(self.tr("安排联系党员(&B)…"), self.pair_selected, "pairButton"),
                          _button(self.tr("查看住户(&V)"), self.open_selected)))
        rl.addWidget(self.unpaired_view, 3)
        rl.addWidget(self.loads_title)
        rl.addWidget(self.loads_view, 2)

        splitter = QSplitter()
        splitter.addWidget(left)
        splitter.addWidget(right)
        splitter.setSizes([430, 620])
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addLayout(buttons)
        layout.addWidget(splitter, 1)
        # No household yet: what to do first, in place of an empty chart and 0.0%.
        self.splitter = splitter
        self.empty = QLabel(self.tr("还没有住户。先在“楼栋住户”里新增楼栋和住户，或导入居民台账。"))
        self.empty.setObjectName("coverageEmpty")
        self.empty.setStyleSheet("font-size: 13pt; color: #5f6b7a;")
        self.empty.setWordWrap(True)
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty.hide()
        layout.addWidget(self.empty, 1)
        self.scope: tuple[str | None, str | None, str] = (None, None, self.tr("全社区"))

    def reload(self) -> None:
        cover = pairing.coverage(self.db, self.page.communities())   # the 社区 filter
        self.coverage = cover
        self.summary.setText(self.tr(
            "已联户 {0} / {1} 户，覆盖率 {2:.1%}；未联户 {3} 户。党员 {4} 名，每人最多联系 {5} 户："
            "超过上限 {6} 名，还没有联系户 {7} 名。").format(
            f"{cover.paired:,}", f"{cover.households:,}", cover.rate, f"{cover.unpaired:,}",
            cover.members, cover.limit, len(cover.members_over), len(cover.members_idle)))
        self.b_suggest.setEnabled(cover.unpaired > 0)
        empty = cover.households == 0
        self.empty.setVisible(empty)
        self.splitter.setVisible(not empty)
        self.summary.setVisible(not empty)
        # Nothing to print or export yet: say so on the buttons (their own tips come back).
        for name in ("printNotices", "printCards", "exportLedger"):
            b = self.findChild(QPushButton, name)
            tip = b.property("ownTip")
            if tip is None:
                b.setProperty("ownTip", tip := b.toolTip())
            b.setEnabled(not empty)
            b.setToolTip(self.tr("还没有住户，无可打印或导出。") if empty else tip)
        self.chart.call("set_rows", cover.grids)
        keep = self.scope[1]
        self.tree.blockSignals(True)
        self.tree.clear()
        items: dict[str, QTreeWidgetItem] = {}
        for level, rows in (("grid", cover.grids), ("compound", cover.compounds),
                            ("building", cover.buildings)):
            for r in rows:
                parent = items.get(r.parent_id) if r.parent_id else None
                item = QTreeWidgetItem([r.name, f"{r.households:,}", f"{r.paired:,}",
                                        f"{r.rate:.0%}" if r.households else "—"])
                for col in (1, 2, 3):
                    item.setTextAlignment(col, Qt.AlignmentFlag.AlignRight
                                          | Qt.AlignmentFlag.AlignVCenter)
                if r.households and r.rate < 0.95:
                    item.setForeground(3, Qt.GlobalColor.darkRed)
                item.setData(0, ID_ROLE, r.id)
                item.setData(0, LEVEL_ROLE, level)
                if parent is not None:
                    parent.addChild(item)
                else:
                    self.tree.addTopLevelItem(item)
                items[r.id] = item
        for i in range(self.tree.topLevelItemCount()):
            self.tree.topLevelItem(i).setExpanded(True)
        if keep and keep in items:
            self.tree.setCurrentItem(items[keep])
        self.tree.blockSignals(False)
        self.scope_changed()
        loads = [{"id": m.member_id, "name": m.name, "load": m.load, "phone": m.phone,
                  "state": self.tr("超过上限{0}户").format(cover.limit)}
                 for m in cover.members_over]
        loads += [{"id": m.member_id, "name": m.name, "load": 0, "phone": m.phone,
                   "state": self.tr("还没有联系户") + ("" if m.lives_here
                                                   else self.tr("（不住本社区）"))}
                  for m in cover.members_idle]
        self.loads.set_rows(loads)
        self.loads_title.setText(self.tr("需要调整的党员：超过上限 {0} 名，没有联系户 {1} 名"
                                         "（双击查看）").format(len(cover.members_over),
                                                               len(cover.members_idle)))

    def scope_changed(self) -> None:
        item = self.tree.currentItem()
        if item is None:
            self.scope = (None, None, self.tr("全社区"))
        else:
            self.scope = (item.data(0, LEVEL_ROLE), item.data(0, ID_ROLE), item.text(0))
        ids = community_scope.keep(
            self.db, "households",
            pairing.unpaired_household_ids(self.db, self.scope[0], self.scope[1]),
            self.page.communities())
        self.unpaired.set_ids(ids)
        self.unpaired_title.setText(self.tr("{0}未联户家庭：{1} 户").format(
            self.scope[2], f"{len(ids):,}"))

    def selected_household(self) -> str | None:
        ix = self.unpaired_view.currentIndex()
        return self.unpaired.id_at(ix.row()) if ix.isValid() else None

    def pair_selected(self) -> None:
        household = self.selected_household()
        if household is None:
            QMessageBox.information(self, self.tr("安排联系党员"),
                                    self.tr("请先在未联户家庭列表中选中一户。"))
            return
        run_dialog(PairDialog(self.db, household, parent=self),
                   lambda _id: self.page.changed())

    def open_selected(self) -> None:
        household = self.selected_household()
        if household:
            self.page.events.open_household.emit(household)

    def buildings_in_scope(self) -> list[str]:
        level, row_id, _ = self.scope
        cover = self.coverage
        if level == "building":
            return [row_id]
        if level == "compound":
            return [b.id for b in cover.buildings if b.parent_id == row_id]
        if level == "grid":
            compounds = {c.id for c in cover.compounds if c.parent_id == row_id}
            return [b.id for b in cover.buildings if b.parent_id in compounds]
        return [b.id for b in cover.buildings]


class MembersTab(QWidget):
    """党员与联系户: every member with their load; a member's households (with history), and
    the selected household's contact log."""

    def __init__(self, page: PartyPage) -> None:
        super().__init__(page)
        self.page, self.db = page, page.db
        # The member's category (五色管理) beside the name, as in every list of people.
        self.model = RowsTableModel(listed(self.db, with_community_column(
            self.db, [MEMBER_COLUMNS[0], category_column(), *MEMBER_COLUMNS[1:]])), self)
        self.view = make_table(self.model)
        self.view.setObjectName("partyView")
        self.view.doubleClicked.connect(lambda _i: self.edit())
        self.view.selectionModel().currentRowChanged.connect(lambda *_: self.member_picked())
        self.title = QLabel()
        left = QWidget()
        ll = QVBoxLayout(left)
        ll.setContentsMargins(0, 0, 0, 0)
        ll.addLayout(_row(self.title, _button(self.tr("登记党员(&N)"), self.add, "addMember",
                                  tip=self.tr("登记党员（Ctrl+N）")),
                          _button(self.tr("编辑(&E)"), self.edit, "editMember"),
                          _button(self.tr("删除(&D)"), self.remove, "removeMember")))
        ll.addWidget(self.view)

        self.member_title = QLabel()
        self.member_title.setObjectName("memberTitle")
        self.history = QCheckBox(self.tr("显示已结束的"))
        self.history.toggled.connect(lambda _on: self.member_picked())
        self.households = RowsTableModel(listed(self.db, MEMBER_HOUSEHOLD_COLUMNS), self)
        self.household_view = make_table(self.households)
        self.household_view.setObjectName("memberHouseholdView")
        self.household_view.selectionModel().currentRowChanged.connect(
            lambda *_: self.household_picked())
        self.household_view.doubleClicked.connect(lambda _i: self.open_household())
        self.contacts_title = QLabel(self.tr("联系记录"))
        self.contacts = RowsTableModel(CONTACT_COLUMNS, self)
        self.contact_view = make_table(self.contacts)
        self.contact_view.setObjectName("contactView")
        self.b_add = _button(self.tr("添加联系户(&J)…"), self.add_households, "addHouseholds")
        self.b_replace = _button(self.tr("更换联系党员(&G)…"), self.replace, "replaceMember")
        self.b_end = _button(self.tr("结束联系(&Z)…"), self.end, "endPairing")
        self.b_contact = _button(self.tr("记录联系(&R)…"), self.log_contact, "logContact")
        self.b_open = _button(self.tr("查看住户(&V)"), self.open_household, "openHousehold")
        right = QWidget()
        rl = QVBoxLayout(right)
        rl.setContentsMargins(0, 0, 0, 0)
        rl.addLayout(_row(self.member_title, self.history))
        # Wraps onto a second line when the window is narrow (1024 × 768).
        rl.addWidget(flow_row(self.b_add, self.b_replace, self.b_end, self.b_contact,
                              self.b_open))
        rl.addWidget(self.household_view, 3)
        rl.addWidget(self.contacts_title)
        rl.addWidget(self.contact_view, 2)
        splitter = QSplitter()
        splitter.addWidget(left)
        splitter.addWidget(right)
        splitter.setSizes([520, 560])
        layout = QVBoxLayout(self)
        layout.addWidget(splitter)

    def reload(self) -> None:
        keep = self.current_member()
        wanted = self.page.communities()
        self.model.set_rows(annotate(self.db, [
            r for r in pairing.member_rows(self.db)
            if wanted is None or r["community_id"] in wanted], key="resident_id"))
        self.title.setText(self.tr("本社区党员：{0} 名").format(len(self.model.rows)))
        self.select_member(keep["id"] if keep else None)

    def select_member(self, member_id: str | None) -> bool:
        row = self.model.row_of(member_id) if member_id else -1
        if row >= 0:
            self.view.selectRow(row)
            self.view.scrollTo(self.model.index(row, 0))
        else:
            self.member_picked()
        return row >= 0

    def current_member(self) -> dict[str, Any] | None:
        ix = self.view.currentIndex()
        return self.model.row_data(ix.row()) if ix.isValid() else None

    def member_picked(self) -> None:
        member = self.current_member()
        if member is None:
            self.households.set_rows([])
            self.member_title.setText(self.tr("请在左侧选择一名党员"))
        else:
            rows = pairing.member_households(self.db, member["id"],
                                             include_ended=self.history.isChecked())
            self.households.set_rows(rows)
            self.member_title.setText(self.tr("{0}（{1}）联系 {2} 户，上限 {3} 户").format(
                member["name"], masking.show(accounts.current(self.db), "phone",
                                             member["phone"], masking.LIST), member["load"],
                pairing.get_limit(self.db)))
        self.b_add.setEnabled(member is not None)
        self.household_picked()

    def current_pairing(self) -> dict[str, Any] | None:
        ix = self.household_view.currentIndex()
        return self.households.row_data(ix.row()) if ix.isValid() else None

    def household_picked(self) -> None:
        row = self.current_pairing()
        active = row is not None and not row["ended_on"]
        for b in (self.b_replace, self.b_end):
            b.setEnabled(active)
        for b in (self.b_contact, self.b_open):
            b.setEnabled(row is not None)
        if row is None:
            self.contacts.set_rows([])
            self.contacts_title.setText(self.tr("联系记录"))
            return
        log = pairing.contacts_for_household(self.db, row["household_id"])
        self.contacts.set_rows(log)
        self.contacts_title.setText(self.tr("联系记录：{0}（{1} 条）").format(
            row["address"], len(log)))

    # --- members ---------------------------------------------------------------------
    def add(self) -> None:
        run_dialog(PartyMemberDialog(self.db, parent=self),
                   lambda _id: self.page.events.party_members_changed.emit())

    def edit(self) -> None:
        member = self.current_member()
        if member:
            run_dialog(PartyMemberDialog(self.db, member=member, parent=self),
                       lambda _id: self.page.events.party_members_changed.emit())

    def remove(self) -> None:
        member = self.current_member()
        if not member:
            return
        text = self.tr("确定删除党员“{0}”吗？").format(member["name"])
        if member["load"]:
            text += self.tr("\n他（她）联系的 {0} 户会变为未联户，联系历史保留。").format(
                member["load"])
        if confirm(self, self.tr("删除党员"), text):
            registry.delete_party_member(self.db, member["id"])
            self.page.events.party_members_changed.emit()
            self.page.events.pairings_changed.emit()

    # --- households ------------------------------------------------------------------
    def add_households(self) -> None:
        member = self.current_member()
        if member:
            dialog = AddHouseholdsDialog(self.db, member, self)
            if dialog.exec():
                self.page.changed()

    def replace(self) -> None:
        row = self.current_pairing()
        if row:
            run_dialog(PairDialog(self.db, row["household_id"], parent=self),
                       lambda _id: self.page.changed())

    def end(self) -> None:
        row = self.current_pairing()
        if row:
            run_dialog(EndPairingDialog(self.db, row, parent=self),
                       lambda _id: self.page.changed())

    def log_contact(self) -> None:
        row = self.current_pairing()
        if row:
            keep = row["id"]
            run_dialog(ContactDialog(self.db, row["household_id"], parent=self),
                       lambda _id: self._after_contact(keep))

    def _after_contact(self, pairing_id: str) -> None:
        self.page.events.pairings_changed.emit()
        row = self.households.row_of(pairing_id)
        if row >= 0:
            self.household_view.selectRow(row)

    def open_household(self) -> None:
        row = self.current_pairing()
        if row:
            self.page.events.open_household.emit(row["household_id"])


class SpotCheckTab(QWidget):
    """晒网督查: draws, the drawn households and what was found, results per grid and member,
    and the households that did not know their member."""

    def __init__(self, page: PartyPage) -> None:
        super().__init__(page)
        self.page, self.db = page, page.db
        self.checks = RowsTableModel(CHECK_COLUMNS, self)
        self.check_view = make_table(self.checks)
        self.check_view.setObjectName("checkView")
        self.check_view.selectionModel().currentRowChanged.connect(lambda *_: self.check_picked())
        self.items = RowsTableModel(CHECK_ITEM_COLUMNS, self)
        self.item_view = make_table(self.items)
        self.item_view.setObjectName("checkItemView")
        self.item_view.doubleClicked.connect(lambda _i: self.record())
        self.by_grid = RowsTableModel(TALLY_COLUMNS, self)
        self.by_member = RowsTableModel(TALLY_COLUMNS, self)
        self.follow = RowsTableModel(listed(self.db, FOLLOW_UP_COLUMNS), self)
        self.follow_view = make_table(self.follow)
        self.follow_view.setObjectName("followUpView")
        self.follow_view.doubleClicked.connect(self._open_follow_up)
        self.check_title = QLabel()
        self.check_title.setWordWrap(True)
        results = QTabWidget()
        results.addTab(make_table(self.by_grid), self.tr("按网格"))
        results.addTab(make_table(self.by_member), self.tr("按党员"))
        results.addTab(self.follow_view, self.tr("待回访：不知道联系党员的住户"))
        self.results = results

        left = QWidget()
        ll = QVBoxLayout(left)
        ll.setContentsMargins(0, 0, 0, 0)
        ll.addLayout(_row(QLabel(self.tr("抽查记录")),
                          _button(self.tr("新抽查(&N)…"), self.draw, "drawCheck")))
        ll.addWidget(self.check_view)
        right = QWidget()
        rl = QVBoxLayout(right)
        rl.setContentsMargins(0, 0, 0, 0)
        rl.addLayout(_row(self.check_title,
                          _button(self.tr("记录结果(&R)…"), self.record, "recordResult"),
                          _button(self.tr("重新抽取核对(&C)"), self.verify, "verifyDraw",
                                  tip=self.tr("按这次的抽样编号重新抽取一遍，看抽中的住户是否与记录一致"))))
        rl.addWidget(self.item_view)
        top = QSplitter()
        top.addWidget(left)
        top.addWidget(right)
        top.setSizes([330, 750])
        outer = QSplitter(Qt.Orientation.Vertical)
        outer.addWidget(top)
        outer.addWidget(results)
        outer.setSizes([420, 260])
        hint = QLabel(self.tr("按网格随机抽取已联户的家庭，入户或电话询问：是否知道自己的联系党员、"
                              "党员做过什么。每次抽样都有一个抽样编号，按它重新抽取会得到同样的住户，"
                              "可以核对抽样是否属实。"))
        hint.setWordWrap(True)
        hint.setStyleSheet(MUTED)
        layout = QVBoxLayout(self)
        layout.addWidget(hint)
        layout.addWidget(outer, 1)

    def reload(self) -> None:
        keep = self.current_check()
        self.checks.set_rows(pairing.spot_checks(self.db))
        row = self.checks.row_of(keep.id) if keep else (0 if self.checks.rows else -1)
        if row >= 0:
            self.check_view.selectRow(row)
        self.check_picked()
        self.follow.set_rows(pairing.follow_up_list(self.db))
        self.results.setTabText(2, self.tr("待回访：不知道联系党员的住户（{0}）").format(
            len(self.follow.rows)))

    def current_check(self) -> pairing.SpotCheck | None:
        ix = self.check_view.currentIndex()
        return self.checks.row_data(ix.row()) if ix.isValid() else None

    def check_picked(self) -> None:
        check = self.current_check()
        if check is None:
            self.items.set_rows([])
            self.by_grid.set_rows([])
            self.by_member.set_rows([])
            self.check_title.setText(self.tr("还没有抽查。点“新抽查…”按网格随机抽取住户。"))
            return
        keep = self.item_view.currentIndex().row()
        self.items.set_rows(pairing.spot_check_items(self.db, check.id))
        if 0 <= keep < len(self.items.rows):
            self.item_view.selectRow(keep)
        by_grid, by_member = pairing.spot_check_tally(self.db, check.id)
        self.by_grid.set_rows(by_grid)
        self.by_member.set_rows(by_member)
        self.check_title.setText(self.tr(
            "{0} 抽查：每个网格 {1} 户，共抽中 {2} 户（从 {3} 户已联户家庭中），已核查 {4} 户；"
            "抽样编号 {5}").format(check.drawn_on.isoformat(), check.per_grid, check.drawn,
                                  check.population, check.checked, check.seed))

    def draw(self) -> None:
        dialog = DrawCheckDialog(self.db, self)
        if dialog.exec():
            self.page.events.pairings_changed.emit()
            row = self.checks.row_of(dialog.result_id)
            if row >= 0:
                self.check_view.selectRow(row)

    def record(self) -> None:
        ix = self.item_view.currentIndex()
        item = self.items.row_data(ix.row()) if ix.isValid() else None
        if item is None:
            QMessageBox.information(self, self.tr("记录结果"),
                                    self.tr("请先在抽中的住户中选中一户。"))
            return
        run_dialog(CheckResultDialog(self.db, item, self),
                   lambda _id: self.page.events.pairings_changed.emit())

    def verify(self) -> None:
        check = self.current_check()
        if check is None:
            return
        outcome = pairing.verify_spot_check(self.db, check.id)
        text = {
            "same": self.tr("按抽样编号 {0} 重新抽取，抽中的住户与记录完全一致：抽样属实。"),
            "population_changed": self.tr("抽样以来联户情况已有变化（有家庭新联户或解除联户），"
                                          "重新抽取已无法得到同一批住户；这次抽查仍以当时记录的"
                                          "住户为准（抽样编号 {0}）。"),
            "differs": self.tr("按抽样编号 {0} 重新抽取，抽中的住户与记录不一致，"
                               "请核实这次抽查记录是否被改动。"),
        }[outcome].format(check.seed)
        QMessageBox.information(self, self.tr("重新抽取核对"), text)

    def _open_follow_up(self, index: QModelIndex) -> None:
        row = self.follow.row_data(index.row())
        if row:
            self.page.events.open_household.emit(row["household_id"])


class PartyPage(QWidget):
    def __init__(self, db: sqlite_utils.Database, events: AppEvents,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.db, self.events = db, events
        # At a district: the street or community the lists show (shared by every page).
        self.community_filter = (CommunityFilter(db, events)
                                 if community_scope.is_district(db) else None)
        self.tabs = QTabWidget()
        self.coverage_tab = CoverageTab(self)
        self.members_tab = MembersTab(self)
        self.checks_tab = SpotCheckTab(self)
        self.tabs.addTab(self.coverage_tab, self.tr("联户概况"))
        self.tabs.addTab(self.members_tab, self.tr("党员与联系户"))
        self.tabs.addTab(self.checks_tab, self.tr("晒网督查"))
        # The page's list (what 台账 › 导出当前列表 exports): the members, with their title.
        self.model = self.members_tab.model
        self.view = self.members_tab.view
        self.title = self.members_tab.title
        layout = QVBoxLayout(self)
        if self.community_filter is not None:
            self.community_filter.changed.connect(self.reload)
            row = QHBoxLayout()
            row.addWidget(self.community_filter)
            row.addStretch()
            layout.addLayout(row)
        layout.addWidget(self.tabs)
        for signal in (events.party_members_changed, events.registry_changed,
                       events.pairings_changed):
            signal.connect(self.reload)
        events.open_member.connect(self.show_member)
        self._export: background.BackgroundTask | None = None
        self._print_job: background.BackgroundTask | None = None
        self.preview: QDialog | None = None   # the print preview, once opened
        # What the signed-in user may not change stays disabled, the reason as its tooltip
        # (at a district: everything here but viewing, printing and exporting).
        access.hold(self.db, "pairing.edit", *(self.findChild(QPushButton, name) for name in (
            "suggestButton", "editLimit", "pairButton", "addMember", "editMember",
            "removeMember", "addHouseholds", "replaceMember", "endPairing", "logContact",
            "drawCheck", "recordResult")))
        self.reload()

    def reload(self) -> None:
        # Members who left or households deleted by any path (import, sync) end their pairings.
        pairing.end_stale_pairings(self.db)
        self.coverage_tab.reload()
        self.members_tab.reload()
        self.checks_tab.reload()

    def changed(self) -> None:
        self.events.pairings_changed.emit()

    # --- the window's shortcuts (ui/main_window.py) ---------------------------------------
    def new_item(self) -> None:
        """Ctrl+N: 登记党员 (on 党员与联系户), or why this role cannot."""
        if access.allowed(self.db, "pairing.edit", self):
            self.tabs.setCurrentWidget(self.members_tab)
            self.members_tab.add()

    def print_current(self) -> background.BackgroundTask | None:
        """Ctrl+P: the 楼栋党员联系户公示 of the scope shown (its button on 联户概况)."""
        return self.print_notices()

    def communities(self) -> set[str] | None:
        """At a district, the community ids the filter shows (None: all)."""
        return None if self.community_filter is None else self.community_filter.community_ids()

    def show_member(self, member_id: str) -> None:
        self.tabs.setCurrentWidget(self.members_tab)
        self.members_tab.select_member(member_id)
        self.events.show_page.emit(self)

    # --- actions -----------------------------------------------------------------------
    def suggest(self) -> None:
        QGuiApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        try:
            dialog = SuggestionDialog(self.db, self)
        finally:
            QGuiApplication.restoreOverrideCursor()
        if not dialog.plan.lines:
            QMessageBox.information(self, self.tr("为未联户家庭推荐"), self.tr(
                "没有可推荐的：所有住户都已有联系党员，或党员的联系户都已满。"))
            return
        if dialog.exec():
            self.changed()
            QMessageBox.information(self, self.tr("为未联户家庭推荐"),
                                    self.tr("已为 {0} 户安排联系党员。").format(
                                        dialog.accepted_count))

    def edit_limit(self) -> None:
        run_dialog(LimitDialog(self.db, self), lambda _id: self.changed())

    def _preview(self, form: str, title: str, file_name: str
                 ) -> background.BackgroundTask | None:
        """Make the PDF on a worker thread (a whole community is hundreds of pages, seconds),
        then open the preview of it; `self.preview` is the dialog."""
        buildings = self.coverage_tab.buildings_in_scope()
        if not buildings:
            QMessageBox.information(self, title, self.tr("还没有楼栋，没有可打印的内容。"))
            return None
        source = db_path(self.db)

        def job(db, _progress, _cancelled) -> bytes:   # db: the worker's own connection
            from app.pairing import forms as pairing_forms  # ReportLab loads when first printing

            return getattr(pairing_forms, form)(db, buildings)

        running = background.start(self, job, Path(source))
        progress = background.progress_dialog(
            self, self.tr("正在生成 {0} 栋楼的页面…").format(len(buildings)), title, running,
            modal=False)

        def finished(data: bytes) -> None:
            background.close_progress(progress)
            if running.cancelled():
                return
            from ui.widgets.print_preview import PrintPreviewDialog  # ReportLab, pdfium

            self.preview = PrintPreviewDialog(data, title, file_name, self)
            self.preview.open()

        def failed(exc: Exception) -> None:
            background.close_progress(progress)
            if isinstance(exc, FormError):
                QMessageBox.information(self, title, exc.message)
            else:
                QMessageBox.warning(self, title, self.tr("无法生成PDF：{0}").format(exc))

        running.done.connect(finished)
        running.error.connect(failed)
        self._print_job = running
        return running

    def print_notices(self) -> background.BackgroundTask | None:
        scope = self.coverage_tab.scope[2]
        return self._preview("notice_board_pdf",
                             self.tr("楼栋党员联系户公示（{0}）").format(scope),
                             f"楼栋党员联系户公示-{scope}.pdf")

    def print_cards(self) -> background.BackgroundTask | None:
        scope = self.coverage_tab.scope[2]
        return self._preview("contact_cards_pdf", self.tr("党员联系卡（{0}）").format(scope),
                             f"党员联系卡-{scope}.pdf")

    def export_ledger(self) -> None:
        name, _ = QFileDialog.getSaveFileName(
            self, self.tr("导出联户台账"), str(Path.home() / "党员联户台账.xlsx"),
            self.tr("Excel 工作簿 (*.xlsx)"))
        if name:
            self.export_ledger_to(Path(name if name.lower().endswith(".xlsx")
                                       else f"{name}.xlsx"))

    def export_ledger_to(self, path: Path) -> None:
        """Written on a worker thread with its own connection; the window stays responsive."""
        # openpyxl and ReportLab load when the first ledger is written, not at start-up.
        from app.pairing.ledger import ExportCancelled, LedgerSaveError, export_pairing_ledger

        source = db_path(self.db)

        communities = self.communities()

        def job(db, progress, cancelled) -> int:   # db: the worker's own connection
            return export_pairing_ledger(db, path, progress=progress, cancelled=cancelled,
                                         communities=communities)

        running = background.start(self, job, Path(source))
        progress = background.progress_dialog(self, self.tr("正在导出联户台账…"),
                                              self.tr("导出联户台账"), running, modal=False,
                                              delay_ms=300)

        def finished(count: int) -> None:
            background.close_progress(progress)
            QMessageBox.information(self, self.tr("导出联户台账"),
                                    self.tr("已导出 {0} 户：{1}").format(count, path))

        def failed(exc: Exception) -> None:
            background.close_progress(progress)
            if isinstance(exc, ExportCancelled):
                return
            message = exc.message if isinstance(exc, LedgerSaveError) else str(exc)
            QMessageBox.warning(self, self.tr("无法导出"), message)

        running.done.connect(finished)
        running.error.connect(failed)
        self._export = running
