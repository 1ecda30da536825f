"""党员联户 rules without a window: one member per household, the limit, history, suggestions
(nearest first, balanced), members leaving, coverage, spot checks and the contact log."""

from __future__ import annotations

from collections import Counter
from datetime import date

import pytest

from app import pairing, registry
from app.errors import FormError
from app.pairing import (
    TIER_BRANCH,
    TIER_BUILDING,
    TIER_GRID,
    TIER_OUTSIDE,
    TIER_UNIT,
    AlreadyPaired,
    HouseholdSpot,
    MemberSpot,
    plan_suggestions,
)
from db import registry as db_registry
from tests.app.pairing.pairing_helpers import build_estate, household

DAY = date(2026, 3, 2)


@pytest.fixture
def estate(tmp_path):
    db = build_estate(tmp_path / "estate.sqlite")
    yield db
    db.conn.close()


def members(db):
    return db.estate.members


def pairing_rows(db) -> int:
    return db.conn.execute("SELECT count(*) FROM pairings").fetchone()[0]


def log_size(db) -> int:
    return db.conn.execute("SELECT count(*) FROM change_log").fetchone()[0]


# --- one household, one member ----------------------------------------------------------------

def test_pairing_a_household_both_ways(estate):
    h = household(estate, "锦绣花园", "1单元", "301")
    m = members(estate)["王建国"]
    pairing.pair_household(estate, h, m, today=DAY)
    current = pairing.household_member(estate, h)
    assert (current.member_id, current.member_name, current.started_on) == (m, "王建国", DAY)
    assert current.member_phone and current.active
    rows = pairing.member_households(estate, m)
    assert [r["household_id"] for r in rows] == [h]
    assert rows[0]["address"] == "锦绣花园 1号楼1单元301"
    assert [r["load"] for r in pairing.member_rows(estate) if r["id"] == m] == [1]


def test_second_member_asks_replace_or_cancel_and_replacing_keeps_history(estate):
    h = household(estate, "锦绣花园", "1单元", "301")
    first, second = members(estate)["王建国"], members(estate)["李秀英"]
    pairing.pair_household(estate, h, first, today=date(2025, 6, 1))
    before = (pairing_rows(estate), log_size(estate))
    with pytest.raises(AlreadyPaired) as asked:
        pairing.pair_household(estate, h, second, today=DAY)
    assert asked.value.current.member_name == "王建国"
    assert "已由党员“王建国”联系" in asked.value.message
    assert "2025年6月1日" in asked.value.message and "李秀英" in asked.value.message
    assert (pairing_rows(estate), log_size(estate)) == before      # cancel: nothing changed

    pairing.pair_household(estate, h, second, replace=True, today=DAY)

    history = pairing.household_history(estate, h)
    assert [(p.member_name, p.active) for p in history] == [("李秀英", True), ("王建国", False)]
    assert history[0].start_reason == "replaced"
    assert (history[1].started_on, history[1].ended_on, history[1].end_reason) == (
        date(2025, 6, 1), DAY, "replaced")
    active = estate.conn.execute(
        "SELECT count(*) FROM pairings WHERE household_id = ? AND ended_on IS NULL", (h,)
    ).fetchone()[0]
    assert active == 1


def test_the_same_member_again_is_refused(estate):
    h = household(estate, "翠竹苑", "1单元", "101")
    m = members(estate)["王建国"]
    pairing.pair_household(estate, h, m)
    with pytest.raises(FormError, match="已经是"):
        pairing.pair_household(estate, h, m, replace=True)
    assert pairing_rows(estate) == 1


def test_a_member_at_the_limit_is_refused_and_nothing_is_written(estate):
    pairing.set_limit(estate, 2)
    m = members(estate)["赵卫东"]
    for door in ("101", "102"):
        pairing.pair_household(estate, household(estate, "棉纺宿舍", "1单元", door), m)
    before = (pairing_rows(estate), log_size(estate))
    with pytest.raises(FormError) as refused:
        pairing.pair_household(estate, household(estate, "棉纺宿舍", "1单元", "201"), m)
    assert "已联系2户" in refused.value.message and "上限" in refused.value.message
    assert (pairing_rows(estate), log_size(estate)) == before
    # Replacing a household's member with one at the limit is refused too, and the old
    # pairing stays as it was.
    other = household(estate, "棉纺宿舍", "1单元", "301")
    pairing.pair_household(estate, other, members(estate)["陈晓东"])
    with pytest.raises(FormError, match="上限"):
        pairing.pair_household(estate, other, m, replace=True)
    assert pairing.household_member(estate, other).member_name == "陈晓东"


@pytest.mark.parametrize("value", [0, -3, "abc", None, 999])
def test_the_limit_must_be_a_sensible_number(estate, value):
    with pytest.raises(FormError, match="上限"):
        pairing.set_limit(estate, value)
    assert pairing.get_limit(estate) == pairing.DEFAULT_LIMIT


def test_the_limit_is_a_setting_of_this_database(estate, tmp_path):
    assert pairing.set_limit(estate, "25") == 25
    assert pairing.get_limit(estate) == 25


def test_a_deleted_household_or_member_cannot_be_paired(estate):
    h = household(estate, "翠竹苑", "1单元", "502")
    registry.delete_household(estate, h)
    with pytest.raises(FormError, match="已被删除"):
        pairing.pair_household(estate, h, members(estate)["王建国"])
    m = members(estate)["陈晓东"]
    registry.delete_party_member(estate, m)
    with pytest.raises(FormError, match="已被删除"):
        pairing.pair_household(estate, household(estate, "翠竹苑", "1单元", "501"), m)
    assert pairing_rows(estate) == 0


def test_pairings_are_captured_for_sync(estate):
    h = household(estate, "翠竹苑", "1单元", "101")
    pid = pairing.pair_household(estate, h, members(estate)["王建国"], today=DAY)
    cols = {r[0] for r in estate.conn.execute(
        "SELECT col FROM change_log WHERE tbl = 'pairings' AND row_id = ?", (pid,))}
    assert {"household_id", "member_id", "started_on", "community_id"} <= cols
    with pytest.raises(Exception, match="deleted = 1"):
        estate.conn.execute("DELETE FROM pairings")


# --- members and households leaving -----------------------------------------------------------

def _pair_unit(db, member: str, compound: str, unit: str, doors=("101", "102", "201")):
    for door in doors:
        pairing.pair_household(db, household(db, compound, unit, door), members(db)[member])


def test_a_member_who_leaves_ends_their_pairings(estate):
    _pair_unit(estate, "王建国", "锦绣花园", "1单元")
    registry.delete_party_member(estate, members(estate)["王建国"])
    rows = estate.conn.execute("SELECT ended_on, end_reason FROM pairings").fetchall()
    assert len(rows) == 3 and all(r[0] and r[1] == "member_left" for r in rows)
    assert pairing.coverage(estate).paired == 0
    assert household(estate, "锦绣花园", "1单元", "101") in pairing.unpaired_household_ids(estate)


def test_a_member_who_moves_out_ends_their_pairings_and_is_not_suggested(estate):
    _pair_unit(estate, "李秀英", "锦绣花园", "2单元")
    home = household(estate, "锦绣花园", "2单元", "201")   # where 李秀英 lives
    registry.delete_household(estate, home)                 # the whole family moves away
    reasons = Counter(r[0] for r in estate.conn.execute("SELECT end_reason FROM pairings"))
    assert reasons == {"member_left": 2, "household_gone": 1}
    plan = pairing.suggest_pairings(estate)
    assert "李秀英" not in {line.member_name for line in plan.lines}
    with pytest.raises(FormError, match="已迁出"):
        pairing.pair_household(estate, household(estate, "锦绣花园", "2单元", "101"),
                               members(estate)["李秀英"])


def test_a_deleted_household_ends_its_pairing(estate):
    h = household(estate, "棉纺宿舍", "2单元", "502")
    pairing.pair_household(estate, h, members(estate)["赵卫东"])
    registry.delete_household(estate, h)
    history = pairing.household_history(estate, h)
    assert history[0].end_reason == "household_gone" and not history[0].active
    assert pairing.coverage(estate).households == 49


def test_stale_pairings_from_other_paths_end_when_the_page_looks(estate):
    _pair_unit(estate, "赵卫东", "棉纺宿舍", "1单元")
    # A deletion that did not go through app.registry (an import, a sync).
    db_registry.soft_delete(estate, "party_members", members(estate)["赵卫东"])
    assert pairing.end_stale_pairings(estate, DAY) == 3
    assert pairing.end_stale_pairings(estate, DAY) == 0


def test_ending_a_pairing_by_hand_keeps_it_in_history(estate):
    h = household(estate, "翠竹苑", "1单元", "101")
    pid = pairing.pair_household(estate, h, members(estate)["陈晓东"], today=date(2025, 1, 5))
    pairing.end_pairing(estate, pid, note="住户要求更换", today=DAY)
    assert pairing.household_member(estate, h) is None
    (past,) = pairing.household_history(estate, h)
    assert (past.ended_on, past.end_reason, past.note) == (DAY, "ended", "住户要求更换")
    with pytest.raises(FormError, match="已经结束"):
        pairing.end_pairing(estate, pid)


# --- suggestions ------------------------------------------------------------------------------

def test_suggestion_is_nearest_first_balanced_and_writes_nothing(estate):
    before = (pairing_rows(estate), log_size(estate))
    plan = pairing.suggest_pairings(estate)
    assert (pairing_rows(estate), log_size(estate)) == before
    assert len(plan.lines) == 50 and plan.unplaced == []
    by_household = {line.household_id: line for line in plan.lines}
    # Households of a member's own unit go to that member.
    for door in ("101", "102", "501", "502"):
        line = by_household[household(estate, "锦绣花园", "1单元", door)]
        assert (line.member_name, line.tier) == ("王建国", TIER_UNIT)
        line = by_household[household(estate, "锦绣花园", "2单元", door)]
        assert (line.member_name, line.tier) == ("李秀英", TIER_UNIT)
    first = by_household[household(estate, "棉纺宿舍", "2单元", "101")]
    assert (first.member_name, first.tier) == ("赵卫东", TIER_BUILDING)
    # 翠竹苑 has no member living there: members of the same grid first, then the one of its
    # branch who lives outside the community.
    cuizhu = [by_household[h] for k, h in estate.estate.households.items() if k[0] == "翠竹苑"]
    assert {line.tier for line in cuizhu} == {TIER_GRID, TIER_BRANCH}
    assert all(line.member_name in ("王建国", "李秀英") for line in cuizhu
               if line.tier == TIER_GRID)
    # Balanced: nobody above the fair share (50 households / 4 members → 13).
    loads = Counter(line.member_name for line in plan.lines)
    assert max(loads.values()) == 13 and min(loads.values()) >= 10
    # Tiers only get farther as households are placed further from any member.
    assert all(line.tier <= TIER_OUTSIDE for line in plan.lines)


def test_residents_come_before_members_living_elsewhere():
    households = [HouseholdSpot(f"h{i}", "u1", "b1", "c1", "g1") for i in range(4)]
    members_ = [MemberSpot("outside", None, None, None, None, branch_compound="c1"),
                MemberSpot("far", "u9", "b9", "c9", "g2")]
    plan = plan_suggestions(households, members_, limit=10)
    # fair share 2 each: the resident elsewhere in the community first, then the branch one.
    assert [(members_[m].id, tier) for m, tier in plan] == [
        ("far", 4), ("far", 4), ("outside", TIER_BRANCH), ("outside", TIER_BRANCH)]


def test_suggestion_counts_existing_loads_and_respects_the_limit():
    households = [HouseholdSpot(f"h{i}", "u1", "b1", "c1", "g1") for i in range(10)]
    busy = MemberSpot("busy", "u1", "b1", "c1", "g1", load=6)
    idle = MemberSpot("idle", "u2", "b1", "c1", "g1", load=0)
    plan = plan_suggestions(households, [busy, idle], limit=7)
    loads = Counter(m for m, _ in filter(None, plan))
    # fair share ceil(16 / 2) = 8 > limit 7: both end at the limit, 2 households unplaced.
    assert loads == {0: 1, 1: 7}
    assert plan.count(None) == 2


def test_suggestion_with_no_members_places_nobody():
    households = [HouseholdSpot("h", "u", "b", "c", "g")]
    assert plan_suggestions(households, [], limit=30) == [None]


def test_accepting_all_suggestions_covers_every_household(estate):
    plan = pairing.suggest_pairings(estate)
    count = pairing.accept_suggestions(
        estate, [(line.household_id, line.member_id) for line in plan.lines], today=DAY)
    assert count == 50
    cover = pairing.coverage(estate)
    assert (cover.households, cover.paired, cover.rate) == (50, 50, 1.0)
    reasons = {r[0] for r in estate.conn.execute("SELECT start_reason FROM pairings")}
    assert reasons == {"suggested"}
    assert pairing.suggest_pairings(estate).lines == []


def test_accepting_some_lines_with_a_changed_member(estate):
    plan = pairing.suggest_pairings(estate)
    chosen = [(line.household_id, line.member_id) for line in plan.lines[:5]]
    chosen[0] = (chosen[0][0], members(estate)["陈晓东"])           # the secretary's change
    assert pairing.accept_suggestions(estate, chosen) == 5
    assert pairing.household_member(estate, chosen[0][0]).member_name == "陈晓东"
    assert pairing.coverage(estate).paired == 5


def test_one_bad_line_refuses_the_whole_step(estate):
    plan = pairing.suggest_pairings(estate)
    lines = [(line.household_id, line.member_id) for line in plan.lines]
    taken = lines[3][0]
    pairing.pair_household(estate, taken, members(estate)["陈晓东"])   # paired meanwhile
    before = (pairing_rows(estate), log_size(estate))
    with pytest.raises(FormError) as refused:
        pairing.accept_suggestions(estate, lines)
    assert "没有保存任何联户" in refused.value.message and "已有联系党员" in refused.value.message
    assert (pairing_rows(estate), log_size(estate)) == before


def test_changed_lines_over_the_limit_are_refused(estate):
    pairing.set_limit(estate, 12)
    plan = pairing.suggest_pairings(estate)
    everyone = members(estate)["王建国"]
    lines = [(line.household_id, everyone) for line in plan.lines[:13]]
    with pytest.raises(FormError, match="超过上限12户"):
        pairing.accept_suggestions(estate, lines)
    with pytest.raises(FormError, match="没有选中"):
        pairing.accept_suggestions(estate, [])
    assert pairing_rows(estate) == 0


# --- coverage ---------------------------------------------------------------------------------

def test_coverage_per_grid_compound_and_building(estate):
    _pair_unit(estate, "王建国", "锦绣花园", "1单元", doors=("101", "102", "201", "202"))
    _pair_unit(estate, "赵卫东", "棉纺宿舍", "2单元", doors=("101",))
    cover = pairing.coverage(estate)
    assert (cover.households, cover.paired, cover.unpaired) == (50, 5, 45)
    assert [(g.name, g.households, g.paired) for g in cover.grids] == [
        ("第一网格", 30, 4), ("第二网格", 20, 1)]
    compounds = {c.name: (c.households, c.paired) for c in cover.compounds}
    assert compounds == {"锦绣花园": (20, 4), "翠竹苑": (10, 0), "棉纺宿舍": (20, 1)}
    jinxiu = next(b for b in cover.buildings if b.parent_id == estate.estate.compounds["锦绣花园"])
    assert (jinxiu.households, jinxiu.paired, round(jinxiu.rate, 2)) == (20, 4, 0.2)
    assert {m.name for m in cover.members_idle} == {"李秀英", "陈晓东"}
    assert cover.members_over == []
    pairing.set_limit(estate, 3)
    over = pairing.coverage(estate).members_over
    assert [(m.name, m.load) for m in over] == [("王建国", 4)]
    unpaired = pairing.unpaired_household_ids(estate, "compound",
                                              estate.estate.compounds["锦绣花园"])
    assert len(unpaired) == 16
    assert household(estate, "锦绣花园", "1单元", "101") not in unpaired


def test_coverage_of_an_empty_community(tmp_path):
    from app.database import create_community, open_community_db

    db = open_community_db(tmp_path / "empty.sqlite", create=True)
    create_community(db, "长江路社区", "410102007003", "林山寨街道", "中原区")
    registry.add_grid(db, "第一网格")
    cover = pairing.coverage(db)
    assert (cover.households, cover.paired, cover.rate) == (0, 0, 0.0)
    assert [(g.name, g.households) for g in cover.grids] == [("第一网格", 0)]
    db.conn.close()


# --- spot checks ------------------------------------------------------------------------------

def _pair_everyone(db):
    plan = pairing.suggest_pairings(db)
    pairing.accept_suggestions(db, [(x.household_id, x.member_id) for x in plan.lines],
                               today=date(2026, 1, 10))


def test_a_spot_check_draws_n_per_grid_reproducibly_from_its_seed(estate):
    _pair_everyone(estate)
    check = pairing.draw_spot_check(estate, 3, seed=424242, today=DAY)
    items = pairing.spot_check_items(estate, check.id)
    assert (check.seed, check.per_grid, check.population, check.drawn) == (424242, 3, 50, 6)
    assert Counter(i["grid_name"] for i in items) == {"第一网格": 3, "第二网格": 3}
    assert all(i["member_name"] for i in items)
    # The same seed over the same paired households draws the same sample.
    again = pairing.draw_spot_check(estate, 3, seed=424242, today=DAY)
    assert [i["household_id"] for i in pairing.spot_check_items(estate, again.id)] == [
        i["household_id"] for i in items]
    other = pairing.draw_spot_check(estate, 3, seed=7, today=DAY)
    assert [i["household_id"] for i in pairing.spot_check_items(estate, other.id)] != [
        i["household_id"] for i in items]
    assert pairing.verify_spot_check(estate, check.id) == "same"
    # Later changes do not alter what was drawn; the check says the population moved on.
    registry.delete_household(estate, household(estate, "翠竹苑", "1单元", "101"))
    assert pairing.verify_spot_check(estate, check.id) == "population_changed"
    assert [i["household_id"] for i in pairing.spot_check_items(estate, check.id)] == [
        i["household_id"] for i in items]
    assert [c.id for c in pairing.spot_checks(estate)][-1] == check.id


def test_a_small_grid_gives_all_it_has(estate):
    _pair_unit(estate, "赵卫东", "棉纺宿舍", "1单元", doors=("101", "102"))
    check = pairing.draw_spot_check(estate, 5, seed=1)
    assert check.drawn == 2 and check.population == 2


def test_an_empty_sample_is_refused_and_nothing_is_recorded(estate):
    before = log_size(estate)
    with pytest.raises(FormError, match="抽不出样本"):
        pairing.draw_spot_check(estate, 5)
    with pytest.raises(FormError, match="1到200"):
        pairing.draw_spot_check(estate, 0)
    assert log_size(estate) == before
    assert pairing.spot_checks(estate) == []


def test_results_per_grid_and_member_and_the_follow_up_list(estate):
    _pair_everyone(estate)
    check = pairing.draw_spot_check(estate, 2, seed=99, today=date(2026, 3, 1))
    items = pairing.spot_check_items(estate, check.id)
    pairing.record_check_result(estate, items[0]["id"], method="visit", result="satisfied",
                                knows_member=True, member_did=["visit", "notice"], today=DAY)
    pairing.record_check_result(estate, items[1]["id"], method="phone", result="unsatisfied",
                                knows_member=False, member_did=["nothing"], note="不认识",
                                today=DAY)
    pairing.record_check_result(estate, items[2]["id"], method="phone", result="unreachable",
                                today=DAY)
    by_grid, by_member = pairing.spot_check_tally(estate, check.id)
    first = next(t for t in by_grid if t.name == items[0]["grid_name"])
    assert (first.drawn, first.checked, first.knew, first.not_knew) == (2, 2, 1, 1)
    assert sum(t.unreachable for t in by_grid) == 1
    assert by_member[0].not_knew == 1 and by_member[0].name == items[1]["member_name"]
    follow = pairing.follow_up_list(estate)
    assert [f["household_id"] for f in follow] == [items[1]["household_id"]]
    assert follow[0]["note"] == "不认识"
    recorded = db_registry.get(estate, "spot_check_items", items[0]["id"])
    assert (recorded["member_did"], recorded["checked_on"]) == ("visit notice", "2026-03-02")
    # A later check that finds the household knows its member now takes it off the list.
    later = pairing.draw_spot_check(estate, 30, seed=5, today=date(2026, 3, 2))
    again = next(i for i in pairing.spot_check_items(estate, later.id)
                 if i["household_id"] == items[1]["household_id"])
    pairing.record_check_result(estate, again["id"], method="visit", result="basic",
                                knows_member=True, today=DAY)
    assert pairing.follow_up_list(estate) == []


def test_a_result_needs_its_answers(estate):
    _pair_everyone(estate)
    check = pairing.draw_spot_check(estate, 1, seed=3, today=DAY)
    item = pairing.spot_check_items(estate, check.id)[0]
    with pytest.raises(FormError) as refused:
        pairing.record_check_result(estate, item["id"], method="letter", result="satisfied",
                                    checked_on=date(2026, 3, 9), today=DAY)
    assert set(refused.value.errors) == {"method", "knows_member", "checked_on"}
    with pytest.raises(FormError, match="早于抽样日期2026年3月2日"):
        pairing.record_check_result(estate, item["id"], method="visit", result="basic",
                                    knows_member=True, checked_on=date(2026, 3, 1), today=DAY)


# --- the contact log --------------------------------------------------------------------------

def test_contacts_default_to_the_current_member_and_read_newest_first(estate):
    h = household(estate, "锦绣花园", "1单元", "502")
    m = members(estate)["王建国"]
    pairing.pair_household(estate, h, m)
    pairing.log_contact(estate, h, "visit", contact_on=date(2026, 2, 1), today=DAY)
    pairing.log_contact(estate, h, "errand", contact_on=date(2026, 2, 20), note="代买米面油",
                        today=DAY)
    log = pairing.contacts_for_household(estate, h)
    assert [(c.kind, c.kind_label, c.member_name) for c in log] == [
        ("errand", "代买代送", "王建国"), ("visit", "上门走访", "王建国")]
    assert log[0].note == "代买米面油" and log[0].contact_on == date(2026, 2, 20)
    assert [r["address"] for r in pairing.contacts_of_member(estate, m)] == [
        "锦绣花园 1号楼1单元502"] * 2


def test_a_contact_needs_a_member_a_kind_and_a_past_date(estate):
    h = household(estate, "锦绣花园", "1单元", "502")
    with pytest.raises(FormError) as refused:
        pairing.log_contact(estate, h, "telegram", contact_on=date(2026, 4, 1), today=DAY)
    assert set(refused.value.errors) == {"kind", "contact_on", "member_id"}
    cid = pairing.log_contact(estate, h, "phone", member_id=members(estate)["陈晓东"], today=DAY)
    assert cid and pairing.contacts_for_household(estate, h)[0].member_name == "陈晓东"


# --- choosing by hand, and the demo ----------------------------------------------------------

def test_members_for_a_household_come_nearest_and_least_loaded_first(estate):
    choices = pairing.rank_members_for(estate, household(estate, "锦绣花园", "2单元", "502"))
    assert [(c.name, pairing.TIER_LABELS[c.tier]) for c in choices] == [
        ("李秀英", "同单元"), ("王建国", "同楼栋"), ("赵卫东", "本社区其他网格"),
        ("陈晓东", "不住本社区")]
    near = pairing.nearest_unpaired(estate, members(estate)["陈晓东"], limit=3)
    assert [tier for _, _, tier in near] == [TIER_BRANCH] * 3
    assert all(address.startswith("翠竹苑") for _, address, _ in near)


def test_the_demo_community_is_mostly_paired(tmp_path):
    from app.database import open_community_db
    from app.demo import build_demo

    summary = build_demo(tmp_path / "demo.sqlite", residents=600, seed=3)
    db = open_community_db(tmp_path / "demo.sqlite")
    cover = pairing.coverage(db)
    assert cover.paired == summary["pairings"]
    assert 0.85 < cover.rate < 1 and cover.members_over == []
    (check,) = pairing.spot_checks(db)
    assert check.checked > 0
    assert db.conn.execute("SELECT count(*) FROM member_contacts").fetchone()[0] > 0
    db.conn.close()


def test_a_spot_check_result_is_changed_only_as_a_correction_the_audit_log_keeps(estate):
    import json

    _pair_everyone(estate)
    check = pairing.draw_spot_check(estate, 1, seed=3, today=DAY)
    item = pairing.spot_check_items(estate, check.id)[0]
    pairing.record_check_result(estate, item["id"], method="phone", result="satisfied",
                                knows_member=True, member_did=["visit"], today=DAY)
    # Saving the same again is no correction; a different result must be confirmed.
    pairing.record_check_result(estate, item["id"], method="phone", result="satisfied",
                                knows_member=True, member_did=["visit"], today=DAY)
    with pytest.raises(pairing.ResultRecorded, match="已登记抽查结果“满意”"):
        pairing.record_check_result(estate, item["id"], method="visit", result="unsatisfied",
                                    knows_member=False, today=DAY)
    assert pairing.spot_check_items(estate, check.id)[0]["result"] == "satisfied"
    pairing.record_check_result(estate, item["id"], method="visit", result="unsatisfied",
                                knows_member=False, correct=True, today=DAY)
    assert pairing.spot_check_items(estate, check.id)[0]["result"] == "unsatisfied"
    kept = [json.loads(d) for (d,) in estate.conn.execute(
        "SELECT detail FROM audit_log WHERE action = 'update' AND row_id = ?", (item["id"],))]
    assert any(d["before"].get("result") == "satisfied" for d in kept)
