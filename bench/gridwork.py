"""Everyday grid work benchmark (issue 17): both halves' measures at 100,000 residents, about
10,000 of them care-tagged, and 50,000 events. Prints figures beside the targets; asserts
nothing.

    python bench/gridwork.py [--db FILE] [--events 50000]

Targets: the visit board opens ≤ 200 ms; recording a visit and moving to the next ≤ 50 ms
(bench/gridwork_visits.py); the events list with filters ≤ 200 ms (bench/gridwork_events.py).
Both run on the same 100,000-resident demo (seed 7, built once in the temporary folder) and
leave it as it was: the visits are rolled back, the events are added to a copy.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import gridwork_events  # noqa: E402
import gridwork_visits  # noqa: E402
from measure import DEMO_100K  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, default=DEMO_100K)
    parser.add_argument("--events", type=int, default=50_000)
    args = parser.parse_args()
    program = sys.argv[0]
    print("== 关爱走访: the visit board and a round of visits ==", flush=True)
    sys.argv = [program, "--db", str(args.db)]
    status = gridwork_visits.main()
    print("== 事件诉求: the events list with its filters ==", flush=True)
    sys.argv = [program, "--db", str(args.db), "--events", str(args.events)]
    return status or gridwork_events.main()


if __name__ == "__main__":
    raise SystemExit(main())
