"""Sync benchmark on a 100,000-resident community: snapshot export, import at the district,
bundle size, and an incremental round trip of 1,000 changes. Prints figures; asserts nothing.

    python bench/sync.py [--residents 100000]
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--residents", type=int, default=100_000)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="griddesk-sync-bench-"))
    os.environ["GRIDDESK_DATA_DIR"] = str(work / "data")

    from app import registry
    from app.database import open_community_db
    from app.demo import build_demo
    from app.sync import engine

    cached = Path(tempfile.gettempdir()) / f"griddesk-sync-bench-{args.residents}.sqlite"
    if not cached.exists():
        t0 = time.perf_counter()
        build_demo(cached, residents=args.residents, seed=7)
        print(f"built the community in {time.perf_counter() - t0:.1f} s")
    shutil.copy(cached, work / "community.sqlite")
    community = open_community_db(work / "community.sqlite")
    district = open_community_db(work / "district.sqlite", create=True)
    engine.create_district(district, "中原区", "410102")
    request, _ = engine.write_enroll_request(community, work / "enroll")
    seen = engine.read_enroll_request(request)
    engine.accept_enroll_request(district, seen)
    engine.accept_enroll_response(
        community, engine.write_enroll_response(district, seen.node_id, work / "enroll"))
    district_node = engine.district_peer(community)["node_id"]
    community_node = seen.node_id

    t0, c0 = time.perf_counter(), time.process_time()
    paths = engine.export_bundles(community, district_node, work / "usb1")
    export_s, export_cpu = time.perf_counter() - t0, time.process_time() - c0
    size = sum(p.stat().st_size for p in paths)
    changes = sum(1 for _ in community.conn.execute("SELECT 1 FROM change_log"))
    print(f"snapshot export: {export_s:.1f} s ({export_cpu:.1f} s CPU) for {changes:,} changes "
          f"in {len(paths)} part(s), {size / 1e6:.1f} MB (target ≤ 5 s)")

    t0, c0 = time.perf_counter(), time.process_time()
    outcomes = engine.import_folder(district, work / "usb1")
    import_s, import_cpu = time.perf_counter() - t0, time.process_time() - c0
    applied = sum(o.applied for o in outcomes)
    statuses = sorted({o.status for o in outcomes})
    district.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db_mb = (work / "district.sqlite").stat().st_size / 1e6
    print(f"snapshot import at the district: {import_s:.1f} s ({import_cpu:.1f} s CPU), "
          f"{applied:,} field values ({len(outcomes)} part(s) {', '.join(statuses)}); "
          f"district database {db_mb:.0f} MB (target ≤ 10 s)")

    # Acknowledge the snapshot so the round trip below carries only the new changes.
    engine.export_bundles(district, community_node, work / "ack")
    engine.import_folder(community, work / "ack")

    ids = [r[0] for r in community.conn.execute(
        "SELECT id FROM residents WHERE deleted = 0 LIMIT 1000")]
    for i, rid in enumerate(ids):
        registry.edit_resident(community, rid, {"phone": f"1390000{i:04d}"})
    t0, c0 = time.perf_counter(), time.process_time()
    engine.export_bundles(community, district_node, work / "usb2")
    result = engine.import_folder(district, work / "usb2")
    engine.export_bundles(district, community_node, work / "usb3")
    back = engine.import_folder(community, work / "usb3")
    round_s, round_cpu = time.perf_counter() - t0, time.process_time() - c0
    print(f"incremental round trip of {len(ids):,} changes (export, import, ack back): "
          f"{round_s:.2f} s ({round_cpu:.2f} s CPU); applied {result[0].applied}, "
          f"ack {back[0].status} (target ≤ 0.5 s)")
    # Wall seconds on a shared machine grow with other work; CPU seconds are this process's.
    print(f"load average during the run: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
