"""What the building view reads: a building's units and households with their people, open
isolation cases and current pairings, in a few queries for the whole building."""

from __future__ import annotations

from typing import Any

import sqlite_utils


def _dicts(cur) -> list[dict[str, Any]]:
    names = [d[0] for d in cur.description]
    return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]


def building(db: sqlite_utils.Database, building_id: str) -> dict[str, Any] | None:
    rows = _dicts(db.conn.execute(
        "SELECT b.*, c.name AS compound, c.grid_id FROM buildings b "
        "JOIN compounds c ON c.id = b.compound_id WHERE b.id = ?", (building_id,)))
    return rows[0] if rows else None


def units(db: sqlite_utils.Database, building_id: str) -> list[dict[str, Any]]:
    return _dicts(db.conn.execute(
        "SELECT id, name FROM units WHERE building_id = ? AND deleted = 0 "
        "ORDER BY sort_order, name", (building_id,)))


def households(db: sqlite_utils.Database, building_id: str) -> list[dict[str, Any]]:
    return _dicts(db.conn.execute(
        "SELECT h.id, h.unit_id, h.door_number, h.floor, h.dwelling, h.tags FROM households h "
        "JOIN units u ON u.id = h.unit_id WHERE u.building_id = ? AND u.deleted = 0 "
        "AND h.deleted = 0", (building_id,)))


def residents(db: sqlite_utils.Database, building_id: str) -> list[dict[str, Any]]:
    return _dicts(db.conn.execute(
        "SELECT r.id, r.household_id, r.name, r.relation, r.birth_date FROM residents r "
        "JOIN households h ON h.id = r.household_id JOIN units u ON u.id = h.unit_id "
        "WHERE u.building_id = ? AND u.deleted = 0 AND h.deleted = 0 AND r.deleted = 0 "
        "ORDER BY (r.relation = '户主') DESC, r.birth_date", (building_id,)))


def open_cases(db: sqlite_utils.Database, building_id: str) -> list[dict[str, Any]]:
    """Open cases (planned or active) of people of the building or isolated in it."""
    return _dicts(db.conn.execute(
        "SELECT c.id, c.kind, c.status, c.started_on, c.planned_end, "
        "COALESCE(c.household_id, r.household_id) AS household_id "
        "FROM isolation_cases c JOIN residents r ON r.id = c.resident_id "
        "JOIN households h ON h.id = COALESCE(c.household_id, r.household_id) "
        "JOIN units u ON u.id = h.unit_id "
        "WHERE u.building_id = ? AND c.deleted = 0 AND c.status IN ('planned', 'active')",
        (building_id,)))


def paired(db: sqlite_utils.Database, building_id: str) -> set[str]:
    return {r[0] for r in db.conn.execute(
        "SELECT p.household_id FROM pairings p JOIN households h ON h.id = p.household_id "
        "JOIN units u ON u.id = h.unit_id WHERE u.building_id = ? "
        "AND p.ended_on IS NULL AND p.deleted = 0", (building_id,))}


def biggest(db: sqlite_utils.Database) -> str | None:
    """The building with the most live households (for the benchmark and the demo)."""
    row = db.conn.execute(
        "SELECT u.building_id FROM households h JOIN units u ON u.id = h.unit_id "
        "WHERE h.deleted = 0 GROUP BY u.building_id ORDER BY count(*) DESC LIMIT 1").fetchone()
    return row[0] if row else None


def named(db: sqlite_utils.Database) -> list[tuple[str, str, str]]:
    """(id, compound name, building name) of every live building."""
    return db.conn.execute(
        "SELECT b.id, c.name, b.name FROM buildings b JOIN compounds c ON c.id = b.compound_id "
        "WHERE b.deleted = 0 AND c.deleted = 0 ORDER BY c.sort_order, c.name, b.sort_order, "
        "CAST(b.name AS INTEGER), b.name").fetchall()


def node_name(db: sqlite_utils.Database, kind: str, node_id: str) -> str | None:
    """A grid's, compound's or building's name (a building with its compound's)."""
    sql = {"grid": "SELECT name FROM org_units WHERE id = ?",
           "compound": "SELECT name FROM compounds WHERE id = ?",
           "building": "SELECT c.name || ' ' || b.name FROM buildings b JOIN compounds c "
                       "ON c.id = b.compound_id WHERE b.id = ?"}[kind]
    row = db.conn.execute(sql, (node_id,)).fetchone()
    return row[0] if row else None


_PLACE = ("(SELECT name FROM org_units WHERE id = c.grid_id) AS grid, c.name AS compound, "
          "b.name AS building, u.name AS unit, h.door_number")
_NODE = {"grid": "c.grid_id", "compound": "c.id", "building": "b.id"}
_ORDER = ("c.sort_order, c.name, b.sort_order, CAST(b.name AS INTEGER), b.name, u.sort_order, "
          "u.name, h.floor, CAST(h.door_number AS INTEGER), h.door_number")
_UP = ("JOIN units u ON u.id = h.unit_id JOIN buildings b ON b.id = u.building_id "
       "JOIN compounds c ON c.id = b.compound_id")
_JOIN = f"households h {_UP}"


def node_residents(db: sqlite_utils.Database, kind: str, node_id: str) -> list[dict[str, Any]]:
    return _dicts(db.conn.execute(
        f"SELECT r.*, {_PLACE}, h.dwelling, h.tags AS household_tags FROM residents r "
        f"JOIN households h ON h.id = r.household_id {_UP} WHERE {_NODE[kind]} = ? "
        "AND r.deleted = 0 "
        f"AND h.deleted = 0 ORDER BY {_ORDER}, (r.relation = '户主') DESC, r.birth_date",
        (node_id,)))


def node_households(db: sqlite_utils.Database, kind: str, node_id: str) -> list[dict[str, Any]]:
    return _dicts(db.conn.execute(
        f"SELECT h.*, {_PLACE}, (SELECT count(*) FROM residents r WHERE r.household_id = h.id "
        "AND r.deleted = 0) AS members, (SELECT r.name FROM residents r WHERE r.household_id = "
        "h.id AND r.deleted = 0 ORDER BY (r.relation = '户主') DESC, r.birth_date LIMIT 1) "
        "AS head, (SELECT m.name FROM pairings p JOIN party_members m ON m.id = p.member_id "
        "WHERE p.household_id = h.id AND p.ended_on IS NULL AND p.deleted = 0 LIMIT 1) AS member, "
        "(SELECT m.phone FROM pairings p JOIN party_members m ON m.id = p.member_id "
        "WHERE p.household_id = h.id AND p.ended_on IS NULL AND p.deleted = 0 LIMIT 1) "
        f"AS member_phone FROM {_JOIN} WHERE {_NODE[kind]} = ? AND h.deleted = 0 "
        f"ORDER BY {_ORDER}", (node_id,)))


def node_cases(db: sqlite_utils.Database, kind: str, node_id: str) -> list[dict[str, Any]]:
    return _dicts(db.conn.execute(
        f"SELECT k.*, r.name, r.id_number, {_PLACE} FROM isolation_cases k "
        "JOIN residents r ON r.id = k.resident_id "
        f"JOIN households h ON h.id = COALESCE(k.household_id, r.household_id) {_UP} "
        f"WHERE {_NODE[kind]} = ? AND k.deleted = 0 ORDER BY k.started_on DESC", (node_id,)))
