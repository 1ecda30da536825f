"""Online enrollment against the real hub process on 127.0.0.1 (issue 13): a code dies after
five wrong guesses and each wrong guess costs more time; a request that would replace an
enrolled community's computer waits for the district operator."""

from __future__ import annotations

import itertools
import re
import threading
import time
import urllib.error
import urllib.request

import pytest

from app import registry
from app.sync import client, engine
from db.node import set_meta, transaction
from tests.app.sync.test_sync import new_community, node
from tests.e2e import test_hub as base

hub = base.hub    # the fixture: a district database served by `griddesk hub` on a free port


def timed_guess(community, url, code):
    started = time.monotonic()
    try:
        client.enroll_online(community, url, code)
        return time.monotonic() - started, ""
    except client.HubUnavailable as exc:
        return time.monotonic() - started, exc.message


def test_five_wrong_guesses_void_the_code_and_each_costs_more(hub, tmp_path):
    url, district_path, env = hub
    community = new_community(tmp_path, "长江路社区", "410102007003")
    code = base.issue_code(district_path, env)
    results = []
    health_took = []

    def health_meanwhile():
        time.sleep(0.5)
        started = time.monotonic()
        assert client.health(url)["status"] == "ok"
        health_took.append(time.monotonic() - started)

    for i in range(1, 6):
        wrong = f"{(int(code) + i) % 10**6:06d}"
        if i < 5:
            results.append(timed_guess(community, url, wrong))
            continue
        # While the fifth wrong guess waits out its delay, the hub answers everyone else.
        other = threading.Thread(target=health_meanwhile)
        other.start()
        results.append(timed_guess(community, url, wrong))
        other.join()
    took = [t for t, _m in results]
    assert all("登记码不正确" in m for _t, m in results[:4]), results
    assert "作废" in results[4][1]
    assert all(later > earlier + 0.1 for earlier, later in itertools.pairwise(took)), took
    assert took[4] > 2.5 and health_took[0] < 1.0, (took, health_took)

    # The right code no longer works: it must be issued anew at the district.
    _t, message = timed_guess(community, url, code)
    assert "作废" in message and "重新生成" in message
    assert engine.district_peer(community) is None
    fresh = base.issue_code(district_path, env)
    assert client.enroll_online(community, url, fresh)["name"] == "中原区"


def download_as(db, url):
    """GET /bundles/mine signed with this node's own keys (what an enrolled node does)."""
    stamp = f"{time.time():.0f}"
    signature = engine.keys(db).signing.sign(
        f"GET /bundles/mine {stamp}".encode()).signature.hex()
    req = urllib.request.Request(url + "/bundles/mine", headers={
        "X-GD-Node": node(db), "X-GD-Time": stamp, "X-GD-Signature": signature})
    with urllib.request.urlopen(req, timeout=30) as resp:
        return resp.status


def test_a_replacement_request_waits_for_the_district_and_the_office_keeps_syncing(
        hub, tmp_path):
    url, district_path, env = hub
    office = new_community(tmp_path, "长江路社区", "410102007003")
    assert client.enroll_online(office, url, base.issue_code(district_path, env))
    assert client.sync_once(office, url).uploaded > 0

    # Another computer claims the community and says it replaces the office's node (node ids
    # travel in every bundle header), with a valid code (guessed, or talked out of someone).
    (tmp_path / "pc2").mkdir()
    other = new_community(tmp_path / "pc2", "长江路社区", "410102007003", (("假人", "199"),))
    with transaction(other):
        set_meta(other, "restored_from", node(office))
    code = base.issue_code(district_path, env)
    with pytest.raises(client.EnrollmentPending) as err:
        client.enroll_online(other, url, code, reason="换新电脑")
    assert "区里" in err.value.message and "确认" in err.value.message
    with pytest.raises(client.EnrollmentPending):      # asking again: no code, still waiting
        client.enroll_online(other, url)
    with pytest.raises(urllib.error.HTTPError) as http:  # it gets no residents
        download_as(other, url)
    assert http.value.code == 403

    # The office is still enrolled and syncs as before.
    registry.edit_resident(office, office.ids["张三"], {"phone": "13900001234"})
    assert client.sync_once(office, url).uploaded == 1
    assert download_as(office, url) == 200

    # The operator sees both fingerprints and the reason, and confirms.
    listed = base.griddesk("district", "pending", "--db", str(district_path), env=env)
    assert listed.returncode == 0, listed.stderr
    assert engine.keys(other).fingerprint in listed.stdout
    assert engine.keys(office).fingerprint in listed.stdout and "换新电脑" in listed.stdout
    request_id = re.search(r"\[(\d+)\]", listed.stdout).group(1)
    done = base.griddesk("district", "confirm", "--db", str(district_path), request_id, env=env)
    assert done.returncode == 0 and "已确认" in done.stdout, done.stderr

    # Asking again now gets the answer, without a new code; the old computer is refused.
    assert client.enroll_online(other, url)["name"] == "中原区"
    assert download_as(other, url) == 200
    with pytest.raises(client.HubUnavailable) as err:
        client.sync_once(office, url)
    assert not err.value.offline
