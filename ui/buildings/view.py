"""The building view (楼栋门户图) in the window: floors × doors per unit, each door coloured by
the chosen aspect, a legend with counts, the doors that fit no pattern listed under the grid,
and a click on a door showing its household and people (double-click or Enter on a person asks
for their file: `person_requested`). Prints the public and the private variant."""

from __future__ import annotations

import html

import sqlite_utils
from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import (
    QBrush,
    QColor,
    QGuiApplication,
    QKeySequence,
    QPainter,
    QPen,
    QShortcut,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QSplitter,
    QStyle,
    QStyledItemDelegate,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app import buildings
from app.errors import FormError
from app.registry import DWELLING_LABELS
from ui.access import limit
from ui.widgets.lazy_table import Column
from ui.widgets.tables import RowsTableModel, make_table, open_on_enter

DOOR_ROLE = Qt.ItemDataRole.UserRole + 20
PEOPLE_COLUMNS = [
    Column("门牌", lambda p: p["door"], width=70),
    Column("姓名", lambda p: p["name"], width=80),
    Column("关系", lambda p: p["relation"], width=60),
    Column("类别", lambda p: p["category"], width=50,
           tone=lambda p: ("#ffffff", p["colour"]) if p["colour"] else None),
]


class _DoorDelegate(QStyledItemDelegate):
    """A door keeps its colour when chosen (the colour is the point): framed, not filled."""

    def paint(self, painter: QPainter, option, index) -> None:
        brush = index.data(Qt.ItemDataRole.BackgroundRole)
        if brush is not None:
            painter.fillRect(option.rect, brush)
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        painter.setPen(QColor("#000000"))
        painter.drawText(option.rect, Qt.AlignmentFlag.AlignCenter,
                         index.data(Qt.ItemDataRole.DisplayRole) or "")
        if selected:
            painter.setPen(QPen(QColor("#1f3a5f"), 3))
            painter.drawRect(option.rect.adjusted(1, 1, -2, -2))


def _tint(colour: str) -> QColor:
    c = QColor(colour)
    return QColor((c.red() + 255) // 2, (c.green() + 255) // 2, (c.blue() + 255) // 2)


class BuildingDialog(QDialog):
    person_requested = Signal(str)

    def __init__(self, db: sqlite_utils.Database, building_id: str,
                 household_id: str | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.db, self.building_id = db, building_id
        self.preview: QDialog | None = None    # the print preview, once opened
        screen = QGuiApplication.primaryScreen()
        free = screen.availableGeometry().size() if screen is not None else QSize(1180, 720)
        self.resize(QSize(1180, 720).boundedTo(free))
        self.aspect = QComboBox()
        self.aspect.setObjectName("aspectCombo")
        for key, label in buildings.ASPECTS.items():
            self.aspect.addItem(label, key)
        self.aspect.currentIndexChanged.connect(lambda _i: self.reload())
        self.heading = QLabel()
        self.heading.setStyleSheet("font-size: 14pt; font-weight: bold;")
        self.b_public = QPushButton(self.tr("打印楼口公示版(&P)…"))
        self.b_private = QPushButton(self.tr("打印网格员版（含姓名）(&G)…"))
        self.b_public.clicked.connect(lambda: self.print_view(False))
        self.b_private.clicked.connect(lambda: self.print_view(True))
        top = QHBoxLayout()
        top.addWidget(self.heading, 1)
        top.addWidget(QLabel(self.tr("着色：")))
        top.addWidget(self.aspect)
        top.addWidget(self.b_public)
        top.addWidget(self.b_private)

        self.grid = QTableWidget()
        self.grid.setObjectName("doorGrid")
        self.grid.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.grid.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.grid.setItemDelegate(_DoorDelegate(self.grid))
        self.grid.horizontalHeader().setDefaultSectionSize(64)
        self.grid.verticalHeader().setDefaultSectionSize(30)
        self.grid.currentCellChanged.connect(lambda r, c, _r, _c: self.show_door(r, c))
        # Keyboard: arrows walk the doors, Enter goes to the door's people (Enter again opens
        # a person's file), as a double-click does.
        self.grid.doubleClicked.connect(lambda _i: self._to_people())
        open_on_enter(self.grid)
        self.legend = QLabel()
        self.legend.setObjectName("doorLegend")
        self.legend.setWordWrap(True)
        self.odd = QLabel()
        self.odd.setObjectName("oddDoors")
        self.odd.setWordWrap(True)
        self.odd.setStyleSheet("color: #b71c1c;")
        self.odd.setTextFormat(Qt.TextFormat.PlainText)
        left = QWidget()
        ll = QVBoxLayout(left)
        ll.setContentsMargins(0, 0, 0, 0)
        ll.addWidget(self.grid, 1)
        ll.addWidget(self.legend)
        ll.addWidget(self.odd)

        self.door_title = QLabel(self.tr("点一个门号，查看这户和家里的人"))
        self.door_title.setObjectName("doorTitle")
        self.door_title.setTextFormat(Qt.TextFormat.PlainText)
        self.door_title.setWordWrap(True)
        self.people = RowsTableModel(PEOPLE_COLUMNS, self)
        self.people_view = make_table(self.people)
        self.people_view.setObjectName("doorPeople")
        self.people_view.doubleClicked.connect(self._person)
        hint = QLabel(self.tr("双击或回车打开个人档案"))
        hint.setStyleSheet("color: #5f6b7a;")
        right = QWidget()
        rl = QVBoxLayout(right)
        rl.setContentsMargins(0, 0, 0, 0)
        rl.addWidget(self.door_title)
        rl.addWidget(self.people_view, 1)
        rl.addWidget(hint)
        splitter = QSplitter()
        splitter.addWidget(left)
        splitter.addWidget(right)
        splitter.setSizes([800, 340])
        close = QPushButton(self.tr("关闭"))
        close.clicked.connect(self.reject)
        bottom = QHBoxLayout()
        bottom.addStretch()
        bottom.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(splitter, 1)
        layout.addLayout(bottom)
        QShortcut(QKeySequence(Qt.Key.Key_F5), self, self.reload)
        limit(db, "print", self.b_public, self.b_private)
        self.reload()
        if household_id:
            self.select_household(household_id)

    # --- content ---------------------------------------------------------------------
    def reload(self) -> None:
        aspect = self.aspect.currentData() or "category"
        try:
            self.view = buildings.building_view(self.db, self.building_id, aspect)
        except FormError as exc:
            if aspect == "category":
                raise
            # An aspect this role may not see (关爱走访 for 片医): say why, back to 类别.
            QMessageBox.information(self, self.tr("楼栋图"), exc.message)
            self.aspect.setCurrentIndex(self.aspect.findData("category"))
            return
        v = self.view
        kept = (self.grid.currentRow(), self.grid.currentColumn())
        self.setWindowTitle(self.tr("楼栋图 — {0}").format(v.name))
        self.heading.setText(self.tr("{0}　共 {1} 户").format(v.name, v.households))
        legend = {i.key: i for i in v.legend}
        # Columns: each unit's door positions, a narrow gap between units.
        self.columns: list[tuple[buildings.UnitGrid | None, int]] = []
        headers = []
        for k, unit in enumerate(v.units):
            if k:
                self.columns.append((None, 0))
                headers.append("")
            for pos in unit.positions or [1]:
                self.columns.append((unit, pos))
                headers.append(f"{unit.name}\n{pos:02d}")
        shops = max((len(u.shops) for u in v.units), default=0)
        self.rows = [*v.floors, *(["shop"] if shops else [])]
        self.grid.clear()
        self.grid.setRowCount(len(self.rows))
        self.grid.setColumnCount(len(self.columns))
        self.grid.setHorizontalHeaderLabels(headers)
        self.grid.setVerticalHeaderLabels(
            [self.tr("{0}层").format(f) if f != "shop" else self.tr("商铺") for f in self.rows])
        # Room for "1702 第12天" or "501 2户" when a door carries a note.
        wide = v.aspect == "isolation" or bool(v.doubles)
        for col, (unit, _pos) in enumerate(self.columns):
            self.grid.setColumnWidth(col, 10 if unit is None else (92 if wide else 64))
        for r, floor in enumerate(self.rows):
            for c, (unit, pos) in enumerate(self.columns):
                if unit is None:
                    continue
                if floor == "shop":
                    door = unit.shops[pos - 1] if pos - 1 < len(unit.shops) else None
                else:
                    door = unit.cells.get((floor, pos))
                item = QTableWidgetItem()
                item.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
                if door is None or not door.households:
                    item.setText("")
                    item.setToolTip(self.tr("没有登记住户的门号"))
                    item.setBackground(QBrush(QColor("#f4f5f7"), Qt.BrushStyle.BDiagPattern))
                else:
                    many = len(door.households)
                    note = next((h.note for h in door.households if h.note), "")
                    item.setText(door.label + (f" {many}户" if many > 1 else
                                               (f" {note}" if note else "")))
                    item.setData(DOOR_ROLE, door)
                    tone = legend.get(door.key)
                    if tone is not None and tone.pattern != "blank":
                        item.setBackground(_tint(tone.colour))
                    names = "、".join(p["name"] for h in door.households for p in h.people)
                    item.setToolTip(f"{unit.name}{door.label}：{names or self.tr('无人')}")
                self.grid.setItem(r, c, item)
        self.legend.setText("　".join(
            f"<span style='background:{i.colour if i.pattern != 'blank' else '#ffffff'};"
            f"border:1px solid #888'>&nbsp;&nbsp;&nbsp;&nbsp;</span> {html.escape(i.label)} "
            f"{i.count}户"
            for i in v.legend))
        odd = [f"{u.name}{d.label}" for u in v.units for d in u.odd]
        extra = [f"{u.name}{d.label}" for u in v.units
                 for d in u.shops[len(u.positions or [1]):]]
        notes = []
        if odd or extra:
            notes.append(self.tr("门牌号不规范、未排入上图的：{0}（请在楼栋住户页核对门牌号）")
                         .format("、".join(odd + extra)))
        if v.doubles:
            notes.append(self.tr("一个门号登记了两户或以上：{0}（请核对是否重复登记）")
                         .format("、".join(v.doubles)))
        self.odd.setText("\n".join(notes))
        self.odd.setVisible(bool(notes))
        self.people.set_rows([])
        if 0 <= kept[0] < self.grid.rowCount() and 0 <= kept[1] < self.grid.columnCount():
            self.grid.setCurrentCell(*kept)       # the same door, seen by the new aspect
            self.show_door(*kept)

    def door_at(self, row: int, col: int) -> buildings.Door | None:
        item = self.grid.item(row, col)
        return item.data(DOOR_ROLE) if item is not None else None

    def show_door(self, row: int, col: int) -> None:
        door = self.door_at(row, col)
        unit = self.columns[col][0] if 0 <= col < len(self.columns) else None
        if door is None or unit is None:
            self.door_title.setText(self.tr("这个门号没有登记住户。"))
            self.people.set_rows([])
            return
        self.show_households(unit.name, door)

    def show_households(self, unit_name: str, door: buildings.Door) -> None:
        parts = []
        rows = []
        for h in door.households:
            parts.append(f"{DWELLING_LABELS.get(h.dwelling, '')} {len(h.people)}人"
                         + (f"，{h.note}" if h.note else ""))
            rows += [{**p, "door": h.door_number} for p in h.people]
        self.door_title.setText(self.tr("{0}{1}：{2}").format(
            unit_name, door.label, "；".join(parts)))
        self.people.set_rows(rows)

    def select_household(self, household_id: str) -> bool:
        for r in range(self.grid.rowCount()):
            for c in range(self.grid.columnCount()):
                door = self.door_at(r, c)
                if door is not None and any(h.id == household_id for h in door.households):
                    self.grid.setCurrentCell(r, c)
                    return True
        return False

    def _to_people(self) -> None:
        if self.people.rowCount():
            self.people_view.setFocus()
            self.people_view.selectRow(0)

    def _person(self, index) -> None:
        row = self.people.row_data(index.row())
        if row:
            self.person_requested.emit(row["id"])

    # --- printing --------------------------------------------------------------------
    def print_view(self, private: bool) -> None:
        # ReportLab and pdfium load when a building is first printed, not at start-up.
        from app.buildings import printing as building_print
        from ui.widgets.print_preview import PrintPreviewDialog

        aspect = self.aspect.currentData() or "category"
        try:
            data = building_print.building_pdf(self.db, self.building_id, aspect=aspect,
                                               private=private)
        except FormError as exc:
            QMessageBox.information(self, self.tr("打印楼栋图"), exc.message)
            return
        title = self.tr("楼栋门户图") + (self.tr("（含姓名）") if private else "")
        self.preview = PrintPreviewDialog(data, title, f"{title}-{self.view.name}.pdf", self)
        self.preview.delivered.connect(lambda target, _n: building_print.record_print(
            self.db, self.building_id, aspect=aspect, private=private, target=target))
        self.preview.open()


def open_building(parent: QWidget, db: sqlite_utils.Database, building_id: str,
                  household_id: str | None = None, on_person=None) -> BuildingDialog | None:
    """Open the building view (modal); `on_person(resident_id)` opens a person's file."""
    try:
        dialog = BuildingDialog(db, building_id, household_id, parent)
    except FormError as exc:
        QMessageBox.information(parent, parent.tr("楼栋图"), exc.message)
        return None
    if on_person is not None:
        dialog.person_requested.connect(on_person)
    dialog.exec()
    return dialog
