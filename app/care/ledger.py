"""The care-visit ledgers as .xlsx (走访台账; 需求台账 with a second sheet of the counts by kind
per month): one row per visit or need, at a district with a 社区 column, written through
app.ledger.xlsx."""

from __future__ import annotations

import os
from collections.abc import Collection
from datetime import date

import sqlite_utils

from app import care
from app.accounts import audited, grid_scope, require
from app.database import community_info
from app.errors import FormError
from app.ledger.exporter import with_community_column
from app.ledger.xlsx import ExportColumn, write_ledger
from db import care as q

VISIT_COLUMNS = [
    ExportColumn("序号", lambda r: r["_n"], "number", 6),
    ExportColumn("走访日期", lambda r: r["visited_on"], "date"),
    ExportColumn("姓名", lambda r: r["name"]),
    ExportColumn("住址", lambda r: r["address"], width=28),
    ExportColumn("走访方式", lambda r: care.METHOD_LABELS.get(r["method"], r["method"])),
    ExportColumn("走访人", lambda r: visitor_cell(r)),
    ExportColumn("状况", lambda r: care.WELLBEING_LABELS.get(r["wellbeing"] or "", "")),
    ExportColumn("发现需求", lambda r: "、".join(care.NEED_LABELS.get(n, n)
                                             for n in (r["needs"] or "").split())),
    ExportColumn("计入党员联户", lambda r: "是" if r["contact_id"] else ""),
    ExportColumn("备注", lambda r: r["note"], "wrap", 30),
]

NEED_COLUMNS = [
    ExportColumn("序号", lambda r: r["_n"], "number", 6),
    ExportColumn("发现日期", lambda r: r["found_on"], "date"),
    ExportColumn("姓名", lambda r: r["name"]),
    ExportColumn("住址", lambda r: r["address"], width=28),
    ExportColumn("需求类别", lambda r: care.NEED_LABELS.get(r["kind"], r["kind"])),
    ExportColumn("办理情况", lambda r: care.NEED_STATUS_LABELS.get(r["status"], r["status"])),
    ExportColumn("转介单位", lambda r: r["referred_to"]),
    ExportColumn("转介日期", lambda r: r["referred_on"], "date"),
    ExportColumn("办理结果", lambda r: r["outcome"] or care.request_text(r), "wrap", 24),
    ExportColumn("办结日期", lambda r: r["outcome_on"], "date"),
    ExportColumn("说明", lambda r: r["note"], "wrap", 24),
]


def visitor_cell(r: dict) -> str:
    """"网格员 曾倩": who visited by name (the member, the name typed, else who recorded it)."""
    name = r["member_name"] or r["visitor_name"] or r["recorded_by"] or ""
    return f"{care.VISITOR_LABELS.get(r['visitor'], '')} {name}".strip()


def parse_since(text: str | None) -> date | None:
    """--since YYYY-MM-DD, or a FormError naming the option."""
    if not text:
        return None
    try:
        return date.fromisoformat(text.strip())
    except ValueError as exc:
        raise FormError({"since": f"--since 要写成 年-月-日，例如 2026-11-01（收到的是“{text}”）。"}
                        ) from exc


def _numbered(rows: list[dict]) -> list[dict]:
    for i, r in enumerate(rows, 1):
        r["_n"] = i
    return rows


def _title(db: sqlite_utils.Database, what: str, since: date | None, today: date,
           total: int) -> tuple[str, str]:
    info = community_info(db)
    name = info.name if info else ""
    span = f"{since:%Y年%m月%d日}以来" if since else "全部"
    return f"{name}{what}", f"{span}　导出日期：{today:%Y年%m月%d日}　共 {total} 条"


@audited("export")
def export_visits(db: sqlite_utils.Database, path: str | os.PathLike[str], *,
                  since: date | None = None, communities: Collection[str] | None = None,
                  today: date | None = None) -> int:
    """Every care visit since `since` (newest first); returns the number of rows."""
    require(db, "ledger.export")
    today = today or date.today()
    rows = _numbered(q.visits_since(db, since.isoformat() if since else None, communities,
                                    grid_scope(db)))
    title, subtitle = _title(db, "关爱走访台账", since, today, len(rows))
    return write_ledger(path, title, subtitle, with_community_column(db, VISIT_COLUMNS), rows,
                        total=len(rows), sheet_name="走访台账")


@audited("export")
def export_needs(db: sqlite_utils.Database, path: str | os.PathLike[str], *,
                 since: date | None = None, communities: Collection[str] | None = None,
                 today: date | None = None) -> int:
    """Every need found since `since` with its referral and outcome; returns the rows."""
    require(db, "ledger.export")
    today = today or date.today()
    rows = _numbered(q.needs(db, since=since.isoformat() if since else None,
                             communities=communities, grid_ids=grid_scope(db), limit=1_000_000))
    title, subtitle = _title(db, "走访发现需求台账", since, today, len(rows))
    written = write_ledger(path, title, subtitle, with_community_column(db, NEED_COLUMNS),
                           rows, total=len(rows), sheet_name="需求台账")
    _add_month_counts(db, path, since, today, communities)
    return written


def _add_month_counts(db: sqlite_utils.Database, path: str | os.PathLike[str],
                      since: date | None, today: date,
                      communities: Collection[str] | None) -> None:
    """A second sheet, 各月需求统计: needs found per month by kind (what the street's report
    asks for), from `since`'s month (six months without it, at most 24) to this one."""
    from openpyxl import load_workbook
    from openpyxl.styles import Font

    months = 6
    if since is not None:
        months = min(24, max(1, (today.year - since.year) * 12 + today.month - since.month + 1))
    counts = care.need_counts(db, months, today, communities)
    book = load_workbook(path)
    sheet = book.create_sheet("各月需求统计")
    sheet.append(["月份", *care.NEED_LABELS.values(), "合计"])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for month, by_kind in counts.items():
        sheet.append([month, *(by_kind[k] for k in care.NEED_LABELS), sum(by_kind.values())])
    sheet.column_dimensions["A"].width = 10
    tmp = f"{os.fspath(path)}.part"
    book.save(tmp)
    os.replace(tmp, path)      # the finished file or the one before, never half of one
