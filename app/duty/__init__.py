"""The people on duty: each grid's trio (三人小组: grid worker, police officer, doctor, chosen
from 工作人员), duty rosters (值班表) for the office and the checkpoints with swaps that keep who
agreed and one person in two places at once flagged, task forces (专班) and volunteers with
their skills, phones and hours. Checked before anything is written; written in one
transaction or not at all."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import sqlite_utils

from app import accounts
from app.accounts import require
from app.errors import FormError
from app.validation import (
    ValidationError,
    collect,
    normalize_phone,
    optional_text,
    require_text,
)
from db import duty as q
from db import registry as rq
from db.node import transaction

# A shift: its label and its hours on the day (end 24 = midnight). 夜班 is the night that
# starts the day (00:00–08:00), so a night never spills into the next date.
SHIFTS: dict[str, tuple[str, int, int]] = {
    "day": ("白班", 8, 18), "morning": ("早班", 8, 16), "evening": ("晚班", 16, 24),
    "night": ("夜班", 0, 8)}
PLACES = {"office": "社区值班室", "checkpoint": "卡口"}
TRIO_ROLES = {"grid_worker": "网格员", "police": "社区民警", "doctor": "社区医生"}
# Which staff roles may stand in each trio seat (a grid chief is the grid's worker too).
SEAT_ROLES = {"grid_worker": ("grid_worker", "grid_chief", "cadre"), "police": ("police",),
              "doctor": ("doctor",)}
MAX_HOURS = 24.0


def _phone(errors: dict[str, str], field: str, text: str | None, label: str) -> str | None:
    if not (text or "").strip():
        return None
    try:
        return normalize_phone(text or "")
    except ValidationError as exc:
        errors[field] = f"{label}：{exc.message}"
        return None


def _day(errors: dict[str, str], field: str, value: Any, label: str) -> str | None:
    if isinstance(value, date):
        return value.isoformat()
    try:
        return date.fromisoformat(str(value or "").strip()).isoformat()
    except ValueError:
        errors[field] = f"{label}要写成 年-月-日，例如 2026-12-07。"
        return None


def monday_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


# --- the trio --------------------------------------------------------------------------------

@dataclass(frozen=True)
class Person:
    id: str
    name: str
    phone: str


@dataclass(frozen=True)
class Trio:
    """A grid's 三人小组 (a seat is None when nobody is named for it)."""

    grid_id: str
    grid: str
    community_id: str
    compounds: tuple[str, ...]
    grid_worker: Person | None
    police: Person | None
    doctor: Person | None
    saved: bool          # False: suggested from the staff list, not yet confirmed

    def seats(self) -> list[tuple[str, Person | None]]:
        return [(TRIO_ROLES[k], getattr(self, k)) for k in TRIO_ROLES]


def _suggest(seat: str, grid: dict, staff: list[dict]) -> dict | None:
    """The staff member who most likely holds a seat: one of the grid's own, else a
    community-level one whose note names the grid (负责网格1、网格5), else the first."""
    roles = SEAT_ROLES[seat]
    fits = [s for s in staff if s["role"] in roles and s["community_id"] == grid["community_id"]]
    fits.sort(key=lambda s: roles.index(s["role"]))
    own = [s for s in fits if s["org_unit_id"] == grid["id"]]
    if own:
        return own[0]
    if seat == "grid_worker":
        return None
    named = [s for s in fits if grid["name"] and grid["name"] in (s["note"] or "").replace(
        "、", " ").split("负责")[-1].replace(")", " ").replace("）", " ").split()]
    return named[0] if named else (fits[0] if fits else None)


def trios(db: sqlite_utils.Database, communities: Collection[str] | None = None) -> list[Trio]:
    """Every grid's trio: the saved one, or one suggested from the staff list."""
    grids = q.grids(db, communities)
    staff = q.staff_rows(db, communities)
    by_id = {s["id"]: s for s in staff}
    compounds = q.compound_names(db, [g["id"] for g in grids])
    out = []
    for g in grids:
        seats: dict[str, Person | None] = {}
        for seat in TRIO_ROLES:
            s = (by_id.get(g[f"{seat}_id"]) if g["trio_id"] else _suggest(seat, g, staff))
            seats[seat] = Person(s["id"], s["name"], s["phone"] or "") if s else None
        out.append(Trio(g["id"], g["name"], g["community_id"], tuple(compounds.get(g["id"], ())),
                        saved=g["trio_id"] is not None, **seats))
    return out


def staff_choices(db: sqlite_utils.Database, seat: str) -> list[dict]:
    """The staff who may stand in a seat (id, name, phone, where they work)."""
    return [s for s in q.staff_rows(db) if s["role"] in SEAT_ROLES[seat]]


def set_trio(db: sqlite_utils.Database, grid_id: str, *, grid_worker_id: str | None,
             police_id: str | None, doctor_id: str | None) -> str:
    """Name a grid's trio (a seat may stay empty); each must be staff in that role."""
    require(db, "duty.edit")
    grid = rq.get(db, "org_units", grid_id)
    if grid is None or grid["deleted"] or grid["level"] != "grid":
        raise FormError({"grid": "找不到这个网格，请刷新后重新选择。"})
    errors: dict[str, str] = {}
    chosen = {"grid_worker": grid_worker_id, "police": police_id, "doctor": doctor_id}
    for seat, staff_id in chosen.items():
        if not staff_id:
            continue
        s = rq.get(db, "staff", staff_id)
        if s is None or s["deleted"] or s["role"] not in SEAT_ROLES[seat]:
            errors[seat] = (f"{TRIO_ROLES[seat]}要从工作人员里选择（角色为"
                            f"{'、'.join(SEAT_ROLES[seat])}的人），请重新选择。")
    if errors:
        raise FormError(errors)
    values = {f"{seat}_id": staff_id or None for seat, staff_id in chosen.items()}
    with transaction(db):
        row = db.conn.execute("SELECT id FROM duty_trios WHERE grid_id = ? AND deleted = 0",
                              (grid_id,)).fetchone()
        if row:
            q.update(db, "duty_trios", row[0], values)
            return row[0]
        return q.insert(db, "duty_trios", {"grid_id": grid_id, **values})


# --- duty shifts -----------------------------------------------------------------------------

@dataclass(frozen=True)
class Shift:
    id: str
    community_id: str
    on_date: str
    shift: str
    place: str
    checkpoint_id: str | None
    checkpoint_name: str | None
    person_name: str
    phone: str
    note: str
    swaps: int
    clash: str = ""      # not empty: the same person elsewhere at the same time (what and where)

    @property
    def shift_label(self) -> str:
        label, start, end = SHIFTS[self.shift]
        return f"{label} {start}–{end}时"

    @property
    def place_label(self) -> str:
        if self.place == "checkpoint":
            name = self.checkpoint_name or ""
            return name if "卡口" in name else f"卡口：{name}"
        return PLACES[self.place]


def _overlap(a: str, b: str) -> bool:
    _, s1, e1 = SHIFTS[a]
    _, s2, e2 = SHIFTS[b]
    return s1 < e2 and s2 < e1


def _where(row: dict) -> str:
    name = row["checkpoint_name"] or ""
    if row["place"] == "checkpoint":
        return name if "卡口" in name else f"卡口：{name}"
    return PLACES[row["place"]]


def _clashes(rows: list[dict], others: Iterable[dict] = ()) -> dict[str, str]:
    """shift id → what it clashes with: the same person at another place (or twice at the
    same one) at overlapping hours on the same day."""
    everyone = {r["id"]: r for r in [*rows, *others]}
    by_key: dict[tuple[str, str, str], list[dict]] = {}
    for r in everyone.values():
        by_key.setdefault((r["community_id"], r["on_date"], r["person_name"]), []).append(r)
    out: dict[str, str] = {}
    for group in by_key.values():
        for i, a in enumerate(group):
            for b in group[i + 1:]:
                if _overlap(a["shift"], b["shift"]):
                    out.setdefault(a["id"], f"同一时间还在{_where(b)}（{SHIFTS[b['shift']][0]}）")
                    out.setdefault(b["id"], f"同一时间还在{_where(a)}（{SHIFTS[a['shift']][0]}）")
    return out


def _shift(r: dict, clash: str) -> Shift:
    return Shift(r["id"], r["community_id"], r["on_date"], r["shift"], r["place"],
                 r["checkpoint_id"], r["checkpoint_name"], r["person_name"], r["phone"] or "",
                 r["note"] or "", r["swaps"], clash)


def roster(db: sqlite_utils.Database, start: date, days: int = 7,
           communities: Collection[str] | None = None, place: str | None = None,
           checkpoint_id: str | None = None) -> list[Shift]:
    """The shifts of `days` days from `start`, each with its clash (if any) flagged; only
    those at `place` (office / checkpoint) or at one checkpoint, when given. Clashes are
    found over all shifts: a clash with a shift not listed is still said."""
    end = start + timedelta(days=days - 1)
    rows = q.shifts(db, start.isoformat(), end.isoformat(), communities)
    clashes = _clashes(rows)
    return [_shift(r, clashes.get(r["id"], "")) for r in rows
            if (place is None or r["place"] == place)
            and (checkpoint_id is None or r["checkpoint_id"] == checkpoint_id)]


def _shift_values(db: sqlite_utils.Database, errors: dict[str, str], on_date: Any, shift: str,
                  place: str, person_name: str | None, phone: str | None,
                  checkpoint_id: str | None, note: str | None) -> dict[str, Any]:
    day = _day(errors, "on_date", on_date, "值班日期")
    if shift not in SHIFTS:
        errors["shift"] = "请选择班次（白班、早班、晚班或夜班）。"
    if place not in PLACES:
        errors["place"] = "请选择值班地点（社区值班室或卡口）。"
    if place == "checkpoint":
        cp = q.get(db, "checkpoints", checkpoint_id) if checkpoint_id else None
        if cp is None:
            errors["checkpoint"] = "在卡口值班时，请选择是哪个卡口。"
    else:
        checkpoint_id = None
    name = collect(errors, require_text, person_name, "person_name", "值班人姓名", max_len=20)
    tel = _phone(errors, "phone", phone, "值班人电话")
    text = collect(errors, optional_text, note, "note", "备注", max_len=200)
    return {"on_date": day, "shift": shift, "place": place, "checkpoint_id": checkpoint_id,
            "person_name": name, "phone": tel, "note": text}


def add_shift(db: sqlite_utils.Database, *, on_date: Any, shift: str, place: str,
              person_name: str | None, phone: str | None = None,
              checkpoint_id: str | None = None, staff_id: str | None = None,
              note: str | None = None) -> tuple[str, str]:
    """Put someone on duty; returns (shift id, clash): a clash is flagged, not refused (the
    office may mean it, e.g. a leader on call for two places)."""
    require(db, "duty.edit")
    errors: dict[str, str] = {}
    values = _shift_values(db, errors, on_date, shift, place, person_name, phone,
                           checkpoint_id, note)
    if errors:
        raise FormError(errors)
    if staff_id and rq.get(db, "staff", staff_id) is None:
        staff_id = None
    with transaction(db):
        shift_id = q.insert(db, "duty_shifts", {**values, "staff_id": staff_id})
    return shift_id, clash_of(db, shift_id)


def clash_of(db: sqlite_utils.Database, shift_id: str) -> str:
    """What a shift clashes with ("" when nothing)."""
    row = q.get(db, "duty_shifts", shift_id)
    if row is None:
        return ""
    mine = q.shifts_of_person(db, row["community_id"], row["person_name"], [row["on_date"]])
    return _clashes(mine).get(shift_id, "")


def remove_shift(db: sqlite_utils.Database, shift_id: str) -> None:
    require(db, "duty.edit")
    with transaction(db):
        q.soft_delete(db, "duty_shifts", shift_id)


def swap_shift(db: sqlite_utils.Database, shift_id: str, *, to_name: str | None,
               to_phone: str | None = None, agreed_by: str | None, reason: str | None = None,
               on: date | None = None) -> str:
    """Hand a shift to someone else; the swap keeps who gave it, who took it and who agreed.
    Returns the clash of the new holder ("" when none)."""
    require(db, "duty.edit")
    row = q.get(db, "duty_shifts", shift_id)
    if row is None:
        raise FormError({"shift": "找不到这个班次，可能已被删除，请刷新后再试。"})
    errors: dict[str, str] = {}
    name = collect(errors, require_text, to_name, "to_name", "接班人姓名", max_len=20)
    tel = _phone(errors, "to_phone", to_phone, "接班人电话")
    agreed = collect(errors, require_text, agreed_by, "agreed_by", "同意换班的负责人", max_len=20)
    why = collect(errors, optional_text, reason, "reason", "换班原因", max_len=200)
    if name and name == row["person_name"]:
        errors["to_name"] = f"接班人就是原值班人“{name}”，请填写换来值班的另一个人。"
    if errors:
        raise FormError(errors)
    with transaction(db):
        q.insert(db, "duty_swaps", {"shift_id": shift_id, "from_name": row["person_name"],
                                    "to_name": name, "agreed_by": agreed,
                                    "agreed_on": (on or date.today()).isoformat(),
                                    "reason": why, "recorded_by": accounts.actor_name(db)})
        q.update(db, "duty_shifts", shift_id, {"person_name": name, "phone": tel,
                                               "staff_id": None})
    return clash_of(db, shift_id)


def swaps(db: sqlite_utils.Database, shift_id: str) -> list[dict]:
    return q.swaps(db, shift_id)


# --- task forces and volunteers --------------------------------------------------------------

def task_forces(db: sqlite_utils.Database, communities: Collection[str] | None = None
                ) -> list[dict]:
    return q.task_forces(db, communities)


def save_task_force(db: sqlite_utils.Database, *, name: str | None, duty: str | None = None,
                    leader: str | None = None, leader_phone: str | None = None,
                    task_force_id: str | None = None) -> str:
    require(db, "duty.edit")
    errors: dict[str, str] = {}
    values = {"name": collect(errors, require_text, name, "name", "专班名称", max_len=30),
              "duty": collect(errors, optional_text, duty, "duty", "职责", max_len=200),
              "leader": collect(errors, optional_text, leader, "leader", "负责人", max_len=20),
              "leader_phone": _phone(errors, "leader_phone", leader_phone, "负责人电话")}
    if errors:
        raise FormError(errors)
    with transaction(db):
        if task_force_id:
            q.update(db, "task_forces", task_force_id, values)
            return task_force_id
        return q.insert(db, "task_forces", values)


def _skills(text: str | None) -> str | None:
    words = (text or "").replace("，", " ").replace(",", " ").replace("、", " ").split()
    return " ".join(dict.fromkeys(words)) or None


def save_volunteer(db: sqlite_utils.Database, *, name: str | None, phone: str | None,
                   skills: str | None = None, task_force_id: str | None = None,
                   note: str | None = None, volunteer_id: str | None = None) -> str:
    """Add or correct a volunteer; the phone is needed (a volunteer is called)."""
    require(db, "duty.edit")
    errors: dict[str, str] = {}
    values = {"name": collect(errors, require_text, name, "name", "姓名", max_len=20),
              "phone": _phone(errors, "phone", phone, "电话"),
              "skills": _skills(collect(errors, optional_text, skills, "skills", "技能",
                                         max_len=100)),
              "task_force_id": task_force_id or None,
              "note": collect(errors, optional_text, note, "note", "备注", max_len=200)}
    if not (phone or "").strip():
        errors["phone"] = "请填写电话：专班和志愿者要能随时叫到。"
    if task_force_id and q.get(db, "task_forces", task_force_id) is None:
        errors["task_force"] = "找不到这个专班，请重新选择。"
    if errors:
        raise FormError(errors)
    with transaction(db):
        if volunteer_id:
            q.update(db, "volunteers", volunteer_id, values)
            return volunteer_id
        return q.insert(db, "volunteers", values)


def volunteers(db: sqlite_utils.Database, task_force_id: str | None = None,
               communities: Collection[str] | None = None, skill: str | None = None
               ) -> list[dict]:
    return q.volunteers(db, task_force_id, communities, skill)


def add_hours(db: sqlite_utils.Database, volunteer_id: str, *, on_date: Any, hours: Any,
              activity: str | None = None) -> str:
    """A volunteer's hours on a day (0.5–24)."""
    require(db, "duty.edit")
    errors: dict[str, str] = {}
    if q.get(db, "volunteers", volunteer_id) is None:
        raise FormError({"volunteer": "找不到这位志愿者，请刷新后重新选择。"})
    day = _day(errors, "on_date", on_date, "服务日期")
    try:
        n = float(hours)
        if not 0 < n <= MAX_HOURS:
            raise ValueError
    except (TypeError, ValueError):
        errors["hours"] = "服务时长要填小时数，大于0、不超过24，例如 2 或 3.5。"
        n = 0.0
    what = collect(errors, optional_text, activity, "activity", "服务内容", max_len=100)
    if errors:
        raise FormError(errors)
    with transaction(db):
        return q.insert(db, "volunteer_hours", {"volunteer_id": volunteer_id, "on_date": day,
                                                "hours": n, "activity": what,
                                                "recorded_by": accounts.actor_name(db)})


def hours_of(db: sqlite_utils.Database, volunteer_id: str) -> list[dict]:
    return q.hours_of(db, volunteer_id)


def phone_list(db: sqlite_utils.Database, task_force_id: str | None = None,
               skill: str | None = None) -> str:
    """The group's names and phones as text to paste into a chat or a text message: one
    person a line, 姓名 电话 技能 (tab-separated, so it pastes into a spreadsheet too)."""
    from app.accounts import masking

    session = require(db, "registry.view")
    lines = []
    for v in q.volunteers(db, task_force_id, skill=skill):
        phone = masking.show(session, "phone", v["phone"], masking.LEDGER)
        lines.append("\t".join([v["name"], phone, v["skills"] or ""]).rstrip())
    return "\n".join(lines)


def checkpoint_choices(db: sqlite_utils.Database) -> list[dict]:
    """This community's checkpoints (id, name), for a checkpoint shift."""
    return q.checkpoint_choices(db)
