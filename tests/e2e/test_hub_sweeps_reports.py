"""The sweep and the daily report through the real district hub: the district's sweep goes
down to the office, its outcomes and its confirmed report come up, and the district's table
of the day shows that report. (Two offices and the missing one flagged: the bundle-file test,
tests/app/reports/test_daily_round_trip.py.)"""

from __future__ import annotations

from datetime import date, timedelta

from app import reports, sweeps
from app.database import open_community_db
from app.sync import client
from tests.app.sync.test_sync import new_community
from tests.e2e import test_hub as base
from tests.e2e.test_hub_two_communities import enroll

hub = base.hub    # the fixture: a district database served by `griddesk hub` on a free port


def test_sweep_down_and_report_up_through_the_hub(hub, tmp_path):
    url, district_path, env = hub
    office = new_community(tmp_path, "长江路社区", "410102007003")
    enroll(office, url, district_path, env)
    client.sync_once(office, url)
    today = date.today()
    district = open_community_db(district_path)
    try:
        sweep_id = sweeps.create_sweep(district, "全区入户排查", today, today + timedelta(3))
    finally:
        district.conn.close()

    assert client.sync_once(office, url).received >= 1
    assert [s.id for s in sweeps.sweeps(office)] == [sweep_id]
    sweeps.record_visit(office, sweep_id, office.ids["household"], "done", people=2,
                        returnees=1, returnee_origin="上海市浦东新区")
    confirmed = reports.confirm(office)
    assert client.sync_once(office, url).uploaded >= 2

    district = open_community_db(district_path)
    try:
        (progress,) = sweeps.progress(district, sweep_id, "community")
        assert (progress.label, progress.finished, progress.households) == ("长江路社区", 1, 1)
        table = reports.district_table(district, today)
        (line,) = [line for g in table.streets for line in g.lines]
        assert line.report.figures == confirmed.figures and table.missing == 0
        assert line.report.confirmed_by == confirmed.confirmed_by
        assert table.origins == [("上海市浦东新区", 1)]
    finally:
        district.conn.close()
