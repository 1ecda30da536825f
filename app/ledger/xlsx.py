"""Writing a ledger as .xlsx: a title row with the community and date, a frozen header, widths
from the content, dates as dates, ID numbers and phones as text cells (never numbers Excel would
round). Every ledger the app writes (residents, households, cases, pairings, audit) goes through
write_ledger."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

import xlsxwriter

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
