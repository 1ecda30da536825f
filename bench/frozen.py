"""The frozen app as an office runs it: build once (release/dist.py's PyInstaller step, with
the size by part), then `griddesk --smoke` five times on the 100,000-resident demo: time to a
shown window and the process's peak memory.

Prints figures beside the targets; asserts nothing. Usage:
    python bench/frozen.py [--folder BUILT_FOLDER] [--runs 5] [--db FILE]
"""

from __future__ import annotations

import argparse
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

from measure import DEMO_100K, ensure_demo  # noqa: E402

from release import dist, freeze  # noqa: E402

START_TARGET_S = 2.0
MEMORY_TARGET_MB = 250


def smoke_once(exe: Path, db: Path, data: Path) -> tuple[float, float, float]:
    """(seconds to the shown window as the app measures it, wall seconds, peak RSS MB)."""
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", GRIDDESK_TIMING="1",
               GRIDDESK_DATA_DIR=str(data))
    env.pop("PYTHONPATH", None)
    started = time.perf_counter()
    proc = subprocess.Popen([str(exe), "--smoke", "--db", str(db)], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    stderr = proc.stderr.read().decode("utf-8", "replace")
    _pid, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"--smoke failed:\n{stderr[-2000:]}")
    shown = next((float(line.split("=", 1)[1]) for line in stderr.splitlines()
                  if line.startswith("shown_after_s=")), wall)
    return shown, wall, usage.ru_maxrss / 1024   # Linux: KiB


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--folder", type=Path, help="a one-folder build made before")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--db", type=Path, default=DEMO_100K)
    args = parser.parse_args()
    folder = args.folder
    if folder is None:
        work = Path(tempfile.mkdtemp(prefix="griddesk-frozen-"))
        t0 = time.perf_counter()
        folder = dist.build_folder(work)
        print(f"built in {time.perf_counter() - t0:.0f} s: {folder}")
    print(freeze.size_report(folder))
    db = ensure_demo(args.db)
    exe = folder / "griddesk"
    with tempfile.TemporaryDirectory() as data:
        smoke_once(exe, db, Path(data))   # unpacks the fonts once, as an office's first start
        runs = [smoke_once(exe, db, Path(data)) for _ in range(args.runs)]
    shown = [r[0] for r in runs]
    peak = max(r[2] for r in runs)
    print(f"--smoke on {db.name} ({db.stat().st_size / 1e6:.0f} MB), {args.runs} runs after a "
          "first start that unpacked the fonts")
    print(f"start to a shown window: median {statistics.median(shown):.2f} s, max "
          f"{max(shown):.2f} s (runs: {', '.join(f'{s:.2f}' for s in shown)}; "
          f"target ≤ {START_TARGET_S:.0f} s)")
    print(f"whole run (start, window, exit): median {statistics.median(r[1] for r in runs):.2f} s")
    print(f"peak memory: {peak:.0f} MB (target ≤ {MEMORY_TARGET_MB} MB)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
