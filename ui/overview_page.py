"""The 概览 page: the community at a glance."""

from __future__ import annotations

import sqlite_utils
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QGridLayout, QLabel, QVBoxLayout, QWidget

from app import registry
from app.database import community_info
from ui.events import AppEvents

CARDS = [("grids", "网格"), ("compounds", "楼院"), ("buildings", "楼栋"), ("households", "住户"),
         ("residents", "居民"), ("party_members", "党员")]


class OverviewPage(QWidget):
    def __init__(self, db: sqlite_utils.Database, events: AppEvents,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.db = db
        self.heading = QLabel()
        self.heading.setStyleSheet("font-size: 20pt; font-weight: bold;")
        self.subheading = QLabel()
        self.subheading.setStyleSheet("color: #5f6b7a;")
        grid = QGridLayout()
        self.values: dict[str, QLabel] = {}
        for i, (key, label) in enumerate(CARDS):
            card = QFrame()
            card.setFrameShape(QFrame.Shape.StyledPanel)
            card.setStyleSheet("QFrame { background: #f4f7fb; border-radius: 6px; }")
            box = QVBoxLayout(card)
            value = QLabel("0")
            value.setObjectName(f"count_{key}")
            value.setStyleSheet("font-size: 24pt; color: #1f5fa8;")
            value.setAlignment(Qt.AlignmentFlag.AlignCenter)
            caption = QLabel(label)
            caption.setAlignment(Qt.AlignmentFlag.AlignCenter)
            box.addWidget(value)
            box.addWidget(caption)
            grid.addWidget(card, i // 3, i % 3)
            self.values[key] = value
        self.tags = QLabel()
        self.tags.setWordWrap(True)
        later = QLabel(self.tr(
            "党员联户覆盖率、居家隔离今日待查和同步状态将在对应功能上线后显示在这里。"))
        later.setStyleSheet("color: #5f6b7a;")
        later.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(self.heading)
        layout.addWidget(self.subheading)
        layout.addSpacing(12)
        layout.addLayout(grid)
        layout.addSpacing(12)
        layout.addWidget(self.tags)
        layout.addWidget(later)
        layout.addStretch()
        events.registry_changed.connect(self.reload)
        events.party_members_changed.connect(self.reload)
        self.reload()

    def reload(self) -> None:
        info = community_info(self.db)
        if info:
            self.heading.setText(info.name)
            self.subheading.setText(f"{info.district} {info.street}  社区代码 {info.code}")
        for key, value in registry.counts(self.db).items():
            if key in self.values:
                self.values[key].setText(f"{value:,}")
        tags = registry.tag_counts(self.db, "households", registry.HOUSEHOLD_TAGS[:4])
        p = registry.resident_profile(self.db)
        self.tags.setText(
            self.tr("居民：户籍 {0} 人，常住 {1} 人，流动 {2} 人；"
                    "60岁以上 {3} 人，其中80岁以上 {4} 人。").format(
                *(f"{p[k]:,}" for k in ("registered", "resident", "floating", "aged_60",
                                        "aged_80")))
            + "\n" + self.tr("重点关注住户：")
            + "，".join(f"{t} {n:,} 户" for t, n in tags.items()) + "。")
