"""Change capture for sync: per-field triggers into change_log, and applying remote changes."""

from __future__ import annotations

import gc
import re
import sqlite3
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import NamedTuple

import orjson
import sqlite_utils

from db.node import node_state, set_meta, transaction

# Synced tables are found by shape: every table with an `id`, a `community_id`
# and a `deleted` column is synced; these hold node-local state instead.
LOCAL_TABLES = frozenset({"meta", "change_log", "field_clock", "row_clock", "clock_columns",
                          "resident_search",
                          "peers", "household_search", "resident_numbers"})


class Change(NamedTuple):
    """One field of one row set to a value at a stamp (what a bundle carries).
    A named tuple: a snapshot makes 1.6 million of them."""

    tbl: str
    row_id: str
    col: str
    value: object
    hlc: str
    node: str
    seq: int | None = None
    owner: str | None = None


def synced_tables(db: sqlite_utils.Database) -> dict[str, list[str]]:
    """Synced table name → its columns other than id, in schema order."""
    out: dict[str, list[str]] = {}
    for name in db.table_names():
        if name in LOCAL_TABLES or name.startswith("sqlite_"):
            continue
        cols = [c.name for c in db[name].columns]
        if {"id", "community_id", "deleted"} <= set(cols):
            out[name] = [c for c in cols if c != "id"]
    return out


def install_triggers(db: sqlite_utils.Database) -> None:
    """(Re)create the capture triggers of every synced table; run after each migration.

    An insert takes one stamp (one gd_hlc() call) for all its fields: they go to change_log
    with it and into one packed row_clock entry, not one field_clock entry each. An update
    takes one stamp for the fields it changes, logged and written to field_clock. Each is
    one statement over the table's columns (a VALUES list), not one statement per column:
    SQLite's per-statement cost in a trigger was most of an import's time."""
    conn = db.conn
    for sql in ROW_CLOCK_SQL:
        conn.execute(sql)
    for (name,) in conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'trigger' "
        "AND name LIKE 'sync\\_%' ESCAPE '\\'").fetchall():
        conn.execute(f"DROP TRIGGER [{name}]")
    for tbl, cols in synced_tables(db).items():
        listed = ", ".join(f"('{c}')" for c in cols)

        def pick(row: str, cols: list[str] = cols) -> str:   # the field c.column1 of a row
            whens = " ".join(f"WHEN '{c}' THEN {row}.[{c}]" for c in cols)
            return f"CASE c.column1 {whens} END"
        changed = ("CASE c.column1 "
                   + " ".join(f"WHEN '{c}' THEN old.[{c}] IS NOT new.[{c}]" for c in cols)
                   + " END")
        present = " || ".join(f"CASE WHEN new.[{c}] IS NOT NULL THEN ' {c}' ELSE '' END"
                              for c in cols)
        conn.execute(
            f"CREATE TRIGGER [sync_{tbl}_insert] AFTER INSERT ON [{tbl}] "
            f"WHEN gd_logging() BEGIN\n"
            # the row's column list, kept once per distinct list (almost always there)
            f"INSERT OR IGNORE INTO clock_columns (tbl, cols) "
            f"SELECT '{tbl}', substr(p.cols, 2) "
            f"FROM (SELECT {present} AS cols) p WHERE p.cols <> '';\n"
            f"INSERT OR REPLACE INTO row_clock (tbl, row_id, cols_id, hlcs) "
            f"SELECT '{tbl}', new.id, k.id, gd_hlc() "
            f"FROM (SELECT {present} AS cols) p JOIN clock_columns k "
            f"ON k.tbl = '{tbl}' AND k.cols = substr(p.cols, 2) WHERE p.cols <> '';\n"
            f"INSERT INTO change_log (tbl, row_id, col, value, hlc, node, owner) "
            f"SELECT '{tbl}', new.id, c.column1, {pick('new')}, "
            f"(SELECT hlcs FROM row_clock WHERE tbl = '{tbl}' AND row_id = new.id), gd_node(), "
            f"new.community_id FROM (VALUES {listed}) c WHERE {pick('new')} IS NOT NULL;\n"
            f"END"
        )
        conn.execute(
            f"CREATE TRIGGER [sync_{tbl}_update] AFTER UPDATE ON [{tbl}] "
            f"WHEN gd_logging() BEGIN\n"
            f"SELECT RAISE(ABORT, 'the id of a synced row never changes') "
            f"WHERE old.id IS NOT new.id;\n"
            # CROSS JOIN keeps the one-row stamp subquery the outer loop: one call
            f"INSERT INTO change_log (tbl, row_id, col, value, hlc, node, owner) "
            f"SELECT '{tbl}', new.id, c.column1, {pick('new')}, s.h, gd_node(), new.community_id "
            f"FROM (SELECT gd_hlc() AS h LIMIT 1) s CROSS JOIN (VALUES {listed}) c "
            f"WHERE {changed};\n"
            f"INSERT INTO field_clock (tbl, row_id, col, hlc) "
            f"SELECT '{tbl}', new.id, c.column1, "
            f"(SELECT hlc FROM change_log ORDER BY seq DESC LIMIT 1) "
            f"FROM (VALUES {listed}) c WHERE {changed} "
            f"ON CONFLICT (tbl, row_id, col) DO UPDATE SET hlc = excluded.hlc;\n"
            f"END"
        )
        # Synced rows are never hard-deleted: a delete could not travel to the peer.
        conn.execute(
            f"CREATE TRIGGER [sync_{tbl}_no_delete] BEFORE DELETE ON [{tbl}] BEGIN "
            f"SELECT RAISE(ABORT, 'synced rows are deleted by setting deleted = 1'); END"
        )


def changes_since(db: sqlite_utils.Database, seq: int = 0, limit: int | None = None
                  ) -> list[Change]:
    """Local changes with a sequence number above `seq`, oldest first."""
    sql = ("SELECT seq, tbl, row_id, col, value, hlc, node, owner FROM change_log "
           "WHERE seq > ? ORDER BY seq")
    params: list[object] = [seq]
    if limit is not None:
        sql += " LIMIT ?"
        params.append(limit)
    return [
        Change(tbl=r[1], row_id=r[2], col=r[3], value=r[4], hlc=r[5], node=r[6], seq=r[0],
               owner=r[7])
        for r in db.conn.execute(sql, params)
    ]


def last_seq(db: sqlite_utils.Database) -> int:
    return db.conn.execute("SELECT COALESCE(MAX(seq), 0) FROM change_log").fetchone()[0]


@dataclass
class ApplyResult:
    """What applying remote changes did."""

    applied: int = 0          # field values written
    stale: int = 0            # older than the value held: ignored
    future: int = 0           # stamped too far ahead of our clock: ignored
    conflicts: list[tuple] = field(default_factory=list)
    # (tbl, row_id, col, kept_value, kept_hlc, lost_value, lost_hlc) per concurrent overwrite


Run = list  # [tbl, row_id, owner, [col, ...], [value, ...], [hlc, ...]]: one row's fields

# The stamps of the fields a row had when it was inserted here or arrived here as a new row,
# packed into one entry per row ("cols" and "hlcs" space-separated, in the same order; a
# single stamp in "hlcs" stands for every field, as a local insert stamps them), instead of
# one field_clock entry per field: 200,000 rows write 200,000 index entries, not 2 million.
# The column list is kept once per distinct list in clock_columns (a file has a few dozen)
# and row_clock holds its number, cols_id (migration 0024): half of an entry's bytes were
# the list. It still says which fields the stamp covers: a column added later is not in it.
# A field's stamp is the newer of its field_clock entry and its packed one: every later write
# of the field (a local edit or a newer remote value) goes to field_clock with a newer stamp,
# so the merge rule is exactly the one of one entry per field (and a row inserted again, by
# INSERT OR REPLACE, takes the new insert's stamps over older field_clock entries).
# Created by migrations 0019 and 0024 and, for a file made before them, by code (see
# install_triggers).
ROW_CLOCK_SQL = (
    "CREATE TABLE IF NOT EXISTS clock_columns (id INTEGER PRIMARY KEY, tbl TEXT NOT NULL, "
    "cols TEXT NOT NULL, UNIQUE (tbl, cols))",
    "CREATE TABLE IF NOT EXISTS row_clock (tbl TEXT NOT NULL, row_id TEXT NOT NULL, "
    "cols_id INTEGER NOT NULL, hlcs TEXT NOT NULL, PRIMARY KEY (tbl, row_id)) WITHOUT ROWID",
)
# A row's packed entry as (cols, hlcs): ?1 the table, ?2 the row id.
PACKED_SQL = ("SELECT k.cols, r.hlcs FROM row_clock r JOIN clock_columns k ON k.id = r.cols_id "
              "WHERE r.tbl = ?1 AND r.row_id = ?2")


def column_set(conn: sqlite3.Connection, tbl: str, cols: str) -> int:
    """The clock_columns number of this table's column list (space-separated), added if new."""
    conn.execute("INSERT OR IGNORE INTO clock_columns (tbl, cols) VALUES (?, ?)", (tbl, cols))
    return conn.execute("SELECT id FROM clock_columns WHERE tbl = ? AND cols = ?",
                        (tbl, cols)).fetchone()[0]

# A bundle bringing at least this many new rows inserts them without per-row triggers; new
# residents and households get their search rows in one pass afterwards.
BULK_INDEX_MIN = 1000
BULK_CACHE_KIB = 256 * 1024   # page cache while applying a big bundle
# The insert triggers of migration 0001 that keep the local search tables, and what replaces
# them, set-based, for the ids in temp.bulk_residents / temp.bulk_households.
SEARCH_INSERT_TRIGGERS = ("resident_search_insert", "resident_digits_insert",
                          "household_search_insert")
# The rows of the resident_search_rows view (migration 0001) for the given residents, with each
# resident's reading computed once: through the view, SQLite inlines gd_reading(name) in all
# three places that use it, three Python calls a row. Tests compare the rows with the view's.
_RESIDENT_SEARCH_ROWS = (
    "WITH r AS MATERIALIZED (SELECT id, name, id_number, phone, household_id, "
    "gd_reading(name) AS reading FROM residents "
    "WHERE id IN (SELECT value FROM json_each(?1)) AND deleted = 0) "
    "SELECT reading, id, gd_search_key(name, id_number, phone), name, "
    "substr(reading, instr(reading, ' ') + 1), household_id FROM r ORDER BY reading")
_BULK_SEARCH_SQL = (   # ?1: the new residents' ids, ?2: the new households' ids (JSON arrays)
    f"INSERT OR REPLACE INTO resident_search {_RESIDENT_SEARCH_ROWS}",
    "INSERT OR IGNORE INTO resident_numbers (resident_id) SELECT r.id FROM json_each(?1) b "
    "JOIN residents r ON r.id = b.value WHERE r.deleted = 0",
    "INSERT INTO resident_digits (rowid, digits) "
    "SELECT n.n, lower(COALESCE(r.id_number, '') || ' ' || COALESCE(r.phone, '')) "
    "FROM json_each(?1) b JOIN residents r ON r.id = b.value "
    "JOIN resident_numbers n ON n.resident_id = r.id WHERE r.deleted = 0",
    "INSERT OR REPLACE INTO household_search SELECT * FROM household_search_keys "
    "WHERE household_id IN (SELECT value FROM json_each(?2)) ORDER BY key",
)


@contextmanager
def gc_paused() -> Iterator[None]:
    """Python's cyclic collector off while millions of short-lived lists and strings are made
    (parsing or building a bundle): it would otherwise rescan them all again and again."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def apply_changes(db: sqlite_utils.Database, changes: Iterable[Change], *,
                  max_hlc: str | None = None, unacked_after: str | None = None
                  ) -> ApplyResult:
    """apply_rows() for a list of single changes (consecutive changes of a row are one run)."""
    runs: list[Run] = []
    for ch in changes:
        if runs and runs[-1][0] == ch.tbl and runs[-1][1] == ch.row_id:
            last = runs[-1]
        else:
            last = [ch.tbl, ch.row_id, ch.owner, [], [], []]
            runs.append(last)
        last[3].append(ch.col)
        last[4].append(ch.value)
        last[5].append(ch.hlc)
    return apply_rows(db, runs, max_hlc=max_hlc, unacked_after=unacked_after)


def apply_rows(db: sqlite_utils.Database, runs: Iterable[Run], *,
               max_hlc: str | None = None, unacked_after: str | None = None) -> ApplyResult:
    """Apply remote changes, last writer wins per field; nothing is re-logged.

    `runs` are [tbl, row_id, owner, cols, values, hlcs]: fields of one row with their values
    and stamps (a bundle's "rows"); one row may come in several runs.
    Runs in one transaction: either every change is applied or none is. Changes stamped
    after `max_hlc` never win (a sender's clock far in the future). A field this node
    changed after `unacked_after` (the stamp of our last change the sender confirmed)
    was unknown to the sender: overwriting it with a different value, or keeping it
    against a different one, is a conflict staff should review.
    """
    state = node_state(db)
    tables = {name: frozenset(cols) for name, cols in synced_tables(db).items()}
    conn = db.conn
    rows: dict[tuple[str, str], Run] = {}            # a row's one run (a snapshot: all rows)
    repeated: dict[tuple[str, str], list[Run]] = {}  # a row's runs, if it comes in several
    for run in runs:
        tbl, row_id, _owner, cols, values, stamps = run
        n = len(cols)
        if n != len(values) or n != len(stamps):
            raise ValueError(f"a run of {tbl} has {len(cols)} fields, {len(values)} values")
        known_cols = tables.get(tbl)
        if known_cols is None or not known_cols.issuperset(cols):
            unknown = [c for c in cols if known_cols is None or c not in known_cols]
            raise ValueError(f"unknown field {tbl}.{unknown[0] if unknown else cols}")
        if not n:
            continue
        key = (tbl, row_id)
        if key in rows:
            repeated.setdefault(key, [rows[key]]).append(run)
        else:
            rows[key] = run
    result = ApplyResult()
    cache = conn.execute("PRAGMA cache_size").fetchone()[0]
    if len(rows) >= BULK_INDEX_MIN:   # the tables' and indexes' pages stay in memory
        conn.execute(f"PRAGMA cache_size = {min(cache, -BULK_CACHE_KIB)}")
    try:
        with state.logging_suppressed(), transaction(db):
            conn.execute("PRAGMA defer_foreign_keys = ON")  # parents may come later
            for sql in ROW_CLOCK_SQL:
                conn.execute(sql)
            newest = _apply(conn, rows, repeated, max_hlc, unacked_after, state.node_id,
                            result)
            if newest:   # our next stamps come after everything received, on every
                state.clock.observe(newest)   # connection to this file (see transaction())
                set_meta(db, "hlc_seen", state.clock.last)
    finally:
        conn.execute(f"PRAGMA cache_size = {cache}")
    return result


def _apply(conn: sqlite3.Connection, rows: dict[tuple[str, str], Run],
           repeated: dict[tuple[str, str], list[Run]], max_hlc: str | None,
           unacked_after: str | None, me: str, result: ApplyResult) -> str:
    """apply_rows() inside its transaction; returns the newest stamp applied."""
    # Rows never seen here are inserted in bulk (a snapshot is almost all such rows), their
    # stamps packed into row_clock; rows held here go field by field through last-writer-wins.
    new_rows: dict[tuple[str, tuple[str, ...]], list[tuple[object, ...]]] = {}
    new_clock: list[tuple[str, str, int, str]] = []
    # (tbl, cols) → the clock_columns number of its list, or 0 (a field given twice)
    shapes: dict[tuple[str, tuple[str, ...]], int] = {}
    newest = ""
    known = _known_rows(conn, rows)
    held = {"residents": 0, "households": 0}
    for tbl, _row_id in known:
        if tbl in held:
            held[tbl] += 1
    touched: dict[str, list[str]] = {"residents": [], "households": []}
    # Rows held here merge in chunks, their stamps read for a chunk at once (a restored
    # office receives a snapshot of rows it nearly all holds: one look-up per row was most of
    # the import).
    held_rows: list[tuple[tuple[str, str], dict[str, tuple[object, str]]]] = []

    def merge_held() -> None:
        stamps = _held_stamps(conn, [key for key, _winners in held_rows])
        for (tbl, row_id), winners in held_rows:
            fresh = _merge_held_row(conn, tbl, row_id, winners, me, unacked_after, result,
                                    stamps[(tbl, row_id)])
            if fresh and tbl in touched:
                touched[tbl].append(row_id)
            result.applied += fresh
        held_rows.clear()

    with _bulk_update_search_off(conn, sum(held.values()) >= BULK_UPDATE_MIN, touched):
        for key, run in rows.items():
            tbl, row_id = key
            row_runs = repeated.get(key)
            if row_runs is None:
                if key not in known:
                    # The common case of a snapshot: one run, each field once, none from the
                    # future.
                    _t, _r, _o, cols, values, stamps = run
                    top = max(stamps)
                    shape = (tbl, tuple(cols))
                    packed = shapes.get(shape)
                    if packed is None:   # a new shape: its column list's number, or 0
                        packed = shapes[shape] = (column_set(conn, tbl, " ".join(cols))
                                                  if len(set(cols)) == len(cols) else 0)
                    if packed and (max_hlc is None or top <= max_hlc):
                        if top > newest:
                            newest = top
                        new_rows.setdefault(shape, []).append((row_id, *values))
                        new_clock.append((tbl, row_id, packed, packed_stamps(stamps)))
                        result.applied += len(cols)
                        continue
                row_runs = [run]
            winners: dict[str, tuple[object, str]] = {}
            for run in row_runs:
                for col, value, hlc in zip(run[3], run[4], run[5], strict=True):
                    if max_hlc is not None and hlc > max_hlc:
                        result.future += 1
                        continue
                    if hlc > newest:
                        newest = hlc
                    best = winners.get(col)
                    if best is None or hlc > best[1]:
                        winners[col] = (value, hlc)
            if not winners:
                continue
            if key not in known:
                cols = tuple(winners)
                new_rows.setdefault((tbl, cols), []).append(
                    (row_id, *(winners[c][0] for c in cols)))
                if not shapes.get((tbl, cols)):   # each field once here: a list of its own
                    shapes[tbl, cols] = column_set(conn, tbl, " ".join(cols))
                new_clock.append((tbl, row_id, shapes[tbl, cols],
                                  packed_stamps([winners[c][1] for c in cols])))
                result.applied += len(cols)
                continue
            held_rows.append((key, winners))
            if len(held_rows) >= HELD_CHUNK:
                merge_held()
        merge_held()
    with _bulk_insert_triggers_off(conn, new_rows):
        for (tbl, cols), values in new_rows.items():
            names = ", ".join(["id", *(f"[{c}]" for c in cols)])
            marks = ", ".join("?" * (len(cols) + 1))
            conn.executemany(f"INSERT INTO [{tbl}] ({names}) VALUES ({marks})", values)
    conn.executemany("INSERT INTO row_clock (tbl, row_id, cols_id, hlcs) VALUES (?, ?, ?, ?)",
                     new_clock)
    return newest


def unpack(cols: str, hlcs: str) -> dict[str, str]:
    """A row_clock entry as field → stamp (one stamp for all fields, or one per field)."""
    names = cols.split(" ")
    stamps = hlcs.split(" ")
    if len(stamps) == 1:
        return dict.fromkeys(names, stamps[0])
    return dict(zip(names, stamps, strict=True))


def packed_stamps(stamps: list[str]) -> str:
    """The hlcs of a row_clock entry: one stamp when all fields share it."""
    first = stamps[0]
    return first if all(s == first for s in stamps) else " ".join(stamps)


def field_stamp(conn: sqlite3.Connection, tbl: str, row_id: str, col: str) -> str | None:
    """The stamp of the value a field holds here (None: never stamped)."""
    found = [hlc for (hlc,) in conn.execute(
        "SELECT hlc FROM field_clock WHERE tbl = ? AND row_id = ? AND col = ?",
        (tbl, row_id, col))]
    packed = conn.execute(PACKED_SQL, (tbl, row_id)).fetchone()
    if packed is not None and (hlc := unpack(*packed).get(col)):
        found.append(hlc)
    return max(found, default=None)


HELD_CHUNK = 2000   # held rows whose stamps are read together


def without_held_writes(db: sqlite_utils.Database, runs: list[Run]) -> tuple[list[Run], int]:
    """The runs that could change something here, and how many fields the others carried.

    A run whose every field carries exactly the stamp of the value held here is that same
    write again (a restored office receiving its rows back from the district, a bundle
    imported twice): last writer wins needs a newer stamp to land and a conflict needs a
    different one, so its values can do nothing here and need no checking either. The shape
    of every run is checked before (app/sync/incoming.rows_of)."""
    kept: list[Run] = []
    inert = 0
    for start in range(0, len(runs), HELD_CHUNK * 5):
        chunk = runs[start:start + HELD_CHUNK * 5]
        held = _held_stamps(db.conn, list({(run[0], run[1]) for run in chunk}))
        for run in chunk:
            current = held[(run[0], run[1])]
            if current and all(current.get(col) == stamp
                               for col, stamp in zip(run[3], run[5], strict=True)):
                inert += len(run[3])
            else:
                kept.append(run)
    return kept, inert


def _held_stamps(conn: sqlite3.Connection, keys: list[tuple[str, str]]
                 ) -> dict[tuple[str, str], dict[str, str]]:
    """Each held row's field → stamp: the newer of its packed stamp and its field_clock one
    (what `_merge_held_row` compares with), for many rows in two look-ups a table."""
    out: dict[tuple[str, str], dict[str, str]] = {key: {} for key in keys}
    by_table: dict[str, list[str]] = {}
    for tbl, row_id in keys:
        by_table.setdefault(tbl, []).append(row_id)
    for tbl, ids in by_table.items():
        wanted = orjson.dumps(ids).decode()
        for row_id, col, hlc in conn.execute(
                "SELECT f.row_id, f.col, f.hlc FROM json_each(?2) j "   # CROSS: the ids
                "CROSS JOIN field_clock f ON f.tbl = ?1 AND f.row_id = j.value",   # lead
                (tbl, wanted)):
            out[(tbl, row_id)][col] = hlc
        for row_id, cols, hlcs in conn.execute(
                "SELECT r.row_id, k.cols, r.hlcs FROM json_each(?2) j "
                "CROSS JOIN row_clock r ON r.tbl = ?1 AND r.row_id = j.value "
                "JOIN clock_columns k ON k.id = r.cols_id", (tbl, wanted)):
            current = out[(tbl, row_id)]
            for col, hlc in unpack(cols, hlcs).items():
                if hlc > current.get(col, ""):
                    current[col] = hlc
    return out


def _merge_held_row(conn: sqlite3.Connection, tbl: str, row_id: str,
                    winners: dict[str, tuple[object, str]], me: str, unacked_after: str | None,
                    result: ApplyResult, current: dict[str, str]) -> int:
    """Last writer wins, field by field, on a row this node holds (`current`: its stamps, from
    `_held_stamps`); returns fields written."""
    existing = None
    # The row's values are needed only where a field we changed since the sender's last
    # confirmation meets another value (a conflict to list).
    if any(held is not None and held.endswith("." + me)
           and (unacked_after is None or held > unacked_after)
           for held in map(current.get, winners)):
        cur = conn.execute(f"SELECT * FROM [{tbl}] WHERE id = ?", (row_id,))
        found = cur.fetchone()
        if found is not None:
            existing = dict(zip([d[0] for d in cur.description], found, strict=True))
    fresh: list[tuple[str, object, str]] = []
    for col, (value, hlc) in winners.items():
        held = current.get(col)
        concurrent = (held is not None and held.endswith("." + me)
                      and (unacked_after is None or held > unacked_after)
                      and existing is not None and existing[col] != value)
        if held is None or hlc > held:
            fresh.append((col, value, hlc))
            if concurrent:
                result.conflicts.append((tbl, row_id, col, value, hlc, existing[col], held))
        else:
            result.stale += 1
            if concurrent and hlc != held:
                result.conflicts.append((tbl, row_id, col, existing[col], held, value, hlc))
    if not fresh:
        return 0
    exists = existing is not None or conn.execute(
        f"SELECT 1 FROM [{tbl}] WHERE id = ?", (row_id,)).fetchone()
    if exists:
        sets = ", ".join(f"[{col}] = ?" for col, _v, _h in fresh)
        conn.execute(f"UPDATE [{tbl}] SET {sets} WHERE id = ?",
                     [value for _c, value, _h in fresh] + [row_id])
    else:
        names = ", ".join(["id"] + [f"[{col}]" for col, _v, _h in fresh])
        marks = ", ".join("?" for _ in range(len(fresh) + 1))
        conn.execute(f"INSERT INTO [{tbl}] ({names}) VALUES ({marks})",
                     [row_id] + [value for _c, value, _h in fresh])
    conn.executemany(
        "INSERT INTO field_clock (tbl, row_id, col, hlc) VALUES (?, ?, ?, ?) "
        "ON CONFLICT (tbl, row_id, col) DO UPDATE SET hlc = excluded.hlc",
        [(tbl, row_id, col, hlc) for col, _v, hlc in fresh],
    )
    return len(fresh)


# Edits of at least this many held residents and households update their search rows in one
# pass afterwards: the per-row update triggers cost half a millisecond each (FTS5 flushes
# its pending terms at every trigger statement).
BULK_UPDATE_MIN = 200
SEARCH_UPDATE_TRIGGERS = ("resident_search_update", "resident_digits_update",
                          "household_search_update")
_BULK_SEARCH_UPDATE_SQL = (   # ?1: residents' ids, ?2: households' ids (JSON arrays)
    "DELETE FROM resident_search WHERE resident_id IN (SELECT value FROM json_each(?1))",
    f"INSERT INTO resident_search {_RESIDENT_SEARCH_ROWS}",
    "INSERT OR IGNORE INTO resident_numbers (resident_id) SELECT value FROM json_each(?1)",
    "DELETE FROM resident_digits WHERE rowid IN (SELECT n.n FROM json_each(?1) j "
    "JOIN resident_numbers n ON n.resident_id = j.value)",
    "INSERT INTO resident_digits (rowid, digits) "
    "SELECT n.n, lower(COALESCE(r.id_number, '') || ' ' || COALESCE(r.phone, '')) "
    "FROM json_each(?1) j JOIN residents r ON r.id = j.value "
    "JOIN resident_numbers n ON n.resident_id = r.id WHERE r.deleted = 0",
    "DELETE FROM household_search WHERE household_id IN (SELECT value FROM json_each(?2))",
    "INSERT INTO household_search SELECT * FROM household_search_keys "
    "WHERE household_id IN (SELECT value FROM json_each(?2)) ORDER BY key",
)


@contextmanager
def _bulk_update_search_off(conn: sqlite3.Connection, bulk: bool,
                            touched: dict[str, list[str]]) -> Iterator[None]:
    """Many held residents and households: update them without the per-row search-update
    triggers, then rebuild the search rows of those the caller lists in `touched` in one
    pass (the same rows the triggers would have made) and put the triggers back, inside the
    caller's transaction."""
    triggers = conn.execute(
        f"SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND name IN "
        f"({','.join('?' * len(SEARCH_UPDATE_TRIGGERS))})", SEARCH_UPDATE_TRIGGERS
    ).fetchall() if bulk else []
    if len(triggers) != len(SEARCH_UPDATE_TRIGGERS):
        yield
        return
    for name, _sql in triggers:
        conn.execute(f"DROP TRIGGER [{name}]")
    yield
    ids = [orjson.dumps(list(dict.fromkeys(touched[t]))).decode()
           for t in ("residents", "households")]
    for sql in _BULK_SEARCH_UPDATE_SQL:
        conn.execute(sql, ids if "?2" in sql else ids[:1])
    for _name, sql in triggers:
        conn.execute(sql)


# An AFTER INSERT trigger that only acts while capture is on (change capture, audit): inert
# while remote changes are applied, yet SQLite still runs a frame of its whole body per row.
_INERT_INSERT_TRIGGER = re.compile(
    r"^\s*CREATE\s+TRIGGER\s+\S+\s+AFTER\s+INSERT\s+ON\s+\[?(\w+)\]?\s+"
    r"WHEN\s+gd_logging\(\)\s+BEGIN\b", re.IGNORECASE)


@contextmanager
def _bulk_insert_triggers_off(conn: sqlite3.Connection, new_rows: dict) -> Iterator[None]:
    """Many new rows: insert them without per-row triggers, all inside the caller's
    transaction (a failure rolls the dropped triggers back too). Dropped are the insert
    triggers that only act while capture is on (it is off here: nothing changes), and, for
    many new residents and households, the search-index triggers, whose rows are then built
    in one pass for exactly those ids. Every dropped trigger is put back before returning."""
    counts: dict[str, int] = {}
    for (tbl, _cols), values in new_rows.items():
        counts[tbl] = counts.get(tbl, 0) + len(values)
    if sum(counts.values()) < BULK_INDEX_MIN:
        yield
        return
    triggers = conn.execute(
        "SELECT name, tbl_name, sql FROM sqlite_master WHERE type = 'trigger'").fetchall()
    dropped = [(name, sql) for name, tbl, sql in triggers
               if tbl in counts and (m := _INERT_INSERT_TRIGGER.match(sql or ""))
               and m.group(1) == tbl]
    search = [(name, sql) for name, _tbl, sql in triggers if name in SEARCH_INSERT_TRIGGERS]
    bulk_search = (len(search) == len(SEARCH_INSERT_TRIGGERS)
                   and counts.get("residents", 0) + counts.get("households", 0)
                   >= BULK_INDEX_MIN)
    if bulk_search:
        dropped += search
    for name, _sql in dropped:
        conn.execute(f"DROP TRIGGER [{name}]")
    yield
    if bulk_search:
        ids = [orjson.dumps([v[0] for (t, _c), vs in new_rows.items() if t == tbl
                             for v in vs]).decode() for tbl in ("residents", "households")]
        for sql in _BULK_SEARCH_SQL:
            conn.execute(sql, ids if "?2" in sql else ids[:1])
    for _name, sql in dropped:
        conn.execute(sql)


def _known_rows(conn, rows: dict[tuple[str, str], list[Run]]) -> set[tuple[str, str]]:
    """Which of these rows this node already holds (every held row has field stamps, in
    field_clock or packed in row_clock)."""
    by_table: dict[str, list[str]] = {}
    for tbl, row_id in rows:
        by_table.setdefault(tbl, []).append(row_id)
    known: set[tuple[str, str]] = set()
    for tbl, ids in by_table.items():
        known.update((tbl, row_id) for (row_id,) in conn.execute(
            "SELECT j.value FROM json_each(?2) j WHERE "
            "EXISTS (SELECT 1 FROM field_clock f WHERE f.tbl = ?1 AND f.row_id = j.value) OR "
            "EXISTS (SELECT 1 FROM row_clock r WHERE r.tbl = ?1 AND r.row_id = j.value)",
            (tbl, orjson.dumps(ids).decode())))
    return known
