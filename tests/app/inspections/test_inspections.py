"""Inspections without a window: bad input refused at its field with nothing saved, problems
corrected and closed by a re-inspection, the overdue count, the ledgers; a supervision round
from the district down to one community and its correction back up through real bundles;
the monthly bulletin's counts read back from the PDF equal the data."""

import shutil
from datetime import date, timedelta

import pypdfium2 as pdfium
import pytest
from openpyxl import load_workbook

from app import inspections, places
from app.cli import main
from app.database import open_community_db
from app.errors import FormError
from app.inspections import printing
from app.sync import engine
from tests.app.sync.test_sync import new_community

TODAY = date.today()


def days_ago(n: int) -> str:
    return (TODAY - timedelta(days=n)).isoformat()


def pdf_text(path) -> str:
    pdf = pdfium.PdfDocument(str(path))
    try:
        return "\n".join(pdf[i].get_textpage().get_text_range() for i in range(len(pdf)))
    finally:
        pdf.close()


def send(src, dst, folder):
    shutil.rmtree(folder, ignore_errors=True)
    engine.export_bundles(src, dst._griddesk.node_id, folder)
    return engine.import_folder(dst, folder)


@pytest.fixture(scope="module")
def keys_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("inspections-data")


@pytest.fixture(autouse=True)
def _own_data_dir(keys_dir, monkeypatch):
    monkeypatch.setenv("GRIDDESK_DATA_DIR", str(keys_dir))


@pytest.fixture(scope="module")
def world(tmp_path_factory, keys_dir):
    """A district and two enrolled communities, each with a shop."""
    tmp = tmp_path_factory.mktemp("inspections")
    patch = pytest.MonkeyPatch()
    patch.setenv("GRIDDESK_DATA_DIR", str(keys_dir))
    district = open_community_db(tmp / "district.sqlite", create=True)
    engine.create_district(district, "中原区", "410102")
    a = new_community(tmp, "长江路社区", "410102007003")
    b = new_community(tmp, "建设路社区", "410102008001", (("王五", "153"),))
    for community in (a, b):
        engine.enroll_by_files(community, district, tmp / "usb" / community.ids["household"])
        community.shop = places.register(community, places.PlaceInput(
            name="老王烩面馆", kind="小餐饮", street_address="建设路12号", manager="王建国",
            phone="13700001111"))
        send(community, district, tmp / "up0")
    yield district, a, b, tmp
    for db in (district, a, b):
        db.conn.close()
    patch.undo()


def fire_check(db, place_id, day, answers=None, problems=()):
    data = inspections.new_input(db, "消防安全检查", "place", place_id)
    data.inspected_on = day
    data.inspectors = "张三、李四"
    data.answers = answers if answers is not None else ["yes"] * len(data.items)
    data.problems = [inspections.ProblemInput(*p) for p in problems]
    return data


def counts(db):
    return [db.conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
            for t in ("inspections", "inspection_answers", "inspection_problems")]


def test_unanswered_item_and_deadline_before_the_inspection_are_refused_by_name(world):
    _, a, _, _ = world
    before = counts(a)
    data = fire_check(a, a.shop, days_ago(1), answers=["yes", None, "yes", "no", "yes", "yes",
                                                       "yes", "yes"],
                      problems=[("灭火器过期", days_ago(3), "王建国")])
    with pytest.raises(FormError) as refused:
        inspections.record(a, data)
    errors = refused.value.errors
    assert "第2项“安全出口、疏散通道畅通，无锁闭、堵塞”还没有选择" in errors["item1"]
    assert "整改期限" in errors["problem1"] and "早于检查日期" in errors["problem1"]
    assert counts(a) == before                      # nothing saved
    assert data.answers[0] == "yes" and data.problems[0].description == "灭火器过期"  # kept
    data.answers[1] = "na"
    data.problems[0].due_on = days_ago(0)
    inspections.record(a, data)
    assert counts(a) == [before[0] + 1, before[1] + 8, before[2] + 1]


def test_a_problem_is_corrected_then_closed_by_a_re_inspection_and_leaves_overdue(world, tmp_path):
    _, a, _, _ = world
    shop = places.register(a, places.PlaceInput(name="便民超市", kind="小商店",
                                                street_address="中原路3号"))
    overdue_before = inspections.overdue_count(a)
    data = fire_check(a, shop, days_ago(10), answers=None,
                      problems=[("安全出口堆放杂物", days_ago(5), "赵店长")])
    first = inspections.record(a, data)
    [problem] = [p["id"] for p in inspections.detail(a, first).problems]
    assert inspections.overdue_count(a) == overdue_before + 1
    assert problem in inspections.problem_ids(a, state="overdue")
    with pytest.raises(FormError, match="早于检查日期"):
        inspections.record_correction(a, problem, days_ago(12), "清理了")
    inspections.record_correction(a, problem, days_ago(4), "已清理杂物，通道畅通")
    with pytest.raises(FormError, match="早于检查日期"):
        inspections.reinspect(a, [problem], inspected_on=days_ago(11), inspectors="张三",
                              passed=True)
    recheck = inspections.reinspect(a, [problem], inspected_on=days_ago(3), inspectors="张三",
                                    passed=True)
    [row] = inspections.problems_by_ids(a, [problem])
    assert row["closed_by"] == recheck and row["closed_on"] == days_ago(3)
    assert inspections.problem_state(row) == "已销号"
    assert inspections.overdue_count(a) == overdue_before
    with pytest.raises(FormError, match="已于"):
        inspections.reinspect(a, [problem], inspected_on=days_ago(1), inspectors="张三",
                              passed=True)
    out = tmp_path / "problems.xlsx"
    assert main(["excel", "export", "--db", str(a.conn.execute("PRAGMA database_list")
                                                  .fetchone()[2]),
                 "--what", "problems", "--out", str(out)]) == 0
    sheet = load_workbook(out).active
    texts = [c.value for row in sheet.iter_rows() for c in row]
    assert "安全出口堆放杂物" in texts and "已销号" in texts


def test_supervision_round_goes_down_to_its_community_and_the_correction_comes_back(world):
    district, a, b, tmp = world
    a_id = a.conn.execute("SELECT value FROM meta WHERE key = 'community_id'").fetchone()[0]
    data = inspections.new_input(district, "社区督查", "community", a_id)
    data.inspected_on = days_ago(2)
    data.inspectors = "区督查组"
    data.answers = ["yes", "no", "yes", "yes", "yes", "yes"]
    data.problems = [inspections.ProblemInput("卡口夜间值守人员不足", days_ago(0), "社区书记")]
    round_id = inspections.record(district, data)
    with pytest.raises(FormError, match="督查社区只能"):
        inspections.record(a, inspections.InspectionInput(subject_kind="community",
                                                          subject_id=a_id))
    send(district, a, tmp / "down-a")
    send(district, b, tmp / "down-b")
    assert round_id in inspections.inspection_ids(a)          # a sees its findings
    assert round_id not in inspections.inspection_ids(b)      # b does not list a's round
    [problem] = inspections.detail(a, round_id).problems
    with pytest.raises(FormError, match="由区里复查"):
        inspections.reinspect(a, [problem["id"]], inspected_on=days_ago(0), inspectors="我",
                              passed=True)
    with pytest.raises(FormError, match="不是本社区"):
        inspections.record_correction(b, problem["id"], days_ago(1), "不是我们的")
    inspections.record_correction(a, problem["id"], days_ago(1), "已增派两名值守人员")
    send(a, district, tmp / "up-a")
    [seen] = inspections.problems_by_ids(district, [problem["id"]])
    assert seen["last_correction"] == f"{days_ago(1)}|已增派两名值守人员"
    inspections.reinspect(district, [problem["id"]], inspected_on=days_ago(0),
                          inspectors="区督查组", passed=True)
    send(district, a, tmp / "down-a2")
    [closed] = inspections.problems_by_ids(a, [problem["id"]])
    assert closed["closed_on"] == days_ago(0)


def test_a_district_bundle_changing_a_communitys_correction_is_refused(world):
    from db import inspections as q
    from db.node import transaction

    district, a, _, tmp = world
    [problem] = inspections.problem_ids(a, state="closed", text="卡口夜间") or [None]
    assert problem is not None
    [correction] = inspections.corrections(district, problem)
    with transaction(district):
        q.update(district, "problem_corrections", correction["id"], {"note": "区里改的"})
    [outcome] = send(district, a, tmp / "forged")
    assert outcome.status == "refused" and "问题整改情况" in outcome.message
    assert inspections.corrections(a, problem)[0]["note"] == "已增派两名值守人员"


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    from app.demo import build_demo
    path = tmp_path_factory.mktemp("inspections-demo") / "c.sqlite"
    build_demo(path, residents=400, pairings=False, isolation_cases=False)
    db = open_community_db(path)
    yield path, db
    db.conn.close()


def test_demo_has_shops_open_and_closed_problems_and_the_bulletin_counts_them(demo, tmp_path):
    path, db = demo
    assert len(places.place_ids(db)) >= 20
    assert inspections.overdue_count(db) >= 3
    assert inspections.problem_ids(db, state="closed")
    month = TODAY.strftime("%Y-%m")
    b = printing.figures(db, month)
    first = TODAY.replace(day=1).isoformat()
    rows = [r for r in inspections.inspections_by_ids(db, inspections.inspection_ids(db))
            if r["inspected_on"] >= first]
    problems = inspections.problems_by_ids(db, inspections.problem_ids(db))
    assert b.total.inspections == sum(r["purpose"] != "recheck" for r in rows)
    assert b.total.found == sum(p["inspected_on"] >= first for p in problems)
    assert b.total.corrected == sum(bool(p["closed_on"]) and p["closed_on"] >= first
                                    for p in problems)
    assert b.total.overdue == inspections.overdue_count(db)
    out = tmp_path / "bulletin.pdf"
    assert main(["print", "bulletin", "--db", str(path), "--month", month,
                 "--out", str(out)]) == 0
    text = pdf_text(out)
    flat = "".join(text.split())
    t = b.total
    assert (f"共开展检查{t.inspections}次，发现问题{t.found}个，整改销号{t.corrected}个"
            in flat)
    assert f"逾期未整改的问题{t.overdue}个" in flat
    assert f"合计{t.inspections}{t.found}{t.corrected}{t.overdue}" in flat
    with pytest.raises(FormError, match="还没到"):
        printing.figures(db, f"{TODAY.year + 1}-01")


def _copy(db, path):
    """A copy of a database file (the module's world stays as it is)."""
    import sqlite3

    target = sqlite3.connect(path)
    db.conn.backup(target)
    target.close()
    return open_community_db(path)


def test_a_street_account_runs_rounds_over_its_streets_communities_only(world, tmp_path):
    """A 街道 account (db.scope's limited views) sees the district's rounds over its own
    communities only, records one over its community (it reaches that community by bundle)
    and cannot record one over another street's."""
    from app import accounts

    district, a, b, _tmp = world
    a_id, b_id = (c.conn.execute("SELECT value FROM meta WHERE key = 'community_id'")
                  .fetchone()[0] for c in (a, b))
    district.conn.execute("PRAGMA wal_checkpoint")
    d2, b2 = _copy(district, tmp_path / "d.sqlite"), _copy(b, tmp_path / "b.sqlite")
    try:
        over_a = inspections.new_input(d2, "社区督查", "community", a_id)
        over_a.inspectors, over_a.answers = "区督查组", ["yes"] * len(over_a.items)
        round_a = inspections.record(d2, over_a)
        accounts.create_first_admin(d2, "quadmin", "张卫东", "secret12", "secret12")
        accounts.create_account(d2, "jiedao", "建设路街道办", "street", "secret12",
                                street="410102008")
        accounts.sign_in(d2, "jiedao", "secret12")
        assert round_a not in inspections.inspection_ids(d2)       # another street's round
        data = inspections.new_input(d2, "社区督查", "community", b_id)
        data.inspectors, data.answers = "街道督查组", ["yes"] * len(data.items)
        data.answers[1] = "no"
        data.problems = [inspections.ProblemInput("灭火器过期", days_ago(0), "社区书记")]
        round_b = inspections.record(d2, data)
        assert round_b in inspections.inspection_ids(d2)
        [problem] = inspections.detail(d2, round_b).problems
        over_a.answers = ["yes"] * len(over_a.items)
        with pytest.raises(FormError, match="找不到这个社区"):
            inspections.record(d2, over_a)
        accounts.sign_out(d2)
        accounts.sign_in(d2, "quadmin", "secret12")
        engine.export_bundles(d2, b2._griddesk.node_id, tmp_path / "down")
        engine.import_folder(b2, tmp_path / "down")
        assert round_b in inspections.inspection_ids(b2)
        assert [p["id"] for p in inspections.detail(b2, round_b).problems] == [problem["id"]]
    finally:
        accounts.forget_all()
        d2.conn.close()
        b2.conn.close()


def test_a_community_bundle_answering_a_round_over_another_community_is_refused(world):
    """Every community holds the rounds over its neighbours; a tampered one that answers
    a finding about another community is refused by the district, nothing applied."""
    from db import inspections as q
    from db.node import transaction

    district, a, b, tmp = world
    [problem] = inspections.problem_ids(a, text="卡口夜间")
    assert q.problem(b, problem) is not None                  # b holds a's round too
    before = len(inspections.corrections(district, problem))
    with transaction(b):                                      # past the app's own check
        q.insert(b, "problem_corrections", {"problem_id": problem, "corrected_on": days_ago(0),
                                            "note": "替别的社区答复", "recorded_by": "b"})
    [outcome] = send(b, district, tmp / "forged-up")
    assert outcome.status == "refused"
    assert "另一个社区的督查" in outcome.message and "问题整改情况" in outcome.message
    assert len(inspections.corrections(district, problem)) == before
