"""Demo categories: the usual 五色 set by rule, and a few people put in a category by hand
(with who, when and why), as an office a while into 五色管理 would have them."""

from __future__ import annotations

import random
from typing import Any

from app.categories import FIVE_COLOURS
from db import categories as q
from db.node import get_meta, transaction

REASONS = ("入户核实：家中老人行动不便，需重点关爱", "网格员走访：家庭困难，已申请救助",
           "经核实情况正常")


def add_demo_categories(db: Any, seed: int) -> int:
    """The five colours (red to green) and a handful of marks by hand; returns the marks."""
    owner = get_meta(db, "community_id")
    rng = random.Random(seed * 31 + 18)
    with transaction(db):
        ids = [q.write(db, owner, None, {"name": n, "colour": c, "meaning": m, "rule": r,
                                         "rule_value": v, "position": i,
                                         "changed_at": "2026-03-01 09:00:00",
                                         "changed_by": "社区居委会"})
               for i, (n, c, m, r, v) in enumerate(FIVE_COLOURS, start=1)]
        # A bounded sample: the cost does not grow with the community.
        people = [r[0] for r in db.conn.execute(
            "SELECT id FROM residents WHERE deleted = 0 ORDER BY id LIMIT 400")]
        chosen = rng.sample(people, min(6, len(people)))
        for k, rid in enumerate(chosen):
            category = ids[2] if k % 3 != 2 else ids[4]
            q.add_mark(db, owner, rid, category, f"2026-0{4 + k % 5}-1{k} 10:00:00",
                       "网格员", REASONS[k % 3])
    return len(chosen)
