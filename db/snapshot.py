"""Snapshots for a peer that must start again: which peers are owed one, and reading one in
parts from the rows as held now and their per-field stamps (not from the change log).

A district never re-logs what it applies, so a community's rows reach a new node of that
community (one restored from a backup) only this way. A snapshot carries, for every row of
the owners asked for, each field that has a stamp (the newer of its field_clock entry and
the stamp packed in row_clock when the row was inserted or arrived here) with the value it
holds now: applying it merges by those stamps exactly as the changes that made them would.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import orjson
import sqlite_utils

from db import changelog, compaction
from db.node import transaction

Part = tuple[tuple[str, tuple[str, ...]], ...]   # ((table, (row id, ...)), ...): one bundle


def owe(db: sqlite_utils.Database, peer_id: str, through_seq: int, at: str,
        reason: str = "") -> None:
    """Record that a peer is owed a snapshot standing for our changes up to `through_seq`
    (inside the caller's transaction). A second call moves the mark forward."""
    db.conn.execute(
        "INSERT INTO snapshot_due (peer, through_seq, noted_at, reason) VALUES (?, ?, ?, ?) "
        "ON CONFLICT (peer) DO UPDATE SET through_seq = max(through_seq, excluded.through_seq),"
        " noted_at = excluded.noted_at, reason = excluded.reason",
        (peer_id, through_seq, at, reason))


def owed_through(db: sqlite_utils.Database, peer: dict[str, Any]) -> int | None:
    """The change sequence a snapshot owed to this peer stands for, or None when none is
    owed or the peer has acknowledged it (it applied the snapshot's last part, which
    carries that sequence)."""
    row = db.conn.execute("SELECT through_seq FROM snapshot_due WHERE peer = ?",
                          (peer["node_id"],)).fetchone()
    if row is None or peer["acked_seq"] >= row[0]:
        return None
    return int(row[0])


def _continues_replaced(db: sqlite_utils.Database, peer: dict[str, Any]) -> bool:
    """Whether a community peer took over from a node of its community that this node
    revoked (a restored office re-enrolling under its new identity) and has acknowledged
    nothing yet, and no snapshot was ever noted for it. Decided from the peers as they stand,
    so it holds however and wherever the replacement was confirmed."""
    if peer["role"] != "community" or peer["acked_seq"] or peer["revoked"]:
        return False
    if db.conn.execute("SELECT 1 FROM snapshot_due WHERE peer = ?",
                       (peer["node_id"],)).fetchone():
        return False
    return db.conn.execute(
        "SELECT 1 FROM peers WHERE community_id = ? AND node_id <> ? AND revoked = 1",
        (peer["community_id"], peer["node_id"])).fetchone() is not None


@dataclass(frozen=True)
class Plan:
    """A snapshot to send before the log: its parts, each with the sequence it stands for
    (the last one `through`); the log follows from `through`."""

    through: int
    parts: list[tuple[int, Part]]


def plan(db: sqlite_utils.Database, peer: dict[str, Any], owners: list[str], size: int,
         at: str) -> Plan | None:
    """The snapshot this peer is owed, or None. A node that replaced its community's old
    node is owed one the first time it is exported to: it is noted then, standing for our
    change log as it is, and sent with every export until the peer acknowledges that."""
    through = owed_through(db, peer)
    if through is None and behind_compaction(db, peer):
        with transaction(db):
            owe(db, peer["node_id"], changelog.last_seq(db), at,
                "lacks changes removed by compaction")
        through = owed_through(db, peer)
    if through is None and _continues_replaced(db, peer):
        with transaction(db):
            owe(db, peer["node_id"], changelog.last_seq(db), at,
                "replaced a node of its community")
        through = owed_through(db, peer)   # as noted (another export may have noted it too)
    if through is None:
        return None
    parts = plan_parts(db, owners, size)
    if not parts:     # nothing stamped for these owners: the log says everything there is
        return None
    return Plan(through, list(zip(positions(peer["acked_seq"], through, len(parts)), parts,
                                  strict=True)))


def behind_compaction(db: sqlite_utils.Database, peer: dict[str, Any]) -> bool:
    """Whether this peer lacks changes compaction removed (a peer new since, or one enrolled
    again after it was revoked): it needs a snapshot before the log."""
    return peer["acked_seq"] < compaction.compacted_through(db)


def _has_row_clock(conn: sqlite3.Connection) -> bool:
    return conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' "
                        "AND name = 'row_clock'").fetchone() is not None


def plan_parts(db: sqlite_utils.Database, owners: list[str], size: int) -> list[Part]:
    """The rows of these owners, table by table (parents first, in schema order), cut into
    parts of at most about `size` stamped fields, never splitting a row. Only ids and counts
    are held: 100,000 residents are a few MB here, the values are read part by part."""
    conn = db.conn
    marks = ",".join("?" * len(owners))
    packed = _has_row_clock(conn)
    parts: list[Part] = []
    current: list[tuple[str, tuple[str, ...]]] = []
    ids: list[str] = []
    in_part = 0
    widths = ({k: len(cols.split(" ")) for k, cols in conn.execute(
        "SELECT id, cols FROM clock_columns")} if packed else {})
    for tbl in changelog.synced_tables(db):
        # An upper bound of a row's stamped fields: its packed ones plus its field_clock ones
        # (a field in both is counted twice, which only makes a part a little smaller).
        cursor = conn.execute(
            f"SELECT t.id, {'r.cols_id' if packed else 'NULL'}, (SELECT count(*) "
            f"FROM field_clock f WHERE f.tbl = ?1 AND f.row_id = t.id) FROM [{tbl}] t "
            + ("LEFT JOIN row_clock r ON r.tbl = ?1 AND r.row_id = t.id " if packed else "")
            + f"WHERE t.community_id IN ({marks}) ORDER BY t.id", [tbl, *owners])
        counted = ((row_id, widths.get(cols_id, 0) + extra)
                   for row_id, cols_id, extra in cursor)
        for row_id, fields in _parents_first(conn, tbl, counted):
            if not fields:
                continue   # never stamped (nothing a merge could place): nothing to send
            if in_part and in_part + fields > size:
                if ids:
                    current.append((tbl, tuple(ids)))
                parts.append(tuple(current))
                current, ids, in_part = [], [], 0
            ids.append(row_id)
            in_part += fields
        if ids:
            current.append((tbl, tuple(ids)))
            ids = []
    if current:
        parts.append(tuple(current))
    return parts


def _parents_first(conn: sqlite3.Connection, tbl: str, rows: Iterable[tuple[str, int]]
                   ) -> Iterable[tuple[str, int]]:
    """Rows of a table that refers to itself (org units: parent_id) with every parent before
    its children: each part is applied in its own transaction, so a child in an earlier part
    than its parent would fail the foreign key. Ids do not order them: a community's own org
    unit gets its id before its street and district are made. Other tables pass as they are
    (their parents are in tables planned before them)."""
    refs = [fk[3] for fk in conn.execute(f"PRAGMA foreign_key_list([{tbl}])") if fk[2] == tbl]
    if not refs:
        return rows
    listed = list(rows)
    parents: dict[str, set[str]] = {row_id: set() for row_id, _n in listed}
    for ref in refs:
        for row_id, parent in conn.execute(
                f"SELECT t.id, t.[{ref}] FROM json_each(?) j JOIN [{tbl}] t ON t.id = j.value",
                (orjson.dumps(list(parents)).decode(),)):
            if parent in parents and parent != row_id:
                parents[row_id].add(parent)
    depth: dict[str, int] = {}
    for start, _n in listed:   # depth = the longest chain of parents held here (no cycles)
        chain, seen = [start], {start}
        while chain:
            row_id = chain[-1]
            todo = [p for p in parents[row_id] if p not in depth and p not in seen]
            if todo:
                chain.append(todo[0])
                seen.add(todo[0])
                continue
            chain.pop()
            depth[row_id] = 1 + max((depth.get(p, 0) for p in parents[row_id]), default=0)
    return sorted(listed, key=lambda r: (depth[r[0]], r[0]))


def part_rows(conn: sqlite3.Connection, part: Part) -> tuple[bytes, dict[str, int], int]:
    """One part as a JSON array of row runs [tbl, row_id, owner, cols, values, stamps] (what
    db.sync.changes_rows makes from the log), with the counts per table. A plain connection:
    a helper process reads parts through a read-only one."""
    packed = _has_row_clock(conn)
    lists = dict(conn.execute("SELECT id, cols FROM clock_columns")) if packed else {}
    runs: list[list[Any]] = []
    counts: dict[str, int] = {}
    for tbl, ids in part:
        packed_cols = ("r.cols_id, r.hlcs" if packed else "NULL, NULL")
        packed_join = ("LEFT JOIN row_clock r ON r.tbl = ?1 AND r.row_id = t.id"
                       if packed else "")
        # Row, packed stamps and field stamps in one statement: one read, so every value
        # goes with the stamp of that very value.
        cursor = conn.execute(
            f"SELECT t.*, {packed_cols}, (SELECT group_concat(f.col || ' ' || f.hlc, ' ') "
            f"FROM field_clock f WHERE f.tbl = ?1 AND f.row_id = t.id) "
            f"FROM json_each(?2) j CROSS JOIN [{tbl}] t ON t.id = j.value {packed_join}",
            (tbl, orjson.dumps(ids).decode()))
        names = [d[0] for d in cursor.description][:-3]
        where = {name: i for i, name in enumerate(names)}
        id_at, owner_at = where["id"], where["community_id"]
        # Per column list: the columns held here (a later migration may have dropped one)
        # and where each is in the row.
        shapes: dict[int, tuple[list[str], list[int]]] = {}
        n = 0
        for row in cursor:
            cols_id, hlcs, extra = row[-3], row[-2], row[-1]
            if cols_id is not None and not extra and " " not in hlcs:
                # The common case: one stamp for every field as inserted, none changed since.
                shape = shapes.get(cols_id)
                if shape is None:
                    kept = [c for c in dict.fromkeys(lists[cols_id].split(" "))
                            if c in where and c != "id"]
                    shape = shapes[cols_id] = (kept, [where[c] for c in kept])
                kept, at = shape
                if kept:
                    runs.append([tbl, row[id_at], row[owner_at], kept, [row[i] for i in at],
                                 [hlcs] * len(kept)])
                    n += len(kept)
                continue
            stamps: dict[str, str] = {}
            if cols_id is not None:
                stamps = changelog.unpack(lists[cols_id], hlcs)
            if extra:   # the newer of a field's packed stamp and its field_clock one
                words = extra.split(" ")
                for col, hlc in zip(words[::2], words[1::2], strict=True):
                    if hlc > stamps.get(col, ""):
                        stamps[col] = hlc
            cols_out = [c for c in stamps if c in where and c != "id"]
            if not cols_out:
                continue
            runs.append([tbl, row[id_at], row[owner_at], cols_out,
                         [row[where[c]] for c in cols_out], [stamps[c] for c in cols_out]])
            n += len(cols_out)
        if n:
            counts[tbl] = counts.get(tbl, 0) + n
    return orjson.dumps(runs), counts, sum(counts.values())


def positions(acked: int, through: int, parts: int) -> list[int]:
    """The sequence each snapshot part stands for (its manifest's seq_to): rising from what
    the peer acknowledged to `through` at the last part, so that the receiver refuses a part
    whose predecessor it lacks ("missing an earlier bundle") as it does for the log's parts.
    When there are more parts than sequence numbers between, some parts share one."""
    span = through - acked
    return [acked + span * k // parts for k in range(1, parts + 1)]
