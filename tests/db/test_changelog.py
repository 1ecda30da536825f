"""Change capture: one edit, exactly the expected change-log rows; remote changes not re-logged."""

import sqlite3

import pytest

from db import changelog, registry
from db.clock import HybridClock, Stamp
from db.node import set_meta, transaction
from tests.db.plain import open_plain


@pytest.fixture
def db(tmp_path):
    db = open_plain(tmp_path / "c.sqlite", create=True)
    set_meta(db, "community_id", "C1")
    return db


def _unit(db):
    with transaction(db):
        grid = registry.insert(db, "org_units", {"level": "grid", "code": "1", "name": "第一网格"})
        compound = registry.insert(db, "compounds", {"grid_id": grid, "name": "锦绣花园"})
        building = registry.insert(db, "buildings", {"compound_id": compound, "name": "3号楼"})
        return registry.insert(db, "units", {"building_id": building, "name": "2单元"})


def test_insert_logs_each_non_null_field_once(db):
    unit = _unit(db)
    before = changelog.last_seq(db)
    with transaction(db):
        hid = registry.insert(db, "households", {"unit_id": unit, "door_number": "501",
                                                 "floor": 5})
    rows = changelog.changes_since(db, before)
    assert {(c.tbl, c.row_id, c.col, c.value) for c in rows} == {
        ("households", hid, "community_id", "C1"),
        ("households", hid, "unit_id", unit),
        ("households", hid, "door_number", "501"),
        ("households", hid, "floor", 5),
        ("households", hid, "tags", ""),       # column defaults are values too
        ("households", hid, "dwelling", "owner"),
        ("households", hid, "deleted", 0),
    }


def test_one_edit_logs_exactly_the_changed_field(db):
    unit = _unit(db)
    with transaction(db):
        hid = registry.insert(db, "households", {"unit_id": unit, "door_number": "501"})
    before = changelog.last_seq(db)
    with transaction(db):
        registry.update(db, "households", hid, {"door_number": "502", "floor": None,
                                                "tags": ""})  # floor/tags unchanged
    rows = changelog.changes_since(db, before)
    assert [(c.tbl, c.row_id, c.col, c.value) for c in rows] == [
        ("households", hid, "door_number", "502")]
    assert rows[0].node == db._griddesk.node_id


def test_stamps_increase_and_survive_reopen(tmp_path):
    path = tmp_path / "c.sqlite"
    db = open_plain(path, create=True)
    set_meta(db, "community_id", "C1")
    _unit(db)
    logged = changelog.changes_since(db)
    stamps = [c.hlc for c in logged]
    # one stamp per insert or update (its fields share it), each later than the one before
    assert stamps == sorted(stamps)
    assert len(set(stamps)) == len({(c.tbl, c.row_id) for c in logged})
    db.conn.close()
    again = open_plain(path)
    with transaction(again):
        registry.insert(again, "org_units", {"level": "grid", "code": "2", "name": "第二网格"})
    later = changelog.changes_since(again, len(stamps))
    assert all(c.hlc > stamps[-1] for c in later)


def test_two_connections_to_one_file_stamp_after_each_other_and_after_what_either_received(
        tmp_path):
    """The window edits on its connection while a worker thread imports or edits on its own
    (a background sync, a USB import, an Excel import): every stamp still comes after all
    that came before it on this node, so what the district gets is decided the way it
    happened here."""
    import time

    path = tmp_path / "c.sqlite"
    window = open_plain(path, create=True)
    set_meta(window, "community_id", "C1")
    unit = _unit(window)
    with transaction(window):
        hid = registry.insert(window, "households", {"unit_id": unit, "door_number": "501"})
    worker = open_plain(path)
    # The worker imports the district's correction, stamped by a clock 5 minutes ahead.
    ahead = str(Stamp(time.time_ns() // 1_000_000 + 5 * 60_000, 0, "district"))
    changelog.apply_rows(worker, [["households", hid, "C1", ["door_number"], ["601"],
                                   [ahead]]])
    # Then the secretary, on the window's connection, corrects it again.
    with transaction(window):
        registry.update(window, "households", hid, {"door_number": "602"})
    (edit,) = [c for c in changelog.changes_since(window) if c.value == "602"]
    assert edit.hlc > ahead            # it wins at the district too, as it did here
    # and the two connections never give two changes the same stamp
    for i in range(20):
        with transaction(worker if i % 2 else window):
            registry.update(worker if i % 2 else window, "households", hid, {"floor": i})
    stamps = [c.hlc for c in changelog.changes_since(window)]
    floors = [c.hlc for c in changelog.changes_since(window) if c.col == "floor"]
    assert stamps == sorted(stamps) and len(set(floors)) == len(floors) == 20


def test_soft_delete_is_a_change_and_hard_delete_is_refused(db):
    unit = _unit(db)
    before = changelog.last_seq(db)
    with transaction(db):
        registry.soft_delete(db, "units", unit)
    assert [(c.col, c.value) for c in changelog.changes_since(db, before)] == [("deleted", 1)]
    with pytest.raises(sqlite3.IntegrityError, match="deleted = 1"):
        db.conn.execute("DELETE FROM units WHERE id = ?", (unit,))


def test_applying_remote_changes_does_not_relog_and_last_writer_wins(db, tmp_path):
    unit = _unit(db)
    with transaction(db):
        hid = registry.insert(db, "households", {"unit_id": unit, "door_number": "501"})
    before = changelog.last_seq(db)
    local_stamp = changelog.changes_since(db, before - 7)[-1].hlc
    ahead = Stamp.parse(local_stamp)
    newer = str(Stamp(ahead.millis + 1000, 0, "zzremote"))
    older = str(Stamp(ahead.millis - 1000, 0, "zzremote"))
    new_row = "0190aaaa-0000-7000-8000-000000000001"
    applied = changelog.apply_changes(db, [
        changelog.Change("households", hid, "door_number", "601", newer, "zzremote"),
        changelog.Change("households", hid, "phone", "13800000000", older, "zzremote"),
        changelog.Change("org_units", new_row, "community_id", "C1", newer, "zzremote"),
        changelog.Change("org_units", new_row, "level", "grid", newer, "zzremote"),
        changelog.Change("org_units", new_row, "code", "9", newer, "zzremote"),
        changelog.Change("org_units", new_row, "name", "区里下发网格", newer, "zzremote"),
    ])
    assert changelog.last_seq(db) == before          # nothing re-logged
    row = registry.get(db, "households", hid)
    assert row["door_number"] == "601"               # newer remote value wins
    assert row["phone"] == "13800000000"             # field never set locally: taken
    assert registry.get(db, "org_units", new_row)["name"] == "区里下发网格"
    assert applied.applied == 6
    # The same bundle again changes nothing more.
    assert changelog.apply_changes(db, [
        changelog.Change("households", hid, "door_number", "601", newer, "zzremote")]).applied == 0
    # An older remote value loses against the newer one already held.
    changelog.apply_changes(db, [
        changelog.Change("households", hid, "door_number", "401", older, "zzremote")])
    assert registry.get(db, "households", hid)["door_number"] == "601"
    # A later local edit is stamped after everything seen, and is logged again.
    with transaction(db):
        registry.update(db, "households", hid, {"door_number": "701"})
    last = changelog.changes_since(db, before)
    assert [(c.col, c.value) for c in last] == [("door_number", "701")]
    assert last[0].hlc > newer


def test_failed_transaction_leaves_no_log(db):
    unit = _unit(db)
    before = changelog.last_seq(db)
    with pytest.raises(sqlite3.IntegrityError), transaction(db):
        registry.insert(db, "households", {"unit_id": unit, "door_number": "501"})
        registry.insert(db, "households", {"unit_id": "no-such-unit", "door_number": "1"})
    assert changelog.last_seq(db) == before
    assert registry.household_ids(db) == []


def test_clock_never_goes_backwards():
    wall = iter([1000, 1000, 900, 2000, 2000]).__next__
    clock = HybridClock("n1", wall=wall)
    stamps = [clock.now() for _ in range(4)]
    assert stamps == sorted(stamps)
    assert Stamp.parse(stamps[2]).millis == 1000     # wall went back: counter goes on
    clock.observe(str(Stamp(5000, 3, "other")))
    assert Stamp.parse(clock.now()) > Stamp(5000, 3, "n1")
