"""Backup benchmark on a 100,000-resident community: time, size and memory of an automatic
backup, a passphrase backup, and a restore. Prints figures; asserts nothing. Usage:
    python bench/backup.py [--residents 100000] [--db FILE]
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from measure import peak_mb  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--residents", type=int, default=100_000)
    parser.add_argument("--db", type=Path)
    args = parser.parse_args()
    from app.accounts import backup
    from app.database import open_community_db
    from app.demo import build_demo

    source = args.db or Path(tempfile.gettempdir()) / f"griddesk-bench-{args.residents}.sqlite"
    if not source.exists():
        build_demo(source, residents=args.residents, seed=7)
    work = Path(tempfile.mkdtemp(prefix="griddesk-bench-backup-"))
    try:
        db_path = work / "griddesk.sqlite"
        open_community_db(source).conn.close()          # this version's schema, WAL folded in
        shutil.copy(source, db_path)
        db = open_community_db(db_path)
        size = db_path.stat().st_size / 1e6
        print(f"database: {size:.0f} MB; peak memory before: {peak_mb():.0f} MB")

        t0 = time.perf_counter()
        auto = backup.auto_backup(db)
        print(f"automatic backup (copy, compress, checksum, write, read back): "
              f"{time.perf_counter() - t0:.1f} s, file {auto.path.stat().st_size / 1e6:.0f} MB")
        t0 = time.perf_counter()
        made = backup.create_backup(db, work / "usb", passphrase="长江路社区2026")
        print(f"passphrase backup (Argon2id 256 MiB + the same): "
              f"{time.perf_counter() - t0:.1f} s, file {made.path.stat().st_size / 1e6:.0f} MB")
        t0 = time.perf_counter()
        backup.inspect_backup(made.path, "长江路社区2026")
        print(f"show date and counts before restoring: {time.perf_counter() - t0:.2f} s")
        db.conn.close()
        t0 = time.perf_counter()
        backup.restore_backup(made.path, db_path, "长江路社区2026")
        print(f"restore (check every byte, unpack, quick_check, new node, swap): "
              f"{time.perf_counter() - t0:.1f} s")
        print(f"peak memory of the process: {peak_mb():.0f} MB (database {size:.0f} MB)")
    finally:
        shutil.rmtree(work)


if __name__ == "__main__":
    main()
