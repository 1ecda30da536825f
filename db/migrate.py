"""Forward-only numbered migrations (db/migrations/NNNN_*.sql), recorded in user_version."""

from __future__ import annotations

import re
import sqlite3
from dataclasses import dataclass
from pathlib import Path

import sqlite_utils

MIGRATIONS_DIR = Path(__file__).with_name("migrations")


def _migrations() -> list[tuple[int, Path]]:
    found = []
    for path in MIGRATIONS_DIR.glob("*.sql"):
        m = re.match(r"(\d{4})_", path.name)
        if m:
            found.append((int(m.group(1)), path))
    found.sort()
    if not found:
        # A build that lost its migrations folder must not treat every file as "newer".
        raise RuntimeError(f"no migrations found in {MIGRATIONS_DIR}")
    numbers = [n for n, _ in found]
    if numbers != list(range(1, len(numbers) + 1)):
        raise RuntimeError(f"migrations are not numbered 1..n: {numbers}")
    return found


LATEST = len(_migrations())


def migrate(db: sqlite_utils.Database, path: Path | None = None) -> bool:
    """Bring the schema to LATEST; returns True if anything was applied.

    An existing database is first copied aside (online backup) so a failed
    upgrade never costs data.
    """
    conn = db.conn
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    pending = [(n, p) for n, p in _migrations() if n > version]
    if not pending:
        return False
    backup = None
    if version > 0 and path is not None:
        backup = path.with_name(f"{path.name}.before-v{pending[-1][0]}.bak")
        dest = sqlite3.connect(backup)
        with dest:
            conn.backup(dest)
        dest.close()
    for number, script in pending:
        sql = script.read_text(encoding="utf-8")
        try:
            conn.executescript(f"BEGIN;\n{sql}\n;PRAGMA user_version = {number};\nCOMMIT;")
        except sqlite3.Error:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
    if version > 0:  # an existing file made by an earlier release: the window says so
        db._griddesk_upgrade = Upgrade(version, pending[-1][0], backup)  # type: ignore
    return True


@dataclass(frozen=True)
class Upgrade:
    """An existing database brought from one schema version to another as it opened, and the
    copy kept of it before (None when opened without a path)."""

    from_version: int
    to_version: int
    backup: Path | None


def upgrade_of(db: sqlite_utils.Database) -> Upgrade | None:
    """What migrate() did to this connection's file as it opened, if it upgraded it."""
    return getattr(db, "_griddesk_upgrade", None)


def schema_version(db: sqlite_utils.Database) -> int:
    return db.conn.execute("PRAGMA user_version").fetchone()[0]
