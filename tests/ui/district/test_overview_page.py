"""The district's 概览 (issue 15, item 3), in the real window on a district demo: a table of
its communities with street subtotals that match the database, a community long silent in
red, one chart line per community, a double-click that takes the officer to that community;
and a community's own 概览 as before."""

from __future__ import annotations

import shutil
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from app.database import open_community_db
from app.demo import build_demo_district
from ui.district.overview import COLUMNS, RED, DistrictOverviewPage
from ui.main_window import MainWindow
from ui.overview.page import OverviewPage

NAMES = ["长江路社区", "建设路社区", "桐柏路社区"]


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> dict:
    path = tmp_path_factory.mktemp("district") / "中原区.sqlite"
    return build_demo_district(path, communities=3, residents=150)


@pytest.fixture
def district_path(built, tmp_path) -> Path:
    copy = tmp_path / "中原区.sqlite"
    shutil.copy(built["district"], copy)
    return copy


def open_window(qtbot, path: Path) -> MainWindow:
    win = MainWindow(open_community_db(path), path)
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    win.go_to("概览")
    return win


def table_rows(page: DistrictOverviewPage) -> list[list[str]]:
    t = page.table
    return [[t.item(r, c).text() for c in range(t.columnCount())] for r in range(t.rowCount())]


def col(name: str) -> int:
    return COLUMNS.index(name)


def test_the_table_has_each_community_and_street_subtotals_matching_the_database(
        qtbot, district_path):
    win = open_window(qtbot, district_path)
    page = win.pages.currentWidget()
    assert isinstance(page, DistrictOverviewPage)
    # It is the district's page: its code is called a district code, nothing says 社区代码.
    assert "区县代码 410102" in page.subheading.text()
    assert "社区代码" not in page.subheading.text()
    db = win.db
    want = {name: (res, hh, iso, mon) for name, res, hh, iso, mon in db.conn.execute(
        "SELECT o.name, "
        "(SELECT count(*) FROM residents r WHERE r.deleted = 0 AND r.community_id = o.id), "
        "(SELECT count(*) FROM households h WHERE h.deleted = 0 AND h.community_id = o.id), "
        "(SELECT count(*) FROM isolation_cases k WHERE k.deleted = 0 AND k.status = 'active' "
        "   AND k.kind = 'home_isolation' AND k.community_id = o.id), "
        "(SELECT count(*) FROM isolation_cases k WHERE k.deleted = 0 AND k.status = 'active' "
        "   AND k.kind = 'home_monitoring' AND k.community_id = o.id) "
        "FROM org_units o WHERE o.level = 'community' AND o.id = o.community_id")}
    rows = table_rows(page)
    communities = [r for r in rows if r[col("社区")] in NAMES]
    assert sorted(r[col("社区")] for r in communities) == sorted(NAMES)
    for r in communities:
        got = tuple(int(r[col(k)].replace(",", ""))
                    for k in ("居民", "住户", "居家隔离", "居家健康监测"))
        assert got == want[r[col("社区")]], r
    # Each street's 小计 row adds up the communities above it; 全区合计 adds up them all.
    subtotals = [i for i, r in enumerate(rows) if r[col("社区")].startswith("小计")]
    assert subtotals
    start = 0
    for i in subtotals:
        above = [r for r in rows[start:i] if r[col("社区")] in NAMES]
        assert above and all(r[col("街道")] == rows[i][col("街道")] for r in above)
        assert int(rows[i][col("居民")].replace(",", "")) == sum(
            int(r[col("居民")].replace(",", "")) for r in above)
        start = i + 1
    assert rows[-1][col("街道")] == "全区合计"
    assert int(rows[-1][col("居民")].replace(",", "")) == sum(v[0] for v in want.values())
    assert all("今天" in r[col("同步情况")] for r in communities)


def test_a_community_silent_past_the_threshold_shows_in_red(qtbot, district_path):
    db = open_community_db(district_path)
    old = (datetime.now() - timedelta(days=4)).isoformat(timespec="seconds")
    db.conn.execute("UPDATE peers SET last_import_at = ? WHERE name = '桐柏路社区'", (old,))
    db.conn.close()
    win = open_window(qtbot, district_path)
    page = win.overview_page
    t = page.table
    row = next(r for r in range(t.rowCount()) if t.item(r, col("社区")).text() == "桐柏路社区")
    item = t.item(row, col("同步情况"))
    assert item.text() == "4 天未同步"
    assert item.foreground().color() == RED
    assert "超过 3 天未收到同步包的社区 1 个：桐柏路社区" in page.summary.text()
    fresh = next(r for r in range(t.rowCount()) if t.item(r, col("社区")).text() == "长江路社区")
    assert t.item(fresh, col("同步情况")).foreground().color() != RED
    # The office allows a week: nobody is red any more, and the setting stays.
    page.stale_days.setValue(7)
    page.stale_days.editingFinished.emit()
    assert t.item(row, col("同步情况")).text().startswith("4 天前")
    assert t.item(row, col("同步情况")).foreground().color() != RED
    win.close()
    assert open_window(qtbot, district_path).overview_page.stale_days.value() == 7


def test_the_chart_has_one_line_per_community(qtbot, district_path):
    page = open_window(qtbot, district_path).overview_page
    chart = page.chart
    assert len(chart.lines) == 3
    names = {item.name() for item in chart.lines.values()}
    assert names == set(NAMES)
    assert all(len(line.yData) == 30 for line in chart.lines.values())


def test_double_clicking_a_community_opens_its_residents(qtbot, district_path):
    win = open_window(qtbot, district_path)
    page = win.overview_page
    t = page.table
    row = next(r for r in range(t.rowCount()) if t.item(r, col("社区")).text() == "建设路社区")
    cid = win.db.conn.execute("SELECT id FROM org_units WHERE level = 'community' "
                              "AND name = '建设路社区'").fetchone()[0]
    with qtbot.waitSignal(win.events.community_selected) as signal:
        rect = t.visualItemRect(t.item(row, col("社区")))
        # Qt 6 takes a double-click on the index pressed just before (as a real hand does).
        qtbot.mouseClick(t.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
        qtbot.mouseDClick(t.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert signal.args == [cid]
    assert win.pages.currentWidget() is win.registry_page
    # The lists' community filter (ui/widgets/community_filter) follows the same signal.
    if getattr(win.registry_page, "community_filter", None) is not None:
        assert win.registry_page.community_filter.currentText().strip() == "建设路社区"
    # A subtotal row is no community: nothing happens.
    win.go_to("概览")
    sub = next(r for r in range(t.rowCount()) if t.item(r, col("社区")).text().startswith("小计"))
    with qtbot.assertNotEmitted(win.events.community_selected):
        page._double_clicked(sub, 0)
    assert win.pages.currentWidget() is page


def test_a_community_keeps_its_own_overview(qtbot, built):
    path = built["communities"][0]
    copy = path.parent / "copy-community.sqlite"
    shutil.copy(path, copy)
    win = MainWindow(open_community_db(copy), copy)
    qtbot.addWidget(win)
    assert isinstance(win.overview_page, OverviewPage)
    assert "社区代码 410102007003" in win.overview_page.subheading.text()
