"""Places and inspections on synthetic data: the demo's cost at 8,000 residents, then a
community scaled up to 20,000 places and 60,000 inspections (a district's union of many
communities) — the lists' ids and first page, the overdue count and the month's bulletin.
Prints figures beside targets; asserts nothing about time.

    .venv/bin/python -m bench.places
"""

from __future__ import annotations

import os
import random
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

TARGETS = {"demo": 0.3, "places list": 0.15, "problems list": 0.15, "overdue count": 0.05,
           "bulletin figures": 0.5}


def _timed(fn):
    started = time.perf_counter()
    result = fn()
    return time.perf_counter() - started, result


def main() -> None:
    from app import inspections, places
    from app.database import open_community_db
    from app.demo import build_demo
    from app.inspections import demo as idemo
    from app.inspections import printing
    from db import inspections as iq
    from db import places as pq
    from db.ids import uuid7
    from db.node import get_meta, transaction

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "c.sqlite"
        path = Path(os.environ.get("BENCH_PLACES_DB", path))
        build_demo(path, residents=8000, pairings=False, isolation_cases=False)
        db = open_community_db(path)
        owner = get_meta(db, "community_id")
        figures = {}
        # The demo's part, timed alone (a second helping on the built community).
        figures["demo"], _ = _timed(lambda: idemo.add_demo(db, 99))
        rng = random.Random(5)
        today = date.today()
        grid = db.conn.execute("SELECT id FROM org_units WHERE level = 'grid'").fetchone()[0]
        rows, done, found = [], [], []
        for n in range(20_000):
            rows.append({"id": uuid7(), "community_id": owner, "name": f"商户{n:05d}",
                         "kind": rng.choice(places.DEFAULT_KINDS), "small_place": 1,
                         "street_address": f"建设路{n}号", "grid_id": grid,
                         "status": "open", "deleted": 0})
        for n in range(60_000):
            day = today - timedelta(days=rng.randint(0, 365))
            inspection = {"id": uuid7(), "community_id": owner, "subject_kind": "place",
                          "subject_id": rows[n % len(rows)]["id"],
                          "subject_name": rows[n % len(rows)]["name"],
                          "template_name": "消防安全检查", "purpose": "routine",
                          "inspected_on": day.isoformat(), "inspectors": "张三",
                          "outcome": "passed", "recorded_by": "", "deleted": 0}
            done.append(inspection)
            if n % 4 == 0:
                found.append({"id": uuid7(), "community_id": owner,
                              "inspection_id": inspection["id"], "description": "杂物堆放",
                              "due_on": (day + timedelta(days=7)).isoformat(),
                              "responsible": "店主", "closed_by": None,
                              "closed_on": None if n % 3 else day.isoformat(), "deleted": 0})
        with transaction(db):
            pq.insert_many(db, "places", rows)
            iq.insert_many(db, "inspections", done)
            iq.insert_many(db, "inspection_problems", found)

        def first_page(ids_fn, rows_fn):
            ids = ids_fn()
            return rows_fn(ids[:200])

        figures["places list"], _ = _timed(lambda: first_page(
            lambda: places.place_ids(db, text="商户1"), lambda i: places.places_by_ids(db, i)))
        figures["problems list"], _ = _timed(lambda: first_page(
            lambda: inspections.problem_ids(db, state="open"),
            lambda i: inspections.problems_by_ids(db, i)))
        figures["overdue count"], overdue = _timed(lambda: inspections.overdue_count(db))
        figures["bulletin figures"], b = _timed(
            lambda: printing.figures(db, today.strftime("%Y-%m")))
        db.conn.close()
    print(f"places {len(rows):,}, inspections {len(done):,}, problems {len(found):,}, "
          f"overdue {overdue:,}, this month's inspections {b.total.inspections:,}")
    for name, seconds in figures.items():
        target = TARGETS[name]
        print(f"  {name:<18} {seconds * 1000:8.1f} ms   target ≤ {target * 1000:.0f} ms"
              f"   {'ok' if seconds <= target else 'SLOW'}")


if __name__ == "__main__":
    main()
