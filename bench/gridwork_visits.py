"""Care-visit benchmark (关爱走访): the visit board over 100,000 residents of whom about 10,000
are care-tagged, and a round of visits (record one, move to the next). Prints figures beside
the targets; asserts nothing.

    python bench/gridwork_visits.py [--db FILE]

The 100,000-resident demo (seed 7) is built in the temporary folder when missing (~1 min).
A month of care visits (app/care/demo) is added inside a transaction that is rolled back at
the end, so the file is left as it was.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from measure import DEMO_100K, ensure_demo, percentile  # noqa: E402

TARGET_BOARD_MS, TARGET_VISIT_MS = 200, 50
ROUND = 40                     # visits recorded one after another


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, default=DEMO_100K)
    args = parser.parse_args()

    from app import care
    from app.care.demo import add_demo_visits
    from app.database import open_community_db
    from ui.widgets.lazy_table import PAGE

    db = open_community_db(ensure_demo(args.db))
    today = date.today()
    residents = db.conn.execute("SELECT count(*) FROM residents WHERE deleted = 0").fetchone()[0]
    db.conn.execute("BEGIN")
    try:
        started = time.perf_counter()
        made = add_demo_visits(db, 7, today)
        print(f"set-up: a month of demo visits ({made['visits']:,} visits, {made['needs']:,} "
              f"needs, {made['vaccinations']:,} vaccinations) in "
              f"{time.perf_counter() - started:.1f} s, rolled back at the end")

        def open_board() -> care.Board:
            board = care.board(db, today)
            care.board_rows(db, board, board.ids(("overdue", "absent", "due"))[:PAGE])
            return board

        started = time.perf_counter()
        board = open_board()
        cold = time.perf_counter() - started
        times, cpu = [], []
        for _ in range(7):
            started, used = time.perf_counter(), time.process_time()
            board = open_board()
            times.append(time.perf_counter() - started)
            cpu.append(time.process_time() - used)
        counts = board.counts()
        print(f"visit board over {residents:,} residents, {counts['all']:,} to visit "
              f"({counts['overdue']:,} overdue, {counts['due']:,} due, {counts['done']:,} "
              f"visited today), with its first page of {PAGE} rows: median "
              f"{statistics.median(times) * 1000:.0f} ms (CPU {statistics.median(cpu) * 1000:.0f}"
              f" ms), first {cold * 1000:.0f} ms (target ≤ {TARGET_BOARD_MS} ms)")

        # A round: save one person's visit, update the board in place, open the next.
        current = board.next_due()
        steps = []
        for i in range(ROUND):
            if current is None:
                break
            started = time.perf_counter()
            care.record_visit(db, current, method="visit", wellbeing="good",
                              needs=["meals"] if i % 10 == 0 else (), today=today)
            board.recorded(current, "visit", today)
            nxt = board.next_due(current)
            if nxt is not None:
                care.board_rows(db, board, [current, nxt])   # the saved row, the next form
            steps.append(time.perf_counter() - started)
            current = nxt
        print(f"record a visit and move to the next ({len(steps)} in a row): median "
              f"{statistics.median(steps) * 1000:.1f} ms, p95 "
              f"{percentile(steps, 0.95) * 1000:.1f} ms (target ≤ {TARGET_VISIT_MS} ms)")
    finally:
        db.conn.execute("ROLLBACK")
        db.conn.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
