"""Receiving a bundle upload at the hub: the header judged from the first bytes, the body
streamed to a temporary file under a cap, never held whole in memory.

Order matters: an unknown or revoked sender, a wrong recipient or a declared size over the
cap is refused (and the connection closed) after at most MAX_HEADER + 26 bytes, before the
hub reads on; only then does the rest go to disk, and only a file exactly as long as its
header says is handed on to be applied, by `Importer`, in a helper process.
"""

from __future__ import annotations

import multiprocessing
import os
import tempfile
import threading
from collections.abc import AsyncIterator, Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import BinaryIO

import anyio
import sqlite_utils
from starlette.requests import ClientDisconnect

from app.sync import bundle as fmt
from app.sync import engine
from app.sync.bundle import BundleError
from app.sync.hubapi import refuse

SUFFIX = ".upload"
TOO_LARGE = "同步包过大，无法在线上传。请改用U盘同步，或联系区里。"
INTERRUPTED = "上传中断，同步包不完整。请检查网络后重新同步；区里没有任何改动。"
TOO_LONG = "上传的内容比同步包声明的长，已拒绝。请重新同步；区里没有任何改动。"
SPILL = 256 * 1024        # bytes of body held per connection before they go to disk


def incoming_folder(db_path: Path) -> Path:
    """Beside the district database, on its disk (a tmpfs /tmp would hold uploads in RAM);
    what an earlier run left there is removed."""
    folder = db_path.parent / f".{db_path.name}.incoming"
    folder.mkdir(parents=True, exist_ok=True)
    for leftover in folder.glob(f"*{SUFFIX}"):
        leftover.unlink(missing_ok=True)
    return folder


def declared_length(value: str | None) -> int | None:
    if value is None:
        return None
    if not value.isdigit():
        raise refuse(400, "请求头 Content-Length 不正确。", "bad_request", close=True)
    return int(value)


async def receive(chunks: AsyncIterator[bytes], declared: int | None,
                  check: Callable[[fmt.Head], object], folder: Path, cap: int
                  ) -> Path | bytes:
    """The uploaded bundle: its bytes if it fits in SPILL, else a temporary file in `folder`
    (the caller deletes it).

    `check(head)` refuses on the header alone (engine.check_header raises BundleError);
    every refusal is an HTTPException that closes the connection.
    """
    if declared is not None and declared > cap:
        raise refuse(413, TOO_LARGE, "too_large", close=True)
    prefix = bytearray()
    head = None
    try:
        async for chunk in chunks:
            prefix += chunk
            head = fmt.read_head(prefix)
            if head is not None:
                break
    except BundleError as exc:
        raise refuse(400, exc.message, exc.code, close=True) from exc
    except ClientDisconnect as exc:
        raise refuse(400, INTERRUPTED, "truncated", close=True) from exc
    if head is None:
        raise refuse(400, fmt.TRUNCATED, "truncated", close=True)
    total = head.body_offset + head.body_size
    if total > cap:
        raise refuse(413, TOO_LARGE, "too_large", close=True)
    if declared is not None and declared > total:
        raise refuse(400, TOO_LONG, "too_long", close=True)
    if declared is not None and declared < total:
        raise refuse(400, fmt.TRUNCATED, "truncated", close=True)
    try:
        check(head)
    except BundleError as exc:
        raise refuse(403, exc.message, exc.code, close=True) from exc

    # The body goes to disk in slices of SPILL bytes, each written by a worker thread: a
    # burst of uploads then costs the event loop no file system calls (0.7 ms each here).
    buffer, size = prefix, len(prefix)
    del prefix
    file = path = None
    try:
        if size > total:
            raise refuse(400, TOO_LONG, "too_long", close=True)
        async for chunk in chunks:
            size += len(chunk)
            if size > total:
                raise refuse(400, TOO_LONG, "too_long", close=True)
            buffer += chunk
            if len(buffer) >= SPILL:
                if file is None:
                    file, path = await anyio.to_thread.run_sync(_create, folder)
                await anyio.to_thread.run_sync(file.write, bytes(buffer))
                buffer = bytearray()
        if size < total:
            raise refuse(400, fmt.TRUNCATED, "truncated", close=True)
        if file is None:
            return bytes(buffer)    # small: no file, no thread (a burst is mostly these)
        await anyio.to_thread.run_sync(_finish, file, bytes(buffer))
        return path
    except BaseException as exc:
        if file is not None:
            file.close()
            path.unlink(missing_ok=True)
        if isinstance(exc, ClientDisconnect):
            raise refuse(400, INTERRUPTED, "truncated", close=True) from exc
        raise


def _create(folder: Path) -> tuple[BinaryIO, Path]:
    fd, name = tempfile.mkstemp(suffix=SUFFIX, dir=folder)
    return os.fdopen(fd, "wb"), Path(name)


def _finish(file: BinaryIO, rest: bytes) -> None:
    with file:
        file.write(rest)


class ImporterUnavailable(Exception):
    """The helper process died (out of memory, killed): this upload was not applied."""


class Importer:
    """Applies uploaded bundle files to the district database one at a time, in one helper
    process: an import is seconds of Python that would hold the GIL, and in a thread it made
    the event loop wait its turn for every step (/health took up to 0.7 s during a burst);
    in its own process it delays nothing, and a crash or its memory stays there."""

    def __init__(self, db_path: Path) -> None:
        self.db_path = Path(db_path)
        self._pool: ProcessPoolExecutor | None = None
        self._lock = threading.Lock()

    def _started(self) -> ProcessPoolExecutor:
        with self._lock:
            if self._pool is None:
                self._pool = ProcessPoolExecutor(
                    max_workers=1, mp_context=multiprocessing.get_context("spawn"),
                    initializer=_lower_priority)
            return self._pool

    def warm(self) -> None:
        """Start the helper and open its database now: starting it takes a second of CPU,
        which the first upload of a burst would otherwise wait for (and /health with it)."""
        try:
            self._started().submit(_warm, str(self.db_path)).result()
        except BrokenProcessPool:
            with self._lock:
                self._pool = None

    def apply(self, received: Path | bytes) -> engine.ImportOutcome:
        """Blocks until the bundle (a file or, if small, its bytes) is applied or refused;
        call it from a worker thread, holding the hub's write lock."""
        pool = self._started()
        try:
            return pool.submit(_import_file, str(self.db_path), received).result()
        except BrokenProcessPool as exc:
            with self._lock:
                if self._pool is pool:
                    self._pool = None
            raise ImporterUnavailable(str(exc)) from exc

    def close(self) -> None:
        with self._lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)


_helper_db: dict[str, sqlite_utils.Database] = {}


def _open(db_path: str) -> sqlite_utils.Database:
    # In the helper process: one connection, kept for the next upload.
    from app.database import open_community_db

    if db_path not in _helper_db:
        _helper_db[db_path] = open_community_db(Path(db_path))
    return _helper_db[db_path]


def _lower_priority() -> None:
    # Imports are background work: on a small machine the CPU goes to answering first.
    if hasattr(os, "nice"):
        os.nice(5)


def _warm(db_path: str) -> None:
    _open(db_path)


def _import_file(db_path: str, received: Path | bytes) -> engine.ImportOutcome:
    data = received if isinstance(received, bytes) else Path(received).read_bytes()
    return engine.import_bundle_bytes(_open(db_path), data, "upload")
