"""The 帮助 menu: the keyboard shortcuts, and 关于 (the version, the schema version and the
data folder)."""

from __future__ import annotations

from importlib import metadata
from pathlib import Path

from PySide6.QtCore import QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app import database

# What the keys do, as the 快捷键 dialog lists them (the window's actions use the same keys).
SHORTCUTS: list[tuple[str, str]] = [
    ("Ctrl+F", "查找：光标到本页的搜索框（楼栋住户、居家隔离）"),
    ("Ctrl+N", "新增：楼栋住户 新增住户；居家隔离 登记隔离人员；党员联户 登记党员；"
               "事件诉求 登记事件"),
    ("Ctrl+Shift+N", "事件诉求：登记居民来电诉求"),
    ("Ctrl+P", "打印：居家隔离 所选人员的告知书等；党员联户 楼栋公示"),
    ("F5", "刷新本页"),
    ("回车", "列表中：打开所选的一行（同双击）"),
    ("Ctrl+S 或回车", "表单中：保存"),
    ("Esc", "关闭对话框，不保存"),
    ("Alt+字母", "按下按钮或打开菜单中带下划线字母的一项，如 保存(S)、台账(L)"),
]


def app_version() -> str:
    try:
        return metadata.version("griddesk")
    except metadata.PackageNotFoundError:   # run from a source tree never installed
        return "未知"


class ShortcutsDialog(QDialog):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("快捷键"))
        self.table = QTableWidget(len(SHORTCUTS), 2)
        self.table.setObjectName("shortcutTable")
        self.table.setHorizontalHeaderLabels([self.tr("按键"), self.tr("作用")])
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        for row, (keys, what) in enumerate(SHORTCUTS):
            self.table.setItem(row, 0, QTableWidgetItem(keys))
            self.table.setItem(row, 1, QTableWidgetItem(self.tr(what)))
        self.table.resizeColumnsToContents()
        self.table.horizontalHeader().setStretchLastSection(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.button(QDialogButtonBox.StandardButton.Close).setText(self.tr("关闭"))
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table)
        layout.addWidget(buttons)
        self.resize(640, 340)

    def keys(self) -> list[str]:
        return [self.table.item(r, 0).text() for r in range(self.table.rowCount())]


class AboutDialog(QDialog):
    """关于: the version, the database's schema version, the database file and the folder it
    stands in, with a button that opens the folder (where backups and exports are looked
    for), and the program's data folder (keys, settings: what an upgrade keeps)."""

    def __init__(self, db_path: Path, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("关于社区网格通"))
        self.folder = Path(db_path).resolve().parent
        self.version_label = QLabel(self.tr("社区网格通 版本 {0}").format(app_version()))
        self.version_label.setObjectName("aboutVersion")
        self.version_label.setStyleSheet("font-size: 13pt; font-weight: bold;")
        self.file_label = QLabel(self.tr("数据文件：{0}").format(Path(db_path).resolve()))
        self.file_label.setWordWrap(True)
        self.folder_label = QLabel(self.tr("数据文件夹：{0}").format(self.folder))
        self.folder_label.setObjectName("aboutFolder")
        self.folder_label.setWordWrap(True)
        schema = database.file_schema_version(db_path)
        self.schema_label = QLabel(self.tr("数据结构版本：第 {0} 版（本程序最高支持第 {1} 版）")
                                   .format(schema if schema is not None else "?",
                                           database.LATEST_SCHEMA))
        self.schema_label.setObjectName("aboutSchema")
        self.data_label = QLabel(self.tr("程序数据文件夹：{0}").format(database.data_dir()))
        self.data_label.setObjectName("aboutDataDir")
        self.data_label.setWordWrap(True)
        self.open_button = QPushButton(self.tr("打开数据文件夹(&O)"))
        self.open_button.clicked.connect(self.open_folder)
        close = QPushButton(self.tr("关闭"))
        close.clicked.connect(self.reject)
        close.setDefault(True)
        row = QHBoxLayout()
        row.addWidget(self.open_button)
        row.addStretch()
        row.addWidget(close)
        layout = QVBoxLayout(self)
        for widget in (self.version_label, self.schema_label, self.file_label, self.folder_label,
                       self.data_label):
            layout.addWidget(widget)
        layout.addLayout(row)
        self.setMinimumWidth(480)

    def open_folder(self) -> bool:
        return QDesktopServices.openUrl(QUrl.fromLocalFile(str(self.folder)))
