"""The main window: navigation on the left, one page per area of work."""

from __future__ import annotations

from pathlib import Path

import sqlite_utils
from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QStackedWidget,
    QWidget,
)

from app.accounts import Session
from app.database import community_info
from app.duplicates import has_notices
from app.sync.engine import role
from ui.accounts.window_access import install_access
from ui.care.page import CarePage
from ui.district.overview import DistrictOverviewPage
from ui.duplicates.page import DuplicatesPage
from ui.duty.page import DutyPage
from ui.events import AppEvents
from ui.incidents.page import IncidentsPage
from ui.isolation.page import IsolationPage
from ui.keypersons.page import KeyPersonsPage
from ui.ledger.actions import ExportRunner, export_current_list, export_whole_ledger
from ui.ledger.import_dialog import LedgerImportDialog, choose_ledger_file
from ui.overview.page import OverviewPage
from ui.pairing.page import PartyPage
from ui.places.page import PlacesPage
from ui.registry.page import RegistryPage
from ui.reports.page import ReportsPage
from ui.settings.page import SettingsPage
from ui.sweeps.page import SweepsPage
from ui.sync.page import SyncPage
from ui.widgets.community_filter import settings

GEOMETRY_KEY = "window/geometry"
NAV_STYLE = """
QListWidget#nav { background: #1f3a5f; color: #e8eef6; border: none; font-size: 12pt; }
QListWidget#nav::item { padding: 8px 18px; }   /* sixteen pages fit 768 px */
QListWidget#nav::item:selected { background: #2f5d93; color: white; }
"""


class MainWindow(QMainWindow):
    def __init__(self, db: sqlite_utils.Database, db_path: Path,
                 session: Session | None = None) -> None:
        """`session`: who signed in (the launcher's sign-in); None keeps the connection's own
        (a database without accounts yet is open to its first user)."""
        super().__init__()
        self.db = db
        self.db_path = Path(db_path)
        self.events = AppEvents(self)
        self.exports: list[ExportRunner] = []
        info = community_info(db)
        self.setWindowTitle(self.tr("社区网格通 — {0}").format(info.name if info else ""))
        # 1280 × 800, or the screen's free area when it is smaller (a 1024 × 768 office screen).
        screen = QGuiApplication.primaryScreen()
        free = screen.availableGeometry().size() if screen is not None else QSize(1280, 800)
        self.resize(QSize(1280, 800).boundedTo(free))
        # Where the person left it last time (Qt moves it back onto a screen that shrank).
        saved = settings().value(GEOMETRY_KEY)
        if saved is not None:
            self.restoreGeometry(saved)

        self.nav = QListWidget()
        self.nav.setObjectName("nav")
        self.nav.setFixedWidth(150)
        self.nav.setIconSize(QSize(0, 0))
        self.nav.setStyleSheet(NAV_STYLE)
        self.pages = QStackedWidget()
        self.registry_page = RegistryPage(db, self.events)
        self.party_page = PartyPage(db, self.events)
        self.isolation_page = IsolationPage(db, self.events)
        self.sync_page = SyncPage(db, db_path, self.events)
        # At a district the 概览 is its communities' table (ui/district/overview).
        self.overview_page = (DistrictOverviewPage(db, self.events) if role(db) == "district"
                              else OverviewPage(db, self.events))
        # The same person in two communities: the district's list, or a community's notices
        # from the district (only once it has sent some).
        at_district = role(db) == "district"
        self.duplicates_title = self.tr("重复登记") if at_district else self.tr("区里提示")
        self.duplicates_page = (DuplicatesPage(db, self.events)
                                if at_district or has_notices(db) else None)
        self.places_page = PlacesPage(db, self.events)
        for title, page in [
            (self.tr("概览"), self.overview_page),
            (self.tr("楼栋住户"), self.registry_page),
            (self.tr("党员联户"), self.party_page),
            (self.tr("居家隔离"), self.isolation_page),
            (self.tr("重点人员核查"), KeyPersonsPage(db, self.events, db_path)),
            (self.tr("事件诉求"), IncidentsPage(db, self.events)),
            (self.tr("关爱走访"), CarePage(db, self.events)),
            (self.tr("入户排查"), SweepsPage(db, self.events)),
            (self.tr("日报"), ReportsPage(db, self.events)),
            (self.tr("值班备勤"), DutyPage(db, self.events)),
            (self.tr("场所检查"), self.places_page),
            (self.tr("同步"), self.sync_page),
            (self.tr("设置"), SettingsPage(db, db_path)),
        ]:
            if page is self.sync_page and self.duplicates_page is not None:
                self.nav.addItem(QListWidgetItem(self.duplicates_title))
                self.pages.addWidget(self.duplicates_page)
            self.nav.addItem(QListWidgetItem(title))
            self.pages.addWidget(page)
        self.nav.currentRowChanged.connect(self.pages.setCurrentIndex)
        self.events.open_places.connect(self._open_places)   # a 场所 node of the tree
        self.events.show_page.connect(lambda page: self.nav.setCurrentRow(
            self.pages.indexOf(page)))  # household ⇄ member links between pages
        # A community double-clicked on the district overview: its residents (the lists'
        # community filter listens to the same signal).
        self.events.community_selected.connect(lambda _id: self.nav.setCurrentRow(
            self.pages.indexOf(self.registry_page)))
        self.nav.setCurrentRow(1)

        central = QWidget()
        layout = QHBoxLayout(central)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.nav)
        layout.addWidget(self.pages, 1)
        self.setCentralWidget(central)
        where = QLabel(str(db_path))
        where.setStyleSheet("color: #5f6b7a;")
        self.statusBar().addPermanentWidget(where)
        if info:
            # A permanent widget: a menu's status tip replaces a temporary message, not this.
            self.community_label = QLabel(f"{info.district} {info.street} {info.name}")
            self.community_label.setObjectName("communityLabel")
            self.statusBar().insertPermanentWidget(0, self.community_label, 1)
        self._build_menu()
        self.session = install_access(self, session)   # last: pages and menus exist

    def _build_menu(self) -> None:
        ledger = self.menuBar().addMenu(self.tr("台账(&L)"))
        ledger.setObjectName("ledgerMenu")
        ledger.addAction(self.tr("导入居民台账（Excel、CSV）…"), lambda: self.import_ledger())
        ledger.addSeparator()
        ledger.addAction(self.tr("导出居民台账…"), lambda: self.export_ledger("residents"))
        ledger.addAction(self.tr("导出住户台账…"), lambda: self.export_ledger("households"))
        ledger.addAction(self.tr("导出居家隔离人员台账…"), lambda: self.export_ledger("cases"))
        ledger.addAction(self.tr("导出当前列表…"), lambda: self.export_current_list())
        account = self.menuBar().addMenu(self.tr("账户(&A)"))
        account.setObjectName("accountMenu")
        account.addAction(self.tr("立即锁定窗口"), lambda: self.lock_now())
        account.addAction(self.tr("切换账户…"), lambda: self.switch_account())
        self._build_keyboard_menus()

    # --- the keyboard: page actions and 帮助 (ui/help.py) --------------------------------------
    def _build_keyboard_menus(self) -> None:
        """Ctrl+F / Ctrl+N / Ctrl+P / F5 call the current page's focus_search, new_item,
        print_current, reload; a page without one ignores the key."""
        from PySide6.QtGui import QAction, QKeySequence

        page_menu = self.menuBar().addMenu(self.tr("操作(&O)"))
        page_menu.setObjectName("pageMenu")
        self.page_actions: dict[str, QAction] = {}
        for name, text, keys in [
            ("focus_search", self.tr("查找(&F)"), "Ctrl+F"),
            ("new_item", self.tr("新增(&N)…"), "Ctrl+N"),
            ("print_current", self.tr("打印(&P)…"), "Ctrl+P"),
            ("reload", self.tr("刷新(&R)"), "F5"),
        ]:
            action = QAction(text, self)
            action.setShortcut(QKeySequence(keys))
            action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
            action.triggered.connect(lambda _c=False, n=name: self.page_call(n))
            page_menu.addAction(action)
            self.page_actions[name] = action
        # Menus show each shortcut beside its item; say so on the page's own use too.
        page_menu.aboutToShow.connect(self._update_page_actions)
        self.pages.currentChanged.connect(lambda _i: self._update_page_actions())
        self._update_page_actions()
        help_menu = self.menuBar().addMenu(self.tr("帮助(&H)"))
        help_menu.setObjectName("helpMenu")
        help_menu.addAction(self.tr("快捷键(&K)…"), lambda: self.show_shortcuts())
        help_menu.addAction(self.tr("关于(&A)…"), lambda: self.show_about())

    def _update_page_actions(self) -> None:
        page = self.pages.currentWidget()
        for name, action in self.page_actions.items():
            action.setEnabled(callable(getattr(page, name, None)))

    def page_call(self, name: str):
        """The current page's `name()` if it has one, else nothing."""
        method = getattr(self.pages.currentWidget(), name, None)
        return method() if callable(method) else None

    def show_shortcuts(self):
        from ui.help import ShortcutsDialog

        dialog = ShortcutsDialog(self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        return dialog

    def show_about(self):
        from ui.help import AboutDialog

        dialog = AboutDialog(self.db_path, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        return dialog

    # --- the shared office PC ----------------------------------------------------------------
    def lock_now(self) -> None:
        """Lock the window at once, as after idle time (nothing typed is lost)."""
        if getattr(self, "idle_lock", None) is not None:
            self.idle_lock.lock(by_hand=True)

    def switch_account(self) -> None:
        """Sign out and close; the launcher asks who signs in and opens the window again."""
        self.switch_requested = True
        self.close()

    # --- ledgers ---------------------------------------------------------------------------
    def import_ledger(self, path: Path | None = None) -> LedgerImportDialog | None:
        path = path or choose_ledger_file(self)
        if path is None:
            return None
        dialog = LedgerImportDialog(self.db, self.db_path, path, self.events, parent=self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        return dialog

    def _track(self, runner: ExportRunner | None) -> ExportRunner | None:
        if runner is not None:
            self.exports.append(runner)
            runner.finished.connect(lambda _r: self.exports.remove(runner))
        return runner

    def export_ledger(self, what: str, path: Path | None = None) -> ExportRunner | None:
        return self._track(export_whole_ledger(self, self.db, self.db_path, what, path))

    def export_current_list(self, path: Path | None = None) -> ExportRunner | None:
        return self._track(export_current_list(self, self.pages.currentWidget(), self.db_path,
                                               self.db, path))

    def closeEvent(self, event) -> None:
        if getattr(self, "idle_lock", None) is not None:
            self.idle_lock.stop()
        self.sync_page.stop_worker()
        for runner in list(self.exports):
            runner.stop()
        settings().setValue(GEOMETRY_KEY, self.saveGeometry())
        super().closeEvent(event)

    def _open_places(self, kind: str, node_id: str, name: str) -> None:
        self.places_page.show_node(kind, node_id, name)
        self.nav.setCurrentRow(self.pages.indexOf(self.places_page))

    def go_to(self, title: str) -> None:
        for i in range(self.nav.count()):
            if self.nav.item(i).text() == title:
                self.nav.setCurrentRow(i)
                return
        raise KeyError(title)
