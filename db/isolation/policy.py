"""The district's isolation policy row (district_policy): reading the one in force and writing
the district's own. A community holds the row the district sent and never writes it."""

from __future__ import annotations

from typing import Any

import sqlite_utils

from db.ids import uuid7

COLUMNS = ("isolation_days", "isolation_test_days", "monitoring_days", "monitoring_test_days",
           "fever", "am_deadline", "pm_start", "pm_deadline", "days_open", "tests_open",
           "fever_open", "deadlines_open", "changed_at", "changed_by")


def current(db: sqlite_utils.Database, own_org: str | None, *, own: bool
            ) -> dict[str, Any] | None:
    """At the district (own=True) its own row; at a community (own=False) the row the
    district sent (any live row not owned by this community), newest change first."""
    if "district_policy" not in db.table_names():
        return None
    op = "=" if own else "IS NOT"
    cur = db.conn.execute(
        f"SELECT * FROM district_policy WHERE deleted = 0 AND community_id {op} ? "
        "ORDER BY changed_at DESC, id DESC LIMIT 1", (own_org,))
    row = cur.fetchone()
    return dict(zip([d[0] for d in cur.description], row, strict=True)) if row else None


def write(db: sqlite_utils.Database, owner: str, row_id: str | None,
          values: dict[str, Any]) -> str:
    """Insert the district's row (row_id None) or update it; returns its id."""
    cols = [c for c in COLUMNS if c in values]
    if row_id is None:
        row_id = uuid7()
        names = ["id", "community_id", *cols]
        db.conn.execute(
            f"INSERT INTO district_policy ({', '.join(names)}) "
            f"VALUES ({', '.join('?' * len(names))})",
            [row_id, owner, *(values[c] for c in cols)])
    else:
        db.conn.execute(
            f"UPDATE district_policy SET {', '.join(f'[{c}] = ?' for c in cols)} WHERE id = ?",
            [*(values[c] for c in cols), row_id])
    return row_id
