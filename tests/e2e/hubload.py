"""Load against the real hub process on 127.0.0.1, shared by tests/e2e/test_hub_network.py and
bench/hub.py: start `griddesk hub` (optionally under a descriptor limit), enroll a community
by files, and raw-socket clients: idle and half-sent connections, stranger uploads that
stream hundreds of MB, real uploads, /health timed on a fresh connection."""

from __future__ import annotations

import json
import os
import resource
import socket
import struct
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from app.sync import bundle as fmt

ROOT = Path(__file__).resolve().parents[2]
CHUNK = b"\x5a" * (1024 * 1024)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def griddesk(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "ui.launcher", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120, check=False)


@dataclass
class Hub:
    proc: subprocess.Popen
    port: int
    db_path: Path
    env: dict[str, str]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def status(self) -> dict[str, int]:
        """The hub process's memory from /proc, in MB: rss now, hwm the peak so far."""
        fields = {}
        for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
            key, _, value = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                fields[key[2:].lower()] = int(value.split()[0]) // 1024
        return fields

    def open_fds(self) -> int:
        return len(os.listdir(f"/proc/{self.proc.pid}/fd"))

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=10)


def init_district(folder: Path) -> tuple[Path, dict[str, str]]:
    """A district database made by `griddesk district init`; its keys go to this process's
    GRIDDESK_DATA_DIR, so that this process can enroll communities with it by files."""
    env = {**os.environ}
    path = folder / "district.sqlite"
    done = griddesk("district", "init", "--db", str(path), "--name", "中原区",
                    "--code", "410102", env=env)
    assert done.returncode == 0, done.stderr
    return path, env


def start_hub(db_path: Path, env: dict[str, str], *, fd_limit: int | None = None) -> Hub:
    """`griddesk hub` on a free port, under `fd_limit` descriptors (soft and hard) if given."""

    def limit() -> None:
        if fd_limit is not None:
            resource.setrlimit(resource.RLIMIT_NOFILE, (fd_limit, fd_limit))

    for attempt in range(3):
        port = free_port()
        proc = subprocess.Popen([sys.executable, "-m", "ui.launcher", "hub", "--db",
                                 str(db_path), "--host", "127.0.0.1", "--port", str(port)],
                                cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                                stderr=subprocess.PIPE, preexec_fn=limit)
        hub = Hub(proc, port, db_path, env)
        deadline = time.time() + 30
        while True:
            try:
                health(port, timeout=1)
                return hub
            except OSError:
                if time.time() > deadline or proc.poll() is not None:
                    proc.kill()
                    error = proc.stderr.read().decode()
                    break
                time.sleep(0.2)
        # Another process (a parallel test worker) took the free port first: another port.
        if "address already in use" not in error.lower() or attempt == 2:
            raise AssertionError(error)
    raise AssertionError("unreachable")


def raise_own_fd_limit(wanted: int) -> int:
    """This (client) process's soft descriptor limit, raised towards `wanted` where allowed."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
    if soft < target:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


# --- raw HTTP/1.1 clients ---------------------------------------------------------------------

def _read_response(sock: socket.socket) -> tuple[int, bytes]:
    data = b""
    while b"\r\n\r\n" not in data:
        got = sock.recv(65536)
        if not got:
            raise ConnectionError("closed before a response")
        data += got
    head, _, body = data.partition(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    length = next((int(line.split(b":", 1)[1]) for line in head.split(b"\r\n")[1:]
                   if line.lower().startswith(b"content-length:")), None)
    while length is not None and len(body) < length:
        got = sock.recv(65536)
        if not got:
            break
        body += got
    return status, body


def request(port: int, method: str, target: str, body: bytes = b"", *,
            headers: dict[str, str] | None = None, timeout: float = 30) -> tuple[int, bytes]:
    lines = [f"{method} {target} HTTP/1.1", "Host: 127.0.0.1", "Connection: close",
             f"Content-Length: {len(body)}"]
    lines += [f"{k}: {v}" for k, v in (headers or {}).items()]
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode() + body)
        return _read_response(sock)


def health(port: int, timeout: float = 5) -> float:
    """Seconds for GET /health on a fresh connection, connect included."""
    started = time.perf_counter()
    status, body = request(port, "GET", "/health", timeout=timeout)
    if status != 200 or json.loads(body)["status"] != "ok":
        raise OSError(f"/health answered {status}")
    return time.perf_counter() - started


def open_idle(port: int, count: int, *, half_sent: bool = True) -> list[socket.socket]:
    """Connections that send nothing, or (every second one) half a request head, and wait."""
    socks = []
    for i in range(count):
        sock = socket.create_connection(("127.0.0.1", port), timeout=10)
        if half_sent and i % 2:
            sock.sendall(b"POST /bundles HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Le")
        socks.append(sock)
    return socks


def closed_by_peer(sock: socket.socket) -> bool:
    """Whether the hub has closed this connection (EOF or reset), without waiting."""
    sock.setblocking(False)
    try:
        return sock.recv(1) == b""
    except BlockingIOError:
        return False
    except OSError:
        return True


def stranger_head(sender: str, recipient: str, body_size: int) -> bytes:
    """The first bytes of a bundle as an unknown node would send it: a well-formed header
    that names `sender` and `recipient`, announcing `body_size` bytes of body."""
    header = json.dumps({"format": 2, "sender": sender, "recipient": recipient,
                         "bundle_id": "0", "part": 1, "parts": 1, "created": "now"},
                        sort_keys=True).encode()
    return fmt.MAGIC + struct.pack(">I", len(header)) + header + struct.pack(">Q", body_size)


def stream_upload(port: int, head: bytes, total: int, timeout: float = 60
                  ) -> tuple[int | None, int]:
    """POST /bundles with `head` then filler up to `total` bytes, sent as fast as the hub
    takes them: (the status if one could be read, the bytes the hub accepted)."""
    sent = 0
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        try:
            sock.sendall(f"POST /bundles HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                         f"Content-Type: application/octet-stream\r\n"
                         f"Content-Length: {total}\r\n\r\n".encode() + head)
            sent = len(head)
            while sent < total:
                n = sock.send(CHUNK[:min(len(CHUNK), total - sent)])
                sent += n
        except OSError:
            pass
        try:
            status, _ = _read_response(sock)
        except OSError:
            status = None
    return status, sent


def upload_burst(port: int, data: bytes, uploads: int) -> list[int]:
    """`uploads` concurrent POST /bundles of `data`, one thread each; their statuses."""
    import threading

    statuses: list[int] = []

    def upload() -> None:
        try:
            statuses.append(request(port, "POST", "/bundles", data, timeout=600)[0])
        except OSError:
            statuses.append(0)

    threads = [threading.Thread(target=upload) for _ in range(uploads)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return statuses


def start_burst(port: int, data: bytes, uploads: int):
    """upload_burst in a process of its own, so that its threads do not delay the caller's
    own timing of /health (one process's GIL): a Future of the statuses."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    pool = ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn"))
    pool.submit(int, 0).result()     # started before the clock runs
    future = pool.submit(upload_burst, port, data, uploads)
    pool.shutdown(wait=False)
    return future
