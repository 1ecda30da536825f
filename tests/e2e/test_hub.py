"""The real district hub process on 127.0.0.1, and a community syncing with it."""

import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from app import registry
from app.database import open_community_db
from app.sync import client, engine
from tests.app.sync.test_sync import new_community

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def griddesk(*args, env=None):
    return subprocess.run([sys.executable, "-m", "ui.launcher", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120, check=False)


def issue_code(district_path, env) -> str:
    """`griddesk district code`: the code, its expiry and how it dies; the code alone."""
    done = griddesk("district", "code", "--db", str(district_path), env=env)
    assert done.returncode == 0, done.stderr
    assert "有效期至" in done.stdout and "输错5次" in done.stdout
    return re.search(r"登记码：(\d{6})", done.stdout).group(1)


@pytest.fixture
def hub(tmp_path):
    env = {**os.environ, "GRIDDESK_DATA_DIR": str(tmp_path / "district-data")}
    path = tmp_path / "district.sqlite"
    done = griddesk("district", "init", "--db", str(path), "--name", "中原区",
                    "--code", "410102", env=env)
    assert done.returncode == 0, done.stderr
    for attempt in range(3):
        port = free_port()
        proc = subprocess.Popen([sys.executable, "-m", "ui.launcher", "hub", "--db", str(path),
                                 "--host", "127.0.0.1", "--port", str(port)], cwd=ROOT,
                                env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        url = f"http://127.0.0.1:{port}"
        deadline = time.time() + 30
        error = ""
        while True:
            try:
                client.health(url, timeout=1)
                break
            except client.HubUnavailable:
                if time.time() > deadline or proc.poll() is not None:
                    proc.kill()
                    error = proc.stderr.read().decode()
                    break
                time.sleep(0.2)
        if not error:
            break
        # Another process (a parallel test worker) took the free port first: another port.
        if "address already in use" not in error.lower() or attempt == 2:
            raise AssertionError(error)
    yield url, path, env
    proc.terminate()
    proc.wait(timeout=10)


def test_enroll_online_sync_and_refusals(hub, tmp_path):
    url, district_path, env = hub
    assert client.health(url)["name"] == "中原区"
    community = new_community(tmp_path, "长江路社区", "410102007003")

    # Without enrollment the hub refuses the community.
    with pytest.raises(client.HubUnavailable) as err:
        client.sync_once(community, url)
    assert "登记" in err.value.message

    # A wrong code is refused; the code shown at the district works once.
    with pytest.raises(client.HubUnavailable) as err:
        client.enroll_online(community, url, "000000x")
    assert "登记码" in err.value.message and not err.value.offline
    code = issue_code(district_path, env)
    assert client.enroll_online(community, url, code)["name"] == "中原区"

    result = client.sync_once(community, url)
    assert result.uploaded > 0
    district = open_community_db(district_path)
    names = sorted(r[0] for r in district.conn.execute(
        "SELECT name FROM residents WHERE deleted = 0"))
    assert names == ["张三", "李四"]
    district.conn.close()

    # An edit travels on the next sync, alone.
    registry.edit_resident(community, community.ids["张三"], {"phone": "13900001234"})
    assert client.sync_once(community, url).uploaded == 1

    # A tampered upload is refused and changes nothing at the district.
    (_name, data, _n), = engine.build_bundles(community, engine.district_peer(community)
                                              ["node_id"])
    bad = bytearray(data)
    bad[-10] ^= 0xFF
    req = urllib.request.Request(url + "/bundles", data=bytes(bad), method="POST")
    with pytest.raises(urllib.error.HTTPError) as http:
        urllib.request.urlopen(req, timeout=10)
    assert http.value.code in (403, 422)

    # A stranger's bundle is refused on its header.
    stranger = new_community(tmp_path, "外来社区", "410103001001")
    from app.sync.bundle import seal
    header = {"format": 1, "sender": stranger._griddesk.node_id, "recipient": "x",
              "bundle_id": "x", "part": 1, "parts": 1, "created": "now"}
    blob = seal(header, {"manifest": {}, "changes": []}, engine.keys(stranger),
                engine.keys(stranger).box_public)
    req = urllib.request.Request(url + "/bundles", data=blob, method="POST")
    with pytest.raises(urllib.error.HTTPError) as http:
        urllib.request.urlopen(req, timeout=10)
    assert http.value.code == 403


def test_offline_hub_is_reported_not_raised_as_a_crash(tmp_path):
    community = new_community(tmp_path, "长江路社区", "410102007003")
    with pytest.raises(client.HubUnavailable) as err:
        client.health(f"http://127.0.0.1:{free_port()}", timeout=1)
    assert err.value.offline and "网络" in err.value.message
    assert community  # the office keeps working: nothing was touched
