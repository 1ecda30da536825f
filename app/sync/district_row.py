"""The district's org row at a community: one row, the district's own, shared by its communities.

A community is created with its own copy of its district's org row (app.database
.create_community: it knows no district id yet). The signed enrollment answer names the
district's org id, code and name; on accepting it (`adopt`, from
app.sync.engine.accept_enroll_response) the community holds that row itself, owned by the
district and given the oldest possible field stamps (never logged: the district's own row,
arriving in its first bundle, then merges into it field by field without a conflict),
re-parents its street row to it and marks its own copy deleted (both logged, so the district
holds exactly what the community holds, and one live district row). A community enrolled
before this existed gets the same step once, when its file is opened (`share_at_open`, from
app.database.open_community_db): an SQL migration runs before the node id and clock are
loaded, so its changes could not be logged or reach the district.

Enrolling with another district is a move: the street is re-parented to the new district's
row (the newest value wins at every node); the old district's row stays as it was (it is not
the community's to change).
"""

from __future__ import annotations

import re
from typing import Any

import sqlite_utils

from db import changelog
from db import registry as q
from db import sync as store
from db.clock import Stamp
from db.node import get_meta, transaction
from db.rows import one

# Older than any stamp a node can make: whatever the district sends for its row wins.
OLDEST = str(Stamp(0, 0, "0"))
_ID = re.compile(r"[0-9A-Za-z_-]{1,64}")


class DistrictRowError(ValueError):
    """An enrollment answer whose district row cannot be taken; `message` is Chinese."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _street(db: sqlite_utils.Database) -> dict[str, Any] | None:
    """This community's own street row (its community row's parent), if it has one."""
    return one(db, "SELECT s.* FROM org_units c JOIN org_units s ON s.id = c.parent_id "
                   "WHERE c.id = ? AND s.level = 'street'", (get_meta(db, "community_id") or "",))


def check_answer(db: sqlite_utils.Database, district_id: Any, code: Any, name: Any) -> None:
    """The district named by an enrollment answer, held to what a district row may be: its
    id a plain id that is no row of ours other than that district's own row."""
    ok = (isinstance(district_id, str) and _ID.fullmatch(district_id) is not None
          and isinstance(code, str) and code.isdigit() and len(code) == 6
          and isinstance(name, str) and 0 < len(name.strip()) <= 50
          and district_id != get_meta(db, "community_id"))
    if ok:
        held = q.get(db, "org_units", district_id)
        ok = held is None or (held["level"] == "district" and held["community_id"] == district_id)
    if not ok:
        raise DistrictRowError("登记回执里区县的编号、代码或名称不对，本机没有改动。"
                               "请让区里用本程序重新生成登记回执。")


def adopt(db: sqlite_utils.Database, district_id: str, code: str, name: str) -> bool:
    """Hold the district's own org row and hang this community's street under it, marking
    the community's own copy deleted (inside the caller's transaction). True when anything
    changed; a second call changes nothing."""
    changed = False
    if q.get(db, "org_units", district_id) is None:
        cols = ["community_id", "parent_id", "level", "code", "name", "sort_order", "deleted"]
        values = [district_id, None, "district", code, name.strip(), 0, 0]
        changelog.apply_rows(db, [["org_units", district_id, district_id, cols, values,
                                   [OLDEST] * len(cols)]])   # not logged: not ours
        changed = True
    street = _street(db)
    if street is None or street["parent_id"] == district_id:
        return changed
    q.update(db, "org_units", street["id"], {"parent_id": district_id})
    old = q.get(db, "org_units", street["parent_id"]) if street["parent_id"] else None
    if old is not None and old["level"] == "district" and not old["deleted"] \
            and old["community_id"] == get_meta(db, "community_id"):
        q.soft_delete(db, "org_units", old["id"])   # our own copy: nothing points at it now
    return True


def share_at_open(db: sqlite_utils.Database) -> bool:
    """A community enrolled before the district row was shared: take its district's row now
    (once; later opens find it done). Nothing for a district, an unenrolled community, or one
    enrolled with several districts at once (an old test setup; a new enrollment settles it)."""
    if (get_meta(db, "role") or "community") != "community" \
            or not get_meta(db, "community_id"):
        return False
    districts = {p["community_id"]: p for p in store.peers(db, "district") if not p["revoked"]}
    if len(districts) != 1:
        return False
    (peer,) = districts.values()
    try:
        check_answer(db, peer["community_id"], peer["code"], peer["name"])
    except DistrictRowError:
        return False   # never from this program; the next enrollment answer is checked
    street = _street(db)
    if street is not None and street["parent_id"] == peer["community_id"] \
            and q.get(db, "org_units", peer["community_id"]) is not None:
        return False   # the common case: done already, nothing written
    with transaction(db):
        return adopt(db, peer["community_id"], peer["code"], peer["name"])
