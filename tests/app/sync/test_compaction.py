"""Packed field stamps and compaction of the change log: inserts stamp once per row, edits per
changed field; acknowledged changes go, unacknowledged ones stay, a peer that lacks removed
changes gets a snapshot, and an interrupted compaction leaves a file that syncs."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

from app import registry
from app.database import open_community_db
from app.sync import compaction, engine
from db import audit, changelog, snapshot
from db import compaction as store
from db import sync as sync_store
from db.clock import Stamp
from db.node import get_meta
from tests.app.sync.test_sync import new_community, node, send, world  # noqa: F401  (fixture)


def log_size(db) -> int:
    return db.conn.execute("SELECT count(*) FROM change_log").fetchone()[0]


def residents(db, owner):
    return db.conn.execute(
        "SELECT id, name, phone, deleted FROM residents WHERE community_id = ? ORDER BY id",
        (owner,)).fetchall()


def test_an_insert_is_one_packed_stamp_and_an_edit_stamps_only_its_fields(tmp_path):
    db = new_community(tmp_path, "长江路社区", "410102007003")
    zhang = db.ids["张三"]
    logged = [c for c in changelog.changes_since(db) if c.row_id == zhang]
    assert len(logged) > 5 and len({c.hlc for c in logged}) == 1   # one stamp for the insert
    cols, hlcs = db.conn.execute(changelog.PACKED_SQL, ("residents", zhang)).fetchone()
    assert hlcs == logged[0].hlc and set(cols.split(" ")) == {c.col for c in logged}
    assert db.conn.execute("SELECT count(*) FROM field_clock WHERE row_id = ?",
                           (zhang,)).fetchone() == (0,)
    registry.edit_resident(db, zhang, {"phone": "13700001111"})
    edit = changelog.field_stamp(db.conn, "residents", zhang, "phone")
    assert edit > logged[0].hlc
    assert changelog.field_stamp(db.conn, "residents", zhang, "name") == logged[0].hlc
    # Last writer wins per field, against the packed stamp and against the edit's.
    millis = int(edit.split(".")[0])
    between = str(Stamp(millis - 1, 0, "zz")) if millis - 1 > int(logged[0].hlc[:13]) \
        else logged[0].hlc[:-1] + "z"
    owner = get_meta(db, "community_id")
    result = changelog.apply_rows(db, [["residents", zhang, owner, ["name", "phone"],
                                        ["张叁", "13900000000"], [between, between]]])
    assert (result.applied, result.stale) == (1, 1)
    row = db.conn.execute("SELECT name, phone FROM residents WHERE id = ?", (zhang,)).fetchone()
    assert row == ("张叁", "13700001111")


def test_an_office_that_never_synced_keeps_its_whole_log(tmp_path):
    db = new_community(tmp_path, "长江路社区", "410102007003")
    before = log_size(db)
    assert store.removable_through(db) == 0
    assert "从未被区县确认" in compaction.status_text(db)
    done = compaction.run(db)
    assert done.removed == 0 and log_size(db) == before


def test_the_page_says_when_old_audit_entries_can_be_sealed_even_without_a_district(
        tmp_path, monkeypatch):
    db = new_community(tmp_path, "长江路社区", "410102007003")
    for n in range(3):
        registry.edit_resident(db, db.ids["张三"], {"phone": f"1370000111{n}"})
    assert "封存" not in compaction.status_text(db)     # a small log: nothing worth saying
    monkeypatch.setattr(audit, "SEAL_BLOCK", 2)
    monkeypatch.setattr(audit, "LIVE_TAIL", 2)
    monkeypatch.setattr(compaction, "SEAL_WORTH", 2)
    sealable = audit.sealable(db)
    assert sealable >= 2
    said = compaction.status_text(db)
    assert "从未被区县确认" in said and f"{sealable:,} 条较早的可以封存" in said
    assert compaction.run(db).sealed == sealable
    assert "封存" not in compaction.status_text(db)


def test_acknowledged_changes_go_and_sync_goes_on(world, tmp_path):  # noqa: F811
    district, a, _b, _stick = world
    send(a, district, tmp_path / "1")
    before = log_size(a)
    assert store.removable_through(a) == 0            # not acknowledged yet
    send(district, a, tmp_path / "2")                 # the district's ack comes back
    assert "约可节省" in compaction.status_text(a)
    last = changelog.last_seq(a)
    seen: list[tuple[int, int]] = []
    done = compaction.run(a, progress=lambda n, total, _what: seen.append((n, total)))
    assert done.removed == before - 1 and log_size(a) == 1     # the newest entry stays
    assert changelog.last_seq(a) == last and seen and seen[-1][0] == seen[-1][1]
    # An old bundle arriving again changes nothing; new edits still travel.
    registry.edit_resident(a, a.ids["李四"], {"phone": "13800002222"})
    _paths, outcomes = send(a, district, tmp_path / "3")
    assert [o.status for o in outcomes] == ["applied"]
    owner = get_meta(a, "community_id")
    assert residents(district, owner) == residents(a, owner)
    _paths, again = send(district, a, tmp_path / "4")     # its ack, and nothing new
    assert [o.status for o in again] in (["applied"], ["duplicate"])
    # Nothing unacknowledged is ever removed.
    registry.edit_resident(a, a.ids["张三"], {"phone": "13800003333"})
    compaction.run(a)
    assert [c.value for c in changelog.changes_since(a, sync_store.peer(
        a, node(district))["acked_seq"])][-1] == "13800003333"


def test_a_revoked_peer_no_longer_holds_compaction_back(world, tmp_path):  # noqa: F811
    district, a, b, _stick = world
    send(district, a, tmp_path / "1")
    send(a, district, tmp_path / "2")                 # a acknowledges the district's log
    assert store.removable_through(district) == 0     # b has acknowledged nothing
    sync_store.update_peer(district, node(b), revoked=1)
    assert store.removable_through(district) > 0
    assert compaction.run(district).removed > 0


def test_a_peer_lacking_removed_changes_gets_a_snapshot(world, tmp_path):  # noqa: F811
    district, a, b, _stick = world
    for community in (a, b):
        send(district, community, tmp_path / f"d-{node(community)}")
        send(community, district, tmp_path / f"u-{node(community)}")
    assert compaction.run(district).removed > 0
    own = get_meta(district, "community_id")
    # A community enrolling now gets the district's rows from a snapshot, not the log.
    c = new_community(tmp_path, "淮河路社区", "410102009001", (("赵六", "164"),))
    stick = tmp_path / "enroll-c"
    request, _spoken = engine.write_enroll_request(c, stick)
    engine.accept_enroll_request(district, engine.read_enroll_request(request))
    engine.accept_enroll_response(c, engine.write_enroll_response(district, node(c), stick))
    assert snapshot.behind_compaction(district, sync_store.peer(district, node(c)))
    _paths, outcomes = send(district, c, tmp_path / "snap")
    assert {o.status for o in outcomes} == {"applied"}
    sql = "SELECT id, name, deleted FROM org_units WHERE community_id = ? ORDER BY id"
    assert c.conn.execute(sql, (own,)).fetchall() == district.conn.execute(sql, (own,)).fetchall()
    # Once it acknowledged the snapshot it is owed nothing more.
    send(c, district, tmp_path / "ack")
    assert not snapshot.behind_compaction(district, sync_store.peer(district, node(c)))


def test_an_interrupted_compaction_leaves_a_file_that_syncs(world, tmp_path, monkeypatch):  # noqa: F811
    district, a, _b, _stick = world
    send(a, district, tmp_path / "1")
    send(district, a, tmp_path / "2")
    # Stamps as an older release kept them: one field_clock entry per field.
    zhang = a.ids["张三"]
    stamps = {col: changelog.field_stamp(a.conn, "residents", zhang, col)
              for col in ("name", "household_id", "id_number")}
    a.conn.executemany("INSERT INTO field_clock (tbl, row_id, col, hlc) VALUES "
                       "('residents', ?, ?, ?)", [(zhang, c, h) for c, h in stamps.items()])
    a.conn.commit()
    monkeypatch.setattr(store, "DELETE_STEP", 3)
    steps = iter(range(100))
    done = compaction.run(a, should_stop=lambda: next(steps) >= 2)   # "killed" after a step
    assert done.removed == 0 and done.packed > 0       # packing came first, then the stop
    assert store.compacted_through(a) == 0
    remaining = log_size(a)
    steps = iter(range(100))
    done = compaction.run(a, should_stop=lambda: next(steps) >= 3)   # two steps, then "killed"
    assert done.removed == 6 < remaining - 1
    for col, hlc in stamps.items():                   # packing kept every stamp exactly
        assert changelog.field_stamp(a.conn, "residents", zhang, col) == hlc
    registry.edit_resident(a, a.ids["李四"], {"name": "李肆"})
    _paths, outcomes = send(a, district, tmp_path / "3")
    assert [o.status for o in outcomes] == ["applied"]
    owner = get_meta(a, "community_id")
    assert residents(district, owner) == residents(a, owner)


def test_compaction_waits_while_an_export_reads(world, tmp_path):  # noqa: F811
    district, a, _b, _stick = world
    send(a, district, tmp_path / "1")
    send(district, a, tmp_path / "2")
    with store.export_reading(a):
        done = compaction.run(a)
    assert done.waited_for_export and done.removed == 0
    assert compaction.run(a).removed > 0


def test_a_file_from_an_earlier_release_packs_its_stamps_exactly(tmp_path):
    """A file made before the stamps were packed (one field_clock entry per field): the
    upgrade drops the per-change trigger, and compaction packs every stamp as it was."""
    path = tmp_path / "old.sqlite"
    shutil.copyfile(Path(__file__).parents[2] / "data" / "schema-12.sqlite", path)
    before = sqlite3.connect(path).execute(
        "SELECT tbl, row_id, col, hlc FROM field_clock ORDER BY 1, 2, 3").fetchall()
    assert len(before) > 1000
    db = open_community_db(path)
    assert not db.conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'change_log_clock'"
                               ).fetchone()
    assert "从未被区县确认" in compaction.status_text(db)   # no peer: the log stays whole
    done = compaction.run(db)
    assert done.packed == len(before) and done.removed == 0
    assert db.conn.execute("SELECT count(*) FROM field_clock").fetchone() == (0,)
    assert all(changelog.field_stamp(db.conn, tbl, row_id, col) == hlc
               for tbl, row_id, col, hlc in before)


def test_the_background_sync_compacts_without_rewriting_the_file(world, tmp_path,  # noqa: F811
                                                                  monkeypatch):
    district, a, _b, _stick = world
    send(a, district, tmp_path / "1")
    send(district, a, tmp_path / "2")
    monkeypatch.setattr(compaction, "VACUUM_MIN", 1)
    done = compaction.after_sync(a, lambda: False)
    assert done.removed > 0 and done.vacuum_seconds == 0      # no VACUUM behind the window
    registry.edit_resident(a, a.ids["李四"], {"phone": "13800004444"})
    send(a, district, tmp_path / "3")
    send(district, a, tmp_path / "4")
    assert compaction.run(a).vacuum_seconds > 0               # the office's own run does
