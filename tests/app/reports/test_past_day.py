"""A past day's report is exact from the cases' dates: a case released or transferred since
still counts on the days it was managed, with its checks and flagged readings; the figures
agree with the overview's cases-per-day chart."""

from datetime import date, datetime, timedelta

import pytest

from app import isolation, reports
from app.database import open_community_db
from app.demo import build_demo


@pytest.fixture(scope="module")
def community(tmp_path_factory):
    path = tmp_path_factory.mktemp("past-day") / "c.sqlite"
    build_demo(path, residents=300, pairings=False)
    db = open_community_db(path)
    yield db
    db.close()


def test_a_case_closed_today_still_counts_on_the_days_it_was_managed(community):
    db = community
    today = date.today()
    yesterday = today - timedelta(days=1)
    before = reports.assemble(db, yesterday)
    chart = {d: (iso, mon) for d, iso, mon in isolation.active_per_day(db, 7, today)}
    assert (before.figures["active_isolation"],
            before.figures["active_monitoring"]) == chart[yesterday]
    # A case managed yesterday, with a check recorded then, leaves today.
    board = isolation.board(db, datetime.combine(today, datetime.min.time()))
    case = next(c for c in board.cases if c.status == "active" and c.started_on < yesterday)
    if not isolation.q.checks_at(db, case.id, yesterday.isoformat(), "am"):
        isolation.record_check(db, case.id, slot="am", temperature="37.9",
                               check_on=yesterday, checked_by="测试")
        before = reports.assemble(db, yesterday)
    isolation.transfer_case(db, case.id, "市第一集中隔离点", "转为密切接触者，集中隔离")
    after = reports.assemble(db, yesterday)
    assert after.figures == before.figures
    assert before.figures["checks_done"] >= 1
    assert (before.figures["checks_done"] + before.figures["checks_overdue"]
            == 2 * (before.figures["active_isolation"] + before.figures["active_monitoring"]))
    # Today it is gone from the board, and so from today's figures.
    assert reports.assemble(db).figures["active_isolation"] + \
        reports.assemble(db).figures["active_monitoring"] == sum(chart[today]) - 1
