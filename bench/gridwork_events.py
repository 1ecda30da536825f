"""Grid events benchmark: the events list with its filters over 50,000 events in a community
of 100,000 residents. Prints figures beside the targets; asserts nothing.

    python bench/gridwork_events.py [--db FILE] [--events 50000]

Works on a copy of the 100,000-resident demo (seed 7, built in the temporary folder when
missing), with the demo's events generator run for --events more (change capture off while
they are added: they are the scenario, not the measurement). Each figure is what the page
does on a filter change: the matching ids (SQL filters and sorts) and the first page of 200
rows the lazy list shows.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from measure import DEMO_100K, ensure_demo  # noqa: E402

TARGET_LIST_MS = 200
PAGE = 200


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, default=DEMO_100K)
    parser.add_argument("--events", type=int, default=50_000)
    args = parser.parse_args()

    from app import incidents
    from app.database import open_community_db
    from app.incidents.demo import add_demo_incidents
    from db.node import node_state

    source = ensure_demo(args.db)
    with tempfile.TemporaryDirectory(prefix="griddesk-bench-events-") as tmp:
        path = Path(tmp) / "events.sqlite"
        shutil.copy(source, path)
        db = open_community_db(path)
        started = time.perf_counter()
        with node_state(db).logging_suppressed():
            add_demo_incidents(db, 7, total=args.events)
        db.conn.execute("ANALYZE")
        events = db.conn.execute("SELECT count(*) FROM incidents WHERE deleted = 0"
                                 ).fetchone()[0]
        residents = db.conn.execute("SELECT count(*) FROM residents WHERE deleted = 0"
                                    ).fetchone()[0]
        print(f"{events:,} events among {residents:,} residents "
              f"(added in {time.perf_counter() - started:.1f} s)")
        grid = incidents.grid_choices(db)[0][0]
        week = (datetime.now() - timedelta(days=7)).isoformat(timespec="seconds")
        cases = {
            "全部（无筛选）": incidents.Filters(),
            "未办结": incidents.Filters(statuses=("open", "assigned", "escalated")),
            "超期未办": incidents.Filters(overdue=True),
            "类型=设施损坏": incidents.Filters(kind="设施损坏"),
            "只看诉求 + 一个网格": incidents.Filters(category="request", grid_id=grid),
            "已上报区里，待区里办结": incidents.Filters(escalated=True, district_done=False),
            "近7天 + 搜索“漏水”": incidents.Filters(since=week, text="漏水"),
            "已回访 + 类型 + 网格": incidents.Filters(statuses=("closed",), kind="环境卫生",
                                                 grid_id=grid),
        }
        worst = 0.0
        for name, filters in cases.items():
            times = []
            for _ in range(5):
                started = time.perf_counter()
                ids = incidents.list_ids(db, filters)
                incidents.rows(db, ids[:PAGE])
                times.append(time.perf_counter() - started)
            median = statistics.median(times) * 1000
            worst = max(worst, median)
            print(f"  {name}: {len(ids):,} events, median {median:.0f} ms, "
                  f"slowest {max(times) * 1000:.0f} ms (target ≤ {TARGET_LIST_MS} ms)")
        print(f"events list with filters: worst median {worst:.0f} ms "
              f"(target ≤ {TARGET_LIST_MS} ms) {'OK' if worst <= TARGET_LIST_MS else 'SLOW'}")
        started = time.perf_counter()
        figures = incidents.counts(db)
        print(f"概览 figures (open {figures['open']:,}, overdue {figures['overdue']:,}, "
              f"escalated {figures['escalated']:,}): "
              f"{(time.perf_counter() - started) * 1000:.0f} ms")
        db.conn.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
