"""The main window's share of sign-in: the session on the connection, pages and menus the
role may not use disabled with the reason, the 审计 and 账户 pages, the idle lock."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QListWidgetItem, QMainWindow

from app import accounts
from ui.accounts.idle_lock import IdleLock

# Pages by their title in the navigation, and what a role needs to open them.
PAGE_PERMISSIONS = {"楼栋住户": "registry.view", "党员联户": "pairing.view",
                    "居家隔离": "cases.view", "同步": "sync", "设置": "settings",
                    "审计": "audit.view", "账户": "accounts.manage",
                    "重复登记": "registry.view", "区里提示": "registry.view",
                    "事件诉求": "incidents.view", "关爱走访": "pairing.view"}
MENU_PERMISSIONS = {"导入": "ledger.import", "导出": "ledger.export"}


def install_access(window: QMainWindow, session: accounts.Session | None
                   ) -> accounts.Session:
    """Call at the end of MainWindow.__init__ (after every page is in `window.nav`)."""
    db = window.db
    if session is not None:
        accounts.attach(db, session)
    session = accounts.current(db)
    if session is None:
        raise ValueError("MainWindow needs a signed-in session on a database with accounts")
    # An office without accounts yet has nobody to answer to: its pages stay as they were
    # until the first administrator signs in.
    signed_in = session is not accounts.UNCLAIMED
    if signed_in and session.can("audit.view"):
        from ui.accounts.audit_page import AuditPage

        window.audit_page = AuditPage(db, getattr(window, "events", None))
        _add_page(window, "审计", window.audit_page)
    if signed_in and session.can("accounts.manage"):
        from ui.accounts.page import AccountsPage

        window.accounts_page = AccountsPage(db)
        _add_page(window, "账户", window.accounts_page)
    window.nav.setStyleSheet(window.nav.styleSheet()
                             + "QListWidget#nav::item:disabled { color: #6f819b; }")
    for i in range(window.nav.count()):
        item = window.nav.item(i)
        permission = PAGE_PERMISSIONS.get(item.text())
        why = accounts.refusal(db, permission) if permission else None
        if why:
            item.setFlags(item.flags() & ~(Qt.ItemFlag.ItemIsEnabled
                                           | Qt.ItemFlag.ItemIsSelectable))
            item.setToolTip(why)
    for action in _menu_actions(window):
        for word, permission in MENU_PERMISSIONS.items():
            why = accounts.refusal(db, permission) if action.text().startswith(word) else None
            if why:   # at a district, 导入 too: community data is corrected at the community
                action.setEnabled(False)
                action.setToolTip(why)
    if signed_in:
        who = QLabel(f"{session.display_name}（{session.role_label}）")
        who.setObjectName("signedInAs")
        who.setStyleSheet("color: #1f3a5f; padding: 0 8px;")
        window.statusBar().addPermanentWidget(who)
        window.idle_lock = IdleLock(db, session, parent=window)
    return session


def _add_page(window: QMainWindow, title: str, page) -> None:
    window.nav.addItem(QListWidgetItem(window.tr(title)))
    window.pages.addWidget(page)


def _menu_actions(window: QMainWindow):
    for action in window.menuBar().actions():
        menu = action.menu()
        if menu is not None:
            menu.setToolTipsVisible(True)
            yield from menu.actions()
