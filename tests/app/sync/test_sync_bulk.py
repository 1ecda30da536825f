"""The fast paths of a big import: new rows in bulk without per-row triggers, search rows built
in one pass, field stamps packed one entry per row. They must give exactly what the row-by-row
way gives, and keep last-writer-wins exact."""

from __future__ import annotations

import sqlite3
import time

import pytest

from app import registry
from app.database import open_community_db
from app.demo import build_demo
from app.sync import bundle as fmt
from app.sync import engine
from db import changelog
from db import registry as q
from db.clock import Stamp
from db.node import set_meta, transaction


def enrolled_pair(tmp_path, name):
    """A 1,200-resident demo community and a district it is enrolled with."""
    folder = tmp_path / name
    build_demo(folder / "community.sqlite", residents=1200, pairings=False,
               isolation_cases=False, seed=11)
    community = open_community_db(folder / "community.sqlite")
    district = open_community_db(folder / "district.sqlite", create=True)
    engine.create_district(district, "中原区", "410102")
    engine.enroll_by_files(community, district, folder / "enroll")
    return community, district


def twin(district, path):
    """An identical copy of a district's file (its node, keys and enrolled communities): it
    takes the same bundles as the original, so the two import paths can be compared. (A
    community belongs to one district: enrolling it with a second one would be a move.)"""
    copy = sqlite3.connect(path)
    district.conn.backup(copy)
    copy.close()
    return open_community_db(path)


def search_tables(db):
    return {
        "resident_search": db.conn.execute(
            "SELECT * FROM resident_search ORDER BY resident_id").fetchall(),
        "household_search": db.conn.execute(
            "SELECT * FROM household_search ORDER BY household_id").fetchall(),
        "digits": db.conn.execute(
            "SELECT n.resident_id, d.digits FROM resident_numbers n "
            "JOIN resident_digits d ON d.rowid = n.n ORDER BY n.resident_id").fetchall(),
    }


def triggers(db):
    return db.conn.execute(
        "SELECT name, tbl_name, sql FROM sqlite_master WHERE type = 'trigger' ORDER BY name"
    ).fetchall()


def test_a_big_snapshot_is_found_at_the_district_exactly_as_row_by_row(tmp_path, monkeypatch):
    community, bulk = enrolled_pair(tmp_path, "bulk")
    slow = twin(bulk, tmp_path / "slow.sqlite")
    before = triggers(bulk)
    engine.export_bundles(community, engine.district_peer(community)["node_id"],
                          tmp_path / "usb")
    (outcome,) = engine.import_folder(bulk, tmp_path / "usb")
    assert outcome.status == "applied"
    assert triggers(bulk) == before                  # every trigger is back, unchanged

    # The same bundle into a district that indexes row by row, through the triggers.
    monkeypatch.setattr(changelog, "BULK_INDEX_MIN", 10**9)
    (outcome,) = engine.import_folder(slow, tmp_path / "usb")
    assert outcome.status == "applied"

    rows = search_tables(bulk)
    assert len(rows["resident_search"]) == 1200 and len(rows["digits"]) == 1200
    assert rows == search_tables(slow)
    # and the district finds residents by pinyin and by a run of ID-number digits
    someone = community.conn.execute(
        "SELECT id, name, id_number FROM residents WHERE deleted = 0 LIMIT 1").fetchone()
    assert someone[0] in registry.search_residents(bulk, someone[1])
    assert someone[0] in registry.search_residents(bulk, someone[2][-8:])
    # nothing was captured as a change of the district's own
    assert bulk.conn.execute("SELECT count(*) FROM change_log WHERE owner != ?",
                             (engine.get_meta(bulk, "community_id"),)).fetchone() == (0,)


def node_of(db):
    return db._griddesk.node_id


def test_many_edits_at_the_district_are_found_exactly_as_row_by_row(tmp_path, monkeypatch):
    community, fast = enrolled_pair(tmp_path, "edits")
    slow = twin(fast, tmp_path / "slow.sqlite")
    engine.export_bundles(community, node_of(fast), tmp_path / "first")
    for district in (fast, slow):
        assert {o.status for o in engine.import_folder(district, tmp_path / "first")
                } == {"applied"}
    people = community.conn.execute(
        "SELECT id FROM residents WHERE deleted = 0 ORDER BY id LIMIT 300").fetchall()
    for i, (rid,) in enumerate(people):
        change = ({"phone": f"1390000{i:04d}"}, {"name": f"欧阳{i}"})[i % 2]
        registry.edit_resident(community, rid, change)
    registry.delete_resident(community, people[-1][0])
    homes = community.conn.execute("SELECT id FROM households LIMIT 5").fetchall()
    for i, (hid,) in enumerate(homes):
        registry.edit_household(community, hid, {"phone": f"0371-6543{i:04d}"})
    before = triggers(fast)
    monkeypatch.setattr(changelog, "BULK_UPDATE_MIN", 1)
    engine.export_bundles(community, node_of(fast), tmp_path / "u1")
    (outcome,) = engine.import_folder(fast, tmp_path / "u1")
    assert outcome.status == "applied" and outcome.applied >= 300
    assert triggers(fast) == before
    monkeypatch.setattr(changelog, "BULK_UPDATE_MIN", 10**9)
    (outcome,) = engine.import_folder(slow, tmp_path / "u1")   # the same bundle, row by row
    assert outcome.status == "applied" and outcome.applied >= 300
    assert search_tables(fast) == search_tables(slow)
    assert people[1][0] in registry.search_residents(fast, "欧阳1")


def test_a_bulk_import_that_fails_keeps_every_trigger_and_adds_nothing(tmp_path, monkeypatch):
    monkeypatch.setattr(changelog, "BULK_INDEX_MIN", 1)
    db = open_community_db(tmp_path / "c.sqlite", create=True)
    set_meta(db, "community_id", "C1")
    before = triggers(db)
    stamp = str(Stamp(1_800_000_000_000, 0, "remote"))
    good = ["org_units", "0190aaaa-0000-7000-8000-000000000001", "C1",
            ["community_id", "level", "code", "name"], ["C1", "grid", "1", "一网格"],
            [stamp] * 4]
    bad = ["org_units", "0190aaaa-0000-7000-8000-000000000002", "C1",
           ["community_id", "level", "code"], ["C1", "grid", "2"], [stamp] * 3]  # no name
    with pytest.raises(sqlite3.IntegrityError):
        changelog.apply_rows(db, [good, bad])
    assert triggers(db) == before
    assert db.conn.execute("SELECT count(*) FROM org_units").fetchone() == (0,)
    assert db.conn.execute("SELECT count(*) FROM row_clock").fetchone() == (0,)


def test_packed_stamps_keep_last_writer_wins_exact_per_field(tmp_path):
    db = open_community_db(tmp_path / "c.sqlite", create=True)
    set_meta(db, "community_id", "C1")
    row = "0190aaaa-0000-7000-8000-000000000001"
    base = time.time_ns() // 1_000_000 + 3_600_000   # stamps an hour ahead of the local clock

    def at(ms, counter=0, node="remote"):
        return str(Stamp(base + ms, counter, node))

    # A new row whose fields carry different stamps (an insert, then an edit of its name).
    changelog.apply_rows(db, [["org_units", row, "C1",
                               ["community_id", "level", "code", "name"],
                               ["C1", "grid", "1", "一网格"],
                               [at(0), at(0, 1), at(0, 2), at(50)]]])
    assert db.conn.execute("SELECT count(*) FROM field_clock WHERE row_id = ?",
                           (row,)).fetchone() == (0,)      # one packed entry instead
    # A change stamped after the code's stamp but before the name's wins for the code...
    result = changelog.apply_rows(db, [["org_units", row, "C1", ["code", "name"],
                                        ["2", "二网格"], [at(10), at(10, 1)]]])
    assert (result.applied, result.stale) == (1, 1)
    got = q.get(db, "org_units", row)
    assert (got["code"], got["name"]) == ("2", "一网格")     # ...and loses for the name
    # The same values again, or older ones, change nothing.
    again = changelog.apply_rows(db, [["org_units", row, "C1", ["code", "level"],
                                       ["3", "street"], [at(10), at(0, 1)]]])
    assert (again.applied, again.stale) == (0, 2)
    assert q.get(db, "org_units", row)["code"] == "2"
    # A tie on millis and counter is broken by node id, as for field_clock entries.
    tie = changelog.apply_rows(db, [["org_units", row, "C1", ["level"], ["street"],
                                     [at(0, 1, "zzz")]]])
    assert tie.applied == 1 and q.get(db, "org_units", row)["level"] == "street"
    # A local edit is stamped after everything seen (the clock is at(50) now, so it is
    # at(50, 1, this node)); its own stamp, not the packed one, is what a late change meets:
    # one after the packed at(50) but before the edit loses.
    with transaction(db):
        q.update(db, "org_units", row, {"name": "本地网格"})
    late = changelog.apply_rows(db, [["org_units", row, "C1", ["name"], ["迟到"],
                                      [at(50, 1, "0")]]])
    assert late.stale == 1 and q.get(db, "org_units", row)["name"] == "本地网格"
    newer = changelog.apply_rows(db, [["org_units", row, "C1", ["name"], ["更新"],
                                       [at(60)]]])
    assert newer.applied == 1 and q.get(db, "org_units", row)["name"] == "更新"


def test_a_bundle_in_format_1_from_an_older_version_still_imports(tmp_path):
    community, district = enrolled_pair(tmp_path, "old")
    keys = engine.keys(community)
    peer = engine.store.peer(community, node_of(district))
    changes = [[seq, tbl, row_id, col, value, hlc, node, owner_] for
               seq, tbl, row_id, col, value, hlc, node, owner_ in community.conn.execute(
                   "SELECT seq, tbl, row_id, col, value, hlc, node, owner FROM change_log "
                   "ORDER BY seq")]
    header = {"format": 1, "sender": keys.node_id, "recipient": node_of(district),
              "bundle_id": "b1", "part": 1, "parts": 1, "created": "2026-12-01T09:00:00"}
    manifest = {"schema_version": 1, "seq_from": 0, "seq_to": changes[-1][0],
                "acks": {node_of(district): 0}, "counts": {}, "changes": len(changes),
                "sender_code": "410102007003"}
    blob = fmt.seal(header, {"manifest": manifest, "changes": changes}, keys, peer["box_key"])
    outcome = engine.import_bundle_bytes(district, blob, "old.gdsync")
    fields = {(tbl, row_id, col) for _s, tbl, row_id, col, *_rest in changes}
    assert outcome.status == "applied" and outcome.applied == len(fields)   # newest of each
    assert district.conn.execute("SELECT count(*) FROM residents").fetchone() == (1200,)


def test_a_new_district_takes_large_pages_and_still_starts_when_the_file_is_busy(tmp_path):
    """Large pages make a district's snapshot imports cheaper; if another program holds the
    file while the district is made, it is made all the same, with the default pages."""
    alone = open_community_db(tmp_path / "alone.sqlite", create=True)
    engine.create_district(alone, "中原区", "410102")
    assert alone.conn.execute("PRAGMA page_size").fetchone() == (16384,)
    assert alone.conn.execute("PRAGMA journal_mode").fetchone() == ("wal",)

    busy = open_community_db(tmp_path / "busy.sqlite", create=True)
    reader = sqlite3.connect(tmp_path / "busy.sqlite")
    reader.execute("BEGIN")
    reader.execute("SELECT count(*) FROM meta").fetchone()   # holds a read lock
    try:
        engine.create_district(busy, "二七区", "410103")
    finally:
        reader.close()
    assert busy.conn.execute("PRAGMA page_size").fetchone() == (4096,)
    assert busy.conn.execute("PRAGMA journal_mode").fetchone() == ("wal",)
    assert engine.role(busy) == "district"
    for district, name in ((alone, "alone"), (busy, "busy")):   # both take a snapshot
        build_demo(tmp_path / f"{name}-c.sqlite", residents=60, pairings=False,
                   isolation_cases=False, seed=3)
        community = open_community_db(tmp_path / f"{name}-c.sqlite")
        engine.enroll_by_files(community, district, tmp_path / f"{name}-enroll")
        engine.export_bundles(community, engine.district_peer(community)["node_id"],
                              tmp_path / f"{name}-usb")
        assert {o.status for o in engine.import_folder(district, tmp_path / f"{name}-usb")
                } == {"applied"}
        assert (district.conn.execute("SELECT count(*) FROM residents").fetchone()
                == community.conn.execute("SELECT count(*) FROM residents").fetchone())


def held(db, owner):
    """Every row of an org unit's this node holds, table by table."""
    return {tbl: db.conn.execute(f"SELECT * FROM [{tbl}] WHERE community_id = ? ORDER BY id",
                                 (owner,)).fetchall()
            for tbl in ("org_units", "compounds", "buildings", "units", "households",
                        "residents", "party_members", "pairings")}


def test_a_snapshot_read_by_two_processes_carries_exactly_the_community(tmp_path, monkeypatch):
    """A big export is read by this process from the first part on and by a second one from
    the last part back; what arrives is the community, whole."""
    community, district = enrolled_pair(tmp_path, "two")
    monkeypatch.setattr(engine, "HELPER_MIN_PARTS", 2)
    helped = []
    real = engine._helped

    def counting(entry, job):
        helped.append(entry[1].exception() is None)   # sealed there, not redone here
        return real(entry, job)

    monkeypatch.setattr(engine, "_helped", counting)
    paths = engine.export_bundles(community, node_of(district), tmp_path / "usb",
                                  part_size=4000)
    assert len(paths) >= 4 and any(helped)
    outcomes = engine.import_folder(district, tmp_path / "usb")
    assert [o.status for o in outcomes] == ["applied"] * len(paths)
    assert [o.details["part"] for o in outcomes] == list(range(1, len(paths) + 1))
    owner = engine.get_meta(community, "community_id")
    assert held(district, owner) == held(community, owner)
    assert len(held(district, owner)["residents"]) == 1200


class NoProcesses:
    """A process pool that cannot start a process (a locked-down office PC)."""

    def __init__(self, *args, **kwargs):
        pass

    def submit(self, *args, **kwargs):
        raise OSError("no processes here")

    def shutdown(self, *args, **kwargs):
        pass


class FailingProcess(NoProcesses):
    """A process pool whose process dies on every part."""

    def submit(self, *args, **kwargs):
        from concurrent.futures import Future
        from concurrent.futures.process import BrokenProcessPool

        future = Future()
        future.set_exception(BrokenProcessPool("the helper died"))
        return future


@pytest.mark.parametrize("pool", [NoProcesses, FailingProcess])
def test_a_big_export_without_a_second_process_is_made_here_whole(tmp_path, monkeypatch,
                                                                     pool):
    community, district = enrolled_pair(tmp_path, "one")
    monkeypatch.setattr(engine, "HELPER_MIN_PARTS", 2)
    monkeypatch.setattr(engine, "ProcessPoolExecutor", pool)
    paths = engine.export_bundles(community, node_of(district), tmp_path / "usb",
                                  part_size=4000)
    assert len(paths) >= 4
    assert {o.status for o in engine.import_folder(district, tmp_path / "usb")} == {"applied"}
    owner = engine.get_meta(community, "community_id")
    assert held(district, owner) == held(community, owner)
    assert len(held(district, owner)["residents"]) == 1200
