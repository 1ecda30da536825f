"""The events ledger (事件台账) as .xlsx: one row per event or request, its place, reporter,
handling, escalation and the district's last word, result and callback; at a district with a
社区 column. Phones are whole or masked as app.accounts.masking says for a ledger."""

from __future__ import annotations

import os
from collections.abc import Collection
from datetime import date

import sqlite_utils

from app import incidents
from app.accounts import audited, masking, require
from app.errors import FormError
from app.ledger.exporter import _subtitle, with_community_column
from app.ledger.xlsx import Cancelled, ExportColumn, Progress, write_ledger
from db import incidents as q

_DISTRICT_WORDS = incidents.REPLY_LABELS


def _district_last(r: dict) -> str:
    if not r["district_last"]:
        return ""
    action, department, at = r["district_last"].split("|", 2)
    return " ".join(p for p in (incidents.shown_time(at), _DISTRICT_WORDS.get(action, action),
                                department) if p)


COLUMNS = [
    ExportColumn("序号", lambda r: r["_n"], "number"),
    ExportColumn("类别", lambda r: incidents.CATEGORY_LABELS.get(r["category"], "")),
    ExportColumn("事件类型", lambda r: r["kind"]),
    ExportColumn("紧急程度", lambda r: incidents.URGENCY_LABELS.get(r["urgency"], "")),
    ExportColumn("登记时间", lambda r: incidents.shown_time(r["reported_at"]), width=17),
    ExportColumn("地点", lambda r: r["place"], width=26),
    ExportColumn("事件内容", lambda r: r["description"], "wrap", width=36),
    ExportColumn("报告人类型", lambda r: incidents.REPORTER_LABELS.get(r["reporter_kind"], "")),
    ExportColumn("报告人", lambda r: r["reporter_name"]),
    ExportColumn("报告人电话", lambda r: r["reporter_phone"], "code", width=15),
    ExportColumn("来源", lambda r: r["source"]),
    ExportColumn("处理人", lambda r: r["assignee"]),
    ExportColumn("办理期限", lambda r: incidents.shown_time(r["due_at"]), width=17),
    ExportColumn("状态", lambda r: incidents.state_label(r)),
    ExportColumn("是否超期", lambda r: "超期" if r["_overdue"] else ""),
    ExportColumn("上报时间", lambda r: incidents.shown_time(r["escalated_at"]), width=17),
    ExportColumn("上报理由", lambda r: r["escalate_reason"], "wrap", width=24),
    ExportColumn("区里处理", lambda r: _district_last(r), width=24),
    ExportColumn("办结时间", lambda r: incidents.shown_time(r["resolved_at"]), width=17),
    ExportColumn("办理结果", lambda r: r["result"], "wrap", width=28),
    ExportColumn("回访满意度", lambda r: incidents.SATISFACTION_LABELS.get(
        r["satisfaction"] or "", "")),
]


def parse_since(text: str | None) -> str | None:
    """--since YYYY-MM-DD as the start of that day; a FormError names the field."""
    if not text:
        return None
    try:
        return date.fromisoformat(text.strip()).isoformat() + "T00:00:00"
    except ValueError:
        raise FormError({"since": f"--since 的日期“{text}”不对，应写成 2026-12-01。"}) from None


@audited("export")
def export_events(db: sqlite_utils.Database, path: str | os.PathLike[str], *,
                  since: str | None = None, communities: Collection[str] | None = None,
                  progress: Progress | None = None, cancelled: Cancelled | None = None,
                  today: date | None = None) -> int:
    """Write every event reported since `since` (an ISO time; None: all), newest first, of
    the `communities` given at a district (None: all); returns the number of rows."""
    session = require(db, "ledger.export")
    require(db, "incidents.view")
    ids = q.list_ids(db, since=since, community_ids=communities)
    now = incidents.now_text()

    def rows():
        for n, r in enumerate(q.export_rows(db, ids), 1):
            r["_n"] = n
            r["_overdue"] = incidents.is_overdue(r, now)
            yield r

    when = f"（{since[:10]}起）" if since else ""
    name, subtitle = _subtitle(db, f"共 {len(ids)} 条{when}", today or date.today(),
                               communities)
    columns = masking.masked_columns(session, with_community_column(db, COLUMNS),
                                     masking.LEDGER)
    return write_ledger(path, f"{name}事件和诉求台账", subtitle, columns, rows(),
                        total=len(ids), sheet_name="事件台账", progress=progress,
                        cancelled=cancelled)
