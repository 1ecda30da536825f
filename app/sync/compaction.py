"""Compacting the sync bookkeeping of this office's file, in bounded steps off the UI thread:
what the 同步 page says about it, and the run itself (with progress, stoppable between
steps; a kill between steps loses nothing)."""

from __future__ import annotations

import logging
import sqlite3
import time
from collections.abc import Callable
from dataclasses import dataclass

import sqlite_utils

from db import audit
from db import compaction as store

_log = logging.getLogger(__name__)
Progress = Callable[[int, int, str], None]   # done, total, what is being done
PACK_WORTH = 1000   # field stamps worth mentioning on the page: an edit adds one per field
SEAL_WORTH = 10_000   # audit entries worth mentioning: about 6 MB of the file
SEAL_PER_SECOND = 40_000   # measured on the benchmark community (237,568 entries: ~6 s)
# After removing this many entries (about 35 MB) the file is rewritten (VACUUM) so that it,
# and every backup of it, shrinks; fewer leave free pages that later writes reuse.
VACUUM_MIN = 200_000


@dataclass(frozen=True)
class Outcome:
    """What one run did."""

    removed: int
    packed: int
    seconds: float
    waited_for_export: bool = False
    vacuum_seconds: float = 0.0
    sealed: int = 0   # audit entries moved into sealed blocks (db/audit.seal_step)


def _mb(n: int) -> str:
    return f"{n / 1e6:.1f} MB"


def status_text(db: sqlite_utils.Database) -> str:
    """What the 同步 page says about compaction: what the log holds, what compaction could
    free, why nothing can be freed when no peer has confirmed anything, and the audit entries
    that can be sealed (which needs no peer)."""
    log, sealing = _log_text(db), _audit_text(db)
    if sealing and log == DONE:
        log = "同步记录已整理。"
    return log + sealing


def _log_text(db: sqlite_utils.Database) -> str:
    found = store.pending(db)
    if not found.has_peer and found.unconfirmed:
        return (f"本机的 {found.unconfirmed:,} 条同步记录从未被区县确认，全部保留（约 "
                f"{_mb(found.log_bytes)}）。登记并完成一次同步后即可整理，约可节省这部分空间。")
    if found.removable or found.unpacked >= PACK_WORTH:
        parts = []
        if found.removable:
            parts.append(f"{found.removable:,} 条同步记录已被对方确认，约可节省 "
                         f"{_mb(found.removable_bytes)}")
        if found.unpacked >= PACK_WORTH:
            parts.append(f"{found.unpacked:,} 个字段时间戳可合并")
        return (f"可整理：{'；'.join(parts)}（约需 {max(1, round(estimate_seconds(db))):,} 秒）。"
                "点“整理同步记录”在后台分批进行，其间可以照常使用。")
    if found.unconfirmed:
        return (f"另有 {found.unconfirmed:,} 条同步记录尚未被对方确认，确认前保留；"
                f"下次同步后即可整理。")
    return DONE


DONE = "同步记录已整理，无需处理。"


def _audit_text(db: sqlite_utils.Database) -> str:
    sealable = audit.sealable(db)
    if sealable < SEAL_WORTH:
        return ""
    return (f"审计记录中有 {sealable:,} 条较早的可以封存压缩（内容和校验链不变，约需 "
            f"{max(1, round(sealable / SEAL_PER_SECOND)):,} 秒），点“整理同步记录”一并完成。")


def after_sync(db: sqlite_utils.Database, should_stop: Callable[[], bool]) -> Outcome | None:
    """The background hub sync's compaction after each round: bounded steps, no VACUUM (the
    window's saves must never wait seconds; freed pages are reused, and 整理同步记录 shrinks
    the file when the office chooses). A busy file only postpones it to the next round."""
    try:
        return run(db, should_stop=should_stop, vacuum=False)
    except sqlite3.OperationalError as exc:   # locked by a long write elsewhere: next round
        _log.info("compaction postponed: %s", exc)
        return None


def estimate_seconds(db: sqlite_utils.Database) -> float:
    """About how long a run takes here (measured on the benchmark community: ~0.025 s per
    10,000 entries removed, ~0.4 s per 10,000 field stamps packed, ~0.25 s per 10,000 audit
    entries sealed)."""
    found = store.pending(db)
    return (found.removable / 400_000 + found.unpacked / 25_000
            + audit.sealable(db) / SEAL_PER_SECOND)


def run(db: sqlite_utils.Database, progress: Progress | None = None,
        should_stop: Callable[[], bool] | None = None, *, vacuum: bool = True) -> Outcome:
    """Pack field stamps, then remove acknowledged entries, one bounded transaction at a
    time; pauses removing while an export reads the log (and stops there, to be run again
    later); then, with `vacuum` and much removed, rewrites the file smaller. Safe to run at
    any time and to interrupt."""
    t0 = time.perf_counter()
    found = store.pending(db)
    total = found.unpacked + found.removable + audit.sealable(db)
    done = 0
    waited = False

    def tell(what: str) -> None:
        if progress is not None:
            progress(min(done, total), total, what)

    def drain(step: Callable[[], int], what: str) -> int:
        """Run one kind of bounded step until it has nothing left or the run is stopped."""
        nonlocal done
        count = 0
        while not (should_stop and should_stop()):
            n = step()
            if not n:
                break
            count += n
            done += n
            tell(what)
        return count

    def remove_step() -> int:   # pauses (stops here) while an export reads the log
        nonlocal waited
        if store.export_busy(db):
            waited = True
            return 0
        return store.remove_step(db, through)

    packed = drain(lambda: store.pack_step(db), "合并字段时间戳")
    through = store.removable_through(db)
    removed = drain(remove_step, "清理已确认的同步记录") if through else 0
    # The audit log: one block per transaction.
    sealed = drain(lambda: audit.seal_step(db), "封存较早的审计记录")
    rewrite = 0.0
    if (vacuum and removed + packed + sealed >= VACUUM_MIN
            and not (should_stop and should_stop())):
        tell("压缩数据库文件")
        started = time.perf_counter()
        db.conn.execute("VACUUM")   # readers go on meanwhile (WAL); writers wait for it
        rewrite = time.perf_counter() - started
    return Outcome(removed, packed, time.perf_counter() - t0, waited, rewrite, sealed)
