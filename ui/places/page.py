"""The 场所检查 page: tabs 场所 (the register of non-residential places: search and filters
in SQL, rows fetched as the list scrolls; register, correct, inspect, print the reopening
forms), 检查 and 整改 (ui/inspections/tabs). At a district every list has the 社区 column
and the community filter, and only looks (supervision rounds are the district's own)."""

from __future__ import annotations

from pathlib import Path

import sqlite_utils
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from app import accounts, places
from app.accounts import masking
from app.database import database_file
from app.errors import FormError
from ui import access
from ui.events import AppEvents
from ui.inspections.tabs import InspectionsTab, ProblemsTab, open_inspection
from ui.ledger.import_dialog import choose_ledger_file
from ui.places.dialogs import PlaceDialog
from ui.places.import_dialog import PlacesImportDialog
from ui.widgets.community_filter import CommunityFilter, with_community_column
from ui.widgets.form import run_dialog
from ui.widgets.lazy_table import Column, LazyTableModel
from ui.widgets.tables import make_table

STATUS_TONES = {"suspended": ("#8a4b00", "#fff4e0"), "closed": ("#5f6b7a", "#eeeeee")}

COLUMNS = [
    Column("场所名称", lambda r: r["name"], width=170),
    Column("类型", lambda r: r["kind"] + ("（九小）" if r["small_place"] else ""), width=170),
    Column("地址", lambda r: r["address"], width=190),
    Column("网格", lambda r: r["grid_name"] or "", width=80),
    Column("负责人", lambda r: r["manager"] or "", width=70),
    Column("联系电话", lambda r: r["phone"] or "", width=110),
    Column("从业人数", lambda r: r["employees"] if r["employees"] is not None else "",
           width=64, align_right=True),
    Column("状态", lambda r: places.STATUS_LABELS.get(r["status"], r["status"]), width=56,
           tone=lambda r: STATUS_TONES.get(r["status"])),
]


class PlacesModel(LazyTableModel):
    # What 台账 › 导出当前列表 reads the whole list with (a worker's own connection).
    source = staticmethod(places.places_by_ids)


class PlacesTab(QWidget):
    def __init__(self, db: sqlite_utils.Database, events: AppEvents,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.db, self.events = db, events
        self.changed = self.reload
        self.at_district = places.is_district(db)
        layout = QVBoxLayout(self)
        filters = QHBoxLayout()
        self.community = None
        if self.at_district:
            self.community = CommunityFilter(db, events)
            self.community.changed.connect(self.reload)
            filters.addWidget(self.community)
        self.kind = QComboBox()
        self.kind.setObjectName("kindFilter")
        self.kind.addItem(self.tr("全部类型"), "")
        for k in places.kinds(db):
            self.kind.addItem(k, k)
        self.status = QComboBox()
        self.status.setObjectName("statusFilter")
        self.status.addItem(self.tr("全部状态"), "")
        for key, text in places.STATUS_LABELS.items():
            self.status.addItem(text, key)
        # A node of the 楼栋住户 tree (a compound's places, or a grid's on a street), shown
        # as a filter of its own with a button that lifts it.
        self.node: tuple[str, str] | None = None
        self.node_label = QLabel()
        self.node_label.setObjectName("placesNode")
        self.node_clear = QPushButton(self.tr("看全部场所(&K)"))
        self.node_clear.clicked.connect(lambda: self.show_node(None, None, ""))
        self.node_label.hide()
        self.node_clear.hide()
        self.small = QCheckBox(self.tr("只看九小场所(&9)"))
        self.search = QLineEdit()
        self.search.setObjectName("placeSearch")
        self.search.setPlaceholderText(self.tr("搜索名称、负责人、地址、电话、执照号"))
        self.search.setClearButtonEnabled(True)
        self._typing = QTimer(self, singleShot=True, interval=250)
        self._typing.timeout.connect(self.reload)
        self.search.textChanged.connect(lambda _t: self._typing.start())
        for box in (self.kind, self.status):
            box.currentIndexChanged.connect(self.reload)
            filters.addWidget(box)
        self.small.toggled.connect(self.reload)
        filters.addWidget(self.node_label)
        filters.addWidget(self.node_clear)
        filters.addWidget(self.small)
        filters.addWidget(self.search, 1)
        self.summary = QLabel()
        filters.addWidget(self.summary)
        layout.addLayout(filters)
        buttons = QHBoxLayout()
        self.add_button = QPushButton(self.tr("登记场所(&N)…"))
        self.add_button.clicked.connect(self.new_item)
        self.edit_button = QPushButton(self.tr("修改(&E)…"))
        self.edit_button.clicked.connect(self.edit)
        self.inspect_button = QPushButton(self.tr("检查(&I)…"))
        self.inspect_button.setToolTip(self.tr("按检查表逐项检查选中的场所（复工验收也在这里）"))
        self.inspect_button.clicked.connect(self.inspect)
        self.print_button = QPushButton(self.tr("复工文书(&P)…"))
        self.print_button.setToolTip(self.tr("打印复工复产承诺书和验收单（再次打印为补打）"))
        self.print_button.clicked.connect(self.print_reopening)
        self.import_button = QPushButton(self.tr("导入台账(&M)…"))
        self.import_button.setToolTip(self.tr("从 Excel 等表格导入场所（和导入居民台账一样：先核对"
                                              "列、再检查，没有问题的行才导入）"))
        self.import_button.clicked.connect(lambda: self.import_ledger())
        for b in (self.add_button, self.edit_button, self.inspect_button, self.print_button,
                  self.import_button):
            b.setVisible(not self.at_district)
            buttons.addWidget(b)
        buttons.addStretch(1)
        layout.addLayout(buttons)
        if not self.at_district:
            access.hold(db, "places.edit", self.add_button, self.edit_button,
                        self.inspect_button)
            access.hold(db, "print", self.print_button)
            access.hold(db, "ledger.import", self.import_button)
        # Phones whole or masked as the role's lists show them (app.accounts.masking).
        columns = masking.masked_columns(accounts.current(db), COLUMNS, masking.LIST)
        self.model = PlacesModel(with_community_column(db, columns),
                                    lambda ids: places.places_by_ids(db, list(ids)), self)
        self.table = make_table(self.model)
        self.table.setObjectName("placesTable")
        self.table.activated.connect(lambda _i: self.edit())     # Enter / double-click
        layout.addWidget(self.table, 1)
        self.reload()

    def communities(self):
        return self.community.community_ids() if self.community else None

    def reload(self) -> None:
        current = self.current_id()
        kind, node_id = self.node or (None, None)
        ids = places.place_ids(self.db, text=self.search.text(),
                               kind=self.kind.currentData() or None,
                               status=self.status.currentData() or None,
                               small_only=self.small.isChecked(),
                               communities=self.communities(),
                               compound_id=node_id if kind == "compound" else None,
                               street_grid_id=node_id if kind == "street" else None)
        self.model.refresh(ids)
        self.summary.setText(self.tr("共 {0} 个").format(len(ids)))
        row = self.model.row_of(current) if current else (0 if ids else -1)
        if row >= 0:
            self.table.selectRow(row)

    def show_node(self, kind: str | None, node_id: str | None, name: str) -> None:
        """Only the places of a tree node: a compound's ("compound"), or a grid's on a street
        ("street"); None: all again."""
        self.node = (kind, node_id) if kind and node_id else None
        self.node_label.setText(self.tr("只看：{0}").format(name))
        self.node_label.setVisible(self.node is not None)
        self.node_clear.setVisible(self.node is not None)
        self.reload()

    def current_id(self) -> str | None:
        index = self.table.currentIndex()
        return self.model.id_at(index.row()) if index.isValid() else None

    def focus_search(self) -> None:
        self.search.setFocus()
        self.search.selectAll()

    def new_item(self) -> None:
        if not self.at_district and access.allowed(self.db, "places.edit", self):
            run_dialog(PlaceDialog(self.db, None, self), lambda _i: self.changed())

    def edit(self) -> None:
        place_id = self.current_id()
        if place_id and not self.at_district and access.allowed(self.db, "places.edit", self):
            run_dialog(PlaceDialog(self.db, place_id, self), lambda _i: self.changed())

    def import_ledger(self, path: Path | None = None) -> PlacesImportDialog | None:
        """The resident ledger's import wizard on a places file; the list re-reads after."""
        if self.at_district or not access.allowed(self.db, "ledger.import", self):
            return None
        path = path or choose_ledger_file(self)
        if path is None:
            return None
        self.import_dialog = PlacesImportDialog(self.db, Path(database_file(self.db)), path,
                                                parent=self)
        self.import_dialog.imported = lambda: self.changed()
        self.import_dialog.open()
        return self.import_dialog

    def inspect(self) -> None:
        place_id = self.current_id()
        if place_id is None:
            QMessageBox.information(self, self.tr("检查"), self.tr("请先在列表中选中一个场所。"))
            return
        row = places.get(self.db, place_id)
        open_inspection(self, self.db, ("place", place_id, row["name"]),
                        lambda _i: self.changed())

    def print_reopening(self) -> None:
        from app.places.forms import reopening_pdf
        from ui.widgets.print_preview import PrintPreviewDialog

        place_id = self.current_id()
        if place_id is None:
            QMessageBox.information(self, self.tr("复工文书"),
                                    self.tr("请先在列表中选中一个场所。"))
            return
        try:
            data = reopening_pdf(self.db, place_id)
        except FormError as exc:
            QMessageBox.information(self, self.tr("复工文书"), exc.message)
            return
        name = places.get(self.db, place_id)["name"]
        self.preview = PrintPreviewDialog(data, self.tr("复工复产承诺书和验收单"),
                                          f"复工复产-{name}.pdf", self)
        self.preview.open()


class PlacesPage(QWidget):
    """场所检查: one page, three tabs (the nav stays short)."""

    def __init__(self, db: sqlite_utils.Database, events: AppEvents,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.db = db
        layout = QVBoxLayout(self)
        top = QHBoxLayout()
        title = QLabel(self.tr("场所检查"))
        title.setStyleSheet("font-size: 14pt; font-weight: bold;")
        top.addWidget(title)
        top.addStretch(1)
        layout.addLayout(top)
        self.tabs = QTabWidget()
        self.places_tab = PlacesTab(db, events)
        self.inspections_tab = InspectionsTab(db, events)
        self.problems_tab = ProblemsTab(db, events)
        for tab, text in ((self.places_tab, "场所(&1)"), (self.inspections_tab, "检查(&2)"),
                          (self.problems_tab, "整改(&3)")):
            tab.changed = self.reload
            self.tabs.addTab(tab, self.tr(text))
        layout.addWidget(self.tabs, 1)
        # The window's 台账 › 导出当前列表 exports the tab's list under its name.
        self.list_title = QLabel()
        self.list_title.hide()
        self.tabs.currentChanged.connect(self._name_list)
        self._name_list()

    def _name_list(self) -> None:
        self.list_title.setText(("场所台账", "检查台账", "问题整改台账")[self.tabs.currentIndex()])

    def show_node(self, kind: str, node_id: str, name: str) -> None:
        """From the 楼栋住户 tree: the 场所 tab with only that node's places."""
        self.tabs.setCurrentWidget(self.places_tab)
        self.places_tab.show_node(kind, node_id, name)

    @property
    def view(self):
        """The list the current tab shows (for 导出当前列表)."""
        return self.tabs.currentWidget().table

    def reload(self) -> None:
        """F5, and after every save: all three tabs re-read."""
        for tab in (self.places_tab, self.inspections_tab, self.problems_tab):
            tab.reload()

    def focus_search(self) -> None:
        self.tabs.currentWidget().focus_search()

    def new_item(self) -> None:
        self.tabs.setCurrentWidget(self.places_tab)
        self.places_tab.new_item()
