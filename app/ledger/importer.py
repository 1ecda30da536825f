"""Resident ledgers (台账) in: mapping columns to fields, a dry run that lists every problem row
and why, and the import of the good rows in one transaction, matching people already registered
instead of duplicating them. Reading the files is app/ledger_read.py.

Forgiving about layout (title rows, two header rows, merged cells, spacer and totals rows),
strict about data: every row goes through the registry's own checks.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

import sqlite_utils

from app import registry
from app.accounts import audited, require
from app.errors import FormError
from app.ledger.reader import (
    FIELD_BY_CODE,
    FIELDS,
    FULL_TO_HALF,
    IGNORE,
    Cancelled,
    Field,
    ImportCancelled,
    Ledger,
    LedgerColumn,
    LedgerError,
    Progress,
    cell_text,
    code_text,
    column_letter,
    decode_text,
    header_key,
    match_header,
    read_ledger,
    text_of,
)
from app.validation import (
    ID_KIND_LABELS,
    IdKind,
    ValidationError,
    normalize_phone,
    validate_id_number,
)
from db import ledger as dbl
from db import registry as q
from db.node import get_meta, set_meta, transaction

__all__ = ["FIELDS", "FIELD_BY_CODE", "IGNORE", "Field", "ImportCancelled", "ImportOptions",
           "ImportPlan", "Ledger", "LedgerColumn", "LedgerError", "Mapping", "ResidentChange",
           "RowProblem", "building_name", "cell_text", "check_mapping", "column_letter",
           "decode_text", "door_number", "guess_mapping", "header_key", "import_ledger",
           "match_header", "parse_address", "plan_import", "read_ledger", "remembered_mapping",
           "unit_name", "write_problems"]

CHECK_EVERY = 500         # rows between progress reports and cancel checks
MAPPING_META_KEY = "ledger_mapping"


# --- mapping ------------------------------------------------------------------------------------

Mapping = dict[int, str]   # column index → field code (columns not in it are not imported)


def remembered_mapping(db: sqlite_utils.Database) -> dict[str, str]:
    raw = get_meta(db, MAPPING_META_KEY)
    try:
        value = json.loads(raw) if raw else {}
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def guess_mapping(ledger: Ledger, remembered: dict[str, str] | None = None) -> Mapping:
    """Column → field from what this office chose last time, else from the header's synonyms;
    a field goes to its first column only."""
    remembered = remembered or {}
    mapping: Mapping = {}
    taken: set[str] = set()
    for col in ledger.columns:
        choice = remembered.get(col.key) if col.key in remembered else col.guess
        if choice and choice in FIELD_BY_CODE and choice not in taken:
            mapping[col.index] = choice
            taken.add(choice)
    return mapping


def check_mapping(ledger: Ledger, mapping: Mapping) -> None:
    """Refuse a mapping an import cannot work with, saying which columns to set."""
    by_field: dict[str, list[str]] = {}
    letters = {c.index: c.letter for c in ledger.columns}
    for index, code in mapping.items():
        if code:
            by_field.setdefault(code, []).append(letters.get(index, column_letter(index)))
    errors = []
    for code, cols in by_field.items():
        if len(cols) > 1:
            errors.append(f"“{FIELD_BY_CODE[code].label}”对应了{len(cols)}列（"
                          f"{'、'.join(c + '列' for c in cols)}），请只保留一列。")
    missing = [FIELD_BY_CODE[c].label for c in ("name", "id_number") if c not in by_field]
    if "door" not in by_field and "address" not in by_field:
        missing.append("门牌号（或住址）")
    if missing:
        errors.append(f"请为这些内容指定表格中的列：{'、'.join(missing)}。")
    if errors:
        raise FormError({"mapping": "\n".join(errors)})


# --- cell values ---------------------------------------------------------------------------

def _compact(text: str) -> str:
    return "".join(text.translate(FULL_TO_HALF).split())


_CJK = re.compile(r"^[\u3400-\u9fff\U00020000-\U0003134f·•]+$")


def _person_name(text: str) -> str:
    """Ledgers pad two-character names to line up (张  三): close the gap in Chinese names."""
    squeezed = "".join(text.split())
    return squeezed if _CJK.match(squeezed) else " ".join(text.split())


_CN_DIGITS = {ch: i for i, ch in enumerate("零一二三四五六七八九")}


def _number(text: str) -> int | None:
    if text.isdigit():
        return int(text)
    if text and all(ch in _CN_DIGITS or ch == "十" for ch in text):
        if "十" not in text:
            return int("".join(str(_CN_DIGITS[ch]) for ch in text))
        tens, _, ones = text.partition("十")
        return (_CN_DIGITS[tens] if tens else 1) * 10 + (_CN_DIGITS[ones] if ones else 0)
    return None


_BUILDING = re.compile(r"第?([0-9]+|[一二三四五六七八九十]+)(?:号楼|号|栋|幢|#楼|#|楼|号栋)?")
_UNIT = re.compile(r"第?([0-9]+|[一二三四五六七八九十]+)(?:单元|单)?")


def building_name(text: str) -> str:
    """3, 3号, 3栋, 3幢, 三号楼 → 3号楼; other names (A座, 综合楼) as written."""
    t = _compact(text)
    m = _BUILDING.fullmatch(t)
    if m and (n := _number(m.group(1))) is not None:
        return f"{n}号楼"
    return t


def unit_name(text: str) -> str:
    t = _compact(text)
    m = _UNIT.fullmatch(t)
    if m and (n := _number(m.group(1))) is not None:
        return f"{n}单元"
    return t


def door_number(text: str) -> str:
    t = _compact(text)
    t = re.sub(r"(?<=\d)(?:室|号|户)$", "", t)
    return t


_ADDRESS_PATTERNS = (
    # 锦绣花园3号楼2单元501室, 锦绣花园 3栋 2单元 501
    re.compile(r"(?P<c>.*?)(?P<b>[0-9A-Za-z一二三四五六七八九十]+)(?:号楼|号|栋|幢|#楼|#)"
               r"(?P<u>[0-9一二三四五六七八九十]+)单元(?P<d>[0-9A-Za-z]+(?:-\d+)?)(?:室|号|户)?"),
    # 锦绣花园3-2-501
    re.compile(r"(?P<c>.*?)(?P<b>\d+)-(?P<u>\d+)-(?P<d>\d+)"),
    # 棉纺宿舍5号楼101 (no units)
    re.compile(r"(?P<c>.*?)(?P<b>[0-9A-Za-z一二三四五六七八九十]+)(?:号楼|栋|幢)"
               r"(?P<d>[0-9]+)(?:室|号|户)?"),
)


def parse_address(text: str) -> tuple[str, str, str, str] | None:
    """(compound, building, unit, door) from an address such as 锦绣花园3号楼2单元501 or
    锦绣花园 3-2-501; the compound part may be empty, the unit too."""
    t = _compact(text)
    for pattern in _ADDRESS_PATTERNS:
        m = pattern.fullmatch(t)
        if m:
            parts = m.groupdict()
            return (parts["c"].strip("-,，、 "), building_name(parts["b"]),
                    unit_name(parts["u"]) if parts.get("u") else "", door_number(parts["d"]))
    return None


SEX_WORDS = {"男": "M", "男性": "M", "m": "M", "1": "M", "女": "F", "女性": "F", "f": "F",
             "2": "F"}
RESIDENCY_WORDS = {
    "户籍": "registered", "户籍人口": "registered", "本地户籍": "registered",
    "户籍在册": "registered", "本地": "registered",
    "常住": "resident", "常住人口": "resident", "人户分离": "resident",
    "流动": "floating", "流动人口": "floating", "外来": "floating", "外来人口": "floating",
    "暂住": "floating", "暂住人口": "floating", "租户": "floating",
}
DWELLING_WORDS = {"自住": "owner", "自有": "owner", "自购": "owner", "出租": "rented",
                  "租住": "rented", "租赁": "rented", "空置": "empty", "空房": "empty",
                  "闲置": "empty"}
PARTY_WORDS = frozenset(("中共党员", "中国共产党党员", "共产党员", "党员", "中共预备党员",
                         "预备党员", "是", "√", "✓", "y", "yes"))
ID_KIND_WORDS = {**{label: kind.value for kind, label in ID_KIND_LABELS.items()},
                 "身份证": "resident", "居民身份证": "resident", "护照": "passport",
                 "居住证": "hmt_permit", "港澳台居住证": "hmt_permit",
                 "永居证": "foreign_permanent",
                 "外国人永久居留证": "foreign_permanent", "其他": "other"}
RELATION_WORDS = {"本人": "户主", "户主本人": "户主", "妻": "配偶", "妻子": "配偶", "夫": "配偶",
                  "丈夫": "配偶", "之妻": "配偶", "之夫": "配偶", "子": "子女", "女": "子女",
                  "儿子": "子女", "女儿": "子女", "长子": "子女", "次子": "子女", "长女": "子女",
                  "次女": "子女", "之子": "子女", "之女": "子女", "父亲": "父母", "母亲": "父母",
                  "父": "父母", "母": "父母", "孙子": "孙子女", "孙女": "孙子女",
                  "外孙": "孙子女", "外孙女": "孙子女", "儿媳妇": "儿媳", "媳": "儿媳",
                  "婿": "女婿"}
TOTAL_WORDS = ("合计", "总计", "小计", "共计", "总数")
EXCEL_EPOCH = date(1899, 12, 30)


_PASSPORT = re.compile(r"[A-Z]{1,2}\d{6,9}")


def infer_id_kind(number: str) -> str:
    """The kind of a number when the ledger has no 证件类型 column: Hong Kong, Macao and Taiwan
    permits and 2023 foreign permanent IDs by their prefix, passports by their letters."""
    n = _compact(number).upper()
    if len(n) == 18 and n[:6] in ("810000", "820000", "830000"):
        return IdKind.HMT_PERMIT.value
    if len(n) == 18 and n.startswith("9") and n[:17].isdigit():
        return IdKind.FOREIGN_PERMANENT.value
    if _PASSPORT.fullmatch(n):
        return IdKind.PASSPORT.value
    return IdKind.RESIDENT.value


def _birth_value(value: Any) -> Any:
    """Dates as dates; a bare number that can only be an Excel date serial (the cell lost its
    date format) is turned back into the date."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool) and 1 <= value < 80000:
        return EXCEL_EPOCH + timedelta(days=int(value))
    return cell_text(value)


def _tags(text: str) -> str:
    return " ".join(dict.fromkeys(t for t in re.split(r"[\s,，、;；/|]+", text) if t))


# --- the plan -----------------------------------------------------------------------------------

@dataclass
class RowProblem:
    row: int                    # the file's row number
    name: str
    id_number: str
    messages: list[str]
    skipped: bool = True        # False: a note only; the row is imported


@dataclass
class ResidentChange:
    row: int
    name: str
    changes: list[tuple[str, str, str]]   # (what, before, after), in Chinese


@dataclass
class ImportOptions:
    default_compound: str | None = None   # for ledgers without a compound column or address


@dataclass
class _Good:
    row: int
    place: tuple[str, str, str, str]      # compound, building, unit, door
    grid: str | None
    values: dict[str, Any]                # resident columns, as the registry checked them
    given: set[str]                       # resident columns the file fills on this row
    household: dict[str, Any]             # phone, dwelling, tags (when the file gives them)
    party: bool
    branch: str | None
    resident_id: str | None = None        # the registered resident this row updates
    changes: dict[str, Any] = field(default_factory=dict)


@dataclass
class ImportPlan:
    """What an import would do (dry run) or did (`applied`), and every row it cannot take."""

    data_rows: int = 0
    skipped_rows: int = 0           # blank, totals, notes, repeated headers
    problems: list[RowProblem] = field(default_factory=list)
    new_grids: list[str] = field(default_factory=list)
    new_compounds: list[str] = field(default_factory=list)
    new_buildings: list[str] = field(default_factory=list)
    new_units: list[str] = field(default_factory=list)
    new_households: int = 0
    updated_households: list[ResidentChange] = field(default_factory=list)
    new_residents: int = 0
    updated_residents: list[ResidentChange] = field(default_factory=list)
    unchanged_residents: int = 0
    new_party_members: list[str] = field(default_factory=list)
    applied: bool = False
    _good: list[_Good] = field(default_factory=list, repr=False)
    _household_updates: list[tuple[str, dict[str, Any]]] = field(default_factory=list,
                                                                 repr=False)

    @property
    def refused_rows(self) -> int:
        return sum(1 for p in self.problems if p.skipped)

    @property
    def good_rows(self) -> int:
        return len(self._good)

    @property
    def writes(self) -> int:
        return (len(self.new_grids) + len(self.new_compounds) + len(self.new_buildings)
                + len(self.new_units) + self.new_households + len(self.updated_households)
                + self.new_residents + len(self.updated_residents)
                + len(self.new_party_members))

    def summary_lines(self) -> list[str]:
        """What the plan does, in Chinese, for the dialog and the command line."""
        will = "已" if self.applied else "将"
        good = "已导入" if self.applied else "可以导入"
        lines = [f"表格中有 {self.data_rows} 行居民数据：{self.good_rows} 行{good}，"
                 f"{self.refused_rows} 行有问题{'未导入' if self.applied else '不能导入'}。"]
        if self.skipped_rows:
            lines.append(f"跳过了 {self.skipped_rows} 行空行、合计行或说明行。")

        def named(what: str, names: list[str], unit: str) -> None:
            if names:
                shown = "、".join(names[:8]) + ("等" if len(names) > 8 else "")
                lines.append(f"{will}新建{what} {len(names)} {unit}：{shown}。")

        named("网格", self.new_grids, "个")
        named("楼院", self.new_compounds, "个")
        named("楼栋", self.new_buildings, "栋")
        if self.new_units:
            lines.append(f"{will}新建单元 {len(self.new_units)} 个。")
        if self.new_households or self.updated_households:
            lines.append(f"{will}新建住户 {self.new_households} 户，"
                         f"更新住户 {len(self.updated_households)} 户。")
        lines.append(f"{will}新增居民 {self.new_residents} 人，更新 {len(self.updated_residents)} "
                     f"人，{self.unchanged_residents} 人与已登记的信息相同。")
        if self.new_party_members:
            lines.append(f"{will}登记党员 {len(self.new_party_members)} 人。")
        return lines


def _problem(problems: dict[int, RowProblem], row: int, name: str, id_number: str,
             message: str, skipped: bool = True) -> None:
    p = problems.get(row)
    if p is None:
        problems[row] = RowProblem(row, name, id_number, [message], skipped)
    else:
        if message not in p.messages:
            p.messages.append(message)
        p.skipped = p.skipped or skipped


_LABELS = {"name": "姓名", "sex": "性别", "id_kind": "证件类型", "id_number": "证件号码",
           "birth_date": "出生日期", "phone": "联系电话", "relation": "与户主关系",
           "residency": "居住类型", "ethnicity": "民族", "tags": "标签", "note": "备注",
           "household_id": "住址"}


def _shown(code: str, value: Any) -> str:
    if value in (None, ""):
        return "（空）"
    if code == "sex":
        return registry.SEX_LABELS.get(value, value)
    if code == "residency":
        return registry.RESIDENCY_LABELS.get(value, value)
    if code == "dwelling":
        return registry.DWELLING_LABELS.get(value, value)
    if code == "id_kind":
        return ID_KIND_LABELS.get(IdKind(value), value) if value in IdKind._value2member_map_ \
            else value
    return str(value)


class _Places:
    """The community's places by name, as the import resolves a row's address."""

    def __init__(self, db: sqlite_utils.Database) -> None:
        self.grids = {g["name"]: g["id"] for g in dbl.grids(db)}
        self.compounds = {c["name"]: c["id"] for c in dbl.compounds(db)}
        compound_name = {v: k for k, v in self.compounds.items()}
        self.buildings: dict[tuple[str, str], str] = {}
        building_key = {}
        for b in dbl.buildings(db):
            c = compound_name.get(b["compound_id"])
            if c is not None:
                self.buildings[(c, b["name"])] = b["id"]
                building_key[b["id"]] = (c, b["name"])
        self.units: dict[tuple[str, str, str], str] = {}
        unit_key = {}
        for u in dbl.units(db):
            bk = building_key.get(u["building_id"])
            if bk is not None:
                self.units[(*bk, u["name"])] = u["id"]
                unit_key[u["id"]] = (*bk, u["name"])
        self.households: dict[tuple[str, str, str, str], dict[str, Any]] = {}
        # (compound, building, door) → the units that have that door: for ledgers without 单元.
        self.door_units: dict[tuple[str, str, str], list[str]] = {}
        self.address_of: dict[str, str] = {}
        for h in dbl.households(db):
            uk = unit_key.get(h["unit_id"])
            if uk is not None:
                key = (*uk, h["door_number"])
                self.households.setdefault(key, h)
                self.door_units.setdefault((uk[0], uk[1], h["door_number"]), []).append(uk[2])
                self.address_of[h["id"]] = f"{uk[0]} {uk[1]}{uk[2]}{h['door_number']}"
        # Longest names first: 锦绣花园二期 before 锦绣花园.
        self._by_length = sorted(self.compounds, key=len, reverse=True)
        self.current: dict[str, dict[str, Any]] = {}   # registered residents by id

    def compound_in(self, text: str) -> str:
        """The registered compound an address prefix names (中原区锦绣花园 → 锦绣花园)."""
        if not text or text in self.compounds:
            return text
        return next((name for name in self._by_length if name in text), text)


def _row_values(row: list[Any], mapping: Mapping) -> dict[str, Any]:
    return {code: (row[i] if i < len(row) else None) for i, code in mapping.items() if code}


def _skip_reason(row: list[Any], raw: dict[str, Any], header_texts: dict[int, str],
                 mapping: Mapping) -> bool:
    """Whether a row is not a resident: blank, totals, a note or section title merged across
    the row, or the header repeated (ledgers printed per building repeat it)."""
    texts = [t for c in row if c is not None and (t := text_of(c))]
    if not texts:
        return True
    if any(t.startswith(TOTAL_WORDS) for t in texts):
        return True
    name = cell_text(raw.get("name"))
    id_text = code_text(raw.get("id_number"))
    if not name and not id_text:
        return True
    if len(set(texts)) == 1 and len(texts) > 2:
        return True  # one value merged across the whole row: a title or a note
    if not id_text and (":" in name or "：" in name):
        return True  # 填表人：张三
    repeated = sum(1 for i, code in mapping.items()
                   if code and i < len(row) and isinstance(row[i], str)
                   and row[i].strip() == header_texts.get(i))
    return repeated >= 2


def plan_import(db: sqlite_utils.Database, ledger: Ledger, mapping: Mapping,
                options: ImportOptions | None = None, *, progress: Progress | None = None,
                cancelled: Cancelled | None = None, today: date | None = None) -> ImportPlan:
    """The dry run: check every row and work out what an import would create and change.
    Reads only; nothing is written."""
    check_mapping(ledger, mapping)
    options = options or ImportOptions()
    owner = q.community_id(db)
    if owner is None:
        raise FormError({"community": "还没有设置本社区，请先在“设置”中填写社区信息。"})
    places = _Places(db)
    everyone = dbl.residents(db, owner)
    places.current = {r["id"]: r for r in everyone}
    known = {r["id_number"]: r for r in everyone if r["id_number"]}
    by_household: dict[str, dict[str, dict[str, Any]]] = {}
    for r in everyone:
        if r["household_id"]:
            by_household.setdefault(r["household_id"], {})[r["name"]] = r
    members = dbl.party_resident_ids(db)
    fields = set(mapping.values())
    default_compound = _compact(options.default_compound or "")

    plan = ImportPlan()
    problems: dict[int, RowProblem] = {}
    good: list[_Good] = []
    header_texts = {}
    for h in ledger.header_rows:
        for i, v in enumerate(ledger.rows[h - 1]):
            if text_of(v):
                header_texts.setdefault(i, text_of(v))
    start = ledger.first_data_row
    total = len(ledger.rows) - start + 1
    for offset, row in enumerate(ledger.rows[start - 1:]):
        number = start + offset
        if offset % CHECK_EVERY == 0:
            if cancelled and cancelled():
                raise ImportCancelled()
            if progress:
                progress(offset, total)
        raw = _row_values(row, mapping)
        if _skip_reason(row, raw, header_texts, mapping):
            plan.skipped_rows += 1
            continue
        plan.data_rows += 1
        item = _check_row(db, number, raw, fields, places, known, default_compound, today,
                          problems)
        if item is not None:
            good.append(item)
    if progress:
        progress(total, total)

    _match(good, problems, known, by_household, places)
    good = [g for g in good if not problems.get(g.row) or not problems[g.row].skipped]
    _work_out(plan, good, places, members, problems)
    plan.problems = sorted(problems.values(), key=lambda p: p.row)
    return plan


def _check_row(db: sqlite_utils.Database, number: int, raw: dict[str, Any], fields: set[str],
               places: _Places, known: dict[str, dict[str, Any]], default_compound: str,
               today: date | None, problems: dict[int, RowProblem]) -> _Good | None:
    name = _person_name(cell_text(raw.get("name")))
    id_text = code_text(raw.get("id_number"))
    errors: list[str] = []

    def word(code: str, table: dict[str, str], what: str, allowed: str) -> str | None:
        text = _compact(cell_text(raw.get(code))).lower()
        if not text:
            return None
        value = table.get(text) or table.get(text.upper())
        if value is None:
            errors.append(f"看不懂{what}“{cell_text(raw.get(code))}”：请填写{allowed}。")
        return value

    data: dict[str, Any] = {
        "name": name, "id_number": id_text, "household_id": None,
        "id_kind": word("id_kind", ID_KIND_WORDS, "证件类型",
                        "、".join(ID_KIND_LABELS.values())),
        "sex": word("sex", SEX_WORDS, "性别", "男 或 女"),
        "birth_date": _birth_value(raw.get("birth_date")) if raw.get("birth_date") not in
        (None, "") else None,
        "phone": code_text(raw.get("phone")) or None,
        "relation": None, "residency": word("residency", RESIDENCY_WORDS, "居住类型",
                                            "户籍、常住 或 流动"),
        "ethnicity": _compact(cell_text(raw.get("ethnicity"))) or None,
        "tags": _tags(cell_text(raw.get("tags"))),
        "note": cell_text(raw.get("note")) or None,
    }
    if data["id_kind"] is None and not text_of(raw.get("id_kind")):
        data["id_kind"] = infer_id_kind(id_text)
    relation = _compact(cell_text(raw.get("relation")))
    data["relation"] = RELATION_WORDS.get(relation, relation) or None
    if data["ethnicity"] and not data["ethnicity"].endswith("族") and len(data["ethnicity"]) <= 3:
        data["ethnicity"] += "族"  # 汉 → 汉族
    # The registered holder of the number is matched (or refused) by _match, so the registry's
    # own "number already registered" check must not refuse the row here.
    holder = known.get(id_text.upper()) if known else None
    if holder is None and known and len(id_text) != 18:   # 15 digits, spaces, full-width
        with contextlib.suppress(ValueError):   # ValidationError is a ValueError
            holder = known.get(validate_id_number(
                id_text, IdKind(data["id_kind"] or "resident"), today=today).number)
    values: dict[str, Any] | None = None
    try:
        values = registry._resident_fields(db, data, holder["id"] if holder else None, today)
    except FormError as exc:
        for code, message in exc.errors.items():
            if code in ("phone",) and not message.startswith("联系电话"):
                message = f"联系电话：{message}"
            errors.append(message)

    household: dict[str, Any] = {}
    hphone = code_text(raw.get("household_phone"))
    if hphone:
        try:
            household["phone"] = normalize_phone(hphone)
        except ValidationError as exc:
            errors.append(f"住户电话：{exc.message}")
    dwelling = word("dwelling", DWELLING_WORDS, "居住情况", "自住、出租 或 空置")
    if dwelling:
        household["dwelling"] = dwelling
    htags = _tags(cell_text(raw.get("household_tags")))
    if htags:
        household["tags"] = htags

    # Where the row lives: the columns first, the address for what they leave out.
    compound = _compact(cell_text(raw.get("compound")))
    building = building_name(cell_text(raw.get("building")))
    unit = unit_name(cell_text(raw.get("unit")))
    door = door_number(cell_text(raw.get("door")))
    address = cell_text(raw.get("address"))
    if address and not (building and door):
        parsed = parse_address(address)
        if parsed is None:
            errors.append(f"看不懂住址“{address}”：请写成“锦绣花园3号楼2单元501”，"
                          "或把楼栋、单元、门牌号分列填写。")
        else:
            pc, pb, pu, pd = parsed
            compound = compound or places.compound_in(pc)
            building, unit, door = building or pb, unit or pu, door or pd
    compound = compound or default_compound
    if not door:
        errors.append("缺少门牌号（房号）：请填写，例如 501。")
    elif len(door) > 10:
        errors.append(f"门牌号“{door}”太长：最多10个字，请只填房号，例如 501。")
    if not building and "address" not in fields and "building" not in fields:
        errors.append("缺少楼栋：请在表格中增加“楼栋”列，或在“住址”列写明楼栋。")
    elif not building:
        errors.append("缺少楼栋：请填写，例如 3号楼。")
    elif len(building) > 20:
        errors.append(f"楼栋名称“{building}”太长：最多20个字。")
    if not compound:
        errors.append("缺少小区（楼院）：请在表格中增加“小区”列，或在导入时选择“没有小区列时"
                      "导入到”的小区。")
    if not unit and not errors:
        # No unit given: the unit that has this door, else 1单元 (every building has one).
        units = sorted(places.door_units.get((compound, building, door), []))
        if len(units) > 1:
            errors.append(f"{compound}{building}的{'、'.join(units)}都有门牌号{door}："
                          "请填写单元。")
        unit = units[0] if units else "1单元"

    if errors or values is None:
        for message in errors:
            _problem(problems, number, name, id_text, message)
        return None
    given = {c for c in ("name", "id_number", "sex", "birth_date", "id_kind")}
    for code in ("phone", "relation", "residency", "ethnicity", "tags", "note"):
        if code in fields and data.get(code):
            given.add(code)
    political = _compact(cell_text(raw.get("political"))).lower()
    return _Good(number, (compound, building, unit, door),
                 _compact(cell_text(raw.get("grid"))) or None, values, given, household,
                 political in PARTY_WORDS, _compact(cell_text(raw.get("branch"))) or None)


def _match(good: list[_Good], problems: dict[int, RowProblem],
           known: dict[str, dict[str, Any]], by_household: dict[str, dict[str, dict]],
           places: _Places) -> None:
    """Duplicates within the file, and the registered resident each row is (by ID number,
    else by name and door)."""
    first: dict[str, _Good] = {}
    for g in good:
        number = g.values["id_number"]
        other = first.get(number)
        if other is None:
            first[number] = g
            continue
        same = other.values["name"] == g.values["name"] and other.place == g.place
        if same:
            _problem(problems, g.row, g.values["name"], number,
                     f"与第{other.row}行重复：同一人登记了两次，只导入第{other.row}行。")
        else:
            for a, b in ((g, other), (other, g)):
                _problem(problems, a.row, a.values["name"], number,
                         f"证件号码与第{b.row}行（{b.values['name']}）相同：同一个号码不能"
                         "属于两个人，请核对是哪一行填错了。")
    claimed: dict[str, int] = {}
    for g in good:
        if g.row in problems and problems[g.row].skipped:
            continue
        twin = known.get(g.values["id_number"])
        if twin is None:
            continue
        if _compact(twin["name"]) != _compact(g.values["name"]):
            where = places.address_of.get(twin["household_id"] or "", "")
            where = f"（住址：{where}）" if where else ""
            _problem(problems, g.row, g.values["name"], g.values["id_number"],
                     f"证件号码与已登记的居民“{twin['name']}”{where}相同，但姓名不同。"
                     "请核对号码；如是同一人改了名，请先在程序里修改姓名再导入。")
            continue
        g.resident_id = twin["id"]
        claimed[twin["id"]] = g.row
    for g in good:
        if g.resident_id or (g.row in problems and problems[g.row].skipped):
            continue
        household = places.households.get(g.place)
        if household is None:
            continue
        twin = by_household.get(household["id"], {}).get(g.values["name"])
        if twin is None:
            continue
        if twin["id"] in claimed:
            _problem(problems, g.row, g.values["name"], g.values["id_number"],
                     f"与第{claimed[twin['id']]}行是同一户的同名居民，但证件号码不同。"
                     "请核对是否重复登记。")
            continue
        g.resident_id = twin["id"]   # same name, same door: the number was corrected
        claimed[twin["id"]] = g.row


def _work_out(plan: ImportPlan, good: list[_Good], places: _Places, members: set[str],
              problems: dict[int, RowProblem]) -> None:
    """New places, new and changed households and residents, new Party members."""
    seen_grids, seen_compounds = set(places.grids), set(places.compounds)
    seen_buildings, seen_units = set(places.buildings), set(places.units)
    households: dict[tuple, _Good] = {}
    for g in good:
        compound, building, unit, _door = g.place
        if compound not in seen_compounds:
            seen_compounds.add(compound)
            plan.new_compounds.append(compound)
            if g.grid and g.grid not in seen_grids:
                seen_grids.add(g.grid)
                plan.new_grids.append(g.grid)
        if (compound, building) not in seen_buildings:
            seen_buildings.add((compound, building))
            plan.new_buildings.append(f"{compound}{building}")
        if (compound, building, unit) not in seen_units:
            seen_units.add((compound, building, unit))
            plan.new_units.append(f"{compound}{building}{unit}")
        first = households.get(g.place)
        if first is None:
            households[g.place] = g
            if g.place not in places.households:
                plan.new_households += 1
        else:
            for k, v in g.household.items():
                first.household.setdefault(k, v)
    for place, g in households.items():
        existing = places.households.get(place)
        if existing is None:
            continue
        changes = [(k, existing[k], v) for k, v in g.household.items() if existing[k] != v]
        if changes:
            label = {"phone": "住户电话", "dwelling": "居住情况", "tags": "住户标签"}
            plan._household_updates.append((existing["id"], {k: v for k, _a, v in changes}))
            plan.updated_households.append(ResidentChange(
                g.row, f"{place[0]} {place[1]}{place[2]}{place[3]}",
                [(label[k], _shown(k, a), _shown(k, b)) for k, a, b in changes]))

    for g in good:
        if g.resident_id is None:
            plan.new_residents += 1
        else:
            current = _current(places, g)
            changed = {}
            for code in g.given:
                new = g.values.get(code)
                if new not in (None, "") and current.get(code) != new:
                    changed[code] = new
            household = places.households.get(g.place)
            if household is None or current.get("household_id") != household["id"]:
                changed["household_id"] = None if household is None else household["id"]
            g.changes = changed
            if changed:
                shown = []
                for code, new in changed.items():
                    if code == "household_id":
                        before = places.address_of.get(current.get("household_id") or "", "")
                        after = f"{g.place[0]} {g.place[1]}{g.place[2]}{g.place[3]}"
                        shown.append(("住址", before or "（无）", after))
                    else:
                        shown.append((_LABELS[code], _shown(code, current.get(code)),
                                      _shown(code, new)))
                plan.updated_residents.append(ResidentChange(g.row, g.values["name"], shown))
            else:
                plan.unchanged_residents += 1
        if g.party and (g.resident_id is None or g.resident_id not in members):
            phone = g.values.get("phone") or (_current(places, g).get("phone")
                                              if g.resident_id else None)
            if phone:
                plan.new_party_members.append(g.values["name"])
            else:
                g.party = False
                _problem(problems, g.row, g.values["name"], g.values["id_number"],
                         "政治面貌为中共党员，但没有联系电话：居民照常导入，暂不登记为党员。"
                         "请补上联系电话后重新导入。", skipped=False)
        elif g.party:
            g.party = False   # already a Party member
    plan._good = good


def _current(places: _Places, g: _Good) -> dict[str, Any]:
    return places.current.get(g.resident_id or "", {})


# --- applying -----------------------------------------------------------------------------------

@audited("import")
def import_ledger(db: sqlite_utils.Database, ledger: Ledger, mapping: Mapping,
                  options: ImportOptions | None = None, *, progress: Progress | None = None,
                  cancelled: Cancelled | None = None, today: date | None = None) -> ImportPlan:
    """Import the good rows: the plan is worked out again and written inside one transaction,
    so what is written is exactly what was checked, and a failure or cancel leaves nothing.
    The mapping is remembered for the office's next ledger in the same transaction."""
    require(db, "ledger.import")
    owner = q.community_id(db)
    with transaction(db):
        rows = max(1, ledger.data_row_count)

        def checking(done: int, _total: int) -> None:
            if progress:
                progress(done, rows * 2)

        plan = plan_import(db, ledger, mapping, options, progress=checking,
                           cancelled=cancelled, today=today)
        total = max(1, plan.writes)
        done = 0

        def step() -> None:
            nonlocal done
            done += 1
            if done % CHECK_EVERY == 0:
                if cancelled and cancelled():
                    raise ImportCancelled()
                if progress:
                    progress(rows + done * rows // total, rows * 2)

        _write(db, plan, owner, step)
        remembered = remembered_mapping(db)
        for col in ledger.columns:
            remembered[col.key] = mapping.get(col.index, IGNORE)
        set_meta(db, MAPPING_META_KEY, json.dumps(remembered, ensure_ascii=False))
        if cancelled and cancelled():
            raise ImportCancelled()
    if progress:
        progress(rows * 2, rows * 2)
    plan.applied = True
    return plan


def _write(db: sqlite_utils.Database, plan: ImportPlan, owner: str,
           step: Callable[[], None]) -> None:
    places = _Places(db)

    def insert(table: str, values: dict[str, Any]) -> str:
        return q.insert(db, table, values, owner=owner)

    community = q.get(db, "org_units", owner)
    codes = dbl.all_grid_codes(db)
    grids = dict(places.grids)
    only_grid = next(iter(grids.values())) if len(grids) == 1 else None
    for name in plan.new_grids:
        n = len(grids) + 1
        while f"{community['code']}{n:02d}" in codes:
            n += 1
        code = f"{community['code']}{n:02d}"
        codes.add(code)
        grids[name] = insert("org_units", {"level": "grid", "name": name, "code": code,
                                                 "parent_id": owner, "sort_order": len(grids)})
        step()
    compounds = dict(places.compounds)
    grid_of = {g.place[0]: g.grid for g in reversed(plan._good)}
    for name in plan.new_compounds:
        grid = grids.get(grid_of.get(name) or "") or only_grid
        compounds[name] = insert("compounds", {"name": name, "grid_id": grid,
                                                     "sort_order": len(compounds) + 1})
        step()
    buildings = dict(places.buildings)
    units = dict(places.units)
    households = {k: h["id"] for k, h in places.households.items()}
    household_values: dict[tuple, dict[str, Any]] = {}
    for g in plan._good:
        household_values.setdefault(g.place, dict(g.household))
    for g in plan._good:
        compound, building, unit, door = g.place
        if (compound, building) not in buildings:
            digits = re.match(r"\d+", building)
            buildings[(compound, building)] = insert("buildings", {
                "compound_id": compounds[compound], "name": building,
                "sort_order": int(digits.group()) if digits else 0})
            step()
        if (compound, building, unit) not in units:
            digits = re.match(r"\d+", unit)
            units[(compound, building, unit)] = insert("units", {
                "building_id": buildings[(compound, building)], "name": unit,
                "sort_order": int(digits.group()) if digits else 0})
            step()
        if g.place not in households:
            floor = int(door[:-2]) if door.isdigit() and len(door) >= 3 else None
            if floor is not None and not -5 <= floor <= 120:
                floor = None
            hv = household_values[g.place]
            households[g.place] = insert("households", {
                "unit_id": units[(compound, building, unit)], "door_number": door,
                "floor": floor, "phone": hv.get("phone"), "dwelling": hv.get("dwelling", "owner"),
                "tags": hv.get("tags", "")})
            step()
    for household_id, values in plan._household_updates:
        q.update(db, "households", household_id, values)
        step()
    for g in plan._good:
        household_id = households[g.place]
        if g.resident_id is None:
            g.resident_id = insert("residents", {**g.values, "household_id": household_id})
            step()
        elif g.changes:
            changes = dict(g.changes)
            if "household_id" in changes:
                changes["household_id"] = household_id
            q.update(db, "residents", g.resident_id, changes)
            step()
        if g.party:
            insert("party_members", {
                "resident_id": g.resident_id, "name": g.values["name"],
                "kind": "floating" if g.values.get("residency") == "floating" else "community",
                "branch": g.branch,
                "phone": g.values.get("phone") or q.get(db, "residents", g.resident_id)["phone"]})
            step()


# --- problems out -------------------------------------------------------------------------------

def write_problems(path: str | os.PathLike[str], ledger: Ledger, mapping: Mapping,
                   plan: ImportPlan) -> int:
    """The problem rows as they are in the file, with 问题 and 原行号 columns added, under
    headers the import recognises, so she can fix them in Excel and import the file again."""
    from app.ledger.xlsx import ExportColumn, write_ledger

    kinds = {"id_number": "code", "phone": "code", "household_phone": "code", "door": "code",
             "birth_date": "date"}
    columns = [ExportColumn("问题", lambda r: r["_problem"], "wrap", width=50),
               ExportColumn("原行号", lambda r: r["_row"], "number", width=8)]
    for col in ledger.columns:
        code = mapping.get(col.index)
        header = FIELD_BY_CODE[code].synonyms[0] if code else col.label
        kind = kinds.get(code or "", "text")

        def value(r: dict[str, Any], i: int = col.index, kind: str = kind) -> Any:
            cell = r["_cells"][i] if i < len(r["_cells"]) else None
            if kind == "date" and isinstance(cell, date | datetime):
                return cell
            return cell_text(cell) if kind != "code" else code_text(cell)

        columns.append(ExportColumn(header, value, kind))
    rows = [{"_problem": "；".join(p.messages), "_row": p.row,
             "_cells": ledger.rows[p.row - 1]} for p in plan.problems]
    title = f"{ledger.title or ledger.path.stem}（问题行）"
    subtitle = (f"来自“{ledger.path.name}”，共 {len(rows)} 行。请按“问题”列修改后保存，"
                "再导入这个文件（“问题”和“原行号”两列不会导入）。")
    return write_ledger(path, title, subtitle, columns, rows, total=len(rows),
                        sheet_name="问题行")
