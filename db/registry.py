"""Registry queries and writes: org units, compounds, buildings, units, households, residents,
Party members. Plain values in and out; SQL stays visible."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import Any

import sqlite_utils

from db import district as district_levels
from db import rows as generic
from db.node import get_meta
from db.rows import one as _one
from db.rows import rows as _rows

Row = dict[str, Any]

# Columns a caller may write, per table (id, community_id and deleted are ours).
WRITABLE: dict[str, tuple[str, ...]] = {
    "org_units": ("parent_id", "level", "code", "name", "sort_order"),
    "staff": ("org_unit_id", "name", "role", "phone", "note"),
    "compounds": ("grid_id", "name", "management_kind", "address", "sort_order"),
    "buildings": ("compound_id", "name", "floors", "chief_id", "sort_order"),
    "units": ("building_id", "name", "sort_order"),
    "households": ("unit_id", "door_number", "floor", "phone", "tags", "dwelling", "note"),
    "residents": ("household_id", "name", "sex", "id_kind", "id_number", "birth_date", "phone",
                  "relation", "residency", "ethnicity", "tags", "note"),
    "party_members": ("resident_id", "name", "kind", "branch", "phone", "note"),
    # 党员联户 (db/pairing.py reads them)
    "pairings": ("household_id", "member_id", "started_on", "start_reason", "ended_on",
                 "end_reason", "note"),
    "spot_checks": ("drawn_on", "seed", "per_grid", "population", "digest", "note"),
    "spot_check_items": ("check_id", "position", "grid_id", "household_id", "member_id",
                         "method", "checked_on", "knows_member", "member_did", "result",
                         "note"),
    "member_contacts": ("household_id", "member_id", "contact_on", "kind", "note"),
    # 居家隔离 (db/isolation.py reads them)
    "isolation_cases": ("resident_id", "household_id", "kind", "reason", "origin", "arrived_on",
                        "started_on", "planned_end", "status", "status_on", "status_reason",
                        "status_by", "released_on", "release_basis", "transfer_to",
                        "grid_worker_id", "police_id", "doctor_id", "door_measure", "phone",
                        "note", "created_on"),
    "case_events": ("case_id", "at", "kind", "old_value", "new_value", "reason", "by_name"),
    "case_checks": ("case_id", "check_on", "slot", "temperature", "symptoms", "method",
                    "checked_by", "checked_at", "flagged", "doctor_seen", "note"),
    "case_tests": ("case_id", "test_on", "result", "note"),
    "case_forms": ("case_id", "form", "serial", "issued_at", "sha256"),
    "print_log": ("case_id", "form", "serial", "printed_at", "printed_by", "copies", "reprint",
                  "target"),
}

# "幸福里小区 3号楼2单元501": how a household's address reads everywhere.
ADDRESS_SQL = "c.name || ' ' || b.name || u.name || h.door_number"
# The same chain for rows that may have no household (residents, Party members).
HOUSEHOLD_OF_RESIDENT = (
    "LEFT JOIN households h ON h.id = r.household_id LEFT JOIN units u ON u.id = h.unit_id "
    "LEFT JOIN buildings b ON b.id = u.building_id LEFT JOIN compounds c ON c.id = b.compound_id"
)
HOUSEHOLD_JOIN = (
    "households h JOIN units u ON u.id = h.unit_id "
    "JOIN buildings b ON b.id = u.building_id JOIN compounds c ON c.id = b.compound_id"
)


# --- writes -------------------------------------------------------------------------------

def community_id(db: sqlite_utils.Database) -> str | None:
    return get_meta(db, "community_id")


def insert(db: sqlite_utils.Database, table: str, values: dict[str, Any],
           *, row_id: str | None = None, owner: str | None = None) -> str:
    """Insert one row of a synced table; returns its new UUIDv7."""
    return generic.insert(db, table, WRITABLE[table], values, owner=owner, row_id=row_id)


def insert_many(db: sqlite_utils.Database, table: str, rows: Iterable[dict[str, Any]],
                owner: str) -> None:
    """Bulk insert (each row carries its own id), for demo data and imports."""
    generic.insert_many(db, table, WRITABLE[table], rows, owner)


def update(db: sqlite_utils.Database, table: str, row_id: str, values: dict[str, Any]) -> None:
    generic.update(db, table, WRITABLE[table], row_id, values)


soft_delete = generic.soft_delete
get = generic.get


# --- the tree of grid › compound › building › unit -----------------------------------------

def org_units(db: sqlite_utils.Database, level: str | None = None) -> list[Row]:
    sql = "SELECT * FROM org_units WHERE deleted = 0"
    params: list[Any] = []
    if level:
        sql += " AND level = ?"
        params.append(level)
    return _rows(db, sql + " ORDER BY sort_order, code", params)


def tree_nodes(db: sqlite_utils.Database) -> dict[str, list[Row]]:
    """Everything the navigation tree shows, with household counts per unit."""
    return {
        "grids": org_units(db, "grid"),
        "compounds": _rows(db, "SELECT * FROM compounds WHERE deleted = 0 "
                               "ORDER BY sort_order, name"),
        "buildings": _rows(db, "SELECT * FROM buildings WHERE deleted = 0 "
                               "ORDER BY sort_order, CAST(name AS INTEGER), name"),
        "units": _rows(
            db,
            "SELECT u.*, (SELECT count(*) FROM households h "
            "             WHERE h.unit_id = u.id AND h.deleted = 0) AS households "
            "FROM units u WHERE u.deleted = 0 ORDER BY u.sort_order, u.name",
        ),
    }


SCOPE_COLUMN = {"grid": "c.grid_id", "compound": "c.id", "building": "b.id", "unit": "u.id",
                # at a district: a community, a street ("" for 未分街道, see db/district.py)
                "community": "c.community_id",
                "street": "coalesce((SELECT s.id FROM org_units k JOIN org_units s ON s.id = "
                          f"{district_levels.STREET_OF.format(c='k')} AND s.deleted = 0 "
                          "WHERE k.id = c.community_id), '')"}


def household_ids(db: sqlite_utils.Database, scope: str | None = None,
                  scope_id: str | None = None) -> list[str]:
    """Ids of the live households in a grid/compound/building/unit, in address order."""
    sql = f"SELECT h.id FROM {HOUSEHOLD_JOIN} WHERE h.deleted = 0"
    params: list[Any] = []
    if scope:
        sql += f" AND {SCOPE_COLUMN[scope]} = ?"
        params.append(scope_id)
    sql += (" ORDER BY c.sort_order, c.name, b.sort_order, CAST(b.name AS INTEGER), b.name,"
            " u.sort_order, u.name, h.floor, CAST(h.door_number AS INTEGER), h.door_number")
    return [r[0] for r in db.conn.execute(sql, params)]


def household_rows(db: sqlite_utils.Database, ids: Sequence[str]) -> list[Row]:
    """Display rows for the given households (any order in, same order out)."""
    if not ids:
        return []
    marks = ",".join("?" * len(ids))
    rows = _rows(
        db,
        f"SELECT h.*, {ADDRESS_SQL} AS address, c.name AS compound, b.name AS building, "
        f"u.name AS unit, "
        f"(SELECT count(*) FROM residents r WHERE r.household_id = h.id AND r.deleted = 0) "
        f"  AS members, "
        f"(SELECT r.name FROM residents r WHERE r.household_id = h.id AND r.deleted = 0 "
        f"   ORDER BY (r.relation = '户主') DESC, r.birth_date LIMIT 1) AS head "
        f"FROM {HOUSEHOLD_JOIN} WHERE h.id IN ({marks})",
        list(ids),
    )
    by_id = {r["id"]: r for r in rows}
    return [by_id[i] for i in ids if i in by_id]


def household_address(db: sqlite_utils.Database, household_id: str) -> str | None:
    row = db.conn.execute(f"SELECT {ADDRESS_SQL} FROM {HOUSEHOLD_JOIN} WHERE h.id = ?",
                          (household_id,)).fetchone()
    return row[0] if row else None


def household_grid(db: sqlite_utils.Database, household_id: str) -> str | None:
    """The grid a household belongs to (through its compound)."""
    row = db.conn.execute(f"SELECT c.grid_id FROM {HOUSEHOLD_JOIN} WHERE h.id = ?",
                          (household_id,)).fetchone()
    return row[0] if row else None


def household_by_door(db: sqlite_utils.Database, unit_id: str, door_number: str,
                      exclude_id: str | None = None) -> Row | None:
    return _one(
        db,
        "SELECT * FROM households WHERE unit_id = ? AND door_number = ? AND deleted = 0 "
        "AND id IS NOT ?",
        (unit_id, door_number, exclude_id),
    )


def residents_of_household(db: sqlite_utils.Database, household_id: str) -> list[Row]:
    return _rows(
        db,
        "SELECT * FROM residents WHERE household_id = ? AND deleted = 0 "
        "ORDER BY (relation = '户主') DESC, birth_date",
        (household_id,),
    )


def resident_by_id_number(db: sqlite_utils.Database, owner: str, id_number: str,
                          exclude_id: str | None = None) -> Row | None:
    return _one(
        db,
        f"SELECT r.*, {ADDRESS_SQL} AS address FROM residents r "
        f"{HOUSEHOLD_OF_RESIDENT} "
        "WHERE r.community_id = ? AND r.id_number = ? AND r.deleted = 0 AND r.id IS NOT ?",
        (owner, id_number, exclude_id),
    )


# --- search ---------------------------------------------------------------------------------

def glob_contains(text: str) -> str:
    """A GLOB pattern matching `text` anywhere, its wildcards taken literally.
    GLOB is LIKE without case folding: the keys are lowercase already, and it scans faster."""
    escaped = "".join(f"[{ch}]" if ch in "*?[" else ch for ch in text)
    return f"*{escaped}*"


# Best first, each tier in pinyin order; a tier only adds residents not already found.
_NAME_PREFIX = ("SELECT resident_id FROM resident_search WHERE name >= :q AND name < :hi "
                "ORDER BY name <> :q, reading LIMIT :n")
_READING_PREFIX = ("SELECT resident_id FROM resident_search WHERE reading >= :q "
                   "AND reading < :hi ORDER BY reading LIMIT :n")
_INITIALS_PREFIX = ("SELECT resident_id FROM resident_search WHERE initials >= :q "
                    "AND initials < :hi ORDER BY initials, reading LIMIT :n")
# CROSS JOIN keeps the few matching households as the outer loop.
_ADDRESS = ("SELECT s.resident_id FROM household_search hs "
            "CROSS JOIN resident_search s ON s.household_id = hs.household_id "
            "WHERE hs.key GLOB :a ORDER BY hs.key LIMIT :n")
# The table is in reading order: the scan stops as soon as it has :n hits.
_ANYWHERE = "SELECT resident_id FROM resident_search WHERE key GLOB :p ORDER BY reading LIMIT :n"
# Chinese characters only occur in the name: the name index is a third of the table to scan.
_NAME_ANYWHERE = (
    "SELECT resident_id FROM (SELECT resident_id, reading FROM resident_search "
    "INDEXED BY resident_search_name WHERE name GLOB :p) ORDER BY reading LIMIT :n")


# A run of digits: the trigram index lists every resident holding it, in pinyin order.
_DIGITS = ("SELECT s.resident_id FROM resident_digits d "
           "CROSS JOIN resident_numbers m ON m.n = d.rowid "
           "CROSS JOIN resident_search s ON s.resident_id = m.resident_id "
           "WHERE resident_digits MATCH :fts ORDER BY s.reading LIMIT :n")


def _digits_are_selective(db: sqlite_utils.Database, params: dict) -> bool:
    """Whether a run of digits is rare enough to list all its holders (a 4-digit run such as
    4101, in most ID numbers, is not: then the pinyin-ordered scan stops early instead)."""
    count = db.conn.execute(
        "SELECT count(*) FROM (SELECT 1 FROM resident_digits WHERE resident_digits MATCH :fts "
        "LIMIT :n)", params).fetchone()[0]
    return count < params["n"]


def search_resident_ids(db: sqlite_utils.Database, query: str, address: str | None = None,
                        *, people: bool = True, places: bool = True,
                        limit: int = 2000) -> list[str]:
    """Live residents whose search key (name, pinyin, initials, ID, phone) contains `query`
    or whose household's address key contains `address`, best matches first: names
    starting with the query (the exact name first), usual pinyin or initials starting
    with it, addresses containing it, then any other reading, ID number or phone."""
    tiers = []
    if people and not query.isdigit():
        tiers += [_NAME_PREFIX, _READING_PREFIX, _INITIALS_PREFIX]
    if places:
        tiers.append(_ADDRESS)
    if people:
        tiers.append(_ANYWHERE if query.isascii() else _NAME_ANYWHERE)
    params = {"q": query, "hi": query + "\U0010ffff", "p": glob_contains(query),
              "a": glob_contains(address or query), "n": limit,
              "fts": '"' + query.replace('"', '""') + '"'}
    if people and tiers and tiers[-1] is _ANYWHERE and query.isdigit() and len(query) >= 3 \
            and _digits_are_selective(db, params):
        tiers[-1] = _DIGITS
    found: dict[str, None] = {}
    for sql in tiers:
        for (resident_id,) in db.conn.execute(sql, params):
            found.setdefault(resident_id)
            if len(found) >= limit:
                return list(found)
    return list(found)


def resident_rows(db: sqlite_utils.Database, ids: Sequence[str]) -> list[Row]:
    if not ids:
        return []
    marks = ",".join("?" * len(ids))
    rows = _rows(
        db,
        f"SELECT r.*, {ADDRESS_SQL} AS address, h.door_number FROM residents r "
        f"{HOUSEHOLD_OF_RESIDENT} WHERE r.id IN ({marks})",
        list(ids),
    )
    by_id = {r["id"]: r for r in rows}
    return [by_id[i] for i in ids if i in by_id]


# --- Party members and staff ------------------------------------------------------------------

def party_members(db: sqlite_utils.Database) -> list[Row]:
    return _rows(
        db,
        f"SELECT p.*, {ADDRESS_SQL} AS address FROM party_members p "
        f"LEFT JOIN residents r ON r.id = p.resident_id "
        f"{HOUSEHOLD_OF_RESIDENT} "
        "WHERE p.deleted = 0 ORDER BY p.name",
    )


def party_member_of_resident(db: sqlite_utils.Database, resident_id: str) -> Row | None:
    return _one(db, "SELECT * FROM party_members WHERE resident_id = ? AND deleted = 0",
                (resident_id,))


def staff(db: sqlite_utils.Database, role: str | None = None) -> list[Row]:
    sql, params = "SELECT * FROM staff WHERE deleted = 0", []
    if role:
        sql += " AND role = ?"
        params.append(role)
    return _rows(db, sql + " ORDER BY role, name", params)


def counts(db: sqlite_utils.Database) -> dict[str, int]:
    """Live row counts for the overview."""
    q = {
        "grids": "SELECT count(*) FROM org_units WHERE level = 'grid' AND deleted = 0",
        "compounds": "SELECT count(*) FROM compounds WHERE deleted = 0",
        "buildings": "SELECT count(*) FROM buildings WHERE deleted = 0",
        "households": "SELECT count(*) FROM households WHERE deleted = 0",
        "residents": "SELECT count(*) FROM residents WHERE deleted = 0",
        "party_members": "SELECT count(*) FROM party_members WHERE deleted = 0",
        "staff": "SELECT count(*) FROM staff WHERE deleted = 0",
    }
    return {k: db.conn.execute(sql).fetchone()[0] for k, sql in q.items()}


def resident_profile(db: sqlite_utils.Database, today: str) -> dict[str, int]:
    """Residents aged 60+ and 80+ on `today` (ISO date), and by residency kind."""
    row = db.conn.execute(
        "SELECT sum(birth_date <= date(:t, '-60 years')), sum(birth_date <= date(:t, '-80 years')),"
        " sum(residency = 'registered'), sum(residency = 'resident'), sum(residency = 'floating')"
        " FROM residents WHERE deleted = 0", {"t": today}).fetchone()
    keys = ("aged_60", "aged_80", "registered", "resident", "floating")
    return {k: v or 0 for k, v in zip(keys, row, strict=True)}


def tag_counts(db: sqlite_utils.Database, table: str, tags: Sequence[str]) -> dict[str, int]:
    return {
        t: db.conn.execute(
            f"SELECT count(*) FROM [{table}] WHERE deleted = 0 AND (' ' || tags || ' ') LIKE ?",
            (f"% {t} %",),
        ).fetchone()[0]
        for t in tags
    }



# How a row is named to people (the audit trail), per table: SQL giving (id, label) for the
# ids in the JSON array ?1, deleted rows included.
_CASE_PERSON = ("SELECT k.id, r.name FROM isolation_cases k JOIN residents r "
                "ON r.id = k.resident_id WHERE k.id IN (SELECT value FROM json_each(?1))")
_OF_CASE = ("SELECT x.id, r.name FROM {tbl} x JOIN isolation_cases k ON k.id = x.case_id "
            "JOIN residents r ON r.id = k.resident_id "
            "WHERE x.id IN (SELECT value FROM json_each(?1))")
_NAMED = "SELECT id, name FROM {tbl} WHERE id IN (SELECT value FROM json_each(?1))"
ROW_LABEL_SQL = {
    "residents": _NAMED, "party_members": _NAMED, "staff": _NAMED, "org_units": _NAMED,
    "compounds": _NAMED,
    "buildings": "SELECT b.id, c.name || ' ' || b.name FROM buildings b JOIN compounds c "
                 "ON c.id = b.compound_id WHERE b.id IN (SELECT value FROM json_each(?1))",
    "units": "SELECT u.id, c.name || ' ' || b.name || u.name FROM units u JOIN buildings b "
             "ON b.id = u.building_id JOIN compounds c ON c.id = b.compound_id "
             "WHERE u.id IN (SELECT value FROM json_each(?1))",
    "households": f"SELECT h.id, {ADDRESS_SQL} FROM {HOUSEHOLD_JOIN} "
                  "WHERE h.id IN (SELECT value FROM json_each(?1))",
    "pairings": f"SELECT p.id, m.name || ' — ' || {ADDRESS_SQL} FROM pairings p "
                "JOIN party_members m ON m.id = p.member_id "
                "JOIN households h ON h.id = p.household_id JOIN units u ON u.id = h.unit_id "
                "JOIN buildings b ON b.id = u.building_id JOIN compounds c ON c.id = b.compound_id "
                "WHERE p.id IN (SELECT value FROM json_each(?1))",
    "member_contacts": "SELECT x.id, m.name FROM member_contacts x JOIN party_members m "
                       "ON m.id = x.member_id WHERE x.id IN (SELECT value FROM json_each(?1))",
    "accounts": "SELECT CAST(id AS TEXT), display_name FROM accounts "
                "WHERE CAST(id AS TEXT) IN (SELECT value FROM json_each(?1))",
    "isolation_cases": _CASE_PERSON,
    "case_events": _OF_CASE, "case_checks": _OF_CASE, "case_tests": _OF_CASE,
    "case_forms": _OF_CASE, "print_log": _OF_CASE,
}


def row_labels(db: sqlite_utils.Database, ids_by_table: dict[str, Iterable[str]]
               ) -> dict[tuple[str, str], str]:
    """{(table, id): what people call the row}: a name, an address, the person of a case.
    Tables without a name and ids not found are left out."""
    labels: dict[tuple[str, str], str] = {}
    for tbl, ids in ids_by_table.items():
        sql = ROW_LABEL_SQL.get(tbl)
        wanted = sorted(set(ids))
        if sql is None or not wanted:
            continue
        for row_id, label in db.conn.execute(sql.format(tbl=tbl), (json.dumps(wanted),)):
            if label:
                labels[(tbl, row_id)] = label
    return labels
