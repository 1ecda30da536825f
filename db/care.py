"""Care-visit queries and writes (关爱走访): the rules per tag, people's own schedules, the visit
board, visits, needs and referrals, 60+ vaccination status, the one contact log. Plain values
in and out; SQL stays visible."""

from __future__ import annotations

import json
from collections.abc import Collection, Sequence
from typing import Any

import sqlite_utils

from db import rows
from db.community_scope import sql_in
from db.registry import ADDRESS_SQL, Row, _one, _rows

# Columns a caller may write, per table (id, community_id and deleted are ours).
WRITABLE: dict[str, tuple[str, ...]] = {
    "care_rules": ("tag", "interval_days", "visitor"),
    "care_schedules": ("resident_id", "interval_days", "visitor", "visitor_name", "ended_on",
                       "end_reason", "note"),
    "care_visits": ("resident_id", "household_id", "visited_on", "method", "visitor",
                    "visitor_name", "member_id", "wellbeing", "needs", "note", "contact_id",
                    "recorded_at", "recorded_by"),
    "care_needs": ("visit_id", "resident_id", "kind", "found_on", "note", "status",
                   "request_id", "referred_to", "referred_on", "outcome", "outcome_on"),
    "care_vaccinations": ("resident_id", "status", "doses", "last_dose_on", "recorded_on",
                          "recorded_by", "note"),
}

# Kinds of a Party member's contact that count as seeing the person (errands do not).
MEMBER_CONTACT_KINDS = ("visit", "phone", "wechat")


_tables = rows.Tables(WRITABLE)
insert, insert_many, update, get = (_tables.insert, _tables.insert_many, _tables.update,
                                    _tables.get)
soft_delete = rows.soft_delete


# --- rules and schedules ----------------------------------------------------------------------

def rules(db: sqlite_utils.Database, communities: Collection[str] | None = None) -> list[Row]:
    scope, params = sql_in("community_id", communities)
    return _rows(db, f"SELECT * FROM care_rules WHERE deleted = 0{scope} "
                     "ORDER BY community_id, interval_days, tag", params)


def schedule(db: sqlite_utils.Database, resident_id: str) -> Row | None:
    """A resident's own schedule (the newest live row)."""
    return _one(db, "SELECT * FROM care_schedules WHERE resident_id = ? AND deleted = 0 "
                    "ORDER BY id DESC LIMIT 1", (resident_id,))


# --- the board -------------------------------------------------------------------------------

# Everyone to visit: residents matching a rule (their own tags, their household's tags when
# they head it, 高龄 by birth date), and anyone with an interval of their own; minus those whose
# care has ended. `rule` rows are (community_id, tag, days, visitor); for several rules the
# shortest interval wins, with its visitor (SQLite takes bare columns from the min() row).
# Each branch reads a covering partial index of migration 0016, never the residents table.
_BOARD = """
WITH rule(cid, tag, days, visitor) AS MATERIALIZED (
    SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]'),
           json_extract(value, '$[2]'), json_extract(value, '$[3]') FROM json_each(:rules)),
own AS MATERIALIZED (
    SELECT s.resident_id, s.interval_days, s.visitor, s.ended_on FROM care_schedules s
     WHERE s.deleted = 0 AND s.id = (SELECT max(s2.id) FROM care_schedules s2
                                      WHERE s2.resident_id = s.resident_id AND s2.deleted = 0)),
matched(id, household_id, tag, days, visitor) AS (
    SELECT r.id, r.household_id, t.tag, t.days, t.visitor
      FROM residents r INDEXED BY residents_care_tags JOIN rule t ON t.cid = r.community_id
     WHERE r.deleted = 0 AND r.tags != ''
       AND instr(' ' || r.tags || ' ', ' ' || t.tag || ' ') > 0
    UNION ALL
    SELECT r.id, r.household_id, t.tag, t.days, t.visitor
      FROM rule t JOIN residents r INDEXED BY residents_care_born
        ON r.deleted = 0 AND r.birth_date <= :old_born AND r.community_id = t.cid
     WHERE t.tag = :old_tag
    UNION ALL
    SELECT r.id, r.household_id, t.tag, t.days, t.visitor
      FROM households h INDEXED BY households_care_tags JOIN rule t ON t.cid = h.community_id
      JOIN residents r INDEXED BY residents_care_head
        ON r.household_id = h.id AND r.deleted = 0 AND r.relation = '户主'
     WHERE h.deleted = 0 AND h.tags != ''
       AND instr(' ' || h.tags || ' ', ' ' || t.tag || ' ') > 0
    UNION ALL
    SELECT o.resident_id, r.household_id, NULL, o.interval_days, o.visitor
      FROM own o JOIN residents r ON r.id = o.resident_id AND r.deleted = 0
     WHERE o.interval_days IS NOT NULL AND o.ended_on IS NULL),
person AS (
    SELECT m.id, m.household_id, replace(group_concat(DISTINCT m.tag), ',', ' ') AS tags,
           min(m.days) AS days,
           m.visitor FROM matched m GROUP BY m.id),
cared AS MATERIALIZED (
    SELECT p.id, p.tags, max(1, min(366, coalesce(o.interval_days, p.days))) AS days,
           coalesce(o.visitor, p.visitor) AS visitor, c.community_id, p.household_id, c.grid_id,
           c.sort_order AS c_order, c.name AS c_name, b.sort_order AS b_order, b.name AS b_name,
           u.name AS u_name, h.door_number,
           max(coalesce((SELECT max(v.visited_on) FROM care_visits v INDEXED BY care_visits_seen
                          WHERE v.resident_id = p.id AND v.deleted = 0
                            AND v.method != 'absent'), ''),
               coalesce((SELECT max(k.contact_on) FROM member_contacts k
                          WHERE k.household_id = p.household_id AND k.deleted = 0
                            AND k.kind IN ('visit', 'phone', 'wechat')), '')) AS last_on,
           (SELECT v.method FROM care_visits v INDEXED BY care_visits_seen
             WHERE v.resident_id = p.id AND v.deleted = 0 AND v.visited_on = :today
             ORDER BY v.method = 'absent' LIMIT 1) AS today_method
      FROM person p JOIN households h INDEXED BY households_care_address
        ON h.id = p.household_id AND h.deleted = 0
      JOIN units u ON u.id = h.unit_id
      JOIN buildings b ON b.id = u.building_id JOIN compounds c ON c.id = b.compound_id
      LEFT JOIN own o ON o.resident_id = p.id
     WHERE (o.ended_on IS NULL OR o.ended_on > :today) {where}),
dated AS (
    SELECT *, CASE WHEN last_on = '' THEN :today
                   ELSE date(last_on, '+' || days || ' days') END AS due_on FROM cared)
SELECT id, community_id, household_id, grid_id, tags, days, visitor, last_on, due_on,
       today_method,
       CASE WHEN today_method IS NOT NULL AND today_method != 'absent' THEN 'done'
            WHEN last_on = :today THEN 'done'
            WHEN today_method = 'absent' THEN 'absent'
            WHEN due_on < :today THEN 'overdue'
            WHEN due_on = :today THEN 'due'
            ELSE 'later' END AS status
  FROM dated
 ORDER BY CASE status WHEN 'overdue' THEN 0 WHEN 'absent' THEN 1 WHEN 'due' THEN 2
                      WHEN 'done' THEN 3 ELSE 4 END,
          due_on, c_order, c_name, b_order, CAST(b_name AS INTEGER), b_name, u_name,
          CAST(door_number AS INTEGER), door_number
"""


def board(db: sqlite_utils.Database, rule_rows: Sequence[tuple[str, str, int, str]], *,
          today: str, old_tag: str, old_born: str, grid_ids: Collection[str] | None = None,
          tag: str | None = None, communities: Collection[str] | None = None) -> list[Row]:
    """One light row per person to visit (id, community_id, household_id, grid_id, tags,
    days, visitor, last_on, due_on, today_method, status), most urgent first."""
    named: dict[str, Any] = {"rules": json.dumps(list(rule_rows), ensure_ascii=False),
                             "today": today, "old_tag": old_tag, "old_born": old_born}
    where = ""
    for column, ids in (("c.grid_id", grid_ids), ("c.community_id", communities)):
        if ids is None:
            continue
        marks = []
        for value in sorted(ids):
            named[f"p{len(named)}"] = value
            marks.append(f":p{len(named) - 1}")
        where += f" AND {column} IN ({', '.join(marks) or 'NULL'})"
    if tag:
        where += " AND instr(' ' || coalesce(p.tags, '') || ' ', ' ' || :tag || ' ') > 0"
        named["tag"] = tag
    sql = _BOARD.format(where=where)
    cursor = db.conn.execute(sql, named)
    cols = [d[0] for d in cursor.description]
    return [dict(zip(cols, row, strict=True)) for row in cursor]


def person_rows(db: sqlite_utils.Database, ids: Sequence[str], today: str) -> list[Row]:
    """Display rows of the given residents (same order out): name, address, grid, their paired
    Party member, their grid's worker, the last visit, the latest vaccination and open needs."""
    if not ids:
        return []
    rows = _rows(db, f"""
        SELECT r.id, r.community_id, r.name, r.sex, r.birth_date, r.phone, r.tags,
               r.household_id, h.tags AS household_tags, h.phone AS household_phone,
               {ADDRESS_SQL} AS address, c.grid_id, g.name AS grid_name,
               (SELECT m.name FROM pairings p JOIN party_members m ON m.id = p.member_id
                 WHERE p.household_id = r.household_id AND p.ended_on IS NULL
                   AND p.deleted = 0 LIMIT 1) AS member_name,
               (SELECT p.member_id FROM pairings p
                 WHERE p.household_id = r.household_id AND p.ended_on IS NULL
                   AND p.deleted = 0 LIMIT 1) AS member_id,
               (SELECT s.name FROM staff s WHERE s.org_unit_id = c.grid_id AND s.deleted = 0
                   AND s.role = 'grid_worker' ORDER BY s.name LIMIT 1) AS grid_worker,
               (SELECT json_object('on', v.visited_on, 'method', v.method, 'wellbeing',
                                   v.wellbeing, 'note', v.note, 'needs', v.needs)
                  FROM care_visits v WHERE v.resident_id = r.id AND v.deleted = 0
                 ORDER BY v.visited_on DESC, v.id DESC LIMIT 1) AS last_visit,
               (SELECT x.status FROM care_vaccinations x WHERE x.resident_id = r.id
                   AND x.deleted = 0 ORDER BY x.recorded_on DESC, x.id DESC LIMIT 1)
                   AS vaccination,
               (SELECT count(*) FROM care_needs n WHERE n.resident_id = r.id AND n.deleted = 0
                   AND n.status IN ('open', 'referred', 'request')) AS open_needs,
               (SELECT s.visitor_name FROM care_schedules s WHERE s.resident_id = r.id
                   AND s.deleted = 0 ORDER BY s.id DESC LIMIT 1) AS volunteer
          FROM residents r
          LEFT JOIN households h ON h.id = r.household_id
          LEFT JOIN units u ON u.id = h.unit_id LEFT JOIN buildings b ON b.id = u.building_id
          LEFT JOIN compounds c ON c.id = b.compound_id
          LEFT JOIN org_units g ON g.id = c.grid_id
         WHERE r.id IN (SELECT value FROM json_each(?))""", (json.dumps(list(ids)),))
    by_id = {r["id"]: r for r in rows}
    for r in rows:
        r["last_visit"] = json.loads(r["last_visit"]) if r["last_visit"] else None
    return [by_id[i] for i in ids if i in by_id]


def resident_state(db: sqlite_utils.Database, resident_id: str) -> Row | None:
    """Is the person still here: the resident, their household, and whether both are live."""
    return _one(db, "SELECT r.id, r.name, r.deleted, r.household_id, r.tags, r.birth_date, "
                    "r.community_id, h.deleted AS household_deleted FROM residents r "
                    "LEFT JOIN households h ON h.id = r.household_id WHERE r.id = ?",
                (resident_id,))


# --- visits, needs, vaccinations, the contact log -------------------------------------------

def visits_of(db: sqlite_utils.Database, resident_id: str, limit: int = 50) -> list[Row]:
    return _rows(db, "SELECT * FROM care_visits WHERE resident_id = ? AND deleted = 0 "
                     "ORDER BY visited_on DESC, id DESC LIMIT ?", (resident_id, limit))


def contact_log(db: sqlite_utils.Database, resident_id: str, household_id: str | None,
                limit: int = 50) -> list[Row]:
    """The person's contacts, care visits and their household's Party-member contacts alike,
    newest first (the view contact_log counts each once)."""
    return _rows(db, "SELECT * FROM contact_log WHERE resident_id = ? "
                     "OR (resident_id IS NULL AND household_id = ?) "
                     "ORDER BY contact_on DESC, id DESC LIMIT ?",
                 (resident_id, household_id, limit))


def needs(db: sqlite_utils.Database, *, statuses: Sequence[str] | None = None,
          since: str | None = None, communities: Collection[str] | None = None,
          grid_ids: Collection[str] | None = None, limit: int = 5000) -> list[Row]:
    scope, params = sql_in("n.community_id", communities)
    sql = (f"SELECT n.*, r.name, {ADDRESS_SQL} AS address, c.grid_id, "
           # where the request it became stands (the events' own row)
           "(SELECT i.status || '|' || COALESCE(i.result, '') FROM incidents i "
           " WHERE i.id = n.request_id AND i.deleted = 0) AS request_state FROM care_needs n "
           "JOIN residents r ON r.id = n.resident_id "
           "LEFT JOIN households h ON h.id = r.household_id "
           "LEFT JOIN units u ON u.id = h.unit_id LEFT JOIN buildings b ON b.id = u.building_id "
           f"LEFT JOIN compounds c ON c.id = b.compound_id WHERE n.deleted = 0{scope}")
    if statuses:
        sql += f" AND n.status IN ({','.join('?' * len(statuses))})"
        params += list(statuses)
    if since:
        sql += " AND n.found_on >= ?"
        params.append(since)
    if grid_ids is not None:
        sql += f" AND c.grid_id IN ({','.join('?' * len(grid_ids)) or 'NULL'})"
        params += sorted(grid_ids)
    sql += " ORDER BY n.found_on DESC, n.id DESC LIMIT ?"
    return _rows(db, sql, [*params, limit])


def need_counts(db: sqlite_utils.Database, since: str, until: str,
                communities: Collection[str] | None = None) -> list[tuple[str, str, int]]:
    """(month YYYY-MM, kind, count) of needs found in [since, until)."""
    scope, params = sql_in("community_id", communities)
    return db.conn.execute(
        "SELECT substr(found_on, 1, 7), kind, count(*) FROM care_needs "
        f"WHERE deleted = 0 AND found_on >= ? AND found_on < ?{scope} "
        "GROUP BY 1, 2 ORDER BY 1, 2", [since, until, *params]).fetchall()


def visits_since(db: sqlite_utils.Database, since: str | None,
                 communities: Collection[str] | None = None,
                 grid_ids: Collection[str] | None = None, limit: int = 200_000) -> list[Row]:
    scope, params = sql_in("v.community_id", communities)
    sql = (f"SELECT v.*, r.name, r.id_number, {ADDRESS_SQL} AS address, c.grid_id, "
           "m.name AS member_name FROM care_visits v JOIN residents r ON r.id = v.resident_id "
           "LEFT JOIN households h ON h.id = v.household_id "
           "LEFT JOIN units u ON u.id = h.unit_id LEFT JOIN buildings b ON b.id = u.building_id "
           "LEFT JOIN compounds c ON c.id = b.compound_id "
           f"LEFT JOIN party_members m ON m.id = v.member_id WHERE v.deleted = 0{scope}")
    if since:
        sql += " AND v.visited_on >= ?"
        params.append(since)
    if grid_ids is not None:
        sql += f" AND c.grid_id IN ({','.join('?' * len(grid_ids)) or 'NULL'})"
        params += sorted(grid_ids)
    sql += " ORDER BY v.visited_on DESC, v.id DESC LIMIT ?"
    return _rows(db, sql, [*params, limit])


def vaccinations_of(db: sqlite_utils.Database, resident_id: str) -> list[Row]:
    return _rows(db, "SELECT * FROM care_vaccinations WHERE resident_id = ? AND deleted = 0 "
                     "ORDER BY recorded_on DESC, id DESC", (resident_id,))
