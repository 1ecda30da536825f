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

import json
import re
import sqlite3
from collections.abc import Collection
from typing import Any

import sqlite_utils

from db import changelog, district
from db.node import get_meta

_INDEXED_BY = re.compile(r"\s+INDEXED\s+BY\s+(\w+)", re.IGNORECASE)


class Connection(sqlite3.Connection):
    """The connection every database is opened with (db.connection): while limited, a query's
    `INDEXED BY` hints naming an index of a table now read through a view are dropped, as a
    view has no indexes to name (SQLite would refuse the query); the planner then picks an
    index of the table the view reads. Hints on other tables (the search index's) stay: the
    search's plans depend on them (a 街道 account's search took 4× longer without)."""

    limited = False
    viewed_indexes: frozenset[str] = frozenset()

    def execute(self, sql: str, *args: Any) -> sqlite3.Cursor:  # type: ignore[override]
        if self.limited and "INDEXED" in sql:
            sql = _INDEXED_BY.sub(lambda m: "" if m.group(1) in self.viewed_indexes
                                  else m.group(0), sql)
        return super().execute(sql, *args)


def streets(db: sqlite_utils.Database) -> list[tuple[str, str]]:
    """(code, name) of every street the communities here stand under, by code (each
    community's street found the one way, `db.district.community_streets`)."""
    found: dict[str, str] = {}
    for r in district.community_streets(db):
        if r["street_code"]:
            found.setdefault(r["street_code"], r["street_name"])
    return sorted(found.items())


def street_communities(db: sqlite_utils.Database, street_code: str) -> frozenset[str]:
    """The ids of the live communities under the street with this code."""
    return frozenset(r["id"] for r in district.community_streets(db)
                     if r["street_code"] == street_code)


# The district's own rows about one community (a supervision round, its answers and problems)
# show to a limited session only when that community is one of its own.
_ROUND = "subject_kind <> 'community' OR subject_id IN ({listed})"
_ABOUT = {"inspections": _ROUND,
          "inspection_answers": "inspection_id IN (SELECT id FROM main.inspections WHERE "
                                f"{_ROUND})",
          "inspection_problems": "inspection_id IN (SELECT id FROM main.inspections WHERE "
                                 f"{_ROUND})"}
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
        conn.viewed_indexes = frozenset(r[0] for r in conn.execute(
            "SELECT name FROM main.sqlite_master WHERE type = 'index' AND tbl_name IN "
            "(SELECT value FROM json_each(?))", (json.dumps(
                sorted(changelog.synced_tables(db))),)))
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
        # The district's shared street rows (owning themselves) of the visible communities:
        # what db.district.street_join reaches a community's street through.
        shared = ("" if table != "org_units" else
                  f" OR id IN (SELECT '{district.STREET_ID_PREFIX}' || "
                  "substr('000000000000' || sp.code, -12) FROM main.org_units c "
                  "JOIN main.org_units sp ON sp.id = c.parent_id AND sp.level = 'street' "
                  f"WHERE c.level = 'community' AND c.community_id IN ({listed}))")
        about = ("" if table not in _ABOUT or not own else
                 f" AND (community_id <> {_quote(own)} OR "
                 f"{_ABOUT[table].format(listed=listed)})")
        conn.execute(f"CREATE TEMP VIEW [{table}] AS SELECT * FROM main.[{table}] "
                     f"WHERE ((community_id IN ({listed}){streets}){shared}){about} -- gd_scope\n")


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
