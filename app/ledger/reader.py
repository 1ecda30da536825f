"""Reading a resident ledger as offices keep it, told apart by content: .xlsx (python-calamine,
openpyxl if it fails), .xls and .et (xlrd), .csv in UTF-8 or GBK/GB18030, and (through
`app.ledger.formats`) HTML tables saved as .xls, SpreadsheetML 2003 and .ods; merged cells
filled in; the header row(s) found among the first rows by the field names they carry.
`read_ledger` is the one entry point for every format."""

from __future__ import annotations

import codecs
import csv
import io
import os
import re
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from app.ledger import formats

Progress = Callable[[int, int], None]
Cancelled = Callable[[], bool]

# What read_ledger reads, for every file dialog that opens a ledger (one "表格文件" filter).
LEDGER_PATTERNS = "*.xlsx *.xlsm *.xls *.et *.ods *.xml *.htm *.html *.csv *.txt"
HEADER_SCAN_ROWS = 30     # the header is looked for in the first rows
CHECK_EVERY = 500         # rows between progress reports and cancel checks


class LedgerError(Exception):
    """The file cannot be read as a ledger; `message` says (in Chinese) what to do."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class ImportCancelled(Exception):
    """The person pressed cancel: nothing is kept (an import under way is rolled back)."""


# --- fields and their header synonyms -----------------------------------------------------------

@dataclass(frozen=True)
class Field:
    code: str
    label: str                  # shown in the mapping dialog
    synonyms: tuple[str, ...]   # header texts (normalized: no spaces, no brackets) that mean it


FIELDS: tuple[Field, ...] = (
    Field("name", "姓名", ("姓名", "居民姓名", "人员姓名", "名字", "成员姓名", "家庭成员姓名",
                            "家庭成员")),
    Field("id_number", "证件号码", ("身份证号", "身份证号码", "公民身份号码", "公民身份证号码",
                                   "身份证", "证件号码", "证件号", "身份证件号码", "身份号码",
                                   "居民身份证号码", "居民身份证号", "身份证件号")),
    Field("id_kind", "证件类型", ("证件类型", "证件种类", "证件类别")),
    Field("sex", "性别", ("性别",)),
    Field("birth_date", "出生日期", ("出生日期", "出生年月", "出生年月日", "生日", "出生时间")),
    Field("ethnicity", "民族", ("民族",)),
    Field("relation", "与户主关系", ("与户主关系", "与户主的关系", "关系", "家庭关系",
                                    "户内关系")),
    Field("phone", "联系电话", ("联系电话", "手机号码", "手机号", "手机", "电话", "联系方式",
                               "电话号码", "本人电话", "本人手机", "个人电话", "联系手机")),
    Field("political", "政治面貌（中共党员登记为党员）", ("政治面貌", "党员", "是否党员")),
    Field("branch", "所在党支部", ("所在支部", "党支部", "支部", "所在党支部")),
    Field("residency", "居住类型（户籍/常住/流动）", ("居住类型", "人口类型", "人员类型",
                                                 "户籍类型", "户籍性质", "居住性质", "人口性质",
                                                 "户口性质")),
    Field("tags", "居民标签", ("标签", "人员标签", "特殊人群", "重点人群", "人群类别",
                              "人群分类", "居民标签")),
    Field("note", "备注", ("备注", "说明")),
    Field("grid", "网格", ("网格", "所属网格", "网格名称")),
    Field("compound", "小区（楼院）", ("小区", "楼院", "小区名称", "小区名", "楼院名称",
                                     "所属小区", "小区楼院", "小区/楼院", "院落", "所在小区")),
    Field("building", "楼栋", ("楼栋", "楼号", "楼栋号", "栋", "幢", "楼", "楼栋名称", "栋号")),
    Field("unit", "单元", ("单元", "单元号")),
    Field("door", "门牌号", ("门牌号", "房号", "户号", "房间号", "门牌", "室", "房屋号",
                            "门号", "房号门牌")),
    Field("address", "住址（如 锦绣花园3号楼2单元501）", ("住址", "现住址", "居住地址",
                                                      "家庭住址", "地址", "详细地址",
                                                      "现居住地址", "居住地", "家庭地址")),
    Field("household_phone", "住户电话", ("住户电话", "家庭电话", "座机", "固定电话",
                                          "住宅电话", "户联系电话")),
    Field("dwelling", "居住情况（自住/出租/空置）", ("居住情况", "房屋性质", "房屋用途",
                                                  "住房性质", "房屋状况")),
    Field("household_tags", "住户标签", ("住户标签", "家庭标签", "户标签", "家庭类型")),
)
FIELD_BY_CODE = {f.code: f for f in FIELDS}
# Headers that mark a header row but are not imported (derived, or ours).
IGNORED_HEADERS = frozenset(("序号", "编号", "年龄", "户主姓名", "户主", "问题", "原行号",
                             "签字", "行号", "人数", "户主证件号码"))
IGNORE = ""  # the mapping value of a column that is not imported

_SYNONYMS: dict[str, str] = {}
for _f in FIELDS:
    for _s in _f.synonyms:
        _SYNONYMS[_s] = _f.code
# The header words being looked for: the resident fields, unless another ledger (places)
# reads its file inside `vocabulary(...)`: the same reader, layouts and refusals for all.
_VOCABULARY: ContextVar[dict[str, str]] = ContextVar("ledger_vocabulary", default=_SYNONYMS)


@contextmanager
def vocabulary(fields: Sequence[Field]) -> Iterator[None]:
    """Within it, headers are matched against `fields` instead of the resident fields."""
    token = _VOCABULARY.set({s: f.code for f in fields for s in f.synonyms})
    try:
        yield
    finally:
        _VOCABULARY.reset(token)

_BRACKETS = re.compile(r"[（(【\[].*?[）)】\]]")
FULL_TO_HALF = {cp: cp - 0xFEE0 for cp in range(0xFF01, 0xFF5F)}
FULL_TO_HALF[0x3000] = 0x20


def header_key(text: Any) -> str:
    """A header text as compared: half-width, no spaces, marks or bracketed hints."""
    if text is None:
        return ""
    t = str(text).translate(FULL_TO_HALF)
    t = "".join(t.split())
    t = t.strip("*※★●·:：")
    t = _BRACKETS.sub("", t) or t
    return t.lower()


def match_header(text: Any) -> str | None:
    """The field a header text means, IGNORE for known columns that are not imported, or None."""
    key = header_key(text)
    if not key:
        return None
    synonyms = _VOCABULARY.get()
    if key in synonyms:
        return synonyms[key]
    if key in IGNORED_HEADERS:
        return IGNORE
    return None


# --- reading files ------------------------------------------------------------------------------

@dataclass
class LedgerColumn:
    index: int      # 0-based
    letter: str     # A, B, … as Excel shows it
    label: str      # the header as written ("住址 / 楼栋" for two header rows)
    key: str        # normalized, for the remembered mapping
    guess: str | None  # field from the header, IGNORE, or None
    samples: list[str] = field(default_factory=list)


@dataclass
class Ledger:
    """A table read from a file: every row with merged cells filled in, and where the header is."""

    path: Path
    kind: str                     # xlsx | xls | csv | html | xml (SpreadsheetML) | ods
    rows: list[list[Any]]         # rows[0] is the file's row 1
    sheet: str | None = None
    sheets: list[str] = field(default_factory=list)
    encoding: str | None = None
    title: str | None = None
    header_rows: list[int] = field(default_factory=list)   # 1-based
    columns: list[LedgerColumn] = field(default_factory=list)
    # Tables of a web page or XML/ODS file whose first rows read as a ledger's header: when
    # there are several, she is told which one is read and that she may choose another.
    candidates: list[str] = field(default_factory=list)

    @property
    def first_data_row(self) -> int:
        return (self.header_rows[-1] + 1) if self.header_rows else 1

    @property
    def data_row_count(self) -> int:
        return max(0, len(self.rows) - self.first_data_row + 1)


def column_letter(index: int) -> str:
    s, n = "", index + 1
    while n:
        n, r = divmod(n - 1, 26)
        s = chr(65 + r) + s
    return s


def _broken(name: str) -> LedgerError:
    return LedgerError(f"无法读取“{name}”：文件已损坏，或不是 Excel 表格。请用 Excel 或 WPS "
                       "打开它，另存为“Excel 工作簿（*.xlsx）”后再导入。")


def read_ledger(path: str | os.PathLike[str], *, sheet: str | None = None,
                progress: Progress | None = None, cancelled: Cancelled | None = None
                ) -> Ledger:
    """Read a ledger file of any kind an office receives (.xlsx, .xls, .et, .ods, .csv, an
    HTML table saved as .xls/.htm, SpreadsheetML 2003; told apart by content, never by name),
    fill merged cells and find its header. `sheet` names a worksheet, or for a web page one
    of its tables ("表格1", "表格2", … as `Ledger.sheets` lists them); by default the one
    that reads most like a ledger. Text cells stay as written (ID numbers, phones). Raises
    LedgerError with a Chinese message (the file, what was found, what to do) for files it
    cannot use, ImportCancelled when `cancelled` says so."""
    path = Path(path)
    name = path.name
    try:
        with path.open("rb") as fh:
            head = fh.read(8)
            size = os.fstat(fh.fileno()).st_size
    except FileNotFoundError as exc:
        raise LedgerError(f"找不到文件“{path}”。请确认文件还在原来的位置。") from exc
    except OSError as exc:
        raise LedgerError(f"无法打开“{name}”：{exc.strerror or exc}。如果文件正在 Excel 或 "
                          "WPS 中打开，请先关闭它再导入。") from exc
    if size == 0 or not head:
        raise LedgerError(f"“{name}”是空文件，里面没有表格。请确认选对了文件，或在 Excel 中"
                          "重新保存后再导入。")
    suffix = path.suffix.lower()
    if head.startswith(b"PK\x03\x04"):
        if formats.is_ods(path):
            ledger = _from_sheets(path, "ods", _formats_call(
                name, formats.read_ods, path, progress, cancelled), sheet)
        else:
            ledger = _read_workbook(path, sheet, progress, cancelled)
    elif head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        ledger = _read_xls(path, sheet, progress, cancelled)
    else:
        data = path.read_bytes()
        markup = formats.sniff_text(data[:8192])
        if markup == "html":
            sheets, encoding = _formats_call(name, formats.read_html, data, decode_text,
                                             progress, cancelled)
            ledger = _from_sheets(path, "html", sheets, sheet, encoding)
            _find_header(ledger)
            return ledger
        if markup == "spreadsheetml":
            ledger = _from_sheets(path, "xml", _formats_call(
                name, formats.read_spreadsheetml, data, decode_text, progress, cancelled),
                sheet)
            _find_header(ledger)
            return ledger
        if markup == "xml":
            raise LedgerError(f"无法读取“{name}”：这是 XML 文件，但不是 Excel 或 WPS 的“XML "
                              "表格”。请确认选对了文件，或用 Excel/WPS 打开它，另存为“Excel "
                              "工作簿（*.xlsx）”后再导入。")
        if b"\x00" in data[:65536] and not data.startswith((codecs.BOM_UTF16_LE,
                                                              codecs.BOM_UTF16_BE)):
            if suffix in (".xlsx", ".xlsm", ".xls", ".et"):
                raise _broken(name)
            raise LedgerError(f"“{name}”不是表格文件。请导入 Excel 或 WPS 表格（.xlsx、.xls、"
                              ".et）、.ods、网页或 XML 表格，或 CSV 文件。")
        ledger = _read_csv(path, data)
        if suffix in (".xlsx", ".xlsm", ".xls", ".et"):
            # Some web systems export text tables under an Excel name: fine if it reads as
            # one, else the file is what it seems, a damaged workbook.
            ledger.path = path
            try:
                _find_header(ledger)
            except LedgerError:
                raise _broken(name) from None
            return ledger
    ledger.path = path
    _find_header(ledger)
    return ledger


def _formats_call(name: str, reader: Callable[..., Any], *args: Any) -> Any:
    """A `formats` reader's result, its refusals and cancel turned into ours."""
    try:
        return reader(*args)
    except formats.FormatError as exc:
        raise LedgerError(f"无法读取“{name}”：{exc.found}。{exc.todo}。") from exc
    except formats.Stopped:
        raise ImportCancelled() from None
    except (LedgerError, MemoryError):
        raise
    except Exception as exc:  # a parser's own error on a damaged or hostile file
        raise LedgerError(f"无法读取“{name}”：文件内容不完整或已损坏。请用 Excel 或 WPS 打开它，"
                          "另存为“Excel 工作簿（*.xlsx）”后再导入。") from exc


def _from_sheets(path: Path, kind: str, sheets: list[formats.Sheet], sheet: str | None,
                 encoding: str | None = None) -> Ledger:
    """The ledger of the named table, or of the one whose first rows read most like a
    header (the others stay in `sheets` for the person to choose)."""
    visible = [s for s in sheets if not s.hidden] or sheets
    if sheet is not None:
        chosen = next((s for s in visible if s.name == sheet), None)
        if chosen is None:
            raise LedgerError(f"“{path.name}”里没有名为“{sheet}”的"
                              f"{'表格' if kind == 'html' else '工作表'}。")
    else:
        # The most header fields wins; between equals, the longer table (a page's small
        # search form or legend table before the list).
        chosen = max(visible, key=lambda s: (_score_rows(s.rows[:HEADER_SCAN_ROWS]),
                                             len(s.rows)))
    candidates = [s.name for s in visible if _score_rows(s.rows[:HEADER_SCAN_ROWS]) >= 2]
    _fill_merged(chosen.rows, chosen.merged)
    return Ledger(path, kind, chosen.rows, sheet=chosen.name,
                  sheets=[s.name for s in visible], encoding=encoding, candidates=candidates)


def _read_workbook(path: Path, sheet: str | None, progress: Progress | None,
                   cancelled: Cancelled | None) -> Ledger:
    """An .xlsx (or a zipped .et) through python-calamine; openpyxl, slower, for what
    calamine refuses, so its clearer errors (encrypted, damaged) still decide, and for a file
    with a number of 16 digits or more: calamine reads every number as a float, openpyxl keeps
    one written as an integer exact (an ID number a program stored as a number, every digit
    there), where a float would turn it into 4.10102E+17 and refuse the row."""
    try:
        ledger = _read_calamine(path, sheet, progress, cancelled, "xlsx")
    except (LedgerError, ImportCancelled):
        raise
    except Exception:  # calamine raises several kinds for what it cannot read
        return _read_xlsx(path, sheet, progress, cancelled)
    if any(type(v) is float and abs(v) >= 1e15 for row in ledger.rows for v in row):
        return _read_xlsx(path, ledger.sheet, progress, cancelled)
    return ledger


def _fill_merged(rows: list[list[Any]], ranges: Sequence[tuple[int, int, int, int]]) -> None:
    """Copy each merged range's top-left value into all its cells (1-based bounds)."""
    width = max((len(r) for r in rows), default=0)
    for min_col, min_row, max_col, max_row in ranges:
        if min_row > len(rows):
            continue
        top = rows[min_row - 1]
        value = top[min_col - 1] if min_col - 1 < len(top) else None
        if value is None:
            continue
        max_row = min(max_row, len(rows))
        max_col = min(max_col, max(width, min_col))
        for r in range(min_row, max_row + 1):
            row = rows[r - 1]
            if len(row) < max_col:
                row.extend([None] * (max_col - len(row)))
            for c in range(min_col, max_col + 1):
                if row[c - 1] is None:
                    row[c - 1] = value


_MERGE_CELL = re.compile(rb'<(?:\w+:)?mergeCell\b[^>]*?\bref="([A-Za-z]+\d+(?::[A-Za-z]+\d+)?)"')
_SHEETDATA_END = re.compile(rb"</(?:\w+:)?sheetData>")


def _xlsx_merged_ranges(wb: Any, ws: Any) -> list[tuple[int, int, int, int]]:
    """Merged ranges of a read-only openpyxl sheet. Read-only mode (2-3 times faster on big
    ledgers) does not keep them, so the <mergeCells> after the sheet data are read directly."""
    from openpyxl.utils.cell import range_boundaries

    archive = getattr(wb, "_archive", None)
    member = getattr(ws, "_worksheet_path", None)
    if archive is None or member is None:
        return []
    # <mergeCells> follows <sheetData>: skip the rows, keep only what comes after them.
    tail = b""
    rest: list[bytes] = []
    with archive.open(member) as src:
        while chunk := src.read(1 << 20):
            if rest:
                rest.append(chunk)
                continue
            data = tail + chunk
            end = _SHEETDATA_END.search(data)
            if end is None:
                tail = data[-32:]
            else:
                rest.append(data[end.end():])
    refs = _MERGE_CELL.findall(b"".join(rest))
    ranges = []
    for ref in dict.fromkeys(refs):
        text = ref.decode("ascii")
        if ":" not in text:
            continue
        ranges.append(range_boundaries(text))
    return ranges


def _score_rows(rows: Sequence[Sequence[Any]]) -> int:
    return max((len({f for c in r if (f := match_header(c))}) for r in rows), default=0)


def _read_xlsx(path: Path, sheet: str | None, progress: Progress | None,
               cancelled: Cancelled | None) -> Ledger:
    import openpyxl

    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except PermissionError as exc:
        raise LedgerError(f"无法打开“{path.name}”：没有读取权限，或文件正在被其他程序使用。"
                          "请关闭 Excel 或 WPS 后再导入。") from exc
    except Exception as exc:  # openpyxl raises many kinds for damaged files
        if "encrypt" in str(exc).lower():
            raise _encrypted(path.name) from exc
        raise _broken(path.name) from exc
    try:
        visible = [ws for ws in wb.worksheets if getattr(ws, "sheet_state", "visible") == "visible"]
        visible = visible or list(wb.worksheets)
        if not visible:
            raise _broken(path.name)
        if sheet is not None:
            chosen = next((ws for ws in visible if ws.title == sheet), None)
            if chosen is None:
                raise LedgerError(f"“{path.name}”里没有名为“{sheet}”的工作表。")
        elif len(visible) == 1:
            chosen = visible[0]
        else:
            def sample(ws: Any) -> list[tuple]:
                ws.reset_dimensions()
                return list(ws.iter_rows(max_row=HEADER_SCAN_ROWS, values_only=True))
            chosen = max(visible, key=lambda ws: _score_rows(sample(ws)))
        estimate = chosen.max_row or 0
        chosen.reset_dimensions()  # a wrong <dimension> in the file must not cut rows off
        rows: list[list[Any]] = []
        for n, values in enumerate(chosen.iter_rows(values_only=True), 1):
            rows.append(list(values))
            if n % CHECK_EVERY == 0:
                if cancelled and cancelled():
                    raise ImportCancelled()
                if progress:
                    progress(n, max(estimate, n))
        _fill_merged(rows, _xlsx_merged_ranges(wb, chosen))
        return Ledger(path, "xlsx", rows, sheet=chosen.title, sheets=[ws.title for ws in visible])
    except (LedgerError, ImportCancelled):
        raise
    except Exception as exc:
        raise _broken(path.name) from exc
    finally:
        wb.close()


def _encrypted(name: str) -> LedgerError:
    return LedgerError(f"“{name}”设置了打开密码，程序无法读取。请在 Excel 或 WPS 中取消密码"
                       "（文件 › 信息 › 保护工作簿），另存后再导入。")


def _read_xls(path: Path, sheet: str | None, progress: Progress | None,
              cancelled: Cancelled | None) -> Ledger:
    import xlrd

    try:
        book = xlrd.open_workbook(str(path), formatting_info=True, on_demand=True)
    except Exception as exc:
        text = str(exc).lower()
        if "encrypt" in text or "password" in text:
            raise _encrypted(path.name) from exc
        if path.suffix.lower() == ".et":
            return _read_et(path, sheet, progress, cancelled)
        # An encrypted .xlsx is an OLE2 file too, and xlrd calls it unsupported.
        raise _broken(path.name) from exc
    try:
        names = book.sheet_names()
        sheets = [book.sheet_by_name(n) for n in names]
        visible = [s for s in sheets if getattr(s, "visibility", 0) == 0] or sheets
        if sheet is not None:
            chosen = next((s for s in visible if s.name == sheet), None)
            if chosen is None:
                raise LedgerError(f"“{path.name}”里没有名为“{sheet}”的工作表。")
        else:
            chosen = max(visible, key=lambda s: _score_rows(
                [[_xls_value(book, s.cell(r, c)) for c in range(s.ncols)]
                 for r in range(min(s.nrows, HEADER_SCAN_ROWS))]))
        rows = []
        for r in range(chosen.nrows):
            rows.append([_xls_value(book, chosen.cell(r, c)) for c in range(chosen.ncols)])
            if (r + 1) % CHECK_EVERY == 0:
                if cancelled and cancelled():
                    raise ImportCancelled()
                if progress:
                    progress(r + 1, chosen.nrows)
        _fill_merged(rows, [(clo + 1, rlo + 1, chi, rhi)
                            for rlo, rhi, clo, chi in chosen.merged_cells])
        return Ledger(path, "xls", rows, sheet=chosen.name, sheets=[s.name for s in visible])
    except (LedgerError, ImportCancelled):
        raise
    except Exception as exc:
        raise _broken(path.name) from exc
    finally:
        book.release_resources()


def _read_et(path: Path, sheet: str | None, progress: Progress | None,
             cancelled: Cancelled | None) -> Ledger:
    """A WPS .et that xlrd cannot open: WPS writes most .et files as Excel 97-2003 workbooks
    (xlrd reads those), some in its own variant; python-calamine is tried last."""
    try:
        return _read_calamine(path, sheet, progress, cancelled, "xls")
    except (LedgerError, ImportCancelled):
        raise
    except Exception as exc:
        raise LedgerError(f"无法读取“{path.name}”：这是 WPS 表格自己的 .et 格式，程序读不了。"
                          "请在 WPS 表格中打开它，点“文件 › 另存为”，文件类型选“Excel 工作簿"
                          "（*.xlsx）”，保存后导入新文件。") from exc


def _read_calamine(path: Path, sheet: str | None, progress: Progress | None,
                   cancelled: Cancelled | None, kind: str) -> Ledger:
    def choose(samples: list[tuple[str, list[list[Any]]]]) -> str:
        return max(samples, key=lambda s: _score_rows(
            [[None if v == "" else v for v in r] for r in s[1]]))[0]

    try:
        chosen, visible = formats.read_calamine(path, sheet, choose, progress, cancelled)
    except formats.Stopped:
        raise ImportCancelled() from None
    except KeyError:
        raise LedgerError(f"“{path.name}”里没有名为“{sheet}”的工作表。") from None
    _fill_merged(chosen.rows, chosen.merged)
    return Ledger(path, kind, chosen.rows, sheet=chosen.name, sheets=visible)


def _xls_value(book: Any, cell: Any) -> Any:
    import xlrd

    if cell.ctype in (xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK, xlrd.XL_CELL_ERROR):
        return None
    if cell.ctype == xlrd.XL_CELL_DATE:
        try:
            return xlrd.xldate.xldate_as_datetime(cell.value, book.datemode)
        except (ValueError, OverflowError, xlrd.xldate.XLDateError):
            return cell.value
    if cell.ctype == xlrd.XL_CELL_BOOLEAN:
        return bool(cell.value)
    return cell.value


def decode_text(data: bytes) -> tuple[str, str]:
    """The text of a CSV file and its encoding's name. Offices write UTF-8 (often with a BOM,
    as Excel's "CSV UTF-8") or GBK/GB18030 (Excel's plain "CSV" on a Chinese Windows)."""
    if data.startswith(codecs.BOM_UTF8):
        return data[3:].decode("utf-8", errors="replace"), "UTF-8（带BOM）"
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16"), "UTF-16"
    try:
        return data.decode("utf-8"), "UTF-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030"), "GB18030（GBK）"
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is None:
        raise LedgerError("无法识别这个 CSV 文件的文字编码。请用 Excel 或 WPS 打开它，另存为"
                          "“Excel 工作簿（*.xlsx）”后再导入。")
    return str(best), best.encoding


def _read_csv(path: Path, data: bytes) -> Ledger:
    text, encoding = decode_text(data)
    sample = "\n".join(text.splitlines()[:HEADER_SCAN_ROWS])
    counts = {d: sample.count(d) for d in (",", "\t", ";")}
    delimiter = max(counts, key=counts.get) if any(counts.values()) else ","
    try:
        rows = [list(r) for r in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)]
    except csv.Error as exc:
        raise LedgerError(f"无法读取 CSV 文件“{path.name}”：{exc}。请用 Excel 打开后另存为"
                          "“Excel 工作簿（*.xlsx）”再导入。") from exc
    return Ledger(path, "csv", [[c if c != "" else None for c in r] for r in rows],
                  encoding=encoding)


# --- header detection ---------------------------------------------------------------------------

_LOOKS_LIKE_ID = re.compile(r"\d{15}|\d{17}[\dXx]")


def text_of(value: Any) -> str:
    return "" if value is None else str(value).strip()


def _header_like(row: Sequence[Any]) -> bool:
    """A row of column names: at least one known header and no more unknown texts than known
    ones, and nothing that looks like an ID number."""
    texts = [text_of(c) for c in row if text_of(c)]
    if not texts or any(_LOOKS_LIKE_ID.search(t) for t in texts):
        return False
    known = sum(1 for t in texts if match_header(t) is not None)
    return known >= 1 and known * 2 >= len(texts)


def _find_header(ledger: Ledger) -> None:
    """The header is the row among the first 30 that names the most known fields; the row
    above or below joins it when it also reads as column names (two header rows)."""
    rows = ledger.rows
    scan = rows[:HEADER_SCAN_ROWS]
    scores = [len({f for c in r if (f := match_header(c))}) for r in scan]
    if not scores or max(scores) < 2:
        found = {"html": "（网页格式的表格）", "xml": "（XML 表格）"}.get(ledger.kind, "")
        raise LedgerError(
            f"在“{ledger.path.name}”{found}的前{HEADER_SCAN_ROWS}行里没有找到表头（例如“姓名”“身份证号码”"
            "“门牌号”这样的列名）。请确认这是居民台账，并在数据上方的一行写上列名后再导入。")
    best = scores.index(max(scores))
    header = [best]
    if best > 0 and _header_like(rows[best - 1]):
        header.insert(0, best - 1)
    elif best + 1 < len(rows) and _header_like(rows[best + 1]):
        header.append(best + 1)
    ledger.header_rows = [h + 1 for h in header]
    for r in rows[:header[0]]:
        texts = [text_of(c) for c in r if text_of(c)]
        if texts:
            ledger.title = texts[0]
            break
    width = max((len(r) for r in rows), default=0)
    data = rows[header[-1] + 1:]
    columns = []
    for c in range(width):
        parts: list[str] = []
        for h in header:
            t = text_of(rows[h][c]) if c < len(rows[h]) else ""
            if t and t not in parts:
                parts.append(t)
        samples = []
        for r in data:
            if c < len(r) and text_of(r[c]):
                samples.append(cell_text(r[c]))
                if len(samples) >= 3:
                    break
        if not parts and not samples:
            continue
        # The lowest header row is the most specific (住址 › 楼栋): it decides first.
        guess = None
        for t in reversed(parts):
            guess = match_header(t)
            if guess is not None:
                break
        label = " / ".join(parts) if parts else "（无列名）"
        columns.append(LedgerColumn(c, column_letter(c), label, header_key("/".join(parts)),
                                    guess, samples))
    ledger.columns = columns


# --- cell values as shown ----------------------------------------------------------------------

def cell_text(value: Any) -> str:
    """A cell as the person sees it. An ID number Excel stored as a number (more than 15
    digits) is shown as Excel shows it, 4.10102E+17, so the checks recognise the damage."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() \
            else value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        if abs(value) >= 1e15:
            return f"{value:.5E}"
        return repr(value)
    if isinstance(value, int):
        return str(value)
    return str(value).strip()


def code_text(value: Any) -> str:
    """ID numbers and phones: also undo the tricks that keep Excel from rounding them
    ('410102…, ="410102…", a leading tab)."""
    t = cell_text(value).strip()
    if t.startswith("'"):
        t = t[1:]
    m = re.fullmatch(r'=\s*"(.*)"', t)
    if m:
        t = m.group(1)
    return t.strip()


