"""Grid events and residents' requests in SQLite (migration 0015): the events list with its
filters, one event with its history, the district's replies, photos in parts, the kinds."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Any

import sqlite_utils

from db import rows as generic
from db.community_scope import sql_in
from db.node import get_meta
from db.registry import ADDRESS_SQL, HOUSEHOLD_JOIN
from db.rows import rows as _rows

Row = dict[str, Any]

COLUMNS = {
    "incident_kinds": ("name", "position", "deleted"),
    "incidents": ("category", "kind", "urgency", "household_id", "building_id", "compound_id",
                  "grid_id", "place", "description", "reporter_kind", "reporter_name",
                  "reporter_phone", "resident_id", "source", "reported_at", "due_at",
                  "assignee", "assignee_kind", "assignee_phone", "status", "escalated_at",
                  "escalate_reason", "resolved_at", "resolved_by", "result", "satisfaction",
                  "callback_at", "deleted"),
    "incident_steps": ("incident_id", "at", "actor", "action", "note"),
    "incident_replies": ("incident_id", "at", "actor", "action", "department", "note"),
    "incident_photos": ("incident_id", "added_at", "file_name", "mime", "size", "sha256",
                        "width", "height", "thumb", "parts", "deleted"),
    "incident_photo_parts": ("photo_id", "seq", "data"),
}
# Still being handled at the community: the ones a deadline can pass for.
OPEN = ("open", "assigned")
# Each 退回 answers one escalation: sent back and not yet up again when there are as many
# (counted, not compared by time: the two ends' clocks differ).
_RETURNED = (
    "((SELECT count(*) FROM incident_replies r WHERE r.incident_id = i.id AND r.deleted = 0 "
    "  AND r.action = 'return') >= (SELECT count(*) FROM incident_steps s "
    "  WHERE s.incident_id = i.id AND s.deleted = 0 AND s.action = 'escalate'))")
# What the list shows of an event, and the latest word from the district.
_LIST_SELECT = (
    "SELECT i.id, i.community_id, i.category, i.kind, i.urgency, i.place, i.description, "
    "i.reporter_kind, i.reporter_name, i.reporter_phone, i.source, i.reported_at, i.due_at, "
    "i.assignee, i.status, i.escalated_at, i.escalate_reason, i.resolved_at, i.resolved_by, "
    "i.result, i.satisfaction, i.callback_at, i.grid_id, i.resident_id, "
    "(SELECT r.action || '|' || COALESCE(r.department, '') || '|' || r.at FROM incident_replies r "
    " WHERE r.incident_id = i.id AND r.deleted = 0 ORDER BY r.at DESC, r.id DESC LIMIT 1) "
    "AS district_last, "
    "(SELECT count(*) FROM incident_photos p WHERE p.incident_id = i.id AND p.deleted = 0) "
    "AS photos, "
    f"{_RETURNED} AS returned "
    "FROM incidents i ")


def insert(db: sqlite_utils.Database, table: str, values: dict[str, Any], *,
           owner: str | None = None) -> str:
    """Insert one row of an incidents table; returns its new UUIDv7. `owner` is the
    community the row belongs to (a reply at the district: the event's community)."""
    return generic.insert(db, table, COLUMNS[table], values, owner=owner)


def insert_many(db: sqlite_utils.Database, table: str, new_rows: list[Row]) -> None:
    """Bulk insert rows that carry their id and community_id (demo data)."""
    generic.insert_many(db, table, COLUMNS[table], new_rows)


def update(db: sqlite_utils.Database, table: str, row_id: str, values: dict[str, Any]) -> None:
    generic.update(db, table, COLUMNS[table], row_id, values)


# --- kinds ------------------------------------------------------------------------------------

def kinds(db: sqlite_utils.Database, owner: str | None = None) -> list[Row]:
    """The office's kinds (live and removed), in its order."""
    owner = owner or get_meta(db, "community_id")
    return _rows(db, "SELECT id, name, position, deleted FROM incident_kinds "
                     "WHERE community_id = ? ORDER BY position, name", (owner,))


def used_kinds(db: sqlite_utils.Database) -> list[str]:
    """Every kind an event was reported with (a district's filter lists these)."""
    return [r[0] for r in db.conn.execute(
        "SELECT DISTINCT kind FROM incidents WHERE deleted = 0 ORDER BY kind")]


# --- the list ---------------------------------------------------------------------------------

def list_ids(db: sqlite_utils.Database, *, statuses: Collection[str] | None = None,
             kind: str | None = None, category: str | None = None,
             grid_ids: Collection[str] | None = None, ungridded: bool = False,
             community_ids: Collection[str] | None = None, overdue_at: str | None = None,
             escalated: bool = False, district_done: bool | None = None,
             since: str | None = None, text: str | None = None,
             resident_id: str | None = None) -> list[str]:
    """Ids of the events matching every filter given, newest report first. `overdue_at`
    (a local ISO time) keeps those still being handled whose deadline is before it;
    `escalated` keeps the ones sent up; `district_done` those the district has (or has not)
    finished. `ungridded` keeps events at a typed place along with `grid_ids`."""
    where = ["i.deleted = 0"]
    params: list[Any] = []
    if statuses:
        where.append(f"i.status IN ({', '.join('?' * len(statuses))})")
        params += list(statuses)
    if kind:
        where.append("i.kind = ?")
        params.append(kind)
    if category:
        where.append("i.category = ?")
        params.append(category)
    if grid_ids is not None:
        marks = ", ".join("?" * len(grid_ids)) or "NULL"
        where.append(f"(i.grid_id IN ({marks})" + (" OR i.grid_id IS NULL)" if ungridded
                                                    else ")"))
        params += list(grid_ids)
    if overdue_at:
        where.append("i.status IN ('open', 'assigned') AND i.due_at < ?")
        params.append(overdue_at)
    if escalated:
        where.append("i.escalated_at IS NOT NULL")
    if district_done is not None:
        where.append(("" if district_done else "NOT ") + "EXISTS (SELECT 1 FROM incident_replies r "
                     "WHERE r.incident_id = i.id AND r.action = 'resolve' AND r.deleted = 0)")
    if district_done is False:      # nor sent back (退回) and not yet up again
        where.append(f"NOT {_RETURNED}")
    if since:
        where.append("i.reported_at >= ?")
        params.append(since)
    if resident_id:
        where.append("i.resident_id = ?")
        params.append(resident_id)
    if text:
        where.append("(i.place LIKE ? OR i.description LIKE ? OR i.reporter_name LIKE ?)")
        like = "%" + text.replace("%", "").replace("_", "") + "%"
        params += [like, like, like]
    scope, scope_params = sql_in("i.community_id", community_ids)
    sql = (f"SELECT i.id FROM incidents i INDEXED BY incidents_list "
           f"WHERE {' AND '.join(where)}{scope} "
           + ("ORDER BY i.escalated_at DESC, i.id DESC" if escalated   # the district's list
              else "ORDER BY i.reported_at DESC, i.id DESC"))
    return [r[0] for r in db.conn.execute(sql, [*params, *scope_params])]


def rows_by_id(db: sqlite_utils.Database, ids: Sequence[str]) -> list[Row]:
    """The list's rows for these ids (one page of the lazy list), in no set order."""
    if not ids:
        return []
    return _rows(db, _LIST_SELECT + f"WHERE i.id IN ({', '.join('?' * len(ids))})", ids)


def incident(db: sqlite_utils.Database, incident_id: str) -> Row | None:
    rows = _rows(db, "SELECT * FROM incidents WHERE id = ?", (incident_id,))
    return rows[0] if rows else None


def steps(db: sqlite_utils.Database, incident_id: str) -> list[Row]:
    return _rows(db, "SELECT id, 'community' AS side, at, actor, action, NULL AS department, "
                     "note FROM incident_steps WHERE incident_id = ? AND deleted = 0 "
                     "UNION ALL SELECT id, 'district', at, actor, action, department, note "
                     "FROM incident_replies WHERE incident_id = ? AND deleted = 0 "
                     "ORDER BY at, id", (incident_id, incident_id))


def counts(db: sqlite_utils.Database, now: str,
           community_ids: Collection[str] | None = None) -> Row:
    """Figures for the 概览: still open, overdue, escalated and not yet resolved by the
    district."""
    scope, params = sql_in("community_id", community_ids)
    row = db.conn.execute(
        "SELECT "
        "sum(status IN ('open', 'assigned')), "
        "sum(status IN ('open', 'assigned') AND due_at < ?), "
        # CASE: the subqueries run for escalated events only (AND would run them for all)
        "sum(CASE WHEN status = 'escalated' THEN NOT EXISTS (SELECT 1 FROM incident_replies r "
        "    WHERE r.incident_id = i.id AND r.action = 'resolve' AND r.deleted = 0) "
        f"    AND NOT {_RETURNED} ELSE 0 END) "
        f"FROM incidents i WHERE deleted = 0{scope}", [now, *params]).fetchone()
    return {"open": row[0] or 0, "overdue": row[1] or 0, "escalated": row[2] or 0}


def overdue_by_community(db: sqlite_utils.Database, now: str) -> dict[str, int]:
    return dict(db.conn.execute(
        "SELECT community_id, count(*) FROM incidents INDEXED BY incidents_due "
        "WHERE status IN ('open', 'assigned') AND deleted = 0 AND due_at < ? "
        "GROUP BY community_id", (now,)).fetchall())


# --- places -----------------------------------------------------------------------------------

def household_place(db: sqlite_utils.Database, household_id: str) -> Row | None:
    rows = _rows(db, f"SELECT h.id, {ADDRESS_SQL} AS place, c.grid_id, h.community_id "
                     f"FROM {HOUSEHOLD_JOIN} WHERE h.id = ? AND h.deleted = 0", (household_id,))
    return rows[0] if rows else None


def resident_place(db: sqlite_utils.Database, resident_id: str) -> Row | None:
    """A resident's name, phone and household (a request's caller)."""
    rows = _rows(db, "SELECT id, name, phone, household_id, community_id FROM residents "
                     "WHERE id = ? AND deleted = 0", (resident_id,))
    return rows[0] if rows else None


def building_place(db: sqlite_utils.Database, building_id: str) -> Row | None:
    rows = _rows(db, "SELECT b.id, c.name || ' ' || b.name AS place, c.grid_id "
                     "FROM buildings b JOIN compounds c ON c.id = b.compound_id "
                     "WHERE b.id = ? AND b.deleted = 0", (building_id,))
    return rows[0] if rows else None


def compound_place(db: sqlite_utils.Database, compound_id: str) -> Row | None:
    rows = _rows(db, "SELECT id, name AS place, grid_id FROM compounds "
                     "WHERE id = ? AND deleted = 0", (compound_id,))
    return rows[0] if rows else None


# --- photos -----------------------------------------------------------------------------------

def photos(db: sqlite_utils.Database, incident_id: str) -> list[Row]:
    return _rows(db, "SELECT id, file_name, mime, size, sha256, width, height, thumb, parts, "
                     "added_at FROM incident_photos WHERE incident_id = ? AND deleted = 0 "
                     "ORDER BY added_at, id", (incident_id,))


def photo(db: sqlite_utils.Database, photo_id: str) -> Row | None:
    rows = _rows(db, "SELECT * FROM incident_photos WHERE id = ?", (photo_id,))
    return rows[0] if rows else None


def photo_parts(db: sqlite_utils.Database, photo_id: str) -> list[str]:
    return [r[0] for r in db.conn.execute(
        "SELECT data FROM incident_photo_parts WHERE photo_id = ? AND deleted = 0 "
        "ORDER BY seq", (photo_id,))]


def export_rows(db: sqlite_utils.Database, ids: Sequence[str]) -> list[Row]:
    """Full rows for the ledger, in the order given (read in chunks)."""
    out: dict[str, Row] = {}
    for i in range(0, len(ids), 500):
        for r in rows_by_id(db, ids[i:i + 500]):
            out[r["id"]] = r
    return [out[i] for i in ids if i in out]


def callers(db: sqlite_utils.Database, resident_ids: Sequence[str]) -> list[Row]:
    """Residents found by the registry search, with their door (a request's caller)."""
    if not resident_ids:
        return []
    rows = _rows(db, f"SELECT r.id, r.name, r.phone, r.birth_date, r.household_id, "
                     f"COALESCE({ADDRESS_SQL}, '') AS address FROM residents r "
                     "LEFT JOIN households h ON h.id = r.household_id "
                     "LEFT JOIN units u ON u.id = h.unit_id "
                     "LEFT JOIN buildings b ON b.id = u.building_id "
                     "LEFT JOIN compounds c ON c.id = b.compound_id "
                     f"WHERE r.id IN ({', '.join('?' * len(resident_ids))}) AND r.deleted = 0",
                 resident_ids)
    order = {rid: n for n, rid in enumerate(resident_ids)}
    return sorted(rows, key=lambda r: order[r["id"]])


def places(db: sqlite_utils.Database, text: str, limit: int = 12) -> list[Row]:
    """Compounds, buildings and households whose name or address holds `text` (the report
    dialog's place search): compounds first, then buildings, then doors."""
    like = "%" + text.replace("%", "").replace("_", "") + "%"
    out = _rows(db, "SELECT 'compound' AS kind, id, name AS label FROM compounds "
                    "WHERE deleted = 0 AND name LIKE ? ORDER BY sort_order, name LIMIT ?",
                (like, limit))
    out += _rows(db, "SELECT 'building' AS kind, b.id, c.name || ' ' || b.name AS label "
                     "FROM buildings b JOIN compounds c ON c.id = b.compound_id "
                     "WHERE b.deleted = 0 AND c.name || ' ' || b.name LIKE ? "
                     "ORDER BY c.sort_order, c.name, b.sort_order LIMIT ?",
                 (like, limit - len(out)))
    if len(out) < limit:
        out += _rows(db, f"SELECT 'household' AS kind, h.id, {ADDRESS_SQL} AS label "
                         f"FROM {HOUSEHOLD_JOIN} WHERE h.deleted = 0 AND "
                         f"({ADDRESS_SQL} LIKE ? OR b.name || u.name || h.door_number LIKE ?) "
                         "LIMIT ?", (like, like, limit - len(out)))
    return out


def grids(db: sqlite_utils.Database) -> list[Row]:
    return _rows(db, "SELECT id, name FROM org_units WHERE level = 'grid' AND deleted = 0 "
                     "ORDER BY sort_order, name")
