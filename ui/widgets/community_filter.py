"""The district's community/street filter: one combo (全部社区, each street, each community)
that every district page puts above its lists. The choice is shared by every page and kept
in QSettings for the next start; a community double-clicked on the district overview
(`AppEvents.community_selected`) becomes the choice."""

from __future__ import annotations

import sqlite_utils
from PySide6.QtCore import QObject, QSettings, Signal
from PySide6.QtWidgets import QComboBox, QWidget

from app import community_scope
from app.errors import FormError
from db.node import get_meta
from ui.widgets.lazy_table import Column

ALL = ""                       # the choice "全部社区"
KEY = "district/community_filter/"


def settings() -> QSettings:
    return QSettings(QSettings.Format.IniFormat, QSettings.Scope.UserScope, "GridDesk",
                     "griddesk")


def with_community_column(db: sqlite_utils.Database, columns: list[Column]) -> list[Column]:
    """At a district, `columns` with a 社区 column first (rows carry community_id); a
    community's own list is unchanged."""
    if not community_scope.is_district(db):
        return columns
    names = community_scope.names(db)

    def name(row: dict) -> str:
        cid = row.get("community_id") or ""
        if cid not in names:                 # enrolled since the list opened
            names.update(community_scope.names(db))
            names.setdefault(cid, "")
        return names[cid]
    return [Column("社区", name, width=100), *columns]


def _resolve(db: sqlite_utils.Database, choice: str) -> set[str] | None:
    kind, _, value = choice.partition(":")
    if kind == "community":
        return {value}
    if kind == "street":
        try:
            return community_scope.resolve(db, street=value)
        except FormError:               # the street is gone: show nothing rather than all
            return set()
    return None


def remembered_communities(db: sqlite_utils.Database) -> set[str] | None:
    """At a district, the community ids of the filter's remembered choice (what the pages
    show), for a ledger exported from the menu; None for all, and always at a community."""
    if not community_scope.is_district(db):
        return None
    district = get_meta(db, "community_id") or ""
    return _resolve(db, str(settings().value(KEY + district, ALL) or ALL))


class _Hub(QObject):
    """The filters of one window (a child of its AppEvents) tell each other the choice."""
    chosen = Signal(str, str)       # district id, choice


def _hub_of(events: QObject | None) -> _Hub:
    if events is None:
        return _Hub()
    hub = events.findChild(_Hub)
    return hub if hub is not None else _Hub(events)


class CommunityFilter(QComboBox):
    """全部社区 / 街道 / 社区. `community_ids()` is what the page's app calls take: None for
    all, else a set of community ids. `changed` fires when the choice changes (here or on
    another page)."""

    changed = Signal()

    def __init__(self, db: sqlite_utils.Database, events=None, parent: QWidget | None = None
                 ) -> None:
        super().__init__(parent)
        self.setObjectName("communityFilter")
        self.setToolTip(self.tr("只看某个街道或社区；选择会记住，各页面一致"))
        self.db = db
        self._district = get_meta(db, "community_id") or ""
        self._ids: set[str] | None = None
        self._fill()
        self._show(str(settings().value(KEY + self._district, ALL) or ALL))
        self.currentIndexChanged.connect(self._picked)
        self._events = events          # the hub lives as long as the window's events
        self._hub = _hub_of(events)
        self._hub.chosen.connect(self._elsewhere)
        if events is not None and hasattr(events, "community_selected"):
            events.community_selected.connect(lambda cid: self.choose(f"community:{cid}"))

    def _fill(self) -> None:
        self.blockSignals(True)
        self.clear()
        self.addItem(self.tr("全部社区"), ALL)
        street = None
        for c in community_scope.communities(self.db):
            if c.street and c.street != street:
                street = c.street
                self.addItem(self.tr("{0}（全街道）").format(c.street), f"street:{c.street}")
            self.addItem(("　" if c.street else "") + c.name, f"community:{c.id}")
        self.blockSignals(False)

    def reload(self) -> None:
        """Re-read the streets and communities (a new community enrolled), keeping the
        choice when it is still there."""
        choice = self.choice()
        self._fill()
        self._show(choice)

    def choice(self) -> str:
        return self.currentData() or ALL

    def community_ids(self) -> set[str] | None:
        return self._ids

    def choose(self, choice: str) -> None:
        """Make `choice` (ALL, "street:NAME" or "community:ID") the choice on every page."""
        index = self.findData(choice)
        if index < 0:
            self.reload()
            index = self.findData(choice)
        self.setCurrentIndex(max(index, 0))

    def _show(self, choice: str) -> None:
        self.blockSignals(True)
        index = self.findData(choice)
        self.setCurrentIndex(max(index, 0))
        self.blockSignals(False)
        self._ids = self._resolve(self.choice())

    def _resolve(self, choice: str) -> set[str] | None:
        return _resolve(self.db, choice)

    def _picked(self, _index: int) -> None:
        choice = self.choice()
        self._ids = self._resolve(choice)
        settings().setValue(KEY + self._district, choice)
        self._hub.chosen.emit(self._district, choice)
        self.changed.emit()

    def _elsewhere(self, district: str, choice: str) -> None:
        if district != self._district or choice == self.choice():
            return
        if self.findData(choice) < 0:
            self.reload()
        self._show(choice)
        self.changed.emit()
