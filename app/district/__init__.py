"""The district's view of its levels: streets, communities (with street, figures and last
bundle), the district › street › community tree, and the `district status` lines.

What other district features build on: `streets(db)`, `communities(db, street_id=None)`,
`tree_levels(db)`, `bundle_age_days(row, now)`, `community_label(row)` and `UNASSIGNED`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlite_utils

from db import district as q

UNASSIGNED = "未分街道"          # a community whose street the district does not know yet
STALE_DAYS = 3                  # a community silent longer than this is shown as behind

Row = dict[str, Any]


def is_district(db: sqlite_utils.Database) -> bool:
    """Whether this database is a district's (区县模式)."""
    return q.is_district(db)


def streets(db: sqlite_utils.Database) -> list[Row]:
    """The district's streets: id, code, name, communities, households, residents."""
    return q.streets(db)


def communities(db: sqlite_utils.Database, street_id: str | None = None) -> list[Row]:
    """Each community: id, code, name, street_id/street_code/street_name (None: 未分街道),
    households, residents, active_cases, paired, coverage (paired / households) and
    last_bundle_at (ISO text, None if no bundle came yet); ordered by street, then code.
    `street_id` keeps one street's communities ("" keeps those in no street)."""
    rows = q.communities(db, street_id)
    for r in rows:
        r["coverage"] = r["paired"] / r["households"] if r["households"] else 0.0
    return rows


def community_label(row: Row) -> str:
    """A community with its street (two communities may share a name in different streets)."""
    return f"{row.get('street_name') or UNASSIGNED} › {row['name']}"


def bundle_age_days(row: Row, now: datetime | None = None) -> float | None:
    """Days since the community's last bundle was imported (None: never)."""
    if not row.get("last_bundle_at"):
        return None
    then = datetime.fromisoformat(row["last_bundle_at"])
    return ((now or datetime.now()) - then).total_seconds() / 86400


def age_text(days: float | None) -> str:
    if days is None:
        return "从未收到"
    if days < 1 / 24:
        return "刚刚"
    if days < 1:
        return f"{int(days * 24)}小时前"
    return f"{int(days)}天前"


def status_lines(db: sqlite_utils.Database, now: datetime | None = None,
                 stale_days: int = STALE_DAYS) -> list[str]:
    """One line per community for `griddesk district status`; a community silent for
    `stale_days` or more (the office's setting, app.district.overview) is flagged."""
    lines = []
    for r in communities(db):
        days = bundle_age_days(r, now)
        last = (f"{r['last_bundle_at'].replace('T', ' ')[:16]}（{age_text(days)}）"
                if r["last_bundle_at"] else "从未收到同步包")
        behind = (f"  ⚠ {stale_days}天以上未同步" if days is not None and days >= stale_days
                  else "")
        lines.append(f"{r['code']}  {r['name']}  街道：{r['street_name'] or UNASSIGNED}  "
                     f"居民 {r['residents']}  在管隔离 {r['active_cases']}  "
                     f"最近同步包 {last}{behind}")
    return lines


@dataclass
class TreeNode:
    """One node of the district › street › community levels; grids hang under communities."""
    kind: str            # "district", "street" or "community"
    id: str              # the org unit ("" for 未分街道)
    name: str
    households: int
    children: list[TreeNode] = field(default_factory=list)

    @property
    def label(self) -> str:
        return f"{self.name}（{self.households}户）"


def tree_levels(db: sqlite_utils.Database) -> TreeNode | None:
    """At the district: its row, its streets (and 未分街道 if any community has none) and
    their communities, each with its live households. None in a community database."""
    if not is_district(db):
        return None
    top = q.district_row(db)
    root = TreeNode("district", top["id"] if top else "", top["name"] if top else "", 0)
    by_street: dict[str, TreeNode] = {}
    for s in streets(db):
        by_street[s["id"]] = TreeNode("street", s["id"], s["name"], 0)
        root.children.append(by_street[s["id"]])
    for c in communities(db):
        street = by_street.get(c["street_id"] or "")
        if street is None:
            street = by_street[""] = TreeNode("street", "", UNASSIGNED, 0)
            root.children.append(street)
        street.children.append(TreeNode("community", c["id"], c["name"], c["households"]))
        street.households += c["households"]
        root.households += c["households"]
    return root


def grid_households(db: sqlite_utils.Database) -> dict[str, int]:
    """Live households per grid id."""
    return q.grid_households(db)
