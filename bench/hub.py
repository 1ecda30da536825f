"""The hub facing a network: the real `griddesk hub` process on 127.0.0.1 under load. Prints
figures; asserts nothing.

    python bench/hub.py [--idle 3000] [--uploads 200] [--residents 1000] [--examples 100]

- memory of the hub under 8 concurrent 250 MB uploads from unknown senders;
- /health latency while --idle idle or half-sent connections are open, the hub running under
  the common limit of 1,024 descriptors;
- /health latency during --uploads concurrent uploads of one community's bundle;
- schemathesis against every endpoint: test cases, failures, errors.

All traffic goes to 127.0.0.1, bounded in count; the load is generated on the same machine,
so latencies include its competition for the CPU.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from measure import percentile  # noqa: E402

MB = 1024 * 1024


def latency_line(values: list[float]) -> str:
    return (f"median {percentile(values, 0.5) * 1000:.1f} ms, p99 "
            f"{percentile(values, 0.99) * 1000:.1f} ms, max {max(values) * 1000:.1f} ms "
            f"({len(values)} calls)")


def strangers(hub, hubload) -> None:
    before = hub.status()
    head = hubload.stranger_head("nobody", "somebody", 250 * MB)
    results = []
    threads = [threading.Thread(target=lambda: results.append(
        hubload.stream_upload(hub.port, head, len(head) + 250 * MB))) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    after = hub.status()
    print(f"8 x 250 MB uploads from unknown senders: hub memory {before['rss']} MB before, "
          f"peak {after['hwm']} MB; statuses {sorted(str(s) for s, _ in results)}; the hub took "
          f"{max(sent for _, sent in results) / MB:.1f} MB of one at most")


def idle(district, hubload, count: int) -> None:
    own = hubload.raise_own_fd_limit(count + 200)
    count = min(count, own - 200)
    hub = hubload.start_hub(*district, fd_limit=1024)
    socks = []
    try:
        started = time.perf_counter()
        socks = hubload.open_idle(hub.port, count)
        opened = time.perf_counter() - started
        latencies = [hubload.health(hub.port, timeout=10) for _ in range(20)]
        print(f"/health with {count} idle or half-sent connections opened ({opened:.1f} s to "
              f"open them), hub limited to 1,024 descriptors, holding {hub.open_fds()}: "
              f"{latency_line(latencies)}")
        started = time.perf_counter()
        while not all(hubload.closed_by_peer(s) for s in socks):
            if time.perf_counter() - started > 30:
                break
            time.sleep(0.25)
        print(f"  the hub had closed {sum(hubload.closed_by_peer(s) for s in socks)} of them "
              f"{time.perf_counter() - started + opened:.1f} s after the first was opened")
    finally:
        for s in socks:
            s.close()
        hub.stop()


def burst(hub, hubload, data: bytes, uploads: int) -> None:
    started = time.perf_counter()
    running = hubload.start_burst(hub.port, data, uploads)
    latencies = []
    while not running.done():
        latencies.append(hubload.health(hub.port, timeout=60))
        time.sleep(0.02)
    statuses = running.result()
    print(f"{uploads} concurrent uploads of a {len(data) / 1024:.0f} KB bundle: done in "
          f"{time.perf_counter() - started:.1f} s, statuses "
          f"{ {s: statuses.count(s) for s in set(statuses)} }; /health during them: "
          f"{latency_line(latencies)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--idle", type=int, default=3000)
    parser.add_argument("--uploads", type=int, default=200)
    parser.add_argument("--residents", type=int, default=1000)
    parser.add_argument("--examples", type=int, default=100)
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="griddesk-bench-hub-"))
    os.environ["GRIDDESK_DATA_DIR"] = str(work / "data")
    from app.database import open_community_db
    from app.demo import build_demo
    from app.sync import engine
    from tests.e2e import hubload
    from tests.e2e.test_hub_schema import run_schemathesis

    district = hubload.init_district(work)
    build_demo(work / "community.sqlite", residents=args.residents, seed=7)
    community = open_community_db(work / "community.sqlite")
    district_db = open_community_db(district[0])
    engine.enroll_by_files(community, district_db, work / "enroll")
    district_db.conn.close()
    (_name, data, _count), = engine.build_bundles(
        community, engine.district_peer(community)["node_id"])

    hub = hubload.start_hub(*district)
    try:
        print(f"hub at rest: {hub.status()['rss']} MB; /health "
              f"{latency_line([hubload.health(hub.port) for _ in range(20)])}")
        strangers(hub, hubload)
        burst(hub, hubload, data, args.uploads)
    finally:
        hub.stop()
    idle(district, hubload, args.idle)

    hub = hubload.start_hub(*district)
    try:
        started = time.perf_counter()
        done, report = run_schemathesis(hub.url, work / "schemathesis.json", args.examples)
        cases = report["test_cases"]
        print(f"schemathesis ({args.examples} examples per endpoint and phase, "
              f"{time.perf_counter() - started:.0f} s): {report['operations']['tested']} "
              f"operations, {cases['generated']} test cases, {cases['with_failures']} with "
              f"failures, {len(report['errors'])} errors (exit {done.returncode})")
    finally:
        hub.stop()


if __name__ == "__main__":
    main()
