"""The events line on the 概览 (a community's, or the district's over its communities):
open, overdue (the line turns red) and escalated events."""

from __future__ import annotations

import sqlite_utils
from PySide6.QtCore import QCoreApplication

from app import incidents
from app.errors import FormError


def overview_line(db: sqlite_utils.Database) -> tuple[str, bool]:
    """The text, and whether any event is past its deadline."""
    tr = QCoreApplication.translate
    try:
        n = incidents.counts(db)
    except FormError:
        return "", False
    if incidents.is_district(db):
        text = tr("overview", "事件：各社区未办结 {0} 件，其中超期 {1} 件；"
                              "上报区里待区里办结 {2} 件。")
    else:
        text = tr("overview", "事件和诉求：未办结 {0} 件，其中超期 {1} 件；上报区里待办结 {2} 件。")
    return text.format(n["open"], n["overdue"], n["escalated"]), n["overdue"] > 0
