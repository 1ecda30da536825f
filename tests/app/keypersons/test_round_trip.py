"""Key-person lists end to end through real bundle files: imported at the district from an
Excel list, matched, down to each community, verified (command line and one-step measure),
up, the result ledger; reassigning, conflicts, withdrawing, and hostile bundles.

The tests of this module run in order on one district and two communities (module scope:
building them is the slow part); each test states the step it checks."""

from __future__ import annotations

import shutil
from datetime import date, datetime, timedelta

import openpyxl
import pytest

from app import keypersons, registry
from app.cli import main
from app.database import open_community_db
from app.keypersons import demo as kp_demo
from app.keypersons import ledger
from app.sync import engine
from db import keypersons as q
from tests.app.sync.test_sync import new_community
from tests.conftest import make_id


@pytest.fixture(scope="module")
def _own_data_dir(tmp_path_factory):
    """One key folder for the whole module (the communities' keys live there)."""
    mp = pytest.MonkeyPatch()
    mp.setenv("GRIDDESK_DATA_DIR", str(tmp_path_factory.mktemp("kp-data")))
    yield
    mp.undo()


@pytest.fixture(scope="module")
def world(tmp_path_factory, _own_data_dir):
    tmp = tmp_path_factory.mktemp("kp")
    district = open_community_db(tmp / "district.sqlite", create=True)
    engine.create_district(district, "中原区", "410102")
    a = new_community(tmp, "长江路社区", "410102007003")
    b = new_community(tmp, "建设路社区", "410102008001", (("王五", "153"), ("赵六", "164")))
    registry.edit_resident(a, a.ids["李四"], {"phone": "13900001111"})
    for community in (a, b):
        seen = engine.enroll_by_files(community, district, tmp / "stick")
        community.peer = seen.node_id
    send(a, district, tmp / "up")
    send(b, district, tmp / "up")
    return {"district": district, "a": a, "b": b, "tmp": tmp}


def node(db):
    return db._griddesk.node_id


def send(src, dst, folder):
    shutil.rmtree(folder, ignore_errors=True)
    engine.export_bundles(src, node(dst), folder)
    outcomes = engine.import_folder(dst, folder)
    assert all(o.status != "refused" for o in outcomes), [o.message for o in outcomes]
    return outcomes


def open_rows(db):
    owner = keypersons.own_owner(db)
    return {r["name"]: r for r in q.page_rows(db, q.page_ids(db, owner))}


ZHANG = make_id("410102", seq="131")
WANG = make_id("410102", seq="153")


@pytest.fixture(scope="module")
def imported(world):
    tmp = world["tmp"]
    rows = [
        [1, "张三", ZHANG, "", "", "中高风险地区返回", ""],          # A by ID number
        [2, "王五", f"'{WANG}", "", "", "", "本人电话关机\n请上门"],    # B by ID ('text trick)
        [3, "钱七", "", "", "长江路社区小区1栋1单元101室", "", ""],     # A by address
        [4, "李 四", "", "139 0000 1111", "", "", ""],               # A by phone
        [5, "孙八", "", "", "1号楼1单元101", "", ""],                 # a door in both: waits
        [6, "周九", make_id("410105", seq="777"), "", "", "", ""],    # nowhere: waits
        [7, "吴十", "4.10102E+17", "", "", "", ""],                   # Excel-damaged
        [8, "郑一", "410102198001011239", "", "", "", ""],            # wrong check digit
        [9, "张三", ZHANG, "13900002222", "", "", "又报一次"],         # twice: merged
    ]
    path = kp_demo.write_list(tmp / "list.xlsx", rows, title="关于核查重点人员的通知（第3批）")
    code = main(["keypersons", "import", "--db", str(tmp / "district.sqlite"), str(path),
                 "--due", f"{date.today() - timedelta(days=1)}T18:00",   # already overdue
                 "--category", "中高风险地区返回"])
    return code, path


def test_import_matches_each_person_and_names_bad_rows(world, imported):
    code, _path = imported
    assert code == 0
    district = world["district"]
    cur = district.conn.execute(
        "SELECT name, community_id, matched_by, source_rows, candidates FROM keypersons")
    people = {r[0]: dict(zip(("name", "community_id", "matched_by", "source_rows",
                              "candidates"), r, strict=True)) for r in cur}
    a_id, b_id = keypersons.own_owner(world["a"]), keypersons.own_owner(world["b"])
    assert people["张三"]["community_id"] == a_id and people["张三"]["matched_by"] == "id_number"
    assert people["张三"]["source_rows"] == "3, 11"            # merged, both rows named
    assert people["王五"]["community_id"] == b_id
    assert people["钱七"]["community_id"] == a_id and people["钱七"]["matched_by"] == "address"
    assert people["李四"]["community_id"] == a_id and people["李四"]["matched_by"] == "phone"
    assert people["孙八"]["community_id"] == q.UNASSIGNED
    assert people["孙八"]["candidates"] == "建设路社区、长江路社区"
    assert people["周九"]["community_id"] == q.UNASSIGNED and not people["周九"]["candidates"]
    assert "吴十" not in people and "郑一" not in people


def test_import_prints_counts_and_a_second_import_adds_nothing(world, imported, capsys):
    _code, path = imported
    tmp = world["tmp"]
    assert main(["keypersons", "import", "--db", str(tmp / "district.sqlite"), str(path),
                 "--due", "2020-01-02"]) == 1            # a typing slip, years ago
    assert "截止时间“2020-01-02”早于昨天" in capsys.readouterr().err
    assert main(["keypersons", "import", "--db", str(tmp / "district.sqlite"), str(path),
                 "--due", f"{date.today() + timedelta(days=2)}"]) == 0
    out = capsys.readouterr().out
    assert "已导入 0 人" in out and "未重复导入：6 人" in out
    assert "截止时间仍为" in out                            # the list's due is not changed
    assert "第9行（吴十）未导入：证件号码“4.10102E+17”已被 Excel 改成科学计数法" in out
    assert "第10行（郑一）未导入" in out
    assert "第3、11行：张三" in out
    assert world["district"].conn.execute("SELECT count(*) FROM keypersons").fetchone()[0] == 6
    assert main(["keypersons", "status", "--db", str(tmp / "district.sqlite")]) == 0
    status = capsys.readouterr().out
    assert "长江路社区：已核实 0/3" in status and "建设路社区：已核实 0/1" in status
    assert "孙八" in status and "可能在 建设路社区、长江路社区" in status


def test_each_community_receives_only_its_own_people(world, imported):
    district, a, b = world["district"], world["a"], world["b"]
    send(district, a, world["tmp"] / "down-a")
    send(district, b, world["tmp"] / "down-b")
    assert sorted(open_rows(a)) == ["张三", "李四", "钱七"]
    assert sorted(open_rows(b)) == ["王五"]
    assert open_rows(b)["王五"]["list_note"] == "本人电话关机 请上门"   # one line: syncable
    # nothing of another community's people, nor of those waiting, reached either
    for db in (a, b):
        owners = {r[0] for r in db.conn.execute("SELECT community_id FROM keypersons")}
        assert owners == {keypersons.own_owner(db)}
    row = open_rows(a)["张三"]
    assert row["resident_name"] == "张三" and row["title"] == "关于核查重点人员的通知（第3批）"
    assert open_rows(a)["钱七"]["resident_id"] is None
    assert open_rows(a)["钱七"]["household_id"] == a.ids["household"]


def test_a_community_cannot_edit_the_list_nor_the_district_a_result(world, imported):
    a, district = world["a"], world["district"]
    person = open_rows(a)["张三"]
    with pytest.raises(keypersons.accounts.PermissionDenied):
        keypersons.assign(a, person["id"], keypersons.own_owner(world["b"]))
    with pytest.raises(keypersons.accounts.PermissionDenied) as err:
        keypersons.verify(district, person["id"], "查无此人")
    assert "社区填写" in err.value.message


def test_verify_on_the_command_line_and_in_one_step(world, imported, capsys):
    a, tmp = world["a"], world["tmp"]
    db_a = str(tmp / "410102007003.sqlite")
    assert main(["keypersons", "verify", "--db", db_a, "--name", "李四",
                 "--result", "胡写"]) == 2
    err = capsys.readouterr().err
    assert "不认识的核查结果“胡写”" in err and "在本社区居住、已离开本社区、查无此人" in err
    assert main(["keypersons", "verify", "--db", db_a, "--id-number", ZHANG,
                 "--result", "在本社区居住", "--note", "电话联系本人在家"]) == 0
    assert "已记录“张三”的核查结果：在本社区居住" in capsys.readouterr().out
    a.conn.execute("SELECT 1")   # the command wrote through its own connection
    # 钱七 is not registered: the one-step measure adds them to the household and registers
    # a home health-monitoring case, prefilled from the list
    person = open_rows(a)["钱七"]
    with pytest.raises(keypersons.FormError) as err:
        keypersons.verify(a, person["id"], "已离开本社区")
    assert "去向" in err.value.errors["detail"]
    _result_id, case_id = keypersons.verify_with_case(
        a, person["id"], kind="home_monitoring", reason="中高风险地区返回",
        started_on=date.today(), origin="外省",
        newcomer_data={"id_number": make_id("410102", seq="175")})
    case = a.conn.execute("SELECT kind, resident_id FROM isolation_cases WHERE id = ?",
                          (case_id,)).fetchone()
    assert case[0] == "home_monitoring"
    assert a.conn.execute("SELECT name FROM residents WHERE id = ?",
                          (case[1],)).fetchone()[0] == "钱七"
    assert open_rows(a)["钱七"]["measure"] == "home_monitoring"
    # a result said again keeps the first one; on the command line the 去向 may come with
    # the word, and a missing one names the option to add
    assert main(["keypersons", "verify", "--db", db_a, "--name", "张三",
                 "--result", "已离开本社区"]) == 2
    assert "--detail：请填写去向" in capsys.readouterr().err
    assert main(["keypersons", "verify", "--db", db_a, "--name", "张三",
                 "--result", "已离开本社区，去向建设路社区"]) == 0
    assert "已离开本社区（去向建设路社区）" in capsys.readouterr().out
    assert [r["result"] for r in q.results_of(a, open_rows(a)["张三"]["id"])] == \
        ["living_here", "left"]
    assert keypersons.daily_figures(a, date.today()) == {"received": 3, "verified": 2,
                                                          "overdue": 1}


def test_results_go_up_and_the_district_sees_progress(world, imported, capsys):
    a, district = world["a"], world["district"]
    send(a, district, world["tmp"] / "up-a")
    by = {p.community: p for p in keypersons.progress(district)}
    here = by["长江路社区"]
    assert (here.verified, here.total, here.overdue) == (2, 3, 1)
    assert by["待分配"].total == 2
    zhang = district.conn.execute("SELECT id FROM keypersons WHERE name = '张三' "
                                  "AND state = 'open'").fetchone()[0]
    assert keypersons.reassign_target(district, zhang) == keypersons.own_owner(world["b"])
    assert keypersons.daily_figures(district, date.today())["verified"] == 2
    # the command line offers the one-step reassign to where the person went
    assert main(["keypersons", "status", "--db", str(world["tmp"] / "district.sqlite")]) == 0
    assert ("已离开：张三（长江路社区报“已离开本社区（去向建设路社区）”），改派给建设路社区："
            "griddesk keypersons assign --name 张三") in capsys.readouterr().out


def test_reassigning_closes_the_old_copy_and_opens_one_at_the_new_community(world, imported,
                                                                             capsys):
    district, a, b, tmp = world["district"], world["a"], world["b"], world["tmp"]
    zhang = district.conn.execute("SELECT id FROM keypersons WHERE name = '张三'").fetchone()[0]
    # one step, to the community 长江路 named: no --community needed
    assert main(["keypersons", "assign", "--db", str(tmp / "district.sqlite"),
                 "--name", "张三"]) == 0
    assert "已把“张三”分配给建设路社区" in capsys.readouterr().out
    new_id = district.conn.execute("SELECT id FROM keypersons WHERE name = '张三' "
                                   "AND state = 'open'").fetchone()[0]
    assert keypersons.reassignable(district) == []
    # meanwhile, 长江路 (offline) records another result for 张三
    later = datetime.now() + timedelta(seconds=2)
    keypersons.verify(a, zhang, "living_here", note="又见到了", now=later)
    send(district, a, tmp / "down-a")
    send(district, b, tmp / "down-b")
    old = open_rows(a)["张三"]
    assert old["state"] == "moved" and old["moved_to"] == keypersons.own_owner(b)
    with pytest.raises(keypersons.FormError) as err:
        keypersons.verify(a, zhang, "living_here")
    assert "建设路社区" in err.value.message
    assert keypersons.daily_figures(a, date.today())["received"] == 2
    moved = open_rows(b)["张三"]
    assert moved["id"] == new_id and moved["state"] == "open" and moved["matched_by"] == "hand"
    assert moved["resident_id"] is None       # not registered at 建设路: 未在本社区登记
    send(a, district, tmp / "up-a")
    conflicts = keypersons.conflicts(district)
    assert [(c["name"], c["community"], c["moved_to_name"]) for c in conflicts] == \
        [("张三", "长江路社区", "建设路社区")]


def test_assign_by_hand_and_the_ledger(world, imported, capsys):
    tmp = world["tmp"]
    assert main(["keypersons", "assign", "--db", str(tmp / "district.sqlite"), "--name",
                 "孙八", "--community", "410102008001"]) == 0
    assert "已把“孙八”分配给" in capsys.readouterr().out
    assert main(["keypersons", "export", "--db", str(tmp / "district.sqlite"),
                 "--out", str(tmp / "ledger.csv")]) == 2
    assert "应以 .xlsx 结尾" in capsys.readouterr().err
    assert not (tmp / "ledger.csv").exists()
    out = tmp / "ledger.xlsx"
    assert main(["keypersons", "export", "--db", str(tmp / "district.sqlite"),
                 "--out", str(out)]) == 0
    ws = openpyxl.load_workbook(out).active
    values = [[c.value for c in r] for r in ws.iter_rows()]
    header = next(r for r in values if r and r[0] == "名单")
    rows = {r[header.index("姓名")]: dict(zip(header, r, strict=True))
            for r in values[values.index(header) + 1:]}
    assert rows["钱七"]["核查结果"] == "在本社区居住" and rows["钱七"]["措施"] == "登记居家健康监测"
    assert rows["钱七"]["社区"] == "长江路社区" and rows["钱七"]["核查人"]
    assert rows["周九"]["社区"] == "待分配" and rows["周九"]["状态"] == "待核实"
    assert rows["孙八"]["社区"] == "建设路社区"
    assert rows["王五"]["证件号码"] == WANG      # the list's '-prefix undone
    a_out = tmp / "ledger-a.xlsx"
    ledger.export(world["a"], a_out)
    names = {r[2].value for r in openpyxl.load_workbook(a_out).active.iter_rows(min_row=4)}
    assert "王五" not in names and "钱七" in names


def test_a_withdrawn_list_is_marked_at_the_community_and_results_kept(world, imported, capsys):
    district, a, tmp = world["district"], world["a"], world["tmp"]
    assert main(["keypersons", "withdraw", "--db", str(tmp / "district.sqlite"), "--list",
                 "关于核查重点人员的通知（第3批）"]) == 0
    send(district, a, tmp / "down-a")
    rows = open_rows(a)
    assert all(r["list_status"] == "withdrawn" for r in rows.values())
    assert rows["钱七"]["result"] == "living_here"
    assert keypersons.daily_figures(a, date.today())["received"] == 0


def test_hostile_bundles_that_write_what_the_sender_may_not_are_refused(world, imported):
    district, a, b, tmp = world["district"], world["a"], world["b"], world["tmp"]
    # 长江路 changes a person the district gave it (its own row, not its own to change)
    a.conn.execute("UPDATE keypersons SET name = '改名' WHERE name = '李四'")
    a.conn.commit()
    shutil.rmtree(tmp / "bad", ignore_errors=True)
    engine.export_bundles(a, node(district), tmp / "bad")
    outcome, = engine.import_folder(district, tmp / "bad")
    assert outcome.status == "refused" and outcome.details["code"] == "not_author"
    assert "无权修改的重点人员" in outcome.message
    assert district.conn.execute("SELECT count(*) FROM keypersons WHERE name = '改名'"
                                 ).fetchone()[0] == 0
    # the district changes 建设路's result for 王五 (stamped by the district's node)
    wang = open_rows(b)["王五"]["id"]
    keypersons.verify(b, wang, "not_found", note="门牌下无此人")
    send(b, district, tmp / "up-b")
    district.conn.execute("UPDATE keyperson_results SET result = 'living_here' "
                          "WHERE person_id = ?", (wang,))
    district.conn.commit()
    shutil.rmtree(tmp / "bad2", ignore_errors=True)
    engine.export_bundles(district, node(b), tmp / "bad2")
    outcome, = engine.import_folder(b, tmp / "bad2")
    assert outcome.status == "refused" and outcome.details["code"] == "not_author"
    assert "无权修改的重点人员核查结果" in outcome.message
    assert open_rows(b)["王五"]["result"] == "not_found"
