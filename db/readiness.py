"""Queries and writes for readiness: checkpoints (卡口) with their daily counts and, only while
switched on, their registrations; supplies (物资) whose stock is the sum of their movements.
Plain values in and out; SQL stays visible."""

from __future__ import annotations

from collections.abc import Collection

import sqlite_utils

from db import rows
from db.community_scope import sql_in
from db.registry import Row, _one, _rows, community_id

WRITABLE: dict[str, tuple[str, ...]] = {
    "checkpoints": ("name", "compound_id", "gate", "registration", "note"),
    "checkpoint_counts": ("checkpoint_id", "on_date", "people", "vehicles", "note",
                          "recorded_by"),
    "checkpoint_entries": ("checkpoint_id", "at", "name", "phone", "plate", "direction", "note",
                           "recorded_by"),
    "supplies": ("name", "unit", "stored_at", "low_level", "note"),
    "supply_moves": ("supply_id", "on_date", "kind", "quantity", "party", "reason",
                     "handled_by", "recorded_by"),
}


_tables = rows.Tables(WRITABLE, live=True)
insert, insert_many, update, get = (_tables.insert, _tables.insert_many, _tables.update,
                                    _tables.get)
soft_delete = rows.soft_delete


# --- checkpoints -------------------------------------------------------------------------------

def checkpoints(db: sqlite_utils.Database, communities: Collection[str] | None = None
                ) -> list[Row]:
    """Live checkpoints with their compound's name and the last counted day's figures."""
    where, params = sql_in("k.community_id", communities)
    return _rows(db, (
        "SELECT k.*, c.name AS compound, n.on_date AS last_date, n.people AS last_people, "
        "n.vehicles AS last_vehicles FROM checkpoints k "
        "LEFT JOIN compounds c ON c.id = k.compound_id "
        "LEFT JOIN checkpoint_counts n ON n.id = (SELECT id FROM checkpoint_counts m "
        "WHERE m.checkpoint_id = k.id AND m.deleted = 0 ORDER BY m.on_date DESC LIMIT 1) "
        f"WHERE k.deleted = 0{where} ORDER BY k.community_id, k.name"), params)


def count_on(db: sqlite_utils.Database, checkpoint_id: str, on_date: str) -> Row | None:
    return _one(db, "SELECT * FROM checkpoint_counts WHERE checkpoint_id = ? AND on_date = ? "
                    "AND deleted = 0", (checkpoint_id, on_date))


def counts(db: sqlite_utils.Database, checkpoint_id: str, limit: int = 60) -> list[Row]:
    return _rows(db, "SELECT * FROM checkpoint_counts WHERE checkpoint_id = ? AND deleted = 0 "
                     "ORDER BY on_date DESC LIMIT ?", (checkpoint_id, limit))


def entries(db: sqlite_utils.Database, checkpoint_id: str, limit: int = 500) -> list[Row]:
    return _rows(db, "SELECT * FROM checkpoint_entries WHERE checkpoint_id = ? AND deleted = 0 "
                     "ORDER BY at DESC LIMIT ?", (checkpoint_id, limit))


# --- supplies ----------------------------------------------------------------------------------

# A movement of no or negative quantity counts for nothing: app/readiness never writes one,
# so one can only come from a forged bundle (incoming checks types, not ranges).
STOCK_SQL = ("COALESCE((SELECT SUM(CASE m.kind WHEN 'in' THEN m.quantity ELSE -m.quantity END) "
             "FROM supply_moves m WHERE m.supply_id = s.id AND m.deleted = 0 "
             "AND m.quantity > 0), 0)")


def supplies(db: sqlite_utils.Database, communities: Collection[str] | None = None,
             low_only: bool = False) -> list[Row]:
    """Live items with their stock (the sum of their movements), low ones first when asked."""
    where, params = sql_in("s.community_id", communities)
    sql = (f"SELECT * FROM (SELECT s.*, {STOCK_SQL} AS stock FROM supplies s "
           f"WHERE s.deleted = 0{where})")
    if low_only:
        sql += " WHERE stock <= low_level"
    return _rows(db, sql + " ORDER BY community_id, stored_at, name", params)


def stock(db: sqlite_utils.Database, supply_id: str) -> int:
    row = db.conn.execute(f"SELECT {STOCK_SQL} FROM supplies s WHERE s.id = ?",
                          (supply_id,)).fetchone()
    return int(row[0]) if row else 0


def moves(db: sqlite_utils.Database, supply_id: str, limit: int = 500) -> list[Row]:
    return _rows(db, "SELECT * FROM supply_moves WHERE supply_id = ? AND deleted = 0 "
                     "ORDER BY on_date DESC, id DESC LIMIT ?", (supply_id, limit))


def compounds(db: sqlite_utils.Database) -> list[Row]:
    """This community's live compounds (id, name)."""
    return _rows(db, "SELECT id, name FROM compounds WHERE deleted = 0 AND community_id = ? "
                     "ORDER BY sort_order, name", (community_id(db),))
