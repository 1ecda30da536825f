"""The district overview's figures: per community, counted in SQL over the district's union of
its communities' rows (each row carries its community_id). Plain values in and out."""

from __future__ import annotations

from typing import Any

import sqlite_utils

from db import district, scope

Row = dict[str, Any]


def communities(db: sqlite_utils.Database) -> list[Row]:
    """Every community the district holds or has enrolled: its org unit (level 'community',
    id == community_id) with its street (`db.district.street_join`), and the enrolled peer's
    last bundle received. A community enrolled but never synced has no org unit yet: it comes from
    its peer row alone (not on a connection limited to a street's communities: peers are not
    scoped, and which street such a community stands under is not known yet)."""
    sql = ("SELECT c.id, c.code, c.name, s.id, s.code, s.name, c.sort_order, "
           "  (SELECT max(p.last_import_at) FROM peers p WHERE p.community_id = c.id "
           "   AND p.role = 'community' AND p.revoked = 0) "
           f"FROM org_units c {district.street_join('c', 's')} "
           "WHERE c.level = 'community' AND c.id = c.community_id AND c.deleted = 0")
    if not scope.limited(db):
        sql += (" UNION ALL "
                "SELECT p.community_id, p.code, p.name, NULL, NULL, NULL, 0, "
                "  max(p.last_import_at) "
                "FROM peers p WHERE p.role = 'community' AND p.revoked = 0 AND NOT EXISTS "
                "  (SELECT 1 FROM org_units o WHERE o.id = p.community_id AND o.deleted = 0) "
                "GROUP BY p.community_id")
    rows = db.conn.execute(sql).fetchall()
    keys = ("community_id", "code", "name", "street_id", "street_code", "street_name",
            "sort_order", "last_import_at")
    return [dict(zip(keys, r, strict=True)) for r in rows]


def _grouped(db: sqlite_utils.Database, sql: str, params: Any = ()) -> dict[str, tuple]:
    return {r[0]: r[1:] for r in db.conn.execute(sql, params)}


def figures(db: sqlite_utils.Database, today: str, am_overdue: bool, pm_overdue: bool
            ) -> dict[str, Row]:
    """Per community_id: live residents and households, paired households, active isolation
    cases by kind, cases whose check of the day is overdue (`am_overdue`/`pm_overdue`: the
    deadline of that half-day has passed now), and cases whose period ends on or before
    `today` (due for release). Each count one GROUP BY over an index or a narrow scan."""
    out: dict[str, Row] = {}

    def put(key: str, grouped: dict[str, tuple]) -> None:
        for owner, values in grouped.items():
            out.setdefault(owner, {})[key] = values[0] or 0

    # A plain scan of the table: the planner's pick, residents_id_number, looks every row up
    # again for `deleted` (~2× slower at 200,000 residents).
    put("residents", _grouped(db, "SELECT community_id, count(*) FROM residents NOT INDEXED "
                                  "WHERE deleted = 0 GROUP BY community_id"))
    households = _grouped(
        db, "SELECT h.community_id, count(*), sum(EXISTS (SELECT 1 FROM pairings p "
            "  INDEXED BY pairings_active_household WHERE p.household_id = h.id "
            "  AND p.ended_on IS NULL AND p.deleted = 0)) "
            "FROM households h WHERE h.deleted = 0 GROUP BY h.community_id")
    for owner, (n, paired) in households.items():
        out.setdefault(owner, {}).update(households=n, paired=paired or 0)
    started = ("k.deleted = 0 AND k.status = 'active' AND k.started_on <= :today")
    for owner, isolation, monitoring, release_due, overdue in db.conn.execute(
            "SELECT k.community_id, sum(k.kind = 'home_isolation'), "
            "  sum(k.kind = 'home_monitoring'), "
            "  sum(k.started_on <= :today AND k.planned_end <= :today), "
            f"  sum(({started}) AND ("
            "    (:am AND NOT EXISTS (SELECT 1 FROM case_checks x WHERE x.case_id = k.id "
            "       AND x.deleted = 0 AND x.check_on = :today AND x.slot = 'am')) OR "
            "    (:pm AND NOT EXISTS (SELECT 1 FROM case_checks x WHERE x.case_id = k.id "
            "       AND x.deleted = 0 AND x.check_on = :today AND x.slot = 'pm')))) "
            "FROM isolation_cases k "
            "WHERE k.status = 'active' AND k.deleted = 0 GROUP BY k.community_id",
            {"today": today, "am": int(am_overdue), "pm": int(pm_overdue)}):
        out.setdefault(owner, {}).update(
            home_isolation=isolation or 0, home_monitoring=monitoring or 0,
            release_due=release_due or 0, overdue=overdue or 0)
    return out


def case_spans(db: sqlite_utils.Database, since: str) -> list[tuple[str, str, str, str,
                                                                     str | None, str | None]]:
    """(community_id, kind, status, started_on, released_on, status_on) of every case that may
    have been active on or after `since`: the chart of active cases per community and day."""
    return db.conn.execute(
        "SELECT community_id, kind, status, started_on, released_on, status_on "
        "FROM isolation_cases WHERE deleted = 0 AND status != 'cancelled' "
        "AND (status IN ('planned', 'active') "
        "     OR coalesce(released_on, status_on, planned_end) >= ?)",
        (since,)).fetchall()
