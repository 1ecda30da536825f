"""Storage benchmark: the community file by part (data, search indexes, sync bookkeeping,
audit) before and after a full sync round with the district and the compaction that follows
it (which also seals the audit log's older entries into compressed blocks), the automatic
backup's time and size at each point, and the audit log before and after sealing with the
person page's and the 审计 page's read times. Prints figures beside the targets of issue 23;
asserts nothing.

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
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from measure import peak_mb  # noqa: E402

SYNC_TABLES = {"change_log", "field_clock", "row_clock", "clock_columns", "peers", "snapshot_due",
               "sync_log", "conflicts", "sqlite_sequence"}
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


def person_ms(db) -> float:
    """The person page's file (app.person.person_file) of one resident, median of 5, ms:
    its timeline reads the resident's and household's audit entries, sealed or live."""
    import statistics

    from app import accounts, person

    accounts.attach(db, accounts.UNCLAIMED)
    someone = db.conn.execute("SELECT id FROM residents WHERE deleted = 0 ORDER BY id "
                              "LIMIT 1 OFFSET 5000").fetchone()[0]
    times = []
    for _ in range(5):
        t0 = time.perf_counter()
        person.person_file(db, someone)
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times)


def audit_searches(db) -> str:
    """The 审计 page's reads (db.audit.entries, limit 5000), ms: the default list, and
    searches that look through every entry, sealed or live."""
    from db import audit

    out = []
    for label, filters in (("newest", {}), ("text", {"text": "不存在的文字"}),
                           ("action", {"actions": ["update", "undelete"]}),
                           ("actor", {"actor": "nobody"})):
        t0 = time.perf_counter()
        audit.entries(db, **filters)
        out.append(f"{label} {(time.perf_counter() - t0) * 1000:.0f}")
    return ", ".join(out) + " ms"


def audit_detail(path: Path, before_mb: float, person_before: float,
                 searches_before: str) -> None:
    """The audit log before and after sealing (compaction.run seals all but the newest
    entries into compressed blocks, db/audit_sealed.py; the hash chain is unchanged and
    checked whole), and what the person page and the 审计 page's searches take."""
    from app.database import open_community_db
    from db import audit

    conn = sqlite3.connect(path)
    sizes = dict(conn.execute("SELECT name, sum(pgsize) FROM dbstat WHERE name LIKE 'audit%' "
                              "GROUP BY name"))
    blocks, sealed = conn.execute("SELECT count(*), COALESCE(sum(entries), 0) "
                                  "FROM audit_sealed").fetchone()
    live = conn.execute("SELECT count(*) FROM audit_log").fetchone()[0]
    conn.close()
    mb = {k: v / 1e6 for k, v in sizes.items()}
    db = open_community_db(path)
    t0 = time.perf_counter()
    problems = sum(1 for _seq, p in audit.walk(db) if p)
    walked = time.perf_counter() - t0
    print(f"\naudit log: {live + sealed:,} entries, {sealed:,} sealed in {blocks} blocks, "
          f"{live:,} live; {before_mb:.1f} MB before sealing → {sum(mb.values()):.1f} MB "
          f"(target ≤ 30 MB; audit_log {mb.get('audit_log', 0):.1f}, its row index "
          f"{mb.get('audit_log_row', 0):.1f}, blocks {mb.get('audit_sealed', 0):.1f}, "
          f"row look-up {mb.get('audit_sealed_rows', 0):.1f})")
    print(f"  chain verified across blocks and tail: {walked:.1f} s, {problems} problems")
    print(f"  person page (file of one resident): {person_before:.1f} ms before sealing → "
          f"{person_ms(db):.1f} ms (target ≤ 150 ms)")
    print(f"  审计 page reads before sealing: {searches_before}")
    print(f"  审计 page reads after sealing:  {audit_searches(db)}")
    db.conn.close()


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
        before = show("before any sync", path)
        auto_backup(community)
        person_before, searches_before = person_ms(community), audit_searches(community)

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
              f"packed, {done.sealed:,} audit entries sealed, file rewritten: "
              f"{time.perf_counter() - t0:.1f} s in all (of which VACUUM "
              f"{done.vacuum_seconds:.1f} s)")
        community.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        show("after the sync round and compaction", path)
        auto_backup(community)
        audit_detail(path, before["audit"], person_before, searches_before)
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
