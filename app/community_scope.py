"""At a district, which community each row belongs to: the 社区 column every list, board and
ledger shows there, and the community/street filter (a set of community ids, None for all)
that narrows them. A community's own database has one community: nothing here changes it."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Any

import sqlite_utils

from app.errors import FormError
from db import community_scope as q
from db.community_scope import Community
from db.node import get_meta

__all__ = ["Community", "audit_communities", "communities", "describe", "is_district", "keep",
           "names", "owners", "resolve", "streets"]


def is_district(db: sqlite_utils.Database) -> bool:
    """True for a district's database (the union of its communities' rows)."""
    return (get_meta(db, "role") or "community") == "district"


def communities(db: sqlite_utils.Database) -> list[Community]:
    return q.communities(db)


def streets(db: sqlite_utils.Database) -> list[str]:
    return q.streets(db)


def names(db: sqlite_utils.Database) -> dict[str, str]:
    """community_id → community name, for the 社区 column."""
    return q.community_names(db)


def resolve(db: sqlite_utils.Database, community: str | None = None,
            street: str | None = None) -> set[str] | None:
    """The community ids `community` (code or name) and `street` (name or code) name; None
    when neither is given. A name that matches no community is a FormError saying which
    names there are."""
    ids = q.resolve(db, community, street)
    if ids is not None and not ids:
        known = communities(db)
        if community and not any(community in (c.code, c.name) for c in known):
            listed = "、".join(f"{c.name}（{c.code}）" for c in known) or "（还没有社区）"
            raise FormError({"community": f"没有名为或编码为“{community}”的社区。"
                                          f"这里的社区有：{listed}"})
        if street and street not in {c.street for c in known}:
            listed = "、".join(streets(db)) or "（还没有街道）"
            raise FormError({"street": f"没有名为“{street}”的街道。这里的街道有：{listed}"})
        raise FormError({"community": f"“{street}”下没有“{community}”社区。"})
    return ids


def describe(db: sqlite_utils.Database, ids: Collection[str] | None) -> str:
    """What a filter covers, in words for a title: 全部社区, one community's name, or the
    names joined with 、."""
    if ids is None:
        return "全部社区"
    shown = [c.name for c in communities(db) if c.id in ids]
    return "、".join(shown) if len(shown) <= 3 else f"{'、'.join(shown[:3])}等 {len(shown)} 个社区"


def keep(db: sqlite_utils.Database, table: str, ids: list[str],
         community_ids: Collection[str] | None) -> list[str]:
    """The `ids` (rows of `table`, in their order) that belong to `community_ids` (None:
    all): a list narrowed by the community/street filter."""
    return q.keep(db, table, ids, community_ids)


def owners(db: sqlite_utils.Database, table: str, ids: list[str]) -> dict[str, str]:
    """row id → community_id, for rows (of `table`) a page holds without their community."""
    return q.owners(db, table, ids)


def audit_communities(db: sqlite_utils.Database, entries: Sequence[Any]) -> dict[int, str]:
    """At a district, audit entry seq → the community its record belongs to, named as it
    was when the entry was written (a community renamed since keeps its old name there).
    Entries about no community's record (sign-ins, the district's own rows) are left out;
    at a community, all are (the 社区 column is only shown at a district)."""
    if not is_district(db):
        return {}
    owners = q.record_owners(db, {(e.tbl, e.row_id) for e in entries if e.tbl and e.row_id})
    if not owners:
        return {}
    history, current = q.name_history(db), q.community_names(db)
    own = get_meta(db, "community_id")
    out = {}
    for e in entries:
        cid = owners.get((e.tbl, e.row_id))
        if cid and cid != own:
            out[e.seq] = q.name_at(history, current, cid, e.at)
    return out
