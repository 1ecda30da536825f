"""Sync state: peers, conflicts and the log of exports and imports. Plain values in and out."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from typing import Any

import orjson
import sqlite_utils

from db import changelog
from db.registry import _one, _rows

Row = dict[str, Any]


def peer(db: sqlite_utils.Database, node_id: str) -> Row | None:
    return _one(db, "SELECT * FROM peers WHERE node_id = ?", (node_id,))


def peers(db: sqlite_utils.Database, role: str | None = None) -> list[Row]:
    sql, params = "SELECT * FROM peers", []
    if role:
        sql += " WHERE role = ?"
        params.append(role)
    return _rows(db, sql + " ORDER BY code, name", params)


def save_peer(db: sqlite_utils.Database, values: Row) -> None:
    """Insert a peer, or refresh its name and keys when it enrolls again."""
    db.conn.execute(
        "INSERT INTO peers (node_id, role, name, code, community_id, sign_key, box_key, "
        "enrolled_at) VALUES (:node_id, :role, :name, :code, :community_id, :sign_key, "
        ":box_key, :enrolled_at) ON CONFLICT (node_id) DO UPDATE SET name = excluded.name, "
        "code = excluded.code, sign_key = excluded.sign_key, box_key = excluded.box_key, "
        "revoked = 0",
        values,
    )


def update_peer(db: sqlite_utils.Database, node_id: str, **values: Any) -> None:
    sets = ", ".join(f"{k} = :{k}" for k in values)
    db.conn.execute(f"UPDATE peers SET {sets} WHERE node_id = :node_id",
                    {**values, "node_id": node_id})


def add_conflicts(db: sqlite_utils.Database, rows: Iterable[tuple], peer_id: str,
                  at: str) -> None:
    db.conn.executemany(
        "INSERT INTO conflicts (tbl, row_id, col, kept_value, kept_hlc, lost_value, lost_hlc, "
        "peer, noted_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [(*r, peer_id, at) for r in rows],
    )


def conflicts(db: sqlite_utils.Database, reviewed: bool = False) -> list[Row]:
    return _rows(db, "SELECT * FROM conflicts WHERE reviewed = ? ORDER BY id DESC",
                 (int(reviewed),))


def mark_reviewed(db: sqlite_utils.Database, conflict_id: int) -> None:
    db.conn.execute("UPDATE conflicts SET reviewed = 1 WHERE id = ?", (conflict_id,))


def log_event(db: sqlite_utils.Database, at: str, peer_id: str | None, direction: str,
              bundle_id: str | None, outcome: str, changes: int = 0,
              detail: str | None = None) -> None:
    db.conn.execute(
        "INSERT INTO sync_log (at, peer, direction, bundle_id, outcome, changes, detail) "
        "VALUES (?, ?, ?, ?, ?, ?, ?)",
        (at, peer_id, direction, bundle_id, outcome, changes, detail),
    )


def events(db: sqlite_utils.Database, limit: int = 50) -> list[Row]:
    return _rows(db, "SELECT * FROM sync_log ORDER BY id DESC LIMIT ?", (limit,))


def unacknowledged(db: sqlite_utils.Database, after_seq: int, owners: Iterable[str] | None
                   ) -> int:
    sql = "SELECT count(*) FROM change_log WHERE seq > ?"
    params: list[Any] = [after_seq]
    if owners is not None:
        owners = list(owners)
        sql += f" AND owner IN ({','.join('?' * len(owners))})"
        params += owners
    return db.conn.execute(sql, params).fetchone()[0]


def hlc_of_seq(db: sqlite_utils.Database, seq: int) -> str | None:
    row = db.conn.execute("SELECT hlc FROM change_log WHERE seq = ?", (seq,)).fetchone()
    return row[0] if row else None


def community_figures(db: sqlite_utils.Database) -> dict[str, dict[str, int]]:
    """Per owning community: live households and residents, active isolation cases and
    paired households (the district's view)."""
    out: dict[str, dict[str, int]] = {}
    for table in ("households", "residents"):
        for owner, n in db.conn.execute(
                f"SELECT community_id, count(*) FROM [{table}] WHERE deleted = 0 "
                "GROUP BY community_id"):
            out.setdefault(owner, {})[table] = n
    for owner, n in db.conn.execute(
            "SELECT community_id, count(*) FROM isolation_cases WHERE deleted = 0 "
            "AND status = 'active' GROUP BY community_id"):
        out.setdefault(owner, {})["active_cases"] = n
    for owner, n in db.conn.execute(
            "SELECT h.community_id, count(DISTINCT h.id) FROM households h "
            "JOIN pairings p ON p.household_id = h.id AND p.ended_on IS NULL AND p.deleted = 0 "
            "WHERE h.deleted = 0 GROUP BY h.community_id"):
        out.setdefault(owner, {})["paired"] = n
    return out


def owners_of(db: sqlite_utils.Database, ids_by_table: dict[str, list[str]]) -> set[str]:
    """The org units owning those of these rows (ids by table) this node holds (tables that
    are not synced are left out: applying refuses them)."""
    found: set[str] = set()
    synced = changelog.synced_tables(db)
    for tbl, ids in ids_by_table.items():
        if tbl in synced:   # one query per table, the ids as one JSON array
            found.update(owner for (owner,) in db.conn.execute(
                f"SELECT DISTINCT t.community_id FROM json_each(?) j JOIN [{tbl}] t "
                "ON t.id = j.value", (orjson.dumps(ids).decode(),)))
    return found


def _owner_filter(owners: Iterable[str] | None) -> tuple[str, list[Any]]:
    if owners is None:
        return "", []
    owners = list(owners)
    return f" AND owner IN ({','.join('?' * len(owners))})", owners


def part_bounds(db: sqlite_utils.Database, after_seq: int, owners: Iterable[str] | None,
                size: int) -> list[int]:
    """Sequence numbers closing parts of about `size` changes each, moved forward so that
    one row's changes (an insert's fields) never straddle two parts."""
    where, params = _owner_filter(owners)
    bounds = []
    start = after_seq
    while True:
        row = db.conn.execute(
            f"SELECT seq, tbl, row_id FROM change_log WHERE seq > ?{where} ORDER BY seq "
            f"LIMIT 1 OFFSET ?", [start, *params, size - 1]).fetchone()
        if row is None:
            return bounds
        seq, tbl, row_id = row
        for nxt, ntbl, nrow in db.conn.execute(
                f"SELECT seq, tbl, row_id FROM change_log WHERE seq > ?{where} ORDER BY seq",
                [seq, *params]):
            if (ntbl, nrow) != (tbl, row_id):
                break
            seq = nxt
        else:
            return bounds
        bounds.append(seq)
        start = seq


def changes_rows(conn: sqlite3.Connection, after_seq: int, up_to: int | None,
                 owners: Iterable[str] | None) -> tuple[bytes, dict[str, int], int]:
    """Changes in (after_seq, up_to] as a JSON array of row runs
    [tbl, row_id, owner, [col, ...], [value, ...], [hlc, ...]]: consecutive changes of one row
    (an insert's fields, an edit's fields) share one run, so the receiver makes a Python object
    per field value and stamp, not a list of eight per change. Also the counts per table."""
    where, params = _owner_filter(owners)
    span = " AND seq <= ?" if up_to is not None else ""
    bound = [up_to] if up_to is not None else []
    runs: list[list[Any]] = []
    counts: dict[str, int] = {}
    last_tbl = last_row = None
    cols: list[str] = []
    values: list[Any] = []
    stamps: list[str] = []
    cursor = conn.execute(
        f"SELECT tbl, row_id, owner, col, value, hlc FROM change_log WHERE seq > ?{span}{where} "
        "ORDER BY seq", [after_seq, *bound, *params])
    for tbl, row_id, owner, col, value, hlc in cursor:
        if row_id != last_row or tbl != last_tbl:
            cols, values, stamps = [], [], []
            runs.append([tbl, row_id, owner, cols, values, stamps])
            last_tbl, last_row = tbl, row_id
        cols.append(col)
        values.append(value)
        stamps.append(hlc)
    for run in runs:
        counts[run[0]] = counts.get(run[0], 0) + len(run[3])
    return orjson.dumps(runs), counts, sum(counts.values())
