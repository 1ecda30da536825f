"""Demo readiness: two checkpoints at the gates of the two largest compounds with a month of
daily counts, and a supplies list with a few receipts and issues (one item low); the same for
the same seed and day."""

from __future__ import annotations

import random
from datetime import date, timedelta
from typing import Any

import sqlite_utils

from db import readiness as q
from db import registry as rq
from db.ids import uuid7
from db.node import transaction

GATES = ("东门", "南门")
# (name, unit, where, low level, received, issued)
SUPPLIES = (("医用外科口罩", "只", "社区物资库", 500, 3000, 2300),
            ("N95口罩", "只", "社区物资库", 100, 400, 120),
            ("84消毒液", "桶", "社区物资库", 10, 40, 18),
            ("免洗手消毒液", "瓶", "社区物资库", 20, 60, 52),
            ("额温枪", "把", "社区办公室", 5, 12, 6),
            ("防护服", "套", "社区物资库", 30, 80, 30),
            ("帐篷", "顶", "社区车库", 2, 4, 2),
            ("警戒带", "卷", "社区车库", 5, 20, 6),
            ("应急照明灯", "个", "社区车库", 5, 16, 4),
            ("沙袋", "个", "防汛仓库", 200, 600, 150),
            ("救生衣", "件", "防汛仓库", 10, 30, 0),
            ("矿泉水", "箱", "社区物资库", 20, 50, 34))


def add_demo_readiness(db: sqlite_utils.Database, seed: int, today: date | None = None
                       ) -> dict[str, int]:
    """Two checkpoints (30 days of counts) and the supplies list; returns counts written."""
    today = today or date.today()
    rng = random.Random(seed + 21)
    owner = rq.community_id(db)
    if owner is None:
        return {}
    compounds = db.conn.execute(
        "SELECT c.id, c.name FROM compounds c WHERE c.deleted = 0 ORDER BY (SELECT COUNT(*) "
        "FROM buildings b WHERE b.compound_id = c.id AND b.deleted = 0) DESC, c.name LIMIT 2"
    ).fetchall()
    points: list[dict[str, Any]] = []
    counts: list[dict[str, Any]] = []
    for i, (compound_id, name) in enumerate(compounds):
        cp = {"id": uuid7(), "name": f"{name}{GATES[i]}卡口", "compound_id": compound_id,
              "gate": GATES[i], "registration": 0, "note": "24小时值守，九个有按标准配备"}
        points.append(cp)
        base = rng.randint(300, 900)
        for d in range(30, 0, -1):
            counts.append({"id": uuid7(), "checkpoint_id": cp["id"],
                           "on_date": (today - timedelta(days=d)).isoformat(),
                           "people": base + rng.randint(-80, 80),
                           "vehicles": base // 6 + rng.randint(-10, 10), "note": None,
                           "recorded_by": "卡口值守"})
    items: list[dict[str, Any]] = []
    moves: list[dict[str, Any]] = []
    for name, unit, where, low, got, gave in SUPPLIES:
        item = {"id": uuid7(), "name": name, "unit": unit, "stored_at": where,
                "low_level": low, "note": None}
        items.append(item)
        moves.append({"id": uuid7(), "supply_id": item["id"],
                      "on_date": (today - timedelta(days=40)).isoformat(), "kind": "in",
                      "quantity": got, "party": "街道办事处", "reason": "应急物资储备下拨",
                      "handled_by": "社区主任", "recorded_by": "admin"})
        left, parts = gave, rng.randint(1, 3)
        for k in range(parts):
            n = left if k == parts - 1 else rng.randint(0, left)
            left -= n
            if n:
                moves.append({"id": uuid7(), "supply_id": item["id"],
                              "on_date": (today - timedelta(days=rng.randint(1, 30))).isoformat(),
                              "kind": "out", "quantity": n,
                              "party": rng.choice(("卡口值守人员", "网格员", "物业公司",
                                                   "居家隔离户")),
                              "reason": rng.choice(("卡口值守使用", "入户排查使用", "环境消杀",
                                                    "居家隔离户使用")),
                              "handled_by": "社区主任", "recorded_by": "admin"})
    with transaction(db):
        q.insert_many(db, "checkpoints", points, owner)
        q.insert_many(db, "checkpoint_counts", counts, owner)
        q.insert_many(db, "supplies", items, owner)
        q.insert_many(db, "supply_moves", moves, owner)
    return {"checkpoints": len(points), "supplies": len(items)}
