"""The person's file as a PDF (居民个人档案) in the forms' typography: identity masked as the
signed-in role requires, household, Party membership, category, and the timeline; printing it
is audited and shows on the person's own timeline."""

from __future__ import annotations

from datetime import date

import sqlite_utils
from reportlab.lib.units import mm

from app.accounts import masking, require
from app.database import community_info
from app.documents.page import (
    GUIDE,
    MARGIN_LEFT,
    SIZE_2,
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
from app.person import PersonFile, person_file, record_print

__all__ = ["person_pdf", "record_print", "render"]

TITLE = "居民个人档案"


def _rows(f: PersonFile) -> list[tuple[str, str]]:
    members = "、".join(f"{m['name']}（{m['relation'] or '家庭成员'}）" for m in f.members)
    category = ""
    if f.category is not None:
        category = f.category.name + (f"（{f.category.category.meaning}）"
                                      if f.category.category.meaning else "")
        category += "，手动指定" if f.category.by_hand else "，按规则"
    return [
        ("姓名", f"{f.name}　{f.sex}　{f.age if f.age is not None else '—'}岁"),
        ("证件号码", f.id_number or "—"),
        ("联系电话", f.phone or "—"),
        ("居住类型", f"{f.residency}　与户主关系：{f.relation or '—'}"
                     + (f"　民族：{f.ethnicity}" if f.ethnicity else "")),
        ("住址", f"{f.address}" + (f"（{f.dwelling}）" if f.dwelling else "")),
        ("同户成员", members or "无"),
        ("党员", f.party or "否"),
        ("标签", " ".join(filter(None, [f.tags, f.household_tags])) or "无"),
        ("人员类别", category or "无"),
    ]


class _Writer:
    """Lines from the top of the type area down, a new page when one is full."""

    def __init__(self, p: Pen, title: str) -> None:
        self.p, self.title, self.page = p, title, 1
        self.y = TYPE_TOP

    def need(self, height: float) -> None:
        if self.y - height < TYPE_BOTTOM:
            self.footer()
            self.p.canvas.showPage()
            self.page += 1
            self.y = TYPE_TOP
            self.p.text(MARGIN_LEFT, self.y - SIZE_SMALL_4, f"{self.title}（续）", SIZE_SMALL_4)
            self.y -= 10 * mm

    def footer(self) -> None:
        self.p.text(MARGIN_LEFT + TYPE_W / 2, TYPE_BOTTOM - 10 * mm, f"— {self.page} —",
                    SIZE_5, align="center")


def render(f: PersonFile, community: str, day: date, by: str) -> bytes:
    c, buffer = new_canvas(f"{TITLE}（{f.name}）", "一人一档")
    p = pen(c)
    w = _Writer(p, f"{TITLE}　{f.name}")
    centre = MARGIN_LEFT + TYPE_W / 2
    w.y -= SIZE_2
    p.text(centre, w.y, TITLE, SIZE_2, role="title", align="center")
    w.y -= 10 * mm
    p.text(centre, w.y, f"{community}　{cn_date(day)}　{by}", SIZE_SMALL_4, align="center")
    w.y -= 10 * mm
    label_w = 26 * mm
    c.setStrokeColorRGB(*GUIDE)
    for label, value in _rows(f):
        lines = p.lines(value, TYPE_W - label_w - 3 * mm, SIZE_SMALL_4)
        height = max(1, len(lines)) * 6.5 * mm + 2 * mm
        w.need(height)
        p.text(MARGIN_LEFT, w.y - 5 * mm, label, SIZE_SMALL_4, bold=True)
        y = w.y - 5 * mm
        for line in lines:
            p.text(MARGIN_LEFT + label_w, y, line, SIZE_SMALL_4)
            y -= 6.5 * mm
        w.y -= height
        c.line(MARGIN_LEFT, w.y + 1 * mm, MARGIN_LEFT + TYPE_W, w.y + 1 * mm)
    w.y -= 8 * mm
    w.need(12 * mm)
    p.text(MARGIN_LEFT, w.y, f"大事记（共{len(f.timeline)}条，最新在前）", SIZE_SMALL_4 + 2,
           role="title")
    w.y -= 8 * mm
    when_w, kind_w, by_w = 32 * mm, 12 * mm, 24 * mm
    text_w = TYPE_W - when_w - kind_w - by_w
    for e in f.timeline:
        lines = p.lines(e.text, text_w - 2 * mm, SIZE_5)
        height = max(1, len(lines)) * 5 * mm + 1 * mm
        w.need(height)
        y = w.y - 4 * mm
        p.text(MARGIN_LEFT, y, e.when, SIZE_5)
        p.text(MARGIN_LEFT + when_w, y, e.kind, SIZE_5)
        for line in lines:
            p.text(MARGIN_LEFT + when_w + kind_w, y, line, SIZE_5)
            y -= 5 * mm
        p.text(MARGIN_LEFT + TYPE_W, w.y - 4 * mm, e.by, SIZE_5, align="right")
        w.y -= height
    if not f.timeline:
        p.text(MARGIN_LEFT, w.y - 4 * mm, "暂无记录", SIZE_5)
    w.footer()
    c.showPage()
    c.save()
    return buffer.getvalue()


def person_pdf(db: sqlite_utils.Database, resident_id: str, *,
               day: date | None = None) -> bytes:
    """The person's file as a PDF; once it is printed or saved, call record_print (the audit
    log, and their timeline). Numbers are whole only for a role that sees them whole in a
    ledger, and never for a grid worker (masking.PUBLIC)."""
    session = require(db, "print")
    output = masking.LEDGER if masking.whole(session, "id_number", masking.LEDGER) \
        else masking.PUBLIC
    # A grid worker's printout stays masked: they work with numbers in the window, where
    # "显示" is recorded, not on paper that leaves the office.
    if session.role == "grid_worker":
        output = masking.PUBLIC
    f = person_file(db, resident_id, output=output)
    info = community_info(db)
    who = session.display_name or session.username or "本机"
    return render(f, info.name if info else f.community, day or date.today(), f"打印人：{who}")
