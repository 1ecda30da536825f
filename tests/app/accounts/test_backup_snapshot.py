"""A community restored from a backup gets back, from the district, the work it had sent there
after the backup: the district answers the replacing node with a snapshot of all it holds for
the community, merged at the office by the per-field stamps."""

from __future__ import annotations

from app import registry
from app.accounts import backup
from app.database import open_community_db
from app.sync import engine
from db import sync as store
from tests.app.accounts.test_backup_sync import FAST_KDF, reenroll
from tests.app.sync.test_sync import names, node, send, world  # noqa: F401  (fixture)
from tests.conftest import make_id


def phone(db, resident):
    return db.conn.execute("SELECT phone FROM residents WHERE id = ?",
                           (resident,)).fetchone()[0]


def deleted(db, resident):
    return db.conn.execute("SELECT deleted FROM residents WHERE id = ?",
                           (resident,)).fetchone()[0]


def lose_the_disk(a, district, tmp_path):
    """The office syncs, is backed up, goes on working and syncing, then its disk dies and it
    restores the backup. Returns the restored database and what was done after the backup."""
    a_path = tmp_path / "410102007003.sqlite"
    send(a, district, tmp_path / "before-1")
    send(district, a, tmp_path / "before-2")
    saved = backup.create_backup(a, tmp_path / "usb-backup", passphrase="pw-长江路",
                                 kdf_limits=FAST_KDF)
    after = {
        "赵六": registry.add_resident(a, {"household_id": a.ids["household"], "name": "赵六",
                                         "id_number": make_id("410102", seq="164")}),
        "张三": a.ids["张三"], "李四": a.ids["李四"]}
    registry.edit_resident(a, a.ids["张三"], {"phone": "13900000001"})
    registry.delete_resident(a, a.ids["李四"])
    send(a, district, tmp_path / "after-backup")
    a.conn.close()
    backup.restore_backup(saved.path, a_path, "pw-长江路")
    return open_community_db(a_path), after


def test_backup_edit_sync_restore_sync_brings_the_edit_back(world, tmp_path):  # noqa: F811
    district, a, _b, _stick = world
    a, after = lose_the_disk(a, district, tmp_path)
    assert names(a) == ["张三", "李四"]            # the backup knows nothing of what came after
    # Before it hears from the district, the restored office corrects 张三's phone again.
    registry.edit_resident(a, after["张三"], {"phone": "13800000009"})
    reenroll(a, district, tmp_path / "enroll")

    _paths, outcomes = send(district, a, tmp_path / "snapshot")
    assert outcomes[0].status == "applied"
    assert {o.status for o in outcomes} <= {"applied", "duplicate"}   # an empty log tail
    # What the district had received after the backup is back at the office, searchable ...
    assert names(a) == ["张三", "赵六"] and deleted(a, after["李四"]) == 1
    assert registry.search_residents(a, "赵六") == [after["赵六"]]
    # ... and the office's own later correction stands: the newer stamp wins, and staff see
    # that the district held another value.
    assert phone(a, after["张三"]) == "13800000009"
    (conflict,) = store.conflicts(a)
    assert (conflict["col"], conflict["kept_value"], conflict["lost_value"]) == (
        "phone", "13800000009", "13900000001")

    _paths, outcomes = send(a, district, tmp_path / "up")
    assert outcomes[0].status == "applied"
    assert phone(district, after["张三"]) == "13800000009"
    assert names(district) == names(a) == ["张三", "赵六"]
    # The office has confirmed the snapshot: the district sends only its log from now on.
    registry.edit_resident(district, after["赵六"], {"phone": "13700000003"})
    assert [n for _name, _data, n in engine.build_bundles(district, node(a))] == [1]
    send(district, a, tmp_path / "correction")
    assert phone(a, after["赵六"]) == "13700000003"
    a.conn.close()


def test_the_snapshot_comes_again_until_the_office_confirms_it(world, tmp_path):  # noqa: F811
    district, a, _b, _stick = world
    a, after = lose_the_disk(a, district, tmp_path)
    reenroll(a, district, tmp_path / "enroll")
    # The stick with the snapshot is lost; the office's next bundle confirms nothing of it.
    engine.export_bundles(district, node(a), tmp_path / "lost")
    send(a, district, tmp_path / "up-1")
    # A district correction made meanwhile travels with the snapshot, in its log part.
    registry.edit_resident(district, after["赵六"], {"phone": "13700000003"})
    # Parts small enough that the snapshot needs several (read by two processes, as a big one
    # is); one part goes missing on the way: the parts after it are refused, nothing lost.
    paths = engine.export_bundles(district, node(a), tmp_path / "again", part_size=8)
    assert len(paths) >= engine.HELPER_MIN_PARTS
    paths[1].unlink()
    outcomes = engine.import_folder(a, tmp_path / "again")
    assert outcomes[0].status in ("applied", "duplicate")    # the district's own org unit
    assert {o.details.get("code") for o in outcomes[1:]} == {"gap"}
    send(a, district, tmp_path / "up-2")
    assert "赵六" not in names(a)

    _paths, outcomes = send(district, a, tmp_path / "third", part_size=8)
    assert {o.status for o in outcomes} <= {"applied", "duplicate"}
    assert names(a) == ["张三", "赵六"] and phone(a, after["张三"]) == "13900000001"
    assert phone(a, after["赵六"]) == "13700000003"
    send(a, district, tmp_path / "up-3")
    assert len(engine.build_bundles(district, node(a), part_size=8)) == 1
    a.conn.close()


def test_a_community_enrolling_for_the_first_time_gets_no_snapshot(world, tmp_path):  # noqa: F811
    district, a, _b, _stick = world
    send(a, district, tmp_path / "1")
    # The district holds the office's rows now; it still sends only its own log back.
    built = engine.build_bundles(district, node(a))
    assert sum(n for _name, _data, n in built) == 6     # the district's own org unit


def test_online_each_part_from_a_fresh_build_still_fits(world, tmp_path):  # noqa: F811
    """The hub builds the bundles again for every ?part=N request; the district keeps
    working meanwhile. The parts asked for one by one still follow on from each other."""
    district, a, _b, _stick = world
    a, after = lose_the_disk(a, district, tmp_path)
    reenroll(a, district, tmp_path / "enroll")
    send(a, district, tmp_path / "up")                    # sync_once uploads first
    assert len(engine.build_bundles(district, node(a), part_size=40)) >= 3
    k = 0
    while True:   # as app.sync.client.sync_once asks: until the part the hub says is last
        registry.edit_resident(district, after["赵六"], {"phone": f"137{k:08d}"})
        built = engine.build_bundles(district, node(a), part_size=40)
        outcome = engine.import_bundle_bytes(a, built[k][1], f"hub-{k + 1}")
        assert outcome.status in ("applied", "duplicate"), outcome.message
        k += 1
        if k >= len(built):
            break
    assert names(a) == ["张三", "赵六"]
    assert phone(a, after["赵六"]) == f"137{k - 1:08d}"
    a.conn.close()
