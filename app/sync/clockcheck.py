"""Whether this node's clock looks wrong, in words for the 同步 page.

Two signs, both from what this node already holds:
- its own newest stamp is well ahead of its wall clock: the clock was set back after changes
  were made here (or was ahead then), so its edits carry stamps other nodes hold back;
- its last import from a peer held back changes stamped too far ahead of this clock: this
  clock is behind, or the peer's is ahead.
"""

from __future__ import annotations

import re

import sqlite_utils

from app.sync import engine
from db import sync as store
from db.clock import Stamp
from db.node import node_state

DAY_MS = 24 * 3600 * 1000
_FUTURE = re.compile(r"(\d+) future")


def _span(ms: int) -> str:
    if ms >= DAY_MS:
        return f"约 {round(ms / DAY_MS)} 天"
    if ms >= 3600 * 1000:
        return f"约 {round(ms / 3600_000)} 小时"
    return f"约 {max(1, round(ms / 60_000))} 分钟"


def clock_warnings(db: sqlite_utils.Database) -> list[str]:
    """Chinese sentences saying what looks wrong with the clocks; empty when all is well."""
    out = []
    clock = node_state(db).clock
    ahead = Stamp.parse(clock.last).millis - clock.wall_millis()
    if ahead > engine.MAX_SKEW_MS:
        out.append(f"本机时钟比本机已记录的修改时间慢了{_span(ahead)}：电脑的日期和时间可能被"
                   "调回过。请核对本机的日期和时间；在此之前的修改，对方会暂不采用。")
    names = {p["node_id"]: p["name"] for p in store.peers(db)}
    latest: dict[str, int] = {}
    for event in store.events(db, 200):     # newest first: the last import from each peer
        if event["direction"] != "import" or event["peer"] not in names \
                or event["peer"] in latest or event["outcome"] == "refused":
            continue
        found = _FUTURE.search(event["detail"] or "")
        latest[event["peer"]] = int(found.group(1)) if found else 0
    for peer, future in latest.items():
        if future:
            out.append(f"上次导入“{names[peer]}”的同步包时，有 {future} 项变更的时间比本机时钟"
                       "超前太多，暂未采用：请核对本机和对方电脑的日期和时间，"
                       "时间对了以后，对方下次的同步包会再带上这些变更。")
    return out
