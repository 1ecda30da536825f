"""The sync guarantees of issue 5, one by one, on real databases, keys and bundle files.

Each test is named after the line of the issue's "Tests the sync must pass" it covers.
"""

from __future__ import annotations

import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from app import registry
from app.database import open_community_db
from app.demo import build_demo
from app.sync import bundle as fmt
from app.sync import engine
from app.sync.clockcheck import clock_warnings
from db import changelog, migrate
from db import sync as store
from db.node import transaction
from tests.app.sync import test_sync as base
from tests.app.sync.test_sync import names, new_community, node, send

world = base.world    # the fixture: a district and two enrolled communities

YEAR_MS = 365 * 24 * 3600 * 1000
ROOT = Path(__file__).resolve().parents[3]


def state(db):
    """Everything a refused or rolled-back import must leave as it was: the synced rows,
    the change log, the field stamps, what we hold of each peer, and the conflicts."""
    out = {}
    for tbl in sorted(changelog.synced_tables(db)):
        out[tbl] = db.conn.execute(f"SELECT * FROM [{tbl}] ORDER BY id").fetchall()
    for sql in ("SELECT * FROM change_log ORDER BY seq",
                "SELECT * FROM field_clock ORDER BY tbl, row_id, col",
                "SELECT node_id, acked_seq, acked_hlc, received_seq, revoked FROM peers "
                "ORDER BY node_id",
                "SELECT tbl, row_id, col, kept_value, lost_value FROM conflicts ORDER BY id"):
        out[sql] = db.conn.execute(sql).fetchall()
    return out


def rows_of(db, owners):
    """The synced rows owned by these org units: what two nodes must agree on."""
    out = {}
    marks = ",".join("?" * len(owners))
    for tbl in sorted(changelog.synced_tables(db)):
        out[tbl] = db.conn.execute(
            f"SELECT * FROM [{tbl}] WHERE community_id IN ({marks}) ORDER BY id",
            list(owners)).fetchall()
    return out


def owner(db):
    return engine.get_meta(db, "community_id")


def phone(db, resident):
    return registry.get(db, "residents", resident)["phone"]


def deleted(db, resident):
    return registry.get(db, "residents", resident)["deleted"]


def undelete(db, table, row_id):
    """An explicit undelete (the app has no service for it yet: a plain update, which the
    change capture logs like any edit)."""
    with transaction(db):
        db.conn.execute(f"UPDATE [{table}] SET deleted = 0 WHERE id = ?", (row_id,))


def later():
    time.sleep(0.003)   # the next stamp is a later millisecond on every node


# --- same bundle twice; out of order; lost and superseded -----------------------------------

def test_same_bundle_twice_changes_nothing_more(world, tmp_path):
    district, a, _b, _ = world
    (path,) = engine.export_bundles(a, node(district), tmp_path / "1")
    first = engine.import_bundle(district, path)
    assert first.status == "applied" and first.applied > 0
    before = state(district)
    again = engine.import_bundle(district, path)
    assert again.status == "duplicate" and again.applied == 0
    assert "已经导入过" in again.message
    assert state(district) == before


def test_bundles_out_of_order_change_nothing_more(world, tmp_path):
    district, a, _b, _ = world
    (old,) = engine.export_bundles(a, node(district), tmp_path / "1")
    later()
    registry.edit_resident(a, a.ids["张三"], {"phone": "13900000001"})
    (mid,) = engine.export_bundles(a, node(district), tmp_path / "2")
    later()
    registry.edit_resident(a, a.ids["张三"], {"phone": "13900000002"})
    (new,) = engine.export_bundles(a, node(district), tmp_path / "3")
    # The newest first: it carries everything (nothing was acknowledged yet).
    assert engine.import_bundle(district, new).status == "applied"
    assert phone(district, a.ids["张三"]) == "13900000002"
    before = state(district)
    for stale in (mid, old, new):
        outcome = engine.import_bundle(district, stale)
        assert outcome.status == "duplicate", outcome
        assert state(district) == before
    assert phone(district, a.ids["张三"]) == "13900000002"


def test_an_older_bundle_after_an_acknowledged_newer_one_changes_nothing(world, tmp_path):
    district, a, _b, _ = world
    (old,) = engine.export_bundles(a, node(district), tmp_path / "old")
    send(a, district, tmp_path / "1")
    send(district, a, tmp_path / "2")           # acks travel back to a
    later()
    registry.edit_resident(a, a.ids["李四"], {"phone": "13900000003"})
    send(a, district, tmp_path / "3")
    before = state(district)
    assert engine.import_bundle(district, old).status == "duplicate"
    assert state(district) == before
    assert phone(district, a.ids["李四"]) == "13900000003"


def test_parts_out_of_order_are_refused_until_the_earlier_one_comes(world, tmp_path):
    district, a, _b, _ = world
    paths = engine.export_bundles(a, node(district), tmp_path / "p", part_size=4)
    assert len(paths) >= 3
    before = state(district)
    for path in reversed(paths[1:]):
        outcome = engine.import_bundle(district, path)
        assert outcome.status == "refused" and outcome.details["code"] == "gap"
        assert "更早" in outcome.message
        assert state(district) == before
    for path in paths:
        assert engine.import_bundle(district, path).status == "applied"
    assert names(district) == ["张三", "李四"]
    assert {engine.import_bundle(district, p).status for p in paths} == {"duplicate"}


def test_a_lost_bundle_is_superseded_by_the_next(world, tmp_path):
    district, a, _b, _ = world
    send(a, district, tmp_path / "1")
    send(district, a, tmp_path / "2")
    registry.edit_resident(a, a.ids["张三"], {"phone": "13900000004"})
    (lost,) = engine.export_bundles(a, node(district), tmp_path / "lost")
    later()
    registry.edit_resident(a, a.ids["李四"], {"phone": "13900000005"})
    (nxt,) = engine.export_bundles(a, node(district), tmp_path / "next")
    assert engine.import_bundle(district, nxt).status == "applied"
    assert phone(district, a.ids["张三"]) == "13900000004"
    assert phone(district, a.ids["李四"]) == "13900000005"
    # the lost stick turns up later: nothing more happens
    before = state(district)
    assert engine.import_bundle(district, lost).status == "duplicate"
    assert state(district) == before
    # and the district's lost answer is covered by its next one too
    engine.export_bundles(district, node(a), tmp_path / "lost-back")
    send(district, a, tmp_path / "back")
    assert store.peer(a, node(district))["acked_seq"] == changelog.last_seq(a)


# --- concurrent edits ------------------------------------------------------------------------

@pytest.mark.parametrize("first", ["community", "district"])
def test_concurrent_edits_of_the_same_field_converge_whichever_imports_first(
        world, tmp_path, first):
    district, a, _b, _ = world
    send(a, district, tmp_path / "1")
    send(district, a, tmp_path / "2")
    li = a.ids["李四"]
    registry.edit_resident(a, li, {"phone": "13911110000"})
    later()
    registry.edit_resident(district, li, {"phone": "13922220000"})   # later: wins
    if first == "community":
        send(a, district, tmp_path / "3")
        send(district, a, tmp_path / "4")
    else:
        send(district, a, tmp_path / "3")
        send(a, district, tmp_path / "4")
    assert phone(a, li) == phone(district, li) == "13922220000"
    assert rows_of(a, [owner(a), owner(district)]) == rows_of(district,
                                                              [owner(a), owner(district)])
    lost = {(c["kept_value"], c["lost_value"]) for c in store.conflicts(a)}
    assert lost == {("13922220000", "13911110000")}     # staff see what was overwritten


def test_concurrent_edits_of_different_fields_of_one_row_both_survive(world, tmp_path):
    district, a, _b, _ = world
    send(a, district, tmp_path / "1")
    send(district, a, tmp_path / "2")
    zhang = a.ids["张三"]
    registry.edit_resident(a, zhang, {"phone": "13933330000"})
    later()
    registry.edit_resident(district, zhang, {"name": "张叁"})
    send(district, a, tmp_path / "3")
    send(a, district, tmp_path / "4")
    send(district, a, tmp_path / "5")
    for db in (a, district):
        row = registry.get(db, "residents", zhang)
        assert (row["name"], row["phone"]) == ("张叁", "13933330000")
        assert store.conflicts(db) == []                 # different fields: no conflict
    assert rows_of(a, [owner(a)]) == rows_of(district, [owner(a)])


def test_edits_with_the_same_stamp_time_are_decided_by_node_id(world, tmp_path,
                                                                monkeypatch):
    district, a, _b, _ = world
    send(a, district, tmp_path / "1")
    send(district, a, tmp_path / "2")
    li = a.ids["李四"]
    same = time.time_ns() // 1_000_000 + 2_000          # both clocks read the same millisecond
    for db in (a, district):
        monkeypatch.setattr(db._griddesk.clock, "_wall", lambda: same)
    registry.edit_resident(a, li, {"phone": "13900000011"})
    registry.edit_resident(district, li, {"phone": "13900000022"})
    stamps = {db: db.conn.execute("SELECT hlc FROM change_log ORDER BY seq DESC LIMIT 1"
                                  ).fetchone()[0] for db in (a, district)}
    assert len({s.rsplit(".", 1)[0] for s in stamps.values()}) == 1    # a true tie
    send(a, district, tmp_path / "3")
    send(district, a, tmp_path / "4")
    winner = "13900000011" if node(a) > node(district) else "13900000022"
    assert phone(a, li) == phone(district, li) == winner


# --- delete against edit, both ways, both import orders ---------------------------------------

@pytest.mark.parametrize("deleter", ["community", "district"])
@pytest.mark.parametrize("order", ["deleter first", "editor first"])
def test_a_delete_sticks_against_a_concurrent_edit(world, tmp_path, deleter, order):
    district, a, _b, _ = world
    send(a, district, tmp_path / "1")
    send(district, a, tmp_path / "2")
    zhang = a.ids["张三"]
    dele, edit = (a, district) if deleter == "community" else (district, a)
    # the edit is made after the delete by the clock, and still does not bring the row back
    registry.delete_resident(dele, zhang)
    later()
    registry.edit_resident(edit, zhang, {"phone": "13944440000"})
    steps = [(dele, edit), (edit, dele)] if order == "deleter first" else [(edit, dele),
                                                                           (dele, edit)]
    for i, (src, dst) in enumerate(steps + steps):
        send(src, dst, tmp_path / f"x{i}")
    for db in (a, district):
        assert deleted(db, zhang) == 1
        assert names(db)[:1] == ["李四"] and "张三" not in names(db)
        assert phone(db, zhang) == "13944440000"     # the edit is kept, on a deleted row
    assert rows_of(a, [owner(a)]) == rows_of(district, [owner(a)])
    # An explicit undelete later brings it back everywhere.
    later()
    undelete(edit, "residents", zhang)
    send(edit, dele, tmp_path / "u1")
    send(dele, edit, tmp_path / "u2")
    for db in (a, district):
        assert deleted(db, zhang) == 0
        assert "张三" in names(db)


# --- damaged files ---------------------------------------------------------------------------

def test_every_single_byte_flip_is_refused_and_changes_nothing(world, tmp_path):
    """Exhaustive: each byte of the whole bundle (magic, lengths, header, nonce, MAC,
    signature, compressed body) flipped once, each file refused with nothing changed."""
    district, a, _b, _ = world
    (path,) = engine.export_bundles(a, node(district), tmp_path / "f")
    data = path.read_bytes()
    assert len(data) < 8000        # small enough to try every position
    before = state(district)
    codes = {}
    for i in range(len(data)):
        bad = bytearray(data)
        bad[i] ^= 0x5A
        outcome = engine.import_bundle_bytes(district, bytes(bad), f"flip-{i}.gdsync")
        assert outcome.status == "refused", (i, outcome)
        assert outcome.message and outcome.details["code"]
        codes.setdefault(outcome.details["code"], []).append(i)
    assert state(district) == before
    header_end = len(fmt.MAGIC) + 4 + len(fmt.read_sealed(data).header_bytes)
    # every flip after the header fails the authenticated encryption or the signature
    body_codes = {c for c, at in codes.items() if any(i >= header_end + 8 for i in at)}
    assert body_codes == {"tampered"}
    assert set(codes) <= {"tampered", "truncated", "not_a_bundle", "newer_format",
                          "unknown_sender", "not_for_us"}
    # the untouched file still imports afterwards
    assert engine.import_bundle(district, path).status == "applied"


def test_truncated_and_empty_files_are_refused(world, tmp_path):
    district, a, _b, _ = world
    (path,) = engine.export_bundles(a, node(district), tmp_path / "t")
    data = path.read_bytes()
    before = state(district)
    cuts = sorted({0, 1, len(fmt.MAGIC), len(fmt.MAGIC) + 3, len(fmt.MAGIC) + 40,
                   len(data) // 2, len(data) - 16, len(data) - 1})
    for cut in cuts:
        outcome = engine.import_bundle_bytes(district, data[:cut], "cut.gdsync")
        assert outcome.status == "refused", cut
        assert outcome.details["code"] in {"truncated", "not_a_bundle"}
    # one byte too many is not a whole bundle either
    assert engine.import_bundle_bytes(district, data + b"\0").status == "refused"
    empty = tmp_path / "in" / "empty.gdsync"
    empty.parent.mkdir()
    empty.write_bytes(b"")
    (outcome,) = engine.import_folder(district, empty.parent)
    assert outcome.status == "refused" and "同步包" in outcome.message
    half = tmp_path / "in" / path.name
    half.write_bytes(data[: len(data) // 2])
    outcomes = {o.file: o for o in engine.import_folder(district, empty.parent)}
    assert outcomes[path.name].details["code"] == "truncated"
    assert "不完整" in outcomes[path.name].message
    assert state(district) == before


def test_a_leftover_temporary_file_is_ignored_and_the_next_export_is_fine(world, tmp_path):
    """An export interrupted before its rename leaves `.NAME.part` on the stick."""
    district, a, _b, _ = world
    stick = tmp_path / "stick"
    (good,) = engine.export_bundles(a, node(district), stick)
    data = good.read_bytes()
    good.unlink()
    # (an earlier export's name: the next export cannot happen to reuse it)
    leftover = stick / f".{good.name.replace('-to-', '-to-x')}.part"
    leftover.write_bytes(data[: len(data) // 3])          # interrupted mid-write
    (outcome,) = engine.import_folder(district, stick)   # not taken for a bundle: said so
    assert (outcome.file, outcome.status) == (leftover.name, "skipped")
    assert "中断的导出" in outcome.message and "重新导出" in outcome.message
    assert names(district) == []
    # the next export into the same folder works and is the only thing imported
    later()
    (again,) = engine.export_bundles(a, node(district), stick)
    outcomes = engine.import_folder(district, stick)
    assert [(o.file, o.status) for o in outcomes] == [(again.name, "applied"),
                                                      (leftover.name, "skipped")]
    assert names(district) == ["张三", "李四"]
    # an export whose temporary name is the leftover's overwrites it cleanly
    same = stick / f".{good.name}.part"
    same.write_bytes(b"junk")
    fmt.write_verified(stick, good.name, data, fmt.read_sealed)
    assert (stick / good.name).read_bytes() == data
    assert not same.exists()


# --- who sent it, for whom -------------------------------------------------------------------

def test_a_bundle_for_another_recipient_is_refused_or_skipped(world, tmp_path):
    district, a, b, _ = world
    send(b, district, tmp_path / "1")
    (for_b,) = engine.export_bundles(district, node(b), tmp_path / "fb")
    before = state(a)
    outcome = engine.import_bundle(a, for_b)
    assert outcome.status == "refused" and outcome.details["code"] == "not_for_us"
    assert "另一个单位" in outcome.message
    # in a folder written for all communities, it is skipped, not an error
    (skipped,) = engine.import_folder(a, tmp_path / "fb")
    assert skipped.status == "skipped"
    assert state(a) == before
    # a community's bundle for the district opened at another community
    (a_for_district,) = engine.export_bundles(a, node(district), tmp_path / "ad")
    before_b = state(b)
    outcome = engine.import_bundle(b, a_for_district)
    assert outcome.status == "refused"
    assert state(b) == before_b


def test_unknown_keys_are_refused(world, tmp_path, monkeypatch):
    district, a, _b, _ = world
    before = state(district)
    stranger = new_community(tmp_path, "外来社区", "410103001001")
    (path,) = engine.export_bundles(a, node(district), tmp_path / "k")
    sealed = fmt.read_sealed(path.read_bytes())
    # 1. a node never enrolled
    header = {**sealed.header, "sender": node(stranger)}
    blob = fmt.seal(header, {"manifest": {}, "changes": []}, engine.keys(stranger),
                    engine.keys(district).box_public)
    outcome = engine.import_bundle_bytes(district, blob)
    assert outcome.details["code"] == "unknown_sender" and "未登记" in outcome.message
    # 2. an enrolled node's id, signed and sealed with keys that are not the pinned ones
    blob = fmt.seal(sealed.header, {"manifest": {}, "changes": []}, engine.keys(stranger),
                    engine.keys(district).box_public)
    assert engine.import_bundle_bytes(district, blob).details["code"] == "tampered"
    # 3. sealed for a district key that is not ours (the district's keys were replaced)
    blob = fmt.seal(sealed.header, {"manifest": {}, "changes": []}, engine.keys(a),
                    engine.keys(stranger).box_public)
    assert engine.import_bundle_bytes(district, blob).details["code"] == "tampered"
    assert state(district) == before
    # 4. a revoked sender
    with transaction(district):
        store.update_peer(district, node(a), revoked=1)
    outcome = engine.import_bundle(district, path)
    assert outcome.details["code"] == "revoked_sender" and "停用" in outcome.message
    assert names(district) == []


def _forge(signer, header, changes, district, schema=None):
    manifest = {"schema_version": schema or migrate.LATEST, "seq_from": 0,
                "seq_to": len(changes), "acks": {}, "counts": {}, "changes": len(changes),
                "sender_code": ""}
    return fmt.seal({"format": 1, "bundle_id": "forged", "part": 1, "parts": 1,
                     "created": "2026-12-01T10:00:00", "recipient": node(district), **header},
                    {"manifest": manifest, "changes": changes}, engine.keys(signer),
                    engine.keys(district).box_public)


def test_a_bundle_re_signed_by_another_community_is_refused(world, tmp_path):
    district, a, b, _ = world
    send(a, district, tmp_path / "1")
    send(b, district, tmp_path / "2")
    before = state(district)
    zhang = a.ids["张三"]
    stamp = f"{time.time_ns() // 1_000_000:013d}.00000."
    a_rows = [[1, "residents", zhang, "phone", "13000000000", stamp + node(a), node(a),
               owner(a)]]
    # b signs a's content as if it came from a: the signature does not match a's key
    forged = _forge(b, {"sender": node(a)}, a_rows, district)
    outcome = engine.import_bundle_bytes(district, forged)
    assert outcome.status == "refused" and outcome.details["code"] == "tampered"
    # b signs as itself but carries a's rows: a community only sends rows it owns
    forged = _forge(b, {"sender": node(b)}, a_rows, district)
    outcome = engine.import_bundle_bytes(district, forged)
    assert outcome.status == "refused" and outcome.details["code"] == "foreign_rows"
    assert "不属于" in outcome.message
    # …even when it labels a's row as its own
    lying = [[1, "residents", zhang, "phone", "13000000000", stamp + node(b), node(b),
              owner(b)]]
    outcome = engine.import_bundle_bytes(district, _forge(b, {"sender": node(b)}, lying,
                                                          district))
    assert outcome.status == "refused" and outcome.details["code"] == "foreign_rows"
    # …or moves a row of its own into a's org unit, or a's row into its own
    wang = b.ids["王五"]
    for row_id, value in ((wang, owner(a)), (zhang, owner(b))):
        moving = [[1, "residents", row_id, "community_id", value, stamp + node(b), node(b),
                   owner(b)]]
        outcome = engine.import_bundle_bytes(district, _forge(b, {"sender": node(b)},
                                                              moving, district))
        assert outcome.status == "refused" and outcome.details["code"] == "foreign_rows"
    assert state(district) == before
    assert phone(district, zhang) is None


# --- clocks ----------------------------------------------------------------------------------

def skew(db, monkeypatch, offset_ms):
    """Set one node's wall clock `offset_ms` away from the real one."""
    clock = db._griddesk.clock
    monkeypatch.setattr(clock, "_wall", lambda: time.time_ns() // 1_000_000 + offset_ms)


def test_a_community_clock_a_year_ahead_never_wins_and_is_reported(world, tmp_path,
                                                                     monkeypatch):
    district, a, _b, _ = world
    send(a, district, tmp_path / "1")
    send(district, a, tmp_path / "2")
    li = a.ids["李四"]
    skew(a, monkeypatch, +YEAR_MS)
    registry.edit_resident(a, li, {"phone": "13955550000"})          # stamped next year
    later()
    registry.edit_resident(district, li, {"phone": "13966660000"})   # really later
    _paths, (outcome,) = send(a, district, tmp_path / "3")
    assert outcome.details["future"] == 1
    assert "时间" in outcome.message and "超前" in outcome.message   # shown to the user
    assert phone(district, li) == "13966660000"                      # the future did not win
    # the district's clock was not dragged a year ahead by what it saw
    assert district._griddesk.clock.last < f"{time.time_ns() // 1_000_000 + 60_000:013d}"
    # the district's 同步 page keeps saying so, naming the office
    (warning,) = clock_warnings(district)
    assert "长江路社区" in warning and "日期和时间" in warning
    # the office sets its clock right: it is told that its own stamps run ahead
    assert clock_warnings(a) == []
    monkeypatch.setattr(a._griddesk.clock, "_wall", lambda: time.time_ns() // 1_000_000)
    (warning,) = clock_warnings(a)
    assert "本机时钟" in warning and "天" in warning


def test_a_district_clock_a_year_ahead_does_not_win_at_the_community(world, tmp_path,
                                                                       monkeypatch):
    district, a, _b, _ = world
    send(a, district, tmp_path / "1")
    send(district, a, tmp_path / "2")
    zhang = a.ids["张三"]
    skew(district, monkeypatch, +YEAR_MS)
    registry.edit_resident(district, zhang, {"phone": "13977770000"})
    later()
    registry.edit_resident(a, zhang, {"phone": "13988880000"})
    _paths, (outcome,) = send(district, a, tmp_path / "3")
    assert outcome.details["future"] >= 1 and "超前" in outcome.message
    assert phone(a, zhang) == "13988880000"


def test_a_community_clock_a_year_behind_still_delivers_and_is_told(world, tmp_path,
                                                                     monkeypatch):
    district, a, _b, _ = world
    skew(a, monkeypatch, -YEAR_MS)
    li = a.ids["李四"]
    registry.edit_resident(a, li, {"phone": "13900001111"})
    _paths, (outcome,) = send(a, district, tmp_path / "1")
    assert outcome.status == "applied" and outcome.details["future"] == 0
    assert names(district) == ["张三", "李四"]
    assert phone(district, li) == "13900001111"
    # the district's correction is "a year ahead" for this office: it waits, and the
    # office is told to check the date and time
    registry.edit_resident(district, li, {"phone": "13900002222"})
    _paths, (outcome,) = send(district, a, tmp_path / "2")
    assert outcome.details["future"] >= 1
    assert "请核对双方电脑的日期和时间" in outcome.message
    assert phone(a, li) == "13900001111"
    # its clock set right, the office gets the correction and its next edit wins
    monkeypatch.undo()
    monkeypatch.setenv("GRIDDESK_DATA_DIR", str(tmp_path / "data"))
    send(district, a, tmp_path / "3")
    assert phone(a, li) == "13900002222"
    later()
    registry.edit_resident(a, li, {"phone": "13900003333"})
    send(a, district, tmp_path / "4")
    assert phone(district, li) == phone(a, li) == "13900003333"


def test_changes_from_the_future_are_not_lost_once_the_clocks_agree(world, tmp_path,
                                                                     monkeypatch):
    """A community whose clock is a year behind sees the district's changes as "from the
    future": they do not win yet, and they come again in the next bundle, so they apply
    once its clock is set right (nothing is dropped for good)."""
    district, a, _b, _ = world
    send(a, district, tmp_path / "1")
    send(district, a, tmp_path / "2")
    zhang = a.ids["张三"]
    registry.edit_resident(district, zhang, {"phone": "13912120000"})
    with monkeypatch.context() as m:
        skew(a, m, -YEAR_MS)
        _paths, (outcome,) = send(district, a, tmp_path / "3")
        assert outcome.details["future"] >= 1 and "时间" in outcome.message
        assert phone(a, zhang) is None
        assert any("中原区" in w for w in clock_warnings(a))
    # the office sets its clock right; the district's next bundle carries the change again
    _paths, (outcome,) = send(district, a, tmp_path / "4")
    assert outcome.status == "applied" and outcome.details["future"] == 0
    assert phone(a, zhang) == "13912120000"
    assert clock_warnings(a) == []
    send(a, district, tmp_path / "5")
    assert rows_of(a, [owner(a), owner(district)]) == rows_of(district,
                                                              [owner(a), owner(district)])


def test_a_district_clock_a_year_behind_loses_to_nothing_it_has_seen(world, tmp_path,
                                                                     monkeypatch):
    district, a, _b, _ = world
    send(a, district, tmp_path / "1")
    skew(district, monkeypatch, -YEAR_MS)
    li = a.ids["李四"]
    # a correction made at the district after it imported a's rows beats them everywhere,
    # although its wall clock says last year
    registry.edit_resident(district, li, {"phone": "13900004444"})
    send(district, a, tmp_path / "2")
    assert phone(a, li) == phone(district, li) == "13900004444"


# --- schema versions -------------------------------------------------------------------------

def test_a_bundle_from_a_newer_schema_is_refused_with_a_request_to_upgrade(world, tmp_path,
                                                                           monkeypatch):
    district, a, _b, _ = world
    with monkeypatch.context() as m:
        m.setattr(engine.migrate, "LATEST", migrate.LATEST + 1)
        (path,) = engine.export_bundles(a, node(district), tmp_path / "n")
    before = state(district)
    outcome = engine.import_bundle(district, path)
    assert outcome.status == "refused" and outcome.details["code"] == "newer_schema"
    assert "升级" in outcome.message
    assert state(district) == before


def test_a_bundle_from_an_older_compatible_schema_is_accepted(world, tmp_path, monkeypatch):
    district, a, _b, _ = world
    with monkeypatch.context() as m:
        m.setattr(engine.migrate, "LATEST", migrate.LATEST - 1)
        (path,) = engine.export_bundles(a, node(district), tmp_path / "o")
    outcome = engine.import_bundle(district, path)
    assert outcome.status == "applied"
    assert names(district) == ["张三", "李四"]


def test_a_bundle_naming_a_field_this_version_lacks_is_refused_whole(world, tmp_path):
    district, a, _b, _ = world
    before = state(district)
    stamp = f"{time.time_ns() // 1_000_000:013d}.00000.{node(a)}"
    rows = [[1, "residents", a.ids["张三"], "name", "张三", stamp, node(a), owner(a)],
            [2, "residents", a.ids["张三"], "hobby", "chess", stamp, node(a), owner(a)]]
    outcome = engine.import_bundle_bytes(district, _forge(a, {"sender": node(a)}, rows,
                                                          district))
    assert outcome.status == "refused" and "升级" in outcome.message
    assert state(district) == before


def test_a_folder_with_a_bad_file_still_imports_the_good_ones(world, tmp_path):
    district, a, _b, _ = world
    stick = tmp_path / "mixed"
    (good,) = engine.export_bundles(a, node(district), stick)
    shutil.copy(good, stick / "zz-broken.gdsync")
    broken = bytearray((stick / "zz-broken.gdsync").read_bytes())
    broken[-1] ^= 1
    (stick / "zz-broken.gdsync").write_bytes(bytes(broken))
    statuses = {o.file: o.status for o in engine.import_folder(district, stick)}
    assert statuses == {good.name: "applied", "zz-broken.gdsync": "refused"}
    assert names(district) == ["张三", "李四"]


def test_a_damaged_middle_part_stops_the_parts_after_it_until_it_comes_again(world, tmp_path):
    """Each part is unsealed on a second thread while the one before is applied: a damaged
    part is still told at its turn, and the parts after it wait for it (a gap)."""
    district, a, _b, _ = world
    stick = tmp_path / "parts"
    paths = engine.export_bundles(a, node(district), stick, part_size=3)
    assert len(paths) >= 4
    damaged = bytearray(paths[1].read_bytes())
    damaged[-5] ^= 1
    paths[1].write_bytes(bytes(damaged))
    outcomes = engine.import_folder(district, stick)
    assert [o.file for o in outcomes] == [p.name for p in paths]
    assert outcomes[0].status == "applied"
    assert (outcomes[1].status, outcomes[1].details["code"]) == ("refused", "tampered")
    assert {o.details["code"] for o in outcomes[2:]} == {"gap"}
    # the sender exports again (all it has no confirmation of): the part held is a duplicate,
    # the rest arrives
    fresh = tmp_path / "again"
    engine.export_bundles(a, node(district), fresh, part_size=3)
    again = [o.status for o in engine.import_folder(district, fresh)]
    assert again[0] == "duplicate" and set(again[1:]) == {"applied"}
    assert names(district) == ["张三", "李四"]


def test_an_import_stopped_between_parts_keeps_the_parts_done_and_finishes_later(world,
                                                                                   tmp_path):
    """取消 (or closing the window) stops an import between two bundles: those applied stay,
    the rest are listed as not imported, and importing the folder again brings them."""
    district, a, _b, _ = world
    stick = tmp_path / "parts"
    paths = engine.export_bundles(a, node(district), stick, part_size=3)
    assert len(paths) >= 4
    told = []
    outcomes = engine.import_folder(district, stick, progress=lambda i, n: told.append((i, n)),
                                    cancelled=lambda: len(told) > 2)
    assert told[:3] == [(0, len(paths)), (1, len(paths)), (2, len(paths))]
    assert [o.status for o in outcomes] == ["applied"] * 2 + ["skipped"] * (len(paths) - 2)
    assert all("已取消" in o.message for o in outcomes[2:])
    again = engine.import_folder(district, stick)
    assert [o.status for o in again] == ["duplicate"] * 2 + ["applied"] * (len(paths) - 2)
    assert names(district) == ["张三", "李四"]


# --- a process killed in the middle of an import -----------------------------------------------

IMPORTER = """
import sys
from pathlib import Path
from app.database import open_community_db
from app.sync import engine
db = open_community_db(Path(sys.argv[1]))
db.conn.execute("PRAGMA cache_size = 8")   # spill dirty pages into the WAL before the commit
print("ready", flush=True)
print(engine.import_bundle(db, Path(sys.argv[2])).status, flush=True)
"""


def test_an_import_killed_midway_leaves_the_database_unchanged_and_intact(world, tmp_path):
    district, _a, _b, _ = world
    big_path = tmp_path / "big.sqlite"
    build_demo(big_path, residents=3000, pairings=False, isolation_cases=False,
               name="演示社区", code="410102009001")
    big = open_community_db(big_path)
    engine.enroll_by_files(big, district, tmp_path / "enroll")
    (bundle,) = engine.export_bundles(big, node(district), tmp_path / "big-usb")
    district_path = tmp_path / "district.sqlite"
    district.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    before = state(district)
    wal = Path(f"{district_path}-wal")
    proc = subprocess.Popen([sys.executable, "-c", IMPORTER, str(district_path), str(bundle)],
                            cwd=ROOT, env=os.environ.copy(), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline().strip() == "ready", proc.stderr.read()
        # kill it once its transaction has written a good part of the WAL, before the commit
        while proc.poll() is None:
            if wal.exists() and wal.stat().st_size > 512 * 1024:
                os.kill(proc.pid, signal.SIGKILL)
                break
            time.sleep(0.001)
        proc.wait(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == -signal.SIGKILL, (proc.returncode, proc.stdout.read())
    assert wal.stat().st_size > 512 * 1024       # it had been writing
    fresh = sqlite3.connect(district_path)
    assert fresh.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    assert fresh.execute("PRAGMA foreign_key_check").fetchall() == []
    fresh.close()
    assert state(district) == before                # nothing of the bundle is in
    # and the same bundle, imported again in full, applies
    outcome = engine.import_bundle(district, bundle)
    assert outcome.status == "applied", outcome.message
    assert district.conn.execute(
        "SELECT count(*) FROM residents WHERE deleted = 0 AND community_id = ?",
        (owner(big),)).fetchone() == (3000,)
    assert district.conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
