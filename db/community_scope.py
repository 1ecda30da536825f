"""Which community a district row belongs to: each community's name and street (its org_units
row of level 'community', whose id is the community_id every synced row carries, and that
row's parent of level 'street'), and a community/street filter turned into community ids."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

import sqlite_utils


@dataclass(frozen=True)
class Community:
    id: str
    code: str
    name: str
    street: str        # "" when the community names no street


def communities(db: sqlite_utils.Database) -> list[Community]:
    """Every live community in this database, by street and then code."""
    rows = db.conn.execute(
        "SELECT c.id, c.code, c.name, COALESCE(s.name, '') FROM org_units c "
        "LEFT JOIN org_units s ON s.id = c.parent_id AND s.level = 'street' "
        "WHERE c.level = 'community' AND c.deleted = 0 AND c.id = c.community_id "
        "ORDER BY COALESCE(s.code, ''), c.code, c.name").fetchall()
    return [Community(*r) for r in rows]


def community_names(db: sqlite_utils.Database) -> dict[str, str]:
    """community_id → the community's name (as the 社区 column shows it)."""
    return {c.id: c.name for c in communities(db)}


def streets(db: sqlite_utils.Database) -> list[str]:
    """The street names the communities stand under, in the order `communities` gives."""
    return list(dict.fromkeys(c.street for c in communities(db) if c.street))


def resolve(db: sqlite_utils.Database, community: str | None = None,
            street: str | None = None) -> set[str] | None:
    """The community ids a filter names: `community` by its code or name, `street` by its
    name or code; None when neither is given (every community). An unknown name gives the
    empty set: a filter that matches nothing shows nothing rather than everything."""
    if not community and not street:
        return None
    out = set()
    for c in communities(db):
        if community and community not in (c.id, c.code, c.name):
            continue
        if street and street != c.street and not c.code.startswith(street):
            continue
        out.add(c.id)
    return out


def sql_in(column: str, ids: Collection[str] | None) -> tuple[str, list[str]]:
    """An `AND column IN (…)` clause and its parameters for a set of community ids; nothing
    for None (every community)."""
    if ids is None:
        return "", []
    if not ids:
        return " AND 0", []
    return f" AND {column} IN ({','.join('?' * len(ids))})", sorted(ids)


KEEPABLE = frozenset({"residents", "households", "isolation_cases", "pairings",
                      "party_members", "staff"})


def keep(db: sqlite_utils.Database, table: str, ids: list[str],
         community_ids: Collection[str] | None) -> list[str]:
    """`ids` of `table` rows whose community is one of `community_ids` (None: all), in the
    order given; read in chunks, so a list of any length stays one pass."""
    if community_ids is None or not ids:
        return ids
    if table not in KEEPABLE:
        raise ValueError(table)
    wanted = sorted(community_ids)
    kept: set[str] = set()
    for i in range(0, len(ids), 500):
        chunk = ids[i:i + 500]
        kept.update(r[0] for r in db.conn.execute(
            f"SELECT id FROM [{table}] WHERE id IN ({','.join('?' * len(chunk))}) "
            f"AND community_id IN ({','.join('?' * len(wanted))})", [*chunk, *wanted]))
    return [i for i in ids if i in kept]


def owners(db: sqlite_utils.Database, table: str, ids: list[str]) -> dict[str, str]:
    """row id → community_id for rows of `table` (read in chunks)."""
    if table not in KEEPABLE:
        raise ValueError(table)
    out: dict[str, str] = {}
    for i in range(0, len(ids), 500):
        chunk = ids[i:i + 500]
        out.update(db.conn.execute(
            f"SELECT id, community_id FROM [{table}] "
            f"WHERE id IN ({','.join('?' * len(chunk))})", chunk).fetchall())
    return out
