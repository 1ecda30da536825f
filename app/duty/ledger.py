"""The duty roster ledger as .xlsx (值班表台账): one row per shift from a day on (the office's
and every checkpoint's), with its swaps and any clash flagged; at a district with a 社区
column. Written through app.ledger.xlsx."""

from __future__ import annotations

import os
from collections.abc import Collection
from dataclasses import asdict
from datetime import date, timedelta

import sqlite_utils

from app import duty
from app.accounts import audited, masking, require
from app.database import community_info
from app.ledger.exporter import with_community_column
from app.ledger.xlsx import ExportColumn, write_ledger

WEEKDAYS = "一二三四五六日"
COLUMNS = [
    ExportColumn("序号", lambda r: r["_n"], "number", 6),
    ExportColumn("日期", lambda r: r["on_date"], "date"),
    ExportColumn("星期", lambda r: "周" + WEEKDAYS[date.fromisoformat(r["on_date"]).weekday()],
                 width=6),
    ExportColumn("班次", lambda r: r["shift_label"], width=18),
    ExportColumn("地点", lambda r: r["place_label"], width=24),
    ExportColumn("值班人", lambda r: r["person_name"]),
    ExportColumn("联系电话", lambda r: r["phone"], "code", 14),
    ExportColumn("换班", lambda r: r["swap_text"], "wrap", 30),
    ExportColumn("冲突提示", lambda r: r["clash"], "wrap", 30),
    ExportColumn("备注", lambda r: r["note"], "wrap", 20),
]


@audited("export")
def export_rosters(db: sqlite_utils.Database, path: str | os.PathLike[str], *,
                   since: date | None = None, days: int = 7,
                   communities: Collection[str] | None = None,
                   checkpoint: dict | None = None) -> int:
    """The shifts of `days` days from `since` (this week's Monday by default), only those at
    `checkpoint` when given; returns the number of rows."""
    session = require(db, "ledger.export")
    start = since or duty.monday_of(date.today())
    shifts = duty.roster(db, start, days, communities,
                         checkpoint_id=checkpoint["id"] if checkpoint else None)
    rows = []
    for i, s in enumerate(shifts, 1):
        row = asdict(s) | {"_n": i, "shift_label": s.shift_label, "place_label": s.place_label}
        row["phone"] = masking.show(session, "phone", s.phone, masking.LEDGER)
        row["swap_text"] = "；".join(
            f"{w['agreed_on']} {w['from_name']}换给{w['to_name']}（{w['agreed_by']}同意）"
            for w in duty.swaps(db, s.id)) if s.swaps else ""
        rows.append(row)
    info = community_info(db)
    end = start + timedelta(days=days - 1)
    where = checkpoint["name"] if checkpoint else ""
    title = f"{info.name if info else ''}{where}值班表"
    subtitle = (f"{start:%Y年%m月%d日}至{end:%Y年%m月%d日}　导出日期：{date.today():%Y年%m月%d日}"
                f"　共 {len(rows)} 个班次")
    return write_ledger(path, title, subtitle, with_community_column(db, COLUMNS), rows,
                        total=len(rows), sheet_name="值班表")
