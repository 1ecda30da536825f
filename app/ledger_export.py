"""Ledgers out as .xlsx: the residents ledger, the households ledger and any list shown in the
window. A title row with the community and date, a frozen header, widths from the content,
dates as dates, ID numbers and phones as text cells (never numbers Excel would round)."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

import sqlite_utils
import xlsxwriter

from app.accounts import audited, require
from app.database import community_info
from app.registry import DWELLING_LABELS, RESIDENCY_LABELS, SEX_LABELS
from app.validation import ID_KIND_LABELS
from db import ledger as q

Row = dict[str, Any]
Progress = Callable[[int, int], None]
Cancelled = Callable[[], bool]

SAMPLE_ROWS = 500      # rows looked at to size the columns
REPORT_EVERY = 1000    # rows between progress reports and cancel checks
MIN_WIDTH, MAX_WIDTH = 4, 40


class ExportError(Exception):
    """The file could not be written; `message` says (in Chinese) why and what to do."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class ExportCancelled(Exception):
    """The person pressed cancel; no file was left behind."""


@dataclass(frozen=True)
class ExportColumn:
    header: str
    value: Callable[[Row], Any]
    kind: str = "text"   # text | wrap (long text) | code (ID numbers, phones) | number | date
    width: float | None = None  # in characters; None: from the header and the content


def display_width(text: str) -> int:
    """Columns a text takes in Excel: Chinese characters take two."""
    return sum(2 if ord(ch) > 0x2E7F else 1 for ch in text)


def _as_date(value: Any) -> date | None:
    if value in (None, ""):
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        return None


def _shown(value: Any, kind: str) -> str:
    if value is None:
        return ""
    if kind == "date":
        d = _as_date(value)
        return d.isoformat() if d else str(value)
    return str(value)


def write_ledger(path: str | os.PathLike[str], title: str, subtitle: str,
                 columns: list[ExportColumn], rows: Iterable[Row], *, total: int = 0,
                 sheet_name: str = "台账", progress: Progress | None = None,
                 cancelled: Cancelled | None = None) -> int:
    """Write one sheet: title, subtitle, header, rows. Returns the number of rows written.

    Written to a temporary file beside `path` and renamed at the end, so a cancelled or
    failed export leaves no half-written file (nor destroys the old one).
    """
    path = Path(path)
    try:
        fd, tmp_name = tempfile.mkstemp(prefix=".griddesk-", suffix=".xlsx", dir=path.parent)
    except FileNotFoundError as exc:
        raise ExportError(f"文件夹“{path.parent}”不存在。请换一个已有的文件夹（例如“文档”"
                          "或桌面）后再导出。") from exc
    except PermissionError as exc:
        raise ExportError(f"没有权限在“{path.parent}”里写文件。请换一个文件夹（例如“文档”"
                          "或桌面）后再导出。") from exc
    except OSError as exc:
        raise ExportError(f"无法在“{path.parent}”里写文件（{exc}）。"
                          "请换一个文件夹（例如“文档”或桌面）后再导出。") from exc
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        written = _write(tmp, title, subtitle, columns, rows, total, sheet_name, progress,
                         cancelled)
        os.replace(tmp, path)
    except PermissionError as exc:
        tmp.unlink(missing_ok=True)
        raise ExportError(f"无法保存“{path.name}”：文件可能正在 Excel 或 WPS 中打开，"
                          "或文件夹不允许写入。请关闭该文件或换一个文件名后再导出。") from exc
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise ExportError(f"无法保存“{path.name}”（{exc}）。请检查磁盘空间，或换一个文件夹后"
                          "再导出。") from exc
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return written


def _write(tmp: Path, title: str, subtitle: str, columns: list[ExportColumn],
           rows: Iterable[Row], total: int, sheet_name: str, progress: Progress | None,
           cancelled: Cancelled | None) -> int:
    # Not XlsxWriter's constant_memory mode: that writes inline strings, which makes the file
    # larger and twice as slow to read back (and to write); shared strings cost ~300 MB at
    # 100,000 residents (docs/decisions.md).
    book = xlsxwriter.Workbook(str(tmp), {
        "strings_to_numbers": False, "strings_to_formulas": False, "strings_to_urls": False,
    })
    try:
        sheet = book.add_worksheet(sheet_name[:31])
        border = {"border": 1, "border_color": "#9aa5b1", "valign": "vcenter"}
        f_title = book.add_format({"bold": True, "font_size": 16, "align": "center",
                                   "valign": "vcenter"})
        f_sub = book.add_format({"font_color": "#5f6b7a", "valign": "vcenter"})
        f_head = book.add_format({**border, "bold": True, "bg_color": "#dce6f1",
                                  "align": "center", "text_wrap": True})
        formats = {
            "text": book.add_format(border),
            "wrap": book.add_format({**border, "text_wrap": True}),
            "code": book.add_format({**border, "num_format": "@"}),
            "number": book.add_format(border),
            "date": book.add_format({**border, "num_format": "yyyy-mm-dd", "align": "left"}),
        }
        rows_it: Iterator[Row] = iter(rows)
        head: list[Row] = []
        for r in rows_it:
            head.append(r)
            if len(head) >= SAMPLE_ROWS:
                break
        last_col = max(len(columns) - 1, 0)
        widths = []
        for i, col in enumerate(columns):
            width = col.width
            if width is None:
                seen = [display_width(_shown(col.value(r), col.kind)) for r in head]
                width = max([display_width(col.header), *seen]) + 2
            widths.append(max(MIN_WIDTH, min(MAX_WIDTH, width)))
            sheet.set_column(i, i, widths[-1])
        sheet.set_row(0, 30)
        sheet.merge_range(0, 0, 0, last_col, title, f_title)
        sheet.merge_range(1, 0, 1, last_col, subtitle, f_sub)
        sheet.set_row(2, 22)
        for i, col in enumerate(columns):
            sheet.write_string(2, i, col.header, f_head)
        sheet.freeze_panes(3, 0)
        sheet.repeat_rows(2)
        sheet.set_landscape()
        sheet.set_paper(9)  # A4
        sheet.fit_to_pages(1, 0)
        sheet.set_footer("&C第 &P 页，共 &N 页")

        r = 3
        total = max(total, len(head))
        done = 0

        def all_rows() -> Iterator[Row]:
            yield from head
            yield from rows_it

        wrapped = [i for i, col in enumerate(columns) if col.kind == "wrap"]
        for row in all_rows():
            # Wrapped text needs its rows tall enough: not every program fits them on opening.
            lines = max((-(-display_width(str(columns[i].value(row) or "")) // (widths[i] - 1))
                         for i in wrapped), default=1)
            if lines > 1:
                sheet.set_row(r, 15 * lines + 2)
            for i, col in enumerate(columns):
                value = col.value(row)
                if value is None or value == "":
                    continue
                if col.kind == "date":
                    d = _as_date(value)
                    if d is not None:
                        sheet.write_datetime(r, i, datetime(d.year, d.month, d.day),
                                             formats["date"])
                    else:
                        sheet.write_string(r, i, str(value), formats["text"])
                elif col.kind == "number" and isinstance(value, int | float):
                    sheet.write_number(r, i, value, formats["number"])
                else:
                    kind = col.kind if col.kind in ("code", "wrap") else "text"
                    sheet.write_string(r, i, str(value), formats[kind])
            r += 1
            done += 1
            if done % REPORT_EVERY == 0:
                if cancelled and cancelled():
                    raise ExportCancelled()
                if progress:
                    progress(done, max(total, done))
        if done:
            sheet.autofilter(2, 0, r - 1, last_col)
    except BaseException:
        book.close()
        raise
    book.close()
    if progress:
        progress(done, max(total, done))
    return done


# --- the two ledgers ----------------------------------------------------------------------------

def _address_columns() -> list[ExportColumn]:
    return [
        ExportColumn("网格", lambda r: r["grid"]),
        ExportColumn("小区", lambda r: r["compound"]),
        ExportColumn("楼栋", lambda r: r["building"]),
        ExportColumn("单元", lambda r: r["unit"]),
        ExportColumn("门牌号", lambda r: r["door_number"], "code"),
    ]


def _numbered(rows: Iterable[Row]) -> Iterator[Row]:
    for n, r in enumerate(rows, 1):
        r["_n"] = n
        yield r


RESIDENT_COLUMNS = [
    ExportColumn("序号", lambda r: r["_n"], "number"),
    *_address_columns(),
    ExportColumn("姓名", lambda r: r["name"]),
    ExportColumn("性别", lambda r: SEX_LABELS.get(r["sex"] or "")),
    ExportColumn("证件类型", lambda r: ID_KIND_LABELS.get(r["id_kind"], r["id_kind"])),
    ExportColumn("证件号码", lambda r: r["id_number"], "code", width=22),
    ExportColumn("出生日期", lambda r: r["birth_date"], "date", width=12),
    ExportColumn("民族", lambda r: r["ethnicity"]),
    ExportColumn("与户主关系", lambda r: r["relation"]),
    ExportColumn("联系电话", lambda r: r["phone"], "code", width=15),
    ExportColumn("居住类型", lambda r: RESIDENCY_LABELS.get(r["residency"], r["residency"])),
    ExportColumn("政治面貌", lambda r: "中共党员" if r["party"] else None),
    ExportColumn("标签", lambda r: r["tags"]),
    ExportColumn("住户电话", lambda r: r["household_phone"], "code", width=15),
    ExportColumn("居住情况", lambda r: DWELLING_LABELS.get(r["dwelling"], r["dwelling"])),
    ExportColumn("住户标签", lambda r: r["household_tags"]),
    ExportColumn("备注", lambda r: r["note"]),
]


def _head(r: Row, part: int) -> str | None:
    return r["head"].split("\t")[part] or None if r["head"] else None


HOUSEHOLD_COLUMNS = [
    ExportColumn("序号", lambda r: r["_n"], "number"),
    *_address_columns(),
    ExportColumn("户主", lambda r: _head(r, 0)),
    ExportColumn("户主证件号码", lambda r: _head(r, 1), "code", width=22),
    ExportColumn("人数", lambda r: r["members"], "number"),
    ExportColumn("住户电话", lambda r: r["phone"], "code", width=15),
    ExportColumn("居住情况", lambda r: DWELLING_LABELS.get(r["dwelling"], r["dwelling"])),
    ExportColumn("住户标签", lambda r: r["tags"]),
    ExportColumn("备注", lambda r: r["note"]),
]

WHAT = {"residents": "居民", "households": "住户", "cases": "居家隔离人员"}


def _subtitle(db: sqlite_utils.Database, count: str, today: date) -> tuple[str, str]:
    info = community_info(db)
    name = info.name if info else ""
    where = " ".join(p for p in (info.district, info.street, info.name) if p) if info else ""
    return name, f"{where}　导出日期：{today:%Y年%m月%d日}　{count}"


@audited("export")
def export_ledger(db: sqlite_utils.Database, what: str, path: str | os.PathLike[str], *,
                  progress: Progress | None = None, cancelled: Cancelled | None = None,
                  today: date | None = None) -> int:
    """Write the residents ledger (`what="residents"`) or the households ledger
    (`what="households"`) of the whole community; returns the number of rows."""
    require(db, "ledger.export")
    today = today or date.today()
    if what == "residents":
        total = db.conn.execute(
            "SELECT count(*) FROM residents r JOIN households h ON h.id = r.household_id "
            "WHERE r.deleted = 0 AND h.deleted = 0").fetchone()[0]
        name, subtitle = _subtitle(db, f"共 {total} 人", today)
        return write_ledger(path, f"{name}居民信息台账", subtitle, RESIDENT_COLUMNS,
                            _numbered(q.resident_ledger(db)), total=total, sheet_name="居民台账",
                            progress=progress, cancelled=cancelled)
    if what == "households":
        total = q.count_live(db, "households")
        name, subtitle = _subtitle(db, f"共 {total} 户", today)
        return write_ledger(path, f"{name}住户信息台账", subtitle, HOUSEHOLD_COLUMNS,
                            _numbered(q.household_ledger(db)), total=total,
                            sheet_name="住户台账", progress=progress, cancelled=cancelled)
    if what == "cases":
        from app import accounts, isolation_ledger

        session = accounts.current(db)

        total = db.conn.execute(
            "SELECT count(*) FROM isolation_cases WHERE deleted = 0").fetchone()[0]
        name, subtitle = _subtitle(db, f"共 {total} 人次", today)
        return write_ledger(path, f"{name}居家隔离人员台账", subtitle,
                            isolation_ledger.columns(session),
                            isolation_ledger.case_rows(db, today), total=total,
                            sheet_name="居家隔离台账", progress=progress, cancelled=cancelled)
    raise ValueError(f"unknown ledger {what!r}")


@audited("export")
def export_list(db: sqlite_utils.Database, path: str | os.PathLike[str], title: str,
                columns: list[ExportColumn], rows: Iterable[Row], *, total: int = 0,
                progress: Progress | None = None, cancelled: Cancelled | None = None,
                today: date | None = None) -> int:
    """Write a list as the window shows it (its columns, its order) under the community's
    title; `rows` may be a generator that reads the database as it goes."""
    require(db, "ledger.export")
    today = today or date.today()
    name, subtitle = _subtitle(db, f"共 {total} 条" if total else "", today)
    return write_ledger(path, f"{name} {title}".strip(), subtitle.rstrip("　"), columns, rows,
                        total=total, sheet_name="列表", progress=progress, cancelled=cancelled)
