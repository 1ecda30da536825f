"""Readiness without a window (issue 19, items 8–9): checkpoints at compound gates with their
daily counts (numbers, a second entry corrects the first and the change log keeps the old),
personal registration only once the office switches it on, supplies received and issued with
who and why, low stock flagged, an issue beyond stock refused; and all of it reaching the
district in a real bundle, where a forged row is refused."""

from __future__ import annotations

from datetime import date

import pytest

from app import accounts, community_scope, readiness
from app.errors import FormError
from tests.app.sync import test_incoming as forged
from tests.app.sync import test_sync as sync_base

DAY = date(2026, 12, 7)
world = sync_base.world     # a district and two enrolled communities


@pytest.fixture
def a(world):
    return world[1]


def compound(db) -> str:
    return db.conn.execute("SELECT id FROM compounds WHERE deleted = 0").fetchone()[0]


def test_a_checkpoint_needs_its_compound_and_counts_are_numbers(a):
    with pytest.raises(FormError) as bad:
        readiness.save_checkpoint(a, name="东门卡口", compound_id=None)
    assert "小区" in bad.value.errors["compound"]
    cp = readiness.save_checkpoint(a, name="东门卡口", compound_id=compound(a), gate="东门")
    with pytest.raises(FormError) as bad:
        readiness.record_counts(a, cp, on_date=DAY, people="很多", vehicles=-1)
    assert "整数" in bad.value.errors["people"] and "0～" in bad.value.errors["vehicles"]
    assert readiness.record_counts(a, cp, on_date=DAY, people="520", vehicles=80) is False
    # The same day again corrects it; the change log keeps what it replaced.
    assert readiness.record_counts(a, cp, on_date=DAY, people=530, vehicles=80) is True
    [row] = readiness.counts(a, cp)
    assert (row["people"], row["vehicles"]) == (530, 80)
    old = [r[0] for r in a.conn.execute(
        "SELECT value FROM change_log WHERE tbl = 'checkpoint_counts' AND col = 'people' "
        "ORDER BY seq")]
    assert old == [520, 530]
    [listed] = readiness.checkpoints(a)
    assert (listed["last_date"], listed["last_people"]) == (DAY.isoformat(), 530)


def test_names_at_the_gate_only_once_registration_is_switched_on(a):
    cp = readiness.save_checkpoint(a, name="北门卡口", compound_id=compound(a))
    with pytest.raises(FormError) as refused:
        readiness.register_entry(a, cp, name="张三", phone="13812345678")
    assert "没有开启人员登记" in refused.value.message
    assert a.conn.execute("SELECT COUNT(*) FROM checkpoint_entries").fetchone()[0] == 0
    readiness.set_registration(a, cp, True)
    readiness.register_entry(a, cp, name="张三", phone="13812345678", plate="豫A12345")
    assert [e["name"] for e in readiness.entries(a, cp)] == ["张三"]


def test_supplies_in_and_out_with_who_and_why_and_never_beyond_stock(a):
    masks = readiness.save_supply(a, name="医用外科口罩", unit="只", stored_at="社区物资库",
                                  low_level=100)
    assert readiness.move(a, masks, "in", quantity=300, party="街道办事处",
                          reason="应急储备下拨", on_date=DAY) == 300
    with pytest.raises(FormError) as bad:
        readiness.move(a, masks, "out", quantity=50, party="", reason="")
    assert {"party", "reason"} <= set(bad.value.errors)
    with pytest.raises(FormError) as refused:
        readiness.move(a, masks, "out", quantity=301, party="卡口", reason="值守")
    assert "库存只有300只" in refused.value.errors["quantity"]
    assert readiness.move(a, masks, "out", quantity=250, party="卡口值守人员",
                          reason="卡口值守使用", on_date=DAY) == 50
    [item] = readiness.supplies(a)
    assert (item.stock, item.low) == (50, True)
    assert [s.name for s in readiness.supplies(a, low_only=True)] == ["医用外科口罩"]
    moves = [(m["kind"], m["quantity"], m["party"]) for m in readiness.moves(a, masks)]
    assert moves == [("out", 250, "卡口值守人员"), ("in", 300, "街道办事处")]


def test_readiness_reaches_the_district_and_the_district_only_looks(world, tmp_path):
    district, a, b, _stick = world
    cp = readiness.save_checkpoint(a, name="东门卡口", compound_id=compound(a))
    readiness.record_counts(a, cp, on_date=DAY, people=100, vehicles=9)
    item = readiness.save_supply(a, name="防护服", unit="套", low_level=5)
    readiness.move(a, item, "in", quantity=20, party="街道", reason="下拨")
    sync_base.send(a, district, tmp_path / "a")
    sync_base.send(b, district, tmp_path / "b")
    [seen] = readiness.checkpoints(district)
    assert (seen["name"], seen["last_people"]) == ("东门卡口", 100)
    assert community_scope.names(district)[seen["community_id"]] == "长江路社区"
    assert readiness.checkpoints(district, communities={"nobody"}) == []
    assert [(s.name, s.stock) for s in readiness.supplies(district)] == [("防护服", 20)]
    accounts.create_demo_district_accounts(district, [])
    accounts.forget_all()
    accounts.sign_in(district, "admin", accounts.DEMO_PASSWORD)
    try:
        with pytest.raises(FormError) as refused:
            readiness.move(district, item, "out", quantity=1, party="区里", reason="调拨")
        assert "区里只能查看" in refused.value.message
    finally:
        accounts.sign_out(district)


def test_a_forged_supply_movement_is_refused_naming_the_table(world, tmp_path):
    district, a, _b, _stick = world
    sync_base.send(a, district, tmp_path / "a")
    item = readiness.save_supply(a, name="帐篷", unit="顶")
    row = forged.edit(a, "supply_moves", "01930000-0000-7000-8000-000000000001",
                      community_id=forged.owner(a), supply_id=item, on_date="2026-12-07",
                      kind="stolen", quantity=5, party="x", reason="y", deleted=0)
    outcome = forged.refused(district, forged.seal(a, district, [row]), "bad_row")
    assert "物资出入库" in outcome.message


def test_a_forged_negative_issue_does_not_raise_the_districts_stock(world, tmp_path):
    from app.sync import engine

    district, a, _b, _stick = world
    item = readiness.save_supply(a, name="沙袋", unit="个")
    readiness.move(a, item, "in", quantity=10, party="街道", reason="防汛")
    sync_base.send(a, district, tmp_path / "a")
    row = forged.edit(a, "supply_moves", "01930000-0000-7000-8000-000000000002",
                      community_id=forged.owner(a), supply_id=item, on_date="2026-12-07",
                      kind="out", quantity=-500, party="x", reason="y", deleted=0)
    data = forged.seal(a, district, [row], seq_from=0, seq_to=10**6)
    assert engine.import_bundle_bytes(district, data).status == "applied"   # types are fine
    assert [(s.name, s.stock) for s in readiness.supplies(district)] == [("沙袋", 10)]
