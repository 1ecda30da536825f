"""The inspections line on the 概览: problems still open and those past their correction
deadline (the line turns red)."""

from __future__ import annotations

import sqlite_utils
from PySide6.QtCore import QCoreApplication

from app import inspections


def overview_line(db: sqlite_utils.Database) -> tuple[str, bool]:
    """The text, and whether any correction is overdue."""
    tr = QCoreApplication.translate
    open_now = len(inspections.problem_ids(db, state="open"))
    overdue = inspections.overdue_count(db)
    where = "各社区" if inspections.is_district(db) else ""
    text = tr("overview", "检查整改：{0}未销号的问题 {1} 个，其中逾期未整改 {2} 个"
                          "（场所检查 › 整改）。").format(where, open_now, overdue)
    return text, overdue > 0
