"""The append-only audit log: hash-chained entries, capture triggers, queries, verification,
and sealing older entries into compressed blocks (db/audit_sealed.py) read as one log."""

from __future__ import annotations

import functools
import hashlib
import json
import logging
import sqlite3
from collections.abc import Callable, Collection, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import sqlite_utils

from db import audit_sealed, changelog, community_scope

_log = logging.getLogger(__name__)

# The columns of an entry, in the order the hash covers them.
FIELDS = ("seq", "at", "actor", "action", "tbl", "row_id", "detail", "prev")
_COLUMNS = ", ".join(FIELDS) + ", hash"
# Sealing (seal_step): blocks of this many consecutive entries leave audit_log once this many
# newer ones stay live there (the tail the capture triggers append to, read without decoding).
SEAL_BLOCK = 1024   # small enough that one record's look-up decodes little (~5 ms)
LIVE_TAIL = 4096
NOW_SQL = "strftime('%Y-%m-%dT%H:%M:%fZ', 'now')"
# The next sequence number and the hash it links to, in one indexed look-up at the end.
_TAIL = ("(SELECT COALESCE((SELECT seq FROM audit_log ORDER BY seq DESC LIMIT 1), 0) + 1 AS s, "
         "COALESCE((SELECT hash FROM audit_log ORDER BY seq DESC LIMIT 1), '') AS p)")


def canonical(seq: int, at: str, actor: str, action: str, tbl: str | None, row_id: str | None,
              detail: str | None, prev: str) -> bytes:
    """The bytes an entry's hash covers: a compact JSON array, UTF-8, fields in FIELDS order."""
    return json.dumps([seq, at, actor, action, tbl, row_id, detail, prev],
                      ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def entry_hash(seq: int, at: str, actor: str, action: str, tbl: str | None,
               row_id: str | None, detail: str | None, prev: str) -> str:
    return hashlib.sha256(canonical(seq, at, actor, action, tbl, row_id, detail, prev)
                          ).hexdigest()


def register(conn) -> None:
    """The SQL function the capture triggers and append() hash entries with."""
    conn.create_function("gd_audit_hash", 8, entry_hash, deterministic=True)


def _insert_sql(action: str, tbl: str, row_id: str, detail: str) -> str:
    """INSERT … SELECT appending one entry; the arguments are SQL expressions."""
    return (
        "INSERT INTO audit_log (seq, at, actor, action, tbl, row_id, detail, prev, hash) "
        f"SELECT t.s, n.at, n.actor, {action}, {tbl}, {row_id}, n.detail, t.p, "
        f"gd_audit_hash(t.s, n.at, n.actor, {action}, {tbl}, {row_id}, n.detail, t.p) "
        f"FROM {_TAIL} AS t, (SELECT {NOW_SQL} AS at, gd_user() AS actor, "
        f"{detail} AS detail) AS n"
    )


_APPEND_SQL = _insert_sql(":action", ":tbl", ":row_id", ":detail")


def append(db: sqlite_utils.Database, action: str, *, tbl: str | None = None,
           row_id: str | None = None, detail: dict[str, Any] | None = None,
           actor: str | None = None) -> int:
    """Append one entry (an event the triggers cannot see: sign-in, print, export, reveal).

    `actor` defaults to the connection's signed-in user (gd_user()). Returns its seq.
    """
    text = json.dumps(detail, ensure_ascii=False, sort_keys=True) if detail is not None else None
    sql = _APPEND_SQL
    params: dict[str, Any] = {"action": action, "tbl": tbl, "row_id": row_id, "detail": text}
    if actor is not None:
        sql = sql.replace("gd_user() AS actor", ":actor AS actor")
        params["actor"] = actor
    conn = db.conn
    own = not conn.in_transaction
    if own:
        conn.execute("BEGIN IMMEDIATE")
    try:
        conn.execute(sql, params)
        seq = conn.execute("SELECT max(seq) FROM audit_log").fetchone()[0]
    except BaseException:
        if own:
            conn.execute("ROLLBACK")
        raise
    if own:
        conn.execute("COMMIT")
    return seq


# --- capture triggers ------------------------------------------------------------------------

def install_triggers(db: sqlite_utils.Database) -> None:
    """(Re)create the audit triggers of every synced table; run after each migration.

    Fire only when change capture is on (gd_logging()): a sync bundle's changes are the
    sending office's, recorded in its own log; the import itself is one entry here.
    """
    conn = db.conn
    for (name,) in conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'trigger' "
        "AND name LIKE 'audit\\_%' ESCAPE '\\' AND tbl_name != 'audit_log'"
    ).fetchall():
        conn.execute(f"DROP TRIGGER [{name}]")
    if "audit_log" not in db.table_names():
        return
    for tbl, all_cols in changelog.synced_tables(db).items():
        cols = [c for c in all_cols if c != "community_id"]
        after = ("json_object('after', json_object("
                 + ", ".join(f"'{c}', new.[{c}]" for c in cols) + "))")
        conn.execute(
            f"CREATE TRIGGER [audit_{tbl}_insert] AFTER INSERT ON [{tbl}] WHEN gd_logging() "
            f"BEGIN {_insert_sql(repr('insert'), repr(tbl), 'new.id', after)}; END"
        )
        pairs = " UNION ALL ".join(
            f"SELECT '{c}' AS k, old.[{c}] AS o, new.[{c}] AS n" for c in cols)
        diff = (f"(SELECT json_object('before', json_group_object(k, o), "
                f"'after', json_group_object(k, n)) FROM ({pairs}) WHERE o IS NOT n)")
        action = ("CASE WHEN old.deleted = 0 AND new.deleted = 1 THEN 'delete' "
                  "WHEN old.deleted = 1 AND new.deleted = 0 THEN 'undelete' ELSE 'update' END")
        changed = " OR ".join(f"old.[{c}] IS NOT new.[{c}]" for c in cols)
        conn.execute(
            f"CREATE TRIGGER [audit_{tbl}_update] AFTER UPDATE ON [{tbl}] "
            f"WHEN gd_logging() AND ({changed}) "
            f"BEGIN {_insert_sql(action, repr(tbl), 'new.id', diff)}; END"
        )


# --- reading -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Entry:
    seq: int
    at: str
    actor: str
    action: str
    tbl: str | None
    row_id: str | None
    detail: str | None
    prev: str
    hash: str

    def details(self) -> dict[str, Any]:
        return json.loads(self.detail) if self.detail else {}


def entries(db: sqlite_utils.Database, *, actor: str | None = None,
            actions: Sequence[str] | None = None, record: str | None = None,
            since: str | None = None, until: str | None = None, text: str | None = None,
            limit: int | None = 5000, communities: Collection[str] | None = None
            ) -> list[Entry]:
    """Entries matching every filter given, newest first, live and sealed alike. `since`/
    `until` compare with the ISO time (`until` is exclusive); `record` is a row id, or text
    found in the details (a name, an ID number); `text` is searched in the details only;
    `communities` (at a district) keeps entries about records of those communities."""
    where, params = [], []
    if communities is not None:
        clause, ids = community_scope.owner_clause(db, communities)
        where.append(clause)
        params += ids
    if actor:
        where.append("actor = ?")
        params.append(actor)
    if actions:
        where.append(f"action IN ({', '.join('?' * len(actions))})")
        params += list(actions)
    if record:
        where.append("(row_id = ? OR instr(detail, ?) > 0)")
        params += [record, record]
    if since:
        where.append("at >= ?")
        params.append(since)
    if until:
        where.append("at < ?")
        params.append(until)
    if text:
        where.append("instr(detail, ?) > 0")
        params.append(text)
    sql = "SELECT * FROM audit_log"
    if where:
        sql += " WHERE " + " AND ".join(where)
    sql += " ORDER BY seq DESC"
    if limit is not None:
        sql += f" LIMIT {int(limit)}"
    found = [Entry(*row) for row in db.conn.execute(sql, params)]
    if limit is not None and len(found) >= limit:
        return found
    # The same conditions, in Python, on the sealed blocks (older than every live entry),
    # newest block first; the time range skips blocks that cannot hold a match unopened.
    wanted = set(actions) if actions else None

    def matches(e: Entry) -> bool:
        return ((not actor or e.actor == actor)
                and (wanted is None or e.action in wanted)
                and (not record or e.row_id == record
                     or (e.detail is not None and record in e.detail))
                and (not since or e.at >= since) and (not until or e.at < until)
                and (not text or (e.detail is not None and text in e.detail)))

    def might(block: audit_sealed.Block) -> bool:   # its columns' text, before parsing
        hold = block.might_hold
        return ((not wanted or any(hold(3, a) for a in wanted))
                and (not record or hold(5, record) or hold(6, record))
                and (not text or hold(6, text)))

    # An entry read live above may be sealed by another connection (the hub sync's
    # compaction) before its block is read here: listed once.
    live = {e.seq for e in found}
    for first, _last, _head, body in _blocks(db, newest_first=True, since=since, until=until,
                                             actor=actor or None):
        picked = [e for e in reversed(_decoded(first, body, might))
                  if matches(e) and e.seq not in live]
        if communities is not None and picked:
            owners = community_scope.record_owners(
                db, {(e.tbl, e.row_id) for e in picked if e.tbl and e.row_id})
            picked = [e for e in picked if owners.get((e.tbl, e.row_id)) in communities]
        found += picked
        if limit is not None and len(found) >= limit:
            return found[:limit]
    return found


def record_entries(db: sqlite_utils.Database, tbl: str, row_id: str,
                   actions: Sequence[str]) -> list[Entry]:
    """One record's entries of these actions, newest first (the person page's timeline):
    live ones by the row index, sealed ones from the blocks the row look-up names."""
    marks = ", ".join("?" * len(actions))
    found = [Entry(*row) for row in db.conn.execute(
        f"SELECT {_COLUMNS} FROM audit_log WHERE row_id = ? AND tbl = ? "
        f"AND action IN ({marks}) ORDER BY seq DESC", (row_id, tbl, *actions))]
    if not _has_sealed(db):
        return found
    wanted = set(actions)
    live = {e.seq for e in found}   # sealed meanwhile elsewhere: listed once (see entries)
    for first, body in db.conn.execute(
            "SELECT s.first_seq, s.body FROM audit_sealed_rows r "
            "JOIN audit_sealed s ON s.first_seq = r.first_seq WHERE r.row_key = ? "
            "ORDER BY r.first_seq DESC", (audit_sealed.row_key(row_id),)):
        found += [e for e in reversed(_decoded(first, body))
                  if e.row_id == row_id and e.tbl == tbl and e.action in wanted
                  and e.seq not in live]
    return found


def actors(db: sqlite_utils.Database) -> list[str]:
    found = {r[0] for r in db.conn.execute("SELECT DISTINCT actor FROM audit_log")}
    if _has_sealed(db):
        for (names,) in db.conn.execute("SELECT actors FROM audit_sealed"):
            try:
                found.update(a for a in json.loads(names) if isinstance(a, str))
            except ValueError:
                continue   # a damaged block: verification reports it
    return sorted(found)


def actor_names(db: sqlite_utils.Database) -> dict[str, str]:
    """Each account's username → the name people know it by."""
    if "accounts" not in db.table_names():
        return {}
    return {r[0]: r[1] for r in db.conn.execute(
        "SELECT username, display_name FROM accounts WHERE display_name != ''")}


def count(db: sqlite_utils.Database) -> int:
    if not _has_sealed(db):
        return db.conn.execute("SELECT count(*) FROM audit_log").fetchone()[0]
    # One statement, one snapshot: a block sealed meanwhile elsewhere is counted once.
    return db.conn.execute("SELECT (SELECT count(*) FROM audit_log) + "
                           "(SELECT COALESCE(sum(entries), 0) FROM audit_sealed)").fetchone()[0]


# --- sealed blocks (db/audit_sealed.py: the format) ----------------------------------------------

def _has_sealed(db: sqlite_utils.Database | sqlite3.Connection) -> bool:
    """Whether this file has the sealed tables (migration 0023; a plain snapshot may not)."""
    conn = db if isinstance(db, sqlite3.Connection) else db.conn
    return conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' "
                        "AND name = 'audit_sealed'").fetchone() is not None


def _blocks(db: sqlite_utils.Database, *, newest_first: bool, since: str | None = None,
            until: str | None = None, actor: str | None = None
            ) -> Iterator[tuple[int, int, str, Any]]:
    """(first_seq, last_seq, head, body) of each sealed block, one row fetched at a time."""
    if not _has_sealed(db):
        return
    where, params = [], []
    if since:
        where.append("max_at >= ?")
        params.append(since)
    if until:
        where.append("min_at < ?")
        params.append(until)
    if actor:
        where.append("EXISTS (SELECT 1 FROM json_each(actors) WHERE value = ?)")
        params.append(actor)
    order = "DESC" if newest_first else ""
    keys = [r[0] for r in db.conn.execute(
        "SELECT first_seq FROM audit_sealed" + (" WHERE " + " AND ".join(where) if where else "")
        + f" ORDER BY first_seq {order}", params)]
    for first in keys:
        row = db.conn.execute("SELECT first_seq, last_seq, head, body FROM audit_sealed "
                              "WHERE first_seq = ?", (first,)).fetchone()
        if row:
            yield row


def _decoded(first: int, body: Any,
             might: Callable[[audit_sealed.Block], bool] | None = None) -> list[Entry]:
    """A block's entries for reading (none when `might` says from the columns it looks at
    that none can match); a damaged block reads as none (walk() reports it)."""
    try:
        if might is not None and not might(audit_sealed.Block(body)):
            return []
        return list(_entries_of(body))
    except audit_sealed.BlockError as exc:
        _log.warning("sealed audit block %s unreadable: %s", first, exc)
        return []


@functools.lru_cache(maxsize=16)
def _entries_of(body: bytes) -> tuple[Entry, ...]:
    """A block's entries, kept for the few blocks read last (a person's page reads the same
    block for the resident, the household and the prints). Keyed by the body's bytes, so an
    edited block is never answered from here; walk() decodes afresh every time."""
    return tuple(Entry(*row) for row in audit_sealed.decode(body))


def _sealable(row: Sequence[Any]) -> bool:
    """Whether an entry's values are of the types a block holds (anything else, which only
    an edit outside the app can store, stays live where walk() reports it as it is)."""
    return (type(row[0]) is int and all(isinstance(row[i], str) for i in (1, 2, 3, 7, 8))
            and all(row[i] is None or isinstance(row[i], str) for i in (4, 5, 6)))


def seal_step(db: sqlite_utils.Database, block: int | None = None, keep: int | None = None
              ) -> int:
    """Seal the oldest `block` live entries (default SEAL_BLOCK) into one block, if `keep`
    (LIVE_TAIL) newer ones stay live; one transaction (the block in, its entries out), so a
    kill leaves either. Returns how many entries were sealed (0: nothing to do, or the log
    needs verifying first)."""
    block, keep = block or SEAL_BLOCK, keep or LIVE_TAIL
    if block < 1 or keep < 1 or not _has_sealed(db):
        return 0
    conn = db.conn
    conn.execute("BEGIN IMMEDIATE")
    try:
        lo, hi = conn.execute("SELECT min(seq), max(seq) FROM audit_log").fetchone()
        sealed_to = conn.execute("SELECT max(last_seq) FROM audit_sealed").fetchone()[0] or 0
        if lo is None or hi - lo + 1 < block + keep or lo <= sealed_to:
            conn.execute("ROLLBACK")
            return 0
        rows = conn.execute(f"SELECT {_COLUMNS} FROM audit_log WHERE seq BETWEEN ? AND ? "
                            "ORDER BY seq", (lo, lo + block - 1)).fetchall()
        good = next((k for k, row in enumerate(rows) if not _sealable(row)), len(rows))
        rows = rows[:good]
        if not rows:
            conn.execute("ROLLBACK")
            return 0
        first, last = rows[0][0], rows[-1][0]
        times = [r[1] for r in rows]
        conn.execute(
            "INSERT INTO audit_sealed (first_seq, last_seq, entries, min_at, max_at, actors, "
            "head, body) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (first, last, len(rows), min(times), max(times),
             json.dumps(sorted({r[2] for r in rows}), ensure_ascii=False), rows[-1][8],
             audit_sealed.encode(rows)))
        conn.executemany(
            "INSERT OR IGNORE INTO audit_sealed_rows (row_key, first_seq) VALUES (?, ?)",
            [(audit_sealed.row_key(rid), first) for rid in {r[5] for r in rows if r[5]}])
        conn.execute("DELETE FROM audit_log WHERE seq BETWEEN ? AND ?", (first, last))
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")
    return len(rows)


def sealable(db: sqlite_utils.Database, block: int | None = None, keep: int | None = None
             ) -> int:
    """How many live entries seal_step() would seal, block by block, from here (none while
    the oldest live entry is one it cannot seal: an entry edited outside the app, which stays
    live where walk() reports it)."""
    block, keep = block or SEAL_BLOCK, keep or LIVE_TAIL
    if not _has_sealed(db):
        return 0
    lo, hi = db.conn.execute("SELECT min(seq), max(seq) FROM audit_log").fetchone()
    if lo is None:
        return 0
    oldest = db.conn.execute(f"SELECT {_COLUMNS} FROM audit_log WHERE seq = ?", (lo,)
                             ).fetchone()
    if oldest is None or not _sealable(oldest):
        return 0
    return max(0, (hi - lo + 1 - keep) // block * block)


# --- verification ------------------------------------------------------------------------------

@dataclass(frozen=True)
class Problem:
    seq: int        # the entry where the chain breaks
    kind: str       # 'edited' | 'moved' | 'removed' | 'relinked' | 'damaged'
    missing: int = 0  # entries missing before `seq` ('removed'), or unreadable ('damaged')


def _stream(db: sqlite_utils.Database) -> Iterator[tuple[tuple, Problem | None]]:
    """Every entry as stored, oldest first: each sealed block's, then the live tail's; a
    block that does not decode, or whose entries are not the ones it says it holds (its
    first and last seq, count, head) or whose look-ups do not list them (time range, actors,
    the record index: unhashed, an edit there would hide entries from every search), comes
    with a 'damaged' problem.

    The live tail's statement is started first and stays open to the end: every other read
    here shares its snapshot, so a block sealed meanwhile by another connection (the hub
    sync's compaction) is seen neither half (blocks) nor missing (tail) — a false 'removed'."""
    tail = db.conn.execute(f"SELECT {_COLUMNS} FROM audit_log ORDER BY seq")
    oldest_live = tail.fetchone()
    for first, last, head_hash, body in _blocks(db, newest_first=False):
        count_, min_at, max_at, actors_ = db.conn.execute(
            "SELECT entries, min_at, max_at, actors FROM audit_sealed WHERE first_seq = ?",
            (first,)).fetchone()
        try:
            rows = audit_sealed.decode(body)
        except audit_sealed.BlockError:
            yield (first, None, None, None, None, None, None, None, head_hash), Problem(
                first, "damaged", max(0, last - first + 1))
            continue
        whole = (rows[0][0] == first and rows[-1][0] == last and rows[-1][8] == head_hash
                 and len(rows) == count_ and _listed(db, first, rows, min_at, max_at, actors_))
        for k, row in enumerate(rows):
            yield row, (None if whole or k else Problem(row[0], "damaged"))
    if oldest_live is not None:
        yield oldest_live, None
    for row in tail:
        yield row, None


def _listed(db: sqlite_utils.Database, first: int, rows: Sequence[tuple], min_at: Any,
            max_at: Any, actors_: Any) -> bool:
    """Whether a block's look-ups name what its entries hold: the time range and the actors
    (the 审计 filters skip a block by them) and every record's key in audit_sealed_rows (the
    person page opens only the blocks listed there)."""
    times = [r[1] for r in rows]
    try:
        names = json.loads(actors_) if isinstance(actors_, str) else None
    except ValueError:
        names = None
    if (min_at != min(times) or max_at != max(times) or not isinstance(names, list)
            or not {r[2] for r in rows} <= {a for a in names if isinstance(a, str)}):
        return False
    keys = sorted({audit_sealed.row_key(r[5]) for r in rows if r[5]})
    found = db.conn.execute(   # CROSS: the keys lead (the index starts with row_key)
        "SELECT count(*) FROM json_each(?1) j CROSS JOIN audit_sealed_rows r "
        "ON r.row_key = j.value AND r.first_seq = ?2", (json.dumps(keys), first)).fetchone()[0]
    return found == len(keys)


def walk(db: sqlite_utils.Database) -> Iterator[tuple[int, Problem | None]]:
    """Check the chain entry by entry, oldest first, across sealed blocks and the live tail
    alike; yields (seq, problem or None). A damaged block yields once, at its first seq."""
    prev_seq, prev_hash = 0, ""
    for row, damaged in _stream(db):
        seq, stored = row[0], row[8]
        if damaged is not None and damaged.missing:
            yield seq, damaged
            prev_seq, prev_hash = seq + damaged.missing - 1, stored
            continue
        problem = None
        if not _sealable(row):   # a value of a type no entry is written with (not hashable)
            problem = Problem(seq, "edited")
        elif entry_hash(*row[:8]) != stored:
            problem = Problem(seq, "moved" if _belongs_elsewhere(db, row) else "edited")
        elif seq != prev_seq + 1:
            problem = Problem(seq, "removed", seq - prev_seq - 1)
        elif row[7] != prev_hash:
            problem = Problem(seq, "relinked")
        yield seq, problem or damaged
        prev_seq, prev_hash = seq, stored


def _belongs_elsewhere(db: sqlite_utils.Database, row: Sequence[Any], reach: int = 1000) -> bool:
    """Whether an entry failing its hash is intact but renumbered (entries reordered):
    its hash matches its content under a nearby sequence number."""
    seq = row[0]
    return any(entry_hash(s, *row[1:8]) == row[8]
               for s in range(max(1, seq - reach), seq + reach + 1) if s != seq)


# --- the chain's head, anchored outside the file (app/sync/anchor.py) ---------------------------

@dataclass(frozen=True)
class Head:
    """The newest entry of a chain: what a bundle carries and the district acknowledges."""

    seq: int
    hash: str


@dataclass(frozen=True)
class HeldHead:
    """A head the district received from one community node, in the sender's order."""

    node_id: str
    community_id: str
    bundle_id: str
    change_seq: int
    seq: int
    hash: str
    received_at: str


ACK_META = "audit_ack"   # meta key: the district's newest acknowledgement, as JSON


def head(db: sqlite_utils.Database | sqlite3.Connection) -> Head | None:
    """This file's newest entry, or None for an empty log (a plain connection: a snapshot)."""
    conn = db if isinstance(db, sqlite3.Connection) else db.conn
    row = conn.execute("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1").fetchone()
    if row is None and _has_sealed(conn):   # sealing keeps a live tail; this is a fallback
        row = conn.execute("SELECT last_seq, head FROM audit_sealed ORDER BY first_seq DESC "
                           "LIMIT 1").fetchone()
    return Head(row[0], row[1]) if row else None


def hash_at(db: sqlite_utils.Database, seq: int) -> str | None:
    """The stored hash of entry `seq`, or None when there is no such entry."""
    row = db.conn.execute("SELECT hash FROM audit_log WHERE seq = ?", (seq,)).fetchone()
    if row or not _has_sealed(db):
        return row[0] if row else None
    block = db.conn.execute("SELECT first_seq, last_seq, head, body FROM audit_sealed "
                            "WHERE first_seq <= ? ORDER BY first_seq DESC LIMIT 1",
                            (seq,)).fetchone()
    if block is None or block[1] < seq:
        return None
    try:
        return next((r[8] for r in audit_sealed.decode(block[3]) if r[0] == seq), None)
    except audit_sealed.BlockError:
        return ""   # the block holding it is damaged: nothing here matches what was recorded


def ack_statement(seq: int, hash_: str, at: str) -> bytes:
    """The bytes the district signs to acknowledge a head: the community keeps the signature,
    so an acknowledgement cannot be made up later without the district's key."""
    return json.dumps(["griddesk-audit-ack", seq, hash_, at],
                      separators=(",", ":")).encode("utf-8")


def record_head(db: sqlite_utils.Database, held: HeldHead) -> bool:
    """Keep a head received from a community node; False if that node's same head (seq and
    hash) is held already: another part of a bundle, the same bundle again, or a sync with
    nothing audited since (a background sync every ten minutes would otherwise add a row
    each time)."""
    cursor = db.conn.execute(
        "INSERT OR IGNORE INTO audit_heads (node_id, community_id, bundle_id, change_seq, seq, "
        "hash, received_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
        (held.node_id, held.community_id, held.bundle_id, held.change_seq, held.seq, held.hash,
         held.received_at))
    return cursor.rowcount == 1


def held_heads(db: sqlite_utils.Database, *, node_id: str | None = None,
               community_ids: Sequence[str] | None = None) -> list[HeldHead]:
    """Heads the district holds, per node in the order the node made them: by the change
    sequence its bundle reached (which only grows at a node, whatever its clock says), then
    by bundle id (UUIDv7: time). A bundle imported late still takes its place."""
    where, params = [], []
    if node_id is not None:
        where.append("node_id = ?")
        params.append(node_id)
    if community_ids is not None:
        where.append(f"community_id IN ({', '.join('?' * len(community_ids))})")
        params += list(community_ids)
    sql = ("SELECT node_id, community_id, bundle_id, change_seq, seq, hash, received_at "
           "FROM audit_heads" + (" WHERE " + " AND ".join(where) if where else "")
           + " ORDER BY community_id, node_id, change_seq, bundle_id")
    return [HeldHead(*row) for row in db.conn.execute(sql, params)]
