"""Key-person lists (重点人员核查): lists imported at the district, matched to communities,
verified by each community, results back up; the core services and the daily figures.

Who writes what (see app.sync.authorship and docs/decisions.md): the district writes the
lists and their people (each person owned by the community it was matched to, so it
reaches that community only); a community writes its results. Assigning or reassigning a
person never moves a row: the old one is closed ('moved') and a new one is written for the
new community, so the old community keeps a closed copy, never a stale open one."""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass
from typing import Any

import sqlite_utils

from app import accounts, isolation, registry
from app.errors import FormError
from app.validation import control_problem
from db import keypersons as q
from db.keypersons import UNASSIGNED
from db.node import get_meta, transaction

RESULT_LABELS = {"living_here": "在本社区居住", "left": "已离开本社区",
                 "not_found": "查无此人", "wrong_info": "信息有误", "other": "其他"}
MEASURE_LABELS = {"": "", "home_isolation": "登记居家隔离", "home_monitoring": "登记居家健康监测",
                  "added_resident": "登记为本社区居民"}
MATCH_LABELS = {"": "未匹配", "id_number": "证件号码", "address": "住址", "phone": "电话",
                "hand": "区里指定"}
# What a person may type for a result (the command line's --result, a list's 核查结果).
RESULT_WORDS = {
    **{code: code for code in RESULT_LABELS}, **{v: k for k, v in RESULT_LABELS.items()},
    "在住": "living_here", "居住": "living_here", "本社区居住": "living_here",
    "已离开": "left", "离开": "left", "外出": "left", "查无": "not_found",
    "无此人": "not_found", "有误": "wrong_info", "信息错误": "wrong_info",
}
NEEDS_DETAIL = {"left": ("detail", "去向", "请填写去向，例如“建设路社区”或“广州市白云区”"
                                         "（去向本区另一个社区时，区里可一步改派）。"),
                "wrong_info": ("detail", "哪项有误", "请写明哪一项有误，例如“电话号码错误”。"),
                "other": ("note", "说明", "选择“其他”时请在备注里写明情况。")}
WITHDRAWN = "已撤回"
DISTRICT_ONLY = "只有区里的管理员或区级账户可以导入、分配和撤回重点人员名单。"
NO_RESULTS_AT_DISTRICT = ("核查结果由社区填写，区里不能填写或修改。如结果有误，"
                          "请联系该社区更正，同步后即可看到。")


def now_text(now: datetime.datetime | None = None) -> str:
    return (now or datetime.datetime.now()).strftime("%Y-%m-%d %H:%M:%S")


def is_district(db: sqlite_utils.Database) -> bool:
    return get_meta(db, "role") == "district"


def own_owner(db: sqlite_utils.Database) -> str:
    owner = get_meta(db, "community_id")
    if owner is None:
        raise FormError({"community": "还没有设置本社区，请先在“设置”中填写社区信息。"})
    return owner


def who(session: accounts.Session) -> str:
    return session.display_name if session.username else "（未登录）"


def require_district_writer(db: sqlite_utils.Database) -> accounts.Session:
    """The district's own work on lists: its administrator or a 区级 account, at a district."""
    session = accounts.require(db, "keypersons.view")
    if not is_district(db):
        raise accounts.PermissionDenied("重点人员名单由区里导入和分配；社区不能修改名单。"
                                        "名单有误请联系区里。")
    if session.role not in ("admin", "district"):
        raise accounts.PermissionDenied(DISTRICT_ONLY)
    return session


def result_code(word: str) -> str:
    """A result as typed (中文 or code) → its code; a FormError listing the valid words."""
    code = RESULT_WORDS.get((word or "").strip())
    if code is None:
        raise FormError({"result": f"不认识的核查结果“{word}”。可以填写："
                                   f"{'、'.join(RESULT_LABELS.values())}。"})
    return code


def result_text(row: dict[str, Any]) -> str:
    """A result as the ledger and the page show it: 已离开本社区（去向建设路社区）."""
    if not row.get("result"):
        return ""
    label = RESULT_LABELS.get(row["result"], row["result"])
    if row.get("detail"):
        gone = row["result"] == "left" and not row["detail"].startswith("去向")
        label += f"（{'去向' if gone else ''}{row['detail']}）"
    return label


# --- the community's work --------------------------------------------------------------------

def _open_person(db: sqlite_utils.Database, person_id: str, owner: str) -> dict[str, Any]:
    person = q.person(db, person_id)
    if person is None or person["deleted"] or person["community_id"] != owner:
        raise FormError({"person": "找不到这个重点人员，可能已被区里调整。请按 F5 刷新后重试。"})
    if person["state"] == "moved":
        where = person["moved_to_name"] or "其他社区"
        raise FormError({"person": f"区里已把“{person['name']}”转给{where}核查，"
                                   "本社区不需要再填写结果。"})
    lst = q.get_list(db, person["list_id"])
    if lst is None or lst["status"] == "withdrawn":
        raise FormError({"person": f"名单“{lst['title'] if lst else ''}”已被区里撤回，"
                                   "不需要再核查。已填的结果仍然保留。"})
    return person


def verify(db: sqlite_utils.Database, person_id: str, result: str, *, detail: str = "",
           note: str = "", measure: str = "", measure_ref: str | None = None,
           now: datetime.datetime | None = None) -> str:
    """Record a community's result for one of its people (a new row: earlier results stay,
    with who and when). Returns the result's id."""
    if is_district(db):
        raise accounts.PermissionDenied(NO_RESULTS_AT_DISTRICT)
    session = accounts.require(db, "registry.edit")
    owner = own_owner(db)
    code = result_code(result)
    detail, note = (detail or "").strip(), (note or "").strip()
    errors: dict[str, str] = {}
    need = NEEDS_DETAIL.get(code)
    if need and not (detail if need[0] == "detail" else note):
        errors[need[0]] = need[2]
    if len(detail) > 100:
        errors["detail"] = "去向或有误的项目最多100个字，请精简。"
    elif control_problem(detail):
        errors["detail"] = f"去向或有误的项目{control_problem(detail)}，请重新填写。"
    if control_problem(note, multiline=True):
        errors["note"] = f"备注{control_problem(note, multiline=True)}，请重新填写。"
    if len(note) > 500:
        errors["note"] = "备注最多500个字，请精简。"
    if measure not in MEASURE_LABELS:
        errors["measure"] = "请选择措施：登记居家隔离、居家健康监测、登记为居民，或不采取措施。"
    if errors:
        raise FormError(errors)
    with transaction(db):
        _open_person(db, person_id, owner)
        return q.insert_result(db, owner, {
            "person_id": person_id, "result": code, "detail": detail, "measure": measure,
            "measure_ref": measure_ref, "note": note or None, "recorded_by": who(session),
            "recorded_at": now_text(now)})


def verify_with_case(db: sqlite_utils.Database, person_id: str, *, kind: str, reason: str,
                     started_on: Any, note: str = "", origin: str | None = None,
                     arrived_on: Any = None, household_id: str | None = None,
                     newcomer_data: dict[str, Any] | None = None,
                     now: datetime.datetime | None = None) -> tuple[str, str]:
    """One step: 在本社区居住, and a home-isolation or health-monitoring case registered for
    the person, prefilled from the list (the matched resident; else a newcomer added to
    `household_id`, with `newcomer_data` such as an ID number the list lacked). Returns
    (result id, case id); both or neither are saved."""
    owner = own_owner(db)
    person = _open_person(db, person_id, owner)
    newcomer = None
    if not person["resident_id"]:
        if not household_id and not person["household_id"]:
            raise FormError({"household_id": "此人未在本社区登记：请选择他居住的住户，"
                                             "登记时会同时把他加为该户居民。"})
        newcomer = {"name": person["name"], "id_kind": person["id_kind"] or "resident",
                    "id_number": person["id_number"], "phone": person["phone"],
                    "household_id": household_id or person["household_id"],
                    "residency": "floating", **(newcomer_data or {})}
    with transaction(db):
        case_id = isolation.register_case(
            db, kind=kind, reason=reason, started_on=started_on,
            resident_id=person["resident_id"], newcomer=newcomer, origin=origin,
            arrived_on=arrived_on, phone=person["phone"], note=note or None, now=now)
        result_id = verify(db, person_id, "living_here", note=note, measure=kind,
                           measure_ref=case_id, now=now)
    return result_id, case_id


def verify_adding_resident(db: sqlite_utils.Database, person_id: str, household_id: str,
                           data: dict[str, Any] | None = None, *, note: str = "",
                           now: datetime.datetime | None = None) -> tuple[str, str]:
    """One step: 在本社区居住, and the person (not registered here) added to a household,
    prefilled from the list. Returns (result id, resident id)."""
    owner = own_owner(db)
    person = _open_person(db, person_id, owner)
    if person["resident_id"]:
        raise FormError({"person": f"“{person['name']}”已是本社区登记的居民，不需要再登记。"})
    values = {"name": person["name"], "id_kind": person["id_kind"] or "resident",
              "id_number": person["id_number"], "phone": person["phone"],
              "household_id": household_id, "residency": "floating", **(data or {})}
    with transaction(db):
        resident_id = registry.add_resident(db, values, today=(now.date() if now else None))
        result_id = verify(db, person_id, "living_here", note=note, measure="added_resident",
                           measure_ref=resident_id, now=now)
    return result_id, resident_id


# --- the district's work ---------------------------------------------------------------------

def _match_in(db: sqlite_utils.Database, person: dict[str, Any], community_id: str
              ) -> tuple[str | None, str | None]:
    """The resident (and household) with the person's ID number in a community, if any."""
    if person.get("id_number"):
        for _n, owner, resident_id, household_id in q.residents_by_number(
                db, [person["id_number"]]):
            if owner == community_id:
                return resident_id, household_id
    hh = person.get("household_id")
    if hh and db.conn.execute("SELECT 1 FROM households WHERE id = ? AND community_id = ?",
                              (hh, community_id)).fetchone():
        return None, hh
    return None, None


def assign(db: sqlite_utils.Database, person_id: str, community_id: str, *,
           now: datetime.datetime | None = None) -> str:
    """At the district: give a person (waiting, or at another community) to a community.
    The old row is closed ('moved', to where, who, when) and a new row is written for the
    new community; results recorded so far stay with the old one. Returns the new row's id."""
    session = require_district_writer(db)
    names = q.community_ids(db)
    if community_id not in names:
        raise FormError({"community": "请选择一个本区的社区。"})
    with transaction(db):
        person = q.person(db, person_id)
        if person is None or person["deleted"]:
            raise FormError({"person": "找不到这个重点人员，请刷新后重试。"})
        if person["state"] == "moved":
            raise FormError({"person": f"“{person['name']}”已转给"
                                       f"{person['moved_to_name'] or '其他社区'}，"
                                       "请在新的记录上操作。"})
        if person["community_id"] == community_id:
            raise FormError({"community": f"“{person['name']}”已经在{names[community_id]}。"})
        stamp = now_text(now)
        q.close_person(db, person_id, community_id, names[community_id], stamp, who(session))
        resident_id, household_id = _match_in(db, person, community_id)
        (new_id,) = q.insert_people(db, [{
            **{c: person[c] for c in q.PERSON_COLS}, "community_id": community_id,
            "matched_by": "hand", "resident_id": resident_id, "household_id": household_id,
            "candidates": "", "from_person": person_id, "assigned_at": stamp}])
        return new_id


_GONE_TO = re.compile(r"(?:去向|迁往|到|去)?(.+?社区)")


def reassign_target(db: sqlite_utils.Database, person_id: str) -> str | None:
    """For a person whose newest result is 已离开本社区（去向××社区）: that community's id,
    when the name names exactly one community of the district (the one-step reassign)."""
    rows = q.results_of(db, person_id)
    if not rows or rows[-1]["result"] != "left":
        return None
    return _named_community(rows[-1]["detail"], q.community_ids(db))


def reassignable(db: sqlite_utils.Database) -> list[dict[str, Any]]:
    """At the district: people a community reported 已离开本社区, each with `target` (the
    community of the district the 去向 names, or None when it names none or several) and
    `community` (where the person is now)."""
    accounts.require(db, "keypersons.view")
    names = q.community_ids(db)
    out = []
    for r in q.left_for_elsewhere(db):
        target = _named_community(r["detail"], names)
        out.append({**r, "community": names.get(r["community_id"], "待分配"),
                    "target": target if target != r["community_id"] else None,
                    "target_name": names.get(target or "", "")})
    return out


def _named_community(detail: str | None, names: dict[str, str]) -> str | None:
    m = _GONE_TO.search(detail or "")
    if not m:
        return None
    found = [cid for cid, name in names.items() if name and name in m.group(1)]
    return found[0] if len(found) == 1 else None


def withdraw(db: sqlite_utils.Database, list_id: str, *,
             now: datetime.datetime | None = None) -> None:
    """At the district: withdraw a list. Every community sees it marked 已撤回; results kept."""
    require_district_writer(db)
    with transaction(db):
        lst = q.get_list(db, list_id)
        if lst is None or lst["deleted"]:
            raise FormError({"list": "找不到这份名单，请刷新后重试。"})
        if lst["status"] == "withdrawn":
            raise FormError({"list": f"名单“{lst['title']}”已经撤回。"})
        q.set_list_status(db, list_id, "withdrawn", now_text(now))


@dataclass(frozen=True)
class Progress:
    """One list at one community: people, verified, overdue."""

    list_id: str
    title: str
    due_at: str
    withdrawn: bool
    community_id: str
    community: str
    total: int
    verified: int
    overdue: int


def progress(db: sqlite_utils.Database, communities: set[str] | None = None, *,
             list_id: str | None = None, now: datetime.datetime | None = None
             ) -> list[Progress]:
    """Per list and community: verified / total and overdue (people waiting for a hand
    assignment under 待分配). `communities`: the community filter (None for all)."""
    accounts.require(db, "keypersons.view")
    names = q.community_ids(db)
    owners = None if communities is None else set(communities)
    stamp = now_text(now)[:16]
    return [Progress(r["list_id"], r["title"], r["due_at"], r["list_status"] == "withdrawn",
                     r["community_id"],
                     "待分配" if r["community_id"] == UNASSIGNED
                     else names.get(r["community_id"], r["community_id"]),
                     r["total"], r["verified"] or 0, r["overdue"] or 0)
            for r in q.progress(db, stamp, owners, list_id)]


def conflicts(db: sqlite_utils.Database) -> list[dict[str, Any]]:
    """Results a community recorded for a person after the district had moved them away:
    kept, and shown to the district to settle."""
    accounts.require(db, "keypersons.view")
    names = q.community_ids(db)
    return [{**r, "community": names.get(r["community_id"], "")} for r in q.conflicts(db)]


def daily_figures(db: sqlite_utils.Database, day: datetime.date,
                  community_id: str | None = None) -> dict[str, int]:
    """Key persons as of the end of `day`: received (people on lists not withdrawn, given to
    the community by then), verified (of those, with a result by then) and overdue (of
    those, without a result although due before then). At a district: summed over all
    communities, or one community's when `community_id` is given."""
    if not q.has_tables(db):
        return {"received": 0, "verified": 0, "overdue": 0}
    end = f"{day.isoformat()} 23:59:59"
    if community_id is not None:
        owners: list[str] | None = [community_id]
    elif is_district(db):
        owners = None
    else:
        owners = [own_owner(db)]
    return q.figures_at(db, end, owners)


# --- what the pages read -----------------------------------------------------------------------

def person_ids(db: sqlite_utils.Database, *, pending_only: bool = False,
               list_id: str | None = None, community_id: str | None = None) -> list[str]:
    """The people a page lists, by due time (not yet verified first): at a community its
    own; at the district one community's (or those waiting, UNASSIGNED)."""
    if is_district(db):
        accounts.require(db, "keypersons.view")
        if community_id is None:
            return []
        owner = community_id
    else:
        accounts.require(db, "registry.view")
        owner = own_owner(db)
    return q.page_ids(db, owner, pending_only=pending_only, list_id=list_id)


def person_rows(db: sqlite_utils.Database, ids: list[str],
                now: datetime.datetime | None = None) -> list[dict[str, Any]]:
    """Rows for those ids as this session may see them: ID numbers and phones masked by
    role; `known` says what the registry knows; `overdue` and `status` as shown."""
    from app.accounts import masking

    session = accounts.current(db)
    stamp = now_text(now)[:16]
    rows = q.page_rows(db, ids)
    addresses = q.household_address(
        db, {r["household_id"] or r["resident_household"] for r in rows
             if r["household_id"] or r["resident_household"]})
    for r in rows:
        r["id_shown"] = masking.show(session, "id_number", r["id_number"], masking.LIST)
        r["phone_shown"] = masking.show(session, "phone", r["phone"], masking.LIST)
        home = addresses.get(r["resident_household"] or r["household_id"] or "", "")
        if r["resident_name"]:
            r["known"] = f"已登记：{r['resident_name']}，{home}"
        elif home:
            r["known"] = f"未在本社区登记（住址对应 {home}）"
        else:
            r["known"] = "未在本社区登记"
        r["overdue"] = (r["state"] == "open" and r["list_status"] == "open"
                        and not r["result"] and r["due_at"] < stamp)
        if r["state"] == "moved":
            r["status"] = f"已转{r['moved_to_name'] or '其他社区'}"
        elif r["list_status"] == "withdrawn":
            r["status"] = WITHDRAWN
        elif r["result"]:
            r["status"] = "已核实"
        else:
            r["status"] = "已逾期" if r["overdue"] else "待核实"
        r["result_shown"] = result_text(r)
    return rows


def lists(db: sqlite_utils.Database) -> list[dict[str, Any]]:
    return q.lists(db)


def community_names(db: sqlite_utils.Database) -> dict[str, str]:
    """Community org unit id → name, the communities a person may be assigned to."""
    return q.community_ids(db)


def waiting(db: sqlite_utils.Database) -> list[dict[str, Any]]:
    """At the district: the people waiting for a hand assignment."""
    accounts.require(db, "keypersons.view")
    return q.unassigned(db)


def find_household(db: sqlite_utils.Database, address: str) -> str:
    """A household of this community from an address as people write it (锦绣花园3号楼2单元501,
    3-2-501, 3栋2单元501室); a FormError saying what to write when none or several."""
    from app.ledger.importer import parse_address

    parsed = parse_address(address or "")
    if parsed is None:
        raise FormError({"address": "看不懂这个住址：请写成“锦绣花园3号楼2单元501”或“3-2-501”。"})
    compound, building, unit, door = parsed
    found = q.households_at(db, own_owner(db), building, unit, door)
    if compound:
        named = [h for h in found if h[1] in compound or compound in h[1]]
        found = named or found
    if not found:
        raise FormError({"address": f"本社区没有“{address}”这一户。请先在“楼栋住户”里登记"
                                    "这一户，或核对楼栋、单元、门牌号。"})
    if len(found) > 1:
        raise FormError({"address": f"“{address}”对应本社区的 {len(found)} 户，请写上小区名。"})
    return found[0][0]
