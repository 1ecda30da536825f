"""The 日报 page: at a community, figures assembled from the data and 确认上报; at the district
(two offices, one reporting), the table of a day with the missing community in red and the
sums by street."""

from datetime import date

from PySide6.QtCore import Qt

from app import reports, sweeps
from app.database import open_community_db
from app.sync import engine
from tests.app.sync.test_sync import new_community, send
from ui.events import AppEvents
from ui.reports.page import MISSING_TONE, ReportsPage


def test_community_confirms_its_report(qtbot, community):
    page = ReportsPage(community, AppEvents())
    qtbot.addWidget(page)
    page.show()   # a page reads its data when shown
    labels = [page.model.row_data(i)[0] for i in range(page.model.rowCount())]
    assert labels == [label for _k, label in reports.FIGURES]
    assert "尚未确认" in page.status.text()
    page.confirm()
    assert "确认上报" in page.status.text() and reports.standing(community) is not None


def test_district_table_flags_the_missing_and_sums_by_street(qtbot, tmp_path):
    district = open_community_db(tmp_path / "district.sqlite", create=True)
    engine.create_district(district, "中原区", "410102")
    a = new_community(tmp_path, "长江路社区", "410102007003")
    b = new_community(tmp_path, "建设路社区", "410102008001", (("王五", "153"),))
    sweep = sweeps.create_sweep(district, "全区入户排查", date.today(), date.today())
    for office in (a, b):
        engine.enroll_by_files(office, district, tmp_path / engine.own_code(office))
        send(district, office, tmp_path / f"down-{engine.own_code(office)}")
    sweeps.record_visit(a, sweep, a.ids["household"], "done", people=2)
    confirmed = reports.confirm(a)
    for office in (a, b):
        send(office, district, tmp_path / f"up-{engine.own_code(office)}")

    page = ReportsPage(district, AppEvents())
    qtbot.addWidget(page)
    page.show()   # a page reads its data when shown
    rows = [page.model.row_data(i) for i in range(page.model.rowCount())]
    missing = [r for r in rows if r["missing"]]
    assert [r["name"].strip() for r in missing] == ["建设路社区"]
    assert missing[0]["active_isolation"] == reports.MISSING
    tone = page.model.data(page.model.index(rows.index(missing[0]), 1),
                           Qt.ItemDataRole.ForegroundRole)
    assert tone is not None and tone.name() == MISSING_TONE[0]
    sums = [r for r in rows if r["sum"]]
    assert [r["name"] for r in sums] == ["林山寨街道 小计", "合计"]
    assert sums[-1]["sweep_visited"] == confirmed.figures["sweep_visited"] == 1
    assert "未报 1 个" in page.status.text()


def test_the_report_is_read_when_the_page_is_shown_not_before(qtbot, community):
    """Hidden (another page in front), the 日报 page reads nothing, also when a save elsewhere
    asks every page to reload; shown, it reads the figures as they are then."""
    events = AppEvents()
    page = ReportsPage(community, events)
    qtbot.addWidget(page)
    assert page.model.rowCount() == 0
    events.registry_changed.emit()
    assert page.model.rowCount() == 0
    page.show()
    assert [page.model.row_data(i)[0] for i in range(page.model.rowCount())] == \
        [label for _k, label in reports.FIGURES]
