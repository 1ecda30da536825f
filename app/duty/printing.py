"""Printed duty documents: each grid's 三人小组公示 for the compound gate (one A4 page a grid,
names and work phones large enough to read from a step away), the office's phone list of every
grid's trio, the week's duty roster (值班表) and a task force's phone list. ReportLab through
app/documents (fonts embedded, A4); the seal block as the other notices set it."""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from datetime import date, timedelta

import sqlite_utils
from reportlab.lib.units import mm

from app import accounts, community_scope, duty
from app.accounts import audited, masking, require
from app.database import community_info
from app.documents.page import (
    MARGIN_LEFT,
    SIZE_2,
    SIZE_3,
    SIZE_4,
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

TRIO_TITLE = "三人小组公示"
TRIO_INTRO = ("本网格由网格员、社区民警、社区医生组成“三人小组”，负责居家隔离、健康监测、"
              "矛盾调解和困难帮扶。居民遇到疫情防控、治安、就医等问题，请直接拨打下列电话；"
              "人员有变动的，以社区最新公示为准。")
EMPTY_SEAT = "待明确"


def _community(db: sqlite_utils.Database) -> str:
    info = community_info(db)
    return info.name if info else ""


def _chosen(trios: list[duty.Trio], grid_ids: Sequence[str] | None) -> list[duty.Trio]:
    if not grid_ids:
        return trios
    by_key = {t.grid_id: t for t in trios} | {t.grid: t for t in trios}
    out = []
    for g in grid_ids:
        if g.strip() not in by_key:
            names = "、".join(t.grid for t in trios) or "（还没有网格）"
            raise FormError({"grid": f"找不到网格“{g}”。这里的网格有：{names}。"})
        out.append(by_key[g.strip()])
    return out


# --- a table that runs over pages ---------------------------------------------------------------

def draw_table(p: Pen, top: float, headers: Sequence[str], widths: Sequence[float],
               rows: Sequence[Sequence[str]], size: float, *,
               new_page: Callable[[], float]) -> float:
    """A ruled table from `top` down, its header repeated on every page (`new_page` draws a
    fresh page's top and returns where the table starts); returns the y under the table."""
    c = p.canvas
    pad, line_h = 1.4 * mm, size * 1.35
    bottom_limit = TYPE_BOTTOM + 10 * mm

    def header(y: float) -> float:
        h = line_h + 2 * pad
        c.setFillGray(0.9)
        c.rect(MARGIN_LEFT, y - h, sum(widths), h, stroke=1, fill=1)
        c.setFillGray(0)
        x = MARGIN_LEFT
        for title, w in zip(headers, widths, strict=True):
            p.text(x + w / 2, y - pad - size, title, size, align="center", bold=True)
            c.line(x, y, x, y - h)
            x += w
        c.line(x, y, x, y - h)
        return y - h

    y = header(top)
    for row in rows:
        cells = [p.lines(str(v or ""), w - 2 * pad, size) or [""]
                 for v, w in zip(row, widths, strict=True)]
        h = max(len(cell) for cell in cells) * line_h + 2 * pad
        if y - h < bottom_limit:
            c.showPage()
            y = header(new_page())
        x = MARGIN_LEFT
        for cell, w in zip(cells, widths, strict=True):
            for k, line in enumerate(cell):
                p.text(x + pad, y - pad - size - k * line_h, line, size)
            c.line(x, y, x, y - h)
            x += w
        c.line(x, y, x, y - h)
        c.line(MARGIN_LEFT, y - h, x, y - h)
        y -= h
    return y


def _page_top(p: Pen, title: str, subtitle: str) -> float:
    centre = MARGIN_LEFT + TYPE_W / 2
    y = TYPE_TOP - SIZE_2
    p.text(centre, y, title, SIZE_2, role="title", align="center")
    y -= 10 * mm
    if subtitle:
        p.text(centre, y, subtitle, SIZE_SMALL_4, align="center")
        y -= 8 * mm
    return y


# --- the trio --------------------------------------------------------------------------------

def _draw_trio_notice(p: Pen, trio: duty.Trio, community: str, day: date) -> None:
    """One grid's notice; `community` is the grid's own community (the one that posts it and
    whose seal goes on it), also when the district prints it."""
    centre = MARGIN_LEFT + TYPE_W / 2
    y = TYPE_TOP - SIZE_2
    p.text(centre, y, TRIO_TITLE, SIZE_2, role="title", align="center")
    y -= 13 * mm
    p.text(centre, y, f"{community} {trio.grid}", SIZE_3, align="center")
    y -= 9 * mm
    if trio.compounds:
        for line in p.lines("服务范围：" + "、".join(trio.compounds), TYPE_W, SIZE_SMALL_4):
            p.text(centre, y, line, SIZE_SMALL_4, align="center")
            y -= 6.5 * mm
    y -= 4 * mm
    y = p.paragraph(MARGIN_LEFT, y, TRIO_INTRO, TYPE_W, SIZE_4, leading=8 * mm, indent=True,
                    align="justify") - 4 * mm
    c = p.canvas
    box_h = 30 * mm
    for role, person in trio.seats():
        c.setLineWidth(1)
        c.rect(MARGIN_LEFT, y - box_h, TYPE_W, box_h, stroke=1, fill=0)
        p.text(MARGIN_LEFT + 8 * mm, y - 12 * mm, role, SIZE_3, bold=True)
        p.text(MARGIN_LEFT + 50 * mm, y - 12 * mm, person.name if person else EMPTY_SEAT,
               SIZE_2)
        phone = (person.phone if person else "") or ""
        p.text(MARGIN_LEFT + 50 * mm, y - 24 * mm, f"电话：{phone}" if phone else "电话：—",
               SIZE_3)
        y -= box_h + 5 * mm
    draw_seal_block(p, f"{community}居民委员会（盖章）", cn_date(day), SIZE_3,
                    MARGIN_LEFT + TYPE_W, TYPE_BOTTOM + 14 * mm, 8 * mm)
    c.showPage()


def _phone_rows(trios: list[duty.Trio], names: dict[str, str] | None = None
                ) -> list[list[str]]:
    rows = []
    for t in trios:
        row = [f"{names.get(t.community_id, '')} {t.grid}".strip() if names else t.grid]
        for _, person in t.seats():
            row += [person.name if person else EMPTY_SEAT, person.phone if person else ""]
        rows.append(row)
    return rows


PHONE_HEADERS = ("网格", "网格员", "电话", "社区民警", "电话", "社区医生", "电话")
PHONE_WIDTHS = tuple(w * mm for w in (24, 19, 26, 19, 25, 18, 25))


def render_trio(trios: list[duty.Trio], community: str, day: date, *, notices: bool = True,
                phone_list: bool = True, names: dict[str, str] | None = None) -> bytes:
    """`community` names the document (at a district: the district); `names` (community id →
    name, at a district) names each notice's own community and each phone-list row's."""
    c, buffer = new_canvas(f"{TRIO_TITLE}（{community}）", "三人小组")
    p = pen(c)
    if notices:
        for trio in trios:
            own = names.get(trio.community_id, community) if names else community
            _draw_trio_notice(p, trio, own, day)
    if phone_list:
        title, sub = f"{community}网格三人小组通讯录", f"{cn_date(day)}　共{len(trios)}个网格"
        y = draw_table(p, _page_top(p, title, sub), PHONE_HEADERS, PHONE_WIDTHS,
                       _phone_rows(trios, names), SIZE_5,
                       new_page=lambda: _page_top(p, title + "（续）", ""))
        c.showPage()
        del y
    if not trios:
        c.showPage()
    c.save()
    return buffer.getvalue()


@audited("print")
def trio_pdf(db: sqlite_utils.Database, grid_ids: Sequence[str] | None = None, *,
             notices: bool = True, phone_list: bool = True, day: date | None = None,
             communities: Collection[str] | None = None) -> bytes:
    """The 三人小组公示 (a page a grid) and/or the office's phone list of every trio (at a
    district: of `communities`, each notice under its own community's name and seal). The
    phones are the staff's work phones, printed whole: posting them is the point."""
    require(db, "print")
    trios = _chosen(duty.trios(db, communities), grid_ids)
    names = community_scope.names(db) if community_scope.is_district(db) else None
    return render_trio(trios, _community(db), day or date.today(), notices=notices,
                       phone_list=phone_list, names=names)


# --- the roster --------------------------------------------------------------------------------

ROSTER_HEADERS = ("日期", "班次", "地点", "值班人", "电话", "备注")
ROSTER_WIDTHS = tuple(w * mm for w in (22, 22, 40, 18, 26, 28))
WEEKDAYS = "一二三四五六日"


def roster_rows(shifts: Sequence[duty.Shift], phone: Callable[[str], str]) -> list[list[str]]:
    rows = []
    for s in shifts:
        day = date.fromisoformat(s.on_date)
        note = "；".join(x for x in (("⚠" + s.clash) if s.clash else "",
                                     f"换班{s.swaps}次" if s.swaps else "", s.note) if x)
        rows.append([f"{day:%m-%d} 周{WEEKDAYS[day.weekday()]}", s.shift_label, s.place_label,
                     s.person_name, phone(s.phone), note])
    return rows


@audited("print")
def roster_pdf(db: sqlite_utils.Database, start: date, days: int = 7) -> bytes:
    """The duty roster of `days` days from `start` (the office's and every checkpoint's)."""
    require(db, "print")
    shifts = duty.roster(db, start, days)
    session = accounts.current(db)
    community = _community(db)
    end = start + timedelta(days=days - 1)
    title = f"{community}值班表"
    sub = f"{cn_date(start)}至{cn_date(end)}　共{len(shifts)}个班次"
    c, buffer = new_canvas(title, "值班表")
    p = pen(c)
    draw_table(p, _page_top(p, title, sub), ROSTER_HEADERS, ROSTER_WIDTHS,
               roster_rows(shifts, lambda v: masking.show(session, "phone", v, masking.LEDGER)),
               SIZE_5, new_page=lambda: _page_top(p, title + "（续）", ""))
    c.showPage()
    c.save()
    return buffer.getvalue()


@audited("print")
def volunteers_pdf(db: sqlite_utils.Database, task_force_id: str | None = None) -> bytes:
    """A task force's (or every volunteer's) phone list: name, phone, skills, hours."""
    require(db, "print")
    session = accounts.current(db)
    people = duty.volunteers(db, task_force_id)
    group = next((t["name"] for t in duty.task_forces(db) if t["id"] == task_force_id),
                 "专班和志愿者")
    title = f"{_community(db)}{group}通讯录"
    c, buffer = new_canvas(title, "专班志愿者")
    p = pen(c)
    rows = [[v["name"], masking.show(session, "phone", v["phone"], masking.LEDGER),
             v["task_force"] or "", v["skills"] or "", f"{v['hours']:g}"] for v in people]
    draw_table(p, _page_top(p, title, f"{cn_date(date.today())}　共{len(rows)}人"),
               ("姓名", "电话", "所在专班", "技能", "服务时长(时)"),
               tuple(w * mm for w in (24, 30, 38, 44, 20)), rows, SIZE_5,
               new_page=lambda: _page_top(p, title + "（续）", ""))
    c.showPage()
    c.save()
    return buffer.getvalue()
