"""What checking a release form's QR code reads: the keys of the offices this database knows
(its district or its enrolled communities, kept in `peers`), and the release form a serial
names with its case and person. Plain values in and out."""

from __future__ import annotations

import sqlite_utils

from db.registry import Row, _one, _rows


def signing_peers(db: sqlite_utils.Database) -> list[Row]:
    """Every peer's Ed25519 key, revoked (replaced) ones too: a form signed before a node was
    replaced stays genuine."""
    return _rows(db, "SELECT node_id, role, name, code, sign_key, revoked FROM peers "
                     "ORDER BY revoked, code")


def release_by_serial(db: sqlite_utils.Database, serial: str) -> Row | None:
    """The release form issued under `serial`, with its case's state and its person."""
    return _one(db, """
        SELECT f.serial, f.deleted AS form_deleted, k.id AS case_id, k.status, k.released_on,
               k.deleted AS case_deleted, r.name, r.id_number
        FROM case_forms f JOIN isolation_cases k ON k.id = f.case_id
        JOIN residents r ON r.id = k.resident_id
        WHERE f.serial = ? AND f.form = 'release'""", (serial,))
