"""This node's state on a connection (identity, clock, signed-in user, key functions, capture
switch), its meta values, and write transactions that keep the clock past every stamp made."""

from __future__ import annotations

import secrets
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field

import sqlite_utils

from db.clock import HybridClock

SearchKeyFn = Callable[[str | None, str | None, str | None], str]
ReadingFn = Callable[[str | None], str]


@dataclass
class NodeState:
    """What this connection knows about its node: identity, clock, capture switch."""

    node_id: str
    clock: HybridClock
    logging: bool = True
    user: str = ""                  # the signed-in account: gd_user() stamps audit entries
    session: object = field(default=None, repr=False)  # app.accounts.Session
    search_key: SearchKeyFn | None = field(default=None, repr=False)
    reading: ReadingFn | None = field(default=None, repr=False)

    @contextmanager
    def logging_suppressed(self) -> Iterator[None]:
        before, self.logging = self.logging, False
        try:
            yield
        finally:
            self.logging = before


def node_state(db: sqlite_utils.Database) -> NodeState:
    return db._griddesk  # type: ignore[attr-defined]


def catch_up_clock(conn: sqlite3.Connection, state: NodeState) -> None:
    """Move this connection's clock past the stamps made or received through any connection
    to this file: its newest local change and the newest stamp it has seen (`hlc_seen`,
    written by every import). Called when a write transaction starts, under SQLite's write
    lock, so that a worker thread's import or the window's own edits on another connection
    can never leave this one stamping a change before them."""
    try:
        found = conn.execute(
            "SELECT (SELECT hlc FROM change_log ORDER BY seq DESC LIMIT 1), "
            "(SELECT value FROM meta WHERE key = 'hlc_seen')").fetchone()
    except sqlite3.OperationalError:   # not migrated yet: no change log, nothing stamped
        return
    for stamp in found:
        if stamp:
            with suppress(ValueError):   # not a stamp (a damaged meta value): nothing seen
                state.clock.observe(stamp)


def get_meta(db: sqlite_utils.Database, key: str) -> str | None:
    row = db.conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
    return row[0] if row else None


def set_meta(db: sqlite_utils.Database, key: str, value: str | None) -> None:
    db.conn.execute(
        "INSERT INTO meta (key, value) VALUES (?, ?) "
        "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        (key, value),
    )


@contextmanager
def transaction(db: sqlite_utils.Database) -> Iterator[sqlite3.Connection]:
    """One write transaction; nested uses become savepoints. Rolls back on error."""
    conn = db.conn
    if conn.in_transaction:
        name = f"sp_{secrets.token_hex(4)}"
        conn.execute(f"SAVEPOINT {name}")
        try:
            yield conn
        except BaseException:
            conn.execute(f"ROLLBACK TO {name}")
            conn.execute(f"RELEASE {name}")
            raise
        conn.execute(f"RELEASE {name}")
        return
    conn.execute("BEGIN IMMEDIATE")
    try:
        state = getattr(db, "_griddesk", None)
        if state is not None and state.node_id:
            catch_up_clock(conn, state)
        yield conn
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")
