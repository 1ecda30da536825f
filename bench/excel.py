"""Ledger benchmark: export the demo community's residents ledger to .xlsx, then read, dry-run
and import that file into a fresh community database. Prints figures; asserts nothing.

    python bench/excel.py [--residents 100000] [--small 20000] [--keep]

Runs the issue's 20,000-row case first (targets: dry run ≤ 10 s, import ≤ 15 s), then the
100,000-resident demo (target: export ≤ 20 s). Demo databases are built into the temporary
folder once (seed 7) and reused.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from measure import peak_mb  # noqa: E402


def demo_db(residents: int) -> Path:
    from app.demo import build_demo

    path = Path(tempfile.gettempdir()) / f"griddesk-bench-{residents}.sqlite"
    if not path.exists():
        t0 = time.perf_counter()
        summary = build_demo(path, residents=residents, seed=7)
        print(f"built demo community ({summary['residents']} residents) in "
              f"{time.perf_counter() - t0:.1f} s → {path}")
    return path


def run(residents: int, work: Path, targets: dict[str, float]) -> None:
    from app.database import community_info, create_community, open_community_db
    from app.ledger import exporter as ledger_export
    from app.ledger import importer as ledger_import

    def target(name: str) -> str:
        return f" (target ≤ {targets[name]:.0f} s)" if name in targets else ""

    print(f"\n== {residents:,} residents ==")
    source = open_community_db(demo_db(residents))
    info = community_info(source)
    out = work / f"residents-{residents}.xlsx"
    t0 = time.perf_counter()
    rows = ledger_export.export_ledger(source, "residents", out)
    t_export = time.perf_counter() - t0
    print(f"export residents ledger: {rows:,} rows in {t_export:.1f} s "
          f"({rows / t_export:,.0f} rows/s, {out.stat().st_size / 1e6:.1f} MB){target('export')}")
    t0 = time.perf_counter()
    households = ledger_export.export_ledger(source, "households", work / "households.xlsx")
    print(f"export households ledger: {households:,} rows in {time.perf_counter() - t0:.1f} s")
    source.conn.close()

    fresh_path = work / f"fresh-{residents}.sqlite"
    fresh = open_community_db(fresh_path, create=True)
    create_community(fresh, info.name, info.code, info.street, info.district)

    t0 = time.perf_counter()
    ledger = ledger_import.read_ledger(out)
    t_read = time.perf_counter() - t0
    mapping = ledger_import.guess_mapping(ledger)
    t1 = time.perf_counter()
    plan = ledger_import.plan_import(fresh, ledger, mapping)
    t_check = time.perf_counter() - t1
    t_dry = t_read + t_check
    print(f"dry run: {plan.data_rows:,} rows in {t_dry:.1f} s (reading {t_read:.1f} s, "
          f"checking {t_check:.1f} s; {plan.data_rows / t_dry:,.0f} rows/s; "
          f"{len(plan.problems)} problems){target('dry_run')}")
    del plan   # as the dialog does: the import works the plan out again
    t0 = time.perf_counter()
    done = ledger_import.import_ledger(fresh, ledger, mapping)
    t_import = time.perf_counter() - t0
    print(f"import into a fresh community: {done.new_residents:,} residents, "
          f"{done.new_households:,} households, {len(done.new_party_members):,} Party members "
          f"in {t_import:.1f} s ({done.new_residents / t_import:,.0f} rows/s; "
          f"with reading: {t_read + t_import:.1f} s){target('import')}")
    t0 = time.perf_counter()
    again = ledger_import.plan_import(fresh, ledger, mapping)
    print(f"dry run of the same file again: {again.unchanged_residents:,} unchanged, "
          f"{len(again.updated_residents)} updated, {again.new_residents} new "
          f"in {time.perf_counter() - t0:.1f} s (reading not counted)")
    fresh.conn.close()
    print(f"peak memory so far: {peak_mb():.0f} MB")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--residents", type=int, default=100_000)
    parser.add_argument("--small", type=int, default=20_000)
    parser.add_argument("--keep", action="store_true", help="keep the exported files")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="griddesk-ledger-") as tmp:
        work = Path(tmp)
        if args.small:
            run(args.small, work, {"dry_run": 10, "import": 15})
        if args.residents:
            run(args.residents, work, {"export": 20})
        if args.keep:
            import shutil

            kept = Path(tempfile.gettempdir()) / "griddesk-ledger-bench"
            shutil.copytree(work, kept, dirs_exist_ok=True)
            print(f"files kept in {kept}")


if __name__ == "__main__":
    main()
