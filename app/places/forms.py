"""A shop's reopening forms: the pledge (复工复产承诺书) and the acceptance form (验收单),
printed from templates the office may adjust (resources/templates/places/*.toml) like the
isolation forms: A4, GB/T 9704 margins, embedded fonts, a serial number per form and place
(community code, year, letter, sequence), 补打 marked on a reprint, the seal over the
date. The acceptance form carries the answers of the place's latest reopening acceptance
(app.inspections), or blank boxes to fill in by hand when none is recorded yet."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

import sqlite_utils
from reportlab.lib.units import mm

from app import places
from app.accounts import audited, require
from app.database import community_info
from app.documents.page import (
    BODY_LEADING,
    MARGIN_LEFT,
    PAGE_H,
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
from app.documents.templates import load_template
from app.errors import FormError
from app.inspections import DEFAULT_TEMPLATES, REOPENING_TEMPLATE
from db import inspections as iq
from db import places as q
from db.node import transaction

FAMILY = "places"
FORMS = ("pledge", "acceptance")
FORM_LABELS = {"pledge": "复工复产承诺书", "acceptance": "复工复产验收单"}
LETTERS = {"pledge": "C", "acceptance": "Y"}
FIELDS = ("place", "kind", "address", "manager", "phone", "employees", "licence_no",
          "community", "inspected_on", "inspectors")
REQUIRED = {"pledge": ("title", "table", "intro", "promises", "sign", "issuer"),
            "acceptance": ("title", "table", "intro", "result_passed", "result_failed",
                           "result_blank", "sign", "issuer")}
ANSWER_MARKS = {"yes": "是", "no": "否", "na": "不适用"}


def _context(row: dict[str, Any], community: str, acceptance: dict[str, Any] | None
             ) -> dict[str, str]:
    blank = "＿＿＿＿＿＿＿＿"
    return {"place": row["name"], "kind": row["kind"], "address": row["address"] or blank,
            "manager": row["manager"] or blank, "phone": row["phone"] or "",
            "employees": str(row["employees"]) if row["employees"] is not None else blank,
            "licence_no": row["licence_no"] or blank, "community": community,
            "inspected_on": cn_date(date.fromisoformat(acceptance["inspected_on"]))
            if acceptance else "＿＿＿＿年＿＿月＿＿日",
            "inspectors": acceptance["inspectors"] if acceptance else blank}


def _serial(db: sqlite_utils.Database, code: str, form: str, year: int) -> str:
    prefix = f"{code}{year}{LETTERS[form]}"
    return f"{prefix}{q.last_sequence(db, prefix) + 1:04d}"


def _issue(db: sqlite_utils.Database, place_id: str, form: str, inspection_id: str | None,
           code: str, now: datetime) -> tuple[str, bool]:
    """The form's serial, and whether this print is a reprint (补打): the first print
    issues a serial; a later one keeps it and counts the print."""
    held = q.issued_form(db, place_id, form, inspection_id)
    at = now.isoformat(timespec="seconds")
    if held is None:
        serial = _serial(db, code, form, now.year)
        q.insert(db, "place_forms", {"place_id": place_id, "form": form, "serial": serial,
                                     "inspection_id": inspection_id, "issued_at": at,
                                     "prints": 1, "printed_at": at})
        return serial, False
    q.update(db, "place_forms", held["id"], {"prints": held["prints"] + 1, "printed_at": at})
    return held["serial"], True


def _top(p: Pen, title: str, serial: str, reprint: bool) -> float:
    p.text(MARGIN_LEFT + TYPE_W, PAGE_H - 20 * mm, f"编号：{serial}", SIZE_5, align="right")
    if reprint:
        p.text(MARGIN_LEFT, PAGE_H - 20 * mm, "补打", SIZE_SMALL_4, bold=True)
    y = TYPE_TOP - SIZE_2
    p.text(MARGIN_LEFT + TYPE_W / 2, y, title, SIZE_2, role="title", align="center")
    return y - 14 * mm


def _table(p: Pen, y: float, lines: Sequence[str], size: float = SIZE_SMALL_4) -> float:
    """Label | value rows in ruled boxes."""
    c = p.canvas
    label_w = 32 * mm
    row_h = 9.5 * mm
    for line in lines:
        label, _, value = line.partition("|")
        c.rect(MARGIN_LEFT, y - row_h, TYPE_W, row_h, stroke=1, fill=0)
        c.line(MARGIN_LEFT + label_w, y, MARGIN_LEFT + label_w, y - row_h)
        base = y - row_h / 2 - size * 0.35
        p.text(MARGIN_LEFT + label_w / 2, base, label, size, align="center")
        fit = p.fit(value, TYPE_W - label_w - 4 * mm, size, 8)
        p.text(MARGIN_LEFT + label_w + 2 * mm, base, value, fit)
        y -= row_h
    return y - 8 * mm


def _draw_pledge(p: Pen, t: Any, ctx: dict[str, str], serial: str, reprint: bool,
                 day: date) -> None:
    y = _top(p, t.text("title", ctx), serial, reprint)
    y = _table(p, y, t.texts("table", ctx))
    y = p.paragraph(MARGIN_LEFT, y, t.text("intro", ctx), TYPE_W, SIZE_3,
                    leading=BODY_LEADING * 0.85, indent=True, align="justify")
    for promise in t.texts("promises", ctx):
        y = p.paragraph(MARGIN_LEFT, y, promise, TYPE_W, SIZE_SMALL_4, leading=7 * mm,
                        indent=True, align="justify")
    if t.has("closing"):
        y = p.paragraph(MARGIN_LEFT, y, t.text("closing", ctx), TYPE_W, SIZE_SMALL_4,
                        leading=7 * mm, indent=True, align="justify")
    y -= 4 * mm
    for line in t.texts("sign", ctx):
        p.text(MARGIN_LEFT + TYPE_W * 0.35, y, line, SIZE_SMALL_4)
        y -= 9 * mm
    draw_seal_block(p, t.text("issuer", ctx), cn_date(day), SIZE_3, MARGIN_LEFT + TYPE_W,
                    max(TYPE_BOTTOM + 12 * mm, y - 6 * mm), 9 * mm)


def _draw_acceptance(p: Pen, t: Any, ctx: dict[str, str], serial: str, reprint: bool,
                     day: date, items: Sequence[tuple[str, str | None, str]],
                     outcome: str | None) -> None:
    y = _top(p, t.text("title", ctx), serial, reprint)
    y = _table(p, y, t.texts("table", ctx))
    y = p.paragraph(MARGIN_LEFT, y, t.text("intro", ctx), TYPE_W, SIZE_SMALL_4,
                    leading=7 * mm)
    c = p.canvas
    answer_w = 36 * mm
    for n, (item, answer, note) in enumerate(items, 1):
        lines = p.lines(f"{n}. {item}" + (f"（{note}）" if note else ""),
                        TYPE_W - answer_w - 4 * mm, SIZE_SMALL_4)
        row_h = max(9 * mm, len(lines) * 6 * mm + 3 * mm)
        c.rect(MARGIN_LEFT, y - row_h, TYPE_W, row_h, stroke=1, fill=0)
        c.line(MARGIN_LEFT + TYPE_W - answer_w, y, MARGIN_LEFT + TYPE_W - answer_w, y - row_h)
        base = y - 6 * mm
        for line in lines:
            p.text(MARGIN_LEFT + 2 * mm, base, line, SIZE_SMALL_4)
            base -= 6 * mm
        mark = ANSWER_MARKS.get(answer or "", "□是 □否 □不适用")
        p.text(MARGIN_LEFT + TYPE_W - answer_w / 2, y - row_h / 2 - SIZE_SMALL_4 * 0.35, mark,
               SIZE_SMALL_4 if answer else SIZE_5, align="center")
        y -= row_h
    y -= 8 * mm
    key = {"passed": "result_passed", None: "result_blank"}.get(outcome, "result_failed")
    p.text(MARGIN_LEFT, y, t.text(key, ctx), SIZE_SMALL_4, bold=True)
    y -= 10 * mm
    for line in t.texts("sign", ctx):
        p.text(MARGIN_LEFT, y, line, SIZE_SMALL_4)
        y -= 9 * mm
    draw_seal_block(p, t.text("issuer", ctx), cn_date(day), SIZE_3, MARGIN_LEFT + TYPE_W,
                    max(TYPE_BOTTOM + 12 * mm, y - 4 * mm), 9 * mm)


@audited("print")
def reopening_pdf(db: sqlite_utils.Database, place_id: str,
                  forms: Sequence[str] = FORMS, *, now: datetime | None = None) -> bytes:
    """The place's pledge and/or acceptance form as one PDF (each form a page). Each print
    is recorded: the first issues the serial, later ones are 补打 of the same serial."""
    require(db, "print")
    bad = [f for f in forms if f not in FORMS]
    if bad or not forms:
        raise FormError({"forms": "只能打印承诺书（pledge）和验收单（acceptance）。"})
    row = places.get(db, place_id)
    info = community_info(db)
    community = info.name if info else ""
    now = now or datetime.now()
    acceptance = iq.latest_of(db, "place", place_id, "reopening")
    ctx = _context(row, community, acceptance)
    canvas, buffer = new_canvas(f"{row['name']} 复工复产文书", "复工复产承诺书、验收单")
    p = pen(canvas)
    with transaction(db):
        for form in forms:
            inspection_id = acceptance["id"] if form == "acceptance" and acceptance else None
            serial, reprint = _issue(db, place_id, form, inspection_id,
                                     info.code if info else "", now)
            t = load_template(FAMILY, form, FIELDS, REQUIRED[form])
            if form == "pledge":
                _draw_pledge(p, t, ctx, serial, reprint, now.date())
            else:
                if acceptance:
                    items = [(a["item"], a["answer"], a["note"] or "")
                             for a in iq.answers(db, acceptance["id"])]
                else:
                    items = [(i, None, "") for i in DEFAULT_TEMPLATES[REOPENING_TEMPLATE][1]]
                _draw_acceptance(p, t, ctx, serial, reprint, now.date(), items,
                                 acceptance["outcome"] if acceptance else None)
            canvas.showPage()
    canvas.save()
    return buffer.getvalue()
