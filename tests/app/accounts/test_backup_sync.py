"""A community or district restored from a backup continues as a new sync node."""

from __future__ import annotations

import shutil

from nacl.pwhash import argon2id

from app import registry
from app.accounts import backup
from app.database import open_community_db
from app.sync import engine, enrollment
from db import sync as store
from tests.app.sync.test_sync import names, node, send, world  # noqa: F401  (fixture)
from tests.conftest import make_id

FAST_KDF = (argon2id.OPSLIMIT_INTERACTIVE, argon2id.MEMLIMIT_INTERACTIVE)


def reenroll(community, district, stick):
    """A restored node replaces an enrolled one: its request waits until the district
    operator confirms it (app.sync.enrollment), then the answer goes back."""
    shutil.rmtree(stick, ignore_errors=True)
    request, _spoken = engine.write_enroll_request(community, stick)
    seen = engine.read_enroll_request(request)
    assert engine.accept_enroll_request(district, seen) == "pending"
    assert seen.reason == "从备份恢复"
    (waiting,) = enrollment.pending(district)
    enrollment.confirm(district, waiting.id)
    engine.accept_enroll_response(community,
                                  engine.write_enroll_response(district, seen.node_id, stick))
    return seen


def test_restored_community_reenrolls_and_continues_under_a_new_node(world, tmp_path):  # noqa: F811
    district, a, _b, _stick = world
    a_path = tmp_path / "410102007003.sqlite"
    send(a, district, tmp_path / "1")
    send(district, a, tmp_path / "2")
    saved = backup.create_backup(a, tmp_path / "usb-backup", passphrase="pw-长江路",
                                 kdf_limits=FAST_KDF)
    # After the backup the office adds a resident and syncs it, then the disk dies.
    registry.add_resident(a, {"household_id": a.ids["household"], "name": "赵六",
                                "id_number": make_id("410102", seq="164")})
    send(a, district, tmp_path / "3")
    old_node = node(a)
    household = a.ids["household"]
    a.conn.close()

    backup.restore_backup(saved.path, a_path, "pw-长江路")
    a = open_community_db(a_path)
    assert names(a) == ["张三", "李四"]
    assert node(a) != old_node
    assert engine.needs_reenrollment(a)               # the 同步 page says so
    # Until it enrolls again the district does not know the new node.
    _paths, refused = send(a, district, tmp_path / "4")
    assert refused[0].status == "refused"

    seen = reenroll(a, district, tmp_path / "enroll")
    assert seen.replaces == old_node
    assert store.peer(district, old_node)["revoked"] == 1     # no bundles for the old node
    _paths, outcomes = send(a, district, tmp_path / "5")
    assert outcomes[0].status in ("applied", "duplicate")    # no "missing earlier bundle"
    _paths, outcomes = send(district, a, tmp_path / "6")
    assert outcomes[0].status in ("applied", "duplicate")
    # The work done after the backup that had reached the district comes back: the district
    # answers the replacing node with a snapshot of all it holds for the community.
    assert "赵六" in names(district) and "赵六" in names(a)
    assert not engine.needs_reenrollment(a)
    # Work after the restore reaches the district under the new node.
    registry.add_resident(a, {"household_id": household, "name": "钱七",
                                "id_number": make_id("410102", seq="175")})
    send(a, district, tmp_path / "7")
    assert "钱七" in names(district)
    assert [p["node_id"] for p in engine.community_rows(district)
            if not p["revoked"] and p["name"] == "长江路社区"] == [node(a)]
    a.conn.close()


def test_restored_district_answers_its_communities_again(world, tmp_path):  # noqa: F811
    district, a, _b, _stick = world
    d_path = tmp_path / "district.sqlite"
    send(a, district, tmp_path / "1")
    saved = backup.create_backup(district, tmp_path / "bk")
    old_district = node(district)
    district.conn.close()
    backup.restore_backup(saved.path, d_path)
    district = open_community_db(d_path)
    assert node(district) != old_district
    # The district writes a new answer for each community it already knows.
    response = engine.write_enroll_response(district, node(a), tmp_path / "answers")
    engine.accept_enroll_response(a, response)
    assert store.peer(a, old_district)["revoked"] == 1
    assert engine.district_peer(a)["node_id"] == node(district)
    registry.add_resident(a, {"household_id": a.ids["household"], "name": "孙八",
                                "id_number": make_id("410102", seq="186")})
    _paths, outcomes = send(a, district, tmp_path / "2")
    assert outcomes[0].status == "applied" and "孙八" in names(district)
    district.conn.close()
