"""The node's hybrid logical clock: stamps that order changes across offices."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

# A stamp is "<13-digit wall millis>.<5-digit counter>.<node id>": plain string
# comparison orders stamps by time, then counter, then node id (the tie-break).
MAX_COUNTER = 99_999


@dataclass(frozen=True, order=True)
class Stamp:
    millis: int
    counter: int
    node: str

    def __str__(self) -> str:
        return f"{self.millis:013d}.{self.counter:05d}.{self.node}"

    @classmethod
    def parse(cls, text: str) -> Stamp:
        millis, counter, node = text.split(".", 2)
        return cls(int(millis), int(counter), node)


class HybridClock:
    """Wall-clock millis plus a counter; never goes backwards, advances past what it sees."""

    def __init__(self, node: str, last: str | None = None,
                 wall: Callable[[], int] | None = None) -> None:
        self.node = node
        self._wall = wall or (lambda: time.time_ns() // 1_000_000)
        self._millis, self._counter = 0, 0
        if last:
            self.observe(last)

    def now(self) -> str:
        wall = self._wall()
        if wall > self._millis:
            self._millis, self._counter = wall, 0
        else:
            self._counter += 1
            if self._counter > MAX_COUNTER:
                self._millis, self._counter = self._millis + 1, 0
        return str(Stamp(self._millis, self._counter, self.node))

    def wall_millis(self) -> int:
        """This node's wall clock, in milliseconds."""
        return self._wall()

    def observe(self, stamp: str) -> None:
        """Advance past a stamp received from elsewhere (or read back from disk)."""
        seen = Stamp.parse(stamp)
        if (seen.millis, seen.counter) > (self._millis, self._counter):
            self._millis, self._counter = seen.millis, seen.counter

    @property
    def last(self) -> str:
        return str(Stamp(self._millis, self._counter, self.node))
