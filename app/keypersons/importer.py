"""Importing a key-person list at the district: reading it (the ledger reader's header
detection; a title row above is normal), checking each row, merging the same person named
twice, matching each person to a community (ID number, else address, else phone) and
writing the list; a dry run says all of it without writing."""

from __future__ import annotations

import datetime
import os
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import sqlite_utils

from app import accounts
from app.errors import FormError
from app.keypersons import is_district, now_text, require_district_writer
from app.ledger.importer import infer_id_kind, parse_address
from app.ledger.reader import (
    FULL_TO_HALF,
    Ledger,
    cell_text,
    code_text,
    header_key,
    read_ledger,
)
from app.validation import (
    CONTROL,
    IdKind,
    ValidationError,
    normalize_phone,
    validate_id_number,
)
from db import keypersons as q
from db.keypersons import UNASSIGNED
from db.node import get_meta, transaction

# The fields of a list, and what the person mapping columns sees.
FIELD_LABELS = {"name": "姓名", "id_number": "证件号码", "phone": "联系电话",
                "address": "现住址", "home_address": "户籍地址", "category": "类别",
                "note": "备注"}
# Headers of key-person lists that the resident ledger's reader does not know (or reads as
# one of its own fields): they decide first.
EXTRA_HEADERS = {
    "类别": "category", "人员类别": "category", "重点人员类别": "category", "类型": "category",
    "人员类型": "category", "人员分类": "category", "重点类别": "category",
    "户籍地址": "home_address", "户籍地": "home_address", "户籍所在地": "home_address",
    "户籍住址": "home_address", "现住址": "address", "现居住地": "address",
    "现居住地址": "address", "居住地址": "address", "住址": "address", "地址": "address",
}
# The resident ledger's fields that mean one of ours.
READER_FIELDS = {"name": "name", "id_number": "id_number", "phone": "phone",
                 "address": "address", "note": "note", "tags": "category"}
_DAMAGED = re.compile(r"^\d(?:\.\d+)?E\+\d+$", re.IGNORECASE)

Mapping = dict[int, str]   # column index (0-based) → field code


@dataclass
class RowError:
    row: int          # the file's row number
    name: str
    message: str


@dataclass
class Person:
    rows: list[int]
    name: str
    id_kind: str | None
    id_number: str | None
    phone: str | None
    address: str
    home_address: str
    category: str
    note: str
    community_id: str = UNASSIGNED
    matched_by: str = ""
    resident_id: str | None = None
    household_id: str | None = None
    candidates: str = ""


@dataclass
class Plan:
    """What an import does (a dry run) or did."""

    title: str
    category: str
    due_at: str
    people: list[Person] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    merged: list[str] = field(default_factory=list)       # "第7、12行：张三" per person
    already: int = 0                                       # on the list from an earlier import
    by_community: dict[str, int] = field(default_factory=dict)   # name → people
    waiting: int = 0
    list_id: str | None = None
    imported: bool = False
    due_kept: bool = False           # a --due given for a list already imported: not changed

    def lines(self) -> list[str]:
        """The summary a person reads (the command line prints it, the wizard shows it)."""
        verb = "已导入" if self.imported else "将导入"
        out = [f"名单“{self.title}”：{verb} {len(self.people)} 人，"
               f"截止 {self.due_at}。"]
        for name, n in sorted(self.by_community.items(), key=lambda kv: (-kv[1], kv[0])):
            out.append(f"  {name}：{n} 人")
        if self.waiting:
            out.append(f"  待区里分配（未匹配或匹配到两个社区）：{self.waiting} 人")
        if self.due_kept:
            out.append(f"这份名单之前导入过，截止时间仍为 {self.due_at}（再次导入不改截止时间）。")
        if self.already:
            out.append(f"已在名单上（之前导入过），未重复导入：{self.already} 人。")
        for m in self.merged:
            out.append(f"同一人在名单中出现多次，已合并：{m}")
        for e in self.errors:
            out.append(f"第{e.row}行{('（' + e.name + '）') if e.name else ''}未导入：{e.message}")
        return out


def guess_mapping(ledger: Ledger) -> Mapping:
    """Each column's field, from its header: this list's own names first, then the resident
    ledger's (证件号码, 联系电话, …)."""
    mapping: Mapping = {}
    taken: set[str] = set()
    for col in ledger.columns:
        parts = [header_key(p) for p in col.label.split(" / ")]
        code = next((EXTRA_HEADERS[p] for p in reversed(parts) if p in EXTRA_HEADERS), None)
        if code is None and col.guess:
            code = READER_FIELDS.get(col.guess)
        if code and code not in taken:
            mapping[col.index] = code
            taken.add(code)
    return mapping


def read_list(path: str | os.PathLike[str]) -> tuple[Ledger, Mapping]:
    """Read a list file; LedgerError (Chinese) when it cannot be used."""
    ledger = read_ledger(path)
    return ledger, guess_mapping(ledger)


def _due(text: str | None, today: datetime.datetime) -> str:
    """--due as 'YYYY-MM-DD HH:MM' (a day alone: its end, 23:59); default: tomorrow 18:00."""
    if not text:
        return (today + datetime.timedelta(days=1)).strftime("%Y-%m-%d 18:00")
    t = text.strip().replace("T", " ")
    for fmt, fill in (("%Y-%m-%d %H:%M", ""), ("%Y-%m-%d", " 23:59")):
        try:
            moment = datetime.datetime.strptime(t, fmt)
        except ValueError:
            continue
        if moment.date() < today.date() - datetime.timedelta(days=1):
            # A notice may arrive late (due yesterday), never years late: a typing slip.
            raise FormError({"due": f"截止时间“{text}”早于昨天，多半是写错了：请核对通知上的"
                                    "截止时间，写成 2026-12-08 或 2026-12-08T18:00。"})
        return moment.strftime("%Y-%m-%d %H:%M") if not fill else moment.strftime("%Y-%m-%d") + fill
    raise FormError({"due": f"截止时间“{text}”看不懂：请写成 2026-12-08 或 2026-12-08T18:00。"})


def _clean(text: str, limit: int) -> str:
    """One line of text as a synced column may hold it: no line breaks, tabs or other
    control characters (a bundle carrying them would be refused), spaces collapsed."""
    return " ".join(CONTROL.sub(" ", text or "").split())[:limit]


def _check_row(number: int, raw: dict[str, str], errors: list[RowError]) -> Person | None:
    raw = {k: _clean(v, 500) for k, v in raw.items()}
    name = "".join(raw.get("name", "").split()) if re.fullmatch(
        r"[\u3400-\u9fff·\s]+", raw.get("name", "")) else " ".join(raw.get("name", "").split())
    if not name:
        errors.append(RowError(number, "", "没有姓名。请在名单里补上姓名后重新导入这一行。"))
        return None
    if len(name) > 40:
        errors.append(RowError(number, name[:10], "姓名超过40个字，请核对。"))
        return None
    id_number, id_kind = None, None
    text = raw.get("id_number", "")
    if text:
        if _DAMAGED.match(text):
            errors.append(RowError(number, name, f"证件号码“{text}”已被 Excel 改成科学计数法，"
                                   "后几位已丢失。请在原表中把这一列设为“文本”，重新填写"
                                   "号码后再导入这一行。"))
            return None
        kind = infer_id_kind(text)
        try:
            info = validate_id_number(text, IdKind(kind))
        except ValidationError as exc:
            errors.append(RowError(number, name, f"证件号码“{text}”不正确：{exc.message}"))
            return None
        id_number, id_kind = info.number, kind
    phone = None
    if raw.get("phone"):
        try:
            phone = normalize_phone(raw["phone"])
        except ValidationError:
            phone = None   # a wrong phone does not keep the person off the list: noted below
    address = " ".join(raw.get("address", "").split())[:200]
    home = " ".join(raw.get("home_address", "").split())[:200]
    if not (id_number or address or home or phone):
        errors.append(RowError(number, name, "没有证件号码、住址或电话，无法核查。"
                               "请补上其中至少一项后重新导入这一行。"))
        return None
    note = raw.get("note", "")[:500]
    if raw.get("phone") and phone is None:
        note = (note + " " if note else "") + f"（名单上的电话“{raw['phone'][:30]}”不正确）"
    return Person([number], name, id_kind, id_number, phone, address, home,
                  raw.get("category", "")[:50], note)


def _merge(people: list[Person], merged: list[str]) -> list[Person]:
    """The same person twice (same ID number; or, without one, same name and address or
    phone): one person, both rows named."""
    out: list[Person] = []
    seen: dict[tuple, Person] = {}
    for p in people:
        key = (("id", p.id_number) if p.id_number
               else ("na", p.name, p.address or p.home_address or p.phone))
        first = seen.get(key)
        if first is None:
            seen[key] = p
            out.append(p)
            continue
        first.rows.extend(p.rows)
        for attr in ("phone", "address", "home_address", "category"):
            if not getattr(first, attr) and getattr(p, attr):
                setattr(first, attr, getattr(p, attr))
        if p.note and p.note not in first.note:
            first.note = f"{first.note}；{p.note}" if first.note else p.note
    for p in out:
        if len(p.rows) > 1:
            merged.append(f"第{'、'.join(map(str, p.rows))}行：{p.name}")
    return out


def _compact(text: str) -> str:
    return "".join(text.translate(FULL_TO_HALF).split())


class _Doors:
    """Every household's door across the district, looked up by building, unit and door;
    the compound is checked against what the list wrote (which may carry the city, the
    district or the street before it)."""

    def __init__(self, db: sqlite_utils.Database, addresses: list[str]) -> None:
        self.by_door: dict[tuple[str, str, str], list[tuple[str, str, str]]] = {}
        self.by_door_any_unit: dict[tuple[str, str], list[tuple[str, str, str]]] = {}
        doors = {parsed[3] for a in addresses if a and (parsed := parse_address(a))}
        for hid, owner, compound, building, unit, door in q.household_doors(db, doors):
            entry = (hid, owner, _compact(compound))
            self.by_door.setdefault((building, unit, door), []).append(entry)
            self.by_door_any_unit.setdefault((building, door), []).append(entry)

    def find(self, address: str) -> list[tuple[str, str]]:
        """(household id, community id) of the households an address can mean."""
        parsed = parse_address(address) if address else None
        if parsed is None:
            return []
        compound, building, unit, door = parsed
        found = (self.by_door.get((building, unit, door), []) if unit
                 else self.by_door_any_unit.get((building, door), []))
        c = _compact(compound)
        if c:
            found = [f for f in found if f[2] and (f[2] in c or c in f[2])]
        return [(hid, owner) for hid, owner, _c in found]


def _match(db: sqlite_utils.Database, people: list[Person]) -> None:
    """Each person to one community, or left UNASSIGNED with the candidates found."""
    communities = q.community_ids(db)
    by_number: dict[str, list[tuple[str, str, str | None]]] = {}
    numbers = [p.id_number for p in people if p.id_number]
    for number, owner, rid, hid in q.residents_by_number(db, numbers):
        if owner in communities:
            by_number.setdefault(number, []).append((owner, rid, hid))
    rest = [p for p in people if not (p.id_number and p.id_number in by_number)]
    addresses = [a for p in rest for a in (p.address, p.home_address) if a]
    doors = _Doors(db, addresses) if addresses else None
    by_phone: dict[str, list[tuple[str, str, str | None]]] = {}
    phones = [p.phone for p in rest if p.phone]
    if phones:
        for phone, owner, rid, hid in q.residents_by_phone(db, phones):
            if owner in communities:
                by_phone.setdefault(phone, []).append((owner, rid, hid))
    for p in people:
        found = by_number.get(p.id_number or "")
        if found:
            _settle(p, "id_number", found)
            continue
        homes: list[tuple[str, str]] = []
        if doors is not None:
            homes = doors.find(p.address) or doors.find(p.home_address)
        if homes:
            _settle(p, "address", [(owner, None, hid) for hid, owner in homes])
            continue
        found = by_phone.get(p.phone or "")
        if found:
            _settle(p, "phone", found)
    for p in people:
        if p.candidates:
            p.candidates = "、".join(sorted(communities.get(c, c) for c in p.candidates.split()))


def _settle(p: Person, how: str, found: list[tuple[str, str | None, str | None]]) -> None:
    owners = sorted({owner for owner, _r, _h in found})
    if len(owners) == 1:
        p.community_id, p.matched_by = owners[0], how
        p.resident_id = next((r for _o, r, _h in found if r), None)
        hids = {h for _o, _r, h in found if h}
        p.household_id = hids.pop() if len(hids) == 1 else None
    else:   # two communities: a person decides
        p.candidates = " ".join(owners)


def plan(db: sqlite_utils.Database, ledger: Ledger, mapping: Mapping, *,
         title: str | None = None, category: str | None = None, due: str | None = None,
         now: datetime.datetime | None = None) -> Plan:
    """What importing this list would do: rows checked, duplicates merged, people already
    on a list of the same title left out, everyone matched. Writes nothing."""
    now = now or datetime.datetime.now()
    if "name" not in mapping.values():
        raise FormError({"mapping": "没有找到“姓名”列。请在列对应中指定哪一列是姓名。"})
    if not {"id_number", "address", "home_address", "phone"} & set(mapping.values()):
        raise FormError({"mapping": "名单里至少要有证件号码、住址或电话中的一列，"
                                    "请在列对应中指定。"})
    title = _clean(title or ledger.title or Path(ledger.path).stem, 100)
    if not title:
        raise FormError({"title": "请填写名单标题，例如“关于核查重点人员的通知（第3批）”。"})
    result = Plan(title=title, category=_clean(category or "", 50), due_at=_due(due, now))
    people: list[Person] = []
    for i in range(ledger.first_data_row - 1, len(ledger.rows)):
        row = ledger.rows[i]
        raw = {code: (code_text(row[c]) if code in ("id_number", "phone") else cell_text(row[c]))
               for c, code in mapping.items() if c < len(row)}
        raw = {k: v for k, v in raw.items() if v}
        if not raw or set(raw) <= {"note", "category"}:
            continue   # an empty row, or a total line at the bottom
        person = _check_row(i + 1, raw, result.errors)
        if person is not None:
            if not person.category:
                person.category = result.category
            people.append(person)
    people = _merge(people, result.merged)
    existing = q.list_by_title(db, title)
    if existing is not None:
        result.list_id = existing["id"]
        result.due_kept = bool(due) and result.due_at != existing["due_at"]
        result.due_at, result.category = existing["due_at"], existing["category"]
        keys = {(r["id_number"] or "", r["name"], "" if r["id_number"] else r["address"])
                for r in q.list_keys(db, existing["id"])}
        fresh = [p for p in people
                 if (p.id_number or "", p.name, "" if p.id_number else p.address) not in keys]
        result.already = len(people) - len(fresh)
        people = fresh
    _match(db, people)
    result.people = people
    names = q.community_ids(db)
    counts = Counter(p.community_id for p in people)
    result.waiting = counts.pop(UNASSIGNED, 0)
    result.by_community = {names.get(c, c): n for c, n in counts.items()}
    return result


def import_list(db: sqlite_utils.Database, path: str | os.PathLike[str], *,
                title: str | None = None, category: str | None = None, due: str | None = None,
                mapping: Mapping | None = None, dry_run: bool = False,
                now: datetime.datetime | None = None) -> Plan:
    """Read, check, match and (unless a dry run) write a list at the district. A second
    import of the same title adds only the people not on it yet."""
    session = require_district_writer(db)
    if not is_district(db):
        raise accounts.PermissionDenied("重点人员名单只能在区里导入。")
    ledger = read_ledger(path)
    result = plan(db, ledger, mapping if mapping is not None else guess_mapping(ledger),
                  title=title, category=category, due=due, now=now)
    if dry_run:
        return result
    stamp = now_text(now)
    with transaction(db):
        list_id = result.list_id
        if list_id is None:
            list_id = q.insert_list(db, get_meta(db, "community_id") or "", {
                "title": result.title, "category": result.category, "due_at": result.due_at,
                "imported_at": stamp, "imported_by": session.display_name,
                "source_file": _clean(Path(path).name, 200)})
            result.list_id = list_id
        q.insert_people(db, [{
            "community_id": p.community_id, "list_id": list_id,
            "source_rows": ", ".join(map(str, p.rows)), "name": p.name,
            "id_kind": p.id_kind, "id_number": p.id_number, "phone": p.phone,
            "address": p.address or p.home_address, "category": p.category,
            "list_note": p.note, "matched_by": p.matched_by, "resident_id": p.resident_id,
            "household_id": p.household_id, "candidates": p.candidates,
            "assigned_at": stamp} for p in result.people])
        accounts.record(db, "import", tbl="keyperson_lists", row_id=list_id,
                        what="keypersons", file=Path(path).name, people=len(result.people),
                        waiting=result.waiting, errors=len(result.errors))
    result.imported = True
    return result
