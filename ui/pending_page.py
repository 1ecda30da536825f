"""Pages whose work arrives in a later version say what they will hold, instead of being blank."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget


class PendingPage(QWidget):
    def __init__(self, title: str, lines: list[str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        heading = QLabel(title)
        heading.setStyleSheet("font-size: 18pt; font-weight: bold;")
        body = QLabel(self.tr("此功能将在后续版本提供，届时可以：") + "\n\n"
                      + "\n".join(f"  •  {line}" for line in lines))
        body.setWordWrap(True)
        body.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        body.setStyleSheet("color: #3d4a5a; line-height: 150%;")
        layout = QVBoxLayout(self)
        layout.addWidget(heading)
        layout.addSpacing(8)
        layout.addWidget(body)
        layout.addStretch()


ISOLATION_LINES = [
    "登记居家隔离、居家健康监测人员，设定起止日期和“三人小组”责任人",
    "早晚两次体温和症状检查，“今日”看板显示待查、逾期和发热人员",
    "打印告知书、承诺书、观察卡、封条、楼口公示和解除隔离通知书",
]
