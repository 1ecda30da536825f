"""The building's door grid as a PDF: the public variant for the building entrance (door
numbers, colours AND patterns that survive black-and-white printing, no names or ID numbers,
like the 楼口公示) and the private one with names for the grid worker. Printing is audited."""

from __future__ import annotations

from datetime import date

import sqlite_utils
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm

from app.accounts import record, require
from app.buildings import ASPECTS, BuildingView, Door, LegendItem, building_view
from app.database import community_info
from app.documents.page import SIZE_5, Pen, cn_date, new_canvas, pen

PAGE_W, PAGE_H = A4
MARGIN = 15 * mm
TITLE = "楼栋门户图"


def _tint(colour: str, amount: float = 0.55) -> tuple[float, float, float]:
    """The colour mixed with white, so a door number printed over it stays legible."""
    r, g, b = (int(colour[i:i + 2], 16) / 255 for i in (1, 3, 5))
    return (r + (1 - r) * amount, g + (1 - g) * amount, b + (1 - b) * amount)


def draw_swatch(p: Pen, x: float, y: float, w: float, h: float, item: LegendItem | None) -> None:
    """A cell's fill and its pattern in black lines (what a black-and-white copy keeps)."""
    c = p.canvas
    c.saveState()
    if item is not None and item.pattern != "blank":
        c.setFillColorRGB(*_tint(item.colour))
        c.rect(x, y, w, h, stroke=0, fill=1)
        path = c.beginPath()
        path.rect(x, y, w, h)
        c.clipPath(path, stroke=0, fill=0)
        c.setStrokeColorRGB(0, 0, 0)
        c.setLineWidth(0.5)
        step = 2.2 * mm
        n = int((w + h) / step) + 2
        if item.pattern in ("hatch", "cross"):
            for k in range(n):
                c.line(x + k * step - h, y, x + k * step, y + h)
        if item.pattern in ("back", "cross"):
            for k in range(n):
                c.line(x + k * step, y, x + k * step - h, y + h)
        if item.pattern == "dots":
            c.setFillColorRGB(0, 0, 0)
            for i in range(int(w / step) + 1):
                for j in range(int(h / step) + 1):
                    c.circle(x + i * step + step / 2, y + j * step + step / 2, 0.35 * mm,
                             stroke=0, fill=1)
        if item.pattern == "grid":
            for i in range(int(w / step) + 1):
                c.line(x + i * step, y, x + i * step, y + h)
            for j in range(int(h / step) + 1):
                c.line(x, y + j * step, x + w, y + j * step)
        if item.pattern == "wave":
            for j in range(int(h / step) + 1):
                c.line(x, y + j * step, x + w, y + j * step)
        if item.pattern == "solid":
            c.setLineWidth(2)
            c.rect(x + 1, y + 1, w - 2, h - 2, stroke=1, fill=0)
    c.restoreState()
    c.setStrokeColorRGB(0, 0, 0)
    c.setLineWidth(0.6)
    c.rect(x, y, w, h, stroke=1, fill=0)


def _door_text(door: Door, private: bool) -> list[str]:
    lines = [door.label + (f"（{len(door.households)}户）" if len(door.households) > 1 else "")]
    if private:
        names = [p["name"] for h in door.households for p in h.people]
        if names:
            lines.append("、".join(names[:2]) + (f"等{len(names)}人" if len(names) > 2 else ""))
        notes = [h.note for h in door.households if h.note]
        if notes:
            lines.append(notes[0])
    return lines


def render(view: BuildingView, community: str, day: date, private: bool) -> bytes:
    c, buffer = new_canvas(f"{TITLE}（{view.name}）", "楼栋门户图")
    p = pen(c)
    legend = {i.key: i for i in view.legend}
    top = PAGE_H - MARGIN
    p.text(PAGE_W / 2, top - 20, TITLE + ("（网格员用，含姓名，请妥善保管）" if private else ""),
           18, role="title", align="center")
    p.text(PAGE_W / 2, top - 40, f"{community}　{view.name}　按{ASPECTS[view.aspect]}　"
           f"共{view.households}户", SIZE_5 + 1, align="center")
    grid_top = top - 52
    # Room below for the legend and the odd doors.
    odd = [(u.name, d) for u in view.units for d in u.odd]
    shops = max((len(u.shops) for u in view.units), default=0)
    footer_h = 16 * mm + (len(view.legend) + 1) // 3 * 6 * mm + (8 * mm if odd else 0)
    columns = sum(max(1, len(u.positions)) for u in view.units)
    gaps = len(view.units) - 1
    label_w = 10 * mm
    width = PAGE_W - 2 * MARGIN - label_w - gaps * 3 * mm
    cell_w = min(28 * mm, width / max(1, columns))
    rows = len(view.floors) + (1 if shops else 0)
    cell_h = min(12 * mm if private else 9 * mm,
                 (grid_top - MARGIN - footer_h - 8 * mm) / max(1, rows))
    size = max(4.5, min(9.0, cell_h / mm * 2.2, cell_w / mm * 1.6))
    x0 = MARGIN + label_w
    # Unit names over their columns, floors down the left.
    for i, floor in enumerate(view.floors):
        y = grid_top - 8 * mm - (i + 1) * cell_h
        p.text(MARGIN + label_w - 2 * mm, y + cell_h / 2 - size / 3, f"{floor}层", size,
               align="right")
    if shops:
        y = grid_top - 8 * mm - (len(view.floors) + 1) * cell_h
        p.text(MARGIN + label_w - 2 * mm, y + cell_h / 2 - size / 3, "商铺", size, align="right")
    x = x0
    for unit in view.units:
        span = max(1, len(unit.positions)) * cell_w
        p.text(x + span / 2, grid_top - 5 * mm, unit.name, SIZE_5, align="center")
        for i, floor in enumerate(view.floors):
            y = grid_top - 8 * mm - (i + 1) * cell_h
            for j, pos in enumerate(unit.positions):
                door = unit.cells.get((floor, pos))
                cx = x + j * cell_w
                if door is None or not door.households:
                    draw_swatch(p, cx, y, cell_w, cell_h, None)
                    continue
                draw_swatch(p, cx, y, cell_w, cell_h, legend.get(door.key))
                _cell_text(p, cx, y, cell_w, cell_h, _door_text(door, private), size)
        for j, door in enumerate(unit.shops[:max(1, len(unit.positions))]):
            y = grid_top - 8 * mm - (len(view.floors) + 1) * cell_h
            cx = x + j * cell_w
            draw_swatch(p, cx, y, cell_w, cell_h, legend.get(door.key))
            _cell_text(p, cx, y, cell_w, cell_h, _door_text(door, private), size)
        x += span + 3 * mm
    # The legend with counts, three to a line.
    y = MARGIN + footer_h - 6 * mm
    p.text(MARGIN, y, "图例（空白格为无登记住户的门号）：", SIZE_5)
    y -= 6 * mm
    for k, item in enumerate(view.legend):
        lx = MARGIN + (k % 3) * 60 * mm
        if k and k % 3 == 0:
            y -= 6 * mm
        draw_swatch(p, lx, y - 1.5 * mm, 8 * mm, 4.5 * mm, item)
        p.text(lx + 10 * mm, y, f"{item.label}　{item.count}户", SIZE_5)
    extra = [f"{u.name}{d.label}" for u in view.units for d in u.shops[max(1, len(u.positions)):]]
    if odd or extra:
        y -= 8 * mm
        listed = [f"{name}{d.label}" + ("" if not private else
                                        "（" + "、".join(p_["name"] for h in d.households
                                                        for p_ in h.people) + "）")
                  for name, d in odd] + extra
        p.paragraph(MARGIN, y, "门牌号不规范、未排入上图的：" + "；".join(listed),
                    PAGE_W - 2 * MARGIN, SIZE_5, leading=5 * mm)
    p.text(PAGE_W - MARGIN, MARGIN - 5 * mm, f"{community}　{cn_date(day)}", SIZE_5,
           align="right")
    if not private:
        p.text(MARGIN, MARGIN - 5 * mm, "本图不含姓名和证件号码。", SIZE_5)
    c.showPage()
    c.save()
    return buffer.getvalue()


def _cell_text(p: Pen, x: float, y: float, w: float, h: float, lines: list[str],
               size: float) -> None:
    lead = size * 1.15
    start = y + h / 2 + (len(lines) - 1) * lead / 2 - size / 3
    for k, line in enumerate(lines):
        s = p.fit(line, w - 1.5 * mm, size if k == 0 else size * 0.85, 3.5)
        # The number on a white ground, so a hatch never crosses its strokes.
        tw = p.width(line, s)
        c = p.canvas
        c.saveState()
        c.setFillColorRGB(1, 1, 1)
        c.rect(x + w / 2 - tw / 2 - 0.5, start - k * lead - s * 0.2, tw + 1, s * 1.05,
               stroke=0, fill=1)
        c.restoreState()
        p.text(x + w / 2, start - k * lead, line, s, align="center")


def building_pdf(db: sqlite_utils.Database, building_id: str, *, aspect: str = "category",
                 private: bool = False, day: date | None = None) -> bytes:
    """The door grid of a building as an A4 PDF (public, or private with names); once it is
    printed or saved, call record_print."""
    require(db, "print")
    view = building_view(db, building_id, aspect, day)
    info = community_info(db)
    return render(view, info.name if info else "", day or date.today(), private)


def record_print(db: sqlite_utils.Database, building_id: str, *, aspect: str, private: bool,
                 target: str) -> None:
    """The door grid was printed or saved: in the audit log."""
    record(db, "print", tbl="buildings", row_id=building_id, what="building_view",
           aspect=aspect, private=private, target=target)
