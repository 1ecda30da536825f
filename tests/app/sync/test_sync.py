"""Sync between a district and its communities through bundle files, with real keys."""

import os
import shutil
import subprocess
import time
from pathlib import Path

import pytest

from app import registry
from app.database import create_community, open_community_db
from app.sync import engine
from db import changelog
from db import sync as store
from tests.conftest import make_id


def new_community(tmp_path, name, code, people=(("张三", "131"), ("李四", "142"))):
    db = open_community_db(tmp_path / f"{code}.sqlite", create=True)
    create_community(db, name, code, "林山寨街道", "中原区")
    grid = registry.add_grid(db, "第一网格")
    compound = registry.add_compound(db, grid, f"{name}小区")
    building = registry.add_building(db, compound, "1", units=1)
    unit = next(u["id"] for u in registry.tree_nodes(db)["units"]
                if u["building_id"] == building)
    household = registry.add_household(db, {"unit_id": unit, "door_number": "101"})
    ids = {}
    for person, seq in people:
        ids[person] = registry.add_resident(db, {"household_id": household, "name": person,
                                                 "id_number": make_id(code[:6], seq=seq)})
    db.ids = {"household": household, **ids}
    return db


@pytest.fixture
def world(tmp_path):
    """A district and two enrolled communities, enrolled by files as on a USB stick."""
    district = open_community_db(tmp_path / "district.sqlite", create=True)
    engine.create_district(district, "中原区", "410102")
    a = new_community(tmp_path, "长江路社区", "410102007003")
    b = new_community(tmp_path, "建设路社区", "410102008001", (("王五", "153"),))
    stick = tmp_path / "usb"
    for community in (a, b):
        request, spoken = engine.write_enroll_request(community, stick)
        seen = engine.read_enroll_request(request)
        assert seen.fingerprint == spoken           # what the district reads back
        engine.accept_enroll_request(district, seen)
        response = engine.write_enroll_response(district, seen.node_id, stick)
        engine.accept_enroll_response(community, response)
    return district, a, b, stick


def node(db):
    return db._griddesk.node_id


def names(db):
    return sorted(r["name"] for r in db.conn.execute(
        "SELECT name FROM residents WHERE deleted = 0").fetchall() for r in [dict(name=r[0])])


def send(src, dst, folder, **kw):
    """Export from src for dst into a fresh folder and import everything in it at dst."""
    shutil.rmtree(folder, ignore_errors=True)
    peer = node(dst)
    paths = engine.export_bundles(src, peer, folder, **kw)
    return paths, engine.import_folder(dst, folder)


def test_community_registry_reaches_the_district_exactly_once(world, tmp_path):
    district, a, b, _ = world
    _, outcomes = send(a, district, tmp_path / "x")
    assert [o.status for o in outcomes] == ["applied"]
    assert "长江路社区" in outcomes[0].message
    assert names(district) == ["张三", "李四"]
    log_before = changelog.last_seq(district)
    # The same bundle again changes nothing more.
    again = engine.import_folder(district, tmp_path / "x")
    assert again[0].status == "duplicate" and again[0].applied == 0
    assert changelog.last_seq(district) == log_before   # the district never re-logs
    _, outcomes = send(b, district, tmp_path / "y")
    assert names(district) == ["张三", "李四", "王五"]


def test_acknowledgements_shrink_the_next_bundle(world, tmp_path):
    district, a, _, _ = world
    send(a, district, tmp_path / "1")
    send(district, a, tmp_path / "2")          # carries the district's ack back
    assert store.peer(a, node(district))["acked_seq"] == changelog.last_seq(a)
    registry.edit_resident(a, a.ids["张三"], {"phone": "13912345678"})
    built = engine.build_bundles(a, node(district))
    assert [n for _name, _data, n in built] == [1]   # only the one new field
    send(a, district, tmp_path / "3")
    phone = district.conn.execute("SELECT phone FROM residents WHERE name = '张三'").fetchone()
    assert phone == ("13912345678",)


def test_lost_stick_costs_nothing_the_next_export_covers_it(world, tmp_path):
    district, a, _, _ = world
    engine.export_bundles(a, node(district), tmp_path / "lost")      # never imported
    registry.edit_resident(a, a.ids["李四"], {"phone": "13800001111"})
    send(a, district, tmp_path / "next")
    assert names(district) == ["张三", "李四"]
    assert district.conn.execute(
        "SELECT phone FROM residents WHERE name = '李四'").fetchone() == ("13800001111",)


def test_district_correction_reaches_only_its_community(world, tmp_path):
    district, a, b, _ = world
    send(a, district, tmp_path / "1")
    send(b, district, tmp_path / "2")
    zhang = a.ids["张三"]
    registry.edit_resident(district, zhang, {"phone": "13700002222"})
    _paths, outcomes = send(district, a, tmp_path / "3")
    assert outcomes[0].status == "applied"
    assert registry.get(a, "residents", zhang)["phone"] == "13700002222"
    # b receives none of a's rows: only the six fields of the district's own org unit
    built = engine.build_bundles(district, node(b))
    assert sum(n for _name, _data, n in built) == 6
    shutil.rmtree(tmp_path / "4", ignore_errors=True)
    send(district, b, tmp_path / "4")
    assert names(b) == ["王五"]


def test_concurrent_edits_converge_and_are_listed_as_conflicts(world, tmp_path):
    district, a, _, _ = world
    send(a, district, tmp_path / "1")
    send(district, a, tmp_path / "2")
    li = a.ids["李四"]
    registry.edit_resident(a, li, {"phone": "13911110000"})        # office
    time.sleep(0.005)   # the district's edit is later by the clock (same ms: node id decides)
    registry.edit_resident(district, li, {"phone": "13922220000"})  # district, later
    send(a, district, tmp_path / "3")
    send(district, a, tmp_path / "4")
    final = {registry.get(db, "residents", li)["phone"] for db in (a, district)}
    assert final == {"13922220000"}                  # last writer wins, on both sides
    listed = store.conflicts(a)
    assert [(c["col"], c["kept_value"], c["lost_value"]) for c in listed] == [
        ("phone", "13922220000", "13911110000")]
    assert store.conflicts(district)                 # the district saw it too


def test_deleted_stays_deleted(world, tmp_path):
    district, a, _, _ = world
    send(a, district, tmp_path / "1")
    registry.delete_resident(a, a.ids["张三"])
    send(a, district, tmp_path / "2")
    assert names(district) == ["李四"]
    registry.edit_resident(district, a.ids["李四"], {"phone": "13600000000"})
    send(district, a, tmp_path / "3")
    assert names(a) == ["李四"]


def test_tampered_truncated_foreign_and_unknown_bundles_are_refused(world, tmp_path):
    district, a, b, _ = world
    (path,) = engine.export_bundles(a, node(district), tmp_path / "t")
    data = path.read_bytes()
    before = changelog.last_seq(district), names(district)

    def refused(blob, code):
        outcome = engine.import_bundle_bytes(district, blob, "x.gdsync")
        assert outcome.status == "refused", outcome
        assert outcome.details["code"] == code
        assert (changelog.last_seq(district), names(district)) == before
        return outcome.message

    flipped = bytearray(data)
    flipped[-20] ^= 0x01
    assert "改动" in refused(bytes(flipped), "tampered")
    assert "不完整" in refused(data[: len(data) // 2], "truncated")
    assert "不是社区网格通的同步包" in refused(b"PK\x03\x04 spreadsheet", "not_a_bundle")
    # a bundle for community b opened at a
    (for_b,) = engine.export_bundles(district, node(b), tmp_path / "fb")
    outcome = engine.import_bundle(a, for_b)
    assert outcome.status == "refused" and outcome.details["code"] == "not_for_us"
    # a stranger: a community that never enrolled
    stranger = new_community(tmp_path, "外来社区", "410103001001")
    from app.sync.bundle import seal
    header = {"format": 1, "sender": node(stranger), "recipient": node(district),
              "bundle_id": "x", "part": 1, "parts": 1, "created": "now"}
    blob = seal(header, {"manifest": {}, "changes": []}, engine.keys(stranger),
                engine.keys(district).box_public)
    assert "未登记" in refused(blob, "unknown_sender")


def test_parts_must_arrive_in_order(world, tmp_path):
    district, a, _, _ = world
    paths = engine.export_bundles(a, node(district), tmp_path / "p", part_size=5)
    assert len(paths) > 2
    second = engine.import_bundle(district, paths[1])
    assert second.status == "refused" and second.details["code"] == "gap"
    outcomes = engine.import_folder(district, tmp_path / "p")   # sorted: 1, 2, …
    assert {o.status for o in outcomes} == {"applied"}
    assert names(district) == ["张三", "李四"]


def test_enrollment_file_from_another_tampering_is_refused(world, tmp_path):
    _district, a, _, _ = world
    request, _ = engine.write_enroll_request(a, tmp_path / "e")
    text = request.read_text(encoding="utf-8").replace("长江路社区", "假社区")
    request.write_text(text, encoding="utf-8")
    with pytest.raises(engine.BundleError) as err:
        engine.read_enroll_request(request)
    assert "校验" in err.value.message


def test_private_keys_stay_out_of_the_database(world, tmp_path):
    _district, a, _, _ = world
    secret = engine.keys(a).signing.encode().hex()
    raw = (tmp_path / "410102007003.sqlite").read_bytes()
    assert secret.encode() not in raw and bytes.fromhex(secret) not in raw
    key_file = Path(os.environ["GRIDDESK_DATA_DIR"]) / "keys" / f"{node(a)}.json"
    assert key_file.exists() and (key_file.stat().st_mode & 0o077) == 0


@pytest.mark.skipif(os.geteuid() != 0, reason="mounting a tiny USB-like disk needs root")
def test_full_stick_gets_a_message_and_leaves_no_file(world, tmp_path):
    district, a, _, _ = world
    for i in range(100):   # enough data not to fit in 4 KB
        registry.add_resident(a, {"household_id": a.ids["household"], "name": f"居民{i}",
                                  "id_number": make_id(seq=f"{200 + i}")})
    stick = tmp_path / "tiny"
    stick.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4k", "tmpfs", str(stick)],
                      capture_output=True, check=False).returncode != 0:
        pytest.skip("cannot mount a tmpfs here")
    try:
        with pytest.raises(engine.BundleError) as err:
            engine.export_bundles(a, node(district), stick)
        assert err.value.code == "disk_full" and "空间不足" in err.value.message
        assert list(stick.iterdir()) == []
    finally:
        subprocess.run(["umount", str(stick)], check=False)
