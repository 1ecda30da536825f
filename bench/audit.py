"""Audit capture cost: bulk writes of a large community with and without the audit triggers.

Builds the synthetic demo community and imports its residents ledger into a fresh database,
once as shipped and once with the audit triggers dropped, then times a full chain check.
Prints wall and CPU time (SQLite runs in this process, so CPU time is steadier on a busy
machine). Prints figures; asserts nothing. Usage:
    python bench/audit.py [--residents 100000]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def run(residents: int, work: Path, audited: bool) -> dict[str, float]:
    from app.database import community_info, create_community, open_community_db
    from app.demo import build_demo
    from app.ledger import exporter as ledger_export
    from app.ledger import importer as ledger_import
    from db import audit

    real = audit.install_triggers
    if not audited:
        audit.install_triggers = lambda db: None  # as before issue 7: no audit triggers
    try:
        label = "audited" if audited else "no-audit"
        path = work / f"demo-{label}.sqlite"
        t0, c0 = time.perf_counter(), time.process_time()
        build_demo(path, residents=residents, seed=7)
        t_build, c_build = time.perf_counter() - t0, time.process_time() - c0
        source = open_community_db(path)
        info = community_info(source)
        ledger_file = work / f"residents-{label}.xlsx"
        ledger_export.export_ledger(source, "residents", ledger_file)
        entries = audit.count(source)
        source.conn.close()
        fresh = open_community_db(work / f"fresh-{label}.sqlite", create=True)
        create_community(fresh, info.name, info.code, info.street, info.district)
        ledger = ledger_import.read_ledger(ledger_file)
        mapping = ledger_import.guess_mapping(ledger)
        t0, c0 = time.perf_counter(), time.process_time()
        ledger_import.import_ledger(fresh, ledger, mapping)
        t_import, c_import = time.perf_counter() - t0, time.process_time() - c0
        fresh.conn.close()
        return {"build": t_build, "import": t_import, "build_cpu": c_build,
                "import_cpu": c_import, "entries": entries,
                "size": path.stat().st_size / 1e6}
    finally:
        audit.install_triggers = real


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--residents", type=int, default=100_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="griddesk-audit-") as tmp:
        work = Path(tmp)
        before = run(args.residents, work, audited=False)
        after = run(args.residents, work, audited=True)
        for what, name in (("build", "build demo community"),
                           ("import", "import residents ledger into a fresh community")):
            cpu = what + "_cpu"
            print(f"{name}: {before[what]:.1f} s without audit triggers, "
                  f"{after[what]:.1f} s with ({after[what] / before[what] - 1:+.0%}); "
                  f"CPU {before[cpu]:.1f} s → {after[cpu]:.1f} s "
                  f"({after[cpu] / before[cpu] - 1:+.0%})")
        print(f"demo database: {before['size']:.0f} MB → {after['size']:.0f} MB "
              f"({after['entries']:,} audit entries)")
        from app.database import open_community_db
        from db import audit

        db = open_community_db(work / "demo-audited.sqlite")
        t0 = time.perf_counter()
        problems = [p for _seq, p in audit.walk(db) if p]
        print(f"verify the chain of {after['entries']:,} entries: "
              f"{time.perf_counter() - t0:.1f} s, {len(problems)} problems")
        db.conn.close()


if __name__ == "__main__":
    main()
