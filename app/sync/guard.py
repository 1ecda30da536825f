"""The hub's connection guard: closes idle and slow connections and caps how many are open.

uvicorn closes a connection idle *between* requests (keep-alive), but not one that never
sends a request, nor one that sends its request head or body a byte at a time, and it has
no cap on open connections: 3,000 such sockets took every descriptor and /health stopped
answering. `protocol_class` returns uvicorn's own HTTP/1.1 protocol (h11) with three rules
added (docs/decisions.md):

- a request head must arrive whole within `head_timeout` seconds of the connection opening
  or of the previous response;
- a request body must keep coming at `min_body_rate` bytes a second, measured over windows
  of `body_window` seconds (windows in which the hub itself paused reading do not count);
- at most `max_connections` are open: a new connection over the cap closes the one that has
  waited longest for its request head, or, when every open connection is busy with a
  request, is itself closed.
"""

from __future__ import annotations

import asyncio
import collections
import sys
from dataclasses import dataclass

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol

RESERVED_FDS = 200        # database files of the worker threads, logs, the listening socket


@dataclass(frozen=True)
class Limits:
    max_connections: int = 1000
    head_timeout: float = 5.0
    body_window: float = 5.0
    min_body_rate: int = 8 * 1024
    # asyncio accepts up to the listen backlog in one go before any connection is counted,
    # so under a low descriptor limit the backlog is small and its descriptors set aside.
    backlog: int = 1024


def raise_fd_limit(wanted: int = 65536) -> int:
    """Raise this process's soft descriptor limit towards the hard one; the limit now in
    force (0 where the platform has none to read)."""
    if sys.platform == "win32":
        return 0
    import resource

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
    if soft != resource.RLIM_INFINITY and soft < target:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
            soft = target
        except (ValueError, OSError):
            pass
    return 0 if soft == resource.RLIM_INFINITY else soft


def limits_for(fd_limit: int, limits: Limits | None = None) -> Limits:
    """Cap connections so that sockets and their uploads' temporary files (two descriptors
    each) never exhaust the descriptors: the hub must always be able to accept /health."""
    limits = limits or Limits()
    if fd_limit <= 0:
        return limits
    backlog = max(64, min(limits.backlog, fd_limit // 8))
    cap = max(16, (fd_limit - RESERVED_FDS - backlog) // 2)
    return Limits(min(limits.max_connections, cap), limits.head_timeout, limits.body_window,
                  limits.min_body_rate, backlog)


def protocol_class(limits: Limits) -> type[H11Protocol]:
    """uvicorn's h11 protocol with the guard's rules; one class per server (it keeps the
    queue of connections waiting for a request head)."""
    # Connections waiting for a request head, longest-waiting first: the ones to shed.
    waiting: collections.OrderedDict[GuardedProtocol, None] = collections.OrderedDict()

    class GuardedProtocol(H11Protocol):
        _timer: asyncio.TimerHandle | None = None
        _phase = "head"
        _body_seen = 0

        def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
            super().connection_made(transport)
            self._bytes_in = 0
            self._await_head()
            if len(self.connections) > limits.max_connections:
                # This one queued last, so it goes only if no other waits for its head.
                next(iter(waiting))._drop()

        def data_received(self, data: bytes) -> None:
            self._bytes_in += len(data)
            super().data_received(data)
            if self.transport.is_closing():
                return
            state = self.conn.their_state
            if state is h11.IDLE:
                return                  # still inside the head: its deadline stands
            if state is h11.SEND_BODY:
                if self._phase != "body":
                    self._await_body()
                return
            # The whole request is in: the hub's own work takes as long as it takes.
            self._leave_waiting()
            self._phase = "app"
            self._disarm()

        def on_response_complete(self) -> None:
            super().on_response_complete()
            if self.transport.is_closing():
                return
            if self.conn.their_state is h11.IDLE:
                self._await_head()
            elif self.conn.their_state is h11.SEND_BODY:
                self._await_body()      # answered early; the rest must still keep coming

        def connection_lost(self, exc: Exception | None) -> None:
            self._disarm()
            self._leave_waiting()
            super().connection_lost(exc)

        # --- the rules

        def _await_head(self) -> None:
            self._phase = "head"
            waiting[self] = None
            waiting.move_to_end(self)
            self._arm(limits.head_timeout, self._drop)

        def _await_body(self) -> None:
            self._leave_waiting()
            self._phase = "body"
            self._body_seen = self._bytes_in
            self._arm(limits.body_window, self._check_body)

        def _check_body(self) -> None:
            if self.conn.their_state is not h11.SEND_BODY or self.transport.is_closing():
                return
            if self.flow.read_paused:
                # The hub is behind, not the sender: start a fresh window.
                self._body_seen = self._bytes_in
            elif self._bytes_in - self._body_seen < limits.min_body_rate * limits.body_window:
                self._drop()
                return
            self._body_seen = self._bytes_in
            self._arm(limits.body_window, self._check_body)

        def _drop(self) -> None:
            self._disarm()
            self._leave_waiting()
            if not self.transport.is_closing():
                self.transport.close()

        def _arm(self, delay: float, callback) -> None:
            self._disarm()
            self._timer = self.loop.call_later(delay, callback)

        def _disarm(self) -> None:
            if self._timer is not None:
                self._timer.cancel()
                self._timer = None

        def _leave_waiting(self) -> None:
            waiting.pop(self, None)

    return GuardedProtocol
