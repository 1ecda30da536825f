"""Column-set benchmark (issue 23, migration 0024): converting a file's packed stamps from the
old layout (each row_clock entry with its column list as text) to column sets, on a copy of a
100,000-resident community: the migration's time (the SQL alone, and opening the file with
its usual backup first), and row_clock's size before and after. Prints figures; asserts
nothing.

    python bench/clock_columns.py [FILE]

FILE: a community file to copy, e.g. the one bench/storage.py --keep leaves after its sync
round and compaction; without it, bench/measure.py's cached 100,000-resident demo.
"""

from __future__ import annotations

import shutil
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from measure import DEMO_100K, ensure_demo  # noqa: E402

# The layout before migration 0024 (what tests/app/sync/test_clock_columns.py builds too).
TO_OLD = (
    "BEGIN;"
    "CREATE TEMP TABLE old AS SELECT r.tbl, r.row_id, k.cols, r.hlcs FROM row_clock r "
    "JOIN clock_columns k ON k.id = r.cols_id;"
    "DROP TABLE row_clock; DROP TABLE clock_columns;"
    "CREATE TABLE row_clock (tbl TEXT NOT NULL, row_id TEXT NOT NULL, cols TEXT NOT NULL,"
    " hlcs TEXT NOT NULL, PRIMARY KEY (tbl, row_id)) WITHOUT ROWID;"
    "INSERT INTO row_clock SELECT * FROM temp.old ORDER BY tbl, row_id;"
    "PRAGMA user_version = 23; COMMIT;")


def row_clock_mb(path: Path) -> tuple[int, float]:
    conn = sqlite3.connect(path)
    rows = conn.execute("SELECT count(*) FROM row_clock").fetchone()[0]
    size = conn.execute("SELECT sum(pgsize) FROM dbstat WHERE name IN "
                        "('row_clock', 'clock_columns', 'sqlite_autoindex_clock_columns_1')"
                        ).fetchone()[0]
    conn.close()
    return rows, size / 1e6


def main() -> None:
    source = Path(sys.argv[1]) if len(sys.argv) > 1 else ensure_demo(DEMO_100K)
    work = Path(tempfile.mkdtemp(prefix="griddesk-bench-clock-"))
    try:
        from app.database import open_community_db

        path = work / "community.sqlite"
        shutil.copy(source, path)
        conn = sqlite3.connect(path, isolation_level=None)
        if conn.execute("SELECT 1 FROM pragma_table_info('row_clock') WHERE name = 'cols_id'"
                        ).fetchone():
            conn.executescript(TO_OLD)
        else:   # a file made before this change: the old layout, marked as migrated
            conn.execute("PRAGMA user_version = 23")
        conn.execute("VACUUM")
        conn.close()
        rows, before = row_clock_mb(path)
        print(f"old layout: {rows:,} row_clock entries, {before:.1f} MB")

        copy = work / "sql-only.sqlite"
        shutil.copy(path, copy)
        conn = sqlite3.connect(copy, isolation_level=None)
        sql = (ROOT / "db" / "migrations" / "0024_clock_column_sets.sql").read_text()
        t0 = time.perf_counter()
        conn.executescript(f"BEGIN;\n{sql}\n;COMMIT;")
        print(f"migration 0024, the SQL alone: {time.perf_counter() - t0:.1f} s")
        conn.close()

        t0 = time.perf_counter()
        db = open_community_db(path)   # the usual backup, the migration, the triggers
        print(f"opening the file (backup, migration, triggers): {time.perf_counter() - t0:.1f} s")
        lists = db.conn.execute("SELECT count(*) FROM clock_columns").fetchone()[0]
        db.conn.execute("VACUUM")
        db.conn.close()
        rows, after = row_clock_mb(path)
        print(f"column sets: {rows:,} entries, {lists} column lists, {after:.1f} MB "
              f"(was {before:.1f} MB; target for all sync bookkeeping ≤ 25 MB)")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
