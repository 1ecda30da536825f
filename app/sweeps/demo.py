"""Demo sweeps: a community's own sweep under way (two households in five visited, some
not at home, a few returnees), and at a district demo, the district's sweep going down to
every community with their outcomes. Deterministic from the seed; bulk inserts (≤ 0.3 s)."""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta
from typing import Any

from app import sweeps
from db import sweeps as q
from db.ids import uuid7
from db.node import get_meta, transaction

ORIGINS = ("广州市白云区", "上海市浦东新区", "北京市朝阳区", "郑州市金水区", "石家庄市藁城区",
           "西安市雁塔区")
OUTCOMES = ("done",) * 14 + ("absent",) * 3 + ("vacant", "refused")


def add_demo_sweep(db: Any, seed: int, today: date | None = None) -> str:
    """The community's own sweep begun three days ago, under half done."""
    today = today or date.today()
    sweep_id = sweeps.create_sweep(db, "辖区入户摸排", today - timedelta(days=3),
                                   today + timedelta(days=4))
    add_demo_visits(db, sweep_id, seed, today, share=0.4)
    return sweep_id


def add_district_sweep(district: Any, today: date | None = None) -> str:
    """The district's sweep for all its communities, begun two days ago."""
    today = today or date.today()
    return sweeps.create_sweep(district, "全区入户排查（第2轮）", today - timedelta(days=2),
                               today + timedelta(days=5),
                               note="各社区按户登记，外地返回人员当日报告")


def add_demo_visits(db: Any, sweep_id: str, seed: int, today: date | None = None,
                    share: float = 0.5) -> int:
    """Outcomes for about `share` of the households the sweep covers, over its first days
    up to today; returns how many were written."""
    today = today or date.today()
    rng = random.Random(seed * 31 + 7)
    row = q.sweep(db, sweep_id)
    start = max(date.fromisoformat(row["starts_on"]), today - timedelta(days=6))
    span = max(0, (today - start).days)
    ids = q.pending_ids(db, sweep_id, sweeps._district(db))
    owner = get_meta(db, "community_id")
    rows = []
    for household_id in ids:
        if rng.random() >= share:
            continue
        outcome = rng.choice(OUTCOMES)
        day = start + timedelta(days=rng.randint(0, span))
        back = 1 if outcome == "done" and rng.random() < 0.06 else 0
        people = rng.randint(1, 5) if outcome == "done" else None
        elderly = min(people or 0, rng.choice((0, 0, 1, 2))) if outcome == "done" else None
        rows.append({
            "id": uuid7(), "community_id": owner, "sweep_id": sweep_id,
            "household_id": household_id, "outcome": outcome, "visited_on": day.isoformat(),
            "visited_by": "网格员", "recorded_at": datetime.combine(
                day, datetime.min.time()).replace(hour=9 + rng.randint(0, 8)).isoformat(
                timespec="milliseconds"),
            "people": people, "returnees": back,
            "returnee_origin": rng.choice(ORIGINS) if back else None,
            "returned_on": (day - timedelta(days=rng.randint(0, 3))).isoformat() if back
            else None,
            "symptoms": "", "elderly": elderly,
            "elderly_unvaccinated": min(elderly, rng.choice((0, 0, 0, 1))) if elderly
            else elderly,
            "new_residents": 0, "note": None, "deleted": 0})
    if rows:
        cols = list(rows[0])
        with transaction(db):
            db.conn.executemany(
                f"INSERT INTO sweep_visits ({', '.join(cols)}) "
                f"VALUES ({', '.join('?' * len(cols))})", [[r[c] for c in cols] for r in rows])
    return len(rows)
