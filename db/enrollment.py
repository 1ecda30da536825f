"""Enrollment at the district: the online code and its wrong-guess count, and the requests
waiting for the operator. Plain values in and out; callers hold the write transaction."""

from __future__ import annotations

from typing import Any

import sqlite_utils

from db.registry import _one, _rows

Row = dict[str, Any]


def code(db: sqlite_utils.Database) -> Row | None:
    """The online enrollment code in force (code, expires_at, wrong, issued_at), if any."""
    return _one(db, "SELECT * FROM enroll_code WHERE id = 1")


def set_code(db: sqlite_utils.Database, value: str, expires_at: float, issued_at: str) -> None:
    """A new code replaces the old one and starts with no wrong guesses."""
    db.conn.execute(
        "INSERT INTO enroll_code (id, code, expires_at, wrong, issued_at) "
        "VALUES (1, ?, ?, 0, ?) ON CONFLICT (id) DO UPDATE SET code = excluded.code, "
        "expires_at = excluded.expires_at, wrong = 0, issued_at = excluded.issued_at",
        (value, expires_at, issued_at))


def count_wrong(db: sqlite_utils.Database) -> int:
    """One more wrong guess at the code in force; the count after it."""
    db.conn.execute("UPDATE enroll_code SET wrong = wrong + 1 WHERE id = 1")
    row = code(db)
    return row["wrong"] if row else 0


def clear_code(db: sqlite_utils.Database) -> None:
    db.conn.execute("DELETE FROM enroll_code")


def pending(db: sqlite_utils.Database) -> list[Row]:
    return _rows(db, "SELECT * FROM enroll_requests ORDER BY requested_at, id")


def pending_one(db: sqlite_utils.Database, request_id: int) -> Row | None:
    return _one(db, "SELECT * FROM enroll_requests WHERE id = ?", (request_id,))


def pending_for(db: sqlite_utils.Database, node_id: str, fingerprint: str) -> Row | None:
    return _one(db, "SELECT * FROM enroll_requests WHERE node_id = ? AND fingerprint = ?",
                (node_id, fingerprint))


def save_pending(db: sqlite_utils.Database, values: Row) -> int:
    """Store a request for the operator; the same node with the same keys asking again
    refreshes its reason and time instead of queueing twice. Returns its id."""
    db.conn.execute(
        "INSERT INTO enroll_requests (node_id, fingerprint, community_id, code, name, old_node, "
        "old_fingerprint, why, reason, via, requested_at, request) VALUES (:node_id, "
        ":fingerprint, :community_id, :code, :name, :old_node, :old_fingerprint, :why, "
        ":reason, :via, :requested_at, :request) ON CONFLICT (node_id, fingerprint) DO UPDATE "
        "SET reason = excluded.reason, requested_at = excluded.requested_at, "
        "via = excluded.via, request = excluded.request", values)
    return pending_for(db, values["node_id"], values["fingerprint"])["id"]


def delete_pending(db: sqlite_utils.Database, request_id: int) -> None:
    db.conn.execute("DELETE FROM enroll_requests WHERE id = ?", (request_id,))
