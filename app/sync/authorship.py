"""Who may write which synced rows, whoever owns them: the rule a bundle is held to.

A row's owner (community_id) says where it travels; some rows must travel to one
community yet be written only by the district (a key person matched to that community),
and some community rows must never be changed by the district (the community's result
for that person). Features name their tables here; app.sync.engine refuses a bundle that
breaks the rule, before anything of it is applied.
"""

from __future__ import annotations

from typing import Any

from app.sync.incoming import TABLE_LABELS
from db.clock import Stamp

# Tables whose rows only the district may change, whoever owns them: a community's bundle
# carrying any change to them is refused.
DISTRICT_WRITES: frozenset[str] = frozenset({"keyperson_lists", "keypersons",
                                             "incident_replies"})

# Tables whose community-owned rows the district may not change: a district bundle carrying
# a change to such a row stamped by the district's own node is refused. (The district may
# still pass on the community's own changes, stamped by the community's node, when it
# rebuilds a community restored from a backup.)
COMMUNITY_WRITES: frozenset[str] = frozenset({"keyperson_results", "incidents", "incident_steps",
                                              "incident_photos", "incident_photo_parts",
                                              "incident_kinds", "sweep_visits",
                                              "daily_reports", "problem_corrections"})

def violation(rows: list[list[Any]], *, at_district: bool, district_owner: str,
              district_node: str) -> str | None:
    """The first table a bundle's rows may not write, as a Chinese label, or None.

    `rows` are runs [table, row_id, owner, cols, values, stamps]. At the district the sender
    is a community; at a community the sender is the district, whose own org unit is
    `district_owner` and whose node is `district_node`."""
    for tbl, _row_id, owner, _cols, _values, stamps in rows:
        if at_district:
            if tbl in DISTRICT_WRITES:
                return TABLE_LABELS.get(tbl, tbl)
        elif tbl in COMMUNITY_WRITES and owner != district_owner and any(
                _node(s) == district_node for s in stamps):
            return TABLE_LABELS.get(tbl, tbl)
    return None


def _node(stamp: Any) -> str:
    try:
        return Stamp.parse(str(stamp)).node
    except ValueError:
        return ""
