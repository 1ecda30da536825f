"""关爱走访 without a window: who is on the board and when they fall due (rules per tag, a
person's own interval), recording visits (one contact log with 党员联户), moved-away people,
needs with requests and referrals, 60+ vaccinations, the ledgers, and a visit reaching the
district through real bundles."""

from __future__ import annotations

import sqlite3
from datetime import date, timedelta

import pytest
from openpyxl import load_workbook

from app import accounts, care, pairing, registry
from app.care import ledger
from app.cli import main as cli_main
from app.errors import FormError

DAY = date(2026, 3, 2)


def entry(db, name, today=DAY, **kw):
    rid = db.ids[name]
    return care.board(db, today, **kw).entry(rid)


def member_of(db):
    return db.conn.execute("SELECT id FROM party_members").fetchone()[0]


# --- who is visited, how often ---------------------------------------------------------------

def test_the_board_lists_tagged_people_by_their_shortest_interval(community):
    board = care.board(community, DAY)
    names = {r["name"] for r in care.board_rows(community, board, board.ids())}
    # 曾志伟 heads a 独居老人 household and is 85: both rules match, the shorter wins.
    assert names == {"曾志伟"}
    e = board.entry(community.ids["曾志伟"])
    assert (e["days"], e["visitor"], e["status"]) == (2, "grid_worker", "due")
    assert set(e["tags"].split()) == {"独居老人", "高龄"}
    # Tagging a resident puts them on the board with the tag's interval.
    registry.edit_resident(community, community.ids["单田芳"], {
        **registry_row(community, "单田芳"), "tags": "残疾"})
    e = entry(community, "单田芳")
    assert (e["days"], e["tags"]) == (30, "残疾")


def registry_row(db, name):
    row = db.conn.execute("SELECT * FROM residents WHERE id = ?", (db.ids[name],)).fetchone()
    cols = [d[0] for d in db.conn.execute("SELECT * FROM residents LIMIT 0").description]
    data = dict(zip(cols, row, strict=True))
    return {k: data[k] for k in ("household_id", "name", "sex", "id_kind", "id_number",
                                 "birth_date", "phone", "relation", "residency", "tags", "note")}


def test_office_rules_and_a_persons_own_interval(community):
    care.set_rules(community, [("独居老人", 7, "member"), ("残疾", 14, "volunteer")])
    e = entry(community, "曾志伟")
    assert (e["days"], e["visitor"], e["tags"]) == (7, "member", "独居老人")  # 高龄 rule gone
    with pytest.raises(FormError) as bad:
        care.set_rules(community, [("独居老人", 0, "member"), ("独居老人", 3, "grid_worker"),
                                   ("低保", 3, "nobody")])
    assert {"interval1", "tag2", "visitor3"} <= set(bad.value.errors)
    assert "1～366" in bad.value.errors["interval1"]
    assert entry(community, "曾志伟")["days"] == 7          # nothing of the bad set saved
    care.set_schedule(community, community.ids["曾志伟"], interval_days=3,
                      visitor="volunteer", visitor_name="孙红")
    e = entry(community, "曾志伟")
    assert (e["days"], e["visitor"]) == (3, "volunteer")
    rows = care.board_rows(community, care.board(community, DAY), [e["id"]])
    assert rows[0]["visitor_text"] == "志愿者 孙红"
    with pytest.raises(FormError) as bad:
        care.set_schedule(community, community.ids["曾志伟"], interval_days="每周",
                          visitor="volunteer")
    assert set(bad.value.errors) == {"interval_days", "visitor_name"}


def test_due_overdue_visited_and_not_at_home(community):
    rid = community.ids["曾志伟"]
    care.record_visit(community, rid, method="visit", wellbeing="good", today=DAY)
    assert entry(community, "曾志伟")["status"] == "done"
    assert entry(community, "曾志伟", DAY + timedelta(days=1))["status"] == "later"
    assert entry(community, "曾志伟", DAY + timedelta(days=2))["status"] == "due"
    late = entry(community, "曾志伟", DAY + timedelta(days=4))
    assert (late["status"], late["due_on"]) == ("overdue", (DAY + timedelta(days=2)).isoformat())
    # Nobody at home: the attempt is recorded, the person stays due.
    later = DAY + timedelta(days=4)
    care.record_visit(community, rid, method="absent", today=later)
    assert entry(community, "曾志伟", later)["status"] == "absent"
    assert entry(community, "曾志伟", later + timedelta(days=1))["status"] == "overdue"
    counts = care.board(community, later).counts()
    assert counts["absent"] == 1 and counts["all"] == 1


def test_filters_by_grid_and_tag(community):
    registry.edit_resident(community, community.ids["张三"], {
        **registry_row(community, "张三"), "tags": "低保"})
    grid1 = community.ids["grid1"]
    all_ids = set(care.board(community, DAY).ids())
    assert all_ids == {community.ids["曾志伟"], community.ids["张三"]}
    assert set(care.board(community, DAY, tag="低保").ids()) == {community.ids["张三"]}
    assert set(care.board(community, DAY, grid_id=grid1).ids()) == all_ids
    other = next(g for g, _n in care.grids(community) if g != grid1)
    assert care.board(community, DAY, grid_id=other).ids() == []
    assert "独居老人" in care.tags(community) and "高龄" in care.tags(community)


# --- one contact log --------------------------------------------------------------------------

def test_a_paired_members_visit_counts_for_both_logs(community):
    h101, rid = community.ids["h101"], community.ids["曾志伟"]
    member = member_of(community)
    pairing.pair_household(community, h101, member, today=DAY - timedelta(days=30))
    care.record_visit(community, rid, method="visit", visitor="member", wellbeing="fair",
                      needs=["meals"], note="想申请助餐", today=DAY)
    # The member's log (党员联户) has it, counted once, with what the visit found.
    contacts = pairing.contacts_for_household(community, h101)
    assert [(c.kind, c.contact_on, c.member_id) for c in contacts] == [("visit", DAY, member)]
    assert "关爱走访" in contacts[0].note and "助餐" in contacts[0].note
    log = care.person(community, rid, DAY)["log"]
    assert len(log) == 1 and log[0]["source"] == "care"
    # A contact logged on the pairing page counts as the care visit too.
    pairing.log_contact(community, h101, "phone", contact_on=DAY + timedelta(days=3),
                        today=DAY + timedelta(days=3))
    e = entry(community, "曾志伟", DAY + timedelta(days=3))
    assert (e["status"], e["last_on"]) == ("done", (DAY + timedelta(days=3)).isoformat())
    log = care.person(community, rid, DAY + timedelta(days=3))["log"]
    assert [x["source"] for x in log] == ["pairing", "care"]


def test_bad_visits_are_refused_with_the_field_named(community):
    rid = community.ids["曾志伟"]
    with pytest.raises(FormError) as bad:
        care.record_visit(community, rid, method="visit", today=DAY)
    assert "状况" in bad.value.errors["wellbeing"]
    with pytest.raises(FormError) as bad:
        care.record_visit(community, rid, method="visit", visitor="member", wellbeing="good",
                          today=DAY)
    assert "结对党员" in bad.value.errors["visitor"]
    with pytest.raises(FormError) as bad:
        care.record_visit(community, rid, method="phone", visitor="volunteer",
                          wellbeing="good", needs=["other"],
                          visited_on=DAY + timedelta(days=1), today=DAY)
    assert set(bad.value.errors) == {"visitor_name", "note", "visited_on"}
    assert community.conn.execute("SELECT count(*) FROM care_visits").fetchone()[0] == 0


def test_a_visit_for_someone_who_moved_away_offers_to_end_the_schedule(community):
    rid = community.ids["曾志伟"]
    registry.delete_resident(community, rid)
    with pytest.raises(care.MovedAway) as moved:
        care.record_visit(community, rid, method="visit", wellbeing="good", today=DAY)
    assert "已迁出" in moved.value.message and moved.value.resident_id == rid
    care.end_schedule(community, rid, "moved_away", today=DAY)
    assert care.schedule(community, rid)["end_reason"] == "moved_away"
    # Still on record in the registry as moved: ending keeps the board clean once restored.
    community.conn.execute("UPDATE residents SET deleted = 0 WHERE id = ?", (rid,))
    assert care.board(community, DAY).entry(rid) is None
    care.resume_schedule(community, rid)
    assert care.board(community, DAY).entry(rid) is not None


# --- needs and referrals ---------------------------------------------------------------------

def test_needs_become_requests_or_referrals_and_are_counted_by_month(community):
    rid = community.ids["曾志伟"]
    care.record_visit(community, rid, method="visit", wellbeing="poor",
                      needs=["medical", "repair"], note="腿疼，厨房漏水", today=DAY)
    care.record_visit(community, rid, method="phone", wellbeing="fair", needs=["medical"],
                      today=DAY + timedelta(days=31))
    found = {n["kind"]: n for n in care.needs(community, since=DAY)
             if n["found_on"] == DAY.isoformat()}
    assert set(found) == {"medical", "repair"}
    request_id = care.need_to_request(community, found["repair"]["id"])
    event = community.conn.execute(
        "SELECT description, resident_id, source FROM incidents WHERE id = ?",
        (request_id,)).fetchone()
    assert event[1:] == (rid, "走访") and "维修" in event[0]
    with pytest.raises(FormError):
        care.need_to_request(community, found["repair"]["id"])     # once only
    care.refer_need(community, found["medical"]["id"], "卫生服务中心", today=DAY)
    with pytest.raises(FormError) as bad:
        care.close_need(community, found["medical"]["id"], " ", today=DAY)
    assert "办理结果" in bad.value.errors["outcome"]
    care.close_need(community, found["medical"]["id"], "片医已上门", today=DAY)
    statuses = {n["kind"]: (n["status"], n["referred_to"], n["outcome"])
                for n in care.needs(community) if n["found_on"] == DAY.isoformat()}
    assert statuses == {"medical": ("done", "卫生服务中心", "片医已上门"),
                        "repair": ("request", None, None)}
    repair = next(n for n in care.needs(community) if n["id"] == found["repair"]["id"])
    assert repair["request_text"] == "诉求待处理"          # where the request stands …
    from app import incidents
    incidents.resolve(community, request_id, "物业已修好水管")
    repair = next(n for n in care.needs(community) if n["id"] == found["repair"]["id"])
    assert repair["request_text"] == "诉求已办结：物业已修好水管"   # … follows the event
    counts = care.need_counts(community, months=3, today=DAY + timedelta(days=31))
    assert list(counts) == ["2026-02", "2026-03", "2026-04"]
    assert counts["2026-03"]["medical"] == 1 and counts["2026-03"]["repair"] == 1
    assert counts["2026-04"]["medical"] == 1 and counts["2026-02"]["medical"] == 0


# --- vaccination (60+) -----------------------------------------------------------------------

def test_vaccination_is_recorded_for_60_plus_and_keeps_history(community):
    old, young = community.ids["曾志伟"], community.ids["张三"]
    with pytest.raises(FormError) as bad:
        care.record_vaccination(community, young, "full", today=DAY)
    assert "60岁" in bad.value.errors["resident"]
    care.record_vaccination(community, old, "partial", doses=1, today=DAY)
    care.record_vaccination(community, old, "full", doses=2,
                            last_dose_on=DAY, today=DAY + timedelta(days=1))
    assert care.vaccination(community, old)["status"] == "full"
    assert len(care.person(community, old, DAY)["vaccinations"]) == 2
    board = care.board(community, DAY)
    assert care.board_rows(community, board, [old])[0]["vaccination"] == "full"


# --- roles, ledgers, the command line ---------------------------------------------------------

def test_roles_decide_who_records(community):
    accounts.create_first_admin(community, "admin", "王书记", "secret12")
    accounts.create_account(community, "pianjing", "刘警官", "police", "secret12")
    accounts.forget_all()
    accounts.sign_in(community, "pianjing", "secret12")
    try:
        with pytest.raises(FormError) as bad:
            care.record_visit(community, community.ids["曾志伟"], method="visit",
                              wellbeing="good", today=DAY)
        assert "片警不能" in bad.value.message
    finally:
        accounts.sign_out(community)


def test_a_grid_worker_sees_and_visits_only_their_grids(community):
    grid2 = next(g for g, _n in care.grids(community) if g != community.ids["grid1"])
    accounts.create_first_admin(community, "admin", "王书记", "secret12")
    accounts.create_account(community, "wangge", "李网格", "grid_worker", "secret12",
                            grid_ids=[grid2])
    accounts.forget_all()
    accounts.sign_in(community, "wangge", "secret12")
    try:
        assert care.board(community, DAY).entries == []
        assert care.grids(community) == [(grid2, "第二网格")]
        with pytest.raises(FormError) as bad:
            care.record_visit(community, community.ids["曾志伟"], method="visit",
                              wellbeing="good", today=DAY)
        assert "不在您负责的网格" in bad.value.message
    finally:
        accounts.sign_out(community)


def test_visits_and_needs_ledgers(community, tmp_path):
    rid = community.ids["曾志伟"]
    care.record_visit(community, rid, method="visit", wellbeing="poor", needs=["meals"],
                      note="想吃热饭", today=DAY)
    care.record_visit(community, rid, method="phone", wellbeing="good",
                      today=DAY - timedelta(days=40))
    n = ledger.export_visits(community, tmp_path / "v.xlsx", since=DAY - timedelta(days=7))
    assert n == 1
    sheet = load_workbook(tmp_path / "v.xlsx").active
    values = [c for row in sheet.iter_rows(values_only=True) for c in row if c]
    assert "曾志伟" in values and "助餐" in values and "上门走访" in values
    assert ledger.export_needs(community, tmp_path / "n.xlsx", today=DAY) == 1
    counts = load_workbook(tmp_path / "n.xlsx")["各月需求统计"]       # for the street's report
    assert [c.value for c in counts[1]] == ["月份", "就医", "助餐", "维修", "代买", "心理",
                                            "其他", "合计"]
    by_month = {row[0]: row[1:] for row in counts.iter_rows(min_row=2, values_only=True)}
    assert len(by_month) == 6 and by_month["2026-03"] == (0, 1, 0, 0, 0, 0, 1)
    with pytest.raises(FormError):
        ledger.parse_since("3月1日")


def test_the_visits_ledger_names_who_visited(community, tmp_path):
    accounts.create_first_admin(community, "admin", "王书记", "secret12")
    accounts.forget_all()
    accounts.sign_in(community, "admin", "secret12")
    try:
        care.record_visit(community, community.ids["曾志伟"], method="visit",
                          wellbeing="good", today=DAY)
        ledger.export_visits(community, tmp_path / "v.xlsx")
    finally:
        accounts.sign_out(community)
    sheet = load_workbook(tmp_path / "v.xlsx").active
    header = [c.value for c in sheet[3]]
    assert sheet.cell(4, header.index("走访人") + 1).value == "网格员 王书记"


def test_command_line_export(community, tmp_path, capsys):
    care.record_visit(community, community.ids["曾志伟"], method="visit", wellbeing="good",
                      today=DAY)
    path = community.conn.execute("PRAGMA database_list").fetchone()[2]
    out = tmp_path / "visits.xlsx"
    assert cli_main(["excel", "export", "--db", path, "--what", "visits",
                     "--since", "2026-03-01", "--out", str(out)]) == 0
    assert "已导出 1 次" in capsys.readouterr().out
    assert cli_main(["excel", "export", "--db", path, "--what", "needs",
                     "--since", "昨天", "--out", str(out)]) == 2
    assert "--since" in capsys.readouterr().err


# --- schema --------------------------------------------------------------------------------

def test_visits_are_never_hard_deleted(community):
    care.record_visit(community, community.ids["曾志伟"], method="visit", wellbeing="good",
                      today=DAY)
    with pytest.raises(sqlite3.IntegrityError):
        community.conn.execute("DELETE FROM care_visits")


# --- the demo ----------------------------------------------------------------------------------

def test_the_demo_has_a_month_of_visits_some_overdue(tmp_path):
    from app.database import open_community_db
    from app.demo import build_demo

    build_demo(tmp_path / "d.sqlite", residents=300, isolation_cases=False)
    db = open_community_db(tmp_path / "d.sqlite")
    try:
        counts = care.board(db).counts()
        assert counts["overdue"] > 0 and counts["done"] > 0 and counts["later"] > 0
        first, last = db.conn.execute(
            "SELECT min(visited_on), max(visited_on) FROM care_visits").fetchone()
        assert last == date.today().isoformat()
        assert (date.today() - date.fromisoformat(first)).days >= 25     # a month of them
        # A paired member's demo visits are in their contact log too.
        assert db.conn.execute("SELECT count(*) FROM care_visits v JOIN member_contacts k "
                               "ON k.id = v.contact_id").fetchone()[0] > 0
    finally:
        db.conn.close()
