"""The recovery key dialog: shown once, when the data key is made, for the secretary to copy."""

from __future__ import annotations

import sqlite_utils
from PySide6.QtCore import Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QCheckBox, QDialog, QDialogButtonBox, QLabel, QVBoxLayout, QWidget

from app.accounts import keyslots


class RecoveryCodeDialog(QDialog):
    """The code in large type and what it is for; it closes only once she says she has
    written it down, because it is never shown again."""

    def __init__(self, code: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("恢复密钥（只显示这一次）"))
        self.setMinimumWidth(520)
        layout = QVBoxLayout(self)
        intro = QLabel(self.tr(
            "居民信息的自动备份已经加密，打开它们需要账户密码。如果所有管理员都忘了密码，"
            "或电脑坏了要在新电脑上恢复备份，只能用下面的恢复密钥。\n\n"
            "请现在把它抄在纸上（或打印出来），交社区书记锁在柜子里；不要存在这台电脑上，"
            "也不要拍照发到群里。关闭后不会再显示。"))
        intro.setWordWrap(True)
        layout.addWidget(intro)
        self.code = QLabel(code)
        self.code.setObjectName("recoveryCode")
        font = QFont("monospace")
        font.setStyleHint(QFont.StyleHint.Monospace)
        font.setPointSize(18)
        font.setBold(True)
        self.code.setFont(font)
        self.code.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.code.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.code)
        hint = QLabel(self.tr("共 8 组，每组 4 位，由数字和字母组成（没有 I、L、O、U）。"
                              "输入时不分大小写，可以不输短横线。"))
        hint.setWordWrap(True)
        hint.setStyleSheet("color: #5f6b7a;")
        layout.addWidget(hint)
        self.written = QCheckBox(self.tr("我已把恢复密钥抄好（或打印好），并核对无误"))
        layout.addWidget(self.written)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok)
        self.ok = buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok.setText(self.tr("完成"))
        self.ok.setEnabled(False)
        self.written.toggled.connect(self.ok.setEnabled)
        buttons.accepted.connect(self.accept)
        layout.addWidget(buttons)

    def reject(self) -> None:
        if self.written.isChecked():      # Esc or the close box only once it is written down
            super().reject()


def show_new_recovery_code(db: sqlite_utils.Database, parent: QWidget | None = None) -> bool:
    """If signing in just made the data key, show its recovery code (once). True if shown."""
    code = keyslots.take_new_recovery_code(db)
    if code is None:
        return False
    RecoveryCodeDialog(code, parent).exec()
    return True


def encryption_status(db: sqlite_utils.Database) -> str:
    """One line for the 设置 page: are the automatic backups sealed, and what opens them."""
    if keyslots.backup_public_key(db) is None:
        return "自动备份尚未加密：管理员登录一次后，新的备份会用账户密码和恢复密钥加密。"
    return ("自动备份已加密：打开需要制作备份时已有账户的密码，或打印的恢复密钥；"
            "登录后恢复本机的备份无需再输入。")


def renew_recovery_code(db: sqlite_utils.Database, parent: QWidget | None = None) -> bool:
    """更换恢复密钥: after a yes, a new code replaces the old one and is shown once."""
    from PySide6.QtWidgets import QMessageBox

    answer = QMessageBox.question(parent, "更换恢复密钥", (
        "生成新的恢复密钥后，旧的恢复密钥只能打开此前的备份，打不开以后的备份。"
        "适用于旧的纸条丢失或被别人看到的情况。\n\n确定要更换吗？"))
    if answer != QMessageBox.StandardButton.Yes:
        return False
    try:
        code = keyslots.renew_recovery_code(db)
    except keyslots.SlotError as exc:
        QMessageBox.information(parent, "无法更换恢复密钥", exc.message)
        return False
    RecoveryCodeDialog(code, parent).exec()
    return True
