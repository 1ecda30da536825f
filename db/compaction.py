"""Compaction of sync bookkeeping: removing change_log entries every live peer holds, and
packing field_clock entries into one row_clock entry per row. Bounded steps, each its own
transaction, so a kill between steps leaves a database that syncs as before.

A change every live (not revoked) peer has acknowledged is no longer needed as a change: its
value is in the row and its stamp in the field stamps. A peer that lacks it later (a new
peer, one re-enrolled after revocation) gets a snapshot built from rows and stamps
(db.snapshot), decided by compacted_through(). The newest entry is always kept: its seq is
what last_seq() reports and its stamp what the clock catches up to on another connection.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import sqlite_utils

from db.changelog import PACKED_SQL, column_set, packed_stamps, unpack
from db.node import get_meta, set_meta, transaction

DELETE_STEP = 20_000     # change_log entries removed in one transaction
PACK_STEP = 5_000        # rows whose field_clock entries are packed in one transaction

# Exports reading the change log in this process, per database file: compaction waits for
# none to be reading (an export reads its parts in several transactions, on threads).
_readers: dict[str, int] = {}
_readers_lock = threading.Lock()


def _file_of(db: sqlite_utils.Database) -> str:
    row = db.conn.execute("PRAGMA database_list").fetchone()
    return row[2] or f":memory:{id(db.conn)}"


@contextmanager
def export_reading(db: sqlite_utils.Database) -> Iterator[None]:
    """Held while an export reads the change log: compaction of this file waits."""
    key = _file_of(db)
    with _readers_lock:
        _readers[key] = _readers.get(key, 0) + 1
    try:
        yield
    finally:
        with _readers_lock:
            _readers[key] -= 1
            if not _readers[key]:
                del _readers[key]


def export_busy(db: sqlite_utils.Database) -> bool:
    with _readers_lock:
        return _readers.get(_file_of(db), 0) > 0


def compacted_through(db: sqlite_utils.Database) -> int:
    """The highest change_log seq removed by compaction (0: none)."""
    return int(get_meta(db, "compacted_through") or 0)


def removable_through(db: sqlite_utils.Database) -> int:
    """The highest seq compaction may remove now: what every live peer has acknowledged,
    below the newest entry. 0 when there is no live peer (an office that never synced keeps
    its whole log). A revoked peer holds nothing back."""
    conn = db.conn
    count, lowest = conn.execute(
        "SELECT count(*), min(acked_seq) FROM peers WHERE revoked = 0").fetchone()
    if not count:
        return 0
    newest = conn.execute("SELECT COALESCE(max(seq), 0) FROM change_log").fetchone()[0]
    return max(0, min(int(lowest), newest - 1))


@dataclass(frozen=True)
class Pending:
    """What compaction could do now: entries it may remove, entries not every live peer has
    confirmed (kept), field_clock entries to pack, the bytes the removable entries and the
    whole log take, and whether there is any live peer at all."""

    removable: int
    unconfirmed: int
    unpacked: int
    removable_bytes: int
    log_bytes: int
    has_peer: bool


def _table_bytes(conn: sqlite3.Connection, name: str) -> int | None:
    try:
        row = conn.execute("SELECT sum(pgsize) FROM dbstat WHERE name = ?", (name,)).fetchone()
    except sqlite3.OperationalError:   # SQLite built without dbstat
        return None
    return int(row[0] or 0)


ENTRY_BYTES = 175   # what a change_log entry takes with its index share (benchmark file)


def pending(db: sqlite_utils.Database, measured: bool = False) -> Pending:
    """What compaction would remove and pack now, with the size it would free: estimated
    from the entry count (quick enough for the window), or measured with dbstat."""
    conn = db.conn
    count, lowest = conn.execute(
        "SELECT count(*), min(acked_seq) FROM peers WHERE revoked = 0").fetchone()
    through = removable_through(db)
    # Counted from sequence numbers, not by reading millions of entries on every refresh of
    # the page: seqs rise by one (AUTOINCREMENT; a rolled-back insert takes its seq back),
    # and only compaction removes entries, always a prefix.
    newest = conn.execute("SELECT COALESCE(max(seq), 0) FROM change_log").fetchone()[0]
    gone = compacted_through(db)
    total = max(0, newest - gone)
    removable = max(0, through - gone)
    unconfirmed = max(0, newest - max(int(lowest or 0), gone))
    unpacked = conn.execute("SELECT count(*) FROM field_clock").fetchone()[0]
    log_bytes = _table_bytes(conn, "change_log") if measured else None
    if log_bytes is None:
        log_bytes = total * ENTRY_BYTES
    share = removable / total if total else 0.0
    return Pending(removable, unconfirmed, unpacked, int(log_bytes * share), log_bytes,
                   bool(count))


def remove_step(db: sqlite_utils.Database, through: int, step: int | None = None) -> int:
    """Remove up to `step` (DELETE_STEP) change_log entries at or below `through` (one
    transaction); returns how many were removed (0: done)."""
    step = step or DELETE_STEP
    with transaction(db) as conn:
        row = conn.execute(
            "SELECT seq FROM change_log WHERE seq <= ? ORDER BY seq LIMIT 1 OFFSET ?",
            (through, step - 1)).fetchone()
        upto = row[0] if row else through
        gone = conn.execute("DELETE FROM change_log WHERE seq <= ?", (upto,)).rowcount
        if gone:
            set_meta(db, "compacted_through", str(max(upto, compacted_through(db))))
    return gone


def pack_step(db: sqlite_utils.Database, step: int | None = None) -> int:
    """Pack the field_clock entries of up to `step` (PACK_STEP) rows into their row_clock
    entries (one transaction); returns how many field_clock entries were packed (0: done).

    Exact: a field's stamp is the newer of its packed and field_clock ones, so the packed
    entry takes, per field, the newer of the two, and the field_clock entries go."""
    step = step or PACK_STEP
    with transaction(db) as conn:
        keys = conn.execute(
            "SELECT DISTINCT tbl, row_id FROM field_clock LIMIT ?", (step,)).fetchall()
        if not keys:
            return 0
        first, last = keys[0], keys[-1]
        entries = conn.execute(
            "SELECT tbl, row_id, col, hlc FROM field_clock WHERE (tbl, row_id) >= (?, ?) "
            "AND (tbl, row_id) <= (?, ?)", (*first, *last)).fetchall()
        stamps: dict[tuple[str, str], dict[str, str]] = {}
        for tbl, row_id, col, hlc in entries:
            stamps.setdefault((tbl, row_id), {})[col] = hlc
        sets: dict[tuple[str, str], int] = {}   # (tbl, column list) → its clock_columns id
        for (tbl, row_id), fields in stamps.items():
            held = conn.execute(PACKED_SQL, (tbl, row_id)).fetchone()
            merged = unpack(*held) if held else {}
            for col, hlc in fields.items():
                if hlc > merged.get(col, ""):
                    merged[col] = hlc
            cols = " ".join(merged)
            if (tbl, cols) not in sets:
                sets[tbl, cols] = column_set(conn, tbl, cols)
            conn.execute(
                "INSERT OR REPLACE INTO row_clock (tbl, row_id, cols_id, hlcs) "
                "VALUES (?, ?, ?, ?)",
                (tbl, row_id, sets[tbl, cols], packed_stamps(list(merged.values()))))
        conn.execute("DELETE FROM field_clock WHERE (tbl, row_id) >= (?, ?) "
                     "AND (tbl, row_id) <= (?, ?)", (*first, *last))
    return len(entries)
