"""The daily report on paper and in Excel: a community's report (one A4 page, GB/T 9704
margins, title, issuer and date, the figures in a ruled table, returnees by origin, who
confirmed it and when) and the district's table of a day (one landscape A4 page: communities
by street with street sums, 未报 in red, the district's total), and the same as .xlsx."""

from __future__ import annotations

import os
from collections.abc import Sequence
from datetime import date
from pathlib import Path

import sqlite_utils
import xlsxwriter
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.units import mm

from app import accounts, reports
from app.community_scope import names as community_names
from app.dates import cn_date
from app.documents.page import (
    MARGIN_LEFT,
    SIZE_2,
    SIZE_3,
    SIZE_5,
    SIZE_SMALL_4,
    TYPE_TOP,
    TYPE_W,
    Pen,
    new_canvas,
    pen,
    save_pdf,
)
from app.ledger.xlsx import ExportError
from app.sync import engine
from db.node import get_meta

RED = (0.8, 0.0, 0.0)
INK = (0, 0, 0)
SHADE = (0.86, 0.9, 0.95)


def community_title(name: str) -> str:
    return f"{name}疫情防控工作日报"


def district_title(name: str, table: reports.DayTable | None = None) -> str:
    """The summary's title; one street's communities alone (a filter, a 街道 account) are
    titled with their street, not as the whole district's."""
    if table is not None and not table.whole and len(table.streets) == 1:
        name += table.streets[0].street
    return f"{name}各社区疫情防控工作日报汇总表"


def _confirmed_line(report: reports.Report) -> str:
    if not report.confirmed:
        return "未确认上报（草稿，数字为生成时的数据）"
    at = report.confirmed_at[:16].replace("T", " ")
    text = f"确认人：{report.confirmed_by}　确认上报时间：{at}"
    if report.replaces:
        text += f"（更正，原因：{report.reason}）"
    return text


# --- a community's report ---------------------------------------------------------------------

def render_community(report: reports.Report, community: str) -> bytes:
    """One A4 page: the title, 填报单位 and the day, a ruled table of every figure and the
    returnees by origin, and who confirmed it."""
    c, buffer = new_canvas(community_title(community), f"{report.day.isoformat()} 日报")
    p = pen(c)
    y = TYPE_TOP - SIZE_2
    p.text(MARGIN_LEFT + TYPE_W / 2, y, community_title(community),
           p.fit(community_title(community), TYPE_W, SIZE_2, 14, "title"), role="title",
           align="center")
    y -= SIZE_3 * 2.2
    p.text(MARGIN_LEFT, y, f"填报单位：{community}", SIZE_3)
    p.text(MARGIN_LEFT + TYPE_W, y, cn_date(report.day), SIZE_3, align="right")
    y -= SIZE_3 * 1.2
    rows: list[tuple[str, str]] = [(label, str(report.figures[key]))
                                   for key, label in reports.FIGURES]
    origins = report.origins or [("（无）", 0)]
    rows += [(f"　其中来自{origin}" if n else "　来源地", str(n) if n else "—")
             for origin, n in origins]
    y = _table(p, y, [("项　目", TYPE_W * 0.72), ("数　量", TYPE_W * 0.28)],
               [[a, b] for a, b in rows], SIZE_SMALL_4, min(26.0, 470 / max(len(rows) + 1, 1)))
    y -= SIZE_3 * 1.6
    p.paragraph(MARGIN_LEFT, y, _confirmed_line(report), TYPE_W, SIZE_SMALL_4)
    p.text(MARGIN_LEFT + TYPE_W, y - SIZE_3 * 3, f"{community}（盖章）", SIZE_3,
           align="right")
    c.showPage()
    c.save()
    return buffer.getvalue()


def _table(p: Pen, top: float, columns: Sequence[tuple[str, float]], rows: list[list[str]],
           size: float, row_h: float, *, left: float = MARGIN_LEFT,
           red_rows: Sequence[int] = (), bold_rows: Sequence[int] = ()) -> float:
    """A ruled table from `top` down: a shaded header, one line per row (numbers right,
    text left), `red_rows` in red. Returns the y under the table."""
    c = p.canvas
    width = sum(w for _h, w in columns)
    c.setLineWidth(0.6)
    c.setFillColorRGB(*SHADE)
    c.rect(left, top - row_h, width, row_h, stroke=0, fill=1)
    c.setFillColorRGB(*INK)
    everything = [[h for h, _w in columns], *rows]
    y = top
    for k, cells in enumerate(everything):
        base = y - row_h + (row_h - size) / 2 + size * 0.15
        colour = RED if (k - 1) in red_rows else INK
        c.setFillColorRGB(*colour)
        x = left
        for j, (text, (_h, w)) in enumerate(zip(cells, columns, strict=True)):
            fitted = p.fit(text, w - 6, size, 5)
            numeric = k > 0 and j > 0
            if k == 0:
                p.text(x + w / 2, base, text, fitted, align="center", bold=True)
            elif numeric:
                p.text(x + w - 4, base, text, fitted, align="right",
                       bold=(k - 1) in bold_rows)
            else:
                p.text(x + 4, base, text, fitted, bold=(k - 1) in bold_rows)
            x += w
        c.setFillColorRGB(*INK)
        y -= row_h
    c.setStrokeColorRGB(*INK)
    c.rect(left, y, width, top - y, stroke=1, fill=0)
    for k in range(1, len(everything)):
        c.line(left, top - k * row_h, left + width, top - k * row_h)
    x = left
    for _h, w in columns[:-1]:
        x += w
        c.line(x, top, x, y)
    return y


# --- the district's table ---------------------------------------------------------------------

def _table_rows(table: reports.DayTable) -> tuple[list[list[str]], list[int], list[int]]:
    rows: list[list[str]] = []
    red: list[int] = []
    bold: list[int] = []
    for group in table.streets:
        for line in group.lines:
            if line.report is None:
                red.append(len(rows))
                rows.append([f"{line.name}（{reports.MISSING}）",
                             *([reports.MISSING] * len(reports.KEYS))])
            else:
                rows.append([line.name, *(str(line.report.figures[k]) for k in reports.KEYS)])
        bold.append(len(rows))
        missing = f"，{group.missing}个未报" if group.missing else ""
        rows.append([f"{group.street}小计{missing}",
                     *(str(group.sums[k]) for k in reports.KEYS)])
    bold.append(len(rows))
    whole = "全区" if table.whole else ""
    rows.append([f"{whole}合计（{table.communities - table.missing}/{table.communities}已报）",
                 *(str(table.sums[k]) for k in reports.KEYS)])
    return rows, red, bold


def render_district(table: reports.DayTable, district: str) -> bytes:
    """One landscape A4 page: every community's figures by street, 未报 in red, street sums
    and the district's total, the returnees by origin under it."""
    title = district_title(district, table)
    c, buffer = new_canvas(title, f"{table.day.isoformat()} 日报汇总")
    page_w, page_h = landscape(A4)
    c.setPageSize((page_w, page_h))
    p = pen(c)
    left, width = 20 * mm, page_w - 40 * mm
    y = page_h - 20 * mm - SIZE_2
    p.text(page_w / 2, y, title, p.fit(title, width, SIZE_2, 14, "title"),
           role="title", align="center")
    y -= SIZE_3 * 1.8
    p.text(left, y, f"日期：{cn_date(table.day)}", SIZE_SMALL_4)
    p.text(left + width, y, f"应报{table.communities}个社区，已报"
           f"{table.communities - table.missing}个，未报{table.missing}个", SIZE_SMALL_4,
           align="right")
    y -= SIZE_SMALL_4
    rows, red, bold = _table_rows(table)
    first = width * 0.2
    rest = (width - first) / len(reports.KEYS)
    columns = [("社区", first), *((reports.SHORT_LABELS[k], rest) for k in reports.KEYS)]
    room = y - 20 * mm - SIZE_5 * 3
    row_h = min(20.0, room / (len(rows) + 1))
    y = _table(p, y, columns, rows, min(SIZE_5, row_h * 0.62), row_h, left=left,
               red_rows=red, bold_rows=bold)
    origins = "；".join(f"{o} {n}人" for o, n in table.origins) or "无"
    p.paragraph(left, y - SIZE_5 * 2, f"排查发现外地返回人员来源地：{origins}", width, SIZE_5)
    c.showPage()
    c.save()
    return buffer.getvalue()


# --- what the command line and the window call -------------------------------------------------

def _district_name(db: sqlite_utils.Database) -> str:
    return engine.district_name(db) if accounts.at_district(db) else ""


def _community_name(db: sqlite_utils.Database) -> str:
    return community_names(db).get(get_meta(db, "community_id") or "", "本社区")


community_report = reports.community_report   # kept here for callers


def write_pdf(db: sqlite_utils.Database, path: str | os.PathLike[str],
              day: date | str | None = None, community_ids: set[str] | None = None) -> Path:
    """The day's report (a community) or table (the district) as a one-page PDF. At the
    district whoever may export its lists may print the table (区级 and 街道 accounts)."""
    accounts.require(db, "ledger.export" if accounts.at_district(db) else "print")
    if accounts.at_district(db):
        table = reports.district_table(db, day, community_ids)
        data = render_district(table, _district_name(db))
    else:
        data = render_community(community_report(db, day), _community_name(db))
    out = save_pdf(data, path)
    accounts.record(db, "print", what="daily_report", target=str(out))
    return out


def write_xlsx(db: sqlite_utils.Database, path: str | os.PathLike[str],
               day: date | str | None = None, community_ids: set[str] | None = None) -> Path:
    """The same as an Excel workbook: one sheet, title, date, the table (未报 in red)."""
    accounts.require(db, "ledger.export")
    path = Path(path)
    if accounts.at_district(db):
        table = reports.district_table(db, day, community_ids)
        title = district_title(_district_name(db), table)
        header = ["街道", "社区", *(label for _k, label in reports.FIGURES)]
        body: list[tuple[list[object], str]] = []
        for group in table.streets:
            for line in group.lines:
                if line.report is None:
                    body.append(([group.street, line.name,
                                  *([reports.MISSING] * len(reports.KEYS))], "red"))
                else:
                    body.append(([group.street, line.name,
                                  *(line.report.figures[k] for k in reports.KEYS)], ""))
            body.append(([group.street, "小计", *(group.sums[k] for k in reports.KEYS)], "bold"))
        body.append((["全区" if table.whole else "", "合计",
                      *(table.sums[k] for k in reports.KEYS)], "bold"))
        when = table.day
        note = (f"应报{table.communities}个社区，已报{table.communities - table.missing}个，"
                f"未报{table.missing}个")
    else:
        report = community_report(db, day)
        title = community_title(_community_name(db))
        header = ["项目", "数量"]
        body = [([label, report.figures[key]], "") for key, label in reports.FIGURES]
        body += [([f"其中来自{o}", n], "") for o, n in report.origins]
        when = report.day
        note = _confirmed_line(report)
    try:
        _write_book(path, title, f"日期：{when.isoformat()}　{note}", header, body)
    except OSError as exc:
        raise ExportError(f"无法保存“{path.name}”（{exc}）：文件可能正在 Excel 或 WPS 中打开，"
                          "请关闭它或换一个文件名后再导出。") from exc
    accounts.record(db, "export", what="daily_report", target=str(path))
    return path


def _write_book(path: Path, title: str, subtitle: str, header: list[str],
                body: list[tuple[list[object], str]]) -> None:
    book = xlsxwriter.Workbook(str(path), {"strings_to_numbers": False,
                                           "strings_to_formulas": False})
    try:
        sheet = book.add_worksheet("日报")
        border = {"border": 1, "border_color": "#9aa5b1"}
        f_title = book.add_format({"bold": True, "font_size": 16})
        f_head = book.add_format({**border, "bold": True, "bg_color": "#dce6f1",
                                  "text_wrap": True, "align": "center"})
        formats = {"": book.add_format(border),
                   "bold": book.add_format({**border, "bold": True, "bg_color": "#f2f2f2"}),
                   "red": book.add_format({**border, "font_color": "#c00000", "bold": True})}
        sheet.write(0, 0, title, f_title)
        sheet.write(1, 0, subtitle)
        sheet.write_row(3, 0, header, f_head)
        for i, (values, style) in enumerate(body):
            sheet.write_row(4 + i, 0, values, formats[style])
        sheet.set_column(0, 1, 18 if len(header) > 2 else 36)
        sheet.set_column(2, len(header), 10)
        sheet.freeze_panes(4, 2 if len(header) > 2 else 1)
    finally:
        book.close()

