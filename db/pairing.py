"""Pairing queries and writes: pairings and their history, member loads, coverage counts, spot
checks and the contact log. Plain values in and out; SQL stays visible."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from typing import Any

import sqlite_utils

from db.community_scope import sql_in
from db.ids import uuid7
from db.registry import ADDRESS_SQL, HOUSEHOLD_JOIN, SCOPE_COLUMN, Row, _one, _rows, insert

# A pairing holds while it has no end date (and was not deleted as entered by mistake).
ACTIVE = "p.ended_on IS NULL AND p.deleted = 0"
ADDRESS_ORDER = ("c.sort_order, c.name, b.sort_order, CAST(b.name AS INTEGER), b.name, "
                 "u.sort_order, u.name, h.floor, CAST(h.door_number AS INTEGER), h.door_number")
MEMBER_JOIN = "JOIN party_members m ON m.id = p.member_id"


def _households_of(alias: str) -> str:
    """Joins a row's household and its unit, building and compound (h, u, b, c)."""
    return (f"JOIN households h ON h.id = {alias}.household_id JOIN units u ON u.id = h.unit_id "
            "JOIN buildings b ON b.id = u.building_id JOIN compounds c ON c.id = b.compound_id ")


# --- pairings ---------------------------------------------------------------------------------

def active_pairing(db: sqlite_utils.Database, household_id: str) -> Row | None:
    """The household's current pairing with its member's name, phone and branch."""
    return _one(
        db,
        f"SELECT p.*, m.name AS member_name, m.phone AS member_phone, m.branch AS member_branch "
        f"FROM pairings p {MEMBER_JOIN} WHERE p.household_id = ? AND {ACTIVE} "
        f"ORDER BY p.started_on DESC, p.id DESC LIMIT 1",
        (household_id,),
    )


def active_pairings(db: sqlite_utils.Database, household_ids: Sequence[str]) -> dict[str, Row]:
    """Household id → its current pairing (with member name and phone), for a page of rows."""
    if not household_ids:
        return {}
    marks = ",".join("?" * len(household_ids))
    rows = _rows(
        db,
        f"SELECT p.*, m.name AS member_name, m.phone AS member_phone, m.branch AS member_branch "
        f"FROM pairings p {MEMBER_JOIN} WHERE p.household_id IN ({marks}) AND {ACTIVE}",
        list(household_ids),
    )
    return {r["household_id"]: r for r in rows}


def household_history(db: sqlite_utils.Database, household_id: str) -> list[Row]:
    """Every pairing the household has had, the current one first."""
    return _rows(
        db,
        f"SELECT p.*, m.name AS member_name, m.phone AS member_phone FROM pairings p "
        f"{MEMBER_JOIN} WHERE p.household_id = ? AND p.deleted = 0 "
        f"ORDER BY p.ended_on IS NOT NULL, p.started_on DESC, p.id DESC",
        (household_id,),
    )


def member_pairings(db: sqlite_utils.Database, member_id: str, *,
                    include_ended: bool = False) -> list[Row]:
    """A member's households (current ones, or all with history), in address order."""
    where = "p.deleted = 0" if include_ended else ACTIVE
    return _rows(
        db,
        f"SELECT p.*, {ADDRESS_SQL} AS address, h.phone AS household_phone, "
        f"(SELECT r.name FROM residents r WHERE r.household_id = h.id AND r.deleted = 0 "
        f"   ORDER BY (r.relation = '户主') DESC, r.birth_date LIMIT 1) AS head "
        f"FROM pairings p {_households_of('p')}"
        f"WHERE p.member_id = ? AND {where} "
        f"ORDER BY p.ended_on IS NOT NULL, {ADDRESS_ORDER}, p.started_on",
        (member_id,),
    )


def member_load(db: sqlite_utils.Database, member_id: str) -> int:
    return db.conn.execute(
        f"SELECT count(*) FROM pairings p WHERE p.member_id = ? AND {ACTIVE}", (member_id,)
    ).fetchone()[0]


def member_loads(db: sqlite_utils.Database, communities: Collection[str] | None = None
                 ) -> dict[str, int]:
    """Member id → households they hold now (members with none are absent); `communities`
    (at a district) keeps those communities' pairings."""
    where, params = sql_in("p.community_id", communities)
    return dict(db.conn.execute(
        f"SELECT p.member_id, count(*) FROM pairings p WHERE {ACTIVE}{where} "
        "GROUP BY p.member_id", params))


def members_with_places(db: sqlite_utils.Database, communities: Collection[str] | None = None
                        ) -> list[Row]:
    """Live members with where they live (unit › grid, all NULL when not here or moved out)
    and whether their resident record is gone; `communities` (at a district) keeps those
    communities' members."""
    where, params = sql_in("m.community_id", communities)
    return _rows(
        db,
        "SELECT m.id, m.name, m.phone, m.kind, m.branch, m.resident_id, "
        "  (r.id IS NOT NULL AND r.deleted = 1) AS moved_out, "
        "  h.id AS household_id, u.id AS unit_id, b.id AS building_id, c.id AS compound_id, "
        "  c.grid_id AS grid_id "
        "FROM party_members m "
        "LEFT JOIN residents r ON r.id = m.resident_id "
        "LEFT JOIN households h ON h.id = r.household_id AND h.deleted = 0 AND r.deleted = 0 "
        "LEFT JOIN units u ON u.id = h.unit_id LEFT JOIN buildings b ON b.id = u.building_id "
        "LEFT JOIN compounds c ON c.id = b.compound_id "
        f"WHERE m.deleted = 0{where} ORDER BY m.id", params,
    )


def insert_pairing(db: sqlite_utils.Database, household_id: str, member_id: str,
                   started_on: str, start_reason: str, note: str | None = None) -> str:
    return insert(db, "pairings", {"household_id": household_id, "member_id": member_id,
                                   "started_on": started_on, "start_reason": start_reason,
                                   "note": note})


def insert_pairings(db: sqlite_utils.Database, rows: Iterable[tuple[str, str]], started_on: str,
                    start_reason: str, owner: str) -> int:
    """Many new pairings (household id, member id) at once; returns how many."""
    values = [(uuid7(), owner, h, m, started_on, start_reason) for h, m in rows]
    db.conn.executemany(
        "INSERT INTO pairings (id, community_id, household_id, member_id, started_on, "
        "start_reason) VALUES (?, ?, ?, ?, ?, ?)", values)
    return len(values)


def end_pairing(db: sqlite_utils.Database, pairing_id: str, ended_on: str, reason: str,
                note: str | None = None) -> None:
    values: list[Any] = [ended_on, reason]
    sql = "UPDATE pairings SET ended_on = ?, end_reason = ?"
    if note:
        sql += ", note = ?"
        values.append(note)
    db.conn.execute(sql + " WHERE id = ? AND ended_on IS NULL", [*values, pairing_id])


def end_stale_pairings(db: sqlite_utils.Database, ended_on: str) -> int:
    """End the pairings of deleted households, deleted members and members whose resident
    record was deleted (moved out); returns how many ended. Cheap when there are none."""
    gone = db.conn.execute(
        f"UPDATE pairings AS p SET ended_on = :day, end_reason = 'household_gone' "
        f"WHERE {ACTIVE} AND EXISTS (SELECT 1 FROM households h "
        f"  WHERE h.id = p.household_id AND h.deleted = 1)",
        {"day": ended_on}).rowcount
    left = db.conn.execute(
        f"UPDATE pairings AS p SET ended_on = :day, end_reason = 'member_left' "
        f"WHERE {ACTIVE} AND EXISTS (SELECT 1 FROM party_members m "
        f"  LEFT JOIN residents r ON r.id = m.resident_id "
        f"  WHERE m.id = p.member_id AND (m.deleted = 1 OR r.deleted = 1))",
        {"day": ended_on}).rowcount
    return gone + left


def stale_pairing_count(db: sqlite_utils.Database) -> int:
    """How many active pairings end_stale_pairings would end (a read, for the page)."""
    return db.conn.execute(
        f"SELECT count(*) FROM pairings p JOIN households h ON h.id = p.household_id "
        f"JOIN party_members m ON m.id = p.member_id "
        f"LEFT JOIN residents r ON r.id = m.resident_id "
        f"WHERE {ACTIVE} AND (h.deleted = 1 OR m.deleted = 1 OR r.deleted = 1)").fetchone()[0]


# --- households and coverage ------------------------------------------------------------------

def household_place(db: sqlite_utils.Database, household_id: str) -> Row | None:
    return _one(
        db,
        f"SELECT h.id, h.deleted, h.unit_id, b.id AS building_id, c.id AS compound_id, "
        f"c.grid_id, {ADDRESS_SQL} AS address FROM {HOUSEHOLD_JOIN} WHERE h.id = ?",
        (household_id,),
    )


def coverage_by_building(db: sqlite_utils.Database, communities: Collection[str] | None = None
                         ) -> list[Row]:
    """Live households and paired ones per building, with its compound and grid (at a
    district, of `communities` only; None: all).

    Counted per unit over the partial index of live households, each probing the partial
    index of active pairings (INDEXED BY: the planner otherwise takes pairings_household and
    reads every pairing row), both index-only, then summed per building: ~35 ms at 37,000
    households, cold."""
    if communities is not None and not communities:
        return []       # none chosen (an empty filter); "AND 0" leaves the index no plan
    per_unit = db.conn.execute(
        "SELECT h.unit_id, count(*), sum(EXISTS (SELECT 1 FROM pairings p "
        "  INDEXED BY pairings_active_household WHERE p.household_id = h.id "
        "  AND p.ended_on IS NULL AND p.deleted = 0)) "
        "FROM households h INDEXED BY households_live_unit WHERE h.deleted = 0"
        # unary +: the community is checked on the rows, the forced index still chosen
        f"{sql_in('+h.community_id', communities)[0]} "
        "GROUP BY h.unit_id", sql_in("h.community_id", communities)[1]).fetchall()
    places = {r[0]: r[1:] for r in db.conn.execute(
        "SELECT u.id, b.id, c.id, c.grid_id FROM units u "
        "JOIN buildings b ON b.id = u.building_id JOIN compounds c ON c.id = b.compound_id")}
    buildings: dict[str, Row] = {}
    for unit_id, households, paired in per_unit:
        building_id, compound_id, grid_id = places[unit_id]
        row = buildings.setdefault(building_id, {
            "grid_id": grid_id, "compound_id": compound_id, "building_id": building_id,
            "households": 0, "paired": 0})
        row["households"] += households
        row["paired"] += paired
    return list(buildings.values())


_UNPAIRED = (f"NOT EXISTS (SELECT 1 FROM pairings p WHERE p.household_id = h.id AND {ACTIVE})")


def unpaired_household_ids(db: sqlite_utils.Database, scope: str | None = None,
                           scope_id: str | None = None) -> list[str]:
    """Live households without a member, in address order (optionally in one scope)."""
    sql = f"SELECT h.id FROM {HOUSEHOLD_JOIN} WHERE h.deleted = 0 AND {_UNPAIRED}"
    params: list[Any] = []
    if scope:
        sql += f" AND {SCOPE_COLUMN[scope]} = ?"
        params.append(scope_id)
    return [r[0] for r in db.conn.execute(sql + f" ORDER BY {ADDRESS_ORDER}", params)]


def unpaired_households(db: sqlite_utils.Database) -> list[tuple]:
    """(id, unit, building, compound, grid, address) of every live unpaired household, in
    address order: what the suggestion works on."""
    return db.conn.execute(
        f"SELECT h.id, h.unit_id, b.id, c.id, c.grid_id, {ADDRESS_SQL} "
        f"FROM {HOUSEHOLD_JOIN} WHERE h.deleted = 0 AND {_UNPAIRED} ORDER BY {ADDRESS_ORDER}"
    ).fetchall()


def households_with_members(db: sqlite_utils.Database, scope: str | None = None,
                            scope_id: str | None = None,
                            communities: Collection[str] | None = None) -> list[Row]:
    """Every live household (in address order; at a district community by community, of the
    given community ids or all) with its head, phone, member: the ledger and the notice
    board read this."""
    sql = (
        f"SELECT h.id, h.community_id, h.door_number, h.phone, h.floor, u.name AS unit, "
        f"b.name AS building, "
        f"b.id AS building_id, c.name AS compound, c.id AS compound_id, g.name AS grid, "
        f"{ADDRESS_SQL} AS address, "
        f"hd.name AS head, hd.id_number AS head_id_number, hd.phone AS head_phone, "
        f"(SELECT count(*) FROM residents r WHERE r.household_id = h.id AND r.deleted = 0) "
        f"  AS people, "
        f"m.id AS member_id, m.name AS member_name, m.phone AS member_phone, "
        f"m.branch AS member_branch, p.started_on "
        f"FROM {HOUSEHOLD_JOIN} LEFT JOIN org_units g ON g.id = c.grid_id "
        f"LEFT JOIN residents hd ON hd.id = (SELECT r.id FROM residents r "
        f"  WHERE r.household_id = h.id AND r.deleted = 0 "
        f"  ORDER BY (r.relation = '户主') DESC, r.birth_date LIMIT 1) "
        f"LEFT JOIN pairings p ON p.household_id = h.id AND {ACTIVE} "
        f"LEFT JOIN party_members m ON m.id = p.member_id "
        f"WHERE h.deleted = 0"
    )
    in_scope, params = sql_in("h.community_id", communities)
    sql += in_scope
    if scope:
        sql += f" AND {SCOPE_COLUMN[scope]} = ?"
        params.append(scope_id)
    return _rows(db, sql + " ORDER BY (SELECT o.code FROM org_units o "
                           f"WHERE o.id = h.community_id), {ADDRESS_ORDER}", params)


# --- spot checks ------------------------------------------------------------------------------

def spot_check_population(db: sqlite_utils.Database) -> list[tuple[str, str, str]]:
    """(grid id, household id, member id) of every live paired household, by grid and id:
    the order a draw is made in, independent of how SQLite happens to scan."""
    return db.conn.execute(
        f"SELECT c.grid_id, h.id, p.member_id FROM pairings p "
        f"{_households_of('p')}"
        f"WHERE {ACTIVE} AND h.deleted = 0 ORDER BY c.grid_id, h.id"
    ).fetchall()


def spot_checks(db: sqlite_utils.Database) -> list[Row]:
    return _rows(
        db,
        "SELECT s.*, (SELECT count(*) FROM spot_check_items i WHERE i.check_id = s.id "
        "  AND i.deleted = 0) AS drawn, "
        "(SELECT count(*) FROM spot_check_items i WHERE i.check_id = s.id AND i.deleted = 0 "
        "  AND i.result IS NOT NULL) AS checked "
        "FROM spot_checks s WHERE s.deleted = 0 ORDER BY s.drawn_on DESC, s.id DESC",
    )


def spot_check_items(db: sqlite_utils.Database, check_id: str | None = None, *,
                     not_knowing_only: bool = False) -> list[Row]:
    """Items of one check (or of all), with address, grid name and member, in draw order."""
    where = ["i.deleted = 0"]
    params: list[Any] = []
    if check_id:
        where.append("i.check_id = ?")
        params.append(check_id)
    if not_knowing_only:
        where.append("i.knows_member = 0")
    return _rows(
        db,
        f"SELECT i.*, s.drawn_on, s.seed, {ADDRESS_SQL} AS address, h.phone AS household_phone, "
        f"g.name AS grid_name, m.name AS member_name, m.phone AS member_phone "
        f"FROM spot_check_items i JOIN spot_checks s ON s.id = i.check_id "
        f"{_households_of('i')}"
        f"LEFT JOIN org_units g ON g.id = i.grid_id "
        f"LEFT JOIN party_members m ON m.id = i.member_id "
        f"WHERE {' AND '.join(where)} "
        f"ORDER BY s.drawn_on DESC, s.id DESC, i.position",
        params,
    )


# --- contact log ------------------------------------------------------------------------------

def contacts_for_household(db: sqlite_utils.Database, household_id: str) -> list[Row]:
    return _rows(
        db,
        "SELECT k.*, m.name AS member_name FROM member_contacts k "
        "LEFT JOIN party_members m ON m.id = k.member_id "
        "WHERE k.household_id = ? AND k.deleted = 0 ORDER BY k.contact_on DESC, k.id DESC",
        (household_id,),
    )


def contacts_of_member(db: sqlite_utils.Database, member_id: str) -> list[Row]:
    return _rows(
        db,
        f"SELECT k.*, {ADDRESS_SQL} AS address FROM member_contacts k "
        f"{_households_of('k')}"
        f"WHERE k.member_id = ? AND k.deleted = 0 ORDER BY k.contact_on DESC, k.id DESC",
        (member_id,),
    )
