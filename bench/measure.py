"""Shared measuring helpers of the benchmarks: a process's own peak memory, percentiles."""

from __future__ import annotations

import resource
import tempfile
import time
from pathlib import Path


def peak_mb() -> float:
    """This process's own peak (VmHWM); ru_maxrss would carry the parent's over exec."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    k = (len(ordered) - 1) * p
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


DEMO_100K = Path(tempfile.gettempdir()) / "griddesk-bench-100k.sqlite"


def ensure_demo(path: Path, residents: int = 100_000) -> Path:
    """The synthetic community the benchmarks measure on, built once (seed 7) and reused."""
    if not path.exists():
        from app.demo import build_demo

        print(f"building the {residents:,}-resident demo in {path} …", flush=True)
        started = time.perf_counter()
        build_demo(path, residents=residents, seed=7)
        print(f"  built in {time.perf_counter() - started:.0f} s")
    return path
