"""Pairing benchmark: suggestions for 30,000 unpaired households with 1,500 members, and
coverage over 100,000 residents. Prints figures against the targets; asserts nothing.

    python bench/pairing.py [--db FILE]

The 100,000-resident demo (seed 7) is built in the temporary folder when missing (~1 min).
The suggestion scenario is set up inside a transaction that is rolled back: every pairing
ended, members beyond 1,500 and households beyond 30,000 (address order) set aside.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from measure import DEMO_100K, ensure_demo  # noqa: E402

HOUSEHOLDS, MEMBERS = 30_000, 1_500
TARGET_SUGGEST_S, TARGET_COVERAGE_MS = 2.0, 200


def timed(fn, runs: int) -> tuple[float, list[float], object]:
    times, result = [], None
    for _ in range(runs):
        started = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times), times, result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, default=DEMO_100K)
    args = parser.parse_args()

    from app import pairing
    from app.database import open_community_db
    from db import pairing as store
    from db.node import node_state

    db = open_community_db(ensure_demo(args.db))
    residents = db.conn.execute("SELECT count(*) FROM residents WHERE deleted = 0").fetchone()[0]

    # Coverage: the 党员联户 page and 概览 compute it on every load.
    started = time.perf_counter()
    cover = pairing.coverage(db)
    cold = time.perf_counter() - started
    median, _, cover = timed(lambda: pairing.coverage(db), 7)
    print(f"coverage over {residents:,} residents / {cover.households:,} households "
          f"({cover.paired:,} paired, {len(cover.grids)} grids, {len(cover.buildings)} "
          f"buildings): median {median * 1000:.0f} ms, first {cold * 1000:.0f} ms "
          f"(target ≤ {TARGET_COVERAGE_MS} ms)")
    median, _, _ = timed(lambda: pairing.unpaired_household_ids(db), 5)
    print(f"unpaired household list: median {median * 1000:.0f} ms")

    # Suggestions: set up 30,000 unpaired households and 1,500 members, then roll back.
    state = node_state(db)
    db.conn.execute("BEGIN")
    try:
        with state.logging_suppressed():
            db.conn.execute("UPDATE pairings SET ended_on = '2026-01-01', end_reason = 'ended' "
                            "WHERE ended_on IS NULL")
            keep = set(store.unpaired_household_ids(db)[:HOUSEHOLDS])
            gone = [(h,) for (h,) in db.conn.execute("SELECT id FROM households WHERE deleted = 0")
                    if h not in keep]
            db.conn.executemany("UPDATE households SET deleted = 1 WHERE id = ?", gone)
            db.conn.executemany("UPDATE residents SET deleted = 1 WHERE household_id = ?", gone)
            # 1,500 members: those living in the households kept, and those living outside.
            db.conn.execute(
                "UPDATE party_members SET deleted = 1 WHERE deleted = 0 AND id NOT IN "
                "(SELECT m.id FROM party_members m LEFT JOIN residents r ON r.id = m.resident_id "
                " WHERE m.deleted = 0 AND (m.resident_id IS NULL OR r.deleted = 0) "
                " ORDER BY m.id LIMIT ?)", (MEMBERS,))
        median, times, plan = timed(lambda: pairing.suggest_pairings(db), 5)
        members = db.conn.execute(
            "SELECT count(*) FROM party_members WHERE deleted = 0").fetchone()[0]
        print(f"suggest for {len(plan.lines) + len(plan.unplaced):,} unpaired households with "
              f"{members:,} members: median {median:.2f} s, runs "
              f"{', '.join(f'{t:.2f}' for t in times)} s (target ≤ {TARGET_SUGGEST_S:.0f} s)")
        outside = db.conn.execute("SELECT count(*) FROM party_members WHERE deleted = 0 "
                                  "AND resident_id IS NULL").fetchone()[0]
        print(f"  {outside} of the members live outside the community")
        loads = Counter(line.member_id for line in plan.lines)
        tiers = Counter(pairing.TIER_LABELS[line.tier] for line in plan.lines)
        print(f"  placed {len(plan.lines):,}, unplaced {len(plan.unplaced):,}; loads "
              f"min {min(loads.values())} / max {max(loads.values())} (limit {plan.limit}); "
              + "，".join(f"{k} {v:,}" for k, v in tiers.most_common()))
        started = time.perf_counter()
        written = pairing.accept_suggestions(
            db, [(line.household_id, line.member_id) for line in plan.lines])
        print(f"  accepting all {written:,} in one transaction, change capture on: "
              f"{time.perf_counter() - started:.2f} s")
    finally:
        db.conn.execute("ROLLBACK")
        db.conn.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
