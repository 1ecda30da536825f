"""The idle lock: after a quiet spell every open window is covered until the password is given
again. Covers, never closes: forms being filled keep their input underneath."""

from __future__ import annotations

from collections.abc import Callable

import sqlite_utils
from PySide6.QtCore import QEvent, QObject, Qt, QTimer
from PySide6.QtWidgets import (
    QApplication,
    QFrame,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app import accounts

ACTIVITY = {QEvent.Type.KeyPress, QEvent.Type.MouseButtonPress, QEvent.Type.MouseMove,
            QEvent.Type.Wheel, QEvent.Type.TouchBegin}
KEYS = {QEvent.Type.KeyPress, QEvent.Type.KeyRelease, QEvent.Type.ShortcutOverride,
        QEvent.Type.Shortcut}


class LockOverlay(QWidget):
    """An opaque cover over one window, with the password box in the middle."""

    def __init__(self, lock: IdleLock, window: QWidget, by_hand: bool = False) -> None:
        super().__init__(window)
        self.lock = lock
        self.setObjectName("lockOverlay")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.setStyleSheet("#lockOverlay { background: #1f3a5f; }"
                           "#lockCard { background: white; border-radius: 8px; }")
        card = QFrame()
        card.setObjectName("lockCard")
        card.setFixedWidth(380)
        inner = QVBoxLayout(card)
        inner.setContentsMargins(24, 20, 24, 20)
        session = lock.session
        if by_hand:
            title = QLabel(self.tr("已锁定"))
            reason = self.tr("{0}（{1}）锁定了窗口。").format(
                session.display_name, session.role_label)
        else:
            minutes = lock.timer.interval() // 60_000
            title = QLabel(self.tr("已自动锁定（闲置 {0} 分钟）").format(minutes))
            reason = self.tr("{0}（{1}）已有 {2} 分钟没有操作，窗口已自动锁定以保护居民信息。"
                             ).format(session.display_name, session.role_label, minutes)
        title.setObjectName("lockTitle")
        title.setStyleSheet("font-size: 16pt; font-weight: bold; color: #1f3a5f;")
        who = QLabel(reason + self.tr("未保存的内容都还在，输入密码即可继续。"))
        who.setObjectName("lockReason")
        who.setWordWrap(True)
        who.setMinimumHeight(who.heightForWidth(330))   # a wrapped label in a fixed card
        self.password = QLineEdit()
        self.password.setObjectName("lockPassword")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setPlaceholderText(self.tr("{0} 的密码").format(session.username))
        self.password.returnPressed.connect(self.try_unlock)
        self.message = QLabel()
        self.message.setObjectName("lockMessage")
        self.message.setWordWrap(True)
        self.message.setStyleSheet("color: #c62828;")
        self.message.hide()
        unlock = QPushButton(self.tr("解锁"))
        unlock.setObjectName("unlockButton")
        unlock.setDefault(True)
        unlock.clicked.connect(self.try_unlock)
        for w in (title, who, self.password, self.message, unlock):
            inner.addWidget(w)
        outer = QVBoxLayout(self)
        outer.addStretch(1)
        outer.addWidget(card, 0, Qt.AlignmentFlag.AlignHCenter)
        outer.addStretch(2)
        window.installEventFilter(self)
        self.setGeometry(window.rect())
        self.show()
        self.raise_()
        self.password.setFocus()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.parent() and event.type() == QEvent.Type.Resize:
            self.setGeometry(self.parentWidget().rect())
        return False

    def try_unlock(self) -> None:
        error = self.lock.unlock(self.password.text())
        self.password.clear()
        if error:
            self.message.setText(error)
            self.message.show()


class IdleLock(QObject):
    """Watches input to the application; after `idle_lock_minutes` without any it covers
    every visible window (the main window and any open dialog) with a LockOverlay."""

    def __init__(self, db: sqlite_utils.Database, session: accounts.Session,
                 on_change: Callable[[bool], None] | None = None,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.db, self.session = db, session
        self.on_change = on_change
        self.overlays: list[LockOverlay] = []
        self.timer = QTimer(self, singleShot=True)
        self.timer.timeout.connect(self.lock)
        self.apply_setting()
        QApplication.instance().installEventFilter(self)

    def apply_setting(self) -> None:
        self.timer.setInterval(accounts.setting(self.db, "idle_lock_minutes") * 60_000)
        self.timer.start()

    @property
    def locked(self) -> bool:
        return bool(self.overlays)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if not self.overlays:
            if event.type() in ACTIVITY:
                self.timer.start()        # restart the quiet spell
            return False
        # Locked: keys reach only the password boxes (Tab must not wander underneath).
        inside = isinstance(watched, QWidget) and any(
            o is watched or o.isAncestorOf(watched) for o in self.overlays)
        return event.type() in KEYS and isinstance(watched, QWidget) and not inside

    def lock(self, by_hand: bool = False) -> None:
        """Cover every window; `by_hand` when the person chose 立即锁定窗口 (the text says so,
        not that they were away)."""
        if self.overlays:
            return
        accounts.record_idle_lock(self.db, by_hand)
        for window in QApplication.topLevelWidgets():
            if window.isVisible() and not isinstance(window, LockOverlay) and (
                    window.isWindow() and window.windowType() in (
                        Qt.WindowType.Window, Qt.WindowType.Dialog)):
                self.overlays.append(LockOverlay(self, window, by_hand))
        if self.on_change:
            self.on_change(True)
        active = QApplication.activeModalWidget()
        for overlay in self.overlays:
            if overlay.parentWidget() is active:
                overlay.password.setFocus()

    def unlock(self, password: str) -> str | None:
        """Lift the lock if the password is right; otherwise the Chinese reason."""
        try:
            accounts.sign_in(self.db, self.session.username, password, event="unlock")
        except accounts.SignInError as exc:
            return exc.message
        for overlay in self.overlays:
            overlay.parentWidget().removeEventFilter(overlay)
            overlay.hide()
            overlay.deleteLater()
        self.overlays.clear()
        self.timer.start()
        if self.on_change:
            self.on_change(False)
        return None

    def stop(self) -> None:
        self.timer.stop()
        app = QApplication.instance()
        if app is not None:
            app.removeEventFilter(self)
