"""App-wide signals, so pages refresh after a change without knowing each other."""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal


class AppEvents(QObject):
    registry_changed = Signal()        # buildings, households or residents changed
    party_members_changed = Signal()
    pairings_changed = Signal()        # pairings, spot checks or contacts changed
    isolation_changed = Signal()       # isolation cases, checks, tests or prints changed
    open_member = Signal(str)          # show this Party member (and their households)
    open_household = Signal(str)       # show this household in 楼栋住户
    show_page = Signal(object)         # bring this page to the front (the window listens)
    open_places = Signal(str, str, str)  # a tree node's 场所: ("compound" | "street", id, name)
    community_selected = Signal(str)   # at a district: look at this community (its id)
