"""The pairing ledger (党员联户台账) as .xlsx with openpyxl: a title row, headers, one row per
household with its member; ID numbers and phones are text cells, so Excel never turns them
into 4.10102E+17. ID numbers and phones are whole or masked as app.accounts.masking says for a
ledger."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Collection
from copy import copy
from datetime import date
from pathlib import Path

import sqlite_utils
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

from app import community_scope, pairing
from app.accounts import Session, audited, masking, require
from app.database import community_info
from app.documents.page import cn_date

Progress = Callable[[int, int], None]

# (header, row key or function, width, text?)
COLUMNS: list[tuple[str, Callable[[dict], object], int, bool]] = [
    ("序号", lambda r: r["_n"], 6, False),
    ("网格", lambda r: r["grid"], 10, False),
    ("楼院", lambda r: r["compound"], 16, False),
    ("楼栋", lambda r: r["building"], 8, False),
    ("单元", lambda r: r["unit"], 7, False),
    ("门牌号", lambda r: r["door_number"], 8, True),
    ("户主", lambda r: r["head"], 10, False),
    ("户主身份证号", lambda r: r["head_id_number"], 21, True),
    ("户主电话", lambda r: r["head_phone"] or r["phone"], 15, True),
    ("人数", lambda r: r["people"], 6, False),
    ("联系党员", lambda r: r["member_name"] or "（未联户）", 10, False),
    ("党员电话", lambda r: r["member_phone"], 14, True),
    ("所在支部", lambda r: r["member_branch"], 18, False),
    ("联户日期", lambda r: r["started_on"], 12, True),
]


def _shown_columns(session: Session | None, names: dict[str, str] | None = None
                   ) -> list[tuple[str, Callable[[dict], object], int, bool]]:
    """COLUMNS with the personal numbers (户主身份证号, 户主电话, 党员电话) as the session may
    see them in a ledger; with `names` (community_id → name, at a district) a 社区 column
    after 序号."""
    out = []
    columns = list(COLUMNS)
    if names is not None:
        columns.insert(1, ("社区", lambda r: names.get(r["community_id"], ""), 14, False))
    for header, value_of, width, text in columns:
        kind = masking.kind_of_header(header)
        if kind is not None:
            value_of = masking.shown_value(session, kind, masking.LEDGER, value_of)
        out.append((header, value_of, width, text))
    return out


class ExportCancelled(Exception):
    """The person cancelled; nothing was written."""


class LedgerSaveError(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@audited("export")
def export_pairing_ledger(db: sqlite_utils.Database, path: str | os.PathLike[str], *,
                          today: date | None = None, progress: Progress | None = None,
                          cancelled: Callable[[], bool] | None = None,
                          communities: Collection[str] | None = None) -> int:
    """Write the ledger of every live household (at a district, with a 社区 column, of the
    `communities` given: community ids, None for all); returns the number of household
    rows. Written to a temporary file and renamed, so a failure leaves the old file alone."""
    session = require(db, "ledger.export")
    district = community_scope.is_district(db)
    columns = _shown_columns(session, community_scope.names(db) if district else None)
    path = Path(path)
    info = community_info(db)
    rows = pairing.households_with_members(db, communities=communities)
    paired = sum(1 for r in rows if r["member_id"])
    day = today or date.today()
    book = Workbook(write_only=True)
    sheet = book.create_sheet("联户台账")
    thin = Side(style="thin", color="9AA5B1")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    for i, (_, _, width, _) in enumerate(columns, start=1):
        sheet.column_dimensions[get_column_letter(i)].width = width
    sheet.freeze_panes = "A4"
    last = get_column_letter(len(columns))
    sheet.merged_cells.add(f"A1:{last}1")
    sheet.merged_cells.add(f"A2:{last}2")
    sheet.auto_filter.ref = f"A3:{last}{len(rows) + 3}"
    sheet.print_title_rows = "3:3"

    title = WriteOnlyCell(sheet, f"{info.name if info else ''}党员联户台账")
    title.font = Font(size=16, bold=True)
    title.alignment = Alignment(horizontal="center", vertical="center")
    sheet.append([title])
    rate = f"{paired / len(rows):.1%}" if rows else "—"
    where = f"{community_scope.describe(db, communities)}　" if district else ""
    sub = WriteOnlyCell(sheet, f"{where}导出日期：{cn_date(day)}　共 {len(rows)} 户，"
                               f"已联户 {paired} 户"
                               f"（{rate}），每名党员联系上限 {pairing.get_limit(db)} 户")
    sub.font = Font(color="5F6B7A")
    sheet.append([sub])
    head_fill = PatternFill("solid", fgColor="DCE6F1")
    header = []
    for name, _, _, _ in columns:
        cell = WriteOnlyCell(sheet, name)
        cell.font = Font(bold=True)
        cell.fill = head_fill
        cell.border = border
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        header.append(cell)
    sheet.append(header)
    # Styles are registered once on two template cells and their style arrays copied: setting
    # .border per cell hashes the style objects each time (8 s instead of 1 s per 3,000 rows).
    plain = WriteOnlyCell(sheet)
    plain.border = border
    as_text = WriteOnlyCell(sheet)
    as_text.border = border
    as_text.number_format = "@"
    styles = [copy(as_text._style if text else plain._style) for *_, text in columns]
    for n, row in enumerate(rows, start=1):
        row["_n"] = n
        cells = []
        for (_, value_of, _, text), style in zip(columns, styles, strict=True):
            value = value_of(row)
            cell = WriteOnlyCell(sheet, "" if value is None else (str(value) if text else value))
            cell._style = copy(style)
            cells.append(cell)
        sheet.append(cells)
        if n % 500 == 0:
            if cancelled and cancelled():
                raise ExportCancelled
            if progress:
                progress(n, len(rows))
    try:
        fd, name = tempfile.mkstemp(prefix=".griddesk-", suffix=".xlsx", dir=path.parent)
        os.close(fd)
    except OSError as exc:
        raise LedgerSaveError(f"无法在“{path.parent}”里写文件：{exc.strerror or exc}。"
                              "请换一个文件夹（例如“文档”或桌面）后再导出。") from exc
    tmp = Path(name)
    try:
        book.save(tmp)
        os.replace(tmp, path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise LedgerSaveError(f"无法保存“{path.name}”：文件可能正在 Excel 或 WPS 中打开，"
                              "或文件夹不允许写入。请关闭该文件或换一个文件名后再导出。") from exc
    if progress:
        progress(len(rows), len(rows))
    return len(rows)
