"""What the signed-in role may use, shown in the window: disabled with a reason, or hidden."""

from __future__ import annotations

import sqlite_utils
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMessageBox, QWidget

from app import accounts


def can(db: sqlite_utils.Database, permission: str) -> bool:
    session = accounts.current(db)
    return session is not None and session.can(permission)


def reason(db: sqlite_utils.Database, permission: str) -> str:
    session = accounts.current(db)
    return session.why_not(permission) if session else "请先登录。"


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


def allowed(db: sqlite_utils.Database, permission: str, parent: QWidget) -> bool:
    """Before opening a form the role may not use: say why instead (a double-click on a list
    reaches forms whose buttons are disabled)."""
    if can(db, permission):
        return True
    QMessageBox.information(parent, parent.tr("没有权限"), reason(db, permission))
    return False
