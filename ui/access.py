"""What the signed-in role may use, shown in the window: disabled with a reason, or hidden."""

from __future__ import annotations

import sqlite_utils
from PySide6.QtCore import QEvent, QObject
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMessageBox, QWidget

from app import accounts


def can(db: sqlite_utils.Database, permission: str) -> bool:
    """Whether the signed-in user may do this here (at a district: never edit community
    data); app.accounts.refusal decides, as the services do."""
    return accounts.refusal(db, permission) is None


def reason(db: sqlite_utils.Database, permission: str) -> str:
    if accounts.current(db) is None:
        return "请先登录。"
    return accounts.refusal(db, permission) or ""


def limit(db: sqlite_utils.Database, permission: str, *targets: QWidget | QAction) -> bool:
    """Disable widgets or actions the role may not use, the reason as their tooltip.
    Call after any code that enables them. Returns whether the role may use them."""
    allowed = can(db, permission)
    if not allowed:
        why = reason(db, permission)
        for target in targets:
            target.setEnabled(False)
            target.setToolTip(why)
    return allowed


class _StayDisabled(QObject):
    """Turns a widget off again whenever page code turns it on (on a selection, a reload)."""

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if (event.type() == QEvent.Type.EnabledChange and isinstance(watched, QWidget)
                and watched.isEnabled()):
            watched.setEnabled(False)
        return False


def hold(db: sqlite_utils.Database, permission: str, *targets: QWidget) -> bool:
    """limit(), kept for good: for pages that enable their buttons in many places, so no
    later call has to repeat the check. Returns whether the role may use them."""
    allowed = limit(db, permission, *targets)
    if not allowed:
        for target in targets:
            target.installEventFilter(_StayDisabled(target))
    return allowed


def allowed(db: sqlite_utils.Database, permission: str, parent: QWidget) -> bool:
    """Before opening a form the role may not use: say why instead (a double-click on a list
    reaches forms whose buttons are disabled)."""
    if can(db, permission):
        return True
    QMessageBox.information(parent, parent.tr("没有权限"), reason(db, permission))
    return False
