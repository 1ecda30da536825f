"""Bulk reads for ledger import and export: every place and resident of the community at once,
so checking a 20,000-row ledger costs a handful of queries instead of one per row."""

from __future__ import annotations

from collections.abc import Collection, Iterator
from typing import Any

import sqlite_utils

from db.community_scope import sql_in

Row = dict[str, Any]

# Address order, as the household list shows it.
ADDRESS_ORDER = ("c.sort_order, c.name, b.sort_order, CAST(b.name AS INTEGER), b.name, "
                 "u.sort_order, u.name, h.floor, CAST(h.door_number AS INTEGER), h.door_number")
# At a district, community by community first (one community's database: no change).
COMMUNITY_ORDER = "(SELECT o.code FROM org_units o WHERE o.id = r.community_id), "


def _rows(db: sqlite_utils.Database, sql: str, params: tuple = ()) -> list[Row]:
    cur = db.conn.execute(sql, params)
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]


def grids(db: sqlite_utils.Database) -> list[Row]:
    return _rows(db, "SELECT id, name, code FROM org_units WHERE level = 'grid' AND deleted = 0 "
                     "ORDER BY sort_order, code")


def all_grid_codes(db: sqlite_utils.Database) -> set[str]:
    """Codes of every grid, deleted ones too (a new grid must not reuse a code)."""
    return {r[0] for r in db.conn.execute("SELECT code FROM org_units WHERE level = 'grid'")}


def compounds(db: sqlite_utils.Database) -> list[Row]:
    return _rows(db, "SELECT id, name, grid_id FROM compounds WHERE deleted = 0 "
                     "ORDER BY sort_order, name")


def buildings(db: sqlite_utils.Database) -> list[Row]:
    return _rows(db, "SELECT id, compound_id, name FROM buildings WHERE deleted = 0")


def units(db: sqlite_utils.Database) -> list[Row]:
    return _rows(db, "SELECT id, building_id, name FROM units WHERE deleted = 0")


def households(db: sqlite_utils.Database) -> list[Row]:
    return _rows(db, "SELECT id, unit_id, door_number, phone, dwelling, tags FROM households "
                     "WHERE deleted = 0")


def residents(db: sqlite_utils.Database, owner: str) -> list[Row]:
    """Every live resident of the community, with the columns an import may compare."""
    return _rows(db, "SELECT id, household_id, name, sex, id_kind, id_number, birth_date, phone, "
                     "relation, residency, ethnicity, tags, note FROM residents "
                     "WHERE community_id = ? AND deleted = 0", (owner,))


def party_resident_ids(db: sqlite_utils.Database) -> set[str]:
    """Residents who are live Party members."""
    return {r[0] for r in db.conn.execute(
        "SELECT resident_id FROM party_members WHERE deleted = 0 AND resident_id IS NOT NULL")}


def resident_ledger(db: sqlite_utils.Database,
                    communities: Collection[str] | None = None) -> Iterator[Row]:
    """Every live resident with the address parts, grid and Party membership, in address
    order and the head of each household first (at a district: of the given communities,
    None for all, community by community). Streams: rows are read as they are used."""
    scope, params = sql_in("r.community_id", communities)
    cur = db.conn.execute(
        "SELECT r.community_id, g.name AS grid, c.name AS compound, b.name AS building, "
        "u.name AS unit, "
        "h.door_number, h.phone AS household_phone, h.dwelling, h.tags AS household_tags, "
        "r.name, r.sex, r.id_kind, r.id_number, r.birth_date, r.phone, r.relation, "
        "r.residency, r.ethnicity, r.tags, r.note, "
        "EXISTS (SELECT 1 FROM party_members p WHERE p.resident_id = r.id AND p.deleted = 0) "
        "  AS party "
        "FROM residents r JOIN households h ON h.id = r.household_id "
        "JOIN units u ON u.id = h.unit_id JOIN buildings b ON b.id = u.building_id "
        "JOIN compounds c ON c.id = b.compound_id LEFT JOIN org_units g ON g.id = c.grid_id "
        f"WHERE r.deleted = 0 AND h.deleted = 0{scope} ORDER BY {COMMUNITY_ORDER}"
        f"{ADDRESS_ORDER}, (r.relation = '户主') DESC, r.birth_date, r.name", params)
    names = [d[0] for d in cur.description]
    for r in cur:
        yield dict(zip(names, r, strict=True))


def household_ledger(db: sqlite_utils.Database,
                     communities: Collection[str] | None = None) -> Iterator[Row]:
    """Every live household with its head (户主 first, else the eldest) and member count (at
    a district: of the given communities, None for all)."""
    scope, params = sql_in("h.community_id", communities)
    cur = db.conn.execute(
        "SELECT h.community_id, g.name AS grid, c.name AS compound, b.name AS building, "
        "u.name AS unit, "
        "h.door_number, h.phone, h.dwelling, h.tags, h.note, "
        "(SELECT count(*) FROM residents r WHERE r.household_id = h.id AND r.deleted = 0) "
        "  AS members, "
        "(SELECT r.name || char(9) || COALESCE(r.id_number, '') FROM residents r "
        "  WHERE r.household_id = h.id AND r.deleted = 0 "
        "  ORDER BY (r.relation = '户主') DESC, r.birth_date LIMIT 1) AS head "
        "FROM households h JOIN units u ON u.id = h.unit_id "
        "JOIN buildings b ON b.id = u.building_id JOIN compounds c ON c.id = b.compound_id "
        "LEFT JOIN org_units g ON g.id = c.grid_id "
        f"WHERE h.deleted = 0{scope} ORDER BY {COMMUNITY_ORDER.replace('r.', 'h.')}"
        f"{ADDRESS_ORDER}", params)
    names = [d[0] for d in cur.description]
    for r in cur:
        yield dict(zip(names, r, strict=True))


def count_live(db: sqlite_utils.Database, table: str) -> int:
    return db.conn.execute(f"SELECT count(*) FROM [{table}] WHERE deleted = 0").fetchone()[0]
