"""Change capture for sync: per-field triggers into change_log, and applying remote changes."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import NamedTuple

import sqlite_utils

# Synced tables are found by shape: every table with an `id`, a `community_id`
# and a `deleted` column is synced; these hold node-local state instead.
LOCAL_TABLES = frozenset({"meta", "change_log", "field_clock", "resident_search", "peers",
                          "household_search", "resident_numbers"})


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
    """(Re)create the capture triggers of every synced table; run after each migration."""
    conn = db.conn
    for (name,) in conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'sync\\_%' ESCAPE '\\'"
    ).fetchall():
        conn.execute(f"DROP TRIGGER [{name}]")
    for tbl, cols in synced_tables(db).items():
        def log(col: str, row: str, when: str, tbl: str = tbl) -> str:
            return (
                "INSERT INTO change_log (tbl, row_id, col, value, hlc, node, owner) "
                f"SELECT '{tbl}', {row}.id, '{col}', {row}.[{col}], gd_hlc(), gd_node(), "
                f"{row}.community_id WHERE {when};"
            )
        inserts = "\n".join(log(c, "new", f"new.[{c}] IS NOT NULL") for c in cols)
        updates = "\n".join(log(c, "new", f"old.[{c}] IS NOT new.[{c}]") for c in cols)
        conn.execute(
            f"CREATE TRIGGER [sync_{tbl}_insert] AFTER INSERT ON [{tbl}] "
            f"WHEN gd_logging() BEGIN\n{inserts}\nEND"
        )
        conn.execute(
            f"CREATE TRIGGER [sync_{tbl}_update] AFTER UPDATE ON [{tbl}] "
            f"WHEN gd_logging() BEGIN\n"
            f"SELECT RAISE(ABORT, 'the id of a synced row never changes') "
            f"WHERE old.id IS NOT new.id;\n{updates}\nEND"
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


def apply_changes(db: sqlite_utils.Database, changes: Iterable[Change], *,
                  max_hlc: str | None = None, unacked_after: str | None = None
                  ) -> ApplyResult:
    """Apply remote changes, last writer wins per field; nothing is re-logged.

    Runs in one transaction: either every change is applied or none is. Changes stamped
    after `max_hlc` never win (a sender's clock far in the future). A field this node
    changed after `unacked_after` (the stamp of our last change the sender confirmed)
    was unknown to the sender: overwriting it with a different value, or keeping it
    against a different one, is a conflict staff should review.
    """
    from db.connection import node_state, transaction  # connection imports this module

    state = node_state(db)
    tables = synced_tables(db)
    conn = db.conn
    rows: dict[tuple[str, str], list[Change]] = {}
    for ch in changes:
        cols = tables.get(ch.tbl)
        if cols is None or ch.col not in cols:
            raise ValueError(f"unknown field {ch.tbl}.{ch.col}")
        rows.setdefault((ch.tbl, ch.row_id), []).append(ch)
    result = ApplyResult()
    me = state.node_id
    # Rows never seen here are inserted in bulk (a snapshot is almost all such rows);
    # rows held here go field by field through last-writer-wins.
    new_rows: dict[tuple[str, tuple[str, ...]], list[list[object]]] = {}
    new_clock: list[tuple[str, str, str, str]] = []
    newest = ""
    with state.logging_suppressed(), transaction(db):
        conn.execute("PRAGMA defer_foreign_keys = ON")  # parents may come later in the batch
        known = _known_rows(conn, rows)
        for (tbl, row_id), row_changes in rows.items():
            winners: dict[str, Change] = {}
            for ch in row_changes:
                if max_hlc is not None and ch.hlc > max_hlc:
                    result.future += 1
                    continue
                if ch.hlc > newest:
                    newest = ch.hlc
                best = winners.get(ch.col)
                if best is None or ch.hlc > best.hlc:
                    winners[ch.col] = ch
            if not winners:
                continue
            if (tbl, row_id) not in known:
                cols = tuple(winners)
                new_rows.setdefault((tbl, cols), []).append(
                    [row_id, *(winners[c].value for c in cols)])
                new_clock += [(tbl, row_id, c, winners[c].hlc) for c in cols]
                result.applied += len(cols)
                continue
            current = dict(conn.execute(
                "SELECT col, hlc FROM field_clock WHERE tbl = ? AND row_id = ?", (tbl, row_id)
            ).fetchall())
            existing = None
            if current:
                cur = conn.execute(f"SELECT * FROM [{tbl}] WHERE id = ?", (row_id,))
                found = cur.fetchone()
                if found is not None:
                    existing = dict(zip([d[0] for d in cur.description], found, strict=True))
            fresh = []
            for col, ch in winners.items():
                held = current.get(col)
                concurrent = (held is not None and held.endswith("." + me)
                              and (unacked_after is None or held > unacked_after)
                              and existing is not None and existing[col] != ch.value)
                if held is None or ch.hlc > held:
                    fresh.append(ch)
                    if concurrent:
                        result.conflicts.append(
                            (tbl, row_id, col, ch.value, ch.hlc, existing[col], held))
                else:
                    result.stale += 1
                    if concurrent and ch.hlc != held:
                        result.conflicts.append(
                            (tbl, row_id, col, existing[col], held, ch.value, ch.hlc))
            if not fresh:
                continue
            exists = existing is not None or conn.execute(
                f"SELECT 1 FROM [{tbl}] WHERE id = ?", (row_id,)).fetchone()
            if exists:
                sets = ", ".join(f"[{ch.col}] = ?" for ch in fresh)
                conn.execute(f"UPDATE [{tbl}] SET {sets} WHERE id = ?",
                             [ch.value for ch in fresh] + [row_id])
            else:
                names = ", ".join(["id"] + [f"[{ch.col}]" for ch in fresh])
                marks = ", ".join("?" for _ in range(len(fresh) + 1))
                conn.execute(f"INSERT INTO [{tbl}] ({names}) VALUES ({marks})",
                             [row_id] + [ch.value for ch in fresh])
            conn.executemany(
                "INSERT INTO field_clock (tbl, row_id, col, hlc) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (tbl, row_id, col) DO UPDATE SET hlc = excluded.hlc",
                [(tbl, row_id, ch.col, ch.hlc) for ch in fresh],
            )
            result.applied += len(fresh)
        for (tbl, cols), values in new_rows.items():
            names = ", ".join(["id", *(f"[{c}]" for c in cols)])
            marks = ", ".join("?" * (len(cols) + 1))
            conn.executemany(f"INSERT INTO [{tbl}] ({names}) VALUES ({marks})", values)
        conn.executemany("INSERT INTO field_clock (tbl, row_id, col, hlc) VALUES (?, ?, ?, ?)",
                         new_clock)
    if newest:
        state.clock.observe(newest)   # our next stamps come after everything received
    return result


def _known_rows(conn, rows: dict[tuple[str, str], list[Change]]) -> set[tuple[str, str]]:
    """Which of these rows this node already holds (every held row has field stamps)."""
    conn.execute("CREATE TEMP TABLE IF NOT EXISTS incoming_rows (tbl TEXT, row_id TEXT)")
    conn.execute("DELETE FROM temp.incoming_rows")
    conn.executemany("INSERT INTO temp.incoming_rows VALUES (?, ?)", list(rows))
    return set(conn.execute(
        "SELECT i.tbl, i.row_id FROM temp.incoming_rows i WHERE EXISTS "
        "(SELECT 1 FROM field_clock f WHERE f.tbl = i.tbl AND f.row_id = i.row_id)"))
