"""District benchmark: a district of 20 communities × 10,000 residents, each enrolled and synced
by real bundles. Opening the district window to its 概览, the community table, a search across
the district per keystroke (p95), the district residents ledger export. Prints each figure
beside its target; asserts nothing. Usage:

    python bench/district.py [--communities 20] [--residents 10000] [--rebuild]

The district is built once into the temporary folder (griddesk-bench-district-CxR/, seed 11)
and reused; building 20 × 10,000 takes several minutes the first time.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from measure import peak_mb, percentile  # noqa: E402

TARGETS = {"window": 2000, "overview": 300, "search_p95": 50, "export": 25}
ROADS = ("长江路", "建设路", "桐柏路", "汝河路", "棉纺路", "伏牛路", "嵩山路", "中原路", "陇海路",
         "秦岭路", "工人路", "航海路", "华山路", "淮河路", "友爱路", "百花路", "互助路", "煤仓街",
         "绿东村", "须水路", "三官庙", "林山寨", "郑上路", "化工路", "西站路")
# Typed one keystroke at a time; every prefix is a search.
TYPED = ["zs", "zhangwei", "wangfang", "lxy", "张伟", "王秀英", "shan", "4101", "410102",
         "1391", "13812", "3-2-501", "5号楼"]


def district_file(communities: int, residents: int) -> Path:
    return (Path(tempfile.gettempdir()) / f"griddesk-bench-district-{communities}x{residents}"
            / "district.sqlite")


def build(path: Path, communities: int, residents: int) -> None:
    """The district and its communities, five to a street, each enrolled by files and its
    first bundle imported, as a district with a USB stick would."""
    from app.accounts import create_demo_accounts
    from app.database import open_community_db
    from app.demo import DISTRICT, build_demo
    from app.sync import engine

    path.parent.mkdir(parents=True, exist_ok=True)
    for old in path.parent.glob("*"):
        if old.is_file():
            old.unlink()
    started = time.perf_counter()
    district = open_community_db(path, create=True)
    try:
        engine.create_district(district, *DISTRICT)
        with tempfile.TemporaryDirectory(prefix="griddesk-bench-stick-") as tmp:
            for i in range(communities):
                name = f"{ROADS[i % len(ROADS)]}{'' if i < len(ROADS) else i}社区"
                code = f"{DISTRICT[1]}{7 + i // 5:03d}{1 + i % 5:03d}"
                file = path.with_name(f"community-{code}.sqlite")
                print(f"  {i + 1}/{communities} {name} {code}: {residents:,} residents …",
                      flush=True)
                build_demo(file, residents=residents, seed=11 + i, name=name, code=code)
                community = open_community_db(file)
                try:
                    create_demo_accounts(community)
                    stick = Path(tmp) / code
                    engine.enroll_by_files(community, district, stick)
                    peer = engine.district_peer(community)["node_id"]
                    engine.export_bundles(community, peer, stick / "up")
                    engine.import_folder(district, stick / "up")
                finally:
                    community.conn.close()
        district.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        district.conn.close()
    print(f"  built in {time.perf_counter() - started:.0f} s", flush=True)


def child(db_path: str, out_dir: str) -> None:
    """Runs in its own process: the real window from cold, then the page, search and export."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtWidgets import QApplication

    from app.database import open_community_db
    from app.district import overview as district
    from app.ledger import exporter
    from ui.main_window import MainWindow
    from ui.resources import install_fonts

    app = QApplication([])
    app.setFont(install_fonts())
    t0 = time.perf_counter()
    db = open_community_db(db_path)
    window = MainWindow(db, Path(db_path))
    window.show()
    window.go_to("概览")
    app.processEvents()
    figures: dict[str, object] = {"window_ms": (time.perf_counter() - t0) * 1000}
    page = window.overview_page

    def best_of(fn, n: int = 5) -> tuple[float, float]:
        times = []
        for _ in range(n):
            t = time.perf_counter()
            fn()
            app.processEvents()
            times.append((time.perf_counter() - t) * 1000)
        return times[0], sorted(times)[len(times) // 2]

    figures["overview_ms"] = best_of(page.reload)
    figures["table_ms"] = best_of(lambda: district.overview(db))
    figures["communities"] = len(page.view.communities)

    registry = window.registry_page
    window.go_to("楼栋住户")
    app.processEvents()
    keystrokes = []
    for query in TYPED:
        for n in range(1, len(query) + 1):
            t = time.perf_counter()
            registry.search.setText(query[:n])
            registry.search_timer.stop()
            registry.run_search()           # what the debounce timer fires
            app.processEvents()
            keystrokes.append((time.perf_counter() - t) * 1000)
    figures["search_p50"] = percentile(keystrokes, 0.5)
    figures["search_p95"] = percentile(keystrokes, 0.95)
    figures["search_max"] = max(keystrokes)
    figures["keystrokes"] = len(keystrokes)
    figures["peak_mb_window"] = peak_mb()
    figures.update(narrowed_search(db_path, db))
    window.close()

    out = Path(out_dir) / "district-residents.xlsx"
    t = time.perf_counter()
    figures["export_rows"] = exporter.export_ledger(db, "residents", out)
    figures["export_s"] = time.perf_counter() - t
    figures["export_mb"] = out.stat().st_size / 1e6
    out.unlink()
    figures["peak_mb"] = peak_mb()
    print("FIGURES " + json.dumps(figures), flush=True)


def narrowed_search(db_path: str, db) -> dict[str, float]:
    """The same keystrokes, searched (without the window) on a connection limited to the first
    street's communities, as a 街道 account's is, and with the 社区 filter on one community:
    both must reach past the district-wide cap for their own matches."""
    from app import community_scope, registry
    from app.database import open_community_db
    from db import scope

    out: dict[str, float] = {}
    street = open_community_db(db_path)
    code = scope.streets(street)[0][0]
    scope.limit_to(street, scope.street_communities(street, code))
    one = {community_scope.communities(db)[-1].id}
    for query in TYPED:          # warm the new connection's cache, as the window's is
        registry.search_residents(street, query)
    for key, conn, kw in (("street", street, {}), ("filter", db, {"communities": one})):
        times = []
        for query in TYPED:
            for n in range(1, len(query) + 1):
                t = time.perf_counter()
                registry.search_residents(conn, query[:n], **kw)
                times.append((time.perf_counter() - t) * 1000)
        out[f"{key}_search_p95"] = percentile(times, 0.95)
        out[f"{key}_search_max"] = max(times)
    street.conn.close()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--communities", type=int, default=20)
    parser.add_argument("--residents", type=int, default=10_000, help="per community")
    parser.add_argument("--rebuild", action="store_true", help="build the district again")
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(*args.child)
        return
    path = district_file(args.communities, args.residents)
    if args.rebuild or not path.exists():
        print(f"building a district of {args.communities} communities × {args.residents:,} "
              f"residents in {path.parent} …", flush=True)
        build(path, args.communities, args.residents)
    with tempfile.TemporaryDirectory(prefix="griddesk-bench-district-out-") as out:
        run = subprocess.run([sys.executable, __file__, "--child", str(path), out],
                             capture_output=True, text=True, cwd=ROOT)
    line = next((x for x in run.stdout.splitlines() if x.startswith("FIGURES ")), None)
    if line is None:
        print(run.stdout, run.stderr, sep="\n")
        raise SystemExit("the measuring process failed")
    f = json.loads(line[len("FIGURES "):])
    print(f"district: {f['communities']} communities, {args.residents:,} residents each")
    print(f"open the window to the 概览:   {f['window_ms']:8.0f} ms   "
          f"(target ≤ {TARGETS['window']} ms)")
    print(f"概览 reload (first / median): {f['overview_ms'][0]:8.0f} / "
          f"{f['overview_ms'][1]:.0f} ms   (target ≤ {TARGETS['overview']} ms)")
    print(f"community table figures:      {f['table_ms'][0]:8.0f} / {f['table_ms'][1]:.0f} ms")
    print(f"search per keystroke p95:     {f['search_p95']:8.1f} ms   "
          f"(target ≤ {TARGETS['search_p95']} ms; p50 {f['search_p50']:.1f}, "
          f"max {f['search_max']:.1f}, {f['keystrokes']} keystrokes)")
    print(f"search, 街道 account p95:     {f['street_search_p95']:8.1f} ms   "
          f"(max {f['street_search_max']:.1f}; one street's communities, app only)")
    print(f"search, 社区 filter p95:      {f['filter_search_p95']:8.1f} ms   "
          f"(max {f['filter_search_max']:.1f}; one community, app only)")
    print(f"export district residents:    {f['export_s']:8.1f} s    "
          f"(target ≤ {TARGETS['export']} s; {f['export_rows']:,} rows, "
          f"{f['export_mb']:.1f} MB)")
    print(f"peak memory: {f['peak_mb_window']:.0f} MB with the window, {f['peak_mb']:.0f} MB "
          "after the export")


if __name__ == "__main__":
    main()
