"""党员联户: households paired with Party members (with history), suggestions for unpaired
households, coverage, spot checks (晒网督查) and the contact log, checked before anything is
written and written in one transaction or not at all."""

from __future__ import annotations

import hashlib
import heapq
import math
import random
import secrets
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import sqlite_utils

from app.accounts import at_district, require
from app.dates import cn_date
from app.errors import FormError
from db import pairing as q
from db import registry as rq
from db.community_scope import sql_in
from db.ids import uuid7
from db.node import get_meta, set_meta, transaction

DEFAULT_LIMIT = 30          # households per member; 1,056 members for 21,822 households ≈ 21
LIMIT_KEY = "pairing_limit"  # meta: a setting of this office, not synced
MAX_LIMIT = 200
MAX_PER_GRID = 200

START_REASON_LABELS = {"assigned": "手动安排", "suggested": "采纳推荐", "replaced": "更换联系党员",
                       "demo": "演示数据"}
END_REASON_LABELS = {"replaced": "已更换联系党员", "ended": "手动结束",
                     "member_left": "党员迁出或离开", "household_gone": "住户迁出或删除"}
CONTACT_KIND_LABELS = {"visit": "上门走访", "phone": "电话联系", "wechat": "微信联系",
                       "errand": "代买代送", "medicine": "代购送药", "rubbish": "代收垃圾",
                       "other": "其他服务"}
CHECK_METHOD_LABELS = {"visit": "入户走访", "phone": "电话抽查"}
CHECK_RESULT_LABELS = {"satisfied": "满意", "basic": "基本满意", "unsatisfied": "不满意",
                       "unreachable": "未联系上"}
MEMBER_DID_LABELS = {"visit": "上门走访", "phone": "电话联系", "notice": "传达通知",
                     "help": "帮助办事", "errand": "代买代送", "nothing": "没有联系过"}

# How near a suggested member is, nearest first (the order the suggestion tries them in).
TIER_UNIT, TIER_BUILDING, TIER_COMPOUND, TIER_GRID, TIER_COMMUNITY, TIER_BRANCH, TIER_OUTSIDE \
    = range(7)
TIER_LABELS = {TIER_UNIT: "同单元", TIER_BUILDING: "同楼栋", TIER_COMPOUND: "同楼院",
               TIER_GRID: "同网格", TIER_COMMUNITY: "本社区其他网格",
               TIER_BRANCH: "本楼院支部（不住本社区）", TIER_OUTSIDE: "不住本社区"}


def _day(today: date | None) -> str:
    return (today or date.today()).isoformat()


def _date(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def _owner(db: sqlite_utils.Database) -> str:
    owner = rq.community_id(db)
    if owner is None:
        raise FormError({"community": "还没有设置本社区，请先在“设置”中填写社区信息。"})
    return owner


# --- values -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Pairing:
    """A household's pairing with a member, current (ended_on None) or past."""

    id: str
    household_id: str
    member_id: str
    member_name: str
    member_phone: str | None
    started_on: date
    start_reason: str
    ended_on: date | None = None
    end_reason: str | None = None
    note: str | None = None
    member_branch: str | None = None

    @property
    def active(self) -> bool:
        return self.ended_on is None


def _pairing(row: dict[str, Any]) -> Pairing:
    return Pairing(id=row["id"], household_id=row["household_id"], member_id=row["member_id"],
                   member_name=row["member_name"], member_phone=row.get("member_phone"),
                   started_on=date.fromisoformat(row["started_on"]),
                   start_reason=row["start_reason"], ended_on=_date(row["ended_on"]),
                   end_reason=row["end_reason"], note=row["note"],
                   member_branch=row.get("member_branch"))


class ResultRecorded(FormError):
    """A drawn household already has a result: changing it is a correction the caller
    confirms (`correct=True`); the audit log keeps the result it replaced, who and when."""

    def __init__(self, item: dict[str, Any]) -> None:
        super().__init__({"result": (
            f"这一户已登记抽查结果“{CHECK_RESULT_LABELS[item['result']]}”"
            f"（{cn_date(item['checked_on']) if item['checked_on'] else '日期未填'}）。"
            "确认更正后，原结果保留在审计日志中。")})
        self.item = item


class AlreadyPaired(FormError):
    """The household has another member: the caller asks whether to replace them."""

    def __init__(self, household_address: str, current: Pairing, new_member_name: str) -> None:
        super().__init__({"member_id": (
            f"{household_address}已由党员“{current.member_name}”联系（自"
            f"{cn_date(current.started_on)}起）。要改由“{new_member_name}”联系吗？"
            "更换后，原来的联系记录保留在历史中。")})
        self.household_address = household_address
        self.current = current
        self.new_member_name = new_member_name


# --- the limit --------------------------------------------------------------------------------

def get_limit(db: sqlite_utils.Database) -> int:
    """How many households one member may hold (a setting of this office)."""
    value = get_meta(db, LIMIT_KEY)
    try:
        return int(value) if value else DEFAULT_LIMIT
    except ValueError:
        return DEFAULT_LIMIT


def set_limit(db: sqlite_utils.Database, limit: Any) -> int:
    require(db, "pairing.edit")
    try:
        value = int(limit)
        if not 1 <= value <= MAX_LIMIT:
            raise ValueError
    except (TypeError, ValueError):
        raise FormError({"limit": f"每名党员联系的户数上限应为1到{MAX_LIMIT}之间的整数，"
                                  "例如 30。"}) from None
    with transaction(db):
        set_meta(db, LIMIT_KEY, str(value))
    return value


# --- pairing one household --------------------------------------------------------------------

def _live_household(db: sqlite_utils.Database, household_id: str | None) -> dict[str, Any]:
    place = q.household_place(db, household_id) if household_id else None
    if place is None or place["deleted"]:
        raise FormError({"household_id": "这一户不存在或已被删除（迁出），不能安排联系党员。"
                                         "请刷新列表后重试。"})
    return place


def _live_member(db: sqlite_utils.Database, member_id: str | None) -> dict[str, Any]:
    member = rq.get(db, "party_members", member_id) if member_id else None
    if member is None or member["deleted"]:
        raise FormError({"member_id": "所选党员不存在或已被删除，请刷新后重新选择。"})
    if member["resident_id"]:
        resident = rq.get(db, "residents", member["resident_id"])
        if resident is None or resident["deleted"]:
            raise FormError({"member_id": f"党员“{member['name']}”已迁出本社区，不能再联系住户。"
                                          "如仍在社区报到服务，请先在党员信息中更新。"})
    return member


def household_address(db: sqlite_utils.Database, household_id: str) -> str | None:
    """锦绣花园 3号楼2单元501 (also for a deleted household)."""
    return rq.household_address(db, household_id)


def household_member(db: sqlite_utils.Database, household_id: str) -> Pairing | None:
    """The household's current pairing, or None when it has no member."""
    row = q.active_pairing(db, household_id)
    return _pairing(row) if row else None


def household_history(db: sqlite_utils.Database, household_id: str) -> list[Pairing]:
    """Every member the household has had, the current one first, with dates and reasons."""
    return [_pairing(r) for r in q.household_history(db, household_id)]


def pair_household(db: sqlite_utils.Database, household_id: str, member_id: str, *,
                   replace: bool = False, note: str | None = None,
                   today: date | None = None, reason: str = "assigned") -> str:
    """Make `member_id` the household's member; returns the new pairing's id.

    A household that already has another member raises AlreadyPaired unless `replace`:
    then the old pairing ends today (reason 'replaced') and the new one begins, in one
    transaction. A member at the limit, a deleted household or member: FormError.
    """
    require(db, "pairing.edit")
    day = _day(today)
    with transaction(db):
        household = _live_household(db, household_id)
        member = _live_member(db, member_id)
        current = household_member(db, household_id)
        if current and current.member_id == member_id:
            raise FormError({"member_id": f"党员“{member['name']}”已经是"
                                          f"{household['address']}的联系党员。"})
        if current and not replace:
            raise AlreadyPaired(household["address"], current, member["name"])
        limit = get_limit(db)
        load = q.member_load(db, member_id)
        if load >= limit:
            raise FormError({"member_id": (
                f"党员“{member['name']}”已联系{load}户，达到每名党员最多{limit}户的上限。"
                "请选择其他党员，或在“联户设置”中调整上限。")})
        if current:
            q.end_pairing(db, current.id, day, "replaced")
            reason = "replaced"
        return q.insert_pairing(db, household_id, member_id, day, reason,
                                (note or "").strip() or None)


def end_pairing(db: sqlite_utils.Database, pairing_id: str, *, note: str | None = None,
                today: date | None = None) -> None:
    """End a current pairing by hand (the household becomes unpaired; history stays)."""
    require(db, "pairing.edit")
    row = rq.get(db, "pairings", pairing_id)
    if row is None or row["deleted"] or row["ended_on"]:
        raise FormError({"id": "这条联户关系已经结束或不存在，请刷新后重试。"})
    with transaction(db):
        q.end_pairing(db, pairing_id, _day(today), "ended", (note or "").strip() or None)


def end_stale_pairings(db: sqlite_utils.Database, today: date | None = None) -> int:
    """End pairings whose household was deleted or whose member left or moved out.

    Registry deletes do this in their own transaction; this catches other paths (an
    import, a sync) when a page loads. Writes nothing when there is nothing to end, nor at a
    district: each community ends its own, and its next bundle brings that up."""
    if at_district(db) or not q.stale_pairing_count(db):
        return 0
    with transaction(db):
        return q.end_stale_pairings(db, _day(today))


def member_households(db: sqlite_utils.Database, member_id: str, *,
                      include_ended: bool = False) -> list[dict[str, Any]]:
    """Rows of the member's households (address, head, dates), in address order."""
    return q.member_pairings(db, member_id, include_ended=include_ended)


def member_rows(db: sqlite_utils.Database) -> list[dict[str, Any]]:
    """The community's members with how many households each holds now (`load`)."""
    loads = q.member_loads(db)
    rows = rq.party_members(db)
    for r in rows:
        r["load"] = loads.get(r["id"], 0)
    return rows


# --- suggestions ------------------------------------------------------------------------------

@dataclass(frozen=True)
class HouseholdSpot:
    """Where an unpaired household is."""

    id: str
    unit: str
    building: str
    compound: str
    grid: str | None


@dataclass(frozen=True)
class MemberSpot:
    """Where a member lives (all None when not in the community) and what they hold now.
    `branch_compound`: the compound whose branch a member living elsewhere belongs to."""

    id: str
    unit: str | None
    building: str | None
    compound: str | None
    grid: str | None
    load: int = 0
    branch_compound: str | None = None

    @property
    def lives_here(self) -> bool:
        return self.unit is not None


# Per tier: the group key of a household, and of a member (None: not in this tier).
_HOUSEHOLD_KEYS = (lambda h: h.unit, lambda h: h.building, lambda h: h.compound,
                   lambda h: h.grid, lambda h: "*", lambda h: h.compound, lambda h: "*")
_MEMBER_KEYS = (lambda m: m.unit, lambda m: m.building, lambda m: m.compound,
                lambda m: m.grid if m.lives_here else None,
                lambda m: "*" if m.lives_here else None,
                lambda m: m.branch_compound if not m.lives_here else None,
                lambda m: "*" if not m.lives_here else None)


def _take(heap: list[tuple[int, int]], loads: list[int], cap: int) -> int | None:
    """The least-loaded member of a group still under `cap` (entries carry stale loads:
    loads only grow, so a stale entry is refreshed and sifted down)."""
    while heap:
        load, m = heap[0]
        if load != loads[m]:
            heapq.heapreplace(heap, (loads[m], m))
            continue
        return m if load < cap else None
    return None


def plan_suggestions(households: Sequence[HouseholdSpot], members: Sequence[MemberSpot],
                     limit: int) -> list[tuple[int, int] | None]:
    """For each household: (member index, tier) or None when no member has room.

    Nearest first: every household is first offered a member of its own unit, then of its
    building, compound and grid, then a member living elsewhere in the community, then one
    of its compound's branch who lives outside, then any other. Within a tier the member
    holding fewest households wins, and keeps the next households of the group (in address
    order) while under the cap, so a member's doors run together (501至702). A first pass
    stops members at the fair share (all households over all members, at most the limit),
    so near members do not fill up while others stay idle; a second pass lets the rest go up
    to the limit.
    """
    loads = [m.load for m in members]
    result: list[tuple[int, int] | None] = [None] * len(households)
    if not members or not households:
        return result
    fair = math.ceil((sum(loads) + len(households)) / len(members))
    caps = sorted({min(limit, fair), limit})
    pending = list(range(len(households)))
    for cap in caps:
        for tier, (hkey, mkey) in enumerate(zip(_HOUSEHOLD_KEYS, _MEMBER_KEYS, strict=True)):
            groups: dict[Any, list[tuple[int, int]]] = {}
            for i, m in enumerate(members):
                key = mkey(m)
                if key is not None:
                    groups.setdefault(key, []).append((loads[i], i))
            for heap in groups.values():
                heapq.heapify(heap)
            left = []
            last: dict[Any, int] = {}
            for hi in pending:
                key = hkey(households[hi])
                heap = groups.get(key)
                m = last.get(key)
                if m is not None and loads[m] < cap:
                    loads[m] += 1          # its heap entry is now stale; _take refreshes it
                else:
                    m = _take(heap, loads, cap) if heap else None
                    if m is None:
                        left.append(hi)
                        continue
                    loads[m] += 1
                    heapq.heapreplace(heap, (loads[m], m))
                last[key] = m
                result[hi] = (m, tier)
            pending = left
            if not pending:
                return result
    return result


@dataclass(frozen=True)
class SuggestionLine:
    """One proposed pairing, as the secretary reviews it."""

    household_id: str
    address: str
    member_id: str
    member_name: str
    tier: int


@dataclass
class SuggestionPlan:
    lines: list[SuggestionLine]
    unplaced: list[str] = field(default_factory=list)   # household ids nobody has room for
    unplaced_addresses: list[str] = field(default_factory=list)
    limit: int = DEFAULT_LIMIT


def _branch_compounds(db: sqlite_utils.Database) -> dict[str, str]:
    """Branch name → compound id, for branches named after a compound (锦绣花园党支部)."""
    out = {}
    for cid, name in db.conn.execute("SELECT id, name FROM compounds WHERE deleted = 0"):
        out[f"{name}党支部"] = cid
        out[name] = cid
    return out


def _member_spots(db: sqlite_utils.Database) -> tuple[list[MemberSpot], list[dict[str, Any]]]:
    """Every member who can hold households (not moved out), with their place and load."""
    loads = q.member_loads(db)
    branches = _branch_compounds(db)
    spots, rows = [], []
    for m in q.members_with_places(db):
        if m["moved_out"]:
            continue
        here = m["unit_id"] is not None
        spots.append(MemberSpot(
            m["id"], m["unit_id"], m["building_id"], m["compound_id"], m["grid_id"],
            loads.get(m["id"], 0),
            None if here else branches.get((m["branch"] or "").strip())))
        rows.append(m)
    return spots, rows


def tier_between(h: HouseholdSpot, m: MemberSpot) -> int:
    """How near a member is to a household (TIER_UNIT … TIER_OUTSIDE)."""
    if m.lives_here:
        for tier, (hkey, mkey) in enumerate(zip(_HOUSEHOLD_KEYS[:4], _MEMBER_KEYS[:4],
                                                strict=True)):
            if mkey(m) is not None and hkey(h) == mkey(m):
                return tier
        return TIER_COMMUNITY
    return TIER_BRANCH if m.branch_compound and m.branch_compound == h.compound \
        else TIER_OUTSIDE


@dataclass(frozen=True)
class MemberChoice:
    """A member offered for one household: nearest and least loaded first."""

    member_id: str
    name: str
    phone: str | None
    load: int
    tier: int


def rank_members_for(db: sqlite_utils.Database, household_id: str) -> list[MemberChoice]:
    """Members for a household, the way the suggestion would try them."""
    place = _live_household(db, household_id)
    spot = HouseholdSpot(place["id"], place["unit_id"], place["building_id"],
                         place["compound_id"], place["grid_id"])
    spots, rows = _member_spots(db)
    choices = [MemberChoice(m.id, r["name"], r["phone"], m.load, tier_between(spot, m))
               for m, r in zip(spots, rows, strict=True)]
    return sorted(choices, key=lambda c: (c.tier, c.load, c.name))


def nearest_unpaired(db: sqlite_utils.Database, member_id: str, limit: int = 500
                     ) -> list[tuple[str, str, int]]:
    """(household id, address, tier) of unpaired households nearest a member first."""
    spots, _ = _member_spots(db)
    member = next((m for m in spots if m.id == member_id), None)
    if member is None:
        _live_member(db, member_id)      # says why: deleted or moved out
        return []
    rows = q.unpaired_households(db)
    ranked = sorted(((tier_between(HouseholdSpot(*r[:5]), member), i)
                     for i, r in enumerate(rows)))
    return [(rows[i][0], rows[i][5], tier) for tier, i in ranked[:limit]]


def suggest_pairings(db: sqlite_utils.Database, *, limit: int | None = None) -> SuggestionPlan:
    """Proposed members for every unpaired household (nothing is written)."""
    limit = limit or get_limit(db)
    rows = q.unpaired_households(db)
    households = [HouseholdSpot(r[0], r[1], r[2], r[3], r[4]) for r in rows]
    members, member_rows_ = _member_spots(db)
    names = [m["name"] for m in member_rows_]
    plan = plan_suggestions(households, members, limit)
    lines, unplaced, unplaced_addresses = [], [], []
    for row, placed in zip(rows, plan, strict=True):
        if placed is None:
            unplaced.append(row[0])
            unplaced_addresses.append(row[5])
            continue
        m, tier = placed
        lines.append(SuggestionLine(row[0], row[5], members[m].id, names[m], tier))
    return SuggestionPlan(lines, unplaced, unplaced_addresses, limit)


def accept_suggestions(db: sqlite_utils.Database, lines: Iterable[tuple[str, str]], *,
                       today: date | None = None, reason: str = "suggested") -> int:
    """Pair each (household id, member id) in one transaction; returns how many.

    Everything is checked first — households still live and unpaired, members live and
    within the limit — and one bad line refuses the whole step with a message listing
    what to change."""
    require(db, "pairing.edit")
    lines = list(lines)
    if not lines:
        raise FormError({"lines": "没有选中任何推荐。请勾选要采纳的行后再确认。"})
    with transaction(db):
        owner = _owner(db)
        unpaired = {r[0]: r[5] for r in q.unpaired_households(db)}
        members = {m["id"]: m for m in q.members_with_places(db)}
        loads = q.member_loads(db)
        limit = get_limit(db)
        problems: list[str] = []
        seen: set[str] = set()
        adding: dict[str, int] = {}
        for household_id, member_id in lines:
            if household_id in seen:
                problems.append(f"同一户出现了两次：{unpaired.get(household_id, household_id)}")
                continue
            seen.add(household_id)
            if household_id not in unpaired:
                address = rq.household_address(db, household_id) or "所选住户"
                problems.append(f"{address}：已有联系党员或已被删除")
                continue
            member = members.get(member_id)
            if member is None or member["moved_out"]:
                problems.append(f"{unpaired[household_id]}：所选党员不存在、已删除或已迁出")
                continue
            adding[member_id] = adding.get(member_id, 0) + 1
        for member_id, extra in adding.items():
            total = loads.get(member_id, 0) + extra
            if total > limit:
                problems.append(f"党员“{members[member_id]['name']}”将联系{total}户，"
                                f"超过上限{limit}户")
        if problems:
            shown = "；\n".join(problems[:8])
            more = f"\n……另有{len(problems) - 8}处问题。" if len(problems) > 8 else ""
            raise FormError({"lines": f"没有保存任何联户，请先修改这些行：\n{shown}{more}"})
        return q.insert_pairings(db, lines, _day(today), reason, owner)


# --- coverage ---------------------------------------------------------------------------------

class _PairedShare:
    """Households paired out of all: shared by a coverage row and the whole community."""

    households: int
    paired: int

    @property
    def unpaired(self) -> int:
        return self.households - self.paired

    @property
    def rate(self) -> float:
        return self.paired / self.households if self.households else 0.0


@dataclass(frozen=True)
class CoverageRow(_PairedShare):
    """Households and paired households of one grid, compound or building."""

    level: str          # grid | compound | building
    id: str
    name: str
    parent_id: str | None
    households: int
    paired: int


@dataclass(frozen=True)
class MemberLoad:
    member_id: str
    name: str
    phone: str | None
    branch: str | None
    lives_here: bool
    load: int


@dataclass
class Coverage(_PairedShare):
    households: int
    paired: int
    grids: list[CoverageRow]
    compounds: list[CoverageRow]
    buildings: list[CoverageRow]
    limit: int
    members: int
    members_over: list[MemberLoad]      # holding more than the limit
    members_idle: list[MemberLoad]      # holding none


def coverage(db: sqlite_utils.Database, communities: Collection[str] | None = None
             ) -> Coverage:
    """Paired / all households per grid, compound and building, and members' loads (at a
    district, of `communities` only: the 社区 filter; None: all)."""
    per_building = q.coverage_by_building(db, communities)
    shown, shown_params = sql_in("community_id", communities)
    names = dict(db.conn.execute(
        "SELECT id, name FROM org_units WHERE level = 'grid' AND deleted = 0 "
        "UNION ALL SELECT id, name FROM compounds WHERE deleted = 0 "
        "UNION ALL SELECT id, name FROM buildings WHERE deleted = 0"))
    order = {row_id: i for i, (row_id,) in enumerate(db.conn.execute(
        "SELECT id FROM (SELECT id, 0 AS t, sort_order, code AS k FROM org_units "
        "  WHERE level = 'grid' UNION ALL SELECT id, 1, sort_order, name FROM compounds "
        "  UNION ALL SELECT id, 2, sort_order, CAST(name AS INTEGER) FROM buildings) "
        "ORDER BY t, sort_order, k"))}
    grids: dict[str, list[int]] = {}
    compounds: dict[str, list[Any]] = {}
    buildings = []
    for r in per_building:
        g = grids.setdefault(r["grid_id"], [0, 0])
        g[0] += r["households"]
        g[1] += r["paired"]
        c = compounds.setdefault(r["compound_id"], [0, 0, r["grid_id"]])
        c[0] += r["households"]
        c[1] += r["paired"]
        buildings.append(CoverageRow("building", r["building_id"],
                                     names.get(r["building_id"], ""), r["compound_id"],
                                     r["households"], r["paired"]))
    # Grids with no households yet still show (at 0 %).
    for (gid,) in db.conn.execute(
            f"SELECT id FROM org_units WHERE level = 'grid' AND deleted = 0{shown}",
            shown_params):
        grids.setdefault(gid, [0, 0])

    def by_order(rows: list[CoverageRow]) -> list[CoverageRow]:
        return sorted(rows, key=lambda r: order.get(r.id, len(order)))

    grid_rows = by_order([CoverageRow("grid", gid, names.get(gid, "（未分网格）"), None, *v)
                          for gid, v in grids.items()])
    compound_rows = by_order([CoverageRow("compound", cid, names.get(cid, ""), v[2], v[0],
                                          v[1]) for cid, v in compounds.items()])
    limit = get_limit(db)
    loads = q.member_loads(db, communities)
    over, idle, count = [], [], 0
    for m in q.members_with_places(db, communities):
        if m["moved_out"]:
            continue
        count += 1
        load = MemberLoad(m["id"], m["name"], m["phone"], m["branch"],
                          m["unit_id"] is not None, loads.get(m["id"], 0))
        if load.load > limit:
            over.append(load)
        elif load.load == 0:
            idle.append(load)
    over.sort(key=lambda m: -m.load)
    households = sum(v[0] for v in grids.values())
    paired = sum(v[1] for v in grids.values())
    return Coverage(households, paired, grid_rows, compound_rows, by_order(buildings), limit,
                    count, over, idle)


def unpaired_household_ids(db: sqlite_utils.Database, scope: str | None = None,
                           scope_id: str | None = None) -> list[str]:
    return q.unpaired_household_ids(db, scope, scope_id)


def households_with_members(db: sqlite_utils.Database, scope: str | None = None,
                            scope_id: str | None = None,
                            communities: Collection[str] | None = None
                            ) -> list[dict[str, Any]]:
    return q.households_with_members(db, scope, scope_id, communities)


def active_pairings(db: sqlite_utils.Database, household_ids: Sequence[str]
                    ) -> dict[str, Pairing]:
    return {h: _pairing(r) for h, r in q.active_pairings(db, household_ids).items()}


# --- spot checks (晒网督查) -----------------------------------------------------------------------

@dataclass(frozen=True)
class SpotCheck:
    id: str
    drawn_on: date
    seed: int
    per_grid: int
    population: int
    digest: str
    drawn: int = 0
    checked: int = 0
    note: str | None = None


@dataclass(frozen=True)
class Tally:
    """Spot-check results of one grid or one member."""

    key: str
    name: str
    drawn: int = 0
    checked: int = 0
    knew: int = 0
    not_knew: int = 0
    unreachable: int = 0

    @property
    def known_rate(self) -> float:
        answered = self.knew + self.not_knew
        return self.knew / answered if answered else 0.0


def draw_sample(population: Sequence[tuple[str, str, str]], seed: int, per_grid: int
                ) -> list[tuple[str, str, str]]:
    """`per_grid` of (grid, household, member) per grid, drawn by random.Random(seed).

    `population` comes sorted by grid and household id, so the same seed over the same
    paired households always draws the same sample, whoever runs it and wherever."""
    by_grid: dict[str, list[tuple[str, str, str]]] = {}
    for item in population:
        by_grid.setdefault(item[0] or "", []).append(item)
    rng = random.Random(seed)
    sample = []
    for grid in sorted(by_grid):
        group = by_grid[grid]
        sample += rng.sample(group, min(per_grid, len(group)))
    return sample


def population_digest(population: Sequence[tuple[str, str, str]]) -> str:
    text = "\n".join(f"{g or ''} {h}" for g, h, _ in population)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _spot_check(row: dict[str, Any]) -> SpotCheck:
    return SpotCheck(row["id"], date.fromisoformat(row["drawn_on"]), row["seed"],
                     row["per_grid"], row["population"], row["digest"], row.get("drawn", 0),
                     row.get("checked", 0), row["note"])


def draw_spot_check(db: sqlite_utils.Database, per_grid: Any, *, seed: int | None = None,
                    today: date | None = None, note: str | None = None) -> SpotCheck:
    """Draw and record `per_grid` paired households per grid for visits or calls."""
    require(db, "pairing.edit")
    try:
        n = int(per_grid)
        if not 1 <= n <= MAX_PER_GRID:
            raise ValueError
    except (TypeError, ValueError):
        raise FormError({"per_grid": f"每个网格抽查的户数应为1到{MAX_PER_GRID}之间的整数。"}) \
            from None
    population = q.spot_check_population(db)
    if not population:
        raise FormError({"per_grid": "还没有已安排联系党员的住户，抽不出样本。"
                                     "请先为住户安排联系党员，再进行晒网督查。"})
    seed = seed if seed is not None else 100_000 + secrets.randbelow(900_000)
    sample = draw_sample(population, seed, n)
    day = _day(today)
    with transaction(db):
        check_id = rq.insert(db, "spot_checks", {
            "drawn_on": day, "seed": seed, "per_grid": n, "population": len(population),
            "digest": population_digest(population), "note": (note or "").strip() or None})
        owner = _owner(db)
        rq.insert_many(db, "spot_check_items", [
            {"id": uuid7(), "check_id": check_id, "position": i + 1, "grid_id": grid,
             "household_id": household, "member_id": member, "member_did": ""}
            for i, (grid, household, member) in enumerate(sample)], owner)
    return spot_check(db, check_id)


def spot_check(db: sqlite_utils.Database, check_id: str) -> SpotCheck:
    for row in q.spot_checks(db):
        if row["id"] == check_id:
            return _spot_check(row)
    raise FormError({"id": "这次抽查不存在或已被删除，请刷新后重试。"})


def spot_checks(db: sqlite_utils.Database) -> list[SpotCheck]:
    """Every recorded draw, the newest first."""
    return [_spot_check(r) for r in q.spot_checks(db)]


def spot_check_items(db: sqlite_utils.Database, check_id: str) -> list[dict[str, Any]]:
    """The drawn households of one check, in draw order, with what was found."""
    return q.spot_check_items(db, check_id)


def verify_spot_check(db: sqlite_utils.Database, check_id: str) -> str:
    """Draw again from the check's seed: 'same' when today's paired households are those it
    was drawn from and the draw matches, 'population_changed' when pairings have changed
    since (the recorded sample stands), 'differs' when the record does not match its seed."""
    check = spot_check(db, check_id)
    population = q.spot_check_population(db)
    if population_digest(population) != check.digest:
        return "population_changed"
    again = [(g, h) for g, h, _ in draw_sample(population, check.seed, check.per_grid)]
    recorded = [(r["grid_id"], r["household_id"]) for r in q.spot_check_items(db, check_id)]
    return "same" if again == recorded else "differs"


def record_check_result(db: sqlite_utils.Database, item_id: str, *, method: str,
                        result: str, knows_member: bool | None = None,
                        member_did: Iterable[str] = (), checked_on: date | None = None,
                        note: str | None = None, correct: bool = False,
                        today: date | None = None) -> None:
    """What a visit or call to a drawn household found. A household that already has a
    result raises ResultRecorded unless `correct` is given (never written over silently)."""
    require(db, "pairing.edit")
    item = rq.get(db, "spot_check_items", item_id)
    if item is None or item["deleted"]:
        raise FormError({"id": "这条抽查记录不存在或已被删除，请刷新后重试。"})
    errors: dict[str, str] = {}
    if method not in CHECK_METHOD_LABELS:
        errors["method"] = "请选择抽查方式：入户走访或电话抽查。"
    if result not in CHECK_RESULT_LABELS:
        errors["result"] = "请选择抽查结果。"
    if result != "unreachable" and knows_member is None:
        errors["knows_member"] = "请选择住户是否知道自己的联系党员。"
    did = [d for d in dict.fromkeys(member_did) if d]
    unknown = [d for d in did if d not in MEMBER_DID_LABELS]
    if unknown:
        errors["member_did"] = "党员做过的事里有无法识别的选项，请重新勾选。"
    day = checked_on or today or date.today()
    drawn_on = date.fromisoformat(rq.get(db, "spot_checks", item["check_id"])["drawn_on"])
    if day > (today or date.today()):
        errors["checked_on"] = "抽查日期不能晚于今天。"
    elif day < drawn_on:
        errors["checked_on"] = f"抽查日期不能早于抽样日期{cn_date(drawn_on)}。"
    if errors:
        raise FormError(errors)
    knows = None if result == "unreachable" else int(bool(knows_member))
    values = {"method": method, "result": result, "knows_member": knows,
              "member_did": " ".join(did) if knows is not None else "",
              "checked_on": day.isoformat(), "note": (note or "").strip() or None}
    with transaction(db):
        item = rq.get(db, "spot_check_items", item_id)
        if item["result"] and not correct and any(item[k] != v for k, v in values.items()):
            raise ResultRecorded(item)
        rq.update(db, "spot_check_items", item_id, values)


def spot_check_tally(db: sqlite_utils.Database, check_id: str | None = None
                     ) -> tuple[list[Tally], list[Tally]]:
    """Results per grid and per member (of one check, or of all checks)."""
    grids: dict[str, list[Any]] = {}
    members: dict[str, list[Any]] = {}
    for item in q.spot_check_items(db, check_id):
        for table, key, name in ((grids, item["grid_id"] or "", item["grid_name"] or "—"),
                                 (members, item["member_id"] or "", item["member_name"] or "—")):
            t = table.setdefault(key, [name, 0, 0, 0, 0, 0])
            t[1] += 1
            if item["result"]:
                t[2] += 1
                if item["result"] == "unreachable":
                    t[5] += 1
                elif item["knows_member"]:
                    t[3] += 1
                else:
                    t[4] += 1
    as_tally = [Tally(k, *v) for k, v in grids.items()]
    by_member = sorted((Tally(k, *v) for k, v in members.items()),
                       key=lambda t: (-t.not_knew, t.name))
    return as_tally, by_member


def follow_up_list(db: sqlite_utils.Database) -> list[dict[str, Any]]:
    """Households that, when checked, did not know their member: the latest such check per
    household, unless a later check found they know them now."""
    latest: dict[str, dict[str, Any]] = {}
    for item in q.spot_check_items(db):      # newest check first
        if item["result"] and item["result"] != "unreachable":
            latest.setdefault(item["household_id"], item)
    return [i for i in latest.values() if i["knows_member"] == 0]


# --- contact log ------------------------------------------------------------------------------

@dataclass(frozen=True)
class Contact:
    """A member's contact with a household, or a service done for it."""

    id: str
    household_id: str
    member_id: str | None
    member_name: str | None
    contact_on: date
    kind: str
    note: str | None

    @property
    def kind_label(self) -> str:
        return CONTACT_KIND_LABELS.get(self.kind, self.kind)


def log_contact(db: sqlite_utils.Database, household_id: str, kind: str, *,
                member_id: str | None = None, contact_on: date | None = None,
                note: str | None = None, today: date | None = None) -> str:
    """Record a visit, call, WeChat message or service; the member defaults to the
    household's current one."""
    require(db, "pairing.edit")
    errors: dict[str, str] = {}
    if kind not in CONTACT_KIND_LABELS:
        errors["kind"] = "请选择联系方式或服务类型。"
    day = contact_on or today or date.today()
    if day > (today or date.today()):
        errors["contact_on"] = "联系日期不能晚于今天。"
    _live_household(db, household_id)
    if member_id is None:
        current = household_member(db, household_id)
        if current is None:
            errors["member_id"] = "这一户还没有联系党员，请先安排联系党员，或选择是哪位党员联系的。"
        else:
            member_id = current.member_id
    elif (m := rq.get(db, "party_members", member_id)) is None or m["deleted"]:
        errors["member_id"] = "所选党员不存在或已被删除，请重新选择。"
    if errors:
        raise FormError(errors)
    with transaction(db):
        return rq.insert(db, "member_contacts", {
            "household_id": household_id, "member_id": member_id,
            "contact_on": day.isoformat(), "kind": kind, "note": (note or "").strip() or None})


def _contact(row: dict[str, Any]) -> Contact:
    return Contact(row["id"], row["household_id"], row["member_id"], row.get("member_name"),
                   date.fromisoformat(row["contact_on"]), row["kind"], row["note"])


def contacts_for_household(db: sqlite_utils.Database, household_id: str) -> list[Contact]:
    """The household's contact log, newest first (the isolation page shows it too)."""
    return [_contact(r) for r in q.contacts_for_household(db, household_id)]


def contacts_of_member(db: sqlite_utils.Database, member_id: str) -> list[dict[str, Any]]:
    return q.contacts_of_member(db, member_id)
