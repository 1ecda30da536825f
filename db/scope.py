"""What a connection may see of a district's communities: a session limited to some communities
(a 街道 account: its street's) reads every synced table through temporary views of the same
name, so every list, search, count, export and command sees only those communities' rows.

SQLite looks a table name up in the connection's temp schema before main, so
`CREATE TEMP VIEW residents AS SELECT * FROM main.residents WHERE community_id IN (…)` limits
every query on this connection that names `residents`, with no query changed; the schema's own
triggers and views keep reading main. The views cannot be written: a limited session is
read-only anyway, and a write reaching one fails instead of touching another community's rows.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Collection
from typing import Any

import sqlite_utils

from db import changelog
from db.node import get_meta

_INDEXED_BY = re.compile(r"\s+INDEXED\s+BY\s+\w+", re.IGNORECASE)


class Connection(sqlite3.Connection):
    """The connection every database is opened with (db.connection): while limited, a query's
    `INDEXED BY` hints are dropped, as a view has no indexes to name (SQLite would refuse the
    query); the planner then picks an index of the table the view reads."""

    limited = False

    def execute(self, sql: str, *args: Any) -> sqlite3.Cursor:  # type: ignore[override]
        if self.limited and "INDEXED" in sql:
            sql = _INDEXED_BY.sub("", sql)
        return super().execute(sql, *args)


def streets(db: sqlite_utils.Database) -> list[tuple[str, str]]:
    """(code, name) of every street the communities here stand under, by code. A street has a
    copy per community (and maybe the district's own): its 9-digit code is what they share."""
    return [(r[0], r[1]) for r in db.conn.execute(
        "SELECT s.code, min(s.name) FROM org_units c JOIN org_units s ON s.id = c.parent_id "
        "WHERE c.level = 'community' AND c.deleted = 0 AND s.level = 'street' "
        "AND s.deleted = 0 GROUP BY s.code ORDER BY s.code")]


def street_communities(db: sqlite_utils.Database, street_code: str) -> frozenset[str]:
    """The ids of the live communities under the street with this code (by their street row,
    or by the street part of their own 12-digit code)."""
    return frozenset(r[0] for r in db.conn.execute(
        "SELECT c.id FROM org_units c LEFT JOIN org_units s ON s.id = c.parent_id "
        "WHERE c.level = 'community' AND c.deleted = 0 AND c.id = c.community_id "
        "AND (s.code = :street OR substr(c.code, 1, 9) = :street)", {"street": street_code}))


def _quote(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def limited(db: sqlite_utils.Database) -> bool:
    """Whether this connection currently sees only some communities."""
    return db.conn.execute(
        "SELECT EXISTS (SELECT 1 FROM temp.sqlite_master WHERE type = 'view' "
        "AND sql LIKE '%-- gd_scope%')").fetchone()[0] == 1


def limit_to(db: sqlite_utils.Database, community_ids: Collection[str] | None) -> None:
    """From now on this connection sees only the rows of `community_ids` (and the rows this
    node owns itself: the district's streets and settings); None lifts the limit."""
    conn = db.conn
    for (name,) in conn.execute(
            "SELECT name FROM temp.sqlite_master WHERE type = 'view' "
            "AND sql LIKE '%-- gd_scope%'").fetchall():
        conn.execute(f"DROP VIEW temp.[{name}]")
    if isinstance(conn, Connection):
        conn.limited = community_ids is not None
    if community_ids is None:
        return
    own = get_meta(db, "community_id")
    ids = sorted({*community_ids, *([own] if own else [])})
    listed = ", ".join(_quote(i) for i in ids) or "NULL"
    for table in changelog.synced_tables(db):
        # The district's own street rows: only those its visible communities stand under.
        streets = ("" if table != "org_units" or not own else
                   f" AND (level <> 'street' OR community_id <> {_quote(own)} OR id IN "
                   "(SELECT parent_id FROM main.org_units WHERE level = 'community' "
                   f"AND community_id IN ({listed})))")
        conn.execute(f"CREATE TEMP VIEW [{table}] AS SELECT * FROM main.[{table}] "
                     f"WHERE community_id IN ({listed}){streets} -- gd_scope\n")


def visible(db: sqlite_utils.Database, table: str, ids: list[str]) -> list[str]:
    """The `ids` (rows of `table`, in their order) this connection may see: for lookups that
    read an index table rather than `table` itself (the resident search keys)."""
    if not ids or not limited(db):
        return ids
    seen: set[str] = set()
    for start in range(0, len(ids), 900):
        part = ids[start:start + 900]
        seen.update(r[0] for r in db.conn.execute(
            f"SELECT id FROM [{table}] WHERE id IN ({','.join('?' * len(part))})", part))
    return [i for i in ids if i in seen]
