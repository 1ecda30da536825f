"""Which community a district row belongs to: each community's name and street (its org_units
row of level 'community', whose id is the community_id every synced row carries, and its
street as db.district finds it), and a community/street filter turned into community ids."""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection
from dataclasses import dataclass

import sqlite_utils

from db import changelog, district


@dataclass(frozen=True)
class Community:
    id: str
    code: str
    name: str
    street: str        # "" when the community names no street


def communities(db: sqlite_utils.Database) -> list[Community]:
    """Every live community in this database, by street and then code (its street found the
    one way there is, `db.district.community_streets`)."""
    return [Community(r["id"], r["code"], r["name"], r["street_name"] or "")
            for r in district.community_streets(db)]


def community_names(db: sqlite_utils.Database) -> dict[str, str]:
    """community_id → the community's name (as the 社区 column shows it). A name two
    communities share (in different streets) carries its street, 长江路社区（林山寨街道）, so
    no list or ledger leaves the reader guessing which one a row is."""
    known = communities(db)
    shared = Counter(c.name for c in known)
    return {c.id: c.name if shared[c.name] == 1 else f"{c.name}（{c.street or '未分街道'}）"
            for c in known}


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


# --- the 审计 page at a district: whose record an entry is about, and that community's name
# as it was then (the audit entries themselves stay as written: nothing here touches them)

def _synced(db: sqlite_utils.Database) -> list[str]:
    return sorted(changelog.synced_tables(db))


def owner_clause(db: sqlite_utils.Database, community_ids: Collection[str],
                 table: str = "tbl", row: str = "row_id") -> tuple[str, list[str]]:
    """A condition on audit_log rows: the record the entry is about (`table`, `row`) belongs
    to one of `community_ids` (a primary-key look-up per entry, in its table)."""
    if not community_ids:
        return "0", []
    cases = " ".join(f"WHEN '{t}' THEN (SELECT x.community_id FROM [{t}] x "
                     f"WHERE x.id = {row})" for t in _synced(db))
    return (f"(CASE {table} {cases} END) IN ({','.join('?' * len(community_ids))})",
            sorted(community_ids))


def record_owners(db: sqlite_utils.Database, refs: Collection[tuple[str, str]]
                  ) -> dict[tuple[str, str], str]:
    """(table, row id) → community_id, for records of synced tables (others are left out)."""
    wanted: dict[str, list[str]] = {}
    synced = set(_synced(db))
    for table, row_id in refs:
        if table in synced and row_id:
            wanted.setdefault(table, []).append(row_id)
    out: dict[tuple[str, str], str] = {}
    for table, ids in wanted.items():
        ids = sorted(set(ids))
        for i in range(0, len(ids), 500):
            chunk = ids[i:i + 500]
            for row_id, owner in db.conn.execute(
                    f"SELECT id, community_id FROM [{table}] "
                    f"WHERE id IN ({','.join('?' * len(chunk))})", chunk):
                out[(table, row_id)] = owner
    return out


def name_history(db: sqlite_utils.Database) -> dict[str, list[tuple[str, str]]]:
    """community_id → [(since, name), …] oldest first: the names the district has known
    (table community_names, kept by db.district after every import)."""
    out: dict[str, list[tuple[str, str]]] = {}
    for cid, since, name in db.conn.execute(
            "SELECT community_id, since, name FROM community_names "
            "ORDER BY community_id, since"):
        out.setdefault(cid, []).append((since, name))
    return out


def name_at(history: dict[str, list[tuple[str, str]]], current: dict[str, str],
            community_id: str, at: str) -> str:
    """The community's name at time `at` (ISO UTC): the last one known by then; its first
    known name for a time before it; its current name when the district kept no history."""
    known = history.get(community_id)
    if not known:
        return current.get(community_id, "")
    name = known[0][1]
    for since, then in known:
        if since > at:
            break
        name = then
    return name
