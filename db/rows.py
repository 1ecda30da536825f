"""Reading rows as dicts and writing one feature's synced rows: the insert, bulk insert,
update and soft delete every feature's db module does, checked against the columns that
feature lets its code write (its WRITABLE or COLUMNS map)."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import sqlite_utils

from db.ids import uuid7
from db.node import get_meta

Row = dict[str, Any]


def rows(db: sqlite_utils.Database, sql: str, params: Sequence[Any] | dict = ()) -> list[Row]:
    cur = db.conn.execute(sql, params if isinstance(params, dict) else tuple(params))
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]


def one(db: sqlite_utils.Database, sql: str, params: Sequence[Any] | dict = ()) -> Row | None:
    found = rows(db, sql, params)
    return found[0] if found else None


def _checked(table: str, writable: Collection[str], values: dict[str, Any]) -> list[str]:
    unknown = set(values) - set(writable)
    if unknown:
        raise ValueError(f"{table} has no writable columns {sorted(unknown)}")
    return list(values)


def insert(db: sqlite_utils.Database, table: str, writable: Collection[str],
           values: dict[str, Any], *, owner: str | None = None, row_id: str | None = None,
           target: str | None = None) -> str:
    """Insert one row of a synced table (owned by `owner`, else this database's own org
    unit); returns its new UUIDv7. `target`: the table expression to write to, when it is not
    the table's plain name (a 街道 session's writes to main)."""
    cols = _checked(table, writable, values)
    row_id = row_id or uuid7()
    owner = owner or get_meta(db, "community_id")
    if owner is None:
        raise ValueError("the database has no community yet")
    names = ["id", "community_id", *cols]
    db.conn.execute(
        f"INSERT INTO {target or f'[{table}]'} ({', '.join(names)}) "
        f"VALUES ({', '.join('?' * len(names))})",
        [row_id, owner, *(values[c] for c in cols)])
    return row_id


def insert_many(db: sqlite_utils.Database, table: str, writable: Sequence[str],
                new_rows: Iterable[Row], owner: str | None = None) -> None:
    """Bulk insert rows that carry their own id (demo data, imports), owned by `owner` or,
    without one, by each row's own community_id."""
    new_rows = list(new_rows)
    if not new_rows:
        return
    cols = ["id", "community_id", *[c for c in writable if c in new_rows[0]]]
    db.conn.executemany(
        f"INSERT INTO [{table}] ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})",
        ([r.get("id"), owner or r.get("community_id"), *(r.get(c) for c in cols[2:])]
         for r in new_rows))


def update(db: sqlite_utils.Database, table: str, writable: Collection[str], row_id: str,
           values: dict[str, Any], *, target: str | None = None) -> None:
    cols = _checked(table, writable, values)
    if not cols:
        return
    db.conn.execute(
        f"UPDATE {target or f'[{table}]'} SET {', '.join(f'[{c}] = ?' for c in cols)} "
        "WHERE id = ?", [*(values[c] for c in cols), row_id])


def soft_delete(db: sqlite_utils.Database, table: str, row_id: str) -> None:
    """Synced rows are never deleted: marked, so the mark travels."""
    db.conn.execute(f"UPDATE [{table}] SET deleted = 1 WHERE id = ? AND deleted = 0", (row_id,))


def get(db: sqlite_utils.Database, table: str, row_id: str, *, live: bool = False
        ) -> Row | None:
    """One row by id (`live`: only if not deleted)."""
    return one(db, f"SELECT * FROM [{table}] WHERE id = ?{' AND deleted = 0' if live else ''}",
               (row_id,))


@dataclass(frozen=True)
class Tables:
    """One feature's synced tables and the columns its code may write, with insert, bulk
    insert, update and get bound to them (a db module exposes these as its own)."""

    writable: Mapping[str, Sequence[str]]
    live: bool = False   # get() finds only rows not deleted

    def insert(self, db: sqlite_utils.Database, table: str, values: dict[str, Any],
               owner: str | None = None) -> str:
        return insert(db, table, self.writable[table], values, owner=owner)

    def insert_many(self, db: sqlite_utils.Database, table: str,
                    new_rows: Sequence[dict[str, Any]], owner: str) -> None:
        """Bulk insert (each row carries its own id), for demo data."""
        insert_many(db, table, self.writable[table], new_rows, owner)

    def update(self, db: sqlite_utils.Database, table: str, row_id: str,
               values: dict[str, Any]) -> None:
        update(db, table, self.writable[table], row_id, values)

    def get(self, db: sqlite_utils.Database, table: str, row_id: str) -> Row | None:
        return get(db, table, row_id, live=self.live)
