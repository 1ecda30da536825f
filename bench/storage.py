"""Storage benchmark: the community file by part (data, search indexes, sync bookkeeping,
audit) before and after a full sync round with the district and the compaction that follows
it, the automatic backup's time and size at each point, and what the audit log's detail
would take compressed. Prints figures beside the targets of issue 23; asserts nothing.

    python bench/storage.py [--residents 100000] [--keep]

The community is built fresh (app.demo.build_demo, seed 7, as bench/registry.py does) in a
temporary folder, so its stamps are made by this version's capture triggers.
"""

from __future__ import annotations

import argparse
import shutil
import sqlite3
import sys
import tempfile
import time
import zlib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from measure import peak_mb  # noqa: E402

SYNC_TABLES = {"change_log", "field_clock", "row_clock", "peers", "snapshot_due",
               "sync_log", "conflicts", "sqlite_sequence"}
AUDIT_BLOCK = 256   # entries whose detail would be compressed together, once the block is full
SEARCH_PREFIXES = ("resident_search", "household_search", "resident_digits",
                   "resident_numbers")


def parts(path: Path) -> dict[str, float]:
    """MB per part, from SQLite's dbstat (each index counted with its table)."""
    conn = sqlite3.connect(path)
    owner = dict(conn.execute("SELECT name, tbl_name FROM sqlite_master"))
    out = {"data": 0.0, "search indexes": 0.0, "sync bookkeeping": 0.0, "audit": 0.0,
           "free and other": 0.0}
    for name, size in conn.execute("SELECT name, sum(pgsize) FROM dbstat GROUP BY name"):
        table = owner.get(name, name)
        if table in SYNC_TABLES:
            key = "sync bookkeeping"
        elif table.startswith(SEARCH_PREFIXES):
            key = "search indexes"
        elif table.startswith("audit"):
            key = "audit"
        elif table.startswith("sqlite_") or table == "meta":
            key = "free and other"
        else:
            key = "data"
        out[key] += size / 1e6
    page, free = (conn.execute(f"PRAGMA {p}").fetchone()[0]
                  for p in ("page_size", "freelist_count"))
    out["free and other"] += page * free / 1e6
    conn.close()
    return out


def show(label: str, path: Path) -> dict[str, float]:
    found = parts(path)
    total = path.stat().st_size / 1e6
    data = found["data"]
    print(f"\n{label}: file {total:.0f} MB (target after one acknowledged sync ≤ 250 MB)")
    for key, mb in found.items():
        print(f"  {key:<18} {mb:8.1f} MB")
    print(f"  sync bookkeeping = {found['sync bookkeeping'] / data:.2f} × the data tables "
          f"(target ≤ 2 ×)")
    return found


def auto_backup(db) -> None:
    from app.accounts import backup

    t0 = time.perf_counter()
    made = backup.auto_backup(db)
    print(f"  automatic backup: {time.perf_counter() - t0:.1f} s, "
          f"{made.path.stat().st_size / 1e6:.0f} MB (target ≤ 12 s)")


def audit_detail(path: Path) -> None:
    """The audit log's size, and what it would take with each entry's detail compressed
    (zlib, level 6): the chain hashes the detail text, which a compressed column gives back
    exactly, so the chain is checked as before."""
    conn = sqlite3.connect(path)
    raw = packed = entries = blocked = 0
    block: list[bytes] = []
    for (detail,) in conn.execute("SELECT detail FROM audit_log ORDER BY seq"):
        entries += 1
        if detail:
            data = detail.encode()
            raw += len(data)
            packed += min(len(data), len(zlib.compress(data, 6)))
            block.append(data)
        if len(block) == AUDIT_BLOCK:
            blocked += len(zlib.compress(b"\n".join(block), 6))
            block = []
    if block:
        blocked += len(zlib.compress(b"\n".join(block), 6))
    table = conn.execute("SELECT sum(pgsize) FROM dbstat WHERE name = 'audit_log'"
                         ).fetchone()[0] or 0
    conn.close()
    print(f"\naudit log: {entries:,} entries, {table / 1e6:.1f} MB; detail text "
          f"{raw / 1e6:.1f} MB, compressed per entry {packed / 1e6:.1f} MB → the log would "
          f"take about {(table - raw + packed) / 1e6:.1f} MB; closed blocks of "
          f"{AUDIT_BLOCK} entries' detail compressed together {blocked / 1e6:.1f} MB → about "
          f"{(table - raw + blocked) / 1e6:.1f} MB; either way its hash chain unchanged")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--residents", type=int, default=100_000)
    parser.add_argument("--keep", action="store_true", help="keep the files made")
    args = parser.parse_args()
    from app.database import open_community_db
    from app.demo import build_demo
    from app.sync import compaction, engine

    work = Path(tempfile.mkdtemp(prefix="griddesk-bench-storage-"))
    try:
        path = work / "community.sqlite"
        t0 = time.perf_counter()
        build_demo(path, residents=args.residents, seed=7)
        print(f"built the {args.residents:,}-resident community in "
              f"{time.perf_counter() - t0:.0f} s")
        community = open_community_db(path)
        community.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        show("before any sync", path)
        auto_backup(community)

        district = open_community_db(work / "district.sqlite", create=True)
        engine.create_district(district, "中原区", "410102")
        engine.enroll_by_files(community, district, work / "enroll")
        up, down = work / "up", work / "down"
        t0 = time.perf_counter()
        engine.export_bundles(community, district._griddesk.node_id, up)
        t1 = time.perf_counter()
        engine.import_folder(district, up)
        t2 = time.perf_counter()
        engine.export_bundles(district, community._griddesk.node_id, down)
        engine.import_folder(community, down)       # the district's acknowledgement
        print(f"\nfull sync round: community export {t1 - t0:.1f} s, district import "
              f"{t2 - t1:.1f} s, back with the acknowledgement {time.perf_counter() - t2:.1f} s")
        print(f"  page says: {compaction.status_text(community)}")
        t0 = time.perf_counter()
        done = compaction.run(community)
        print(f"compaction: {done.removed:,} entries removed, {done.packed:,} field stamps "
              f"packed, file rewritten: {time.perf_counter() - t0:.1f} s in all (of which "
              f"VACUUM {done.vacuum_seconds:.1f} s)")
        community.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        show("after the sync round and compaction", path)
        auto_backup(community)
        audit_detail(path)
        print(f"\npeak memory: {peak_mb():.0f} MB")
        community.conn.close()
        district.conn.close()
    finally:
        if args.keep:
            print(f"files kept in {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
