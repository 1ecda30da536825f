"""The same person in two communities (F17): the district finds ID numbers registered in
more than one community, lists them, and writes each community concerned a notice that
travels down with the next sync; a registration removed clears it the same way."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlite_utils

from app import accounts
from app.accounts import masking
from db import duplicates as q
from db.clock import Stamp
from db.node import get_meta, transaction


@dataclass(frozen=True)
class Registration:
    """One community's registration of a duplicated ID number, as the district sees it."""

    resident_id: str
    name: str
    community_id: str
    community: str
    address: str
    changed_at: str          # "2026-12-05 20:31", or "" when unknown


@dataclass(frozen=True)
class Duplicate:
    """An ID number registered as living in more than one community."""

    id_number: str           # as this session may see it in a list
    registrations: list[Registration]


@dataclass(frozen=True)
class Refresh:
    opened: int = 0
    resolved: int = 0
    updated: int = 0


def stamp_time(stamp: str | None) -> str:
    """A change stamp as the local time a person reads: "2026-12-05 20:31"."""
    if not stamp:
        return ""
    try:
        millis = Stamp.parse(stamp).millis
    except ValueError:
        return ""
    return datetime.fromtimestamp(millis / 1000).strftime("%Y-%m-%d %H:%M")


def is_district(db: sqlite_utils.Database) -> bool:
    return get_meta(db, "role") == "district"


def _registrations(db: sqlite_utils.Database) -> list[dict[str, Any]]:
    rows = q.registrations(db)
    stamps = q.last_stamps(db, [("residents", r["resident_id"]) for r in rows]
                           + [("households", r["household_id"]) for r in rows])
    for r in rows:   # the registration changed when the resident or their door last did
        r["changed"] = max(stamps.get(("residents", r["resident_id"]), ""),
                           stamps.get(("households", r["household_id"] or ""), ""))
    return rows


def duplicates(db: sqlite_utils.Database) -> list[Duplicate]:
    """At the district: every ID number registered in more than one community, each with
    its communities, addresses and when each registration last changed."""
    session = accounts.require(db, "registry.view")
    out: list[Duplicate] = []
    by_number: dict[str, list[Registration]] = {}
    for r in _registrations(db):
        by_number.setdefault(r["id_number"], []).append(Registration(
            r["resident_id"], r["name"], r["community_id"], r["community_name"],
            r["address"] or "（未登记住址）", stamp_time(r["changed"])))
    for number, regs in by_number.items():
        out.append(Duplicate(masking.show(session, "id_number", number, masking.LIST), regs))
    return out


def duplicate_count(db: sqlite_utils.Database) -> int:
    return q.duplicate_count(db)


def refresh(db: sqlite_utils.Database, now: str | None = None) -> Refresh:
    """At the district: bring the notices in line with the registrations held now. Each
    resident of a duplicated number gets one open notice per other community holding the
    number (naming that community and its door); a notice whose pair no longer holds is
    resolved. The notices belong to the resident's community, so the next bundle for that
    community (and only that one) carries them. Does nothing outside a district, nor on a
    connection that sees only some of its communities."""
    if not is_district(db) or q.sees_part(db):
        return Refresh()
    now = now or datetime.now().isoformat(timespec="seconds")
    regs = _registrations(db)
    by_number: dict[str, list[dict[str, Any]]] = {}
    for r in regs:
        by_number.setdefault(r["id_number"], []).append(r)
    wanted: dict[tuple[str, str], dict[str, Any]] = {}
    for group in by_number.values():
        for mine in group:
            for other in group:
                if other["community_id"] == mine["community_id"]:
                    continue
                key = (mine["resident_id"], other["community_id"])
                if key in wanted and (   # two registrations there: name the latest changed
                        other["changed"] <= wanted[key]["other_changed_stamp"]):
                    continue
                wanted[key] = {
                    "community_id": mine["community_id"], "resident_id": mine["resident_id"],
                    "other_community_id": other["community_id"],
                    "other_community": other["community_name"] or "另一社区",
                    "other_address": other["address"] or "（未登记住址）",
                    "other_changed_at": stamp_time(other["changed"]) or None,
                    "other_changed_stamp": other["changed"]}
    opened = resolved = updated = 0
    with transaction(db):
        held = {(n["resident_id"], n["other_community_id"]): n for n in q.notices(db)}
        for key, notice in held.items():
            if key not in wanted and notice["status"] == "open":
                q.update_notice(db, notice["id"], {"status": "resolved", "resolved_at": now})
                resolved += 1
        for key, want in wanted.items():
            notice = held.get(key)
            if notice is None:
                q.insert_notice(db, {**want, "noted_at": now})
                opened += 1
                continue
            change = {c: want[c] for c in ("other_community", "other_address",
                                           "other_changed_at") if notice[c] != want[c]}
            if notice["status"] != "open":
                change.update(status="open", resolved_at=None)
                opened += 1
            elif change:
                updated += 1
            if change:
                q.update_notice(db, notice["id"], change)
    return Refresh(opened, resolved, updated)


def recheck(db: sqlite_utils.Database) -> Refresh:
    """重新核查 at the district, on demand (imports do it by themselves)."""
    accounts.require(db, "registry.view")
    return refresh(db)


@dataclass(frozen=True)
class Notice:
    """What a community sees: one of its residents is also registered elsewhere."""

    id: str
    resident_id: str
    resident_name: str
    other_community: str
    other_address: str
    other_changed_at: str
    open: bool
    noted_at: str
    resolved_at: str

    @property
    def text(self) -> str:
        return f"区里提示：此人也登记在{self.other_community}（{self.other_address}）"


def _notice(row: dict[str, Any]) -> Notice:
    return Notice(row["id"], row["resident_id"], row["resident_name"], row["other_community"],
                  row["other_address"], row["other_changed_at"] or "", row["status"] == "open",
                  (row["noted_at"] or "")[:16].replace("T", " "),
                  (row["resolved_at"] or "")[:16].replace("T", " "))


def has_notices(db: sqlite_utils.Database) -> bool:
    """Whether the district ever sent this community a notice (its window then lists them)."""
    return q.any_notice(db)


def notices(db: sqlite_utils.Database, *, open_only: bool = False) -> list[Notice]:
    """At a community: the district's notices about its residents, open ones first."""
    accounts.require(db, "registry.view")
    return [_notice(r) for r in q.notices(db, status="open" if open_only else None)]


def resident_notices(db: sqlite_utils.Database, resident_id: str) -> list[Notice]:
    """The open notices about one resident (what the resident's dialog shows)."""
    accounts.require(db, "registry.view")
    return [_notice(r) for r in q.notices(db, status="open", resident_id=resident_id)]
