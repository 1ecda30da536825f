"""Categories in the window: the list an office manages (order = which rule wins), one
category's form (name, colour, meaning, rule), and putting a person in a category by hand."""

from __future__ import annotations

import sqlite_utils
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QColorDialog,
    QDialog,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app import categories
from app.errors import FormError
from ui.access import limit
from ui.widgets.form import FormDialog, confirm
from ui.widgets.tables import open_on_enter


class CategoryDialog(FormDialog):
    """One category: name, colour, meaning, and the rule that gives it (or by hand only)."""

    def __init__(self, db: sqlite_utils.Database, category: categories.Category | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(self.tr("编辑人员类别") if category else self.tr("新增人员类别"), parent)
        self.db, self.category = db, category
        self.line("name", self.tr("名称"), category.name if category else "",
                  self.tr("如 红、黄、绿，或 重点关爱"))
        self.colour = QPushButton()
        self.colour.setObjectName("colourButton")
        self._set_colour(category.colour if category else "#d32f2f")
        self.colour.clicked.connect(self._pick_colour)
        self.add_field("colour", self.tr("颜色"), self.colour)
        self.line("meaning", self.tr("含义"), category.meaning if category else "",
                  self.tr("如 确诊或隔离中"))
        self.combo("rule", self.tr("规则"), categories.RULE_LABELS,
                   category.rule if category else "manual")
        self.line("rule_value", self.tr("规则的值"), category.rule_value if category else "",
                  self.tr("隔离类型写 居家隔离 或 居家健康监测（空=任一种）；标签写标签名；"
                          "年龄写整数，如 80；核查结果写 在本社区居住 等"))
        hint = QLabel(self.tr("人员按类别列表的顺序逐条匹配规则，先匹配的类别优先；"
                              "手动指定的类别优先于规则。"))
        hint.setWordWrap(True)
        hint.setStyleSheet("color: #5f6b7a;")
        self.form.addRow("", hint)

    def _set_colour(self, colour: str) -> None:
        self.colour_value = colour
        self.colour.setText(colour)
        self.colour.setStyleSheet(f"background: {colour}; color: white;")

    def _pick_colour(self) -> None:
        chosen = QColorDialog.getColor(QColor(self.colour_value), self, self.tr("选择颜色"))
        if chosen.isValid():
            self._set_colour(chosen.name())

    def value(self, name: str):
        if name == "colour":
            return self.colour_value
        return super().value(name)

    def save(self) -> str | None:
        data = {k: self.value(k) for k in ("name", "colour", "meaning", "rule", "rule_value")}
        return categories.save_category(self.db, data,
                                        self.category.id if self.category else None)


class MarkDialog(FormDialog):
    """Put one person in a category by hand (or back to the rules), saying why."""

    def __init__(self, db: sqlite_utils.Database, resident_id: str, name: str,
                 parent: QWidget | None = None) -> None:
        super().__init__(self.tr("调整人员类别 — {0}").format(name), parent)
        self.db, self.resident_id = db, resident_id
        cats = categories.in_force_for(db, resident_id).categories
        choices = {"": self.tr("（按规则）")}
        choices.update({c.id: f"{c.name}　{c.meaning}" for c in cats})
        current = categories.of(db, [resident_id]).get(resident_id)
        self.combo("category", self.tr("类别"), choices,
                   current.category.id if current and current.by_hand else "")
        self.note("reason", self.tr("原因"), "")

    def save(self) -> str | None:
        return categories.set_by_hand(self.db, self.resident_id,
                                      self.value("category") or None, self.value("reason"))


class CategoriesDialog(QDialog):
    """The office's categories in rule order, with counts; add, edit, reorder, delete."""

    def __init__(self, db: sqlite_utils.Database, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.db = db
        self.setWindowTitle(self.tr("人员类别（五色管理）"))
        self.resize(860, 460)
        self.source = QLabel()
        self.source.setWordWrap(True)
        self.table = QTableWidget(0, 6)
        self.table.setObjectName("categoryTable")
        self.table.setHorizontalHeaderLabels(
            [self.tr("顺序"), self.tr("类别"), self.tr("含义"), self.tr("规则"),
             self.tr("现有人数"), self.tr("符合规则人数")])
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QTableWidget.SelectionMode.SingleSelection)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setStretchLastSection(True)
        for col, width in enumerate((50, 110, 170, 240, 80)):
            self.table.setColumnWidth(col, width)
        self.table.doubleClicked.connect(lambda _i: self.edit())
        open_on_enter(self.table)
        buttons = QHBoxLayout()
        self.b_add = QPushButton(self.tr("新增(&N)…"))
        self.b_edit = QPushButton(self.tr("编辑(&E)…"))
        self.b_up = QPushButton(self.tr("上移(&U)"))
        self.b_down = QPushButton(self.tr("下移(&O)"))
        self.b_delete = QPushButton(self.tr("删除(&D)"))
        self.b_five = QPushButton(self.tr("使用五色模板(&F)"))
        close = QPushButton(self.tr("关闭"))
        self.b_add.clicked.connect(self.add)
        self.b_edit.clicked.connect(self.edit)
        self.b_up.clicked.connect(lambda: self.move(-1))
        self.b_down.clicked.connect(lambda: self.move(1))
        self.b_delete.clicked.connect(self.delete)
        self.b_five.clicked.connect(self.five)
        close.clicked.connect(self.reject)
        for b in (self.b_add, self.b_edit, self.b_up, self.b_down, self.b_delete, self.b_five):
            buttons.addWidget(b)
        buttons.addStretch()
        buttons.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addWidget(self.source)
        layout.addWidget(self.table, 1)
        layout.addLayout(buttons)
        self.reload()

    def reload(self) -> None:
        cats = categories.in_force(self.db)
        self.cats = cats.categories
        counts = categories.counts(self.db)
        self.source.setText(
            self.tr("区里统一设置的类别（本社区只能查看）。") if cats.from_district and not
            categories.at_district(self.db) else
            self.tr("按顺序逐条匹配规则，先匹配的类别优先；手动指定的优先于规则。"
                    "一个人同时符合几条规则时，归入最靠前的一类。"))
        self.table.setRowCount(len(self.cats))
        for row, c in enumerate(self.cats):
            matches = categories.rule_matches(self.db, c) if c.rule != "manual" else None
            values = [str(row + 1), c.name, c.meaning, c.rule_text,
                      str(counts.get(c.id, 0)), "—" if matches is None else str(matches)]
            for col, text in enumerate(values):
                item = QTableWidgetItem(text)
                if col == 1:
                    item.setBackground(QColor(c.colour))
                    item.setForeground(QColor("white"))
                if col in (0, 4, 5):
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight
                                          | Qt.AlignmentFlag.AlignVCenter)
                self.table.setItem(row, col, item)
        editable = not (cats.from_district and not categories.at_district(self.db))
        for b in (self.b_add, self.b_edit, self.b_up, self.b_down, self.b_delete):
            b.setEnabled(editable)
        self.b_five.setEnabled(editable and not self.cats)
        limit(self.db, "settings", self.b_add, self.b_edit, self.b_up, self.b_down,
              self.b_delete, self.b_five)

    def selected(self) -> categories.Category | None:
        row = self.table.currentRow()
        return self.cats[row] if 0 <= row < len(self.cats) else None

    def _run(self, action) -> None:
        try:
            action()
        except FormError as exc:
            QMessageBox.information(self, self.tr("人员类别"), exc.message)
        self.reload()

    def add(self) -> None:
        if CategoryDialog(self.db, parent=self).exec():
            self.reload()

    def edit(self) -> None:
        c = self.selected()
        if c is not None and self.b_edit.isEnabled() and CategoryDialog(self.db, c, self).exec():
            self.reload()

    def move(self, step: int) -> None:
        c = self.selected()
        if c is None:
            return
        row = self.table.currentRow()
        self._run(lambda: categories.move_category(self.db, c.id, step))
        self.table.selectRow(max(0, min(len(self.cats) - 1, row + step)))

    def delete(self) -> None:
        c = self.selected()
        if c is not None and confirm(self, self.tr("删除类别"),
                                     self.tr("删除类别“{0}”？").format(c.name)):
            self._run(lambda: categories.delete_category(self.db, c.id))

    def five(self) -> None:
        self._run(lambda: categories.add_five_colours(self.db))
