"""The append-only audit log: hash-chained entries, capture triggers, queries, verification."""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import sqlite_utils

from db import changelog, community_scope

# The columns of an entry, in the order the hash covers them.
FIELDS = ("seq", "at", "actor", "action", "tbl", "row_id", "detail", "prev")
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
    """Entries matching every filter given, newest first. `since`/`until` compare with the
    ISO time (`until` is exclusive); `record` is a row id, or text found in the details
    (a name, an ID number); `text` is searched in the details only; `communities` (at a
    district) keeps entries about records of those communities."""
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
    return [Entry(*row) for row in db.conn.execute(sql, params)]


def actors(db: sqlite_utils.Database) -> list[str]:
    return [r[0] for r in db.conn.execute("SELECT DISTINCT actor FROM audit_log ORDER BY actor")]


def actor_names(db: sqlite_utils.Database) -> dict[str, str]:
    """Each account's username → the name people know it by."""
    if "accounts" not in db.table_names():
        return {}
    return {r[0]: r[1] for r in db.conn.execute(
        "SELECT username, display_name FROM accounts WHERE display_name != ''")}


def count(db: sqlite_utils.Database) -> int:
    return db.conn.execute("SELECT count(*) FROM audit_log").fetchone()[0]


# --- verification ------------------------------------------------------------------------------

@dataclass(frozen=True)
class Problem:
    seq: int        # the entry where the chain breaks
    kind: str       # 'edited' | 'moved' | 'removed' | 'relinked'
    missing: int = 0  # entries missing before `seq` ('removed')


def walk(db: sqlite_utils.Database) -> Iterator[tuple[int, Problem | None]]:
    """Check the chain entry by entry, oldest first; yields (seq, problem or None)."""
    prev_seq, prev_hash = 0, ""
    for row in db.conn.execute(f"SELECT {', '.join(FIELDS)}, hash FROM audit_log ORDER BY seq"):
        seq, stored = row[0], row[8]
        problem = None
        if entry_hash(*row[:8]) != stored:
            problem = Problem(seq, "moved" if _belongs_elsewhere(db, row) else "edited")
        elif seq != prev_seq + 1:
            problem = Problem(seq, "removed", seq - prev_seq - 1)
        elif row[7] != prev_hash:
            problem = Problem(seq, "relinked")
        yield seq, problem
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
    return Head(row[0], row[1]) if row else None


def hash_at(db: sqlite_utils.Database, seq: int) -> str | None:
    """The stored hash of entry `seq`, or None when there is no such entry."""
    row = db.conn.execute("SELECT hash FROM audit_log WHERE seq = ?", (seq,)).fetchone()
    return row[0] if row else None


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
