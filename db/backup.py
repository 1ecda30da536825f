"""SQL of backups: online copies, what a copy holds, a restored copy's new node identity."""

from __future__ import annotations

import secrets
import sqlite3
from collections.abc import Callable
from pathlib import Path


class CopyCancelled(Exception):
    """The online copy was cancelled; the partial copy is the caller's to delete."""


# What a backup is shown with before it replaces anything: live rows per table, when present.
COUNTED = ("households", "residents", "party_members", "buildings", "isolation_cases")


def online_copy(source: sqlite3.Connection, target: Path,
                progress: Callable[[int, int], None] | None = None,
                cancelled: Callable[[], bool] | None = None, pages: int = -1) -> None:
    """Copy a live database with SQLite's online backup API. By default in one step: a write
    by another connection restarts a stepwise backup, so a busy window could keep a stepped
    copy from ever finishing, while one step is a single read transaction that, in WAL mode,
    never blocks the window's writes. Raises CopyCancelled when cancelled."""
    dest = sqlite3.connect(target)
    try:
        def step(_status: int, remaining: int, total: int) -> None:
            if progress:
                progress(total - remaining, total)
            if cancelled and cancelled():
                raise CopyCancelled()

        source.backup(dest, pages=pages, progress=step)
        # The copy stands alone: no WAL beside it, every page in the one file.
        dest.execute("PRAGMA journal_mode = DELETE")
    finally:
        dest.close()


def counts(conn: sqlite3.Connection) -> dict[str, int]:
    have = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    out = {}
    for table in COUNTED:
        if table in have:
            out[table] = conn.execute(
                f"SELECT count(*) FROM [{table}] WHERE deleted = 0").fetchone()[0]
    return out


def meta(conn: sqlite3.Connection, key: str) -> str | None:
    row = conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
    return row[0] if row else None


def community_name(conn: sqlite3.Connection) -> tuple[str, str]:
    """Name and code of the org unit this database belongs to ('' when none yet)."""
    cid = meta(conn, "community_id")
    row = conn.execute("SELECT name, code FROM org_units WHERE id = ?", (cid,)).fetchone() \
        if cid else None
    return (row[0], row[1]) if row else ("", "")


def renew_identity(conn: sqlite3.Connection, restored_at: str) -> tuple[str, str]:
    """Make a restored copy a new sync node: a new node id, and every peer's sequence
    bookkeeping back to zero, because the peers' idea of what we hold (and of which of our
    sequence numbers they hold) belongs to the old node's history, which went on after the
    backup. The old id is kept in meta so enrollment can tell the district who we continue.
    Returns (old id, new id)."""
    old = meta(conn, "node_id") or ""
    new = secrets.token_hex(8)
    with conn:
        earlier = meta(conn, "previous_node_ids")
        chain = ",".join(x for x in (earlier, old) if x)
        for key, value in (("node_id", new), ("restored_from", old),
                           ("restored_at", restored_at), ("previous_node_ids", chain)):
            conn.execute("INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) "
                         "DO UPDATE SET value = excluded.value", (key, value))
        conn.execute("UPDATE peers SET acked_seq = 0, acked_hlc = NULL, received_seq = 0")
    return old, new


def quick_check(conn: sqlite3.Connection) -> str:
    return conn.execute("PRAGMA quick_check").fetchone()[0]
