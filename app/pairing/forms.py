"""Printed forms of 党员联户: the building's pairing notice board (楼栋党员联系户公示, door → member
and phone, one page per building) and the members' contact cards (several per A4, with
cutting guides). Data is gathered into plain values first, then drawn."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

import sqlite_utils
from reportlab.lib.units import mm

from app import pairing
from app.accounts import audited, require
from app.database import community_info
from app.documents.fonts import FontSet
from app.documents.page import (
    GUIDE,
    MARGIN_LEFT,
    PAGE_H,
    PAGE_W,
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
from db import registry as rq

UNPAIRED_LABEL = "待安排"
NOTICE_TITLE = "楼栋党员联系户公示"
NOTICE_INTRO = ("为密切党群联系、做好为民服务，本楼每户都有一名联系党员。家中有困难、有诉求，"
                "或收到社区通知有疑问，请直接联系您家的联系党员；联系党员有变动的，以社区最新"
                "公示为准。")


# --- what the notice board says ---------------------------------------------------------------

@dataclass(frozen=True)
class BoardRow:
    """One member's doors in one unit (runs of neighbouring doors read 501至702)."""

    unit: str
    doors: str
    member_name: str
    member_phone: str


@dataclass(frozen=True)
class NoticeBoard:
    building_id: str
    compound: str
    building: str
    rows: list[BoardRow]
    households: int
    unpaired: int
    contacts: list[tuple[str, str, str]] = field(default_factory=list)  # (role, name, phone)


def door_runs(doors: Sequence[str]) -> str:
    """501 / 501、502 / 501至702 (three or more neighbouring households)."""
    if len(doors) >= 3:
        return f"{doors[0]}至{doors[-1]}"
    return "、".join(doors)


def _live_buildings(db: sqlite_utils.Database, building_ids: Sequence[str]) -> list[dict]:
    found = []
    for building_id in building_ids:
        building = rq.get(db, "buildings", building_id)
        if building is None or building["deleted"]:
            raise FormError({"building": f"找不到楼栋“{building_id}”，或它已被删除。"
                                         "请用 griddesk 查看楼栋后重试。"})
        found.append(building)
    return found


def notice_boards(db: sqlite_utils.Database, building_ids: Sequence[str]) -> list[NoticeBoard]:
    """The notice board of each building: its doors grouped by unit and member."""
    boards = []
    staff = {s["id"]: s for s in rq.staff(db)}
    for building in _live_buildings(db, building_ids):
        households = pairing.households_with_members(db, "building", building["id"])
        # Runs of neighbouring households (address order) with the same member, per unit.
        runs: list[tuple[str, str | None, list[str]]] = []
        for h in households:
            if runs and runs[-1][0] == h["unit"] and runs[-1][1] == h["member_id"]:
                runs[-1][2].append(h["door_number"])
            else:
                runs.append((h["unit"], h["member_id"], [h["door_number"]]))
        members = {h["member_id"]: (h["member_name"], h["member_phone"]) for h in households
                   if h["member_id"]}
        grouped: dict[tuple[str, str | None], list[str]] = {}
        for unit, member_id, doors in runs:
            grouped.setdefault((unit, member_id), []).append(door_runs(doors))
        rows = []
        for (unit, member_id), parts in grouped.items():
            name, phone = members.get(member_id, (UNPAIRED_LABEL, ""))
            rows.append(BoardRow(unit, "、".join(parts), name, phone or ""))
        compound = rq.get(db, "compounds", building["compound_id"])
        contacts = []
        chief = staff.get(building["chief_id"]) if building["chief_id"] else None
        if chief:
            contacts.append(("楼栋长", chief["name"], chief["phone"] or ""))
        for s in staff.values():
            if s["org_unit_id"] == compound["grid_id"] and s["role"] == "grid_worker":
                contacts.append(("网格员", s["name"], s["phone"] or ""))
                break
        boards.append(NoticeBoard(building["id"], compound["name"], building["name"], rows,
                                  len(households),
                                  sum(1 for h in households if not h["member_id"]), contacts))
    return boards


# --- drawing the notice board -----------------------------------------------------------------

COLUMNS = (("单元", 18 * mm), ("联系户（门牌号）", 74 * mm), ("联系党员", 26 * mm),
           ("联系电话", 38 * mm))
FOOTER_H = 24 * mm


@dataclass(frozen=True)
class TableStyle:
    size: float          # points
    line_h: float        # one line of a cell
    pad: float           # above and below a cell's lines

    @property
    def header_h(self) -> float:
        return self.line_h + 2 * self.pad + 1 * mm


# 小四 when the building fits on one page so; a tall tower is set smaller (五号, then 9 pt)
# rather than run onto a second page; only a giant one continues (续).
TABLE_STYLES = (TableStyle(SIZE_SMALL_4, 6 * mm, 1.6 * mm), TableStyle(SIZE_5, 5 * mm, 1.1 * mm),
                TableStyle(9, 4.2 * mm, 0.7 * mm))


def _cell_lines(p: Pen, row: BoardRow, style: TableStyle) -> list[list[str]]:
    widths = [w - 2 * style.pad - 1 * mm for _, w in COLUMNS]
    values = (row.unit, row.doors, row.member_name, row.member_phone)
    return [p.lines(v, w, style.size) for v, w in zip(values, widths, strict=True)]


def _row_height(lines: list[list[str]], style: TableStyle) -> float:
    return max(len(col) for col in lines) * style.line_h + 2 * style.pad


def _draw_header(p: Pen, y: float, style: TableStyle) -> float:
    c = p.canvas
    c.setFillGray(0.9)
    c.rect(MARGIN_LEFT, y - style.header_h, TYPE_W, style.header_h, stroke=0, fill=1)
    c.setFillGray(0)
    x = MARGIN_LEFT
    baseline = y - style.header_h / 2 - style.size * 0.35
    for title, width in COLUMNS:
        p.text(x + width / 2, baseline, title, style.size, align="center", bold=True)
        x += width
    return y - style.header_h


def _draw_page_top(p: Pen, board: NoticeBoard, continued: bool) -> float:
    centre = MARGIN_LEFT + TYPE_W / 2
    y = TYPE_TOP - SIZE_2
    p.text(centre, y, NOTICE_TITLE + ("（续）" if continued else ""), SIZE_2, role="title",
           align="center")
    y -= 12 * mm
    p.text(centre, y, f"{board.compound} {board.building}", SIZE_3, align="center")
    y -= 11 * mm
    if not continued:
        leading = 7 * mm
        y = p.paragraph(MARGIN_LEFT, y, NOTICE_INTRO, TYPE_W, SIZE_SMALL_4, leading=leading,
                        indent=True, align="justify")
        y += leading - 5 * mm      # the table starts 5 mm under the last line
    return y


def _draw_footer(p: Pen, board: NoticeBoard, community: str, day: date) -> None:
    y = TYPE_BOTTOM + FOOTER_H - 8 * mm
    for role, name, phone in board.contacts:
        p.text(MARGIN_LEFT, y, f"{role}：{name}　电话：{phone}", SIZE_SMALL_4)
        y -= 7 * mm
    # The issuing body and the date where the seal goes: the date four characters in from
    # the right, the name centred over it.
    draw_seal_block(p, f"{community}党委（盖章）", cn_date(day), SIZE_3, MARGIN_LEFT + TYPE_W,
                    TYPE_BOTTOM + FOOTER_H - 8 * mm, 8 * mm)


def _pick_style(p: Pen, board: NoticeBoard, room: float) -> TableStyle:
    """The largest table style at which the whole board fits the first page."""
    for style in TABLE_STYLES:
        height = style.header_h + sum(_row_height(_cell_lines(p, r, style), style)
                                      for r in board.rows)
        if height <= room:
            return style
    return TABLE_STYLES[-1]


def _draw_board(p: Pen, board: NoticeBoard, community: str, day: date) -> None:
    c = p.canvas
    limit = TYPE_BOTTOM + FOOTER_H
    y = _draw_page_top(p, board, continued=False)
    style = _pick_style(p, board, y - limit)
    y = _draw_header(p, y, style)
    table_top = y + style.header_h
    previous_unit = None
    if not board.rows:
        p.text(MARGIN_LEFT + TYPE_W / 2, y - 8 * mm, "本楼暂无登记住户。", style.size,
               align="center")
        y -= 12 * mm
    for row in board.rows:
        lines = _cell_lines(p, row, style)
        height = _row_height(lines, style)
        if y - height < limit:
            _draw_grid(p, table_top, y)
            _draw_footer(p, board, community, day)
            c.showPage()
            y = _draw_header(p, _draw_page_top(p, board, continued=True), style)
            table_top = y + style.header_h
            previous_unit = None
        same_unit = row.unit == previous_unit
        # Row rule: across the whole table between units, beside the unit column within one.
        c.setLineWidth(0.6)
        start = MARGIN_LEFT + (COLUMNS[0][1] if same_unit else 0)
        c.line(start, y, MARGIN_LEFT + TYPE_W, y)
        x = MARGIN_LEFT
        for i, ((_, width), col) in enumerate(zip(COLUMNS, lines, strict=True)):
            if i == 0 and same_unit:
                x += width
                continue
            top = y - style.pad - (height - 2 * style.pad - len(col) * style.line_h) / 2
            for k, line in enumerate(col):
                baseline = top - (k + 1) * style.line_h + (style.line_h - style.size * 0.7) / 2
                if i == 1:
                    p.text(x + style.pad + 0.5 * mm, baseline, line, style.size)
                else:
                    p.text(x + width / 2, baseline, line, style.size, align="center")
            x += width
        previous_unit = row.unit
        y -= height
    _draw_grid(p, table_top, y)
    _draw_footer(p, board, community, day)
    c.showPage()


def _draw_grid(p: Pen, top: float, bottom: float) -> None:
    c = p.canvas
    c.setLineWidth(0.8)
    c.rect(MARGIN_LEFT, bottom, TYPE_W, top - bottom, stroke=1, fill=0)
    c.setLineWidth(0.6)
    x = MARGIN_LEFT
    for _, width in COLUMNS[:-1]:
        x += width
        c.line(x, top, x, bottom)


def render_notice_boards(boards: Sequence[NoticeBoard], community: str, day: date,
                         fonts: FontSet | None = None) -> bytes:
    """A4 PDF: one page per building (a very tall tower continues on a second page)."""
    c, buffer = new_canvas(f"{NOTICE_TITLE}（{community}）", "党员联户")
    p = pen(c, fonts)
    for board in boards:
        _draw_board(p, board, community, day)
    if not boards:
        c.showPage()
    c.save()
    return buffer.getvalue()


@audited("print")
def notice_board_pdf(db: sqlite_utils.Database, building_ids: Sequence[str],
                     day: date | None = None) -> bytes:
    """The notice boards of the given buildings as one PDF."""
    require(db, "print")
    info = community_info(db)
    boards = notice_boards(db, building_ids)
    return render_notice_boards(boards, info.name if info else "", day or date.today())


# --- contact cards ----------------------------------------------------------------------------

@dataclass(frozen=True)
class ContactCard:
    address: str
    member_name: str
    member_phone: str
    member_branch: str


CARD_W, CARD_H = 85 * mm, 54 * mm      # a business card
CARDS_ACROSS, CARDS_DOWN = 2, 5
CARD_LEFT = (PAGE_W - CARDS_ACROSS * CARD_W) / 2
CARD_TOP = PAGE_H - (PAGE_H - CARDS_DOWN * CARD_H) / 2
CARD_PAD = 4.5 * mm


def contact_cards(db: sqlite_utils.Database, building_ids: Sequence[str]) -> list[ContactCard]:
    """A card for every paired household of the buildings, in address order."""
    cards = []
    for building in _live_buildings(db, building_ids):
        for h in pairing.households_with_members(db, "building", building["id"]):
            if h["member_id"]:
                cards.append(ContactCard(h["address"], h["member_name"], h["member_phone"] or "",
                                         h["member_branch"] or ""))
    return cards


def _draw_guides(p: Pen, rows: int) -> None:
    """Dashed cutting lines along every card edge, with crop marks in the page margin."""
    c = p.canvas
    c.saveState()
    c.setStrokeColorRGB(*GUIDE)
    c.setLineWidth(0.4)
    left, right = CARD_LEFT, CARD_LEFT + CARDS_ACROSS * CARD_W
    top, bottom = CARD_TOP, CARD_TOP - rows * CARD_H
    c.setDash(3, 2)
    for i in range(rows + 1):
        y = top - i * CARD_H
        c.line(left, y, right, y)
    for j in range(CARDS_ACROSS + 1):
        x = left + j * CARD_W
        c.line(x, top, x, bottom)
    c.setDash()
    for i in range(rows + 1):          # crop marks: where the cutter's blade goes
        y = top - i * CARD_H
        c.line(left - 8 * mm, y, left - 2 * mm, y)
        c.line(right + 2 * mm, y, right + 8 * mm, y)
    for j in range(CARDS_ACROSS + 1):
        x = left + j * CARD_W
        c.line(x, top + 2 * mm, x, min(top + 8 * mm, PAGE_H - 1 * mm))
        c.line(x, bottom - 2 * mm, x, max(bottom - 8 * mm, 1 * mm))
    c.restoreState()


def _draw_card(p: Pen, card: ContactCard, x: float, top: float, community: str) -> None:
    c = p.canvas
    inner = CARD_W - 2 * CARD_PAD
    left = x + CARD_PAD
    y = top - CARD_PAD - 14
    p.text(left, y, "党员联系卡", 14, role="title")
    size = p.fit(community, inner - p.width("党员联系卡", 14, "title") - 3 * mm, SIZE_5, 7)
    p.text(x + CARD_W - CARD_PAD, y + 1, community, size, align="right")
    c.setLineWidth(0.8)
    c.line(left, y - 2.5 * mm, x + CARD_W - CARD_PAD, y - 2.5 * mm)
    y -= 9 * mm
    label = "住户："
    size = p.fit(label + card.address, inner, SIZE_5, 7)
    p.text(left, y, label + card.address, size)
    y -= 10.5 * mm
    p.text(left, y, "联系党员", SIZE_5)
    name_x = left + p.width("联系党员", SIZE_5) + 3 * mm
    p.text(name_x, y, card.member_name, p.fit(card.member_name, inner * 0.6, 20, 12), bold=True)
    y -= 8 * mm
    p.text(left, y, f"电话：{card.member_phone}", 14)
    y -= 7 * mm
    if card.member_branch:
        branch = f"所在支部：{card.member_branch}"
        p.text(left, y, branch, p.fit(branch, inner, SIZE_5, 7))
    p.text(x + CARD_W / 2, top - CARD_H + 3.5 * mm, "有事请找我，我是您家的联系党员。", 9,
           align="center")


def render_contact_cards(cards: Sequence[ContactCard], community: str,
                         fonts: FontSet | None = None) -> bytes:
    """A4 PDF of business-card-size cards, ten a page, with cutting guides."""
    c, buffer = new_canvas(f"党员联系卡（{community}）", "党员联户")
    p = pen(c, fonts)
    per_page = CARDS_ACROSS * CARDS_DOWN
    for start in range(0, max(len(cards), 1), per_page):
        page = cards[start:start + per_page]
        rows = max(1, -(-len(page) // CARDS_ACROSS))
        _draw_guides(p, rows)
        for i, card in enumerate(page):
            row, col = divmod(i, CARDS_ACROSS)
            _draw_card(p, card, CARD_LEFT + col * CARD_W, CARD_TOP - row * CARD_H, community)
        c.showPage()
    c.save()
    return buffer.getvalue()


@audited("print")
def contact_cards_pdf(db: sqlite_utils.Database, building_ids: Sequence[str]) -> bytes:
    require(db, "print")
    info = community_info(db)
    cards = contact_cards(db, building_ids)
    if not cards:
        raise FormError({"building": "所选楼栋还没有已安排联系党员的住户，没有可打印的联系卡。"})
    return render_contact_cards(cards, info.name if info else "")
