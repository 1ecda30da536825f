"""What the person page reads about one resident: the row, household, members, Party
membership and each timeline source's rows (audit log, cases, contacts, prints)."""

from __future__ import annotations

from typing import Any

import sqlite_utils

from db import audit
from db.registry import ADDRESS_SQL, HOUSEHOLD_JOIN


def _dicts(cur) -> list[dict[str, Any]]:
    names = [d[0] for d in cur.description]
    return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]


def _one(db: sqlite_utils.Database, sql: str, params: tuple) -> dict[str, Any] | None:
    rows = _dicts(db.conn.execute(sql, params))
    return rows[0] if rows else None


def _has(db: sqlite_utils.Database, table: str) -> bool:
    return db.conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?",
                           (table,)).fetchone() is not None


def resident(db: sqlite_utils.Database, resident_id: str) -> dict[str, Any] | None:
    return _one(db, "SELECT * FROM residents WHERE id = ?", (resident_id,))


def household(db: sqlite_utils.Database, household_id: str) -> dict[str, Any] | None:
    return _one(db, f"SELECT h.*, {ADDRESS_SQL} AS address FROM {HOUSEHOLD_JOIN} "
                    "WHERE h.id = ?", (household_id,))


def members(db: sqlite_utils.Database, household_id: str, but: str) -> list[dict[str, Any]]:
    return _dicts(db.conn.execute(
        "SELECT id, name, sex, relation, birth_date FROM residents WHERE household_id = ? "
        "AND deleted = 0 AND id != ? ORDER BY (relation = '户主') DESC, birth_date",
        (household_id, but)))


def party_member(db: sqlite_utils.Database, resident_id: str) -> dict[str, Any] | None:
    return _one(db, "SELECT * FROM party_members WHERE resident_id = ? AND deleted = 0 "
                    "LIMIT 1", (resident_id,))


def community_name(db: sqlite_utils.Database, community_id: str) -> str:
    row = db.conn.execute("SELECT name FROM org_units WHERE id = ?", (community_id,)).fetchone()
    return row[0] if row else ""


def audit_of(db: sqlite_utils.Database, table: str, row_id: str) -> list[tuple]:
    """(at, actor, action, detail) of one record's changes, newest first (sealed or live)."""
    return [(e.at, e.actor, e.action, e.detail) for e in audit.record_entries(
        db, table, row_id, ("insert", "update", "delete", "undelete"))]


def file_prints_of(db: sqlite_utils.Database, resident_id: str) -> list[tuple]:
    """(at, actor) of each print of the person's file."""
    return [(e.at, e.actor)
            for e in audit.record_entries(db, "residents", resident_id, ("print",))]


def cases_of(db: sqlite_utils.Database, resident_id: str) -> list[dict[str, Any]]:
    return _dicts(db.conn.execute(
        "SELECT * FROM isolation_cases WHERE resident_id = ? AND deleted = 0 "
        "ORDER BY started_on DESC", (resident_id,)))


def case_events(db: sqlite_utils.Database, case_id: str) -> list[dict[str, Any]]:
    return _dicts(db.conn.execute(
        "SELECT * FROM case_events WHERE case_id = ? AND deleted = 0", (case_id,)))


def case_checks(db: sqlite_utils.Database, case_id: str) -> list[dict[str, Any]]:
    return _dicts(db.conn.execute(
        "SELECT * FROM case_checks WHERE case_id = ? AND deleted = 0", (case_id,)))


def case_tests(db: sqlite_utils.Database, case_id: str) -> list[dict[str, Any]]:
    return _dicts(db.conn.execute(
        "SELECT * FROM case_tests WHERE case_id = ? AND deleted = 0", (case_id,)))


def contacts_of(db: sqlite_utils.Database, household_id: str) -> list[dict[str, Any]]:
    return _dicts(db.conn.execute(
        "SELECT c.*, m.name AS member FROM member_contacts c "
        "LEFT JOIN party_members m ON m.id = c.member_id "
        "WHERE c.household_id = ? AND c.deleted = 0", (household_id,)))


def prints_of(db: sqlite_utils.Database, resident_id: str) -> list[dict[str, Any]]:
    return _dicts(db.conn.execute(
        "SELECT p.* FROM print_log p JOIN isolation_cases c ON c.id = p.case_id "
        "WHERE c.resident_id = ? AND p.deleted = 0", (resident_id,)))


def rows_of_resident(db: sqlite_utils.Database, table: str, resident_id: str,
                     column: str = "resident_id") -> list[dict[str, Any]]:
    """Live rows of another feature's table about a resident; none when it is not here."""
    if not _has(db, table):
        return []
    cols = {r[1] for r in db.conn.execute(f"PRAGMA table_info([{table}])")}
    if column not in cols:
        return []
    live = " AND deleted = 0" if "deleted" in cols else ""
    return _dicts(db.conn.execute(f"SELECT * FROM [{table}] WHERE [{column}] = ?{live}",
                                  (resident_id,)))


def keyperson_rows(db: sqlite_utils.Database, resident_id: str) -> list[dict[str, Any]]:
    """The key-person list entries matched to a resident, with the list's title."""
    if not (_has(db, "keypersons") and _has(db, "keyperson_lists")):
        return []
    return _dicts(db.conn.execute(
        "SELECT k.*, l.title FROM keypersons k LEFT JOIN keyperson_lists l ON l.id = k.list_id "
        "WHERE k.resident_id = ? AND k.deleted = 0", (resident_id,)))


def keyperson_results(db: sqlite_utils.Database, person_id: str) -> list[dict[str, Any]]:
    if not _has(db, "keyperson_results"):
        return []
    return _dicts(db.conn.execute(
        "SELECT * FROM keyperson_results WHERE person_id = ? AND deleted = 0", (person_id,)))
