"""Daily report queries (table daily_reports, 0014): storing a confirmed report, the report
that stands for a community and day (the one no later report replaces), every version of a
day, and the days with reports. Plain values in and out."""

from __future__ import annotations

from collections.abc import Collection

import sqlite_utils

from db.community_scope import sql_in
from db.ids import uuid7
from db.registry import Row, _one, _rows

FIGURE_COLUMNS = ("active_isolation", "active_monitoring", "new_cases", "released",
                  "checks_done", "checks_overdue", "fevers", "kp_received", "kp_verified",
                  "kp_overdue", "sweep_households", "sweep_visited", "returnees")
COLUMNS = ("report_on", *FIGURE_COLUMNS, "returnee_origins", "confirmed_by", "confirmed_at",
           "replaces", "reason")

# The report standing for its community and day: live, and replaced by no live report.
_STANDING = ("r.deleted = 0 AND NOT EXISTS (SELECT 1 FROM daily_reports n "
             "WHERE n.replaces = r.id AND n.deleted = 0)")


def insert(db: sqlite_utils.Database, owner: str, values: Row) -> str:
    row_id = uuid7()
    cols = [c for c in COLUMNS if c in values]
    db.conn.execute(
        f"INSERT INTO daily_reports (id, community_id, {', '.join(cols)}) "
        f"VALUES (?, ?, {', '.join('?' * len(cols))})", [row_id, owner, *(values[c] for c in cols)])
    return row_id


def standing(db: sqlite_utils.Database, day: str,
             community_ids: Collection[str] | None = None) -> list[Row]:
    """The standing report of each community for `day` (the latest confirmed, should two
    offices' corrections of the same report cross in sync)."""
    where, params = sql_in("r.community_id", community_ids)
    rows = _rows(db, f"SELECT r.* FROM daily_reports r WHERE r.report_on = ? AND {_STANDING}"
                     f"{where} ORDER BY r.community_id, r.confirmed_at, r.id", [day, *params])
    by_community: dict[str, Row] = {}
    for r in rows:
        by_community[r["community_id"]] = r      # the latest confirmed wins
    return list(by_community.values())


def standing_one(db: sqlite_utils.Database, day: str, community_id: str) -> Row | None:
    rows = standing(db, day, {community_id})
    return rows[0] if rows else None


def versions(db: sqlite_utils.Database, day: str, community_id: str) -> list[Row]:
    """Every confirmed report of a community for a day, latest first (corrections keep
    what they replaced)."""
    return _rows(db, "SELECT * FROM daily_reports WHERE report_on = ? AND community_id = ? "
                     "AND deleted = 0 ORDER BY confirmed_at DESC, id DESC", (day, community_id))


def report(db: sqlite_utils.Database, report_id: str) -> Row | None:
    return _one(db, "SELECT * FROM daily_reports WHERE id = ?", (report_id,))


def days(db: sqlite_utils.Database, community_ids: Collection[str] | None = None,
         limit: int = 60) -> list[tuple[str, int]]:
    """(day, communities reported) for the latest days with any report, newest first."""
    where, params = sql_in("community_id", community_ids)
    return [(r[0], r[1]) for r in db.conn.execute(
        "SELECT report_on, count(DISTINCT community_id) FROM daily_reports WHERE deleted = 0"
        f"{where} GROUP BY report_on ORDER BY report_on DESC LIMIT ?", [*params, limit])]


# --- a past day's isolation figures, exact from the cases' dates --------------------------------

def cases_active_on(db: sqlite_utils.Database, day: str) -> list[tuple[str, str]]:
    """(case id, kind) of every case under management on `day`: started by then and not yet
    released or transferred (released on day d: managed through d - 1, as the overview's
    chart counts them). Cancelled cases were never real cases."""
    return db.conn.execute(
        "SELECT id, kind FROM isolation_cases WHERE deleted = 0 AND status != 'cancelled' "
        "AND started_on <= ?1 AND (status IN ('planned', 'active') "
        "OR coalesce(released_on, status_on, '9999-12-31') > ?1)", (day,)).fetchall()


def checks_on(db: sqlite_utils.Database, day: str) -> list[tuple[str, str, int]]:
    """(case id, slot, flagged readings) of each half-day check recorded for `day`."""
    return db.conn.execute(
        "SELECT case_id, slot, sum(flagged) FROM case_checks WHERE deleted = 0 "
        "AND check_on = ? GROUP BY case_id, slot", (day,)).fetchall()
