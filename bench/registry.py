"""Registry benchmark on a large synthetic community: start, search, household list, memory.

Prints figures; asserts nothing. Usage:
    python bench/registry.py [--residents 100000] [--db FILE] [--keep]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from measure import peak_mb, percentile  # noqa: E402

# Realistic typing: each query is typed one keystroke at a time, and every prefix is a search.
TYPED = ["zs", "zhangwei", "wangfang", "lxy", "张伟", "王秀英", "单", "shan", "zeng",
         "4101", "410102", "19560", "1391", "13812", "3-2-501", "5号楼", "1203"]



def child(db_path: str) -> None:
    """Runs in its own process: the real window, then search and list timings, then memory."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtWidgets import QApplication

    from app import registry
    from app.database import open_community_db
    from ui.main_window import MainWindow
    from ui.resources import install_fonts

    app = QApplication([])
    app.setFont(install_fonts())
    db = open_community_db(db_path)
    window = MainWindow(db, Path(db_path))
    window.show()
    app.processEvents()
    page = window.registry_page
    peak = {"shown": peak_mb()}

    keystrokes = []
    for query in TYPED:
        for n in range(1, len(query) + 1):
            t0 = time.perf_counter()
            page.search.setText(query[:n])
            page.search_timer.stop()
            page.run_search()           # what the debounce timer fires
            app.processEvents()
            keystrokes.append((query[:n], (time.perf_counter() - t0) * 1000))

    peak["after search"] = peak_mb()
    compounds = registry.tree_nodes(db)["compounds"]
    sizes = {c["id"]: len(registry.household_ids(db, "compound", c["id"])) for c in compounds}
    largest = max(sizes, key=sizes.get)
    page.search.clear()
    app.processEvents()
    t0 = time.perf_counter()
    page.select_tree_node(largest)
    app.processEvents()
    open_ms = (time.perf_counter() - t0) * 1000
    t0 = time.perf_counter()
    page.household_view.scrollToBottom()
    app.processEvents()
    scroll_ms = (time.perf_counter() - t0) * 1000
    print(json.dumps({
        "keystrokes": keystrokes,
        "largest_compound_households": sizes[largest],
        "open_largest_ms": open_ms,
        "scroll_ms": scroll_ms,
        "peak_rss_mb": peak_mb(),
        "peak_by_phase": peak,
    }))


def cold_start(db_path: Path, runs: int = 3) -> list[float]:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "GRIDDESK_TIMING": "1"}
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        cmd = [sys.executable, "-m", "ui.launcher", "--smoke", "--db", str(db_path)]
        out = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True,
                             timeout=120, check=False)
        total = time.perf_counter() - t0
        if out.returncode != 0:
            raise SystemExit(f"smoke start failed: {out.stderr}")
        shown = [line for line in out.stderr.splitlines() if line.startswith("shown_after_s=")]
        times.append(float(shown[0].split("=")[1]) if shown else total)
    return times


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--residents", type=int, default=100_000)
    parser.add_argument("--db", type=Path)
    parser.add_argument("--child")
    args = parser.parse_args()
    if args.child:
        child(args.child)
        return
    from app.demo import build_demo

    path = args.db or Path(tempfile.gettempdir()) / f"griddesk-bench-{args.residents}.sqlite"
    if not path.exists():
        t0 = time.perf_counter()
        summary = build_demo(path, residents=args.residents, seed=7)
        print(f"built community: {summary} in {time.perf_counter() - t0:.1f} s")
    size_mb = path.stat().st_size / 1e6
    print(f"database: {path} ({size_mb:.0f} MB)")

    starts = cold_start(path)
    print(f"cold start to first shown window: median {statistics.median(starts):.2f} s "
          f"(runs: {', '.join(f'{s:.2f}' for s in starts)}; target ≤ 1.0 s)")

    out = subprocess.run([sys.executable, __file__, "--child", str(path)], cwd=ROOT,
                         env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
                         capture_output=True, text=True, timeout=600, check=False)
    if out.returncode != 0:
        raise SystemExit(out.stderr)
    r = json.loads(out.stdout.strip().splitlines()[-1])
    slowest = sorted(r["keystrokes"], key=lambda k: -k[1])[:5]
    ks = [ms for _q, ms in r["keystrokes"]]
    print(f"search per keystroke ({len(ks)} keystrokes, window included): "
          f"median {statistics.median(ks):.1f} ms, p95 {percentile(ks, 0.95):.1f} ms, "
          f"max {max(ks):.1f} ms (target p95 ≤ 30 ms)")
    print("  slowest: " + ", ".join(f"{q!r} {ms:.0f} ms" for q, ms in slowest))
    print(f"open household list of largest compound ({r['largest_compound_households']} "
          f"households): {r['open_largest_ms']:.1f} ms; scroll to its end: {r['scroll_ms']:.1f} ms")
    phases = ", ".join(f"{k} {v:.0f} MB" for k, v in r["peak_by_phase"].items())
    print(f"peak memory of the window process: {r['peak_rss_mb']:.0f} MB (target ≤ 250 MB; "
          f"peak when {phases})")


if __name__ == "__main__":
    main()
