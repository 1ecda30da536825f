"""The hub facing a network (issue 13), against the real `griddesk hub` process on 127.0.0.1:
uploads judged on their header and streamed to disk, idle and slow connections closed under
a descriptor limit, imports off the event loop, and 4xx (never 5xx) for bad input.

Times are asserted only where the issue names a bound, generously, and printed."""

from __future__ import annotations

import json
import socket
import threading
import time

import pytest

from app.database import open_community_db
from app.demo import build_demo
from app.sync import engine, upload
from tests.e2e import hubload

MB = 1024 * 1024


@pytest.fixture
def district(tmp_path):
    return hubload.init_district(tmp_path)


@pytest.fixture
def hub(district):
    running = hubload.start_hub(*district)
    yield running
    running.stop()


@pytest.fixture(scope="module")
def refusing_hub(tmp_path_factory):
    """One hub for the tests that send it only what it must refuse (nothing they send is
    counted or stored), instead of a district and a hub process each."""
    folder = tmp_path_factory.mktemp("refusing-hub")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("GRIDDESK_DATA_DIR", str(folder / "data"))    # its keys, not the user's
        running = hubload.start_hub(*hubload.init_district(folder))
    yield running
    running.stop()


@pytest.fixture
def enrolled(tmp_path, district):
    """A 100-resident community enrolled with the district by files, before the hub starts;
    (the community, its bundle for the district)."""
    build_demo(tmp_path / "community.sqlite", residents=100, seed=7)
    community = open_community_db(tmp_path / "community.sqlite")
    district_db = open_community_db(district[0])
    engine.enroll_by_files(community, district_db, tmp_path / "enroll")
    district_db.conn.close()
    (_name, data, _count), = engine.build_bundles(
        community, engine.district_peer(community)["node_id"])
    return community, data


def residents_at(path) -> int:
    db = open_community_db(path)
    try:
        return db.conn.execute("SELECT count(*) FROM residents").fetchone()[0]
    finally:
        db.conn.close()


def refusal(body: bytes) -> dict:
    return json.loads(body)["detail"]


# --- item 2: the header from the first bytes, the body to disk --------------------------------

def test_eight_strangers_uploading_250_mb_each_cost_the_hub_no_memory(hub):
    before = hub.status()
    head = hubload.stranger_head("nobody", "somebody", 250 * MB)
    total = len(head) + 250 * MB
    results: list[tuple[int | None, int]] = []

    def upload() -> None:
        results.append(hubload.stream_upload(hub.port, head, total))

    threads = [threading.Thread(target=upload) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    after = hub.status()
    print(f"\nhub memory: {before['rss']} MB before, peak {after['hwm']} MB under 8 x 250 MB "
          f"uploads from unknown senders; bytes the hub took per upload: "
          f"{sorted(sent // MB for _s, sent in results)} MB")
    assert len(results) == 8
    # The hub stops reading after the header: at most socket buffers' worth got through.
    assert all(status in (403, None) for status, _sent in results), results
    assert all(sent < 64 * MB for _status, sent in results), results
    # Reading the bodies whole took 2.3 GB; streaming nothing of them costs next to nothing.
    assert after["hwm"] - before["rss"] < 300, (before, after)
    assert hubload.health(hub.port) < 5


def test_a_stranger_is_refused_before_sending_its_body(hub):
    # Only the first bytes are sent, announcing 250 MB: the answer comes without the rest.
    head = hubload.stranger_head("nobody", "somebody", 250 * MB)
    with socket.create_connection(("127.0.0.1", hub.port), timeout=10) as sock:
        sock.sendall(f"POST /bundles HTTP/1.1\r\nHost: x\r\nContent-Length: "
                     f"{len(head) + 250 * MB}\r\n\r\n".encode() + head)
        status, body = hubload._read_response(sock)
        assert status == 403
        assert refusal(body)["code"] == "unknown_sender"
        assert "未登记" in refusal(body)["message"]
        assert sock.recv(1) == b""      # and the hub hangs up: the rest is not read


def test_oversize_and_malformed_uploads_are_refused_before_the_body(hub, enrolled):
    community, data = enrolled
    sender = engine.keys(community).node_id
    node = json.loads(hubload.request(hub.port, "GET", "/health")[1])["node"]

    # A header announcing more than the cap: 413, read from the first bytes only.
    head = hubload.stranger_head(sender, node, 300 * MB)
    with socket.create_connection(("127.0.0.1", hub.port), timeout=10) as sock:
        sock.sendall(f"POST /bundles HTTP/1.1\r\nHost: x\r\nContent-Length: "
                     f"{len(head) + 300 * MB}\r\n\r\n".encode() + head)
        status, body = hubload._read_response(sock)
    assert status == 413 and refusal(body)["code"] == "too_large"

    # Addressed to another node: 403 on the header.
    status, body = hubload.request(hub.port, "POST", "/bundles",
                                   hubload.stranger_head(sender, "elsewhere", 10) + b"x" * 10)
    assert status == 403 and refusal(body)["code"] == "not_for_us"

    # Not a bundle, a header that is not JSON, a format that is not a number: 400.
    assert hubload.request(hub.port, "POST", "/bundles", b"GET me a bundle")[0] == 400
    bad = data.replace(b'"format": 2', b'"format": "2"', 1)
    assert bad != data
    status, body = hubload.request(hub.port, "POST", "/bundles", bad)
    assert status == 400, body
    deep = b"[" * 10_000
    deep = hubload.stranger_head(sender, node, 0)[:len(b"GRIDDESK-SYNC\n")] + \
        len(deep).to_bytes(4, "big") + deep + bytes(8)
    status, body = hubload.request(hub.port, "POST", "/bundles", deep)
    assert status == 400 and refusal(body)["code"] == "not_a_bundle", body

    # Shorter or longer than its header says: 400, nothing applied.
    status, body = hubload.request(hub.port, "POST", "/bundles", data[:-1])
    assert status == 400 and refusal(body)["code"] == "truncated"
    status, body = hubload.request(hub.port, "POST", "/bundles", data + b"\0")
    assert status == 400 and refusal(body)["code"] == "too_long"
    assert residents_at(hub.db_path) == 0

    # The whole bundle, streamed to a temporary file, is applied; no file is left behind.
    status, body = hubload.request(hub.port, "POST", "/bundles", data)
    assert status == 200 and json.loads(body)["status"] == "applied", body
    assert residents_at(hub.db_path) == 100
    incoming = hub.db_path.parent / f".{hub.db_path.name}.incoming"
    assert list(incoming.iterdir()) == []


def test_a_bundle_larger_than_memory_slices_goes_through_a_file_and_leaves_none(
        tmp_path, district):
    build_demo(tmp_path / "big.sqlite", residents=2000, seed=7)
    community = open_community_db(tmp_path / "big.sqlite")
    district_db = open_community_db(district[0])
    engine.enroll_by_files(community, district_db, tmp_path / "enroll")
    district_db.conn.close()
    (_name, data, _count), = engine.build_bundles(
        community, engine.district_peer(community)["node_id"])
    assert len(data) > upload.SPILL       # so the body goes to a temporary file
    hub = hubload.start_hub(*district)
    incoming = hub.db_path.parent / f".{hub.db_path.name}.incoming"
    try:
        # Cut short (the sender hangs up half-way), then too short: refused, no file left.
        with socket.create_connection(("127.0.0.1", hub.port), timeout=10) as sock:
            sock.sendall(f"POST /bundles HTTP/1.1\r\nHost: x\r\nContent-Length: {len(data)}"
                         f"\r\n\r\n".encode() + data[:(upload.SPILL + len(data)) // 2])
            time.sleep(0.5)
        status, body = hubload.request(hub.port, "POST", "/bundles", data[:-10])
        assert status == 400 and refusal(body)["code"] == "truncated"
        assert residents_at(hub.db_path) == 0
        status, body = hubload.request(hub.port, "POST", "/bundles", data)
        assert status == 200 and json.loads(body)["status"] == "applied", body
        assert residents_at(hub.db_path) == 2000
        deadline = time.time() + 10
        while list(incoming.iterdir()) and time.time() < deadline:
            time.sleep(0.1)
        assert list(incoming.iterdir()) == []
    finally:
        hub.stop()


# --- item 3: idle and slow connections ---------------------------------------------------------

def test_health_answers_while_3000_idle_connections_are_open(district):
    # The hub runs under the common limit of 1,024 descriptors; this process needs one per
    # socket it opens, so it raises its own limit where allowed (fewer sockets otherwise).
    own = hubload.raise_own_fd_limit(3000 + 200)
    count = min(3000, own - 200)
    hub_limit = 1024 if count >= 3000 else max(64, count // 3)
    hub = hubload.start_hub(*district, fd_limit=hub_limit)
    socks = []
    try:
        started = time.perf_counter()
        socks = hubload.open_idle(hub.port, count)
        opened = time.perf_counter() - started
        latencies = [hubload.health(hub.port, timeout=10) for _ in range(5)]
        fds = hub.open_fds()
        print(f"\n/health with {count} idle or half-sent connections opened ({opened:.1f} s to "
              f"open) against a hub limited to {hub_limit} descriptors: "
              f"{', '.join(f'{x * 1000:.0f}' for x in latencies)} ms; hub holds {fds} fds")
        assert max(latencies) < 1.0            # the bound
        assert fds < hub_limit
        # Every idle connection is closed within a few seconds, half-sent heads included.
        deadline = time.time() + 20
        while time.time() < deadline and not all(hubload.closed_by_peer(s) for s in socks):
            time.sleep(0.5)
        assert all(hubload.closed_by_peer(s) for s in socks)
    finally:
        for s in socks:
            s.close()
        hub.stop()


def test_a_body_sent_a_byte_at_a_time_is_cut_off(hub, enrolled):
    _community, data = enrolled
    with socket.create_connection(("127.0.0.1", hub.port), timeout=30) as sock:
        sock.sendall(f"POST /bundles HTTP/1.1\r\nHost: x\r\nContent-Length: {len(data)}"
                     f"\r\n\r\n".encode() + data[:1000])
        started = time.perf_counter()
        closed = False
        for i in range(1000, min(len(data), 1060)):
            try:
                sock.sendall(data[i:i + 1])
            except OSError:
                closed = True
                break
            if hubload.closed_by_peer(sock):
                closed = True
                break
            sock.setblocking(True)
            time.sleep(0.5)
        print(f"\na body dripping 2 bytes a second was cut off after "
              f"{time.perf_counter() - started:.1f} s")
        assert closed
    assert residents_at(hub.db_path) == 0
    assert hubload.health(hub.port) < 5


# --- item 5: imports off the event loop ---------------------------------------------------------

def test_health_stays_fast_during_a_burst_of_200_uploads(hub, enrolled):
    _community, data = enrolled
    started = time.perf_counter()
    burst = hubload.start_burst(hub.port, data, 200)
    latencies = []
    while not burst.done():
        latencies.append(hubload.health(hub.port, timeout=30))
        time.sleep(0.02)
    statuses = burst.result()
    latencies.sort()
    median = latencies[len(latencies) // 2]
    print(f"\n200 concurrent uploads took {time.perf_counter() - started:.1f} s; /health "
          f"during them ({len(latencies)} calls): median {median * 1000:.0f} ms, "
          f"max {latencies[-1] * 1000:.0f} ms")
    assert statuses == [200] * 200
    assert residents_at(hub.db_path) == 100
    # The issue names 100 ms; the bound here is generous for a shared 2-core machine that
    # also runs the 200 clients (an import on the event loop held /health for seconds).
    assert latencies[-1] < 0.5


# --- item 4: bad input answers 4xx, never 5xx ---------------------------------------------------

@pytest.mark.parametrize("body", [b"{{{", b"[1,2]", b'{"code": 5}', b'{"code": "1", "request": 5}',
                                  b"", b"\xff\xfe", b'"text"', b"null", b"[" * 100000])
def test_enroll_with_a_body_that_is_not_the_right_json_object_is_refused(refusing_hub, body):
    status, answer = hubload.request(refusing_hub.port, "POST", "/enroll", body,
                                     headers={"Content-Type": "application/json"})
    assert 400 <= status < 500, (status, answer)
    assert refusal(answer)["message"]


@pytest.mark.parametrize("query", ["part=abc", "part=0", "part=-1", "part=1.5",
                                   "part=99999999999999999999"])
def test_download_with_a_bad_part_is_refused_with_422(refusing_hub, query):
    status, answer = hubload.request(refusing_hub.port, "GET", f"/bundles/mine?{query}")
    assert status == 422, (status, answer)
    assert "格式不正确" in refusal(answer)["message"]


def test_download_with_bad_credentials_is_refused_with_403(hub, enrolled):
    community, _data = enrolled
    node = engine.keys(community).node_id
    for headers in ({}, {"X-GD-Node": node, "X-GD-Time": "nan", "X-GD-Signature": "zz"},
                    {"X-GD-Node": node, "X-GD-Time": "1e999", "X-GD-Signature": "00"},
                    {"X-GD-Node": node, "X-GD-Time": f"{time.time():.0f}",
                     "X-GD-Signature": "00" * 64}):
        status, answer = hubload.request(hub.port, "GET", "/bundles/mine", headers=headers)
        assert status == 403, (headers, status, answer)
