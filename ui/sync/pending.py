"""The district's list of enrollment requests waiting for the operator (a community already
enrolled asks again, or a node is to be replaced), with 确认替换 and 拒绝."""

from __future__ import annotations

import sqlite_utils
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.accounts import PermissionDenied
from app.errors import FormError
from app.sync import enrollment


def _when(iso: str) -> str:
    return iso.replace("T", " ")


class PendingEnrollments(QGroupBox):
    """Requests the hub or 接受社区登记申请 did not apply on their own. `changed` is emitted
    after a confirmation or refusal."""

    changed = Signal()

    def __init__(self, db: sqlite_utils.Database, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.db = db
        self.setTitle(self.tr("待确认的登记申请"))
        self.setObjectName("pendingEnrollments")
        note = QLabel(self.tr("以下申请要替换已登记社区的电脑，没有自动生效。请电话联系社区，"
                              "核对新旧两台电脑的指纹和原因，确认是本社区的操作后再“确认替换”；"
                              "确认后原电脑停用。"))
        note.setWordWrap(True)
        self.table = QTableWidget(0, 7)
        self.table.setObjectName("pendingTable")
        self.table.setHorizontalHeaderLabels(
            [self.tr("社区"), self.tr("代码"), self.tr("原电脑指纹"), self.tr("新电脑指纹"),
             self.tr("情况"), self.tr("社区说明的原因"), self.tr("申请时间")])
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QTableWidget.SelectionMode.SingleSelection)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.confirm_button = QPushButton(self.tr("确认替换…"))
        self.refuse_button = QPushButton(self.tr("拒绝…"))
        self.confirm_button.clicked.connect(self.confirm_selected)
        self.refuse_button.clicked.connect(self.refuse_selected)
        buttons = QHBoxLayout()
        buttons.addStretch()
        buttons.addWidget(self.confirm_button)
        buttons.addWidget(self.refuse_button)
        layout = QVBoxLayout(self)
        layout.addWidget(note)
        layout.addWidget(self.table)
        layout.addLayout(buttons)
        self.requests: list[enrollment.PendingRequest] = []
        self.refresh()

    def refresh(self) -> None:
        self.requests = enrollment.pending(self.db)
        self.table.setRowCount(len(self.requests))
        for i, r in enumerate(self.requests):
            for j, value in enumerate((r.name, r.code, r.old_fingerprint or "—", r.fingerprint,
                                       r.why_text, r.reason_text, _when(r.requested_at))):
                item = QTableWidgetItem(value)
                item.setData(Qt.ItemDataRole.UserRole, r.id)
                self.table.setItem(i, j, item)
        self.table.resizeColumnsToContents()
        self.setVisible(bool(self.requests))
        if self.requests and self.table.currentRow() < 0:
            self.table.selectRow(0)

    def selected(self) -> enrollment.PendingRequest | None:
        row = self.table.currentRow()
        return self.requests[row] if 0 <= row < len(self.requests) else None

    def confirm_selected(self) -> None:
        r = self.selected()
        if r is None:
            return
        answer = QMessageBox.question(self, self.tr("确认替换"), self.tr(
            "确认让“{0}”（{1}）改用新电脑同步吗？\n\n原电脑指纹：{2}\n新电脑指纹：{3}\n"
            "原因：{4}\n\n确认后原电脑停用，不能再与区里同步。只有电话核对过两个指纹、"
            "确认是本社区的操作时才能确认。").format(
                r.name, r.code, r.old_fingerprint or "—", r.fingerprint, r.reason_text),
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            QMessageBox.StandardButton.No)
        if answer == QMessageBox.StandardButton.Yes:
            self._decide(lambda: enrollment.confirm(self.db, r.id))

    def refuse_selected(self) -> None:
        r = self.selected()
        if r is None:
            return
        answer = QMessageBox.question(self, self.tr("拒绝申请"), self.tr(
            "拒绝“{0}”（{1}）指纹为 {2} 的登记申请吗？\n"
            "原电脑照常同步；拒绝会记入审计日志。").format(
                r.name, r.code, r.fingerprint),
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            QMessageBox.StandardButton.No)
        if answer == QMessageBox.StandardButton.Yes:
            self._decide(lambda: enrollment.refuse(self.db, r.id))

    def _decide(self, action) -> None:
        try:
            action()
        except (FormError, PermissionDenied) as exc:
            QMessageBox.warning(self, self.tr("登记申请"), exc.message)
        self.refresh()
        self.changed.emit()
