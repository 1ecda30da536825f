"""The 设置 page: this community's particulars and where its data lives."""

from __future__ import annotations

from pathlib import Path

import sqlite_utils
from PySide6.QtCore import QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QFormLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from app.database import community_info, data_dir
from ui.accounts.backup_section import BackupSection
from ui.categories.section import CategorySection


class SettingsPage(QWidget):
    def __init__(self, db: sqlite_utils.Database, db_path: Path,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        info = community_info(db)
        form = QFormLayout()
        if info:
            form.addRow(self.tr("社区名称"), QLabel(info.name))
            form.addRow(self.tr("社区代码"), QLabel(info.code))
            form.addRow(self.tr("所属街道"), QLabel(info.street))
            form.addRow(self.tr("所属区县"), QLabel(info.district))
        path_label = QLabel(str(db_path))
        path_label.setObjectName("dbPath")
        path_label.setWordWrap(True)
        form.addRow(self.tr("数据库文件"), path_label)
        form.addRow(self.tr("默认数据文件夹"), QLabel(str(data_dir())))
        open_folder = QPushButton(self.tr("打开数据所在文件夹(&D)"))
        open_folder.clicked.connect(
            lambda: QDesktopServices.openUrl(QUrl.fromLocalFile(str(db_path.parent))))
        hint = QLabel(self.tr(
            "数据只保存在这台电脑上；备份见下方。账户和权限在“账户”页管理。"))
        hint.setWordWrap(True)
        hint.setStyleSheet("color: #5f6b7a;")
        heading = QLabel(self.tr("设置"))
        heading.setObjectName("settingsHeading")
        heading.setStyleSheet("font-size: 18pt; font-weight: bold;")   # as the other pages'
        layout = QVBoxLayout(self)
        layout.addWidget(heading)
        layout.addLayout(form)
        layout.addWidget(open_folder)
        layout.addSpacing(12)
        layout.addWidget(hint)
        layout.addSpacing(12)
        self.backup = BackupSection(db, db_path)
        layout.addWidget(self.backup)
        self.categories = CategorySection(db)      # 五色管理: which rule wins, in order
        layout.addWidget(self.categories)
        layout.addStretch()
