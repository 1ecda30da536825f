"""Restore snapshot benchmark: a community restored from a backup re-enrolls, and the district
answers it with everything it holds for the community (app/sync/engine.build_bundles with
db/snapshot). Prints the district's export time and peak memory, the parts, and the import at
the restored office (which holds nearly every row already). Asserts nothing.

    python bench/restore_snapshot.py [--residents 100000]
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from measure import DEMO_100K, ensure_demo  # noqa: E402


def peak_mb() -> float:
    """This process's peak resident memory (VmHWM: unlike ru_maxrss, not carried over from
    the parent across exec)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def export_only(work: Path, peer: str) -> None:
    """In a fresh process: the district's export for the restored node, time and peak RSS."""
    os.environ["GRIDDESK_DATA_DIR"] = str(work / "data")
    from app.database import open_community_db
    from app.sync import engine

    district = open_community_db(work / "district.sqlite")
    before = peak_mb()
    started = time.perf_counter()
    paths = engine.export_bundles(district, peer, work / "snapshot")
    wall = time.perf_counter() - started
    size = sum(p.stat().st_size for p in paths)
    print(f"district export for the restored node: {len(paths)} part(s), {size / 1e6:.1f} MB, "
          f"{wall:.1f} s; peak memory {peak_mb():.0f} MB (after opening: {before:.0f} MB)")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--residents", type=int, default=100_000)
    parser.add_argument("--export-only", nargs=2, metavar=("WORK", "PEER"))
    args = parser.parse_args()
    if args.export_only:
        export_only(Path(args.export_only[0]), args.export_only[1])
        return
    work = Path(tempfile.mkdtemp(prefix="griddesk-snapshot-bench-"))
    os.environ["GRIDDESK_DATA_DIR"] = str(work / "data")

    from app.database import open_community_db
    from app.sync import engine, enrollment
    from db import backup as backup_db

    cached = ensure_demo(DEMO_100K if args.residents == 100_000 else Path(
        tempfile.gettempdir()) / f"griddesk-bench-{args.residents}.sqlite", args.residents)
    shutil.copy(cached, work / "community.sqlite")
    community = open_community_db(work / "community.sqlite")
    district = open_community_db(work / "district.sqlite", create=True)
    engine.create_district(district, "中原区", "410102")
    engine.enroll_by_files(community, district, work / "enroll")
    district_node = engine.district_peer(community)["node_id"]
    started = time.perf_counter()
    engine.export_bundles(community, district_node, work / "up")
    engine.import_folder(district, work / "up")
    print(f"the community's first snapshot reached the district in "
          f"{time.perf_counter() - started:.0f} s")
    community.conn.close()

    # The office restores its backup (here: the database as it was, under a new identity, as
    # app.accounts.backup.restore_backup makes it) and re-enrolls; the district confirms.
    restored = work / "restored.sqlite"
    shutil.copy(work / "community.sqlite", restored)
    with sqlite3.connect(restored) as conn:
        backup_db.renew_identity(conn, "2026-12-05T20:00:00")
    conn.close()
    office = open_community_db(restored)
    request, _spoken = engine.write_enroll_request(office, work / "enroll-2")
    seen = engine.read_enroll_request(request)
    if engine.accept_enroll_request(district, seen) == "pending":
        enrollment.confirm(district, enrollment.pending(district)[0].id)
    engine.accept_enroll_response(office, engine.write_enroll_response(
        district, seen.node_id, work / "enroll-2"))
    district.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    district.conn.close()

    subprocess.run([sys.executable, __file__, "--export-only", str(work), seen.node_id],
                   check=True)
    started = time.perf_counter()
    outcomes = engine.import_folder(office, work / "snapshot")
    print(f"import at the restored office: {time.perf_counter() - started:.1f} s, "
          f"{sum(o.applied for o in outcomes):,} values applied, "
          f"{sum(o.details.get('stale', 0) for o in outcomes):,} older, statuses "
          f"{sorted({o.status for o in outcomes})}; peak memory {peak_mb():.0f} MB")
    print(f"load average: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
