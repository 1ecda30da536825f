"""Door-to-door sweeps (入户排查): a campaign over a set of households, made at the district
for every community (a district-owned row: it travels down to each) or by a community for
its grids or buildings; grid workers record each household's outcome (a community row that
travels up); progress per grid, building or community, and the households not yet visited.
No visit is overwritten: a revisit or a correction is a new row and the latest counts."""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import sqlite_utils

from app import accounts, community_scope
from app.errors import FormError
from app.isolation import SYMPTOM_LABELS
from db import registry as rq
from db import sweeps as q
from db.node import get_meta, transaction

OUTCOME_LABELS = {"done": "已排查", "absent": "无人在家（再访）", "refused": "拒绝",
                  "vacant": "空置"}
SCOPE_LABELS = {"community": "全社区", "grids": "部分网格", "buildings": "部分楼栋"}
QUESTION_LABELS = {"people": "现住人员", "returnees": "外地返回人员（从何地、何时返回）",
                   "symptoms": "发热、咳嗽等症状", "vaccination": "60岁以上人员疫苗接种"}
DEFAULT_QUESTIONS = tuple(QUESTION_LABELS)
# The reason a returnee's case is registered with (app.isolation.REASONS).
RETURNEE_REASON = "中高风险地区返回"
MAX_COUNT = 99           # people in one household: more is a typing slip


@dataclass(frozen=True)
class Sweep:
    id: str
    title: str
    owner: str               # community_id of the row: the district's org unit or a community
    by_district: bool
    scope: str
    scope_ids: tuple[str, ...]
    questions: tuple[str, ...]
    starts_on: date
    due_on: date
    status: str
    created_by: str
    note: str
    maker: str = "本社区"      # who made it: 本社区, or at the district the community's name

    @property
    def label(self) -> str:
        who = "区里统一" if self.by_district else self.maker
        state = "" if self.status == "open" else "（已结束）"
        return f"{self.title}（{who}，{self.starts_on:%m-%d}～{self.due_on:%m-%d}）{state}"


@dataclass(frozen=True)
class Progress:
    key: str
    label: str
    households: int
    done: int
    absent: int
    refused: int
    vacant: int
    returnees: int

    @property
    def finished(self) -> int:
        return self.done + self.refused + self.vacant

    @property
    def pending(self) -> int:
        return self.households - self.finished

    @property
    def percent(self) -> int:
        return round(100 * self.finished / self.households) if self.households else 0


def _district(db: sqlite_utils.Database) -> str | None:
    """The district's own org unit id: its meta community_id at the district, the owner of
    district rows (level 'district') at a community."""
    if accounts.at_district(db):
        return get_meta(db, "community_id")
    # The enrolled district's org unit (the owner the sync gives its rows): a community also
    # holds its own copy of a district org row, which owns nothing of the district's.
    from db import sync as store

    found = [p for p in store.peers(db, "district") if not p["revoked"]]
    return found[0]["community_id"] if found else None


def _sweep(db: sqlite_utils.Database, row: dict[str, Any],
           names: dict[str, str] | None = None) -> Sweep:
    district = _district(db)
    maker = (names or {}).get(row["community_id"], "本社区")
    return Sweep(row["id"], row["title"], row["community_id"],
                 row["community_id"] == district and district is not None, row["scope"],
                 tuple(row["scope_ids"].split()), tuple(row["questions"].split()),
                 date.fromisoformat(row["starts_on"]), date.fromisoformat(row["due_on"]),
                 row["status"], row["created_by"] or "", row["note"] or "", maker)


def _names(db: sqlite_utils.Database) -> dict[str, str] | None:
    return community_scope.names(db) if accounts.at_district(db) else None


def _who(session: accounts.Session | None) -> str | None:
    if session is None or not session.username:
        return None
    return session.display_name or session.username


def _day(value: Any, field: str, label: str, errors: dict[str, str]) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str) and value.strip():
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            pass
    errors[field] = f"请填写{label}，格式如 2026-12-05。"
    return None


def _count(value: Any, field: str, label: str, errors: dict[str, str], *,
           required: bool = False) -> int | None:
    if value in (None, ""):
        if required:
            errors[field] = f"请填写{label}（人数，没有填0）。"
        return None
    try:
        n = int(str(value).strip())
    except ValueError:
        errors[field] = f"{label}应为人数（0到{MAX_COUNT}的整数），请重新填写。"
        return None
    if not 0 <= n <= MAX_COUNT:
        errors[field] = f"{label}应在0到{MAX_COUNT}之间，请核对。"
        return None
    return n


# --- sweeps -----------------------------------------------------------------------------------

def create_sweep(db: sqlite_utils.Database, title: str, starts_on: Any, due_on: Any, *,
                 scope: str = "community", scope_ids: Sequence[str] = (),
                 questions: Sequence[str] = DEFAULT_QUESTIONS, note: str | None = None,
                 now: datetime | None = None) -> str:
    """A new sweep. At the district it covers every community (a district-owned row that
    goes down to all of them); at a community it covers the whole community, some grids or
    some buildings. Returns its id."""
    session = accounts.require(db, "sweeps.manage")
    now = now or datetime.now()
    at_district = accounts.at_district(db)
    errors: dict[str, str] = {}
    title = (title or "").strip()
    if not title:
        errors["title"] = "请填写排查名称，例如“12月上旬入户排查”。"
    elif len(title) > 60:
        errors["title"] = "排查名称太长（最多60个字），请简写。"
    start = _day(starts_on, "starts_on", "开始日期", errors)
    due = _day(due_on, "due_on", "完成期限", errors)
    if start and due and due < start:
        errors["due_on"] = "完成期限不能早于开始日期。"
    if start and start > now.date() + timedelta(days=60):
        errors["starts_on"] = "开始日期不能晚于60天以后，请检查日期。"
    if scope not in SCOPE_LABELS:
        errors["scope"] = "请选择排查范围：全社区、部分网格或部分楼栋。"
    elif at_district and scope != "community":
        errors["scope"] = "区里发起的排查覆盖各社区的全部住户；按网格或楼栋排查请由社区发起。"
    ids = tuple(dict.fromkeys(i for i in scope_ids if i))
    if scope == "grids" and not at_district:
        known = {r["id"] for r in rq.org_units(db, "grid")}
        if not ids or not set(ids) <= known:
            errors["scope_ids"] = "请至少选择一个本社区的网格。"
    elif scope == "buildings" and not at_district:
        held = {r[0] for r in db.conn.execute("SELECT id FROM buildings WHERE deleted = 0")}
        if not ids or not set(ids) <= held:
            errors["scope_ids"] = "请至少选择一栋本社区的楼。"
    asked = tuple(dict.fromkeys(questions))
    if not asked or not set(asked) <= set(QUESTION_LABELS):
        errors["questions"] = "请选择要问的内容：" + "、".join(QUESTION_LABELS.values()) + "。"
    if errors:
        raise FormError(errors)
    assert start is not None and due is not None
    owner = get_meta(db, "community_id") or ""
    with transaction(db):
        return q.insert_sweep(db, owner, {
            "title": title, "scope": scope, "scope_ids": " ".join(ids if scope != "community"
                                                                  else ()),
            "questions": " ".join(asked), "starts_on": start.isoformat(),
            "due_on": due.isoformat(), "status": "open",
            "created_by": _who(session) or ("区里" if at_district else None),
            "created_at": now.replace(microsecond=0).isoformat(), "note": (note or "").strip()
            or None})


def close_sweep(db: sqlite_utils.Database, sweep_id: str) -> None:
    """End a sweep (its records stay). Only whoever made it may: a community cannot end the
    district's sweep, nor the district a community's."""
    accounts.require(db, "sweeps.manage")
    row = q.sweep(db, sweep_id)
    if row is None:
        raise FormError({"sweep": "这次排查不存在或已删除，请刷新后再试。"})
    if row["community_id"] != get_meta(db, "community_id"):
        raise accounts.PermissionDenied(
            "这次排查是区里发起的，只能由区里结束。" if not accounts.at_district(db)
            else "这次排查是社区自己发起的，只能由该社区结束。")
    if row["status"] == "closed":
        return
    with transaction(db):
        q.update_sweep(db, sweep_id, {"status": "closed"})


def sweeps(db: sqlite_utils.Database, *, open_only: bool = False) -> list[Sweep]:
    """The sweeps this office sees, open ones first, newest first."""
    accounts.require(db, "registry.view")
    names = _names(db)
    return [_sweep(db, r, names) for r in q.sweeps(db, open_only=open_only)]


def own(db: sqlite_utils.Database, sweep: Sweep) -> bool:
    """Whether this office made the sweep (only it may end it)."""
    return sweep.owner == get_meta(db, "community_id")


def get_sweep(db: sqlite_utils.Database, sweep_id: str) -> Sweep:
    row = q.sweep(db, sweep_id)
    if row is None:
        raise FormError({"sweep": "这次排查不存在或已删除，请刷新后再试。"})
    return _sweep(db, row, _names(db))


# --- visits -----------------------------------------------------------------------------------

_ORIGIN = re.compile(r"^[^\x00-\x1f]{1,40}$")


def record_visit(db: sqlite_utils.Database, sweep_id: str, household_id: str, outcome: str, *,
                 visited_on: Any = None, people: Any = None, returnees: Any = 0,
                 returnee_origin: str | None = None, returned_on: Any = None,
                 symptoms: Collection[str] = (), elderly: Any = None,
                 elderly_unvaccinated: Any = None, new_residents: int = 0,
                 note: str | None = None, now: datetime | None = None) -> str:
    """Record a household's outcome in a sweep (a new row; an earlier one is kept). A grid
    worker may record only households of their grids; the district records none."""
    session = accounts.require_household(db, "registry.edit", household_id)
    now = now or datetime.now()
    errors: dict[str, str] = {}
    row = q.sweep(db, sweep_id)
    if row is None:
        raise FormError({"sweep": "这次排查不存在或已删除，请刷新后再试。"})
    if row["status"] != "open":
        raise FormError({"sweep": f"“{row['title']}”已结束，不能再登记。"})
    household = rq.get(db, "households", household_id)
    if household is None or household["deleted"]:
        raise FormError({"household": "这一户不存在或已删除，请刷新后再试。"})
    if not q.covers(db, sweep_id, household_id, _district(db)):
        raise FormError({"household": f"这一户不在“{row['title']}”的排查范围内。"})
    if outcome not in OUTCOME_LABELS:
        errors["outcome"] = "请选择排查结果：" + "、".join(OUTCOME_LABELS.values()) + "。"
    day = _day(visited_on or now.date(), "visited_on", "排查日期", errors)
    if day and day > now.date():
        errors["visited_on"] = "排查日期不能晚于今天，请核对。"
    elif day and day < date.fromisoformat(row["starts_on"]):
        errors["visited_on"] = f"排查日期早于这次排查的开始日期（{row['starts_on']}），请核对。"
    found = outcome == "done"
    n_people = _count(people, "people", "现住人数", errors) if found else None
    n_back = (_count(returnees, "returnees", "外地返回人数", errors) or 0) if found else 0
    origin = (returnee_origin or "").strip() if n_back else ""
    back_on = None
    if n_back:
        if not origin:
            errors["returnee_origin"] = "有外地返回人员时，请填写从何地返回（如：广州市白云区）。"
        elif not _ORIGIN.match(origin):
            errors["returnee_origin"] = "来源地最多40个字，请简写。"
        if returned_on not in (None, ""):
            back_on = _day(returned_on, "returned_on", "返回日期", errors)
            if back_on and day and back_on > day:
                errors["returned_on"] = "返回日期不能晚于排查日期，请核对。"
    n_old = _count(elderly, "elderly", "60岁以上人数", errors) if found else None
    n_unvax = (_count(elderly_unvaccinated, "elderly_unvaccinated", "未接种疫苗的60岁以上人数",
                      errors) if found else None)
    if n_unvax is not None and n_old is not None and n_unvax > n_old:
        errors["elderly_unvaccinated"] = "未接种人数不能多于60岁以上人数。"
    if n_people is not None and n_back > n_people:
        errors["returnees"] = "外地返回人数不能多于现住人数，请核对。"
    marks = tuple(dict.fromkeys(symptoms)) if found else ()
    if not set(marks) <= set(SYMPTOM_LABELS):
        errors["symptoms"] = "症状只能从列出的几项中选择。"
    if errors:
        raise FormError(errors)
    assert day is not None
    with transaction(db):
        return q.insert_visit(db, household["community_id"], {
            "sweep_id": sweep_id, "household_id": household_id, "outcome": outcome,
            "visited_on": day.isoformat(), "visited_by": _who(session),
            "recorded_at": now.isoformat(timespec="milliseconds"),
            "people": n_people, "returnees": n_back, "returnee_origin": origin or None,
            "returned_on": back_on.isoformat() if back_on else None,
            "symptoms": " ".join(marks), "elderly": n_old, "elderly_unvaccinated": n_unvax,
            "new_residents": max(0, int(new_residents)), "note": (note or "").strip() or None})


def visits(db: sqlite_utils.Database, sweep_id: str, household_id: str) -> list[dict[str, Any]]:
    """A household's visits in a sweep, latest first, each as recorded."""
    accounts.require(db, "registry.view")
    return q.visits(db, sweep_id, household_id)


def returnee_case_prefill(db: sqlite_utils.Database, visit_id: str) -> dict[str, Any]:
    """What the isolation dialog starts with for a returnee a visit found: kind, reason,
    origin, arrival day, start today (app.isolation.register_case's names), and the
    household with its building, unit and door (for a newcomer's registration)."""
    row = db.conn.execute(
        "SELECT v.household_id, v.returnee_origin, v.returned_on, v.visited_on, h.unit_id, "
        "h.door_number, u.building_id FROM sweep_visits v "
        "LEFT JOIN households h ON h.id = v.household_id "
        "LEFT JOIN units u ON u.id = h.unit_id WHERE v.id = ?", (visit_id,)).fetchone()
    if row is None:
        raise FormError({"visit": "这条排查记录不存在，请刷新后再试。"})
    return {"kind": "home_monitoring", "reason": RETURNEE_REASON, "origin": row[1] or "",
            "arrived_on": row[2] or row[3], "started_on": date.today().isoformat(),
            "household_id": row[0], "unit_id": row[4], "door_number": row[5] or "",
            "building_id": row[6]}


# --- progress ---------------------------------------------------------------------------------

def _progress(rows: list[dict[str, Any]]) -> list[Progress]:
    return [Progress(r["key"] or "", r["label"] or "", r["households"], r["done"],
                     r["absent"], r["refused"], r["vacant"], r["returnees"]) for r in rows]


def progress(db: sqlite_utils.Database, sweep_id: str, by: str = "grid",
             community_ids: Collection[str] | None = None) -> list[Progress]:
    """Progress of a sweep grouped by "grid", "building" or "community" (the district's
    view), limited to a grid worker's grids and to the district's community filter."""
    accounts.require(db, "registry.view")
    if by not in ("grid", "building", "community"):
        raise ValueError(by)
    return _progress(q.progress(db, sweep_id, by, _district(db), community_ids,
                                accounts.grid_scope(db), named=accounts.at_district(db)))


def total(rows: Sequence[Progress]) -> Progress:
    """The sum of progress rows (the 合计 line)."""
    return Progress("", "合计", *(sum(getattr(r, f) for r in rows) for f in (
        "households", "done", "absent", "refused", "vacant", "returnees")))


def pending_ids(db: sqlite_utils.Database, sweep_id: str, *, grid_id: str | None = None,
                building_id: str | None = None,
                community_ids: Collection[str] | None = None) -> list[str]:
    """Households not yet visited (or 无人在家, to revisit), in address order."""
    accounts.require(db, "registry.view")
    return q.pending_ids(db, sweep_id, _district(db), grid_id=grid_id, building_id=building_id,
                         community_ids=community_ids, grid_ids=accounts.grid_scope(db))


def pending_rows(db: sqlite_utils.Database, sweep_id: str, ids: Sequence[str]
                 ) -> list[dict[str, Any]]:
    """Display rows for some of those households (the lazy table's page)."""
    return q.pending_rows(db, sweep_id, ids)


# --- what the daily report takes --------------------------------------------------------------

def daily_figures(db: sqlite_utils.Database, day: date,
                  community_id: str | None = None) -> dict[str, Any]:
    """Sweep progress over the sweeps open and begun by `day`: households covered and
    finished by the day's end, each household once however many sweeps cover it (finished
    in any of them), and returnees found on `day` by origin: {households, visited,
    returnees, origins: [(origin, count)]}. For a past day a sweep ended since counts while
    its due day had not passed (a sweep keeps no day it was ended)."""
    district = _district(db)
    iso = day.isoformat()
    past = day < date.today()
    ids = [r["id"] for r in q.sweeps(db, on=iso)
           if r["status"] == "open" or (past and r["due_on"] >= iso)]
    households: set[str] = set()
    visited: set[str] = set()
    for sweep_id in ids:
        for household, outcome in q.household_outcomes(
                db, sweep_id, district, None if community_id is None else {community_id},
                as_of=iso if past else None):
            households.add(household)
            if outcome in q.FINISHED:
                visited.add(household)
    origins = q.returnee_origins(db, ids, day.isoformat(), community_id)
    return {"households": len(households), "visited": len(visited),
            "returnees": sum(n for _o, n in origins), "origins": origins}
