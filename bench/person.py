"""Person page, building view and categories on the shared 100,000-resident demo (issue 18).

Targets: the person page of someone with a long history (10 cases, 200 contacts) ≤ 150 ms;
the building view of the largest building ≤ 150 ms; every rule-based category recomputed
after 20,000 more residents ≤ 3 s. Works on a copy of the demo (it adds rows). Prints figures
beside the targets; asserts nothing. Usage:
    python bench/person.py [--db FILE]
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from measure import DEMO_100K, ensure_demo  # noqa: E402

TODAY = date(2026, 12, 5)


def timed(fn, runs: int = 7) -> tuple[float, float]:
    """(first, median of the rest) in ms."""
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        times.append((time.perf_counter() - started) * 1000)
    return times[0], statistics.median(times[1:])


def long_history(db, resident_id: str) -> None:
    """10 released cases with their checks, tests and events; 200 contacts with the household."""
    from db import registry as rq
    from db.ids import uuid7
    from db.node import transaction

    owner = rq.community_id(db)
    household = rq.get(db, "residents", resident_id)["household_id"]
    member = db.conn.execute("SELECT id FROM party_members WHERE deleted = 0 LIMIT 1").fetchone()[0]
    with transaction(db):
        for k in range(10):
            start = TODAY - timedelta(days=40 * (k + 1))
            case = uuid7()
            db.conn.execute(
                "INSERT INTO isolation_cases (id, community_id, resident_id, household_id, kind, "
                "reason, started_on, planned_end, status, released_on, created_on) "
                "VALUES (?, ?, ?, ?, 'home_isolation', '密接', ?, ?, 'released', ?, ?)",
                (case, owner, resident_id, household, start.isoformat(),
                 (start + timedelta(days=13)).isoformat(),
                 (start + timedelta(days=14)).isoformat(), start.isoformat()))
            for kind, day in (("registered", 0), ("started", 0), ("released", 14)):
                db.conn.execute(
                    "INSERT INTO case_events (id, community_id, case_id, at, kind, by_name) "
                    "VALUES (?, ?, ?, ?, ?, '网格员')",
                    (uuid7(), owner, case, f"{start + timedelta(days=day)} 09:00:00", kind))
            for day in range(14):
                for slot in ("am", "pm"):
                    db.conn.execute(
                        "INSERT INTO case_checks (id, community_id, case_id, check_on, slot, "
                        "temperature, checked_by, checked_at) VALUES (?, ?, ?, ?, ?, 36.5, "
                        "'网格员', ?)", (uuid7(), owner, case, str(start + timedelta(days=day)),
                                         slot, f"{start + timedelta(days=day)} 09:30:00"))
            for day in (1, 4, 7, 10, 13):
                db.conn.execute(
                    "INSERT INTO case_tests (id, community_id, case_id, test_on, result) "
                    "VALUES (?, ?, ?, ?, 'negative')",
                    (uuid7(), owner, case, str(start + timedelta(days=day))))
        for k in range(200):
            db.conn.execute(
                "INSERT INTO member_contacts (id, community_id, household_id, member_id, "
                "contact_on, kind, note) VALUES (?, ?, ?, ?, ?, 'visit', '看望')",
                (uuid7(), owner, household, member, str(TODAY - timedelta(days=2 * k))))


def more_residents(db, count: int, seed: int = 18) -> None:
    """`count` residents in existing households, as a ledger import adds them."""
    from app.validation import check_character
    from db import registry as rq
    from db.ids import uuid7
    from db.node import transaction

    rng = random.Random(seed)
    owner = rq.community_id(db)
    households = [r[0] for r in db.conn.execute("SELECT id FROM households WHERE deleted = 0")]
    rows = []
    for k in range(count):
        birth = date(1930, 1, 1) + timedelta(days=rng.randrange(90 * 365))
        first17 = f"410102{birth:%Y%m%d}{k % 1000:03d}"
        rows.append({"id": uuid7(), "household_id": rng.choice(households),
                     "name": f"导入{k}", "id_number": first17 + check_character(first17),
                     "birth_date": birth.isoformat(), "relation": "其他",
                     "tags": "重点关注" if k % 50 == 0 else ""})
    with transaction(db):
        rq.insert_many(db, "residents", rows, owner)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", type=Path, default=None, help="a demo to copy (default: the "
                        "shared 100,000-resident one)")
    args = parser.parse_args()
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    source = args.db or ensure_demo(DEMO_100K)
    work = Path(tempfile.mkdtemp(prefix="griddesk-person-")) / "community.sqlite"
    shutil.copyfile(source, work)
    try:
        run(work)
    finally:
        shutil.rmtree(work.parent, ignore_errors=True)


def run(path: Path) -> None:
    from PySide6.QtWidgets import QApplication

    from app import accounts, buildings, categories, person
    from app.database import open_community_db
    from db import buildings as bq
    from ui.buildings.view import BuildingDialog
    from ui.person.page import PersonDialog

    app = QApplication([])
    db = open_community_db(path)
    accounts.attach(db, accounts.UNCLAIMED)
    residents = db.conn.execute("SELECT count(*) FROM residents WHERE deleted = 0").fetchone()[0]
    print(f"community: {residents:,} residents")
    if not categories.in_force(db).categories:
        categories.add_five_colours(db)
    someone = db.conn.execute(
        "SELECT id FROM residents WHERE deleted = 0 AND household_id IS NOT NULL "
        "ORDER BY id LIMIT 1 OFFSET 5000").fetchone()[0]
    long_history(db, someone)
    f = person.person_file(db, someone)
    print(f"person: {len(f.timeline)} timeline entries")
    first, median = timed(lambda: person.person_file(db, someone))
    print(f"person file (app)          first {first:6.1f} ms  median {median:6.1f} ms"
          "   target ≤ 150 ms")

    def open_page() -> None:
        dialog = PersonDialog(db, someone)
        dialog.show()
        app.processEvents()
        dialog.close()
        dialog.deleteLater()

    first, median = timed(open_page)
    print(f"person page (window)       first {first:6.1f} ms  median {median:6.1f} ms"
          "   target ≤ 150 ms")

    # The same after 整理同步记录 sealed the older audit entries (issue 23): the timeline's
    # entries then come out of compressed blocks through the row look-up.
    from db import audit

    started, sealed = time.perf_counter(), 0
    while n := audit.seal_step(db):
        sealed += n
    print(f"audit entries sealed: {sealed:,} in {time.perf_counter() - started:.1f} s")
    first, median = timed(lambda: person.person_file(db, someone))
    print(f"person file, audit sealed  first {first:6.1f} ms  median {median:6.1f} ms"
          "   target ≤ 150 ms")
    first, median = timed(open_page)
    print(f"person page, audit sealed  first {first:6.1f} ms  median {median:6.1f} ms"
          "   target ≤ 150 ms")

    biggest = bq.biggest(db)
    view = buildings.building_view(db, biggest)
    print(f"largest building: {view.name}, {view.households} households, "
          f"{len(view.floors)} floors, {len(view.units)} units")
    for aspect in buildings.ASPECTS:
        first, median = timed(lambda a=aspect: buildings.building_view(db, biggest, a))
        print(f"building view ({aspect:9}) first {first:6.1f} ms  median {median:6.1f} ms"
              "   target ≤ 150 ms")

    def open_view() -> None:
        dialog = BuildingDialog(db, biggest)
        dialog.show()
        app.processEvents()
        dialog.close()
        dialog.deleteLater()

    first, median = timed(open_view)
    print(f"building view (window)     first {first:6.1f} ms  median {median:6.1f} ms"
          "   target ≤ 150 ms")

    started = time.perf_counter()
    more_residents(db, 20_000)
    print(f"20,000 residents added in {time.perf_counter() - started:.1f} s")
    started = time.perf_counter()
    counts = categories.counts(db)
    elapsed = time.perf_counter() - started
    names = {c.id: c.name for c in categories.in_force(db).categories}
    print(f"every category recomputed  {elapsed:6.2f} s ({sum(counts.values()):,} people in "
          f"a category: " + ", ".join(f"{names[k]} {v}" for k, v in counts.items())
          + ")   target ≤ 3 s")
    db.conn.close()


if __name__ == "__main__":
    main()
