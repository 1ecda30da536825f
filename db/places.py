"""Non-residential places (场所) in SQLite (migration 0020): the register, its list with
filters (text, kind, status, grid, compound, community) as ordered ids and rows by id, and
the office's own kinds."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Any

import sqlite_utils

from db import rows as generic
from db.community_scope import sql_in
from db.node import get_meta
from db.rows import Row, rows

COLUMNS = {
    "place_kinds": ("name", "position", "deleted"),
    "places": ("name", "kind", "small_place", "compound_id", "street_address", "grid_id",
               "manager", "phone", "employees", "licence_no", "status", "note", "deleted"),
}
# What a list row shows: the address is the compound's name and the door or street typed.
_SELECT = (
    "SELECT p.id, p.community_id, p.name, p.kind, p.small_place, p.compound_id, "
    "p.street_address, p.grid_id, p.manager, p.phone, p.employees, p.licence_no, p.status, "
    "p.note, p.deleted, c.name AS compound_name, g.name AS grid_name, "
    "TRIM(COALESCE(c.name, '') || ' ' || COALESCE(p.street_address, '')) AS address "
    "FROM places p LEFT JOIN compounds c ON c.id = p.compound_id "
    "LEFT JOIN org_units g ON g.id = p.grid_id ")


def insert(db: sqlite_utils.Database, table: str, values: dict[str, Any], *,
           owner: str | None = None) -> str:
    return generic.insert(db, table, COLUMNS[table], values, owner=owner)


def insert_many(db: sqlite_utils.Database, table: str, new_rows: list[Row]) -> None:
    """Bulk insert rows that carry their id and community_id (demo data, imports)."""
    generic.insert_many(db, table, COLUMNS[table], new_rows)


def update(db: sqlite_utils.Database, table: str, row_id: str, values: dict[str, Any]) -> None:
    generic.update(db, table, COLUMNS[table], row_id, values)


def kinds(db: sqlite_utils.Database) -> list[Row]:
    """The office's own kinds (live and removed), in its order."""
    return rows(db, "SELECT id, name, position, deleted FROM place_kinds "
                    "WHERE community_id = ? ORDER BY position, name",
                (get_meta(db, "community_id"),))


def used_kinds(db: sqlite_utils.Database) -> list[str]:
    return [r["name"] for r in rows(db, "SELECT DISTINCT kind AS name FROM places "
                                        "WHERE deleted = 0 ORDER BY kind")]


def place(db: sqlite_utils.Database, place_id: str) -> Row | None:
    found = rows(db, _SELECT + "WHERE p.id = ?", (place_id,))
    return found[0] if found else None


def place_ids(db: sqlite_utils.Database, *, text: str = "", kind: str | None = None,
              status: str | None = None, grid_ids: Collection[str] | None = None,
              compound_id: str | None = None, small_only: bool = False,
              communities: Collection[str] | None = None,
              street_grid_id: str | None = None) -> list[str]:
    """Ids of live places matching the filters, by name (SQL filters and sorts).
    `street_grid_id`: the places of that grid that stand on a street (in no compound)."""
    where = ["p.deleted = 0"]
    params: list[Any] = []
    if street_grid_id:
        where.append("p.compound_id IS NULL AND p.grid_id = ?")
        params.append(street_grid_id)
    if text.strip():
        like = f"%{text.strip()}%"
        where.append("(p.name LIKE ? OR p.manager LIKE ? OR p.street_address LIKE ? "
                     "OR p.licence_no LIKE ? OR p.phone LIKE ? OR p.kind LIKE ? "
                     "OR p.compound_id IN (SELECT id FROM compounds WHERE name LIKE ?))")
        params += [like] * 7
    for col, value in (("p.kind", kind), ("p.status", status), ("p.compound_id", compound_id)):
        if value:
            where.append(f"{col} = ?")
            params.append(value)
    if small_only:
        where.append("p.small_place = 1")
    if grid_ids is not None:
        where.append(f"p.grid_id IN ({', '.join('?' * len(grid_ids))})" if grid_ids else "0")
        params += list(grid_ids)
    scope, scope_params = sql_in("p.community_id", communities)
    sql = (f"SELECT p.id FROM places p WHERE {' AND '.join(where)}{scope} "
           "ORDER BY p.name, p.id")
    return [r[0] for r in db.conn.execute(sql, [*params, *scope_params])]


def places_by_ids(db: sqlite_utils.Database, ids: Sequence[str]) -> list[Row]:
    if not ids:
        return []
    found = {r["id"]: r for r in rows(
        db, _SELECT + f"WHERE p.id IN ({', '.join('?' * len(ids))})", list(ids))}
    return [found[i] for i in ids if i in found]


def find_by_name(db: sqlite_utils.Database, name: str) -> list[Row]:
    """Live places of this exact name or licence number (the command line's --place)."""
    return rows(db, _SELECT + "WHERE p.deleted = 0 AND (p.name = ? OR p.licence_no = ?) "
                              "ORDER BY p.name", (name, name))


def counts(db: sqlite_utils.Database, communities: Collection[str] | None = None) -> dict:
    scope, params = sql_in("community_id", communities)
    found = rows(db, "SELECT status, count(*) AS n FROM places WHERE deleted = 0"
                     f"{scope} GROUP BY status", params)
    return {r["status"]: r["n"] for r in found}


def compound(db: sqlite_utils.Database, compound_id: str) -> Row | None:
    found = rows(db, "SELECT id, name, grid_id FROM compounds WHERE id = ? AND deleted = 0",
                 (compound_id,))
    return found[0] if found else None


def compounds(db: sqlite_utils.Database) -> list[Row]:
    """The community's live compounds, in the tree's order."""
    return rows(db, "SELECT id, name, grid_id FROM compounds WHERE deleted = 0 AND "
                    "community_id = ? ORDER BY sort_order, name",
                (get_meta(db, "community_id"),))


# --- reopening forms ----------------------------------------------------------------------------

FORM_COLUMNS = ("place_id", "form", "serial", "inspection_id", "issued_at", "prints",
                "printed_at", "deleted")
COLUMNS["place_forms"] = FORM_COLUMNS


def issued_form(db: sqlite_utils.Database, place_id: str, form: str,
                inspection_id: str | None = None) -> Row | None:
    """The form already issued for this place (and this acceptance), if any."""
    sql = ("SELECT * FROM place_forms WHERE place_id = ? AND form = ? AND deleted = 0 "
           + ("AND inspection_id = ? " if inspection_id else "")
           + "ORDER BY issued_at DESC LIMIT 1")
    found = rows(db, sql, (place_id, form, *([inspection_id] if inspection_id else [])))
    return found[0] if found else None


def last_sequence(db: sqlite_utils.Database, prefix: str) -> int:
    row = db.conn.execute("SELECT max(CAST(substr(serial, ?) AS INTEGER)) FROM place_forms "
                          "WHERE serial LIKE ?", (len(prefix) + 1, prefix + "%")).fetchone()
    return int(row[0] or 0)


def tree_counts(db: sqlite_utils.Database, grid_ids: Collection[str] | None = None
                ) -> tuple[dict[str, int], dict[str, int]]:
    """Live places per compound, and per grid those on a street (in no compound): the
    楼栋住户 tree's 场所 nodes."""
    scope = ""
    params: list[Any] = []
    if grid_ids is not None:
        scope = (f" AND grid_id IN ({', '.join('?' * len(grid_ids))})" if grid_ids
                 else " AND 0")
        params = list(grid_ids)
    in_compound: dict[str, int] = {}
    on_street: dict[str, int] = {}
    for compound_id, grid_id, n in db.conn.execute(
            "SELECT compound_id, grid_id, count(*) FROM places WHERE deleted = 0"
            f"{scope} GROUP BY compound_id, grid_id", params):
        if compound_id:
            in_compound[compound_id] = in_compound.get(compound_id, 0) + n
        elif grid_id:
            on_street[grid_id] = n
    return in_compound, on_street
