"""The 设置 page's 人员类别 section: the categories in rule order, in one line each, and the
button that opens the list to manage them."""

from __future__ import annotations

import html

import sqlite_utils
from PySide6.QtWidgets import QGroupBox, QLabel, QPushButton, QVBoxLayout, QWidget

from app import categories
from ui.categories.dialogs import CategoriesDialog


class CategorySection(QGroupBox):
    def __init__(self, db: sqlite_utils.Database, parent: QWidget | None = None) -> None:
        super().__init__(self.tr("人员类别（五色管理）"), parent)
        self.db = db
        self.summary = QLabel()
        self.summary.setObjectName("categorySummary")
        self.summary.setWordWrap(True)
        self.button = QPushButton(self.tr("管理人员类别(&C)…"))
        self.button.clicked.connect(self.manage)
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addWidget(self.button)
        self.reload()

    def reload(self) -> None:
        cats = categories.in_force(self.db)
        if not cats.categories:
            self.summary.setText(self.tr("还没有设置人员类别。可用“五色模板”（红橙黄蓝绿）起步，"
                                         "再按本社区需要修改。"))
            return
        rules = "；".join(f"{k}. <span style='color:{c.colour}'>■</span> "
                         f"{html.escape(c.name)}：{html.escape(c.rule_text)}"
                         for k, c in enumerate(cats.categories, start=1))
        source = self.tr("区里统一设置") if cats.from_district else self.tr("本社区设置")
        self.summary.setText(self.tr("{0}，按顺序匹配，先匹配的优先：{1}").format(source, rules))

    def manage(self) -> None:
        CategoriesDialog(self.db, self).exec()
        self.reload()
