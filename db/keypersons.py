"""Key-person lists in SQLite: the lists, their people, the communities' results; what the
district's progress table, the community's page and the result ledger read."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Any

import orjson
import sqlite_utils

from db.ids import uuid7

# The owner of a person matched to no community, or to two: no peer receives its rows.
UNASSIGNED = "keypersons-unassigned"

# The newest result of a person (a new result is a new row; the earlier ones stay).
LATEST_RESULT = ("(SELECT r.id FROM keyperson_results r WHERE r.person_id = p.id "
                 "AND r.deleted = 0 ORDER BY r.recorded_at DESC, r.id DESC LIMIT 1)")


def _dicts(cur: Any) -> list[dict[str, Any]]:
    names = [d[0] for d in cur.description]
    return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]


def _json(values: Collection[str]) -> str:
    return orjson.dumps(list(values)).decode()


def has_tables(db: sqlite_utils.Database) -> bool:
    return db.conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' "
                           "AND name = 'keyperson_results'").fetchone() is not None


# --- lists -----------------------------------------------------------------------------------

def list_by_title(db: sqlite_utils.Database, title: str) -> dict[str, Any] | None:
    rows = _dicts(db.conn.execute(
        "SELECT * FROM keyperson_lists WHERE title = ? AND deleted = 0 ORDER BY imported_at",
        (title,)))
    return rows[0] if rows else None


def get_list(db: sqlite_utils.Database, list_id: str) -> dict[str, Any] | None:
    rows = _dicts(db.conn.execute("SELECT * FROM keyperson_lists WHERE id = ?", (list_id,)))
    return rows[0] if rows else None


def lists(db: sqlite_utils.Database) -> list[dict[str, Any]]:
    """Every live list, newest first."""
    return _dicts(db.conn.execute(
        "SELECT * FROM keyperson_lists WHERE deleted = 0 ORDER BY imported_at DESC, id DESC"))


def insert_list(db: sqlite_utils.Database, owner: str, values: dict[str, Any]) -> str:
    row_id = uuid7()
    cols = list(values)
    db.conn.execute(
        f"INSERT INTO keyperson_lists (id, community_id, {', '.join(cols)}) "
        f"VALUES (?, ?, {', '.join('?' * len(cols))})", [row_id, owner, *values.values()])
    return row_id


def set_list_status(db: sqlite_utils.Database, list_id: str, status: str, at: str) -> None:
    db.conn.execute("UPDATE keyperson_lists SET status = ?, withdrawn_at = ? WHERE id = ?",
                    (status, at if status == "withdrawn" else None, list_id))


# --- people ------------------------------------------------------------------------------------

PERSON_COLS = ("list_id", "source_rows", "name", "id_kind", "id_number", "phone", "address",
               "category", "list_note", "matched_by", "resident_id", "household_id",
               "candidates", "from_person", "assigned_at")


def insert_people(db: sqlite_utils.Database, people: Sequence[dict[str, Any]]) -> list[str]:
    """Insert people (each with its owner in "community_id"); returns their ids in order."""
    ids = [uuid7() for _ in people]
    db.conn.executemany(
        f"INSERT INTO keypersons (id, community_id, {', '.join(PERSON_COLS)}) "
        f"VALUES (?, ?, {', '.join('?' * len(PERSON_COLS))})",
        ([i, p["community_id"], *(p.get(c, "" if c in _NOT_NULL else None)
                                  for c in PERSON_COLS)]
         for i, p in zip(ids, people, strict=True)))
    return ids


_NOT_NULL = {"source_rows", "address", "category", "list_note", "matched_by", "candidates"}


def person(db: sqlite_utils.Database, person_id: str) -> dict[str, Any] | None:
    rows = _dicts(db.conn.execute("SELECT * FROM keypersons WHERE id = ?", (person_id,)))
    return rows[0] if rows else None


def list_keys(db: sqlite_utils.Database, list_id: str) -> list[dict[str, Any]]:
    """The people already on a list (any state), to import a list a second time without
    duplicates: by ID number, else by name and address."""
    return _dicts(db.conn.execute(
        "SELECT id, name, id_number, address, phone, source_rows, state FROM keypersons "
        "WHERE list_id = ? AND deleted = 0", (list_id,)))


def close_person(db: sqlite_utils.Database, person_id: str, moved_to: str, name: str,
                 at: str, by: str) -> None:
    db.conn.execute("UPDATE keypersons SET state = 'moved', moved_to = ?, moved_to_name = ?, "
                    "moved_at = ?, moved_by = ? WHERE id = ?",
                    (moved_to, name, at, by, person_id))


def find_people(db: sqlite_utils.Database, owner: str | None, *, name: str | None = None,
                id_number: str | None = None) -> list[dict[str, Any]]:
    """Open people by name or ID number (owned by `owner`, or anyone's when None)."""
    where, args = ["p.deleted = 0", "p.state = 'open'"], []
    if owner is not None:
        where.append("p.community_id = ?")
        args.append(owner)
    if name:
        where.append("p.name = ?")
        args.append(name)
    if id_number:
        where.append("p.id_number = ?")
        args.append(id_number)
    return _dicts(db.conn.execute(
        "SELECT p.*, l.title, l.status AS list_status FROM keypersons p "
        f"JOIN keyperson_lists l ON l.id = p.list_id WHERE {' AND '.join(where)} "
        "ORDER BY l.due_at, p.id", args))


def unassigned(db: sqlite_utils.Database) -> list[dict[str, Any]]:
    """People matched to no community or to two, waiting for a hand assignment."""
    return _dicts(db.conn.execute(
        "SELECT p.*, l.title FROM keypersons p JOIN keyperson_lists l ON l.id = p.list_id "
        "WHERE p.community_id = ? AND p.state = 'open' AND p.deleted = 0 "
        "AND l.status = 'open' ORDER BY l.due_at, p.source_rows", (UNASSIGNED,)))


def left_for_elsewhere(db: sqlite_utils.Database) -> list[dict[str, Any]]:
    """Open people of open lists whose newest result is 已离开本社区: the district may
    reassign them to where they went."""
    return _dicts(db.conn.execute(
        "SELECT p.*, l.title, r.result, r.detail, r.recorded_at FROM keypersons p "
        "JOIN keyperson_lists l ON l.id = p.list_id "
        f"JOIN keyperson_results r ON r.id = {LATEST_RESULT} "
        "WHERE p.state = 'open' AND p.deleted = 0 AND l.deleted = 0 AND l.status = 'open' "
        "AND r.result = 'left' ORDER BY l.due_at, p.community_id, p.source_rows"))


# --- the community's page ----------------------------------------------------------------------

def page_ids(db: sqlite_utils.Database, owner: str, *, pending_only: bool = False,
             list_id: str | None = None) -> list[str]:
    """A community's people, by due time then list row, people not verified first."""
    where = ["p.community_id = ?", "p.deleted = 0", "l.deleted = 0"]
    args: list[Any] = [owner]
    if list_id:
        where.append("p.list_id = ?")
        args.append(list_id)
    if pending_only:
        where.append(f"{LATEST_RESULT} IS NULL AND p.state = 'open' AND l.status = 'open'")
    return [r[0] for r in db.conn.execute(
        f"SELECT p.id FROM keypersons p JOIN keyperson_lists l ON l.id = p.list_id "
        f"WHERE {' AND '.join(where)} "
        f"ORDER BY p.state = 'moved', l.status = 'withdrawn', {LATEST_RESULT} IS NOT NULL, "
        "l.due_at, l.title, CAST(p.source_rows AS INTEGER), p.id", args)]


def page_rows(db: sqlite_utils.Database, ids: Sequence[str]) -> list[dict[str, Any]]:
    """The rows of those ids: the list's fields, what the registry knows, the newest result."""
    rows = _dicts(db.conn.execute(
        "SELECT p.*, l.title, l.due_at, l.status AS list_status, l.category AS list_category, "
        "res.name AS resident_name, res.household_id AS resident_household, "
        "r.result, r.detail, r.measure, r.note AS result_note, r.recorded_by, r.recorded_at, "
        "r.id AS result_id "
        "FROM json_each(?) j JOIN keypersons p ON p.id = j.value "
        "JOIN keyperson_lists l ON l.id = p.list_id "
        "LEFT JOIN residents res ON res.id = p.resident_id "
        f"LEFT JOIN keyperson_results r ON r.id = {LATEST_RESULT}", (_json(ids),)))
    return rows


def results_of(db: sqlite_utils.Database, person_id: str) -> list[dict[str, Any]]:
    return _dicts(db.conn.execute(
        "SELECT * FROM keyperson_results WHERE person_id = ? AND deleted = 0 "
        "ORDER BY recorded_at, id", (person_id,)))


def insert_result(db: sqlite_utils.Database, owner: str, values: dict[str, Any]) -> str:
    row_id = uuid7()
    cols = list(values)
    db.conn.execute(
        f"INSERT INTO keyperson_results (id, community_id, {', '.join(cols)}) "
        f"VALUES (?, ?, {', '.join('?' * len(cols))})", [row_id, owner, *values.values()])
    return row_id


# --- figures -----------------------------------------------------------------------------------

def progress(db: sqlite_utils.Database, now: str, owners: Collection[str] | None = None,
             list_id: str | None = None) -> list[dict[str, Any]]:
    """Per list and community: open people (total), verified, overdue; unassigned ones
    under UNASSIGNED. One grouped query over the lists' indexes."""
    where = ["p.deleted = 0", "p.state = 'open'", "l.deleted = 0"]
    args: list[Any] = [now]
    if owners is not None:
        where.append("p.community_id IN (SELECT value FROM json_each(?))")
        args.append(_json(owners))
    if list_id:
        where.append("p.list_id = ?")
        args.append(list_id)
    return _dicts(db.conn.execute(
        "SELECT l.id AS list_id, l.title, l.category, l.due_at, l.status AS list_status, "
        "p.community_id, count(*) AS total, "
        "sum(EXISTS (SELECT 1 FROM keyperson_results r WHERE r.person_id = p.id "
        "AND r.deleted = 0)) AS verified, "
        "sum(l.status = 'open' AND l.due_at < ?1 AND NOT EXISTS (SELECT 1 FROM "
        "keyperson_results r WHERE r.person_id = p.id AND r.deleted = 0)) AS overdue "
        f"FROM keypersons p JOIN keyperson_lists l ON l.id = p.list_id WHERE {' AND '.join(where)} "
        "GROUP BY l.id, p.community_id ORDER BY l.due_at DESC, l.id, p.community_id", args))


def figures_at(db: sqlite_utils.Database, end: str, owners: Collection[str] | None
               ) -> dict[str, int]:
    """received / verified / overdue as of `end` ('YYYY-MM-DD HH:MM:SS', local time)."""
    where = ["p.deleted = 0", "l.deleted = 0", "p.assigned_at <= ?1", "l.status = 'open'",
             "(p.state = 'open' OR p.moved_at > ?1)", "p.community_id != ?2"]
    args: list[Any] = [end, UNASSIGNED]
    if owners is not None:
        where.append("p.community_id IN (SELECT value FROM json_each(?3))")
        args.append(_json(owners))
    row = db.conn.execute(
        "SELECT count(*), sum(EXISTS (SELECT 1 FROM keyperson_results r WHERE "
        "r.person_id = p.id AND r.deleted = 0 AND r.recorded_at <= ?1)), "
        "sum(l.due_at < substr(?1, 1, 16) AND NOT EXISTS (SELECT 1 FROM keyperson_results r "
        "WHERE r.person_id = p.id AND r.deleted = 0 AND r.recorded_at <= ?1)) "
        f"FROM keypersons p JOIN keyperson_lists l ON l.id = p.list_id "
        f"WHERE {' AND '.join(where)}", args).fetchone()
    return {"received": row[0] or 0, "verified": row[1] or 0, "overdue": row[2] or 0}


def conflicts(db: sqlite_utils.Database) -> list[dict[str, Any]]:
    """Results recorded for a person after the district had moved them elsewhere."""
    return _dicts(db.conn.execute(
        "SELECT r.*, p.name, p.moved_to, p.moved_to_name, p.moved_at, l.title "
        "FROM keyperson_results r JOIN keypersons p ON p.id = r.person_id "
        "JOIN keyperson_lists l ON l.id = p.list_id "
        "WHERE r.deleted = 0 AND p.state = 'moved' AND r.recorded_at > p.moved_at "
        "ORDER BY r.recorded_at"))


def ledger_rows(db: sqlite_utils.Database, owners: Collection[str] | None,
                list_id: str | None) -> list[dict[str, Any]]:
    """One row per person (open, or moved with a result), the newest result joined."""
    where = ["p.deleted = 0", "l.deleted = 0",
             f"(p.state = 'open' OR {LATEST_RESULT} IS NOT NULL)"]
    args: list[Any] = []
    if owners is not None:
        where.append("p.community_id IN (SELECT value FROM json_each(?))")
        args.append(_json(owners))
    if list_id:
        where.append("p.list_id = ?")
        args.append(list_id)
    return _dicts(db.conn.execute(
        "SELECT p.*, l.title, l.due_at, l.status AS list_status, r.result, r.detail, "
        "r.measure, r.note AS result_note, r.recorded_by, r.recorded_at "
        "FROM keypersons p JOIN keyperson_lists l ON l.id = p.list_id "
        f"LEFT JOIN keyperson_results r ON r.id = {LATEST_RESULT} "
        f"WHERE {' AND '.join(where)} "
        "ORDER BY l.imported_at, l.id, CAST(p.source_rows AS INTEGER), p.id", args))


# --- matching ----------------------------------------------------------------------------------

def residents_by_number(db: sqlite_utils.Database, numbers: Collection[str]
                        ) -> list[tuple[str, str, str, str | None]]:
    """(id_number, community_id, resident_id, household_id) of live residents."""
    return db.conn.execute(
        "SELECT r.id_number, r.community_id, r.id, r.household_id FROM json_each(?) j "
        "JOIN residents r ON r.id_number = j.value AND r.deleted = 0",
        (_json(numbers),)).fetchall()


def residents_by_phone(db: sqlite_utils.Database, phones: Collection[str]
                       ) -> list[tuple[str, str, str, str | None]]:
    return db.conn.execute(
        "SELECT r.phone, r.community_id, r.id, r.household_id FROM residents r "
        "WHERE r.deleted = 0 AND r.phone IN (SELECT value FROM json_each(?))",
        (_json(phones),)).fetchall()


def household_doors(db: sqlite_utils.Database, doors: Collection[str]
                    ) -> list[tuple[str, str, str, str, str, str]]:
    """(household_id, community_id, compound, building, unit, door) of live households with
    one of these door numbers."""
    return db.conn.execute(
        "SELECT h.id, h.community_id, c.name, b.name, u.name, h.door_number FROM households h "
        "JOIN units u ON u.id = h.unit_id JOIN buildings b ON b.id = u.building_id "
        "JOIN compounds c ON c.id = b.compound_id WHERE h.deleted = 0 "
        "AND h.door_number IN (SELECT value FROM json_each(?))", (_json(doors),)).fetchall()


def community_ids(db: sqlite_utils.Database) -> dict[str, str]:
    """Community org unit id → name."""
    return dict(db.conn.execute(
        "SELECT id, name FROM org_units WHERE level = 'community' AND deleted = 0"))


def household_address(db: sqlite_utils.Database, household_ids: Collection[str]
                      ) -> dict[str, str]:
    return dict(db.conn.execute(
        "SELECT h.id, c.name || b.name || u.name || h.door_number FROM json_each(?) j "
        "JOIN households h ON h.id = j.value JOIN units u ON u.id = h.unit_id "
        "JOIN buildings b ON b.id = u.building_id JOIN compounds c ON c.id = b.compound_id",
        (_json(household_ids),)))


def households_at(db: sqlite_utils.Database, owner: str, building: str, unit: str, door: str
                  ) -> list[tuple[str, str]]:
    """(household id, compound name) of an owner's live households at that door (any unit
    when `unit` is empty)."""
    return db.conn.execute(
        "SELECT h.id, c.name FROM households h JOIN units u ON u.id = h.unit_id "
        "JOIN buildings b ON b.id = u.building_id JOIN compounds c ON c.id = b.compound_id "
        "WHERE h.community_id = ? AND h.deleted = 0 AND b.name = ? AND h.door_number = ? "
        "AND (? = '' OR u.name = ?)", (owner, building, door, unit, unit)).fetchall()
