"""App-wide signals, so pages refresh after a change without knowing each other."""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal


class AppEvents(QObject):
    registry_changed = Signal()        # buildings, households or residents changed
    party_members_changed = Signal()
