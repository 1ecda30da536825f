"""A community's own sweep: what it covers, outcomes with their bad input, progress per grid
and building, households not yet visited, new residents and a returnee's case in one step."""

from datetime import date, datetime, timedelta

import pytest

from app import accounts, isolation, registry, sweeps
from app.errors import FormError
from tests.conftest import make_id

TODAY = date.today()


@pytest.fixture
def sweep(community):
    return sweeps.create_sweep(community, "三号楼排查", TODAY - timedelta(days=1),
                               TODAY + timedelta(days=2), scope="buildings",
                               scope_ids=[community.ids["b3"]])


def test_a_sweep_of_one_building_covers_its_households_only(community, sweep):
    ids = community.ids
    assert sweeps.pending_ids(community, sweep) == [ids["h501"], ids["h502"]]
    with pytest.raises(FormError) as err:
        sweeps.record_visit(community, sweep, ids["h101"], "done", people=1)
    assert "不在“三号楼排查”的排查范围内" in err.value.message
    with pytest.raises(FormError) as err:
        sweeps.create_sweep(community, "", TODAY, TODAY - timedelta(days=1), scope="grids")
    assert set(err.value.errors) == {"title", "due_on", "scope_ids"}


def test_bad_outcomes_are_refused_with_the_field_named(community, sweep):
    h = community.ids["h501"]
    cases = [
        (dict(outcome="maybe"), "outcome"),
        (dict(outcome="done", visited_on=TODAY + timedelta(days=1)), "visited_on"),
        (dict(outcome="done", visited_on=TODAY - timedelta(days=5)), "visited_on"),
        (dict(outcome="done", people=2, returnees=1), "returnee_origin"),
        (dict(outcome="done", people=1, returnees=2, returnee_origin="上海"), "returnees"),
        (dict(outcome="done", people="三"), "people"),
        (dict(outcome="done", people=2, elderly=1, elderly_unvaccinated=2),
         "elderly_unvaccinated"),
        (dict(outcome="done", people=2, returnees=1, returnee_origin="上海",
              returned_on=TODAY + timedelta(days=1)), "returned_on"),
    ]
    for kwargs, field in cases:
        outcome = kwargs.pop("outcome")
        with pytest.raises(FormError) as err:
            sweeps.record_visit(community, sweep, h, outcome, **kwargs)
        assert field in err.value.errors, (kwargs, err.value.errors)
    assert sweeps.visits(community, sweep, h) == []          # nothing was saved


def test_progress_per_grid_and_building_and_revisits(community, sweep):
    ids = community.ids
    sweeps.record_visit(community, sweep, ids["h501"], "absent")
    (grid,) = sweeps.progress(community, sweep, "grid")
    assert (grid.label, grid.households, grid.finished, grid.absent) == ("第一网格", 2, 0, 1)
    # 无人在家 stays on the list to revisit; the revisit is a new row, the first is kept.
    assert sweeps.pending_ids(community, sweep) == [ids["h501"], ids["h502"]]
    sweeps.record_visit(community, sweep, ids["h501"], "done", people=2, elderly=0)
    sweeps.record_visit(community, sweep, ids["h502"], "vacant")
    (building,) = sweeps.progress(community, sweep, "building")
    assert (building.households, building.finished, building.percent) == (2, 2, 100)
    assert [v["outcome"] for v in sweeps.visits(community, sweep, ids["h501"])] == [
        "done", "absent"]
    assert sweeps.pending_ids(community, sweep) == []
    sweeps.close_sweep(community, sweep)
    with pytest.raises(FormError) as err:
        sweeps.record_visit(community, sweep, ids["h501"], "done", people=2)
    assert "已结束" in err.value.message


def test_a_grid_worker_records_only_their_grids(community):
    sweep = sweeps.create_sweep(community, "全社区排查", TODAY, TODAY)
    unit = next(u["id"] for u in registry.tree_nodes(community)["units"]
                if u["building_id"] not in (community.ids["b3"], community.ids["b5"]))
    other = registry.add_household(community, {"unit_id": unit, "door_number": "101"})
    accounts.create_first_admin(community, "admin", "书记", "Secret-2026x")
    accounts.create_account(community, "wg", "网格员甲", "grid_worker", "Secret-2026x",
                            grid_ids=[community.ids["grid1"]])
    accounts.sign_in(community, "wg", "Secret-2026x")
    with pytest.raises(accounts.PermissionDenied):
        sweeps.create_sweep(community, "网格员发起", TODAY, TODAY)
    assert other not in sweeps.pending_ids(community, sweep)
    with pytest.raises(accounts.PermissionDenied):
        sweeps.record_visit(community, sweep, other, "done", people=1)
    assert sweeps.record_visit(community, sweep, community.ids["h501"], "done", people=2)


def test_new_resident_and_returnee_case_from_the_visit(community, sweep):
    h = community.ids["h502"]
    newcomer = registry.add_resident(community, {"household_id": h, "name": "赵六",
                                                 "relation": "其他", "residency": "floating",
                                                 "id_number": make_id(seq="177")})
    visit = sweeps.record_visit(community, sweep, h, "done", people=2, returnees=1,
                                returnee_origin="广州市白云区",
                                returned_on=TODAY - timedelta(days=1), new_residents=1)
    prefill = sweeps.returnee_case_prefill(community, visit)
    case_id = isolation.register_case(
        community, resident_id=newcomer, kind=prefill["kind"], reason=prefill["reason"],
        started_on=prefill["started_on"], origin=prefill["origin"],
        arrived_on=prefill["arrived_on"], now=datetime.now())
    case = isolation.case_detail(community, case_id).case
    assert (case["origin"], case["reason"], case["household_id"]) == (
        "广州市白云区", sweeps.RETURNEE_REASON, h)
    assert sweeps.daily_figures(community, TODAY)["origins"] == [("广州市白云区", 1)]


def test_progress_from_the_command_line(community, sweep, capsys):
    from app.cli import main

    sweeps.record_visit(community, sweep, community.ids["h501"], "vacant")
    path = community.conn.execute("PRAGMA database_list").fetchone()[2]
    assert main(["sweep", "progress", "--db", path, "--by", "building"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[2].split("\t") == ["锦绣花园 3号楼", "2", "0", "0", "0", "1", "1", "50%", "0"]
    assert main(["sweep", "progress", "--db", path, "--sweep", "没有这个"]) == 1
    assert "这里的排查有：三号楼排查" in capsys.readouterr().err
    assert main(["sweep", "progress", "--db", path, "--by", "floor"]) == 2


def test_an_outcome_from_the_command_line(community, sweep, capsys):
    from app.cli import main

    path = community.conn.execute("PRAGMA database_list").fetchone()[2]
    h = community.ids["h501"]
    assert main(["sweep", "record", "--db", path, "--household", "锦绣花园3-2-501",
                 "--outcome", "找到了"]) == 2
    assert "可以填写：已排查、无人在家、拒绝、空置" in capsys.readouterr().err
    assert main(["sweep", "record", "--db", path, "--household", "3-2-501",
                 "--outcome", "已排查", "--people", "2", "--returnees", "1"]) == 2
    assert "--origin：有外地返回人员时，请填写从何地返回" in capsys.readouterr().err
    assert sweeps.visits(community, sweep, h) == []                  # nothing saved
    assert main(["sweep", "record", "--db", path, "--household", "锦绣花园3号楼2单元501室",
                 "--outcome", "已排查", "--people", "2", "--returnees", "1",
                 "--origin", "广州市白云区", "--symptom", "发热"]) == 0
    assert "已登记“锦绣花园3号楼2单元501室”：已排查（三号楼排查）" in capsys.readouterr().out
    (visit,) = sweeps.visits(community, sweep, h)
    assert (visit["people"], visit["returnees"], visit["returnee_origin"], visit["symptoms"]) \
        == (2, 1, "广州市白云区", "fever")
    assert main(["sweep", "record", "--db", path, "--household", "3-2-501",
                 "--outcome", "无人在家"]) == 0                       # a revisit: a new row
    assert [v["outcome"] for v in sweeps.visits(community, sweep, h)] == ["absent", "done"]


def test_a_past_days_figures_count_the_visits_made_by_then(community, sweep):
    yesterday = TODAY - timedelta(days=1)
    sweeps.record_visit(community, sweep, community.ids["h501"], "done", people=2,
                        visited_on=yesterday)
    sweeps.record_visit(community, sweep, community.ids["h502"], "vacant")    # today
    assert sweeps.daily_figures(community, yesterday)["visited"] == 1
    assert sweeps.daily_figures(community, TODAY)["visited"] == 2
    # ended today, it still counts on the days it ran
    sweeps.close_sweep(community, sweep)
    assert (sweeps.daily_figures(community, yesterday)["households"],
            sweeps.daily_figures(community, TODAY)["households"]) == (2, 0)


def test_the_report_counts_a_household_once_however_many_sweeps_cover_it(community, sweep):
    whole = sweeps.create_sweep(community, "全社区排查", TODAY, TODAY + timedelta(days=2))
    covered = {community.ids["h501"], community.ids["h502"],
               *sweeps.pending_ids(community, whole)}
    sweeps.record_visit(community, sweep, community.ids["h501"], "done", people=2)
    sweeps.record_visit(community, whole, community.ids["h501"], "done", people=2)
    sweeps.record_visit(community, whole, community.ids["h502"], "vacant")
    figures = sweeps.daily_figures(community, TODAY)
    assert (figures["households"], figures["visited"]) == (len(covered), 2)
