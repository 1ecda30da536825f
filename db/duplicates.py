"""The same person in two communities: the duplicate query over residents and the notices
the district writes for each community concerned (table duplicate_notices, 0011)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import sqlite_utils

from db.ids import uuid7
from db.registry import ADDRESS_SQL, HOUSEHOLD_OF_RESIDENT

Row = dict[str, Any]

# ID numbers held by live residents of more than one community (reads only the partial index
# residents_live_id_number).
_DUPLICATE_NUMBERS = (
    "SELECT id_number FROM residents INDEXED BY residents_live_id_number "
    "WHERE deleted = 0 AND id_number IS NOT NULL AND id_number <> '' "
    "GROUP BY id_number HAVING min(community_id) <> max(community_id)")

_REGISTRATIONS = (
    f"WITH d AS ({_DUPLICATE_NUMBERS}) "
    "SELECT r.id AS resident_id, r.id_number, r.name, r.community_id, r.household_id, "
    "COALESCE(o.name, '') AS community_name, "
    f"COALESCE({ADDRESS_SQL}, '') AS address "
    "FROM d JOIN residents r ON r.id_number = d.id_number AND r.deleted = 0 "
    f"LEFT JOIN org_units o ON o.id = r.community_id {HOUSEHOLD_OF_RESIDENT} "
    "ORDER BY r.id_number, community_name, r.id")


def _rows(db: sqlite_utils.Database, sql: str, params: Iterable[Any] = ()) -> list[Row]:
    cur = db.conn.execute(sql, tuple(params))
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]


def sees_part(db: sqlite_utils.Database) -> bool:
    """Whether this connection reads residents through a limited view (a 街道 session sees
    its street's communities only): notices computed from part of the district would be
    wrong, so only a connection that sees every community writes them."""
    return db.conn.execute("SELECT 1 FROM sqlite_temp_master WHERE type = 'view' "
                           "AND name = 'residents'").fetchone() is not None


def duplicate_count(db: sqlite_utils.Database) -> int:
    """How many ID numbers are registered in more than one community."""
    return db.conn.execute(f"SELECT count(*) FROM ({_DUPLICATE_NUMBERS})").fetchone()[0]


def registrations(db: sqlite_utils.Database) -> list[Row]:
    """Every live registration of a duplicated ID number, by number then community name,
    each with its community's name and its address."""
    return _rows(db, _REGISTRATIONS)


def last_stamps(db: sqlite_utils.Database, keys: Iterable[tuple[str, str]]) -> dict[
        tuple[str, str], str]:
    """The newest change stamp of each (table, row id): its field_clock entries, or the
    stamps packed in row_clock when the row arrived by sync."""
    wanted = list(dict.fromkeys(k for k in keys if k[1]))
    out: dict[tuple[str, str], str] = {}
    has_packed = db.conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' "
                                 "AND name = 'row_clock'").fetchone() is not None
    for tbl, row_id in wanted:
        best = db.conn.execute("SELECT max(hlc) FROM field_clock WHERE tbl = ? AND row_id = ?",
                               (tbl, row_id)).fetchone()[0] or ""
        if has_packed:
            packed = db.conn.execute("SELECT hlcs FROM row_clock WHERE tbl = ? AND row_id = ?",
                                     (tbl, row_id)).fetchone()
            if packed:
                best = max(best, *packed[0].split(" "))
        if best:
            out[(tbl, row_id)] = best
    return out


def any_notice(db: sqlite_utils.Database) -> bool:
    return db.conn.execute(
        "SELECT 1 FROM duplicate_notices WHERE deleted = 0 LIMIT 1").fetchone() is not None


def notices(db: sqlite_utils.Database, *, status: str | None = None,
            resident_id: str | None = None) -> list[Row]:
    """Live notices, with the name of the resident each concerns, open ones first."""
    sql = ("SELECT n.*, COALESCE(r.name, '') AS resident_name, "
           "COALESCE(r.id_number, '') AS id_number FROM duplicate_notices n "
           "LEFT JOIN residents r ON r.id = n.resident_id WHERE n.deleted = 0")
    params: list[Any] = []
    if status is not None:
        sql += " AND n.status = ?"
        params.append(status)
    if resident_id is not None:
        sql += " AND n.resident_id = ?"
        params.append(resident_id)
    return _rows(db, sql + " ORDER BY n.status = 'resolved', n.noted_at DESC, n.id", params)


def insert_notice(db: sqlite_utils.Database, values: Row) -> str:
    """A new notice, owned by the community of the resident it concerns."""
    row_id = uuid7()
    cols = ["community_id", "resident_id", "other_community_id", "other_community",
            "other_address", "other_changed_at", "noted_at"]
    db.conn.execute(
        f"INSERT INTO duplicate_notices (id, {', '.join(cols)}) "
        f"VALUES (?, {', '.join('?' * len(cols))})", [row_id, *(values[c] for c in cols)])
    return row_id


def update_notice(db: sqlite_utils.Database, row_id: str, values: Row) -> None:
    cols = [c for c in values if c in ("other_community", "other_address", "other_changed_at",
                                       "status", "resolved_at")]
    db.conn.execute(
        f"UPDATE duplicate_notices SET {', '.join(f'[{c}] = ?' for c in cols)} WHERE id = ?",
        [*(values[c] for c in cols), row_id])
