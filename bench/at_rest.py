"""At-rest encryption benchmark: what SQLCipher costs the window on a 100,000-resident community.

Builds (or reuses) the same synthetic community as bench/registry.py, encrypts a copy with
SQLCipher 4 (sqlcipher3-binary), then measures on the plain and the encrypted file alike:
cold start to the first shown window (target ≤ 1.5 s), search per keystroke through the real
registry page (target p95 ≤ 50 ms), opening a connection, and the file sizes. The encrypted
runs patch db.connection to open files with sqlcipher3 and `PRAGMA key` before anything else;
nothing else in the app changes. The runs take turns (plain, encrypted, plain, …) and the search
query is also timed alone, the variants alternating keystroke by keystroke in one process, so
other load on the machine falls on every variant alike. Prints figures; asserts nothing. Usage:
    .venv/bin/pip install -e '.[bench]'     # sqlcipher3-binary
    python bench/at_rest.py [--residents 100000] [--db FILE] [--runs 5]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import types
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from measure import percentile  # noqa: E402

PASSPHRASE = "bench-passphrase-长江路"
RAW_KEY = "x'" + "2b" * 32 + "'"     # a 256-bit key given directly: no key derivation


def keyed_sqlite(key: str) -> types.SimpleNamespace:
    """A stand-in for the sqlite3 module in db.connection: connections come from SQLCipher
    and are keyed before their first statement."""
    import sqlcipher3.dbapi2 as sqlcipher

    def connect(path, *args, **kwargs):
        conn = sqlcipher.connect(str(path), *args, **kwargs)
        conn.execute(f"PRAGMA key = \"{key}\"" if key.startswith("x'") else
                     f"PRAGMA key = '{key}'")
        return conn

    return types.SimpleNamespace(connect=connect, DatabaseError=sqlcipher.DatabaseError,
                                 Error=sqlcipher.Error, Connection=sqlcipher.Connection)


def patch(key: str | None) -> None:
    if key:
        import db.connection

        db.connection.sqlite3 = keyed_sqlite(key)


def encrypt_copy(plain: Path, encrypted: Path, key: str) -> float:
    import sqlcipher3.dbapi2 as sqlcipher

    for suffix in ("", "-wal", "-shm"):
        Path(f"{encrypted}{suffix}").unlink(missing_ok=True)
    t0 = time.perf_counter()
    conn = sqlcipher.connect(str(plain), isolation_level=None)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    literal = f"\"{key}\"" if key.startswith("x'") else f"'{key}'"
    conn.execute(f"ATTACH DATABASE '{encrypted}' AS enc KEY {literal}")
    conn.execute("SELECT sqlcipher_export('enc')")
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    conn.execute(f"PRAGMA enc.user_version = {version}")
    conn.execute("DETACH DATABASE enc")
    conn.close()
    return time.perf_counter() - t0


def open_ms(path: Path, key: str | None, runs: int = 5) -> float:
    """Connect, key, read the schema: what every connection (window, each worker) pays."""
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        if key:
            conn = keyed_sqlite(key).connect(path)
        else:
            import sqlite3
            conn = sqlite3.connect(path)
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        times.append((time.perf_counter() - t0) * 1000)
        conn.close()
    return statistics.median(times)


def child_start(path: str, key: str | None) -> int:
    from ui import launcher  # its clock starts here, as in `python -m ui.launcher`

    patch(key)
    return launcher.main(["--smoke", "--db", path])


def child_search(path: str, key: str | None) -> None:
    patch(key)
    import registry

    registry.child(path)


def interleaved_search(variants: list[tuple[str, Path, str | None]], rounds: int = 3
                       ) -> dict[str, list[float]]:
    """registry.search_residents for every keystroke, the variants taking turns keystroke by
    keystroke in one process: the fairest comparison on a machine with other load."""
    from registry import TYPED

    import db.connection
    from app import registry
    from app.database import open_community_db

    real = db.connection.sqlite3
    conns = {}
    for label, path, key in variants:
        if key:
            db.connection.sqlite3 = keyed_sqlite(key)
        try:
            conns[label] = open_community_db(path)
        finally:
            db.connection.sqlite3 = real
    prefixes = [q[:n] for q in TYPED for n in range(1, len(q) + 1)]
    for conn in conns.values():          # warm the caches as a first search would
        for text in prefixes:
            registry.search_residents(conn, text)
    times: dict[str, list[float]] = {label: [] for label in conns}
    for _round in range(rounds):
        for text in prefixes:
            for label, conn in conns.items():
                t0 = time.perf_counter()
                registry.search_residents(conn, text)
                times[label].append((time.perf_counter() - t0) * 1000)
    for conn in conns.values():
        conn.conn.close()
    return times


def run_child(mode: str, path: Path, key: str | None) -> subprocess.CompletedProcess:
    cmd = [sys.executable, __file__, f"--{mode}", str(path)] + (["--key", key] if key else [])
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "GRIDDESK_TIMING": "1"}
    out = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=900,
                         check=False)
    if out.returncode != 0:
        raise SystemExit(f"{mode} failed: {out.stderr[-2000:]}")
    return out


def cold_start(path: Path, key: str | None, runs: int = 5) -> list[float]:
    times = []
    for _ in range(runs):
        out = run_child("start", path, key)
        shown = [ln for ln in out.stderr.splitlines() if ln.startswith("shown_after_s=")]
        times.append(float(shown[0].split("=")[1]))
    return times


def search(path: Path, key: str | None) -> list[float]:
    out = run_child("search", path, key)
    r = json.loads(out.stdout.strip().splitlines()[-1])
    return [ms for _q, ms in r["keystrokes"]]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--residents", type=int, default=100_000)
    parser.add_argument("--db", type=Path)
    parser.add_argument("--start")
    parser.add_argument("--search")
    parser.add_argument("--key")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    if args.start:
        raise SystemExit(child_start(args.start, args.key))
    if args.search:
        child_search(args.search, args.key)
        return
    try:
        import sqlcipher3.dbapi2 as sqlcipher
    except ImportError as exc:
        raise SystemExit(f"SQLCipher is not installed ({exc}); "
                         "pip install sqlcipher3-binary") from None
    from app.demo import build_demo

    plain = args.db or Path(tempfile.gettempdir()) / f"griddesk-bench-{args.residents}.sqlite"
    if not plain.exists():
        t0 = time.perf_counter()
        summary = build_demo(plain, residents=args.residents, seed=7)
        print(f"built community: {summary} in {time.perf_counter() - t0:.1f} s")
    cipher_version = sqlcipher.connect(":memory:").execute(
        "PRAGMA cipher_version").fetchone()[0]
    print(f"SQLCipher {cipher_version} (SQLite {sqlcipher.sqlite_version}); "
          f"plain SQLite {__import__('sqlite3').sqlite_version}")
    work = Path(tempfile.mkdtemp(prefix="griddesk-at-rest-"))
    # Bring the plain file to this version's schema first, so no start below migrates.
    from app.database import open_community_db

    open_community_db(plain).conn.close()
    variants = [("plain", plain, None)]
    for label, key in (("SQLCipher, passphrase (PBKDF2 256,000)", PASSPHRASE),
                       ("SQLCipher, raw 256-bit key", RAW_KEY)):
        target = work / f"{'pass' if key == PASSPHRASE else 'raw'}.sqlite"
        seconds = encrypt_copy(plain, target, key)
        print(f"encrypting a copy ({label}): {seconds:.1f} s")
        variants.append((label, target, key))
    # Interleaved, so that other load on the machine falls on every variant alike.
    print(f"load average before: {os.getloadavg()[0]:.1f}")
    starts: dict[str, list[float]] = {label: [] for label, _p, _k in variants}
    for _round in range(args.runs):
        for label, path, key in variants:
            starts[label] += cold_start(path, key, runs=1)
    keystrokes = {label: search(path, key) for label, path, key in variants}
    sql = interleaved_search(variants)
    print(f"load average after: {os.getloadavg()[0]:.1f}")
    for label, path, key in variants:
        size = path.stat().st_size / 1e6
        st, ks = starts[label], keystrokes[label]
        print(f"{label}: file {size:.0f} MB; open a connection {open_ms(path, key):.1f} ms; "
              f"cold start median {statistics.median(st):.2f} s "
              f"({', '.join(f'{s:.2f}' for s in st)}; target ≤ 1.5 s); "
              f"search per keystroke median {statistics.median(ks):.1f} ms, "
              f"p95 {percentile(ks, 0.95):.1f} ms, max {max(ks):.1f} ms "
              f"(target p95 ≤ 50 ms)")
        q = sql[label]
        print(f"  search query alone (interleaved, {len(q)} keystrokes): median "
              f"{statistics.median(q):.1f} ms, p95 {percentile(q, 0.95):.1f} ms")
    shutil.rmtree(work)


if __name__ == "__main__":
    main()
