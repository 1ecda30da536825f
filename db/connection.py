"""Opening a GridDesk database: pragmas, migrations, node identity, SQL functions."""

from __future__ import annotations

import os
import secrets
import sqlite3
from pathlib import Path

import sqlite_utils

from db import audit, changelog, migrate, scope
from db.clock import HybridClock
from db.node import NodeState, ReadingFn, SearchKeyFn, catch_up_clock, node_state

__all__ = ["BULK_PAGE_SIZE", "DatabaseOpenError", "node_state", "open_database", "use_bulk_pages"]


class DatabaseOpenError(Exception):
    """The file cannot be opened as a GridDesk database; `reason` says why."""

    def __init__(self, reason: str, path: Path, detail: str = "") -> None:
        super().__init__(f"{reason}: {path} {detail}".strip())
        self.reason = reason  # 'newer_schema' | 'not_a_database' | 'read_only' | 'missing'
        self.path = path
        self.detail = detail


def open_database(path: str | os.PathLike[str], *, create: bool = False,
                  search_key: SearchKeyFn, reading: ReadingFn) -> sqlite_utils.Database:
    """Open (and migrate) a database file; refuse files we must not touch.

    `search_key(name, id_number, phone)` builds a resident's search text and
    `reading(name)` the text hits are ranked and sorted by. Both are required: a resident
    written with any other keys is not found by pinyin, so callers outside db/ open files
    through app.database.open_community_db, which passes the pinyin-aware ones.
    """
    path = Path(path)
    if not path.exists():
        if not create:
            raise DatabaseOpenError("missing", path)
        path.parent.mkdir(parents=True, exist_ok=True)
    elif not os.access(path, os.W_OK) or not os.access(path.parent, os.W_OK):
        raise DatabaseOpenError("read_only", path)
    try:
        conn = sqlite3.connect(path, isolation_level=None, check_same_thread=True,
                               factory=scope.Connection)  # what a 街道 account may see
        conn.execute("PRAGMA busy_timeout = 5000")
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except sqlite3.DatabaseError as exc:
        raise DatabaseOpenError("not_a_database", path, str(exc)) from exc
    try:
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        if version > migrate.LATEST:
            raise DatabaseOpenError("newer_schema", path, f"{version} > {migrate.LATEST}")
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = NORMAL")
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute("PRAGMA cache_size = -16000")  # 16 MB: the search indexes stay in memory
        db = sqlite_utils.Database(conn)
        state = NodeState(node_id="", clock=HybridClock("-"),
                          search_key=search_key, reading=reading)
        db._griddesk = state  # type: ignore[attr-defined]
        _register_functions(conn, state)
        if migrate.migrate(db, path):
            changelog.install_triggers(db)
            audit.install_triggers(db)
        _load_identity(db, state)
    except DatabaseOpenError:
        conn.close()
        raise
    except sqlite3.DatabaseError as exc:
        conn.close()
        raise DatabaseOpenError("not_a_database", path, str(exc)) from exc
    return db


# A district database takes whole snapshots of its communities: 16 KiB pages (SQLite's default
# is 4 KiB) make a snapshot import about 10% faster (fewer, larger writes), and its rare
# searches a few milliseconds slower, so communities keep the default (docs/decisions.md).
BULK_PAGE_SIZE = 16384


def use_bulk_pages(db: sqlite_utils.Database) -> bool:
    """Give a new, still nearly empty database BULK_PAGE_SIZE pages (a VACUUM, which WAL
    mode does not allow: switched off for it). False when another connection is using the
    file; the database then keeps its pages, which only costs speed."""
    conn = db.conn
    if conn.execute("PRAGMA page_size").fetchone()[0] == BULK_PAGE_SIZE:
        return True
    try:
        conn.execute("PRAGMA journal_mode = DELETE")
        conn.execute(f"PRAGMA page_size = {BULK_PAGE_SIZE}")
        conn.execute("VACUUM")
        return True
    except sqlite3.OperationalError:
        return False
    finally:
        conn.execute("PRAGMA journal_mode = WAL")


def _register_functions(conn: sqlite3.Connection, state: NodeState) -> None:
    conn.create_function("gd_hlc", 0, lambda: state.clock.now())
    conn.create_function("gd_node", 0, lambda: state.node_id)
    conn.create_function("gd_logging", 0, lambda: 1 if state.logging else 0)
    conn.create_function("gd_user", 0, lambda: state.user)
    audit.register(conn)
    conn.create_function(
        "gd_search_key", 3, lambda n, i, p: state.search_key(n, i, p), deterministic=True
    )
    conn.create_function("gd_reading", 1, lambda n: state.reading(n), deterministic=True)


def _load_identity(db: sqlite_utils.Database, state: NodeState) -> None:
    conn = db.conn
    row = conn.execute("SELECT value FROM meta WHERE key = 'node_id'").fetchone()
    if row is None:
        node_id = secrets.token_hex(8)
        conn.execute("INSERT INTO meta (key, value) VALUES ('node_id', ?)", (node_id,))
    else:
        node_id = row[0]
    state.node_id = node_id
    state.clock = HybridClock(node_id)
    catch_up_clock(conn, state)
