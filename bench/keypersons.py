"""Key-person benchmark: a district of 20 communities × 10,000 residents (bench/district.py's,
reused) and a list of 10,000 people (70% matching by ID number, 20% by address only, 10%
nowhere). Importing the list with matching, the district's progress table, and a
community's 重点人员核查 page opening on 1,000 people. Prints each figure beside its target;
asserts nothing. Usage:

    python bench/keypersons.py [--communities 20] [--residents 10000] [--people 10000]

Works on copies of the district and of one community (the built district stays as it is).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from district import build, district_file  # noqa: E402
from measure import peak_mb  # noqa: E402

TARGETS = {"import_s": 10, "progress_ms": 300, "page_ms": 200}


def median_ms(fn, runs: int = 5) -> float:
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t) * 1000)
    return statistics.median(times)


def community_with_people(path: Path, people: int) -> None:
    """A community holding `people` key persons of one list (as after a bundle from the
    district): 70% of them its registered residents."""
    from app.database import open_community_db
    from app.keypersons import now_text, own_owner
    from db import keypersons as q
    from db.node import transaction

    db = open_community_db(path)
    owner = own_owner(db)
    residents = db.conn.execute(
        "SELECT id, name, id_number, household_id FROM residents WHERE deleted = 0 "
        "AND id_number IS NOT NULL LIMIT ?", (int(people * 0.7),)).fetchall()
    stamp = now_text()
    with transaction(db):
        list_id = q.insert_list(db, "bench-district", {
            "title": "关于核查重点人员的通知（基准）", "due_at": stamp[:16], "imported_at": stamp})
        rows = [{"community_id": owner, "list_id": list_id, "source_rows": str(i + 3),
                 "name": name, "id_kind": "resident", "id_number": number,
                 "matched_by": "id_number", "resident_id": rid, "household_id": hid,
                 "assigned_at": stamp} for i, (rid, name, number, hid) in enumerate(residents)]
        rows += [{"community_id": owner, "list_id": list_id, "source_rows": str(len(rows) + i),
                  "name": f"外来{i}号", "address": "1号楼1单元101", "matched_by": "address",
                  "assigned_at": stamp} for i in range(people - len(rows))]
        q.insert_people(db, rows)
    db.conn.close()


def page_ms(path: Path) -> tuple[float, int]:
    """The community's page built and its first rows shown, cold then warm (median)."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtWidgets import QApplication

    from app.database import open_community_db
    from ui.events import AppEvents
    from ui.keypersons.page import CommunityKeyPersonsPage

    app = QApplication.instance() or QApplication([])
    db = open_community_db(path)
    events = AppEvents()

    def open_page() -> int:
        page = CommunityKeyPersonsPage(db, events)
        page.show()
        page.model.data(page.model.index(0, 0))   # the first rows read, as the view paints
        app.processEvents()
        total = page.model.total()
        page.close()
        page.deleteLater()
        return total

    t = time.perf_counter()
    total = open_page()
    first = (time.perf_counter() - t) * 1000
    return max(first, median_ms(open_page)), total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--communities", type=int, default=20)
    parser.add_argument("--residents", type=int, default=10_000, help="per community")
    parser.add_argument("--people", type=int, default=10_000, help="people on the list")
    args = parser.parse_args()
    source = district_file(args.communities, args.residents)
    if not source.exists():
        print(f"building a district of {args.communities} communities × {args.residents:,} "
              f"residents in {source.parent} …", flush=True)
        build(source, args.communities, args.residents)
    from app import keypersons
    from app.database import open_community_db
    from app.keypersons import demo, importer

    with tempfile.TemporaryDirectory(prefix="griddesk-bench-keypersons-") as tmp:
        work = Path(tmp)
        shutil.copy(source, work / "district.sqlite")
        community = sorted(source.parent.glob("community-*.sqlite"))[0]
        shutil.copy(community, work / "community.sqlite")
        t = time.perf_counter()
        db = open_community_db(work / "district.sqlite")     # migrations, once
        opened = time.perf_counter() - t
        rows = demo.sample_rows(db, args.people, seed=3, by_id=0.7, by_address=0.2)
        path = demo.write_list(work / "名单.xlsx", rows, title="关于核查重点人员的通知（第9批）")
        t = time.perf_counter()
        plan = importer.import_list(db, path)          # due: tomorrow 18:00
        import_s = time.perf_counter() - t
        progress = keypersons.progress(db)
        progress_ms = median_ms(lambda: keypersons.progress(db))
        db.conn.close()
        community_with_people(work / "community.sqlite", 1000)
        shown_ms, shown = page_ms(work / "community.sqlite")
    placed = sum(plan.by_community.values())
    print(f"district: {args.communities} communities × {args.residents:,} residents "
          f"(opened and migrated in {opened:.1f} s)")
    print(f"import a list of {len(plan.people):,} people with matching: {import_s:6.1f} s    "
          f"(target ≤ {TARGETS['import_s']} s; {placed:,} placed in "
          f"{len(plan.by_community)} communities, {plan.waiting:,} waiting, "
          f"{len(plan.errors)} row errors)")
    print(f"district progress table ({len(progress)} rows): {progress_ms:6.0f} ms   "
          f"(target ≤ {TARGETS['progress_ms']} ms)")
    print(f"community page on {shown:,} people:      {shown_ms:6.0f} ms   "
          f"(target ≤ {TARGETS['page_ms']} ms; worst of cold and median warm)")
    print(f"peak memory: {peak_mb():.0f} MB")


if __name__ == "__main__":
    main()
