"""What an enrolled peer may send: a bundle's manifest and every row it carries, checked
against this database's schema before anything of the bundle is applied.

A valid signature says who sent a bundle, not that its content is sound: a peer running a
broken or hostile program signs whatever it makes. So the manifest is held to a fixed
schema; every row to the shape [table, row_id, owner, cols, values, stamps]; every value
to its column's declared type, NOT NULL and CHECK (… IN …) (read from the schema, so a new
migration is covered without a list to keep); every stamp must parse; names, door numbers,
ID numbers (GB 11643), phones and dates are validated as local input is; and every foreign
key must point at a row of the same community or of the district. The first fault refuses
the whole bundle, naming the row and saying in Chinese what is wrong.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from itertools import chain
from typing import Any

import orjson
import sqlite_utils

from app.sync.bundle import BundleError
from app.validation import (
    CONTROL,
    CONTROL_IN_NOTES,
    IdKind,
    ValidationError,
    control_problem,
    normalize_phone,
    require_text,
    type_name,
    validate_birth_date,
    validate_id_number,
)
from db import changelog

Run = list   # [tbl, row_id, owner, [col, ...], [value, ...], [stamp, ...]]

MAX_INT = 2**63 - 1            # SQLite's INTEGER; a larger number would not even bind
MAX_TEXT = 20_000              # characters in one text value (a long note is ~2,000)
# Row ids, owners and a stamp's node: UUIDs, as text; nothing that could split a packed
# row_clock entry (space-separated) or smuggle a character into a message.
_ID = re.compile(r"[0-9A-Za-z_-]{1,64}")
_STAMP = re.compile(r"\d{13}\.\d{5}\.[0-9A-Za-z_-]{1,64}")
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_HEX64 = re.compile(r"[0-9a-f]{64}")
_HEX128 = re.compile(r"[0-9a-f]{128}")
_AT = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}")
_ID_KINDS = frozenset(k.value for k in IdKind)
_CHECK_IN = re.compile(r"CHECK\s*\(\s*\[?(\w+)\]?\s+IN\s*\(([^)]*)\)\s*\)", re.IGNORECASE)

# Free text a person writes (a note, a reason, a case's history) may hold tabs and line
# breaks; every other text column (names, ID numbers, phones, door numbers, codes) may not.
FREE_TEXT = frozenset({"note", "reason", "status_reason", "old_value", "new_value",
                       "description", "result", "escalate_reason"})

TABLE_LABELS = {
    "org_units": "组织单元", "staff": "工作人员", "compounds": "楼院", "buildings": "楼栋",
    "units": "单元", "households": "住户", "residents": "居民", "party_members": "党员",
    "pairings": "联户关系", "spot_checks": "晒网督查", "spot_check_items": "督查抽查户",
    "member_contacts": "联户记录", "isolation_cases": "居家隔离/监测", "case_events": "管控记录",
    "case_checks": "健康监测记录", "case_tests": "核酸检测记录", "case_forms": "文书",
    "print_log": "打印记录", "district_policy": "区里隔离政策",
    "care_rules": "走访间隔", "care_schedules": "个人走访安排", "care_visits": "关爱走访记录",
    "care_needs": "走访发现需求", "care_vaccinations": "疫苗接种情况",
    "duplicate_notices": "重复登记提示",
    "incidents": "事件和诉求", "incident_steps": "事件办理记录",
    "incident_replies": "区里对上报事件的答复", "incident_kinds": "事件类型",
    "incident_photos": "事件照片", "incident_photo_parts": "事件照片内容",
    "sweeps": "入户排查", "sweep_visits": "入户排查记录", "daily_reports": "日报",
    "keyperson_lists": "重点人员名单", "keypersons": "重点人员",
    "keyperson_results": "重点人员核查结果",
    "categories": "人员类别", "category_marks": "人员类别调整",
    "places": "场所", "place_kinds": "场所类型", "place_forms": "复工复产文书",
    "inspections": "检查和督查", "inspection_templates": "检查表",
    "inspection_answers": "检查项结果", "inspection_problems": "检查发现的问题",
    "problem_corrections": "问题整改情况",
    "duty_trios": "三人小组", "duty_shifts": "值班班次", "duty_swaps": "换班记录",
    "task_forces": "专班", "volunteers": "志愿者", "volunteer_hours": "志愿服务时长",
    "checkpoints": "卡口", "checkpoint_counts": "卡口人车数量",
    "checkpoint_entries": "卡口人员登记",
    "supplies": "物资", "supply_moves": "物资出入库",
}
COLUMN_LABELS = {
    "name": "名称/姓名", "id_number": "证件号码", "id_kind": "证件类型", "phone": "电话",
    "door_number": "门牌号", "birth_date": "出生日期", "note": "备注",
    "community_id": "所属单位", "deleted": "删除标记", "sex": "性别", "residency": "居住类型",
    "relation": "与户主关系", "unit_id": "所在单元", "household_id": "所在住户",
    "building_id": "所在楼栋", "compound_id": "所在楼院", "grid_id": "所在网格",
    "org_unit_id": "所属网格", "parent_id": "上级单位", "resident_id": "居民",
    "member_id": "党员", "case_id": "管控记录",
}

_UPGRADE = "可能来自不兼容的版本，请双方升级到同一版本后重新导出"
_NOTHING_CHANGED = "整个同步包已拒绝，本机数据没有任何改动。"


class Refused(BundleError):
    """A bundle refused for its content; `detail` is the plain reason kept in the sync log."""

    def __init__(self, code: str, message: str, detail: str) -> None:
        super().__init__(code, message)
        self.detail = detail


def _shown(value: Any, limit: int = 40) -> str:
    """A value from the bundle as a message may quote it: printable, and short."""
    text = value if isinstance(value, str) else repr(value)
    text = "".join(ch if ch.isprintable() else f"\\x{ord(ch):02x}" for ch in text[:limit])
    return text + ("…" if len(value if isinstance(value, str) else repr(value)) > limit
                   else "")


# --- the manifest ---------------------------------------------------------------------------

def _count(value: Any) -> bool:
    return type(value) is int and 0 <= value <= MAX_INT


def _positive(value: Any) -> bool:
    return type(value) is int and 1 <= value <= MAX_INT


def _text(value: Any) -> bool:
    return isinstance(value, str) and len(value) <= 200 and control_problem(value) is None


def _map_of_counts(value: Any) -> bool:
    return isinstance(value, dict) and all(_text(k) and _count(v) for k, v in value.items())


def _acks(value: Any) -> bool:
    return isinstance(value, dict) and all(isinstance(k, str) and _ID.fullmatch(k)
                                           and _count(v) for k, v in value.items())


def _audit_head(value: Any) -> bool:
    return (isinstance(value, dict) and set(value) == {"seq", "hash"}
            and _positive(value["seq"]) and isinstance(value["hash"], str)
            and _HEX64.fullmatch(value["hash"]) is not None)


def _audit_ack(value: Any) -> bool:
    return (isinstance(value, dict) and set(value) == {"seq", "hash", "at", "sig"}
            and _audit_head({"seq": value["seq"], "hash": value["hash"]})
            and isinstance(value["at"], str) and _AT.fullmatch(value["at"]) is not None
            and isinstance(value["sig"], str) and _HEX128.fullmatch(value["sig"]) is not None)


# Every field a manifest may have: (required, check, what it should be). A field this
# version does not know refuses the bundle (it comes from a newer program).
MANIFEST: dict[str, tuple[bool, Callable[[Any], bool], str]] = {
    "schema_version": (True, _positive, "正整数"),
    "seq_from": (True, _count, "不小于0的整数"),
    "seq_to": (True, _count, "不小于0的整数"),
    "acks": (True, _acks, "节点编号到序号的对照"),
    "sender_code": (False, _text, "单位代码文字"),
    "counts": (False, _map_of_counts, "表名到数量的对照"),
    "changes": (False, _count, "不小于0的整数"),
    "audit_head": (False, _audit_head, "审计日志头（序号与64位十六进制摘要）"),
    "audit_ack": (False, _audit_ack, "区里对审计日志的签名确认"),
}


def _manifest_error(detail: str, problem: str) -> Refused:
    return Refused("malformed", f"同步包的清单不合格：{problem}。{_UPGRADE}；"
                   f"{_NOTHING_CHANGED}", f"manifest: {detail}")


def check_manifest(manifest: Any) -> dict[str, Any]:
    """The manifest, if it has exactly the fields this version knows, each of its type."""
    if not isinstance(manifest, dict):
        raise _manifest_error("not an object", f"清单应为一组字段，收到的是{type_name(manifest)}")
    for key in manifest:
        if key not in MANIFEST:
            raise _manifest_error(f"unknown field {_shown(key)}",
                                  f"有本机不认识的项“{_shown(key)}”")
    for key, (required, check, wanted) in MANIFEST.items():
        if key not in manifest:
            if required:
                raise _manifest_error(f"{key} missing", f"缺少“{key}”")
        elif not check(manifest[key]):
            raise _manifest_error(f"{key} is {type(manifest[key]).__name__}",
                                  f"“{key}”应为{wanted}，收到的是"
                                  f"{type_name(manifest[key])}“{_shown(manifest[key])}”")
    if manifest["seq_from"] > manifest["seq_to"]:
        raise _manifest_error("seq_from > seq_to", "起始序号大于结束序号")
    return manifest


# --- the rows' shape ------------------------------------------------------------------------

def _shape_error(index: int, problem: str) -> Refused:
    return Refused("malformed", f"同步包第 {index + 1} 条变更的格式不对：{problem}。"
                   f"{_UPGRADE}；{_NOTHING_CHANGED}", f"row {index + 1}: {problem}")


_STR = frozenset({str})


def _run_shape(index: int, run: Any) -> None:
    """One run's shape and the types of its parts (the patterns of its ids: _ids_shape)."""
    if type(run) is not list or len(run) != 6:
        raise _shape_error(index, "应为六项：表、编号、所属单位、字段、值、时间戳")
    tbl, row_id, owner, cols, values, stamps = run
    if type(tbl) is not str or type(row_id) is not str or type(owner) is not str:
        _ids_shape(index, [run])
    if type(cols) is not list or type(values) is not list or type(stamps) is not list:
        raise _shape_error(index, "字段、值和时间戳应为列表")
    if not len(cols) == len(values) == len(stamps):
        raise _shape_error(index, "字段、值和时间戳的个数不一致")
    if not set(map(type, cols)) <= _STR:
        bad = next(c for c in cols if type(c) is not str)
        raise _shape_error(index, f"字段名“{_shown(bad)}”不合格")


def _ids_shape(offset: int, runs: list[Run]) -> None:
    """Table names, row ids, owners and column names of these runs: plain ids, no more."""
    for i, (tbl, row_id, owner, cols, _values, _stamps) in enumerate(runs, offset):
        for what, value in (("表名", tbl), ("编号", row_id), ("所属单位", owner)):
            if not (isinstance(value, str) and _ID.fullmatch(value)):
                raise _shape_error(i, f"{what}“{_shown(value)}”不合格")
        for col in cols:
            if not _ID.fullmatch(col):
                raise _shape_error(i, f"字段名“{_shown(col)}”不合格")


def _all_ids_shape(runs: list[Run]) -> None:
    """_ids_shape over every run, as one regular expression over the ids joined (a snapshot
    has hundreds of thousands of runs); a doubt is looked at run by run."""
    parts = chain.from_iterable((r[0], r[1], r[2], *r[3]) for r in runs)
    if runs and _IDS.fullmatch("\n".join(parts) + "\n") is None:
        _ids_shape(0, runs)


def rows_of(content: Any, latest: int, peer_name: str) -> tuple[dict[str, Any], list[Run]]:
    """The checked manifest and the row runs of an opened bundle: format 2's "rows", or
    format 1's one change per entry [seq, tbl, row_id, col, value, hlc, node, owner].
    A bundle from a newer schema (`latest` is ours) is refused first, asking to upgrade:
    its manifest and rows may well hold what this version cannot know."""
    if not isinstance(content, dict):
        raise _manifest_error("content not an object", "内容应为清单加变更")
    manifest = content.get("manifest")
    version = manifest.get("schema_version") if isinstance(manifest, dict) else None
    if _positive(version) and version > latest:
        raise BundleError("newer_schema", f"“{peer_name}”的程序版本比本机新，"
                          "请先升级本机的社区网格通，再导入这个同步包。")
    manifest = check_manifest(manifest)
    if "rows" in content:
        rows = content["rows"]
        if not isinstance(rows, list):
            raise _manifest_error("rows not a list", "变更应为列表")
        for i, run in enumerate(rows):
            _run_shape(i, run)
        _all_ids_shape(rows)
        return manifest, rows
    changes = content.get("changes")
    if not isinstance(changes, list):
        raise _manifest_error("no rows", "缺少变更列表")
    runs = []
    for i, ch in enumerate(changes):
        if not isinstance(ch, list) or len(ch) != 8:
            raise _shape_error(i, "应为八项：序号、表、编号、字段、值、时间戳、节点、所属单位")
        run = [ch[1], ch[2], ch[7], [ch[3]], [ch[4]], [ch[5]]]
        _run_shape(i, run)
        runs.append(run)
    _all_ids_shape(runs)
    return manifest, runs


# --- each value: type, constraints, stamps and content --------------------------------------

@dataclass(frozen=True)
class Column:
    kind: str                       # the declared type: TEXT, INTEGER, REAL (or "")
    notnull: bool
    choices: frozenset | None       # CHECK (col IN (...)), if the schema has one


def _choice(item: str) -> Any:
    item = item.strip()
    return item[1:-1].replace("''", "'") if item.startswith("'") else int(item)


def schema(db: sqlite_utils.Database) -> dict[str, dict[str, Column]]:
    """Each synced table's columns (other than id) as the schema declares them."""
    out: dict[str, dict[str, Column]] = {}
    for tbl, cols in changelog.synced_tables(db).items():
        sql = db.conn.execute("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?",
                              (tbl,)).fetchone()[0] or ""
        choices = {m.group(1): frozenset(_choice(i) for i in m.group(2).split(","))
                   for m in _CHECK_IN.finditer(sql)}
        info = {r[1]: (r[2].upper(), bool(r[3]))
                for r in db.conn.execute(f"PRAGMA table_info([{tbl}])")}
        out[tbl] = {c: Column(info[c][0], info[c][1], choices.get(c)) for c in cols}
    return out


def _where(tbl: str, row_id: str, col: str | None = None) -> str:
    where = f"{TABLE_LABELS.get(tbl, tbl)}（编号 {row_id}）"
    if col:
        where += f"的“{COLUMN_LABELS.get(col, col)}”"
    return where


def _row_error(peer_name: str, tbl: str, row_id: str, col: str | None, problem: str,
               code: str = "bad_row", advice: str = "") -> Refused:
    advice = advice or (f"请“{peer_name}”核对这条记录后重新导出；"
                        "如果反复出现，请联系技术支持。")
    return Refused(code, f"同步包里{_where(tbl, row_id, col)}{problem}。{_NOTHING_CHANGED}"
                   f"{advice}", f"{tbl} {row_id} {col or ''}: {problem}")


def _gist(message: str) -> str:
    """A local-input message without its advice to retype ("，请核对后重新输入。")."""
    return re.split(r"。|，请", message, maxsplit=1)[0]


def _type_problem(col: str, spec: Column, value: Any) -> str | None:
    """What is wrong with a value for its column (None if nothing)."""
    if value is None:
        return "不能为空" if spec.notnull else None
    kind = spec.kind
    if "INT" in kind:
        if type(value) is not int or not -MAX_INT - 1 <= value <= MAX_INT:
            return f"应为整数，收到的是{type_name(value)}“{_shown(value)}”"
    elif "REAL" in kind or "FLOA" in kind or "DOUB" in kind:
        if type(value) not in (int, float) or not math.isfinite(value) \
                or abs(value) > MAX_INT:
            return f"应为数值，收到的是{type_name(value)}“{_shown(value)}”"
    elif "TEXT" in kind or "CHAR" in kind or "CLOB" in kind:
        if type(value) is not str:
            return f"应为文字，收到的是{type_name(value)}“{_shown(value)}”"
        if len(value) > MAX_TEXT:
            return f"太长（{len(value)}个字，最多{MAX_TEXT}个）"
        problem = control_problem(value, multiline=col in FREE_TEXT)
        if problem:
            return problem
    elif type(value) not in (str, int, float):   # a column without a declared type
        return f"不能是{type_name(value)}"
    if spec.choices is not None and value not in spec.choices:
        return f"的取值“{_shown(value)}”不在允许的范围内"
    return None


def _date_column(col: str) -> bool:
    return col.endswith(("_on", "_date")) or col == "planned_end"


def _content_problem(col: str, value: Any, id_kind: Any) -> str | None:
    """Names, door numbers, ID numbers, phones, dates and flags as local input is checked."""
    if value is None:
        return None
    try:
        if col == "name":
            require_text(value, col, "名称", max_len=100)
        elif col == "door_number":
            require_text(value, col, "门牌号", max_len=10)
        elif col == "id_number":
            if not (isinstance(id_kind, str) and id_kind in _ID_KINDS):
                return f"的证件类型“{_shown(id_kind)}”不是本机认识的类型"
            info = validate_id_number(value, IdKind(id_kind))
            if info.number != value:
                return f"不是规范写法：收到“{_shown(value)}”，应为 {info.number}"
        elif col == "id_kind":
            IdKind(value)
        elif col == "phone":
            normalize_phone(value)
        elif col == "deleted":
            if value not in (0, 1):
                return "只能是0或1"
        elif col == "community_id" or col.endswith("_id"):
            if not _ID.fullmatch(value):
                return f"不是有效的编号：收到“{_shown(value)}”"
        elif _date_column(col):
            if not _ISO_DATE.fullmatch(value):
                return f"应为 YYYY-MM-DD 格式的日期，收到的是“{_shown(value)}”"
            day = date.fromisoformat(value)
            if col == "birth_date":
                validate_birth_date(day)
    except ValidationError as exc:
        return f"不合格：{_gist(exc.message)}"
    except ValueError:
        if col == "id_kind":
            return f"“{_shown(value)}”是本机不认识的证件类型"
        return f"是不存在的日期“{_shown(value)}”"
    return None


def _problem(col: str, spec: Column, value: Any, id_kind: Any) -> str | None:
    """The authoritative check of one value: its type, then its content."""
    problem = _type_problem(col, spec, value)
    if problem is None and (type(value) is str or col == "deleted"):
        problem = _content_problem(col, value, id_kind)
    return problem


# Conservative fast paths for a column of a snapshot (a million values): each only says
# "surely fine"; anything it doubts goes through _problem(), which decides and names the row.
_NONE = type(None)
_IDS = re.compile(r"(?:[0-9A-Za-z_-]{1,64}\n)*")
_STAMPS = re.compile(r"(?:\d{13}\.\d{5}\.[0-9A-Za-z_-]{1,64}\n)*")
_FAST_PHONE = re.compile(r"1[3-9]\d{9}|(?:010|02\d|0[3-9]\d\d)-[2-9]\d{6,7}")
_FAST_RESIDENT_ID = re.compile(
    r"(?:1[1-5]|2[1-3]|3[1-7]|4[1-6]|5[0-4]|6[1-5])\d{4}((?:19|20)\d{2})(\d{2})(\d{2})\d{3}[\dX]")
_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def _fast_resident_id(number: str, today: date) -> bool:
    m = _FAST_RESIDENT_ID.fullmatch(number)
    if m is None:
        return False
    total = sum(map(int.__mul__, map(int, number[:17]), _WEIGHTS))
    if "10X98765432"[total % 11] != number[17]:
        return False
    try:
        born = date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    except ValueError:
        return False
    return date(1900, 1, 1) <= born <= today


def _column_fine(col: str, spec: Column, values: tuple, today: date) -> bool:
    """Whether every value of a column is surely fine (False: look at each one)."""
    types = set(map(type, values))
    if _NONE in types:
        if spec.notnull:
            return False
        values = tuple(v for v in values if v is not None)
        types.discard(_NONE)
        if not values:
            return True
    kind = spec.kind
    if "INT" in kind:
        if types != {int} or min(values) < -MAX_INT - 1 or max(values) > MAX_INT:
            return False
    elif "REAL" in kind or "FLOA" in kind or "DOUB" in kind:
        if not types <= {int, float} or not all(map(math.isfinite, values)) \
                or max(map(abs, values)) > MAX_INT:
            return False
    elif "TEXT" in kind or "CHAR" in kind or "CLOB" in kind:
        if types != {str} or max(map(len, values)) > MAX_TEXT:
            return False
        pattern = CONTROL_IN_NOTES if col in FREE_TEXT else CONTROL
        if pattern.search(" ".join(values)):
            return False
    else:
        return False
    if spec.choices is not None and not set(values) <= spec.choices:
        return False
    if types != {str}:
        return col != "deleted" or set(values) <= {0, 1}
    if col in ("name", "door_number"):
        return all(map(str.strip, values)) and max(map(len, values)) <= (
            100 if col == "name" else 10)
    if col == "phone":
        return all(map(_FAST_PHONE.fullmatch, values))
    if col == "id_number":
        return False          # depends on each row's ID kind: see check_rows
    if col == "id_kind":
        return set(values) <= _ID_KINDS
    if col == "community_id" or col.endswith("_id"):
        return _IDS.fullmatch("\n".join(values) + "\n") is not None
    if _date_column(col):
        return all(_content_problem(col, v, None) is None for v in set(values))
    return True


def check_rows(db: sqlite_utils.Database, rows: list[Run], peer_name: str) -> None:
    """Every field of every row: a column this version knows, a value of the column's type
    and content, a stamp that parses. Raises Refused naming the first bad row.

    Checked a column at a time over the runs of one shape (a snapshot has a few dozen
    shapes), so that a million values cost C loops, not a million Python calls."""
    tables = schema(db)
    today = date.today()
    groups: dict[tuple[str, tuple[str, ...]], list[Run]] = {}
    for run in rows:
        groups.setdefault((run[0], tuple(run[3])), []).append(run)
    try:   # one line per stamp ("" + "\n" when there are none, which is fine)
        text = "\n".join(chain.from_iterable(run[5] for run in rows)) + "\n"
        stamps_fine = _STAMPS.fullmatch(text) is not None or not any(run[5] for run in rows)
    except TypeError:   # a stamp that is no text
        stamps_fine = False
    if not stamps_fine:
        run, col, stamp = next((r, c, s) for r in rows for c, s in zip(r[3], r[5], strict=True)
                               if not (type(s) is str and _STAMP.fullmatch(s)))
        raise _row_error(peer_name, run[0], run[1], col,
                         f"的修改时间戳“{_shown(stamp)}”无法识别", "bad_stamp")
    held_kinds = _held_id_kinds(db, rows, tables)
    for (tbl, cols), runs in groups.items():
        specs = tables.get(tbl)
        if specs is None:
            raise _row_error(peer_name, tbl, runs[0][1], None,
                             f"属于本机没有的表“{_shown(tbl)}”，{_UPGRADE}", "malformed")
        for col in cols:
            if col not in specs:
                raise _row_error(peer_name, tbl, runs[0][1], col,
                                 f"是本机没有的字段，{_UPGRADE}", "malformed")
        columns = list(zip(*(run[4] for run in runs), strict=True)) if cols else []
        for j, col in enumerate(cols):
            spec = specs[col]
            if col != "id_number" and _column_fine(col, spec, columns[j], today):
                continue
            kind_at = cols.index("id_kind") if "id_kind" in cols else None
            for run, value in zip(runs, columns[j], strict=True):
                id_kind = (run[4][kind_at] if kind_at is not None
                           else held_kinds.get((tbl, run[1]), IdKind.RESIDENT.value))
                if col == "id_number" and id_kind == "resident" and type(value) is str \
                        and _fast_resident_id(value, today):
                    continue
                problem = _problem(col, spec, value, id_kind)
                if problem:
                    raise _row_error(peer_name, tbl, run[1], col, problem)


def _held_id_kinds(db: sqlite_utils.Database, rows: list[Run],
                   tables: dict[str, dict[str, Column]]) -> dict[tuple[str, str], str]:
    """The ID kind of each row whose ID number changes in a run without its kind: as another
    run of the bundle sets it (the last), else as held here."""
    wanted: dict[str, list[str]] = {}
    sent: dict[tuple[str, str], Any] = {}
    for tbl, row_id, _owner, cols, values, _stamps in rows:
        if "id_kind" in cols:
            sent[(tbl, row_id)] = values[cols.index("id_kind")]
        elif "id_number" in cols and "id_kind" in tables.get(tbl, {}):
            wanted.setdefault(tbl, []).append(row_id)
    found: dict[tuple[str, str], Any] = {}
    for tbl, ids in wanted.items():
        for row_id, kind in db.conn.execute(
                f"SELECT t.id, t.id_kind FROM json_each(?) j JOIN [{tbl}] t ON t.id = j.value",
                (orjson.dumps(ids).decode(),)):
            found[(tbl, row_id)] = kind
    found.update(sent)
    return found


# --- references -----------------------------------------------------------------------------

def references(db: sqlite_utils.Database) -> dict[str, list[tuple[str, str]]]:
    """Each synced table's foreign keys (column, referenced table), from the schema."""
    out: dict[str, list[tuple[str, str]]] = {}
    for tbl in changelog.synced_tables(db):
        out[tbl] = [(r[3], r[2]) for r in db.conn.execute(f"PRAGMA foreign_key_list([{tbl}])")]
    return out


Pointer = tuple[str, str, str, str, Any, str]   # tbl, row_id, col, parent, target, stamp


def _landing(entries: list[Pointer], again: set[tuple[str, str, str]],
             max_hlc: str | None) -> list[Pointer]:
    """The foreign-key values that can land: of a field the bundle sets more than once
    (`again`), a value is dropped when a newer one not from the future (after `max_hlc`) is
    there too (apply_rows keeps that one, never the older); values from the future stay
    (they land once due)."""
    newest: dict[tuple[str, str, str], str] = {}
    for tbl, row_id, col, _parent, _target, hlc in entries:
        key = (tbl, row_id, col)
        if key in again and (max_hlc is None or hlc <= max_hlc) and hlc > newest.get(key, ""):
            newest[key] = hlc
    return [e for e in entries if e[5] >= newest.get((e[0], e[1], e[2]), "")]


def check_references(db: sqlite_utils.Database, rows: list[Run], shared: str,
                     peer_name: str, max_hlc: str | None = None) -> None:
    """Every foreign key a row sets must point at a row of the row's own community or of
    the district (`shared`), held here or arriving in the same bundle; else the bundle is
    refused (a community could otherwise hang its rows under another community's). Only
    values that can land are checked (`_landing`): an older value of a field the bundle
    also sets newer is superseded (a community that moved to another district still sends
    its street's first parent, the old district's row, before the new one)."""
    fks = references(db)
    synced = set(fks)
    # The owner each row of the bundle will have: its community_id if the bundle sets it,
    # else the owner held here, else the owner the bundle declares.
    moved: dict[tuple[str, str], set[str]] = {}
    declared: dict[tuple[str, str], str] = {}
    entries: list[Pointer] = []   # every foreign-key value, None too (it may be the newest)
    seen: set[tuple[str, str, str]] = set()
    again: set[tuple[str, str, str]] = set()   # fields set more than once in the bundle
    for tbl, row_id, owner, cols, values, stamps in rows:
        key = (tbl, row_id)
        declared[key] = owner
        if "community_id" in cols:
            moved.setdefault(key, set()).update(
                [values[cols.index("community_id")]] if cols.count("community_id") == 1
                else (v for c, v in zip(cols, values, strict=True) if c == "community_id"))
        for col, parent in fks.get(tbl, ()):
            if col in cols and parent in synced:
                field = (tbl, row_id, col)
                if field in seen:
                    again.add(field)
                seen.add(field)
                if cols.count(col) == 1:
                    i = cols.index(col)
                    entries.append((tbl, row_id, col, parent, values[i], stamps[i]))
                    continue
                again.add(field)
                entries.extend((tbl, row_id, col, parent, v, h) for c, v, h
                               in zip(cols, values, stamps, strict=True) if c == col)
    if again:
        entries = _landing(entries, again, max_hlc)
    pointers = [(tbl, row_id, col, parent, target)
                for tbl, row_id, col, parent, target, _hlc in entries if target is not None]
    if not pointers:
        return
    wanted: dict[str, set[str]] = {}
    for tbl, row_id, _col, parent, target in pointers:
        for t, r in ((tbl, row_id), (parent, target)):
            if (t, r) not in moved:
                wanted.setdefault(t, set()).add(r)
    held = _held_owners(db, wanted)

    def owners(key: tuple[str, str]) -> set[str] | None:
        if key in moved:
            return moved[key]
        if key in held:
            return {held[key]}
        return {declared[key]} if key in declared else None

    for tbl, row_id, col, parent, target in pointers:
        mine = owners((tbl, row_id)) or set()
        theirs = owners((parent, target))
        if theirs is None:
            raise _row_error(peer_name, tbl, row_id, col,
                             f"指向的{_where(parent, target)}在本机和同步包里都不存在",
                             "dangling_reference")
        for other in theirs:
            if other != shared and {other} != mine:
                raise _row_error(peer_name, tbl, row_id, col,
                                 f"指向了另一个社区的{_where(parent, target)}（一个社区的"
                                 "数据只能引用本社区或区里的数据）", "foreign_reference",
                                 f"请联系区里核实“{peer_name}”为什么发来这样的数据。")
    _check_about(db, pointers, owners, shared, peer_name)


# District rows about one community (a supervision round's problems, by the round's subject):
# a community's row may point at such a row only when it is about that community (it answers
# the findings about itself, not a neighbour's, which every community holds too).
ABOUT: dict[str, str] = {
    "inspection_problems": (
        "SELECT p.id, CASE WHEN i.subject_kind = 'community' THEN i.subject_id END "
        "FROM json_each(?) j JOIN inspection_problems p ON p.id = j.value "
        "JOIN inspections i ON i.id = p.inspection_id"),
}


def _check_about(db: sqlite_utils.Database, pointers: list[tuple[str, str, str, str, str]],
                 owners: Any, shared: str, peer_name: str) -> None:
    wanted: dict[str, set[str]] = {}
    for _tbl, _row_id, _col, parent, target in pointers:
        if parent in ABOUT and owners((parent, target)) == {shared}:
            wanted.setdefault(parent, set()).add(target)
    about = {(parent, r[0]): r[1] for parent, ids in wanted.items()
             for r in db.conn.execute(ABOUT[parent], (orjson.dumps(sorted(ids)).decode(),))}
    for tbl, row_id, col, parent, target in pointers:
        mine = owners((tbl, row_id)) or set()
        if (parent, target) in about and mine != {shared} and {about[(parent, target)]} != mine:
            raise _row_error(peer_name, tbl, row_id, col,
                             f"指向的{_where(parent, target)}是区里对另一个社区的督查发现（一个"
                             "社区只能答复对本社区的督查）", "foreign_reference",
                             f"请联系区里核实“{peer_name}”为什么发来这样的数据。")


def _held_owners(db: sqlite_utils.Database, wanted: dict[str, Iterable[str]]
                 ) -> dict[tuple[str, str], str]:
    found: dict[tuple[str, str], str] = {}
    for tbl, ids in wanted.items():
        for row_id, owner in db.conn.execute(
                f"SELECT t.id, t.community_id FROM json_each(?) j JOIN [{tbl}] t "
                "ON t.id = j.value", (orjson.dumps(list(ids)).decode(),)):
            found[(tbl, row_id)] = owner
    return found
