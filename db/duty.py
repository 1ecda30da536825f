"""Queries and writes for the people on duty: each grid's trio (三人小组) from the staff list,
duty shifts (值班表) and their swaps, task forces (专班) and volunteers with their hours. Plain
values in and out; SQL stays visible."""

from __future__ import annotations

from collections.abc import Collection, Sequence

import sqlite_utils

from db import rows
from db.community_scope import sql_in
from db.registry import Row, _rows, community_id

# Columns a caller may write, per table (id, community_id and deleted are ours).
WRITABLE: dict[str, tuple[str, ...]] = {
    "duty_trios": ("grid_id", "grid_worker_id", "police_id", "doctor_id"),
    "duty_shifts": ("on_date", "shift", "place", "checkpoint_id", "person_name", "phone",
                    "staff_id", "note"),
    "duty_swaps": ("shift_id", "from_name", "to_name", "agreed_by", "agreed_on", "reason",
                   "recorded_by"),
    "task_forces": ("name", "duty", "leader", "leader_phone"),
    "volunteers": ("task_force_id", "name", "phone", "skills", "note"),
    "volunteer_hours": ("volunteer_id", "on_date", "hours", "activity", "recorded_by"),
}


_tables = rows.Tables(WRITABLE, live=True)
insert, insert_many, update, get = (_tables.insert, _tables.insert_many, _tables.update,
                                    _tables.get)
soft_delete = rows.soft_delete


# --- the trio -----------------------------------------------------------------------------------

def grids(db: sqlite_utils.Database, communities: Collection[str] | None = None) -> list[Row]:
    """Every live grid with its community and its trio row's staff ids (None: not set)."""
    where, params = sql_in("g.community_id", communities)
    return _rows(db, (
        "SELECT g.id, g.name, g.community_id, t.id AS trio_id, t.grid_worker_id, t.police_id, "
        "t.doctor_id FROM org_units g "
        "LEFT JOIN duty_trios t ON t.grid_id = g.id AND t.deleted = 0 "
        f"WHERE g.level = 'grid' AND g.deleted = 0{where} "
        "ORDER BY g.community_id, g.sort_order, g.code, g.name"), params)


def staff_rows(db: sqlite_utils.Database, communities: Collection[str] | None = None
               ) -> list[Row]:
    """Every live staff member with the name of their org unit."""
    where, params = sql_in("s.community_id", communities)
    return _rows(db, (
        "SELECT s.id, s.name, s.role, s.phone, s.note, s.org_unit_id, s.community_id, "
        "o.name AS unit_name, o.level AS unit_level FROM staff s "
        f"LEFT JOIN org_units o ON o.id = s.org_unit_id WHERE s.deleted = 0{where} "
        "ORDER BY s.role, s.name"), params)


def compound_names(db: sqlite_utils.Database, grid_ids: Collection[str]) -> dict[str, list[str]]:
    """grid id → the names of its live compounds, in order."""
    if not grid_ids:
        return {}
    out: dict[str, list[str]] = {}
    for r in _rows(db, "SELECT grid_id, name FROM compounds WHERE deleted = 0 AND grid_id IN "
                       f"({','.join('?' * len(grid_ids))}) ORDER BY sort_order, name",
                   list(grid_ids)):
        out.setdefault(r["grid_id"], []).append(r["name"])
    return out


# --- shifts ---------------------------------------------------------------------------------------

# Shifts in the order of the day: the night (00–08) first.
SHIFT_ORDER = ("CASE s.shift WHEN 'night' THEN 0 WHEN 'morning' THEN 1 WHEN 'day' THEN 2 "
               "ELSE 3 END")
SHIFT_SQL = (
    "SELECT s.*, c.name AS checkpoint_name, "
    "(SELECT COUNT(*) FROM duty_swaps w WHERE w.shift_id = s.id AND w.deleted = 0) AS swaps "
    "FROM duty_shifts s LEFT JOIN checkpoints c ON c.id = s.checkpoint_id "
)


def shifts(db: sqlite_utils.Database, start: str, end: str,
           communities: Collection[str] | None = None, place: str | None = None,
           person: str | None = None) -> list[Row]:
    """Live shifts from `start` to `end` (ISO dates, inclusive), by day, shift and place."""
    where, params = sql_in("s.community_id", communities)
    params = [start, end, *params]
    if place:
        where += " AND s.place = ?"
        params.append(place)
    if person:
        where += " AND s.person_name = ?"
        params.append(person)
    return _rows(db, SHIFT_SQL + "WHERE s.deleted = 0 AND s.on_date BETWEEN ? AND ?"
                 f"{where} ORDER BY s.on_date, {SHIFT_ORDER}, s.place DESC, c.name, s.person_name",
                 params)


def shifts_of_person(db: sqlite_utils.Database, owner: str, name: str, days: Sequence[str]
                     ) -> list[Row]:
    """A person's live shifts on any of these days (to find one person in two places)."""
    if not days:
        return []
    return _rows(db, SHIFT_SQL + "WHERE s.deleted = 0 AND s.community_id = ? AND "
                 f"s.person_name = ? AND s.on_date IN ({','.join('?' * len(days))})",
                 [owner, name, *days])


def swaps(db: sqlite_utils.Database, shift_id: str) -> list[Row]:
    return _rows(db, "SELECT * FROM duty_swaps WHERE shift_id = ? AND deleted = 0 "
                     "ORDER BY agreed_on, id", (shift_id,))


# --- task forces and volunteers ------------------------------------------------------------------

def task_forces(db: sqlite_utils.Database, communities: Collection[str] | None = None
                ) -> list[Row]:
    where, params = sql_in("t.community_id", communities)
    return _rows(db, (
        "SELECT t.*, (SELECT COUNT(*) FROM volunteers v WHERE v.task_force_id = t.id "
        "AND v.deleted = 0) AS members FROM task_forces t "
        f"WHERE t.deleted = 0{where} ORDER BY t.community_id, t.name"), params)


def volunteers(db: sqlite_utils.Database, task_force_id: str | None = None,
               communities: Collection[str] | None = None, skill: str | None = None,
               ) -> list[Row]:
    """Live volunteers (of one task force, or with a skill) with their hours in total."""
    where, params = sql_in("v.community_id", communities)
    if task_force_id:
        where += " AND v.task_force_id = ?"
        params.append(task_force_id)
    if skill:
        where += " AND (' ' || v.skills || ' ') LIKE ?"
        params.append(f"% {skill} %")
    return _rows(db, (
        "SELECT v.*, t.name AS task_force, COALESCE((SELECT SUM(h.hours) FROM volunteer_hours h "
        "WHERE h.volunteer_id = v.id AND h.deleted = 0 AND h.hours > 0 AND h.hours <= 24), 0) "
        "AS hours FROM volunteers v "
        "LEFT JOIN task_forces t ON t.id = v.task_force_id "
        f"WHERE v.deleted = 0{where} ORDER BY t.name, v.name"), params)


def hours_of(db: sqlite_utils.Database, volunteer_id: str) -> list[Row]:
    return _rows(db, "SELECT * FROM volunteer_hours WHERE volunteer_id = ? AND deleted = 0 "
                     "ORDER BY on_date DESC", (volunteer_id,))


def checkpoint_choices(db: sqlite_utils.Database) -> list[Row]:
    """This community's live checkpoints (id, name), for a checkpoint shift."""
    return _rows(db, "SELECT id, name FROM checkpoints WHERE deleted = 0 "
                     "AND community_id = ? ORDER BY name", (community_id(db),))
