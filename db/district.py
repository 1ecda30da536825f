"""The district's administrative levels: one district row, its streets, its communities.

Each community database holds its own street › community rows (written when the community was
created, owned by the community; its district row is the district's own, taken at enrollment:
app.sync.district_row), and the district holds them as they are (its database is the union of
its communities' rows). The district's levels are its own rows: its org unit (meta
community_id) and one shared row per 9-digit street code (`street_unit_id`,
owning itself like a community's row, so it belongs to no peer: never logged, never sent,
and the district still holds exactly what its communities hold), made from the communities'
street copies after every imported bundle (`ensure_streets`) and by migration 0009 for an
existing district. A community belongs to the shared street of its own street's code; the
copies are never shown.
"""

from __future__ import annotations

from typing import Any

import sqlite_utils

from db.node import get_meta, node_state

Row = dict[str, Any]

STREET_ID_PREFIX = "00000000-0000-8000-8002-"   # + the street code, zero-padded to 12


def street_unit_id(code: str) -> str:
    """The id of the district's shared row for a street, from its 9-digit code."""
    return STREET_ID_PREFIX + code[-12:].rjust(12, "0")


_SHARED = f"'{STREET_ID_PREFIX}' || substr('000000000000' || {{code}}, -12)"

# :district is the district's own org unit (its meta community_id), the streets' parent.
# A street row owns itself (as a community's row does): no peer's rows, so never sent.
STREETS_SQL = (
    "INSERT INTO org_units (id, community_id, parent_id, level, code, name) "
    f"SELECT {_SHARED.format(code='code')}, {_SHARED.format(code='code')}, :district, "
    "'street', code, min(name) "
    "FROM org_units WHERE level = 'street' AND community_id NOT IN (:district, id) "
    "GROUP BY code ON CONFLICT (id) DO NOTHING")

# The shared street of a community row `c` (its parent, a street copy or the shared street).
STREET_OF = ("(SELECT " + _SHARED.format(code="sp.code") + " FROM org_units sp "
             "WHERE sp.id = {c}.parent_id AND sp.level = 'street')")


def street_join(c: str = "c", s: str = "s") -> str:
    """THE way to reach a community's street, as SQL: `LEFT JOIN org_units {s}` onto the
    street of community row `{c}`. At a district that is its shared row for the code of the
    community's own street row (copies from different communities differ in id and maybe in
    name, never in code); where no shared row exists (a community's own database) it is the
    community's own street row. No street: every column of `{s}` is NULL (未分街道)."""
    shared = STREET_OF.format(c=c)
    return (f"LEFT JOIN org_units {s} ON {s}.id = coalesce((SELECT x.id FROM org_units x "
            f"WHERE x.id = {shared}), (SELECT x.id FROM org_units x "
            f"WHERE x.id = {c}.parent_id AND x.level = 'street')) AND {s}.deleted = 0")


def community_streets(db: sqlite_utils.Database) -> list[Row]:
    """Every live community (id == community_id) with its street by `street_join`: id, code,
    name, sort_order, street_id, street_code, street_name (None: in no street), ordered by
    street code (no street last), then code and name."""
    return _rows(db, "SELECT c.id, c.code, c.name, c.sort_order, s.id AS street_id, "
                     "s.code AS street_code, s.name AS street_name FROM org_units c "
                     f"{street_join('c', 's')} WHERE c.level = 'community' AND c.deleted = 0 "
                     "AND c.id = c.community_id "
                     "ORDER BY s.code IS NULL, s.code, c.code, c.name")


def district_id(db: sqlite_utils.Database) -> str:
    return get_meta(db, "community_id") or ""


def is_district(db: sqlite_utils.Database) -> bool:
    return get_meta(db, "role") == "district"


def ensure_streets(db: sqlite_utils.Database) -> None:
    """At the district: a shared street row for every street code its communities name
    (inside the caller's transaction; not logged and owned by no peer: it stays here), and
    each community's name when it changed (community_names, for the audit)."""
    if not is_district(db):
        return
    with node_state(db).logging_suppressed():
        db.conn.execute(STREETS_SQL, {"district": district_id(db)})
    db.conn.execute(NAMES_SQL)


# Each community's name as the district learns it (after every import): a new row when the
# name differs from its last one, so the audit names a community as it was called then.
NAMES_SQL = (
    "INSERT OR IGNORE INTO community_names (community_id, name, since) "
    "SELECT c.id, c.name, strftime('%Y-%m-%dT%H:%M:%fZ', 'now') FROM org_units c "
    "WHERE c.level = 'community' AND c.id = c.community_id AND c.name IS NOT NULL "
    "AND c.name IS NOT "
    "(SELECT n.name FROM community_names n WHERE n.community_id = c.id "
    "ORDER BY n.since DESC LIMIT 1)")


def _rows(db: sqlite_utils.Database, sql: str, params: Any = ()) -> list[Row]:
    cur = db.conn.execute(sql, params)
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]


def district_row(db: sqlite_utils.Database) -> Row | None:
    found = _rows(db, "SELECT * FROM org_units WHERE id = ?", (district_id(db),))
    return found[0] if found else None


_COMMUNITY_SQL = """
SELECT c.id, c.code, c.name,
       s.id AS street_id, s.code AS street_code, s.name AS street_name,
       (SELECT count(*) FROM households h WHERE h.community_id = c.id AND h.deleted = 0)
           AS households,
       (SELECT count(*) FROM residents r WHERE r.community_id = c.id AND r.deleted = 0)
           AS residents,
       (SELECT count(*) FROM isolation_cases i WHERE i.community_id = c.id
           AND i.deleted = 0 AND i.status = 'active') AS active_cases,
       (SELECT count(DISTINCT p.household_id) FROM pairings p
           JOIN households h ON h.id = p.household_id AND h.deleted = 0
           WHERE p.community_id = c.id AND p.ended_on IS NULL AND p.deleted = 0) AS paired,
       (SELECT max(p.last_import_at) FROM peers p WHERE p.community_id = c.id
           AND p.role = 'community') AS last_bundle_at
FROM org_units c {street_join}
WHERE c.level = 'community' AND c.deleted = 0 AND c.id = c.community_id {where}
ORDER BY street_code IS NULL, street_code, c.code, c.name
"""


def communities(db: sqlite_utils.Database, street_id: str | None = None) -> list[Row]:
    """Every community this database holds, with its street (None: not in any street yet),
    households, residents, active isolation cases, paired households and the time its last
    bundle was imported (None: never), ordered by street code, then code. `street_id`
    keeps one street's; "" keeps those in no street."""
    where, params = "", {}
    if street_id == "":
        where = "AND s.id IS NULL"
    elif street_id:
        where, params = "AND s.id = :street", {"street": street_id}
    return _rows(db, _COMMUNITY_SQL.format(where=where, street_join=street_join("c", "s")),
                 params)


def streets(db: sqlite_utils.Database) -> list[Row]:
    """The district's streets (live shared street rows), ordered by code, with how many
    communities, households and residents each holds."""
    return _rows(db, """
        SELECT s.id, s.code, s.name,
               count(c.id) AS communities,
               coalesce(sum((SELECT count(*) FROM households h
                             WHERE h.community_id = c.id AND h.deleted = 0)), 0) AS households,
               coalesce(sum((SELECT count(*) FROM residents r
                             WHERE r.community_id = c.id AND r.deleted = 0)), 0) AS residents
        FROM org_units s
        LEFT JOIN org_units c ON c.level = 'community' AND c.deleted = 0
            AND c.id = c.community_id AND {street_of} = s.id
        WHERE s.level = 'street' AND s.deleted = 0 AND s.id = s.community_id
          AND s.parent_id = :district
        GROUP BY s.id ORDER BY s.code, s.name""".format(street_of=STREET_OF.format(c="c")),
        {"district": district_id(db)})


def grid_households(db: sqlite_utils.Database) -> dict[str, int]:
    """Live households per grid (the tree's counts below a community)."""
    return dict(db.conn.execute(
        "SELECT c.grid_id, count(*) FROM households h JOIN units u ON u.id = h.unit_id "
        "JOIN buildings b ON b.id = u.building_id JOIN compounds c ON c.id = b.compound_id "
        "WHERE h.deleted = 0 GROUP BY c.grid_id").fetchall())
