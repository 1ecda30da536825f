"""What an enrolled peer may send (issue 13, items 6, 7, 8 and 10): bundles signed with the
real keys of an enrolled community, carrying a malformed manifest, rows of the wrong shape or
type, stamps that do not parse, invalid ID numbers and dates, control characters, or
references into another community. Each is refused whole, naming the row, and logged."""

from __future__ import annotations

import time

import pytest

from app import registry
from app.sync import bundle as fmt
from app.sync import engine
from db import migrate
from db import sync as store
from db.ids import uuid7
from tests.app.sync import test_sync as base
from tests.app.sync.test_sync import node, send
from tests.app.sync.test_sync_guarantees import owner, state

world = base.world    # the fixture: a district and two enrolled communities


def stamp(db) -> str:
    return f"{time.time_ns() // 1_000_000:013d}.00000.{node(db)}"


def seal(signer, district, rows, **manifest) -> bytes:
    """A format-2 bundle from `signer` (its own enrolled keys) for the district."""
    fields = {"schema_version": migrate.LATEST, "seq_from": 0, "seq_to": 1,
              "acks": {}, "counts": {}, "changes": len(rows),
              "sender_code": "", **manifest}
    fields = {k: v for k, v in fields.items() if v is not DROP}
    header = {"format": fmt.FORMAT, "sender": node(signer), "recipient": node(district),
              "bundle_id": uuid7(), "part": 1, "parts": 1, "created": "2026-12-01T10:00:00"}
    return fmt.seal(header, {"manifest": fields, "rows": rows}, engine.keys(signer),
                    engine.keys(district).box_public)


DROP = object()


def edit(db, tbl, row_id, **values):
    """One run setting fields of a row of `db`'s community, stamped now by `db`."""
    cols = list(values)
    return [tbl, row_id, owner(db), cols, [values[c] for c in cols], [stamp(db)] * len(cols)]


def refused(district, data, code=None):
    before = state(district)
    outcome = engine.import_bundle_bytes(district, data, "forged.gdsync")
    assert outcome.status == "refused", outcome
    if code:
        assert outcome.details["code"] == code, outcome
    assert "没有任何改动" in outcome.message or "没有改动" in outcome.message
    assert state(district) == before
    last = store.events(district, 1)[0]
    assert last["outcome"] == "refused" and last["detail"].startswith("forged.gdsync")
    return outcome


@pytest.fixture
def synced(world, tmp_path):
    """Both communities' registries already at the district."""
    district, a, b, _ = world
    send(a, district, tmp_path / "a")
    send(b, district, tmp_path / "b")
    return district, a, b


def unit_of(db):
    return registry.get(db, "households", db.ids["household"])["unit_id"]


# --- 6. the manifest -------------------------------------------------------------------------

def test_a_manifest_with_acks_as_a_list_is_refused_in_chinese_and_logged(synced):
    district, a, _b = synced
    rows = [edit(a, "residents", a.ids["张三"], phone="13900000001")]
    outcome = refused(district, seal(a, district, rows, acks=[]), "malformed")
    assert "acks" in outcome.message and "清单" in outcome.message
    assert "acks" in store.events(district, 1)[0]["detail"]
    assert registry.get(district, "residents", a.ids["张三"])["phone"] is None


@pytest.mark.parametrize("fault", [
    {"seq_to": "5"}, {"seq_from": -1}, {"schema_version": True}, {"counts": [1]},
    {"acks": {"node": "3"}}, {"changes": 1.5}, {"sender_code": 7}, {"seq_to": DROP},
    {"hobby": 1}, {"seq_from": 9, "seq_to": 3},
    {"audit_head": {"seq": 1, "hash": "ab" * 31}},
    {"audit_head": {"seq": "1", "hash": "ab" * 32}},
    {"audit_head": {"seq": 1, "hash": "ab" * 32, "extra": 1}},
    {"audit_head": [1, "ab" * 32]},
])
def test_every_manifest_field_is_checked(synced, fault):
    district, a, _b = synced
    rows = [edit(a, "residents", a.ids["张三"], phone="13900000001")]
    refused(district, seal(a, district, rows, **fault), "malformed")


def test_a_well_formed_audit_head_is_accepted(synced):
    district, a, _b = synced
    rows = [edit(a, "residents", a.ids["张三"], phone="13900000001")]
    data = seal(a, district, rows, seq_from=0, seq_to=10**6,
                audit_head={"seq": 3, "hash": "0f" * 32})
    assert engine.import_bundle_bytes(district, data).status == "applied"
    assert registry.get(district, "residents", a.ids["张三"])["phone"] == "13900000001"


@pytest.mark.parametrize("content", [[], {"manifest": [], "rows": []},
                                     {"manifest": {"schema_version": 1}}])
def test_content_that_is_not_a_manifest_and_rows_is_refused(synced, content):
    district, a, _b = synced
    header = {"format": fmt.FORMAT, "sender": node(a), "recipient": node(district),
              "bundle_id": uuid7(), "part": 1, "parts": 1, "created": "2026-12-01T10:00:00"}
    data = fmt.seal(header, content, engine.keys(a), engine.keys(district).box_public)
    refused(district, data, "malformed")


@pytest.mark.parametrize("shape", [
    lambda r: r[:5],                                  # five items, not six
    lambda r: [r[0], 12345, *r[2:]],                  # the row id as a number
    lambda r: [*r[:3], "phone", *r[4:]],              # the columns not a list
    lambda r: [*r[:5], []],                           # a stamp missing
    lambda r: [r[0], "a b", *r[2:]],                  # an id that would split row_clock
    lambda r: [*r[:3], [["phone"]], *r[4:]],          # a column name as a list
    lambda r: {"tbl": r[0]},
])
def test_a_row_of_the_wrong_shape_is_refused(synced, shape):
    district, a, _b = synced
    row = edit(a, "residents", a.ids["张三"], phone="13900000001")
    refused(district, seal(a, district, [shape(row)]), "malformed")


# --- types per column, from the schema -------------------------------------------------------

@pytest.mark.parametrize(("values", "words"), [
    ({"name": 123}, "应为文字"), ({"name": None}, "不能为空"), ({"name": ["张三"]}, "应为文字"),
    ({"deleted": 2}, "0或1"), ({"deleted": True}, "应为整数"), ({"sex": "X"}, "允许的范围"),
    ({"residency": "martian"}, "允许的范围"), ({"name": "   "}, "请填写"),
    ({"household_id": "../x"}, "有效的编号"), ({"id_kind": "alien"}, "不认识的证件类型"),
])
def test_a_value_of_the_wrong_type_or_outside_its_check_is_refused_naming_the_row(
        synced, values, words):
    district, a, _b = synced
    zhang = a.ids["张三"]
    outcome = refused(district, seal(a, district, [edit(a, "residents", zhang, **values)]),
                      "bad_row")
    assert f"居民（编号 {zhang}）" in outcome.message and words in outcome.message
    assert zhang in store.events(district, 1)[0]["detail"]


# --- 8. content validated like local input ---------------------------------------------------

def test_a_stamp_that_does_not_parse_is_refused_not_kept_for_the_future(synced, tmp_path):
    district, a, _b = synced
    row = edit(a, "residents", a.ids["张三"], phone="13900000001")
    row[5] = ["zzz"]
    outcome = refused(district, seal(a, district, [row], seq_to=10**6), "bad_stamp")
    assert "时间戳" in outcome.message and "zzz" in outcome.message
    # the peer's acknowledgements are not stalled: its next real bundle goes through
    registry.edit_resident(a, a.ids["李四"], {"phone": "13900000002"})
    _paths, outcomes = send(a, district, tmp_path / "next")
    assert [o.status for o in outcomes] == ["applied"]
    assert store.peer(district, node(a))["received_seq"] > 0


@pytest.mark.parametrize("bad", ["", 17, None, "1733000000000.00000.a b",
                                 "1733000000000.00000.", "999.00000.node"])
def test_every_kind_of_broken_stamp_is_refused(synced, bad):
    district, a, _b = synced
    row = edit(a, "residents", a.ids["张三"], phone="13900000001", note="x")
    row[5][1] = bad
    outcome = refused(district, seal(a, district, [row]), "bad_stamp")
    assert "备注" in outcome.message


def test_a_bundle_with_no_rows_only_acknowledges(synced):
    district, a, _b = synced
    outcome = engine.import_bundle_bytes(district, seal(a, district, [], seq_to=0))
    assert outcome.status in ("applied", "duplicate"), outcome


def test_an_id_number_failing_gb11643_is_refused_with_the_row_named(synced):
    district, a, _b = synced
    zhang = a.ids["张三"]
    good = registry.get(a, "residents", zhang)["id_number"]
    wrong = good[:17] + ("0" if good[17] != "0" else "1")
    outcome = refused(district, seal(a, district, [edit(a, "residents", zhang,
                                                        id_number=wrong)]), "bad_row")
    assert f"居民（编号 {zhang}）" in outcome.message and "校验位" in outcome.message
    assert registry.get(district, "residents", zhang)["id_number"] == good


def test_an_id_number_is_checked_by_the_kind_the_row_holds(synced):
    district, a, _b = synced
    zhang = a.ids["张三"]
    # a passport number is fine for a passport holder, not for an ID card holder
    refused(district, seal(a, district, [edit(a, "residents", zhang, id_number="E12345678")]),
            "bad_row")
    rows = [edit(a, "residents", zhang, id_kind="passport", id_number="E12345678")]
    assert engine.import_bundle_bytes(district, seal(a, district, rows,
                                                     seq_to=10**6)).status == "applied"
    # the kind set in another run of the same bundle counts, not only the one held here
    li = a.ids["李四"]
    rows = [edit(a, "residents", li, id_kind="passport"), edit(a, "residents", zhang, note="x"),
            edit(a, "residents", li, id_number="G87654321")]
    assert engine.import_bundle_bytes(district, seal(a, district, rows,
                                                     seq_to=2 * 10**6)).status == "applied"
    assert registry.get(district, "residents", li)["id_number"] == "G87654321"


@pytest.mark.parametrize(("tbl", "key", "values", "words"), [
    ("residents", "张三", {"birth_date": "1980-02-30"}, "不存在的日期"),
    ("residents", "张三", {"birth_date": "yesterday"}, "YYYY-MM-DD"),
    ("residents", "张三", {"birth_date": "2999-01-01"}, "晚于今天"),
    ("residents", "张三", {"phone": "12345"}, "电话"),
    ("residents", "张三", {"name": "张\x00三"}, "控制字符"),
    ("residents", "张三", {"name": "张\n三"}, "换行"),
    ("residents", "张三", {"relation": "户主\t"}, "制表符"),
    ("households", "household", {"door_number": "1" * 11}, "太长"),
])
def test_content_is_validated_like_local_input(synced, tbl, key, values, words):
    district, a, _b = synced
    outcome = refused(district, seal(a, district, [edit(a, tbl, a.ids[key], **values)]),
                      "bad_row")
    assert words in outcome.message, outcome.message


def test_a_note_may_carry_line_breaks(synced):
    district, a, _b = synced
    zhang = a.ids["张三"]
    rows = [edit(a, "residents", zhang, note="行动不便\n\t需上门")]
    assert engine.import_bundle_bytes(district, seal(a, district, rows,
                                                     seq_to=10**6)).status == "applied"
    assert registry.get(district, "residents", zhang)["note"] == "行动不便\n\t需上门"


# --- 7. ownership follows references ---------------------------------------------------------

def new_household(db, unit_id, door="999"):
    row_id = uuid7()
    return row_id, edit(db, "households", row_id, community_id=owner(db), unit_id=unit_id,
                        door_number=door, tags="", dwelling="owner", deleted=0)


def test_a_community_cannot_hang_its_household_under_another_communitys_unit(synced):
    district, a, b = synced
    row_id, row = new_household(b, unit_of(a))
    outcome = refused(district, seal(b, district, [row]), "foreign_reference")
    assert f"住户（编号 {row_id}）" in outcome.message and "另一个社区" in outcome.message
    assert registry.get(district, "households", row_id) is None


def test_a_community_cannot_move_its_household_into_another_communitys_unit(synced):
    district, a, b = synced
    moved = edit(b, "households", b.ids["household"], unit_id=unit_of(a))
    refused(district, seal(b, district, [moved]), "foreign_reference")
    assert registry.get(district, "households", b.ids["household"])["unit_id"] == unit_of(b)


def test_a_reference_to_a_row_nobody_holds_is_refused(synced):
    district, _a, b = synced
    _row_id, row = new_household(b, uuid7())
    outcome = refused(district, seal(b, district, [row]), "dangling_reference")
    assert "不存在" in outcome.message


def test_references_to_its_own_rows_in_the_same_bundle_and_to_the_district_are_fine(synced):
    district, _a, b = synced
    unit = uuid7()
    row_id, household = new_household(b, unit)
    building = registry.get(b, "units", unit_of(b))["building_id"]
    unit_row = edit(b, "units", unit, community_id=owner(b), building_id=building,
                    name="9单元", sort_order=9, deleted=0)
    staff = uuid7()
    staff_row = edit(b, "staff", staff, community_id=owner(b), org_unit_id=owner(district),
                     name="区派驻员", role="cadre", deleted=0)
    data = seal(b, district, [household, unit_row, staff_row], seq_to=10**6)  # child first
    outcome = engine.import_bundle_bytes(district, data)
    assert outcome.status == "applied", outcome
    assert registry.get(district, "households", row_id)["unit_id"] == unit
    assert registry.get(district, "staff", staff)["org_unit_id"] == owner(district)


def test_the_district_cannot_point_its_own_rows_at_a_communitys(synced, tmp_path):
    district, a, _b = synced
    send(district, a, tmp_path / "down")
    staff = uuid7()
    row = edit(district, "staff", staff, community_id=owner(district),
               org_unit_id=owner(a), name="区派驻员", role="cadre", deleted=0)
    before = state(a)
    outcome = engine.import_bundle_bytes(a, seal(district, a, [row], seq_to=10**6))
    assert outcome.status == "refused" and outcome.details["code"] == "foreign_reference"
    assert state(a) == before


def test_only_the_newest_value_of_a_field_is_held_to_the_references(synced):
    """A bundle carries a field's history; only its newest value can land, so an older
    value superseded in the same bundle is not checked (a community that moved sends its
    street's first parent, the old district's row), and the newest one always is."""
    district, a, b = synced
    now = time.time_ns() // 1_000_000

    def twice(first, then, later_ms=1, at=0):
        row = edit(b, "households", b.ids["household"], unit_id=first)
        row[3].append("unit_id")
        row[4].append(then)
        row[5].append(f"{now + at + later_ms:013d}.00000.{node(b)}")
        row[5][0] = f"{now + at:013d}.00000.{node(b)}"
        return row

    # Newest pointing at its own unit: the older value (a neighbour's unit) is superseded.
    data = seal(b, district, [twice(unit_of(a), unit_of(b))], seq_to=10**6)
    assert engine.import_bundle_bytes(district, data).status == "applied"
    assert registry.get(district, "households", b.ids["household"])["unit_id"] == unit_of(b)
    # Newest pointing at a neighbour's unit or at nothing: refused, as one value alone is.
    refused(district, seal(b, district, [twice(unit_of(b), unit_of(a))]), "foreign_reference")
    refused(district, seal(b, district, [twice(unit_of(b), uuid7())]), "dangling_reference")
    # The same history split over two runs of the row is read the same way.
    older, newer = twice(unit_of(b), unit_of(a), at=20), twice(unit_of(b), unit_of(a), at=20)
    older[3:] = [[c] for c in (older[3][0], older[4][0], older[5][0])]
    newer[3:] = [[c] for c in (newer[3][1], newer[4][1], newer[5][1])]
    refused(district, seal(b, district, [newer, older]), "foreign_reference")
    # A newest value from the future does not land now, so the older one (newer than the
    # value held) would: it is checked.
    future = twice(unit_of(a), unit_of(b), later_ms=engine.MAX_SKEW_MS + 3_600_000, at=10)
    refused(district, seal(b, district, [future]), "foreign_reference")
    # A write held here already (same field, same stamp) can do nothing, whatever it says.
    echo = twice(unit_of(b), unit_of(a))
    echo[3:] = [[c] for c in (echo[3][1], echo[4][1], echo[5][1])]
    outcome = engine.import_bundle_bytes(district, seal(b, district, [echo], seq_to=10**6 + 1))
    assert outcome.status == "applied" and outcome.applied == 0
    assert outcome.details["stale"] == 1
    assert registry.get(district, "households", b.ids["household"])["unit_id"] == unit_of(b)
