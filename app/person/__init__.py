"""One person, one file (一人一档): who they are (masked as the role requires), their household
and its other members, Party membership, tags and category, and a timeline of everything about
them, newest first, each entry saying who and when.

The timeline is built from SOURCES: one small function per source (db, person) → entries.
Adding a source is one function and one entry in that list; a source whose table is not in
this database gives nothing (features arrive in different versions).
"""

from __future__ import annotations

import importlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import sqlite_utils

from app import accounts, categories
from app.accounts import masking, require_resident
from app.errors import FormError
from app.registry import DWELLING_LABELS, PARTY_KIND_LABELS, RESIDENCY_LABELS, SEX_LABELS
from db import audit as audit_store
from db import person as q


@dataclass(frozen=True)
class Entry:
    """One line of the timeline."""

    at: str          # ISO date or local time: sorts newest first
    kind: str        # 登记 / 隔离 / 检测 / 联户 / 打印 / 类别 …
    text: str
    by: str = ""

    @property
    def when(self) -> str:
        return self.at[:16].replace("T", " ")


@dataclass
class PersonFile:
    id: str
    name: str
    sex: str
    age: int | None
    id_number: str           # as the role may see it
    phone: str
    birth_date: str
    residency: str
    relation: str
    ethnicity: str
    tags: str
    note: str
    household_id: str | None
    address: str
    dwelling: str
    household_tags: str
    members: list[dict[str, Any]]           # the household's other people, masked
    party: str                               # "" or 自管党员 · 支部
    category: categories.Assigned | None
    community: str
    timeline: list[Entry] = field(default_factory=list)


Source = Callable[[sqlite_utils.Database, dict[str, Any]], list[Entry]]


def _names(db: sqlite_utils.Database) -> dict[str, str]:
    return audit_store.actor_names(db)


def local_time(at: str) -> str:
    from app.accounts.audit import local_time as shown

    return shown(at)


def _field_list(detail: dict[str, Any]) -> str:
    from app.accounts.audit import FIELD_LABELS

    after = detail.get("after") or {}
    shown = [FIELD_LABELS.get(k, k) for k in after if k not in ("community_id", "deleted")]
    return "、".join(shown)


def registry_changes(db: sqlite_utils.Database, person: dict[str, Any]) -> list[Entry]:
    """Registered, changed, moved, deleted: the audit log of the resident's row."""
    names = _names(db)
    out = []
    for at, actor, action, detail in q.audit_of(db, "residents", person["id"]):
        try:
            data = json.loads(detail) if detail else {}
        except ValueError:
            data = {}
        if action == "insert":
            text = "登记为本社区居民"
        elif action == "delete":
            text = "删除了居民记录"
        elif action == "undelete":
            text = "恢复了居民记录"
        else:
            changed = _field_list(data)
            text = f"修改了{changed}" if changed else "修改了居民信息"
        out.append(Entry(local_time(at), "登记", text, names.get(actor, actor) or "系统"))
    # Their household's changes (door, dwelling, tags …): where they live changed too.
    if person.get("household_id"):
        for at, actor, action, detail in q.audit_of(db, "households", person["household_id"]):
            if action != "update":
                continue
            try:
                changed = _field_list(json.loads(detail) if detail else {})
            except ValueError:
                changed = ""
            if changed:
                out.append(Entry(local_time(at), "住户", f"本户修改了{changed}",
                                 names.get(actor, actor) or "系统"))
    return out


def isolation_history(db: sqlite_utils.Database, person: dict[str, Any]) -> list[Entry]:
    """Each case's history (registered, started, extended, released …), checks and tests."""
    from app.isolation import EVENT_LABELS, KIND_LABELS, SLOT_LABELS, TEST_LABELS

    out = []
    for case in q.cases_of(db, person["id"]):
        kind = KIND_LABELS.get(case["kind"], case["kind"])
        for e in q.case_events(db, case["id"]):
            what = EVENT_LABELS.get(e["kind"], e["kind"])
            extra = f"：{e['reason']}" if e["reason"] else ""
            out.append(Entry(e["at"], "隔离", f"{kind}（{case['reason']}）{what}{extra}",
                             e["by_name"] or ""))
        for c in q.case_checks(db, case["id"]):
            temp = f"{c['temperature']:.1f}℃" if c["temperature"] is not None else "未测体温"
            flag = "，异常" if c["flagged"] else ""
            out.append(Entry(c["checked_at"] or c["check_on"], "监测",
                             f"{c['check_on']} {SLOT_LABELS.get(c['slot'], c['slot'])}健康监测"
                             f" {temp}{flag}", c["checked_by"] or ""))
        for t in q.case_tests(db, case["id"]):
            out.append(Entry(t["test_on"], "检测",
                             f"核酸检测：{TEST_LABELS.get(t['result'], t['result'])}", ""))
    return out


def pairing_contacts(db: sqlite_utils.Database, person: dict[str, Any]) -> list[Entry]:
    """The household's Party-member contacts and visits (a contact is with the household)."""
    from app.pairing import CONTACT_KIND_LABELS

    if not person.get("household_id"):
        return []
    return [Entry(c["contact_on"], "联户",
                  f"{CONTACT_KIND_LABELS.get(c['kind'], c['kind'])}"
                  + (f"：{c['note']}" if c["note"] else ""), c["member"] or "")
            for c in q.contacts_of(db, person["household_id"])]


def forms_printed(db: sqlite_utils.Database, person: dict[str, Any]) -> list[Entry]:
    """Forms printed for their cases, and their person file printed (print_log)."""
    from app.isolation import FORM_LABELS

    out = [Entry(p["printed_at"], "打印",
                 f"打印{FORM_LABELS.get(p['form'], p['form'])}"
                 + (f"（{p['serial']}）" if p["serial"] else "")
                 + ("（补打）" if p["reprint"] else ""), p["printed_by"] or "")
           for p in q.prints_of(db, person["id"])]
    names = _names(db)
    out += [Entry(local_time(at), "打印", "打印了个人档案", names.get(actor, actor) or "")
            for at, actor in q.file_prints_of(db, person["id"])]
    return out


def category_changes(db: sqlite_utils.Database, person: dict[str, Any]) -> list[Entry]:
    return [Entry(m["set_at"], "类别",
                  (f"类别改为“{m['category']}”" if m["category_id"] else "类别改回按规则")
                  + f"：{m['reason']}", m["set_by"] or "")
            for m in categories.history(db, person["id"])]


def _labels(module: str, name: str) -> dict[str, str]:
    """Another feature's code → words, or none when that feature is not in this build."""
    try:
        return dict(getattr(importlib.import_module(module), name))
    except (ImportError, AttributeError):
        return {}


def keyperson_checks(db: sqlite_utils.Database, person: dict[str, Any]) -> list[Entry]:
    """On a key-person list (重点人员核查): matched, and each verification result."""
    results = _labels("app.keypersons", "RESULT_LABELS")
    out = []
    for k in q.keyperson_rows(db, person["id"]):
        title = f"“{k['title']}”" if k.get("title") else ""
        out.append(Entry(k["assigned_at"], "核查", f"列入重点人员名单{title}"))
        for r in q.keyperson_results(db, k["id"]):
            detail = f"，{r['detail']}" if r["detail"] else ""
            out.append(Entry(r["recorded_at"], "核查",
                             f"重点人员核查{title}：{results.get(r['result'], r['result'])}"
                             f"{detail}", r["recorded_by"] or ""))
    return out


def care_history(db: sqlite_utils.Database, person: dict[str, Any]) -> list[Entry]:
    """Care visits (关爱走访) and the needs they found."""
    methods = _labels("app.care", "METHOD_LABELS")
    wellbeing = _labels("app.care", "WELLBEING_LABELS")
    needs = _labels("app.care", "NEED_LABELS")
    statuses = _labels("app.care", "NEED_STATUS_LABELS")
    out = []
    for v in q.rows_of_resident(db, "care_visits", person["id"]):
        how = wellbeing.get(v.get("wellbeing") or "", "")
        out.append(Entry(v.get("recorded_at") or v["visited_on"], "走访",
                         f"关爱走访：{methods.get(v['method'], v['method'])}"
                         + (f"，状况{how}" if how else "")
                         + (f"：{v['note']}" if v.get("note") else ""),
                         v.get("visitor_name") or v.get("recorded_by") or ""))
    for n in q.rows_of_resident(db, "care_needs", person["id"]):
        out.append(Entry(n["found_on"], "走访",
                         f"发现需求：{needs.get(n['kind'], n['kind'])}"
                         f"（{statuses.get(n.get('status') or '', n.get('status') or '')}）"))
    return out


def grid_events(db: sqlite_utils.Database, person: dict[str, Any]) -> list[Entry]:
    """Events and requests (事件诉求) the person reported or was the subject of."""
    categories_ = _labels("app.incidents", "CATEGORY_LABELS")
    statuses = _labels("app.incidents", "STATUS_LABELS")
    out = []
    for i in q.rows_of_resident(db, "incidents", person["id"]):
        text = (i.get("description") or "").replace("\n", " ")
        text = text[:40] + ("…" if len(text) > 40 else "")
        out.append(Entry(str(i["reported_at"]).replace("T", " "), "事件",
                         f"{categories_.get(i['category'], '事件')}：{i['kind']} {text}"
                         f"（{statuses.get(i['status'], i['status'])}）",
                         i.get("reporter_name") or ""))
    return out


def household_sweeps(db: sqlite_utils.Database, person: dict[str, Any]) -> list[Entry]:
    """Door-to-door sweeps (入户排查) of the person's household."""
    if not person.get("household_id"):
        return []
    outcomes = _labels("app.sweeps", "OUTCOME_LABELS")
    return [Entry(v.get("recorded_at") or v["visited_on"], "排查",
                  f"入户排查（本户）：{outcomes.get(v['outcome'], v['outcome'])}"
                  + (f"：{v['note']}" if v.get("note") else ""), v.get("visited_by") or "")
            for v in q.rows_of_resident(db, "sweep_visits", person["household_id"],
                                        "household_id")]


def _other_feature(table: str, date_cols: tuple[str, ...], kind: str,
                   describe: Callable[[dict[str, Any]], str],
                   by_cols: tuple[str, ...] = ("by_name", "checked_by", "visited_by",
                                               "reported_by", "created_by")) -> Source:
    """A source over another feature's table keyed by resident_id (present or not)."""
    def source(db: sqlite_utils.Database, person: dict[str, Any]) -> list[Entry]:
        rows = q.rows_of_resident(db, table, person["id"])
        out = []
        for r in rows:
            at = next((str(r[c]) for c in date_cols if r.get(c)), "")
            by = next((str(r[c]) for c in by_cols if r.get(c)), "")
            out.append(Entry(at, kind, describe(r), by))
        return out
    source.__name__ = f"{table}_source"
    return source


# The timeline's sources, in no particular order (entries are sorted by time).
SOURCES: list[Source] = [
    registry_changes,
    isolation_history,
    pairing_contacts,
    forms_printed,
    category_changes,
    keyperson_checks,
    care_history,
    grid_events,
    household_sweeps,
]


def _age(birth: str | None, today: date) -> int | None:
    if not birth:
        return None
    born = date.fromisoformat(birth)
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


def timeline(db: sqlite_utils.Database, person: dict[str, Any]) -> list[Entry]:
    entries: list[Entry] = []
    for source in SOURCES:
        entries += source(db, person)
    entries.sort(key=lambda e: e.at, reverse=True)
    return entries


def person_file(db: sqlite_utils.Database, resident_id: str, *, output: str = masking.LIST,
                today: date | None = None) -> PersonFile:
    """Everything about one person, masked for the signed-in role in `output`."""
    session = require_resident(db, "registry.view", resident_id)
    person = q.resident(db, resident_id) if isinstance(resident_id, str) else None
    if person is None or person["deleted"]:
        raise FormError({"resident": "找不到这位居民，或已被删除。请刷新后重试。"})
    today = today or date.today()
    household = q.household(db, person["household_id"]) if person["household_id"] else None
    members = []
    for m in q.members(db, person["household_id"], resident_id) if household else []:
        members.append({"id": m["id"], "name": m["name"], "relation": m["relation"] or "",
                        "age": _age(m["birth_date"], today),
                        "sex": SEX_LABELS.get(m["sex"] or "", "")})
    member = q.party_member(db, resident_id)
    party = ""
    if member:
        party = PARTY_KIND_LABELS.get(member["kind"], member["kind"])
        if member["branch"]:
            party += f" · {member['branch']}"
    return PersonFile(
        id=resident_id, name=person["name"], sex=SEX_LABELS.get(person["sex"] or "", ""),
        age=_age(person["birth_date"], today),
        id_number=masking.show(session, "id_number", person["id_number"], output),
        phone=masking.show(session, "phone", person["phone"], output),
        birth_date=person["birth_date"] or "",
        residency=RESIDENCY_LABELS.get(person["residency"], ""),
        relation=person["relation"] or "", ethnicity=person["ethnicity"] or "",
        tags=person["tags"] or "", note=person["note"] or "",
        household_id=person["household_id"],
        address=household["address"] if household else "（未落户）",
        dwelling=DWELLING_LABELS.get(household["dwelling"], "") if household else "",
        household_tags=household["tags"] if household else "",
        members=members, party=party,
        category=categories.of(db, [resident_id], today).get(resident_id),
        community=q.community_name(db, person["community_id"]),
        timeline=timeline(db, person))


def record_print(db: sqlite_utils.Database, resident_id: str, target: str) -> None:
    """The person's file was printed or saved: in the audit log, and on their timeline."""
    accounts.record(db, "print", tbl="residents", row_id=resident_id, what="person_file",
                    target=target)
