"""The monthly bulletin (通报) of inspections and supervision: how many inspections were done,
problems found, corrected (closed by a re-inspection) and overdue (open past their deadline
at the month's end, or today for the current month), by community at a district and by
place (subject) at a community, with the overdue problems listed; A4, GB/T 9704 margins,
the issuer and date where the seal goes."""

from __future__ import annotations

import calendar
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import sqlite_utils
from reportlab.lib.units import mm

from app import community_scope
from app.accounts import audited, require
from app.database import community_info
from app.documents.page import (
    MARGIN_LEFT,
    SIZE_2,
    SIZE_3,
    SIZE_5,
    SIZE_SMALL_4,
    TYPE_BOTTOM,
    TYPE_TOP,
    TYPE_W,
    Pen,
    cn_date,
    new_canvas,
    pen,
)
from app.documents.seal import draw_seal_block
from app.errors import FormError
from db import inspections as q


@dataclass
class Line:
    name: str
    inspections: int = 0
    found: int = 0
    corrected: int = 0
    overdue: int = 0


@dataclass
class Bulletin:
    month: str                        # YYYY-MM
    as_of: str                        # the day "overdue" is counted at
    total: Line
    lines: list[Line] = field(default_factory=list)
    overdue: list[dict[str, Any]] = field(default_factory=list)
    by_community: bool = False


def parse_month(text: str) -> tuple[date, date]:
    try:
        year, month = (int(x) for x in (text or "").strip().split("-"))
        first = date(year, month, 1)
    except ValueError:
        raise FormError({"month": f"月份“{text}”不对，应写成 2026-12 这样的年-月。"}) from None
    return first, date(year, month, calendar.monthrange(year, month)[1])


def figures(db: sqlite_utils.Database, month: str,
            communities: Collection[str] | None = None, today: date | None = None
            ) -> Bulletin:
    """The month's counts (rechecks are not counted as inspections: they close problems)."""
    first, last = parse_month(month)
    today = today or date.today()
    if first > today:
        raise FormError({"month": f"{first:%Y年%m月}还没到，没有可以通报的检查。"})
    as_of = min(last, today).isoformat()
    district = community_scope.is_district(db)
    if not district:
        from app.inspections import own_id
        communities = {own_id(db)}
    names = community_scope.names(db) if district else {}
    done, problems = q.month_rows(db, first.isoformat(), last.isoformat(), communities)
    start, end = first.isoformat(), last.isoformat()

    def group(r: dict[str, Any]) -> str:
        if not district:
            return r["subject_name"]
        cid = r["subject_id"] if r["subject_kind"] == "community" else r["community_id"]
        return names.get(cid, "（未知社区）")

    lines: dict[str, Line] = {}
    total = Line("合计")
    for r in done:
        if r["purpose"] == "recheck":
            continue
        line = lines.setdefault(group(r), Line(group(r)))
        line.inspections += 1
        total.inspections += 1
    overdue = []
    for p in problems:
        line = lines.setdefault(group(p), Line(group(p)))
        if start <= p["inspected_on"] <= end:
            line.found += 1
            total.found += 1
        if p["closed_on"] and start <= p["closed_on"] <= end:
            line.corrected += 1
            total.corrected += 1
        if p["inspected_on"] <= as_of and p["due_on"] < as_of and (
                not p["closed_on"] or p["closed_on"] > as_of):
            line.overdue += 1
            total.overdue += 1
            overdue.append({**p, "group": group(p)})
    ordered = sorted(lines.values(), key=lambda x: (-x.overdue, -x.found, x.name))
    return Bulletin(month, as_of, total, ordered, overdue, district)


HEAD = (("名称", 0.40), ("检查", 0.15), ("发现问题", 0.15), ("已整改", 0.15), ("逾期未改", 0.15))


def _row(p: Pen, y: float, cells: list[str], *, head: bool = False, red: bool = False) -> float:
    c = p.canvas
    h = 8 * mm
    if head:
        c.setFillGray(0.9)
        c.rect(MARGIN_LEFT, y - h, TYPE_W, h, stroke=0, fill=1)
        c.setFillGray(0)
    c.rect(MARGIN_LEFT, y - h, TYPE_W, h, stroke=1, fill=0)
    x = MARGIN_LEFT
    for (_, share), text in zip(HEAD, cells, strict=True):
        w = TYPE_W * share
        size = p.fit(text, w - 3 * mm, SIZE_SMALL_4, 8)
        if red and text != "0" and x > MARGIN_LEFT + TYPE_W * 0.8:
            c.setFillColorRGB(0.72, 0.11, 0.11)
        p.text(x + w / 2, y - h / 2 - size * 0.35, text, size, align="center", bold=head)
        c.setFillGray(0)
        x += w
    return y - h


@audited("print")
def bulletin_pdf(db: sqlite_utils.Database, month: str,
                 communities: Collection[str] | None = None, today: date | None = None
                 ) -> bytes:
    # A district's accounts do not print forms; the bulletin is their export of figures.
    require(db, "ledger.export" if community_scope.is_district(db) else "print")
    b = figures(db, month, communities, today)
    info = community_info(db)
    issuer = (info.name if info else "") + ("" if b.by_community else "居民委员会")
    first, _ = parse_month(month)
    title = f"关于{first.year}年{first.month}月检查和督查情况的通报"
    canvas, buffer = new_canvas(title, "检查和督查情况通报")
    p = pen(canvas)
    centre = MARGIN_LEFT + TYPE_W / 2
    y = TYPE_TOP - SIZE_2
    for line in p.lines(title, TYPE_W, SIZE_2, "title"):
        p.text(centre, y, line, SIZE_2, role="title", align="center")
        y -= SIZE_2 * 1.6
    y -= 4 * mm
    t = b.total
    text = (f"{first.year}年{first.month}月，共开展检查 {t.inspections} 次，发现问题 {t.found} "
            f"个，整改销号 {t.corrected} 个；截至{cn_date(date.fromisoformat(b.as_of))}，逾期"
            f"未整改的问题 {t.overdue} 个。各{'社区' if b.by_community else '场所'}情况如下：")
    y = p.paragraph(MARGIN_LEFT, y, text, TYPE_W, SIZE_3, leading=8 * mm, indent=True,
                    align="justify")
    y += 2 * mm
    y = _row(p, y, [h for h, _ in HEAD], head=True)
    for line in [*b.lines, t]:
        if y < TYPE_BOTTOM + 20 * mm:
            canvas.showPage()
            y = _row(p, TYPE_TOP, [h for h, _ in HEAD], head=True)
        y = _row(p, y, [line.name, str(line.inspections), str(line.found), str(line.corrected),
                        str(line.overdue)], red=line.overdue > 0)
    y -= 8 * mm
    if b.overdue:
        p.text(MARGIN_LEFT, y, "逾期未整改的问题：", SIZE_3, bold=True)
        y -= 8 * mm
        for n, o in enumerate(b.overdue, 1):
            where = (o["subject_name"] if o["group"] == o["subject_name"]
                     else f"{o['group']}　{o['subject_name']}")
            entry = (f"{n}. {where}：{o['description']}（整改期限 "
                     f"{o['due_on']}，责任人 {o['responsible']}）")
            for line in p.lines(entry, TYPE_W, SIZE_SMALL_4):
                if y < TYPE_BOTTOM + 10 * mm:
                    canvas.showPage()
                    y = TYPE_TOP
                p.text(MARGIN_LEFT, y, line, SIZE_SMALL_4)
                y -= 6.5 * mm
        y -= 4 * mm
    closing = "请有逾期问题的单位抓紧整改，整改完成后及时报请复查销号。"
    # The closing words go with the seal: a seal never stands alone on a page (GB/T 9704).
    need = len(p.lines("\u3000\u3000" + closing, TYPE_W, SIZE_3)) * 8 * mm + 21 * mm
    if y - need < TYPE_BOTTOM:
        canvas.showPage()
        y = TYPE_TOP - SIZE_3
    y = p.paragraph(MARGIN_LEFT, y, closing, TYPE_W, SIZE_3, leading=8 * mm, indent=True,
                    align="justify")
    seal_y = y - 12 * mm                 # the issuer; the date 9 mm under it
    draw_seal_block(p, issuer, cn_date(date.fromisoformat(b.as_of)), SIZE_3,
                    MARGIN_LEFT + TYPE_W, seal_y, 9 * mm)
    p.text(MARGIN_LEFT, TYPE_BOTTOM - 6 * mm, f"（{month} 通报，生成于 {date.today()}）", SIZE_5)
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()
