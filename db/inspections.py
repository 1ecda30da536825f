"""Inspections (检查) and supervision rounds (督查) in SQLite (migration 0020): templates, the
inspections list, one inspection's answers and problems, the problems list (open, overdue,
closed) with the corrections recorded, and the month's figures for the bulletin."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Any

import sqlite_utils

from db import rows as generic
from db import scope
from db.node import get_meta
from db.rows import Row, rows

COLUMNS = {
    "inspection_templates": ("name", "subject_kind", "items", "position", "deleted"),
    "inspections": ("subject_kind", "subject_id", "subject_name", "template_name", "purpose",
                    "inspected_on", "inspectors", "outcome", "note", "recorded_by", "deleted"),
    "inspection_answers": ("inspection_id", "position", "item", "answer", "note", "deleted"),
    "inspection_problems": ("inspection_id", "description", "due_on", "responsible",
                            "closed_by", "closed_on", "deleted"),
    "problem_corrections": ("problem_id", "corrected_on", "note", "recorded_by", "deleted"),
}
_INSPECTION_SELECT = (
    "SELECT i.*, (SELECT count(*) FROM inspection_problems p WHERE p.inspection_id = i.id "
    "AND p.deleted = 0) AS problems, (SELECT count(*) FROM inspection_problems p "
    "WHERE p.inspection_id = i.id AND p.deleted = 0 AND p.closed_on IS NULL) AS open_problems "
    "FROM inspections i ")
_PROBLEM_SELECT = (
    "SELECT p.*, i.subject_kind, i.subject_id, i.subject_name, i.template_name, i.purpose, "
    "i.inspected_on, i.inspectors, i.community_id AS inspection_owner, "
    "(SELECT c.corrected_on || '|' || c.note FROM problem_corrections c "
    " WHERE c.problem_id = p.id AND c.deleted = 0 ORDER BY c.corrected_on DESC, c.id DESC "
    " LIMIT 1) AS last_correction "
    "FROM inspection_problems p JOIN inspections i ON i.id = p.inspection_id ")


def insert(db: sqlite_utils.Database, table: str, values: dict[str, Any], *,
           owner: str | None = None) -> str:
    owner = owner or get_meta(db, "community_id")
    return generic.insert(db, table, COLUMNS[table], values, owner=owner,
                          target=_target(db, table, owner))


def _target(db: sqlite_utils.Database, table: str, owner: str | None) -> str:
    """Where a row is written: a 街道 session reads these tables through views it cannot
    write (db.scope), and writes the district's own rows (its supervision rounds over its
    street's communities) to main's table; any other row goes through the name, so such a
    session's view refuses it."""
    if owner is not None and owner == get_meta(db, "community_id") and scope.limited(db):
        return f"main.[{table}]"
    return f"[{table}]"


def insert_many(db: sqlite_utils.Database, table: str, new_rows: list[Row]) -> None:
    generic.insert_many(db, table, COLUMNS[table], new_rows)


def update(db: sqlite_utils.Database, table: str, row_id: str, values: dict[str, Any]) -> None:
    held = db.conn.execute(f"SELECT community_id FROM [{table}] WHERE id = ?",
                           (row_id,)).fetchone()
    generic.update(db, table, COLUMNS[table], row_id, values,
                   target=_target(db, table, held[0] if held else None))


def templates(db: sqlite_utils.Database, owners: Collection[str]) -> list[Row]:
    """Templates of these owners (this office, and the district's), live and removed."""
    return rows(db, "SELECT * FROM inspection_templates WHERE community_id IN "
                    f"({', '.join('?' * len(owners))}) ORDER BY position, name", list(owners))


def inspection(db: sqlite_utils.Database, inspection_id: str) -> Row | None:
    found = rows(db, _INSPECTION_SELECT + "WHERE i.id = ?", (inspection_id,))
    return found[0] if found else None


def answers(db: sqlite_utils.Database, inspection_id: str) -> list[Row]:
    return rows(db, "SELECT * FROM inspection_answers WHERE inspection_id = ? AND deleted = 0 "
                    "ORDER BY position", (inspection_id,))


def problems_of(db: sqlite_utils.Database, inspection_id: str) -> list[Row]:
    return rows(db, _PROBLEM_SELECT + "WHERE p.inspection_id = ? AND p.deleted = 0 "
                                      "ORDER BY p.due_on, p.id", (inspection_id,))


def problem(db: sqlite_utils.Database, problem_id: str) -> Row | None:
    found = rows(db, _PROBLEM_SELECT + "WHERE p.id = ?", (problem_id,))
    return found[0] if found else None


def corrections(db: sqlite_utils.Database, problem_id: str) -> list[Row]:
    return rows(db, "SELECT * FROM problem_corrections WHERE problem_id = ? AND deleted = 0 "
                    "ORDER BY corrected_on, id", (problem_id,))


def _subject_scope(subject_of: str | None, communities: Collection[str] | None,
                   alias: str) -> tuple[str, list[Any]]:
    """Rows of these communities: their own, and the district's rounds over them."""
    if communities is None:
        return "", []
    if not communities:
        return " AND 0", []
    marks = ", ".join("?" * len(communities))
    return (f" AND ({alias}.community_id IN ({marks}) OR ({alias}.subject_kind = 'community' "
            f"AND {alias}.subject_id IN ({marks})))", [*communities, *communities])


def inspection_ids(db: sqlite_utils.Database, *, text: str = "", purpose: str | None = None,
                   subject_kind: str | None = None, subject_id: str | None = None,
                   since: str | None = None, until: str | None = None,
                   communities: Collection[str] | None = None) -> list[str]:
    """Ids of live inspections matching the filters, newest first."""
    where = ["i.deleted = 0"]
    params: list[Any] = []
    if text.strip():
        like = f"%{text.strip()}%"
        where.append("(i.subject_name LIKE ? OR i.template_name LIKE ? OR i.inspectors LIKE ?)")
        params += [like] * 3
    for col, value in (("i.purpose", purpose), ("i.subject_kind", subject_kind),
                       ("i.subject_id", subject_id)):
        if value:
            where.append(f"{col} = ?")
            params.append(value)
    if since:
        where.append("i.inspected_on >= ?")
        params.append(since)
    if until:
        where.append("i.inspected_on <= ?")
        params.append(until)
    scope, scope_params = _subject_scope(None, communities, "i")
    sql = (f"SELECT i.id FROM inspections i WHERE {' AND '.join(where)}{scope} "
           "ORDER BY i.inspected_on DESC, i.id DESC")
    return [r[0] for r in db.conn.execute(sql, [*params, *scope_params])]


def inspections_by_ids(db: sqlite_utils.Database, ids: Sequence[str]) -> list[Row]:
    if not ids:
        return []
    found = {r["id"]: r for r in rows(
        db, _INSPECTION_SELECT + f"WHERE i.id IN ({', '.join('?' * len(ids))})", list(ids))}
    return [found[i] for i in ids if i in found]


def _problem_scope(communities: Collection[str] | None) -> tuple[str, list[Any]]:
    """Problems of these communities: their own inspections' (the problem carries its
    inspection's owner), and the district's rounds over them; no join for the first."""
    if communities is None:
        return "", []
    if not communities:
        return " AND 0", []
    marks = ", ".join("?" * len(communities))
    return (f" AND (p.community_id IN ({marks}) OR p.inspection_id IN (SELECT id FROM "
            f"inspections WHERE subject_kind = 'community' AND subject_id IN ({marks})))",
            [*communities, *communities])


# A problem of an inspection removed by mistake leaves the lists with it.
_LIVE = ("p.deleted = 0 AND p.inspection_id NOT IN (SELECT id FROM inspections "
         "WHERE deleted = 1)")


def problem_ids(db: sqlite_utils.Database, *, state: str | None = None, today: str = "",
                text: str = "", communities: Collection[str] | None = None) -> list[str]:
    """Ids of live problems, overdue first then by deadline. `state`: open, overdue, closed
    or None (all)."""
    where = [_LIVE]
    params: list[Any] = []
    if state == "open":
        where.append("p.closed_on IS NULL")
    elif state == "overdue":
        where.append("p.closed_on IS NULL AND p.due_on < ?")
        params.append(today)
    elif state == "closed":
        where.append("p.closed_on IS NOT NULL")
    if text.strip():
        like = f"%{text.strip()}%"
        where.append("(p.description LIKE ? OR p.responsible LIKE ? OR p.inspection_id IN "
                     "(SELECT id FROM inspections WHERE subject_name LIKE ?))")
        params += [like] * 3
    scope, scope_params = _problem_scope(communities)
    sql = (f"SELECT p.id FROM inspection_problems p WHERE {' AND '.join(where)}{scope} "
           "ORDER BY (p.closed_on IS NULL AND p.due_on < ?) DESC, p.closed_on IS NOT NULL, "
           "p.due_on, p.id")
    return [r[0] for r in db.conn.execute(sql, [*params, *scope_params, today])]


def problems_by_ids(db: sqlite_utils.Database, ids: Sequence[str]) -> list[Row]:
    if not ids:
        return []
    found = {r["id"]: r for r in rows(
        db, _PROBLEM_SELECT + f"WHERE p.id IN ({', '.join('?' * len(ids))})", list(ids))}
    return [found[i] for i in ids if i in found]


def overdue_count(db: sqlite_utils.Database, today: str,
                  communities: Collection[str] | None = None) -> int:
    """Open problems past their deadline (the partial index of open ones drives it)."""
    scope, params = _problem_scope(communities)
    return db.conn.execute(
        f"SELECT count(*) FROM inspection_problems p WHERE {_LIVE} AND p.closed_on IS NULL "
        f"AND p.due_on < ?{scope}", [today, *params]).fetchone()[0]


def month_rows(db: sqlite_utils.Database, first: str, last: str,
               communities: Collection[str] | None = None) -> tuple[list[Row], list[Row]]:
    """The month's inspections, and every problem found in it or still open at its end
    (with its inspection's subject and owner), for the bulletin."""
    scope, params = _subject_scope(None, communities, "i")
    done = rows(db, "SELECT i.id, i.community_id, i.subject_kind, i.subject_id, "
                    "i.subject_name, i.purpose, i.inspected_on FROM inspections i "
                    "WHERE i.deleted = 0 AND i.inspected_on BETWEEN ? AND ?"
                    f"{scope} ORDER BY i.inspected_on", [first, last, *params])
    found = rows(db, "SELECT p.id, p.description, p.due_on, p.responsible, p.closed_on, "
                     "i.community_id, i.subject_kind, i.subject_id, i.subject_name, "
                     "i.inspected_on FROM inspection_problems p "
                     # the problems first (CROSS JOIN keeps the order): the planner would
                     # otherwise walk every inspection up to the month's end
                     "CROSS JOIN inspections i ON i.id = p.inspection_id "
                     # found by the month's end and not closed before it began (a problem
                     # is closed after its inspection: this is found in the month, or
                     # earlier and still open at its start)
                     "WHERE p.deleted = 0 AND i.deleted = 0 AND i.inspected_on <= ? "
                     "AND (p.closed_on IS NULL OR p.closed_on >= ?)"
                     f"{scope} ORDER BY p.due_on", [last, first, *params])
    return done, found


def template_owners(db: sqlite_utils.Database) -> list[str]:
    return [r[0] for r in db.conn.execute("SELECT DISTINCT community_id FROM "
                                          "inspection_templates")]


def latest_of(db: sqlite_utils.Database, subject_kind: str, subject_id: str,
              purpose: str) -> Row | None:
    """The subject's latest live inspection of this purpose (a shop's reopening acceptance)."""
    found = rows(db, "SELECT id FROM inspections WHERE subject_kind = ? AND subject_id = ? "
                     "AND purpose = ? AND deleted = 0 ORDER BY inspected_on DESC, id DESC "
                     "LIMIT 1", (subject_kind, subject_id, purpose))
    return inspection(db, found[0]["id"]) if found else None
