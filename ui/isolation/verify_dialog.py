"""扫码核验: check a release form's QR code (解除通知书) against the keys this database knows.
One line that a USB barcode scanner types into and ends with Enter; the verdict below it in
words, a green check or a red refusal; Esc closes. The checking is app/isolation/verify.py."""

from __future__ import annotations

import html

import sqlite_utils
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from app.isolation import verify

OK_STYLE = ("QLabel { color: #1b5e20; background: #e8f5e9; border: 1px solid #a5d6a7; "
            "padding: 10px; font-size: 12pt; }")
REFUSED_STYLE = ("QLabel { color: #b71c1c; background: #fdecea; border: 1px solid #ef9a9a; "
                 "padding: 10px; font-size: 12pt; }")


class VerifyDialog(QDialog):
    """Scan (or paste) one code after another: each Enter checks the line and clears it for
    the next scan, keeping the verdict shown until then."""

    def __init__(self, db: sqlite_utils.Database, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.db = db
        self.setWindowTitle(self.tr("扫码核验解除通知书"))
        self.setMinimumWidth(560)
        layout = QVBoxLayout(self)
        hint = QLabel(self.tr("用扫码枪扫描解除居家隔离通知书左下方的二维码，"
                              "或把二维码内容粘贴到下面后按回车。"
                              "核验只用本机数据库中的单位密钥，不需要联网。"))
        hint.setWordWrap(True)
        layout.addWidget(hint)
        self.line = QLineEdit()
        self.line.setObjectName("verifyInput")
        self.line.setPlaceholderText(self.tr("扫码或粘贴二维码内容，按回车核验"))
        # A scanner types like a keyboard: an active Chinese input method would swallow it.
        self.line.setAttribute(Qt.WidgetAttribute.WA_InputMethodEnabled, False)
        self.line.setInputMethodHints(Qt.InputMethodHint.ImhLatinOnly
                                      | Qt.InputMethodHint.ImhNoPredictiveText)
        self.line.returnPressed.connect(self.check)
        layout.addWidget(self.line)
        self.result = QLabel()
        self.result.setObjectName("verifyResult")
        self.result.setWordWrap(True)
        self.result.setTextFormat(Qt.TextFormat.RichText)
        self.result.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.result.hide()
        layout.addWidget(self.result)
        layout.addStretch()
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.ok: bool | None = None
        self.line.setFocus()

    def check(self) -> bool | None:
        """Check what the line holds; None for an empty line (a stray Enter)."""
        text = self.line.text()
        if not text.strip():
            return None
        self.line.clear()                  # ready for the next scan
        try:
            found = verify.check(self.db, text)
        except verify.VerifyError as exc:
            self.ok = False
            self.result.setStyleSheet(REFUSED_STYLE)
            self.result.setText("✗ " + html.escape(exc.message))
        else:
            self.ok = True
            self.result.setStyleSheet(OK_STYLE)
            self.result.setText("✓ " + "<br>".join(html.escape(line) for line in found.lines))
        self.result.show()
        return self.ok

    def keyPressEvent(self, event) -> None:
        # Enter belongs to the scan line; it must never close the dialog through a default
        # button. Esc closes (QDialog's own handling).
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            return
        super().keyPressEvent(event)
