"""At-rest encryption benchmark: what SQLCipher costs on a 100,000-resident community.

Measures SQLCipher set up as issue 13 asks, side by side with the plain file, in one run:
a random 256-bit database key given raw (`PRAGMA key = "x'<64 hex>'"`, so no PBKDF2 per
connection), `cipher_memory_security = OFF`, and a page cache large enough for the search
tables (--cache-mb, 128 MB, or a list: 48,64,128; the shipped file uses 16 MB).
Variants:

    plain, 16 MB cache            what ships today
    plain, <N> MB cache           the same cache as the encrypted file, to isolate the cipher
    SQLCipher raw key, <N> MB     the proposal
    SQLCipher raw key, 16 MB      the earlier set-up without its key derivation

For each: opening a connection, the search query for every keystroke of bench/registry.py's
typing (the variants taking turns keystroke by keystroke in one process, first pass on a
fresh connection and then warm rounds), search per keystroke through the real window (child
processes, taking turns), cold start to the first shown window, importing a ledger into a
fresh file (plain vs encrypted, taking turns), encrypting the existing file, and sizes. The
machine's pace (a fixed hashing loop) and load average are printed before and after, so a
noisy run shows itself. The encrypted runs patch db.connection to open files with sqlcipher3;
nothing else in the app changes. Prints figures; asserts nothing. Usage:
    .venv/bin/pip install -e '.[bench]'     # sqlcipher3-binary
    python bench/at_rest.py [--db FILE] [--runs 3] [--rounds 5] [--cache-mb 64,128]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import secrets
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

from measure import DEMO_100K, ensure_demo, percentile  # noqa: E402

SHIPPED_CACHE_MB = 16


def raw_key() -> str:
    """A random 256-bit key in SQLCipher's raw-key syntax: used as is, no key derivation."""
    return "x'" + secrets.token_hex(32) + "'"


def pace() -> str:
    """How fast this machine is right now: MB/s of SHA-256 over 64 MB, and the load average."""
    data = b"\0" * (1 << 20)
    t0 = time.perf_counter()
    h = hashlib.sha256()
    for _ in range(64):
        h.update(data)
    return f"pace {64 / (time.perf_counter() - t0):.0f} MB/s sha256, " \
        f"load average {os.getloadavg()[0]:.2f}"


def keyed_sqlite(key: str) -> types.SimpleNamespace:
    """A stand-in for the sqlite3 module in db.connection: connections come from SQLCipher,
    keyed before their first statement, memory security off (it wipes every freed buffer)."""
    import sqlcipher3.dbapi2 as sqlcipher

    def connect(path, *args, **kwargs):
        conn = sqlcipher.connect(str(path), *args, **kwargs)
        conn.execute(f"PRAGMA key = \"{key}\"")
        conn.execute("PRAGMA cipher_memory_security = OFF")
        return conn

    return types.SimpleNamespace(connect=connect, DatabaseError=sqlcipher.DatabaseError,
                                 OperationalError=sqlcipher.OperationalError,
                                 Error=sqlcipher.Error, Connection=sqlcipher.Connection)


def patch(key: str | None, cache_mb: int) -> None:
    """Every database this process opens from now on: SQLCipher when keyed, and this cache."""
    import db.connection

    if key:
        db.connection.sqlite3 = keyed_sqlite(key)
    opener = db.connection.open_database

    def open_database(*args, **kwargs):
        opened = opener(*args, **kwargs)
        opened.conn.execute(f"PRAGMA cache_size = -{cache_mb * 1024}")
        return opened

    db.connection.open_database = open_database


def encrypt_copy(plain: Path, encrypted: Path, key: str) -> float:
    """What offering to encrypt an existing database costs: sqlcipher_export into a new file."""
    import sqlcipher3.dbapi2 as sqlcipher

    for suffix in ("", "-wal", "-shm"):
        Path(f"{encrypted}{suffix}").unlink(missing_ok=True)
    t0 = time.perf_counter()
    conn = sqlcipher.connect(str(plain), isolation_level=None)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.execute(f"ATTACH DATABASE '{encrypted}' AS enc KEY \"{key}\"")
    conn.execute("SELECT sqlcipher_export('enc')")
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    conn.execute(f"PRAGMA enc.user_version = {version}")
    conn.execute("DETACH DATABASE enc")
    conn.close()
    return time.perf_counter() - t0


def open_ms(path: Path, key: str | None, runs: int = 7) -> float:
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


def child_start(path: str, key: str | None, cache_mb: int) -> int:
    from ui import launcher  # its clock starts here, as in `python -m ui.launcher`

    patch(key, cache_mb)
    return launcher.main(["--smoke", "--db", path])


def child_search(path: str, key: str | None, cache_mb: int) -> None:
    patch(key, cache_mb)
    import registry

    registry.child(path)


Variant = tuple[str, Path, str | None, int]      # label, file, key, cache MB


def interleaved_search(variants: list[Variant], rounds: int
                       ) -> tuple[dict[str, list[float]], dict[str, list[float]]]:
    """registry.search_residents for every keystroke, the variants taking turns keystroke by
    keystroke in one process: the fairest comparison on a machine with other load. Returns
    the first pass on fresh connections (what a just-opened window sees) and the warm rounds."""
    from registry import TYPED

    import db.connection
    from app import registry
    from app.database import open_community_db

    real_sqlite, real_open = db.connection.sqlite3, db.connection.open_database
    conns = {}
    for label, path, key, cache_mb in variants:
        patch(key, cache_mb)
        try:
            conns[label] = open_community_db(path)
        finally:
            db.connection.sqlite3, db.connection.open_database = real_sqlite, real_open
    prefixes = [q[:n] for q in TYPED for n in range(1, len(q) + 1)]
    first: dict[str, list[float]] = {label: [] for label in conns}
    warm: dict[str, list[float]] = {label: [] for label in conns}
    for round_ in range(rounds + 1):
        for text in prefixes:
            for label, conn in conns.items():
                t0 = time.perf_counter()
                registry.search_residents(conn, text)
                (warm if round_ else first)[label].append((time.perf_counter() - t0) * 1000)
    for conn in conns.values():
        conn.conn.close()
    return first, warm


def run_child(mode: str, path: Path, key: str | None, cache_mb: int
              ) -> subprocess.CompletedProcess:
    cmd = [sys.executable, __file__, f"--{mode}", str(path), "--cache-mb", str(cache_mb)] + (
        ["--key", key] if key else [])
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "GRIDDESK_TIMING": "1"}
    out = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=900,
                         check=False)
    if out.returncode != 0:
        raise SystemExit(f"{mode} failed: {out.stderr[-2000:]}")
    return out


def cold_start(path: Path, key: str | None, cache_mb: int) -> float:
    out = run_child("start", path, key, cache_mb)
    shown = [ln for ln in out.stderr.splitlines() if ln.startswith("shown_after_s=")]
    return float(shown[0].split("=")[1])


def window_search(path: Path, key: str | None, cache_mb: int) -> tuple[list[float], float]:
    out = run_child("search", path, key, cache_mb)
    r = json.loads(out.stdout.strip().splitlines()[-1])
    return [ms for _q, ms in r["keystrokes"]], r["peak_rss_mb"]


def ledger_file(work: Path, residents: int) -> Path:
    """A residents ledger of a small demo community, to import into fresh files."""
    from app.database import open_community_db
    from app.demo import build_demo
    from app.ledger import exporter

    source_path = work / "ledger-source.sqlite"
    build_demo(source_path, residents=residents, seed=11)
    source = open_community_db(source_path)
    out = work / "residents.xlsx"
    exporter.export_ledger(source, "residents", out)
    source.conn.close()
    return out


def import_seconds(work: Path, ledger_path: Path, key: str | None, n: int) -> float:
    """Import the ledger into a fresh community file (plain, or encrypted from its first
    page): the writes a big import pays, with change capture and audit triggers."""
    import db.connection
    from app.database import create_community, open_community_db
    from app.ledger import importer

    target = work / f"import-{n}-{'enc' if key else 'plain'}.sqlite"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{target}{suffix}").unlink(missing_ok=True)
    real_sqlite, real_open = db.connection.sqlite3, db.connection.open_database
    patch(key, SHIPPED_CACHE_MB)
    try:
        fresh = open_community_db(target, create=True)
        create_community(fresh, "长江路社区", "410102001001", "林山寨街道", "中原区")
        ledger = importer.read_ledger(ledger_path)
        mapping = importer.guess_mapping(ledger)
        t0 = time.perf_counter()
        importer.import_ledger(fresh, ledger, mapping)
        seconds = time.perf_counter() - t0
        fresh.conn.close()
    finally:
        db.connection.sqlite3, db.connection.open_database = real_sqlite, real_open
    return seconds


def summary(values: list[float]) -> str:
    return (f"median {statistics.median(values):.1f}, p95 {percentile(values, 0.95):.1f}, "
            f"max {max(values):.1f}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", type=Path, default=DEMO_100K)
    parser.add_argument("--start")
    parser.add_argument("--search")
    parser.add_argument("--key")
    parser.add_argument("--cache-mb", default="128",
                        help="the larger cache(s), e.g. 64,128 (children get one number)")
    parser.add_argument("--runs", type=int, default=3, help="cold starts and window searches")
    parser.add_argument("--rounds", type=int, default=5, help="warm rounds of the search query")
    parser.add_argument("--import-residents", type=int, default=5000)
    args = parser.parse_args()
    if args.start:
        raise SystemExit(child_start(args.start, args.key, int(args.cache_mb)))
    if args.search:
        child_search(args.search, args.key, int(args.cache_mb))
        return
    try:
        import sqlcipher3.dbapi2 as sqlcipher
    except ImportError as exc:
        raise SystemExit(f"SQLCipher is not installed ({exc}); "
                         "pip install -e '.[bench]'") from None
    plain = ensure_demo(args.db)
    probe = sqlcipher.connect(":memory:")
    cipher_version = probe.execute("PRAGMA cipher_version").fetchone()[0]
    probe.execute("PRAGMA cipher_memory_security = OFF")
    print(f"SQLCipher {cipher_version} (SQLite {sqlcipher.sqlite_version}); "
          f"plain SQLite {__import__('sqlite3').sqlite_version}; {os.cpu_count()} CPUs")
    print(f"before: {pace()}")
    work = Path(tempfile.mkdtemp(prefix="griddesk-at-rest-"))
    # Bring the plain file to this version's schema first, so no start below migrates.
    from app.database import open_community_db

    open_community_db(plain).conn.close()
    key = raw_key()
    encrypted = work / "encrypted.sqlite"
    seconds = encrypt_copy(plain, encrypted, key)
    print(f"encrypting the existing {plain.stat().st_size / 1e6:.0f} MB file "
          f"(sqlcipher_export into a new file): {seconds:.1f} s")
    caches = [int(mb) for mb in str(args.cache_mb).split(",")]
    shipped = f"plain, {SHIPPED_CACHE_MB} MB cache (as shipped)"
    variants: list[Variant] = [(shipped, plain, None, SHIPPED_CACHE_MB)]
    for mb in caches:
        variants += [(f"plain, {mb} MB cache", plain, None, mb),
                     (f"SQLCipher raw key, {mb} MB cache", encrypted, key, mb)]
    variants.append((f"SQLCipher raw key, {SHIPPED_CACHE_MB} MB cache", encrypted, key,
                     SHIPPED_CACHE_MB))
    # Everything below takes turns, so other load on the machine falls on every variant alike.
    first, warm = interleaved_search(variants, args.rounds)
    print(f"after the search query: {pace()}")
    starts: dict[str, list[float]] = {v[0]: [] for v in variants}
    keystrokes: dict[str, list[float]] = {v[0]: [] for v in variants}
    peaks: dict[str, float] = {}
    for _run in range(args.runs):
        for label, path, k, cache_mb in variants:
            starts[label].append(cold_start(path, k, cache_mb))
            ks, peak = window_search(path, k, cache_mb)
            keystrokes[label] += ks
            peaks[label] = max(peak, peaks.get(label, 0))
    print(f"after the window runs: {pace()}")
    ledger_path = ledger_file(work, args.import_residents)
    imports: dict[str, list[float]] = {"plain": [], "SQLCipher raw key": []}
    for run in range(args.runs):
        imports["plain"].append(import_seconds(work, ledger_path, None, run))
        imports["SQLCipher raw key"].append(import_seconds(work, ledger_path, key, run))
    print(f"after the imports: {pace()}")
    for label, path, k, _cache in variants:
        print(f"\n{label}: file {path.stat().st_size / 1e6:.0f} MB; "
              f"open a connection {open_ms(path, k):.1f} ms")
        print(f"  search query, first pass on a fresh connection ({len(first[label])} "
              f"keystrokes), ms: {summary(first[label])}")
        print(f"  search query, warm ({len(warm[label])} keystrokes, interleaved), ms: "
              f"{summary(warm[label])}")
        print(f"  search per keystroke in the window ({len(keystrokes[label])} keystrokes, "
              f"{args.runs} windows), ms: {summary(keystrokes[label])}; peak memory "
              f"{peaks[label]:.0f} MB")
        print(f"  cold start to the first shown window, s: "
              f"{', '.join(f'{s:.2f}' for s in starts[label])}")
    for label, values in imports.items():
        print(f"\nimport {args.import_residents:,} residents into a fresh {label} file, s: "
              f"{', '.join(f'{v:.1f}' for v in values)}")
    print()
    for mb in caches:
        proposal = f"SQLCipher raw key, {mb} MB cache"
        for name, against in ((f"plain, {mb} MB cache", "the same cache"),
                              (shipped, "what ships")):
            ratio = percentile(warm[proposal], 0.95) / percentile(warm[name], 0.95)
            ratio_w = percentile(keystrokes[proposal], 0.95) / percentile(keystrokes[name], 0.95)
            print(f"encrypted {mb} MB / plain ({against}): search query p95 ×{ratio:.2f}, "
                  f"window keystroke p95 ×{ratio_w:.2f} (bound ×1.25)")
    shutil.rmtree(work)


if __name__ == "__main__":
    main()
