"""Home isolation cases: registering, the twice-daily checks, tests, the 今日 board, changing
the period, and release — on a real community database."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from app import isolation, registry
from app.errors import FormError
from tests.conftest import make_id

DAY = date(2026, 11, 20)


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute)


@pytest.fixture
def office(community):
    db = community
    worker = registry.add_staff(db, {"name": "王网格", "role": "grid_worker",
                                     "org_unit_id": db.ids["grid1"], "phone": "13700001111"})
    police = registry.add_staff(db, {"name": "赵警官", "role": "police", "phone": "13700002222"})
    doctor = registry.add_staff(db, {"name": "钱医生", "role": "doctor", "phone": "13700003333"})
    db.ids.update(worker=worker, police=police, doctor=doctor)
    return db


def register(db, who="张三", start=DAY, **kw):
    kw.setdefault("kind", "home_isolation")
    kw.setdefault("reason", "密切接触者")
    return isolation.register_case(db, resident_id=db.ids[who], started_on=start,
                                   now=kw.pop("now", at(start, 9)), **kw)


def test_register_fills_period_trio_and_history(office):
    case_id = register(office, origin="上海市", by="刘书记")
    detail = isolation.case_detail(office, case_id)
    case = detail.case
    assert case["status"] == "active"
    assert case["planned_end"] == "2026-11-26"          # 7 days, day 1 = the start day
    assert case["address"] == "锦绣花园 3号楼2单元501"
    assert (case["grid_worker"], case["police"], case["doctor"]) == ("王网格", "赵警官", "钱医生")
    assert [e["kind"] for e in detail.events] == ["registered", "started"]
    assert detail.events[0]["by_name"] == "刘书记"


def test_policy_is_a_setting_and_a_case_may_differ(office):
    settings = isolation.get_settings(office)
    isolation.save_settings(office, isolation.Settings(
        policies={**settings.policies, "home_monitoring": isolation.Policy(14, (1, 7, 14))},
        fever=37.3))
    a = register(office, "张三", kind="home_monitoring")
    b = register(office, "李四", planned_end="2026-11-30")
    assert isolation.case_detail(office, a).case["planned_end"] == "2026-12-03"
    assert isolation.case_detail(office, b).case["planned_end"] == "2026-11-30"
    with pytest.raises(FormError) as err:
        isolation.save_settings(office, isolation.Settings(
            policies={"home_isolation": isolation.Policy(7, (1, 9))}))
    assert "第1天到第7天" in err.value.message


def test_bad_input_names_each_field_and_saves_nothing(office):
    with pytest.raises(FormError) as err:
        isolation.register_case(office, resident_id=office.ids["张三"], kind="x", reason=" ",
                                started_on="11/20", phone="123")
    assert set(err.value.errors) >= {"kind", "reason", "started_on", "phone"}
    assert office["isolation_cases"].count == 0


def test_no_second_open_case_for_one_person(office):
    register(office)
    with pytest.raises(FormError) as err:
        register(office)
    assert "已有一条居家隔离记录" in err.value.message


def test_newcomer_is_added_as_resident_in_the_same_step(office):
    newcomer = {"household_id": office.ids["h502"], "name": "欧阳娜娜",
                "id_number": make_id(birth="19990909", seq="024"), "relation": "其他",
                "residency": "floating"}
    case_id = isolation.register_case(office, newcomer=newcomer, kind="home_isolation",
                                      reason="入境人员", started_on=DAY, now=at(DAY, 10))
    case = isolation.case_detail(office, case_id).case
    assert case["name"] == "欧阳娜娜" and case["address"].endswith("502")
    # A broken ID number refuses both the newcomer and the case.
    with pytest.raises(FormError) as err:
        isolation.register_case(office, newcomer={**newcomer, "name": "甲",
                                                  "id_number": "410102199909090000"},
                                kind="home_isolation", reason="入境人员", started_on=DAY)
    assert any(k.startswith("newcomer.") for k in err.value.errors)
    count = office.conn.execute("SELECT count(*) FROM residents WHERE name = '甲'").fetchone()[0]
    assert count == 0


def test_future_case_is_planned_until_its_day(office):
    case_id = register(office, start=DAY + timedelta(days=2), now=at(DAY, 9))
    assert isolation.case_detail(office, case_id).case["status"] == "planned"
    board = isolation.board(office, at(DAY + timedelta(days=2), 8))
    assert board.cases[0].status == "active" and board.cases[0].day_no == 1
    assert [e["kind"] for e in isolation.case_detail(office, case_id).events][-1] == "started"


def test_board_shows_due_overdue_and_done_checks(office):
    case_id = register(office)
    morning = isolation.board(office, at(DAY, 9))
    assert (morning.cases[0].am, morning.cases[0].pm) == ("due", "later")
    assert morning.counts()["due"] == 1
    afternoon = isolation.board(office, at(DAY, 13))
    assert (afternoon.cases[0].am, afternoon.cases[0].pm) == ("overdue", "due")
    assert afternoon.counts()["overdue"] == 1
    isolation.record_check(office, case_id, slot="am", temperature="36.5", now=at(DAY, 13, 5))
    isolation.record_check(office, case_id, slot="pm", temperature=36.6, method="phone",
                           now=at(DAY, 14))
    done = isolation.board(office, at(DAY, 19))
    assert (done.cases[0].am, done.cases[0].pm) == ("done", "done")
    assert done.cases[0].last_temperature == 36.6
    # Nothing recorded the next day: by evening both are overdue, and the day after shows
    # the two missed checks.
    next_evening = isolation.board(office, at(DAY + timedelta(days=1), 19))
    assert (next_evening.cases[0].am, next_evening.cases[0].pm) == ("overdue", "overdue")
    assert isolation.board(office, at(DAY + timedelta(days=2), 8)).cases[0].missed == 2


def test_fever_or_symptom_is_flagged_for_the_doctor(office):
    case_id = register(office)
    ok = isolation.record_check(office, case_id, slot="am", temperature=37.2, now=at(DAY, 9))
    assert not ok.flagged
    hot = isolation.record_check(office, case_id, slot="pm", temperature="37.3",
                                 now=at(DAY, 15))
    assert hot.flagged and "钱医生" in hot.message and "37.3" in hot.message
    cough = isolation.record_check(office, case_id, slot="am", temperature=36.4,
                                   symptoms=["cough"], now=at(DAY + timedelta(days=1), 9))
    assert cough.flagged and "干咳" in cough.message
    board = isolation.board(office, at(DAY + timedelta(days=1), 10))
    assert board.cases[0].flags_open == 2 and board.counts()["flagged"] == 1
    isolation.mark_doctor_seen(office, hot.check_id)
    isolation.mark_doctor_seen(office, cough.check_id)
    assert isolation.board(office, at(DAY + timedelta(days=1), 10)).counts()["flagged"] == 0


def test_a_second_reading_for_a_half_day_is_kept_beside_the_first(office):
    """The afternoon's 36.8 ℃ by the grid worker is a health record: a later 38.2 ℃ for the
    same half-day is said before saving, then kept beside it, never written over it."""
    case_id = register(office)
    isolation.record_check(office, case_id, slot="am", temperature=36.5, checked_by="王网格",
                           now=at(DAY, 9))
    isolation.record_check(office, case_id, slot="pm", temperature=36.8, checked_by="王网格",
                           now=at(DAY, 14, 5))
    assert [r["temperature"] for r in isolation.readings_at(office, case_id, "pm",
                                                           now=at(DAY, 16))] == [36.8]
    with pytest.raises(isolation.AlreadyRecorded) as said:
        isolation.record_check(office, case_id, slot="pm", temperature=38.2,
                               checked_by="王秀英", now=at(DAY, 16))
    assert "下午已有体温读数：36.8℃（王网格，14:05）" in said.value.message
    assert len(isolation.case_detail(office, case_id).checks) == 2      # nothing saved

    isolation.record_check(office, case_id, slot="pm", temperature=38.2, checked_by="王秀英",
                           another=True, now=at(DAY, 16))
    checks = isolation.case_detail(office, case_id).checks
    assert [(c["slot"], c["temperature"], c["checked_by"]) for c in checks] == [
        ("am", 36.5, "王网格"), ("pm", 36.8, "王网格"), ("pm", 38.2, "王秀英")]
    case = next(c for c in isolation.board(office, now=at(DAY, 16, 30)).cases
                if c.id == case_id)
    assert case.last_temperature == 38.2 and case.pm == "done" and case.flags_open == 1
    # The next day, yesterday counts as two checks done (not three), none missed.
    tomorrow = next(c for c in isolation.board(office, now=at(DAY + timedelta(days=1), 8)).cases
                    if c.id == case_id)
    assert tomorrow.missed == 0


def test_a_test_result_once_given_is_corrected_only_on_purpose_and_the_history_keeps_it(office):
    case_id = register(office)
    isolation.record_test(office, case_id, test_on=DAY, result="pending")
    isolation.record_test(office, case_id, test_on=DAY, result="negative")   # filled in
    with pytest.raises(isolation.AlreadyRecorded) as said:
        isolation.record_test(office, case_id, test_on=DAY, result="positive")
    assert "已登记为“阴性”" in said.value.message
    detail = isolation.case_detail(office, case_id)
    assert [t["result"] for t in detail.tests] == ["negative"]
    isolation.record_test(office, case_id, test_on=DAY, result="positive", correct=True,
                          note="复核阳性", now=at(DAY, 18))
    detail = isolation.case_detail(office, case_id)
    assert [t["result"] for t in detail.tests] == ["positive"]
    corrected = [e for e in detail.events if e["kind"] == "test_corrected"]
    assert len(corrected) == 1
    assert corrected[0]["old_value"] == "2026-11-20 阴性"
    assert corrected[0]["new_value"] == "2026-11-20 阳性"
    assert corrected[0]["reason"] == "复核阳性" and corrected[0]["at"].startswith("2026-11-20 18")


def test_check_input_is_checked(office):
    case_id = register(office)
    for bad in ("", "abc", "25", "45.1"):
        with pytest.raises(FormError) as err:
            isolation.record_check(office, case_id, slot="am", temperature=bad, now=at(DAY, 9))
        assert "体温" in err.value.message
    with pytest.raises(FormError):
        isolation.record_check(office, case_id, slot="am", temperature=36.5,
                               check_on=DAY - timedelta(days=1), now=at(DAY, 9))


def test_extending_and_shortening_keep_history(office):
    case_id = register(office)
    with pytest.raises(FormError) as err:
        isolation.change_end(office, case_id, "2026-11-29", "")
    assert "原因" in err.value.message
    assert isolation.change_end(office, case_id, "2026-11-29", "核酸待复核",
                                by="刘书记") == "extended"
    assert isolation.change_end(office, case_id, "2026-11-27", "区里通知") == "shortened"
    events = isolation.case_detail(office, case_id).events
    assert [(e["kind"], e["old_value"], e["new_value"]) for e in events[2:]] == [
        ("extended", "2026-11-26", "2026-11-29"), ("shortened", "2026-11-29", "2026-11-27")]


def test_release_due_lists_what_is_missing_and_release_needs_it(office):
    case_id = register(office)
    end = DAY + timedelta(days=6)
    board = isolation.board(office, at(end, 9))
    case = board.cases[0]
    assert case.release_due and board.counts()["release_due"] == 1
    assert case.missing_tests == [DAY, DAY + timedelta(days=3)] and case.test_today
    with pytest.raises(FormError) as err:
        isolation.release_case(office, case_id, now=at(end, 10))
    assert "缺核酸检测：11月20日、11月23日、11月26日" in err.value.message
    for day in (DAY, DAY + timedelta(days=3)):
        isolation.record_test(office, case_id, test_on=day, result="negative")
    isolation.record_test(office, case_id, test_on=end, result="pending")
    with pytest.raises(FormError) as err:
        isolation.release_case(office, case_id, now=at(end, 10))
    assert "核酸结果未出：11月26日" in err.value.message
    isolation.record_test(office, case_id, test_on=end, result="negative")
    basis = isolation.release_case(office, case_id, now=at(end, 16), by="刘书记")
    assert set(basis) == {"period", "tests", "symptoms"}
    case = isolation.case_detail(office, case_id).case
    assert (case["status"], case["released_on"]) == ("released", end.isoformat())
    assert isolation.board(office, at(end, 17)).cases == []
    with pytest.raises(FormError):
        isolation.record_check(office, case_id, slot="pm", temperature=36.5, now=at(end, 17))


def test_early_release_needs_a_reason_and_positive_never_releases(office):
    case_id = register(office)
    day3 = DAY + timedelta(days=2)
    isolation.record_test(office, case_id, test_on=DAY, result="negative")
    with pytest.raises(FormError) as err:
        isolation.release_case(office, case_id, now=at(day3, 10))
    assert "提前解除须填写原因" in err.value.message
    isolation.release_case(office, case_id, reason="区指挥部通知提前解除", now=at(day3, 10))
    detail = isolation.case_detail(office, case_id)
    assert "period" not in detail.case["release_basis"]
    assert detail.events[-1]["reason"] == "区指挥部通知提前解除"

    other = register(office, "李四")
    isolation.record_test(office, other, test_on=DAY, result="positive")
    with pytest.raises(FormError) as err:
        isolation.release_case(office, other, reason="x", now=at(day3, 10))
    assert "阳性" in err.value.message
    isolation.transfer_case(office, other, "市定点医院", "核酸阳性", now=at(day3, 11))
    assert isolation.case_detail(office, other).case["status"] == "transferred"


def test_cancel_needs_a_reason(office):
    case_id = register(office)
    with pytest.raises(FormError):
        isolation.cancel_case(office, case_id, "")
    isolation.cancel_case(office, case_id, "登记错误")
    assert isolation.case_detail(office, case_id).case["status"] == "cancelled"
    # The person can be registered again after a cancelled case.
    register(office)


def test_cases_per_day_for_the_overview(office):
    a = register(office, "张三", start=DAY - timedelta(days=10))
    register(office, "李四", start=DAY - timedelta(days=2), kind="home_monitoring")
    isolation.record_test(office, a, test_on=DAY - timedelta(days=10), result="negative")
    isolation.record_test(office, a, test_on=DAY - timedelta(days=7), result="negative")
    isolation.record_test(office, a, test_on=DAY - timedelta(days=4), result="negative")
    isolation.release_case(office, a, released_on=DAY - timedelta(days=4),
                           now=at(DAY - timedelta(days=4), 12))
    series = {day: (iso, mon) for day, iso, mon in
              isolation.active_per_day(office, 30, today=DAY)}
    assert series[DAY - timedelta(days=11)] == (0, 0)
    assert series[DAY - timedelta(days=10)] == (1, 0)
    assert series[DAY - timedelta(days=5)] == (1, 0)
    assert series[DAY - timedelta(days=4)] == (0, 0)
    assert series[DAY] == (0, 1)


def test_cases_sync_like_every_table(office):
    case_id = register(office)
    logged = {r[0] for r in office.conn.execute(
        "SELECT DISTINCT tbl FROM change_log WHERE row_id = ? OR tbl LIKE 'case_%'",
        (case_id,))}
    assert {"isolation_cases", "case_events"} <= logged


@pytest.mark.parametrize("now", [datetime(2026, 11, 23, 10, 30),
                                 datetime(2026, 12, 6, 0, 2)])   # just after midnight
def test_demo_has_cases_at_every_stage(tmp_path, now):
    from app.database import open_community_db
    from app.demo import build_demo

    path = tmp_path / "demo.sqlite"
    build_demo(path, residents=600, pairings=False, isolation_cases=False)
    db = open_community_db(path)
    from app.demo import add_demo_cases

    counts = add_demo_cases(db, 1, now=now)
    assert counts["released"] and counts["active"] and counts["planned"]
    board = isolation.board(db, now)
    c = board.counts()
    assert c["release_due"] >= 1 and c["due"] >= 1 and c["flagged"] == 1
    if now.hour >= 10:                     # this morning's checks are in
        assert any(case.am == "done" for case in board.cases)
    db.conn.close()


def test_case_ledger_lists_open_cases_first_with_tests(office, tmp_path):
    import openpyxl

    from app.ledger.exporter import export_ledger

    done = register(office, "张三", start=DAY - timedelta(days=10))
    for day in (0, 3, 6):
        isolation.record_test(office, done, test_on=DAY - timedelta(days=10 - day),
                              result="negative")
    isolation.release_case(office, done, released_on=DAY - timedelta(days=3),
                           now=at(DAY - timedelta(days=3), 10))
    open_case = register(office, "李四", origin="上海市")
    isolation.record_check(office, open_case, slot="am", temperature=36.8, now=at(DAY, 9))
    out = tmp_path / "隔离台账.xlsx"
    assert export_ledger(office, "cases", out, today=DAY) == 2
    ws = openpyxl.load_workbook(out).active
    assert ws["A1"].value == "长江路社区居家隔离人员台账"
    header = [c.value for c in ws[3]]
    rows = [dict(zip(header, r, strict=True)) for r in ws.iter_rows(min_row=4, values_only=True)]
    assert [r["姓名"] for r in rows] == ["李四", "张三"]
    li, zhang = rows
    assert (li["状态"], li["已管控天数"], li["最近体温"], li["来源地"]) == ("管控中", 1, "36.8",
                                                                       "上海市")
    assert zhang["状态"] == "已解除" and zhang["已管控天数"] == 7
    assert zhang["核酸检测"] == "11月10日阴性；11月13日阴性；11月16日阴性"
    assert zhang["证件号码"] == registry.get(office, "residents", office.ids["张三"])["id_number"]


def test_each_role_does_what_it_may_and_history_names_them(office):
    from app import accounts

    accounts.create_first_admin(office, "admin", "刘书记", "secret12", "secret12")
    accounts.create_account(office, "wang", "王网格", "grid_worker", "secret12",
                            [office.ids["grid1"]])
    accounts.create_account(office, "doc", "钱医生", "doctor", "secret12", [])
    accounts.create_account(office, "cop", "赵警官", "police", "secret12", [])
    try:
        accounts.sign_in(office, "wang", "secret12")
        case_id = register(office)
        assert isolation.case_detail(office, case_id).events[0]["by_name"] == "王网格"
        accounts.sign_in(office, "doc", "secret12")
        with pytest.raises(accounts.PermissionDenied) as err:
            register(office, "李四")
        assert "片医不能登记和修改居家隔离" in err.value.message
        check = isolation.record_check(office, case_id, slot="am", temperature=37.9,
                                       now=at(DAY, 9))
        assert check.flagged
        isolation.mark_doctor_seen(office, check.check_id)
        isolation.record_test(office, case_id, test_on=DAY, result="negative")
        with pytest.raises(accounts.PermissionDenied):
            isolation.change_end(office, case_id, "2026-11-28", "x")
        accounts.sign_in(office, "cop", "secret12")
        assert isolation.board(office, at(DAY, 10)).cases[0].name == "张三"   # may read
        for write in (lambda: isolation.record_check(office, case_id, slot="pm",
                                                     temperature=36.5, now=at(DAY, 15)),
                      lambda: isolation.cancel_case(office, case_id, "x"),
                      lambda: isolation.save_settings(office, isolation.DEFAULT_SETTINGS)):
            with pytest.raises(accounts.PermissionDenied):
                write()
        assert isolation.case_detail(office, case_id).checks[0]["checked_by"] == "钱医生"
    finally:
        accounts.forget_all()


def test_home_health_monitoring_never_seals_a_door(office):
    monitored = register(office, kind="home_monitoring")
    assert isolation.case_detail(office, monitored).case["door_measure"] == "none"
    assert isolation.case_detail(office, register(office, "李四")).case["door_measure"] == "seal"
    with pytest.raises(FormError, match="不贴封条"):
        register(office, "单田芳", kind="home_monitoring", door_measure="seal")
    with pytest.raises(FormError, match="不贴封条"):
        isolation.edit_case(office, monitored, {"door_measure": "seal"})
    isolation.edit_case(office, monitored, {"door_measure": "sensor"})
    assert isolation.case_detail(office, monitored).case["door_measure"] == "sensor"
