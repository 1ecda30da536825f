"""The 楼栋住户 page: the grid › compound › building › unit tree, households, residents, search."""

from __future__ import annotations

from typing import Any

import sqlite_utils
from PySide6.QtCore import QItemSelectionModel, QModelIndex, Qt, QTimer
from PySide6.QtGui import QStandardItem, QStandardItemModel
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMenu,
    QMessageBox,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QTreeView,
    QVBoxLayout,
    QWidget,
)

from app import accounts, buildings, community_scope, district, pairing, places, registry
from app.accounts import masking
from app.errors import FormError
from ui.access import allowed, limit
from ui.buildings.ledger import export_node_ledger
from ui.buildings.view import open_building
from ui.categories.columns import annotate
from ui.district import tree as district_tree
from ui.events import AppEvents
from ui.pairing.dialogs import PairDialog, PartyMemberDialog
from ui.person.page import open_person
from ui.registry.dialogs import (
    BuildingDialog,
    CompoundDialog,
    GridDialog,
    HouseholdDialog,
    MoveHouseholdDialog,
    ResidentDialog,
)
from ui.registry.models import HouseholdTableModel, ResidentTableModel, SearchResultModel
from ui.widgets.community_filter import CommunityFilter
from ui.widgets.flow import flow_row
from ui.widgets.form import confirm, run_dialog
from ui.widgets.splitters import keep_place
from ui.widgets.tables import make_table

KIND_ROLE = Qt.ItemDataRole.UserRole + 1
ID_ROLE = Qt.ItemDataRole.UserRole + 2
# Tree nodes of places beside the buildings → the 场所检查 filter they open.
PLACE_NODES = {"places": "compound", "street_places": "street"}
SEARCH_DELAY_MS = 60  # coalesce fast typing; each query itself takes a few ms
NO_UNIT = "请先新增楼栋（左侧“新增网格、楼院或楼栋”）"


class RegistryPage(QWidget):
    def __init__(self, db: sqlite_utils.Database, events: AppEvents,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.db, self.events = db, events
        self.scope: tuple[str | None, str | None] = (None, None)
        self.household_id: str | None = None

        # Left: the tree.
        self.tree_model = QStandardItemModel(self)
        self.tree = QTreeView()
        self.tree.setObjectName("registryTree")
        self.tree.setModel(self.tree_model)
        self.tree.setHeaderHidden(True)
        self.tree.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.tree.customContextMenuRequested.connect(self._tree_menu)
        self.add_button = QPushButton(self.tr("新增网格、楼院或楼栋(&G)…"))
        add_menu = QMenu(self.add_button)
        add_menu.addAction(self.tr("新增网格"), self.add_grid)
        add_menu.addAction(self.tr("新增楼院"), self.add_compound)
        add_menu.addAction(self.tr("新增楼栋"), self.add_building)
        self.add_button.setMenu(add_menu)
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(self.tree)
        left_layout.addWidget(self.add_button)

        # Right: search, households (or search results), members.
        self.search = QLineEdit()
        self.search.setObjectName("searchBox")
        self.search.setClearButtonEnabled(True)
        self.search.setPlaceholderText(
            self.tr("搜索：姓名、拼音或首字母（如 zs）、身份证号任意4位以上、电话、"
                    "门牌（如 3-2-501）"))
        self.search_timer = QTimer(self, singleShot=True, interval=SEARCH_DELAY_MS)
        self.search_timer.timeout.connect(self.run_search)
        self.search.textChanged.connect(lambda _t: self.search_timer.start())
        # At a district: which street or community the lists show (shared by every page).
        self.community_filter = (CommunityFilter(db, events)
                                 if community_scope.is_district(db) else None)
        if self.community_filter is not None:
            self.community_filter.changed.connect(self._communities_changed)

        self.list_title = QLabel()
        self.list_title.setObjectName("listTitle")
        self.households = HouseholdTableModel(db, self)
        self.results = SearchResultModel(db, self)
        self.household_view = make_table(self.households)
        self.household_view.setObjectName("householdView")
        self.result_view = make_table(self.results)
        self.result_view.setObjectName("resultView")
        self.lists = QStackedWidget()
        self.lists.addWidget(self.household_view)
        self.lists.addWidget(self.result_view)
        self.household_view.selectionModel().currentRowChanged.connect(self._household_picked)
        self.result_view.selectionModel().currentRowChanged.connect(self._result_picked)
        self.household_view.doubleClicked.connect(lambda _i: self.edit_household())
        # A person listed: their file (一人一档), where 编辑居民 is one button away.
        self.result_view.doubleClicked.connect(lambda _i: self.open_person())

        self.b_add_household = QPushButton(self.tr("新增住户(&N)"))
        # The window's shortcuts (ui/main_window.py) reach these; tooltips name them.
        self.b_add_household.setToolTip(self.tr("新增住户（Ctrl+N）"))
        self.search.setToolTip(self.tr("查找（Ctrl+F）"))
        self.b_edit_household = QPushButton(self.tr("编辑住户(&E)"))
        self.b_move_household = QPushButton(self.tr("迁移住户(&M)"))
        self.b_delete_household = QPushButton(self.tr("删除住户(&D)"))
        self.b_add_household.clicked.connect(self.add_household)
        self.b_edit_household.clicked.connect(self.edit_household)
        self.b_move_household.clicked.connect(self.move_household)
        self.b_delete_household.clicked.connect(self.delete_household)
        self.b_export_list = QPushButton(self.tr("导出当前列表(&X)…"))
        self.b_export_list.setObjectName("exportList")
        self.b_export_list.clicked.connect(self._export_list)
        self.b_building = QPushButton(self.tr("楼栋图(&B)"))
        self.b_building.setObjectName("buildingView")
        self.b_building.setToolTip(self.tr("所选住户所在楼栋的门户图（楼层×门号）"))
        self.b_building.clicked.connect(lambda: self.open_building())

        self.members_title = QLabel(self.tr("本户成员"))
        self.members = ResidentTableModel(self, db)
        self.member_view = make_table(self.members)
        self.member_view.setObjectName("memberView")
        self.member_view.doubleClicked.connect(lambda _i: self.open_person(member=True))
        self.b_add_resident = QPushButton(self.tr("新增居民(&R)"))
        self.b_edit_resident = QPushButton(self.tr("编辑居民(&T)"))
        self.b_party = QPushButton(self.tr("登记为党员(&P)"))
        self.b_delete_resident = QPushButton(self.tr("删除居民(&K)"))
        self.b_add_resident.clicked.connect(self.add_resident)
        self.b_edit_resident.clicked.connect(self.edit_resident)
        self.b_party.clicked.connect(self.register_party_member)
        # 党员联户: the household's member one click away (or arrange one).
        self.b_member = QPushButton()
        self.b_member.setObjectName("householdMember")
        self.b_member.setFlat(True)
        self.b_member.setStyleSheet("color: #1f5fa8;")
        self.b_member.clicked.connect(self.open_member)
        self.b_delete_resident.clicked.connect(self.delete_resident)
        self.b_reveal = QPushButton(self.tr("显示(&V)"))
        self.b_reveal.setObjectName("revealButton")
        self.b_reveal.setToolTip(self.tr("显示所选居民完整的证件号码和电话 {0} 秒"
                                         "（会记入审计日志）").format(accounts.REVEAL_SECONDS))
        self.b_reveal.clicked.connect(lambda: self.reveal_resident())

        right = QWidget()
        rl = QVBoxLayout(right)
        rl.setContentsMargins(0, 0, 0, 0)
        row = QHBoxLayout()
        if self.community_filter is not None:
            row.addWidget(self.community_filter)
        row.addWidget(self.search, 1)
        rl.addLayout(row)
        # Each list's title on a line of its own, its buttons below it wrapping when the
        # window is narrow (at 1024 × 768 the title had one character's width left).
        rl.addWidget(self.list_title)
        rl.addWidget(flow_row(self.b_add_household, self.b_edit_household,
                              self.b_move_household, self.b_delete_household, self.b_building,
                              self.b_export_list))
        rl.addWidget(self.lists, 3)
        rl.addWidget(self.members_title)
        rl.addWidget(flow_row(self.b_member, self.b_reveal, self.b_add_resident,
                              self.b_edit_resident, self.b_party, self.b_delete_resident))
        rl.addWidget(self.member_view, 2)

        # Long result titles wrap rather than widen the right side (which would narrow the
        # tree); the tree's width is where it was left.
        for title in (self.list_title, self.members_title):
            title.setWordWrap(True)
        # A community without a building yet: what to do first, in place of empty tables.
        self.empty_panel = self._empty_panel()
        self.right_stack = QStackedWidget()
        self.right_stack.addWidget(right)
        self.right_stack.addWidget(self.empty_panel)

        splitter = QSplitter()
        splitter.addWidget(left)
        splitter.addWidget(self.right_stack)
        keep_place(splitter, "registrySplitter", [260, 900])
        layout = QVBoxLayout(self)
        layout.addWidget(splitter)

        self.tree.selectionModel().currentChanged.connect(self._tree_picked)
        self.tree.activated.connect(self._tree_activated)     # Enter or double-click
        events.registry_changed.connect(self.reload)
        events.pairings_changed.connect(self._show_member_link)
        events.open_household.connect(self.open_household)
        self.load_tree()
        self._show_empty_panel(not self.has_buildings)
        self.show_scope(None, None)
        self._update_buttons()

    # --- a new community: what to do first ---------------------------------------------
    def _empty_panel(self) -> QWidget:
        panel = QWidget()
        panel.setObjectName("registryEmpty")
        title = QLabel(self.tr("这个社区还没有楼栋"))
        title.setStyleSheet("font-size: 15pt; font-weight: bold;")
        steps = QLabel(self.tr(
            "先按顺序建好：① 新增网格 → ② 在网格里新增楼院（小区） → ③ 在楼院里新增楼栋"
            "（单元随楼栋一起建好）。之后就可以在单元里新增住户和居民。\n\n"
            "已有 Excel 或 CSV 居民台账的，可以直接导入：网格、楼院和楼栋会按台账一并建好。"))
        steps.setWordWrap(True)
        steps.setStyleSheet("color: #3c4650; font-size: 11pt;")
        self.b_guide = QPushButton(self.tr("新增网格、楼院和楼栋…"))
        self.b_guide.setObjectName("guideStructure")
        self.b_guide.setStyleSheet("font-weight: bold;")
        self.b_guide.clicked.connect(self.guided_structure)
        self.b_guide_import = QPushButton(self.tr("导入居民台账…"))
        self.b_guide_import.setObjectName("guideImport")
        self.b_guide_import.clicked.connect(self._import_ledger)
        buttons = QHBoxLayout()
        buttons.addWidget(self.b_guide)
        buttons.addWidget(self.b_guide_import)
        buttons.addStretch()
        layout = QVBoxLayout(panel)
        layout.addStretch(1)
        layout.addWidget(title)
        layout.addWidget(steps)
        layout.addLayout(buttons)
        layout.addStretch(2)
        limit(self.db, "registry.structure", self.b_guide)
        limit(self.db, "ledger.import", self.b_guide_import)
        return panel

    def _show_empty_panel(self, empty: bool) -> None:
        """At a community with no building the guidance replaces the (empty) tables."""
        empty = empty and self.community_filter is None
        self.right_stack.setCurrentWidget(self.empty_panel if empty
                                          else self.right_stack.widget(0))

    def guided_structure(self) -> None:
        """新增网格 → 楼院 → 楼栋: each form opens when the one before is saved; a step already
        done (a grid, a compound) is skipped."""
        nodes = registry.tree_nodes(self.db)
        grid_id = nodes["grids"][0]["id"] if nodes["grids"] else None
        compound_id = nodes["compounds"][0]["id"] if nodes["compounds"] else None
        if grid_id is None:
            grid_id = self._guided_step(GridDialog(self.db, parent=self))
        if grid_id and compound_id is None:
            compound_id = self._guided_step(CompoundDialog(self.db, grid_id=grid_id,
                                                           parent=self))
        if compound_id:
            self._guided_step(BuildingDialog(self.db, compound_id=compound_id, parent=self))

    def _guided_step(self, dialog: QWidget) -> str | None:
        saved: list[str | None] = []
        run_dialog(dialog, lambda row_id: (saved.append(row_id), self._saved_node(row_id)))
        return saved[0] if saved else None

    def _import_ledger(self) -> None:
        """The main window's 导入居民台账 (ui/main_window.py), as its 台账 menu opens it."""
        window = self.window()
        if hasattr(window, "import_ledger"):
            window.import_ledger()

    # --- tree ------------------------------------------------------------------------
    def load_tree(self) -> None:
        nodes = registry.tree_nodes(self.db)
        self.has_units, self.has_buildings = bool(nodes["units"]), bool(nodes["buildings"])
        if hasattr(self, "right_stack"):
            self._show_empty_panel(not self.has_buildings)
        expanded = self._expanded_keys()
        self.tree_model.clear()
        root = self.tree_model.invisibleRootItem()

        def item(text: str, kind: str, row_id: str) -> QStandardItem:
            it = QStandardItem(text)
            it.setEditable(False)
            it.setData(kind, KIND_ROLE)
            it.setData(row_id, ID_ROLE)
            return it

        everything = item(self.tr("全部住户"), "all", "")
        root.appendRow(everything)
        # At a district: district › street › community above the grids, with households.
        levels = district.tree_levels(self.db)
        under, opened = district_tree.add_levels(root, levels, item) if levels else ({}, [])
        counts = district.grid_households(self.db) if levels else {}
        grids = {g["id"]: item(f"{g['name']}（{counts.get(g['id'], 0)}户）" if levels
                               else g["name"], "grid", g["id"]) for g in nodes["grids"]}
        for g in nodes["grids"]:
            (under.get(g["parent_id"]) or root).appendRow(grids[g["id"]])
        compounds = {}
        for c in nodes["compounds"]:
            compounds[c["id"]] = item(c["name"], "compound", c["id"])
            (grids.get(c["grid_id"]) or root).appendRow(compounds[c["id"]])
        buildings = {}
        for b in nodes["buildings"]:
            buildings[b["id"]] = item(b["name"], "building", b["id"])
            parent = compounds.get(b["compound_id"])
            if parent:
                parent.appendRow(buildings[b["id"]])
        for u in nodes["units"]:
            parent = buildings.get(u["building_id"])
            if parent:
                parent.appendRow(item(f"{u['name']}({u['households']}户)", "unit", u["id"]))
        # Shops and other places beside the buildings (Enter opens them on 场所检查).
        in_compound, on_street = places.tree_counts(self.db)
        for compound_id, n in in_compound.items():
            if compound_id in compounds:
                compounds[compound_id].appendRow(
                    item(self.tr("场所（{0}个）").format(n), "places", compound_id))
        for grid_id, n in on_street.items():
            if grid_id in grids:
                grids[grid_id].appendRow(
                    item(self.tr("沿街场所（{0}个）").format(n), "street_places", grid_id))
        for g in [*opened, *grids.values()]:
            self.tree.setExpanded(g.index(), True)
        self._restore_expanded(expanded)

    def _expanded_keys(self) -> set[str]:
        keys = set()
        def walk(parent: QModelIndex) -> None:
            for r in range(self.tree_model.rowCount(parent)):
                ix = self.tree_model.index(r, 0, parent)
                if self.tree.isExpanded(ix):
                    keys.add(ix.data(ID_ROLE))
                    walk(ix)
        walk(QModelIndex())
        return keys

    def _restore_expanded(self, keys: set[str]) -> None:
        def walk(parent: QModelIndex) -> None:
            for r in range(self.tree_model.rowCount(parent)):
                ix = self.tree_model.index(r, 0, parent)
                if ix.data(ID_ROLE) in keys:
                    self.tree.setExpanded(ix, True)
                    walk(ix)
        walk(QModelIndex())

    def _tree_picked(self, current: QModelIndex, _previous: QModelIndex) -> None:
        kind = current.data(KIND_ROLE)
        if kind in PLACE_NODES:     # its compound's or grid's households; Enter opens places
            parent = current.parent()
            self.show_scope(parent.data(KIND_ROLE), parent.data(ID_ROLE), parent.data())
            self.list_title.setText(self.list_title.text() + self.tr("（按回车查看场所）"))
        elif kind == "all" or kind is None:
            self.show_scope(None, None)
        elif kind == "district":
            self.show_scope(None, None, current.data())
        else:
            self.show_scope(kind, current.data(ID_ROLE), current.data())
        if self.search.text():
            self.search.clear()

    def _tree_activated(self, index: QModelIndex) -> None:
        kind = index.data(KIND_ROLE)
        if kind in PLACE_NODES:
            parent = index.parent().data() or ""
            self.events.open_places.emit(PLACE_NODES[kind], index.data(ID_ROLE),
                                         parent if kind == "places" else f"{parent} 沿街")

    def select_tree_node(self, row_id: str) -> bool:
        found = self.tree_model.match(self.tree_model.index(0, 0), ID_ROLE, row_id, 1,
                                      Qt.MatchFlag.MatchRecursive)
        if not found:
            return False
        self.tree.setCurrentIndex(found[0])
        self.tree.scrollTo(found[0])
        return True

    def _tree_menu(self, pos) -> None:
        ix = self.tree.indexAt(pos)
        kind, row_id = ix.data(KIND_ROLE), ix.data(ID_ROLE)
        menu = QMenu(self)
        if kind in (None, "all"):
            menu.addAction(self.tr("新增网格"), self.add_grid)
        if kind == "grid":
            menu.addAction(self.tr("在此网格新增楼院"), lambda: self.add_compound(row_id))
            menu.addAction(self.tr("修改网格名称"), lambda: self.edit_grid(row_id))
        if kind == "compound":
            menu.addAction(self.tr("在此楼院新增楼栋"), lambda: self.add_building(row_id))
            menu.addAction(self.tr("编辑楼院"), lambda: self.edit_compound(row_id))
        if kind in ("grid", "compound", "building"):
            menu.addAction(self.tr("导出本级台账（Excel）…"),
                           lambda: export_node_ledger(self, self.db, kind, row_id, ix.data()))
        if kind == "building":
            menu.addAction(self.tr("楼栋图（门户图）…"), lambda: self.open_building(row_id))
            menu.addAction(self.tr("编辑楼栋"), lambda: self.edit_building(row_id))
            menu.addAction(self.tr("增加一个单元"), lambda: self._add_unit(row_id))
            menu.addAction(self.tr("删除楼栋"), lambda: self.delete_building(row_id))
        if kind == "unit":
            menu.addAction(self.tr("在此单元新增住户"), self.add_household)
        if not menu.isEmpty():
            menu.exec(self.tree.viewport().mapToGlobal(pos))

    # --- households ------------------------------------------------------------------
    def show_scope(self, kind: str | None, row_id: str | None, title: str | None = None) -> None:
        self.scope = (kind, row_id)
        ids = self._in_communities("households", registry.household_ids(self.db, kind, row_id))
        self.households.set_ids(ids)
        self.lists.setCurrentWidget(self.household_view)
        self._title = title or self.tr("全部住户")
        self.list_title.setText(self.tr("{0}：共 {1} 户").format(self._title, len(ids)))
        self.show_household(None)

    def _household_picked(self, current: QModelIndex, _prev: QModelIndex) -> None:
        self.show_household(self.households.id_at(current.row()))

    def show_household(self, household_id: str | None, select_resident: str | None = None
                       ) -> None:
        self.household_id = household_id
        if household_id is None:
            self.members.set_rows([])
            self.members_title.setText(self.tr("本户成员（请先选择一户）"))
        else:
            rows = annotate(self.db, registry.residents_of_household(self.db, household_id))
            self.members.set_rows(rows)
            address = registry.household_rows(self.db, [household_id])
            where = address[0]["address"] if address else ""
            self.members_title.setText(self.tr("本户成员：{0}（{1}人）").format(where, len(rows)))
            if select_resident:
                row = self.members.row_of(select_resident)
                if row >= 0:
                    self.member_view.selectRow(row)
        self._show_member_link()
        self._update_buttons()

    def _show_member_link(self) -> None:
        current = pairing.household_member(self.db, self.household_id) \
            if self.household_id else None
        self.b_member.setVisible(self.household_id is not None)
        self.b_member.setText(self.tr("联系党员：{0} {1} ›").format(
            current.member_name,
            masking.show(accounts.current(self.db), "phone", current.member_phone,
                         masking.LIST)) if current
            else self.tr("联系党员：未安排（点此安排）"))

    def open_member(self) -> None:
        """To the household's member on the 党员联户 page, or arrange one."""
        if not self.household_id:
            return
        current = pairing.household_member(self.db, self.household_id)
        if current:
            self.events.open_member.emit(current.member_id)
            return

        run_dialog(PairDialog(self.db, self.household_id, parent=self),
                   lambda _id: self.events.pairings_changed.emit())

    def open_household(self, household_id: str) -> None:
        """Show a household asked for from another page (a member's household)."""
        if self.search.text():
            self.search.clear()
        self.focus_household(household_id)
        self.events.show_page.emit(self)

    def current_household(self) -> dict[str, Any] | None:
        return registry.get(self.db, "households", self.household_id) if self.household_id \
            else None

    def _selected_unit(self) -> str | None:
        ix = self.tree.currentIndex()
        if ix.data(KIND_ROLE) == "unit":
            return ix.data(ID_ROLE)
        household = self.current_household()
        return household["unit_id"] if household else None

    def add_household(self) -> None:
        if not self.has_units:
            QMessageBox.information(self, self.tr("新增住户"), NO_UNIT)
            return
        run_dialog(HouseholdDialog(self.db, unit_id=self._selected_unit(), parent=self),
                   self._saved_household)

    def edit_household(self) -> None:
        household = self.current_household()
        if household and allowed(self.db, "registry.edit", self):
            run_dialog(HouseholdDialog(self.db, household=household, parent=self),
                       self._saved_household)

    def move_household(self) -> None:
        household = self.current_household()
        if household:
            run_dialog(MoveHouseholdDialog(self.db, household, parent=self),
                       self._saved_household)

    def delete_household(self) -> None:
        household = self.current_household()
        if not household:
            return
        members = registry.residents_of_household(self.db, household["id"])
        address = registry.household_rows(self.db, [household["id"]])[0]["address"]
        text = self.tr("确定删除住户“{0}”吗？").format(address)
        if members:
            text += self.tr("\n该户的 {0} 名居民（{1}）也会一并删除。").format(
                len(members), "、".join(m["name"] for m in members[:5]))
        if confirm(self, self.tr("删除住户"), text):
            self._guard(lambda: registry.delete_household(self.db, household["id"]))
            self.household_id = None
            self.events.registry_changed.emit()

    def _saved_household(self, household_id: str | None) -> None:
        self.events.registry_changed.emit()
        if household_id:
            self.focus_household(household_id)

    def focus_household(self, household_id: str) -> None:
        row = self.households.row_of(household_id)
        if row < 0:
            household = registry.get(self.db, "households", household_id)
            self.select_tree_node(household["unit_id"])
            row = self.households.row_of(household_id)
        if row >= 0:
            self.lists.setCurrentWidget(self.household_view)
            self.household_view.selectRow(row)
            self.household_view.scrollTo(self.households.index(row, 0))

    # --- residents -------------------------------------------------------------------
    def _selected_resident(self) -> dict[str, Any] | None:
        if self.lists.currentWidget() is self.result_view and not self.member_view.hasFocus():
            ix = self.result_view.currentIndex()
            row = self.results.row_data(ix.row()) if ix.isValid() else None
            if row:
                return row
        ix = self.member_view.currentIndex()
        return self.members.row_data(ix.row()) if ix.isValid() else None

    def reveal_resident(self, resident_id: str | None = None) -> dict[str, str] | None:
        """Show one resident's full ID number and phone for a while (recorded)."""
        if resident_id is None:
            ix = self.member_view.currentIndex()
            row = self.members.row_data(ix.row()) if ix.isValid() else None
            resident_id = row["id"] if row else None
        if resident_id is None:
            QMessageBox.information(self, self.tr("显示"),
                                    self.tr("请先在本户成员中选择一位居民。"))
            return None
        try:
            values = {f: accounts.reveal(self.db, "residents", resident_id, f)
                      for f in ("id_number", "phone")}
        except FormError as exc:
            QMessageBox.warning(self, self.tr("无法显示"), exc.message)
            return None
        self.members.reveal(resident_id, values)
        QTimer.singleShot(accounts.REVEAL_SECONDS * 1000,
                          lambda: self.members.hide_again(resident_id))
        return values

    def open_person(self, member: bool = False) -> None:
        """The selected person's file; the lists re-read if it changed anything."""
        if member:
            ix = self.member_view.currentIndex()
            row = self.members.row_data(ix.row()) if ix.isValid() else None
        else:
            row = self._selected_resident()
        dialog = open_person(self, self.db, row["id"] if row else None)
        if dialog is not None and dialog.touched:
            self.events.registry_changed.emit()

    def open_building(self, building_id: str | None = None) -> None:
        """The building view of a tree node, or of the selected household's building."""
        household = self.household_id
        if building_id is None and household:
            building_id = buildings.building_of_household(self.db, household)
        if building_id:
            open_building(self, self.db, building_id, household,
                          lambda rid: open_person(self, self.db, rid))

    def add_resident(self) -> None:
        if not self.household_id:
            QMessageBox.information(self, self.tr("新增居民"),
                                    self.tr("请先在上方选择居民所在的住户，或先新增住户。"))
            return
        run_dialog(ResidentDialog(self.db, self.household_id, parent=self), self._saved_resident)

    def edit_resident(self) -> None:
        resident = self._selected_resident()
        if resident and allowed(self.db, "registry.edit", self):
            full = registry.get(self.db, "residents", resident["id"])
            run_dialog(ResidentDialog(self.db, full["household_id"], full, parent=self),
                       self._saved_resident)

    def delete_resident(self) -> None:
        resident = self._selected_resident()
        if resident and confirm(self, self.tr("删除居民"),
                                self.tr("确定删除居民“{0}”吗？").format(resident["name"])):
            self._guard(lambda: registry.delete_resident(self.db, resident["id"]))
            self.events.registry_changed.emit()

    def register_party_member(self) -> None:

        resident = self._selected_resident()
        if resident:
            run_dialog(PartyMemberDialog(self.db, resident=resident, parent=self),
                       lambda _id: self.events.party_members_changed.emit())

    def _saved_resident(self, resident_id: str | None) -> None:
        keep = self.household_id
        self.events.registry_changed.emit()
        if keep:
            self.show_household(keep, resident_id)

    # --- buildings -------------------------------------------------------------------
    def _tree_selected(self, kind: str) -> str | None:
        """The id of the selected tree node of `kind`, or of its ancestor of that kind."""
        ix = self.tree.currentIndex()
        while ix.isValid() and ix.data(KIND_ROLE) != kind:
            ix = ix.parent()
        return ix.data(ID_ROLE) if ix.isValid() else None

    def _saved_node(self, row_id: str | None) -> None:
        self.events.registry_changed.emit()
        if row_id:
            self.select_tree_node(row_id)

    def add_grid(self) -> None:
        run_dialog(GridDialog(self.db, parent=self), self._saved_node)

    def edit_grid(self, grid_id: str) -> None:
        run_dialog(GridDialog(self.db, registry.get(self.db, "org_units", grid_id), parent=self),
                   self._saved_node)

    def add_compound(self, grid_id: str | None = None) -> None:
        grid_id = grid_id or self._tree_selected("grid")
        run_dialog(CompoundDialog(self.db, grid_id=grid_id, parent=self), self._saved_node)

    def edit_compound(self, compound_id: str) -> None:
        compound = registry.get(self.db, "compounds", compound_id)
        run_dialog(CompoundDialog(self.db, compound=compound, parent=self), self._saved_node)

    def add_building(self, compound_id: str | None = None) -> None:
        compound_id = compound_id or self._tree_selected("compound")
        run_dialog(BuildingDialog(self.db, compound_id=compound_id, parent=self),
                   self._saved_node)

    def edit_building(self, building_id: str) -> None:
        building = registry.get(self.db, "buildings", building_id)
        run_dialog(BuildingDialog(self.db, building=building, parent=self),
                   lambda _id: self.events.registry_changed.emit())

    def _add_unit(self, building_id: str) -> None:
        self._guard(lambda: registry.add_unit(self.db, building_id))
        self.events.registry_changed.emit()

    def delete_building(self, building_id: str) -> None:
        building = registry.get(self.db, "buildings", building_id)
        asked = confirm(self, self.tr("删除楼栋"),
                        self.tr("确定删除“{0}”及其单元吗？").format(building["name"]))
        if asked and self._guard(lambda: registry.delete_building(self.db, building_id)):
            self.events.registry_changed.emit()

    def _in_communities(self, table: str, ids: list[str]) -> list[str]:
        """At a district, the ids of the communities the filter shows."""
        if self.community_filter is None:
            return ids
        return community_scope.keep(self.db, table, ids, self.community_filter.community_ids())

    def _communities_changed(self) -> None:
        if self.search.text().strip():
            self.run_search()
        else:
            kind, row_id = self.scope
            self.show_scope(kind, row_id, self._title)

    # --- search ----------------------------------------------------------------------
    def run_search(self) -> None:
        self.search_timer.stop()     # searching now: the typing's pending search is done too
        text = self.search.text()
        if not text.strip():
            self.lists.setCurrentWidget(self.household_view)
            self.list_title.setText(
                self.tr("{0}：共 {1} 户").format(self._title, self.households.total()))
            self.show_household(None)
            return
        ids, cut = registry.search_with_more(   # at a district: the filter's own
            self.db, text, communities=None if self.community_filter is None
            else self.community_filter.community_ids())
        self.results.set_ids(ids)
        self.lists.setCurrentWidget(self.result_view)
        more = self.tr("（结果过多，只显示前 {0} 人，请多输入几个字缩小范围）").format(len(ids)) \
            if cut else ""
        self.list_title.setText(self.tr("搜索“{0}”：找到 {1} 人{2}").format(
            text.strip(), len(ids), more))
        if ids:
            self.result_view.selectionModel().setCurrentIndex(
                self.results.index(0, 0),
                QItemSelectionModel.SelectionFlag.ClearAndSelect
                | QItemSelectionModel.SelectionFlag.Rows)
        else:
            self.show_household(None)

    def _result_picked(self, current: QModelIndex, _prev: QModelIndex) -> None:
        row = self.results.row_data(current.row())
        if row:
            self.show_household(row["household_id"], row["id"])

    # --- common ----------------------------------------------------------------------
    def _export_list(self) -> None:
        """The main window exports what this page shows (ui/ledger_actions.py)."""
        window = self.window()
        if hasattr(window, "export_current_list"):
            window.export_current_list()

    def reload(self) -> None:
        keep = self.household_id
        self.load_tree()
        ids = registry.household_ids(self.db, *self.scope)
        self.households.refresh(ids)
        self.list_title.setText(self.tr("{0}：共 {1} 户").format(self._title, len(ids)))
        if self.search.text().strip():
            self.run_search()
        if keep and registry.get(self.db, "households", keep)["deleted"] == 0:
            self.show_household(keep)
        else:
            self.show_household(None)

    # --- the window's shortcuts (ui/main_window.py) ----------------------------------
    def focus_search(self) -> None:
        """Ctrl+F: the search box, its text selected to type over."""
        self.search.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.search.selectAll()

    def new_item(self) -> None:
        """Ctrl+N: 新增住户, or why this role cannot."""
        if allowed(self.db, "registry.edit", self):
            self.add_household()

    def _guard(self, action) -> bool:
        try:
            action()
        except FormError as exc:
            QMessageBox.warning(self, self.tr("无法完成"), exc.message)
            return False
        return True

    def _update_buttons(self) -> None:
        has = self.household_id is not None
        for b in (self.b_edit_household, self.b_move_household, self.b_delete_household,
                  self.b_add_resident):
            b.setEnabled(has)
        for b in (self.b_edit_resident, self.b_party, self.b_delete_resident, self.b_reveal):
            b.setEnabled(has and self.members.rowCount() > 0)
        # No unit yet: a household has nowhere to go; the tooltip says what to do first.
        self.b_add_household.setEnabled(self.has_units)
        self.b_add_household.setToolTip(self.tr("新增住户（Ctrl+N）") if self.has_units
                                        else NO_UNIT)
        # What the signed-in role may not use stays disabled, the reason as tooltip.
        limit(self.db, "registry.edit", self.b_add_household, self.b_edit_household,
              self.b_move_household, self.b_delete_household, self.b_add_resident,
              self.b_edit_resident, self.b_delete_resident)
        limit(self.db, "registry.structure", self.add_button)
        limit(self.db, "pairing.edit", self.b_party)
        limit(self.db, "ledger.export", self.b_export_list)
        limit(self.db, "personal.reveal", self.b_reveal)

