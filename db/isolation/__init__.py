"""Home-isolation queries: open cases for the board, a case with its history, checks, tests and
prints, the staff who can form a case's trio, and counts for the overview. Plain values in and
out; SQL stays visible. Writes go through db.registry insert/update."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Any

import sqlite_utils

from db.community_scope import sql_in
from db.registry import ADDRESS_SQL, Row, _one, _rows

OPEN = "k.deleted = 0 AND k.status IN ('planned', 'active')"

# A case, its person and the place they are isolated (which may have no household yet).
CASE_FROM = (
    "isolation_cases k JOIN residents r ON r.id = k.resident_id "
    "LEFT JOIN households h ON h.id = k.household_id LEFT JOIN units u ON u.id = h.unit_id "
    "LEFT JOIN buildings b ON b.id = u.building_id LEFT JOIN compounds c ON c.id = b.compound_id"
)
CASE_COLUMNS = (
    f"k.*, r.name, r.sex, r.id_number, r.birth_date, r.phone AS resident_phone, "
    f"{ADDRESS_SQL} AS address, c.grid_id, "
    "(SELECT s.name FROM staff s WHERE s.id = k.grid_worker_id) AS grid_worker, "
    "(SELECT s.phone FROM staff s WHERE s.id = k.grid_worker_id) AS grid_worker_phone, "
    "(SELECT s.name FROM staff s WHERE s.id = k.police_id) AS police, "
    "(SELECT s.phone FROM staff s WHERE s.id = k.police_id) AS police_phone, "
    "(SELECT s.name FROM staff s WHERE s.id = k.doctor_id) AS doctor, "
    "(SELECT s.phone FROM staff s WHERE s.id = k.doctor_id) AS doctor_phone"
)


def case(db: sqlite_utils.Database, case_id: str) -> Row | None:
    return _one(db, f"SELECT {CASE_COLUMNS} FROM {CASE_FROM} WHERE k.id = ?", (case_id,))


def open_cases(db: sqlite_utils.Database, day: str) -> list[Row]:
    """Every planned or active case with the day's checks, in address order."""
    return _rows(
        db,
        f"SELECT {CASE_COLUMNS}, "
        "(SELECT x.id FROM case_checks x WHERE x.case_id = k.id AND x.deleted = 0 "
        "   AND x.check_on = :day AND x.slot = 'am' ORDER BY x.checked_at DESC LIMIT 1) "
        "   AS am_check, "
        "(SELECT x.id FROM case_checks x WHERE x.case_id = k.id AND x.deleted = 0 "
        "   AND x.check_on = :day AND x.slot = 'pm' ORDER BY x.checked_at DESC LIMIT 1) "
        "   AS pm_check, "
        # A half-day with a second reading is still one check done.
        "(SELECT count(DISTINCT x.check_on || x.slot) FROM case_checks x "
        "   WHERE x.case_id = k.id AND x.deleted = 0 AND x.check_on < :day) AS checks_before, "
        "(SELECT count(*) FROM case_checks x WHERE x.case_id = k.id AND x.deleted = 0 "
        "   AND x.flagged = 1 AND x.doctor_seen IS NULL) AS flags_open "
        f"FROM {CASE_FROM} WHERE {OPEN} "
        "ORDER BY c.sort_order, c.name, b.sort_order, CAST(b.name AS INTEGER), b.name, "
        "u.sort_order, u.name, CAST(h.door_number AS INTEGER), h.door_number, r.name",
        {"day": day},
    )


def cases(db: sqlite_utils.Database, statuses: Sequence[str] | None = None,
          text: str | None = None, limit: int = 2000,
          communities: Collection[str] | None = None) -> list[Row]:
    """Cases of any status, newest first; `text` matches name, ID number or address; at a
    district, `communities` narrows to those community ids (None: all)."""
    scope, scope_params = sql_in("k.community_id", communities)
    sql = f"SELECT {CASE_COLUMNS} FROM {CASE_FROM} WHERE k.deleted = 0{scope}"
    params: list[Any] = list(scope_params)
    if statuses:
        sql += f" AND k.status IN ({','.join('?' * len(statuses))})"
        params += list(statuses)
    if text:
        sql += (f" AND (r.name LIKE ? OR r.id_number LIKE ? OR ({ADDRESS_SQL}) LIKE ?"
                " OR k.reason LIKE ?)")
        params += [f"%{text}%"] * 4
    sql += " ORDER BY k.started_on DESC, k.id DESC LIMIT ?"
    return _rows(db, sql, [*params, limit])


def open_case_of_resident(db: sqlite_utils.Database, resident_id: str) -> Row | None:
    return _one(db, f"SELECT k.* FROM isolation_cases k WHERE k.resident_id = ? AND {OPEN}",
                (resident_id,))


def checks(db: sqlite_utils.Database, case_ids: Sequence[str]) -> list[Row]:
    if not case_ids:
        return []
    marks = ",".join("?" * len(case_ids))
    return _rows(db, f"SELECT * FROM case_checks WHERE deleted = 0 AND case_id IN ({marks}) "
                     "ORDER BY check_on, slot, checked_at", list(case_ids))


def checks_at(db: sqlite_utils.Database, case_id: str, day: str, slot: str) -> list[Row]:
    """Every reading of a case's half-day, earliest first (a second reading never replaces
    the first: both are health records with their author)."""
    return _rows(db, "SELECT * FROM case_checks WHERE case_id = ? AND check_on = ? AND slot = ? "
                     "AND deleted = 0 ORDER BY checked_at", (case_id, day, slot))


def tests(db: sqlite_utils.Database, case_ids: Sequence[str]) -> list[Row]:
    if not case_ids:
        return []
    marks = ",".join("?" * len(case_ids))
    return _rows(db, f"SELECT * FROM case_tests WHERE deleted = 0 AND case_id IN ({marks}) "
                     "ORDER BY test_on", list(case_ids))


def events(db: sqlite_utils.Database, case_id: str) -> list[Row]:
    return _rows(db, "SELECT * FROM case_events WHERE case_id = ? AND deleted = 0 "
                     "ORDER BY at, id", (case_id,))


def case_spans(db: sqlite_utils.Database, since: str) -> list[tuple[str, str, str, str | None,
                                                                     str | None]]:
    """(kind, status, started_on, released_on, status_on) of every case that may have been
    open on or after `since`: the overview's cases-per-day chart counts them by day."""
    return db.conn.execute(
        "SELECT kind, status, started_on, released_on, status_on FROM isolation_cases "
        "WHERE deleted = 0 AND status != 'cancelled' AND (status IN ('planned', 'active') "
        "OR coalesce(released_on, status_on, planned_end) >= ?)", (since,)).fetchall()
