"""Three-level ledgers (三级台账): from a grid, a compound or a building, in one step, its
residents (with their category), households (with their Party member), categories (counts),
isolation cases and pairings, as one Excel workbook whose title names the node."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any

import sqlite_utils
import xlsxwriter

from app import categories
from app.accounts import audited, masking, require
from app.database import community_info
from app.isolation import KIND_LABELS, STATUS_LABELS
from app.ledger.xlsx import ExportColumn, ExportError
from app.registry import DWELLING_LABELS, RESIDENCY_LABELS, SEX_LABELS
from db import buildings as q

LEVELS = {"grid": "网格", "compound": "小区（楼院）", "building": "楼栋"}

_PLACE = [
    ExportColumn("网格", lambda r: r["grid"]),
    ExportColumn("小区", lambda r: r["compound"]),
    ExportColumn("楼栋", lambda r: r["building"]),
    ExportColumn("单元", lambda r: r["unit"]),
    ExportColumn("门牌号", lambda r: r["door_number"], "code"),
]
RESIDENTS = [
    *_PLACE,
    ExportColumn("姓名", lambda r: r["name"]),
    ExportColumn("人员类别", lambda r: r.get("category")),
    ExportColumn("性别", lambda r: SEX_LABELS.get(r["sex"] or "")),
    ExportColumn("证件号码", lambda r: r["id_number"], "code", width=22),
    ExportColumn("出生日期", lambda r: r["birth_date"], "date", width=12),
    ExportColumn("与户主关系", lambda r: r["relation"]),
    ExportColumn("联系电话", lambda r: r["phone"], "code", width=15),
    ExportColumn("居住类型", lambda r: RESIDENCY_LABELS.get(r["residency"], "")),
    ExportColumn("标签", lambda r: r["tags"]),
]
HOUSEHOLDS = [
    *_PLACE,
    ExportColumn("户主", lambda r: r["head"]),
    ExportColumn("人数", lambda r: r["members"], "number"),
    ExportColumn("住户电话", lambda r: r["phone"], "code", width=15),
    ExportColumn("居住情况", lambda r: DWELLING_LABELS.get(r["dwelling"], "")),
    ExportColumn("住户标签", lambda r: r["tags"]),
]
PAIRINGS = [
    *_PLACE,
    ExportColumn("户主", lambda r: r["head"]),
    ExportColumn("联系党员", lambda r: r["member"] or "待安排"),
    ExportColumn("党员电话", lambda r: r["member_phone"], "code", width=15),
]
CASES = [
    *_PLACE,
    ExportColumn("姓名", lambda r: r["name"]),
    ExportColumn("证件号码", lambda r: r["id_number"], "code", width=22),
    ExportColumn("类型", lambda r: KIND_LABELS.get(r["kind"], r["kind"])),
    ExportColumn("原因", lambda r: r["reason"]),
    ExportColumn("开始日期", lambda r: r["started_on"], "date", width=12),
    ExportColumn("预计解除", lambda r: r["planned_end"], "date", width=12),
    ExportColumn("状态", lambda r: STATUS_LABELS.get(r["status"], r["status"])),
]
CATEGORIES = [
    ExportColumn("类别", lambda r: r["name"]),
    ExportColumn("含义", lambda r: r["meaning"]),
    ExportColumn("规则", lambda r: r["rule"]),
    ExportColumn("人数", lambda r: r["count"], "number"),
]


def _sheet(book, name: str, title: str, subtitle: str, columns: Sequence[ExportColumn],
           rows: Sequence[dict[str, Any]], formats: dict[str, Any]) -> None:
    sheet = book.add_worksheet(name)
    last = max(len(columns) - 1, 0)
    sheet.merge_range(0, 0, 0, last, title, formats["title"])
    sheet.merge_range(1, 0, 1, last, subtitle, formats["sub"])
    for i, col in enumerate(columns):
        sheet.write_string(2, i, col.header, formats["head"])
        sheet.set_column(i, i, col.width or max(8, len(col.header) * 2 + 2))
    sheet.set_row(0, 30)
    sheet.freeze_panes(3, 0)
    sheet.repeat_rows(2)
    sheet.set_landscape()
    sheet.set_paper(9)
    sheet.fit_to_pages(1, 0)
    for r, row in enumerate(rows, start=3):
        for i, col in enumerate(columns):
            value = col.value(row)
            if value is None or value == "":
                continue
            if col.kind == "number" and isinstance(value, int | float):
                sheet.write_number(r, i, value, formats["text"])
            elif col.kind == "date":
                try:
                    d = date.fromisoformat(str(value)[:10])
                    sheet.write_datetime(r, i, datetime(d.year, d.month, d.day), formats["date"])
                except ValueError:
                    sheet.write_string(r, i, str(value), formats["text"])
            else:
                sheet.write_string(r, i, str(value),
                                   formats["code" if col.kind == "code" else "text"])
    if rows:
        sheet.autofilter(2, 0, 2 + len(rows), last)


@audited("export")
def export_node_ledger(db: sqlite_utils.Database, kind: str, node_id: str,
                       path: str | os.PathLike[str], today: date | None = None) -> int:
    """Write the node's ledger (five sheets); returns how many residents it holds. ID numbers
    and phones are whole or masked as app.accounts.masking says for a ledger."""
    session = require(db, "ledger.export")
    if kind not in LEVELS:
        raise ExportError("请在左侧选择一个网格、小区或楼栋，再导出本级台账。")
    name = q.node_name(db, kind, node_id)
    if name is None:
        raise ExportError("找不到所选的网格、小区或楼栋，可能已被删除。请刷新后重试。")
    today = today or date.today()
    residents = q.node_residents(db, kind, node_id)
    found = categories.of(db, [r["id"] for r in residents], today)
    for r in residents:
        a = found.get(r["id"])
        r["category"] = a.name if a else ""
    households = q.node_households(db, kind, node_id)
    cases = q.node_cases(db, kind, node_id)
    counts: dict[str, int] = {}
    for a in found.values():
        counts[a.category.id] = counts.get(a.category.id, 0) + 1
    cats = [{"name": c.name, "meaning": c.meaning, "rule": c.rule_text,
             "count": counts.get(c.id, 0)} for c in categories.in_force(db).categories]
    info = community_info(db)
    community = info.name if info else ""
    title = f"{community} {name}（{LEVELS[kind]}）"
    subtitle = (f"导出日期：{today:%Y年%m月%d日}　居民 {len(residents)} 人　住户 "
                f"{len(households)} 户　隔离/监测 {len(cases)} 人次")

    def masked(columns: list[ExportColumn]) -> list[ExportColumn]:
        return masking.masked_columns(session, columns, masking.LEDGER)

    path = Path(path)
    try:
        fd, tmp_name = tempfile.mkstemp(prefix=".griddesk-", suffix=".xlsx", dir=path.parent)
    except OSError as exc:
        raise ExportError(f"无法在“{path.parent}”里写文件。请换一个文件夹（例如“文档”或桌面）"
                          "后再导出。") from exc
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        book = xlsxwriter.Workbook(str(tmp), {"strings_to_numbers": False,
                                              "strings_to_formulas": False,
                                              "strings_to_urls": False})
        border = {"border": 1, "border_color": "#9aa5b1", "valign": "vcenter"}
        formats = {
            "title": book.add_format({"bold": True, "font_size": 16, "align": "center"}),
            "sub": book.add_format({"font_color": "#5f6b7a"}),
            "head": book.add_format({**border, "bold": True, "bg_color": "#dce6f1",
                                     "align": "center"}),
            "text": book.add_format(border),
            "code": book.add_format({**border, "num_format": "@"}),
            "date": book.add_format({**border, "num_format": "yyyy-mm-dd", "align": "left"}),
        }
        for sheet, what, columns, rows in (
                ("居民", "居民台账", masked(RESIDENTS), residents),
                ("住户", "住户台账", masked(HOUSEHOLDS), households),
                ("人员类别", "人员类别统计", CATEGORIES, cats),
                ("隔离监测", "居家隔离/健康监测台账", masked(CASES), cases),
                ("党员联户", "党员联户台账", masked(PAIRINGS), households)):
            _sheet(book, sheet, f"{title}{what}", subtitle, columns, rows, formats)
        book.close()
        os.replace(tmp, path)
    except PermissionError as exc:
        tmp.unlink(missing_ok=True)
        raise ExportError(f"无法保存“{path.name}”：文件可能正在 Excel 或 WPS 中打开。"
                          "请关闭该文件或换一个文件名后再导出。") from exc
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return len(residents)
