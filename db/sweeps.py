"""Door-to-door sweep queries (tables sweeps, sweep_visits, 0014): the households a sweep
covers, each household's latest outcome, progress per grid, building or community, the
households not yet visited and returnees found by origin. Plain values in and out."""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from typing import Any

import sqlite_utils

from db.community_scope import sql_in
from db.ids import uuid7
from db.registry import ADDRESS_SQL, HOUSEHOLD_JOIN, Row, _one, _rows

SWEEP_COLUMNS = ("title", "scope", "scope_ids", "questions", "starts_on", "due_on", "status",
                 "created_by", "created_at", "note")
VISIT_COLUMNS = ("sweep_id", "household_id", "outcome", "visited_on", "visited_by",
                 "recorded_at", "people", "returnees", "returnee_origin", "returned_on",
                 "symptoms", "elderly", "elderly_unvaccinated", "new_residents", "note")
# A household is finished when its latest outcome is one of these; 无人在家 needs a revisit.
FINISHED = ("done", "refused", "vacant")

# The households a sweep covers, in the community that holds each one: a district-wide
# sweep covers every community's households; a community's own covers its grids/buildings.
# :sweep is the sweep's id; the sweep row is `s`.
_IN_SCOPE = (
    f"FROM sweeps s CROSS JOIN {HOUSEHOLD_JOIN} "
    "WHERE s.id = :sweep AND h.deleted = 0 AND ("
    " (s.scope = 'community' AND (h.community_id = s.community_id OR s.community_id = :district))"
    " OR (s.scope = 'grids' AND h.community_id = s.community_id"
    "     AND instr(' ' || s.scope_ids || ' ', ' ' || c.grid_id || ' ') > 0)"
    " OR (s.scope = 'buildings' AND h.community_id = s.community_id"
    "     AND instr(' ' || s.scope_ids || ' ', ' ' || b.id || ' ') > 0))")

# A household's latest visit in the sweep `s`: one index lookup (sweep_visits_sweep) per
# household (a window over all visits, joined back, costs seconds at 3,000 households).
_LATEST_OF = ("(SELECT v.{col} FROM sweep_visits v WHERE v.sweep_id = s.id "
              "AND v.household_id = h.id AND v.deleted = 0{cut} "
              "ORDER BY v.recorded_at DESC, v.id DESC LIMIT 1)")
_OUTCOME = _LATEST_OF.format(col="outcome", cut="")
_RETURNEES = _LATEST_OF.format(col="returnees", cut="")
_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")

ORDER = ("c.sort_order, c.name, b.sort_order, CAST(b.name AS INTEGER), b.name, u.sort_order, "
         "u.name, h.floor, CAST(h.door_number AS INTEGER), h.door_number")


def insert_sweep(db: sqlite_utils.Database, owner: str, values: Row) -> str:
    row_id = uuid7()
    cols = [c for c in SWEEP_COLUMNS if c in values]
    db.conn.execute(
        f"INSERT INTO sweeps (id, community_id, {', '.join(cols)}) "
        f"VALUES (?, ?, {', '.join('?' * len(cols))})", [row_id, owner, *(values[c] for c in cols)])
    return row_id


def update_sweep(db: sqlite_utils.Database, sweep_id: str, values: Row) -> None:
    cols = [c for c in values if c in SWEEP_COLUMNS]
    db.conn.execute(f"UPDATE sweeps SET {', '.join(f'[{c}] = ?' for c in cols)} WHERE id = ?",
                    [*(values[c] for c in cols), sweep_id])


def insert_visit(db: sqlite_utils.Database, owner: str, values: Row) -> str:
    row_id = uuid7()
    cols = [c for c in VISIT_COLUMNS if c in values]
    db.conn.execute(
        f"INSERT INTO sweep_visits (id, community_id, {', '.join(cols)}) "
        f"VALUES (?, ?, {', '.join('?' * len(cols))})", [row_id, owner, *(values[c] for c in cols)])
    return row_id


def sweep(db: sqlite_utils.Database, sweep_id: str) -> Row | None:
    return _one(db, "SELECT * FROM sweeps WHERE id = ? AND deleted = 0", (sweep_id,))


def sweeps(db: sqlite_utils.Database, *, open_only: bool = False, on: str | None = None
           ) -> list[Row]:
    """Live sweeps, open ones first, newest first. `on`: only those begun by that day."""
    sql = "SELECT * FROM sweeps WHERE deleted = 0"
    params: list[Any] = []
    if open_only:
        sql += " AND status = 'open'"
    if on:
        sql += " AND starts_on <= ?"
        params.append(on)
    return _rows(db, sql + " ORDER BY status = 'closed', starts_on DESC, id DESC", params)


def progress(db: sqlite_utils.Database, sweep_id: str, by: str, district: str | None,
             community_ids: Collection[str] | None = None,
             grid_ids: Collection[str] | None = None, *, named: bool = False,
             as_of: str | None = None) -> list[Row]:
    """Households covered and latest outcomes grouped `by` grid, building or community:
    key, label, households, done, absent, refused, vacant (finished = done+refused+vacant).
    `named`: a grid's or building's label starts with its community's name (the district,
    where every community has a 第一网格)."""
    key, label, order_key = {
        "grid": ("c.grid_id", "coalesce(g.name, '（未分网格）')",
                 "printf('%08d', coalesce(g.sort_order, 0)) || coalesce(g.name, '')"),
        "building": ("b.id", "c.name || ' ' || b.name",
                     "printf('%08d|%s|%08d|%08d|%s', c.sort_order, c.name, b.sort_order, "
                     "CAST(b.name AS INTEGER), b.name)"),
        "community": ("h.community_id", "coalesce(o.name, h.community_id)",
                      "coalesce(o.code, '')"),
    }[by]
    if named and by != "community":
        label = f"coalesce(o.name, '') || ' › ' || {label}"
        order_key = f"coalesce(o.code, '') || {order_key}"
    outcome, returnees = _latest(as_of)
    where, params = sql_in("h.community_id", community_ids)
    grid_where, grid_params = ("", []) if grid_ids is None else sql_in("c.grid_id", grid_ids)
    scope = _IN_SCOPE.replace(
        "WHERE s.id", "LEFT JOIN org_units g ON g.id = c.grid_id "
        "LEFT JOIN org_units o ON o.id = h.community_id WHERE s.id")
    inner = (f"SELECT {key} AS key, {label} AS label, {order_key} AS sort, "
             f"{outcome} AS outcome, {returnees} AS returnees "
             f"{scope}{where}{grid_where}")
    sql = ("SELECT key, label, count(*), coalesce(sum(outcome = 'done'), 0), "
           "coalesce(sum(outcome = 'absent'), 0), coalesce(sum(outcome = 'refused'), 0), "
           "coalesce(sum(outcome = 'vacant'), 0), coalesce(sum(returnees), 0) "
           f"FROM ({inner}) GROUP BY key ORDER BY min(sort)")
    rows = db.conn.execute(_positional(sql), [sweep_id, district or "", *params,
                                              *grid_params]).fetchall()
    out = []
    for r in rows:
        row = dict(zip(("key", "label", "households", "done", "absent", "refused", "vacant",
                        "returnees"), r, strict=True))
        row["finished"] = row["done"] + row["refused"] + row["vacant"]
        out.append(row)
    return out


def _latest(as_of: str | None) -> tuple[str, str]:
    """The latest outcome and returnees of a household; with `as_of`, as it stood at the end
    of that day (visits made by then). The day is an ISO date (checked), written into the
    SQL because the other parameters are positional."""
    if as_of is None:
        return _OUTCOME, _RETURNEES
    if not _DAY.fullmatch(as_of):
        raise ValueError(f"as_of must be YYYY-MM-DD, not {as_of!r}")
    cut = f" AND v.visited_on <= '{as_of}'"
    return (_LATEST_OF.format(col="outcome", cut=cut),
            _LATEST_OF.format(col="returnees", cut=cut))


def household_outcomes(db: sqlite_utils.Database, sweep_id: str, district: str | None,
                       community_ids: Collection[str] | None = None, *,
                       as_of: str | None = None) -> list[tuple[str, str | None]]:
    """(household id, latest outcome or None) of every household the sweep covers: the
    daily report counts a household once however many sweeps cover it."""
    outcome, _returnees = _latest(as_of)
    where, params = sql_in("h.community_id", community_ids)
    sql = f"SELECT h.id, {outcome} {_IN_SCOPE}{where}"
    return db.conn.execute(_positional(sql), [sweep_id, district or "", *params]).fetchall()


def pending_ids(db: sqlite_utils.Database, sweep_id: str, district: str | None, *,
                grid_id: str | None = None, building_id: str | None = None,
                community_ids: Collection[str] | None = None,
                grid_ids: Collection[str] | None = None) -> list[str]:
    """Households the sweep covers whose latest outcome is none yet or 无人在家, in
    address order (ids only: the page's lazy table reads the rows it shows)."""
    where, params = sql_in("h.community_id", community_ids)
    grid_where, grid_params = ("", []) if grid_ids is None else sql_in("c.grid_id", grid_ids)
    extra, extra_params = "", []
    if grid_id:
        extra += " AND c.grid_id = ?"
        extra_params.append(grid_id)
    if building_id:
        extra += " AND b.id = ?"
        extra_params.append(building_id)
    sql = ("SELECT h.id " + _IN_SCOPE
           + f" AND coalesce({_OUTCOME}, 'absent') = 'absent'"
           + where + grid_where + extra + f" ORDER BY h.community_id, {ORDER}")
    return [r[0] for r in db.conn.execute(
        _positional(sql), [sweep_id, district or "", *params, *grid_params, *extra_params])]


def _positional(sql: str) -> str:
    return sql.replace(":sweep", "?").replace(":district", "?")


def pending_rows(db: sqlite_utils.Database, sweep_id: str, ids: Sequence[str]) -> list[Row]:
    """Display rows of households (in the order given): address, head, members, the
    latest outcome if any (无人在家) and when."""
    if not ids:
        return []
    marks = ",".join("?" * len(ids))
    rows = _rows(
        db,
        f"SELECT h.id, h.community_id, {ADDRESS_SQL} AS address, h.phone, "
        "(SELECT count(*) FROM residents r WHERE r.household_id = h.id AND r.deleted = 0) "
        "  AS members, "
        "(SELECT r.name FROM residents r WHERE r.household_id = h.id AND r.deleted = 0 "
        "   ORDER BY (r.relation = '户主') DESC, r.birth_date LIMIT 1) AS head, "
        "(SELECT v.outcome FROM sweep_visits v WHERE v.sweep_id = ? AND v.household_id = h.id "
        "   AND v.deleted = 0 ORDER BY v.recorded_at DESC, v.id DESC LIMIT 1) AS outcome, "
        "(SELECT v.visited_on FROM sweep_visits v WHERE v.sweep_id = ? "
        "   AND v.household_id = h.id AND v.deleted = 0 "
        "   ORDER BY v.recorded_at DESC, v.id DESC LIMIT 1) AS visited_on "
        f"FROM {HOUSEHOLD_JOIN} WHERE h.id IN ({marks})", [sweep_id, sweep_id, *ids])
    by_id = {r["id"]: r for r in rows}
    return [by_id[i] for i in ids if i in by_id]


def covers(db: sqlite_utils.Database, sweep_id: str, household_id: str,
           district: str | None) -> bool:
    """Whether the sweep covers the household."""
    sql = _positional("SELECT 1 " + _IN_SCOPE + " AND h.id = ?")
    return db.conn.execute(sql, [sweep_id, district or "", household_id]).fetchone() is not None


def visits(db: sqlite_utils.Database, sweep_id: str, household_id: str) -> list[Row]:
    """Every visit to a household in a sweep, latest first (none is ever overwritten)."""
    return _rows(db, "SELECT * FROM sweep_visits WHERE sweep_id = ? AND household_id = ? "
                     "AND deleted = 0 ORDER BY recorded_at DESC, id DESC",
                 (sweep_id, household_id))


def returnee_origins(db: sqlite_utils.Database, sweep_ids: Sequence[str], day: str,
                     community_id: str | None) -> list[tuple[str, int]]:
    """(origin, returnees) found on `day` in the given sweeps, from each household's latest
    visit that day."""
    if not sweep_ids:
        return []
    marks = ",".join("?" * len(sweep_ids))
    sql = ("SELECT coalesce(nullif(trim(returnee_origin), ''), '（未写来源地）'), "
           "sum(returnees) FROM (SELECT v.*, row_number() OVER (PARTITION BY v.sweep_id, "
           "v.household_id ORDER BY v.recorded_at DESC, v.id DESC) AS rn FROM sweep_visits v "
           f"WHERE v.sweep_id IN ({marks}) AND v.deleted = 0 AND v.visited_on = ?"
           + (" AND v.community_id = ?" if community_id else "")
           + ") WHERE rn = 1 AND returnees > 0 GROUP BY 1 ORDER BY 2 DESC, 1")
    params = [*sweep_ids, day, *([community_id] if community_id else [])]
    return [(r[0], int(r[1])) for r in db.conn.execute(sql, params)]
