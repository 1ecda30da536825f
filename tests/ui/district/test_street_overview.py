"""The district 概览 as a 街道 account sees it (issue 15, item 4): its figures are its street's,
so they are called 本街道 (not 全区), and the office's staleness threshold, which only the
district's administrator may set, is not offered to it."""

from __future__ import annotations

import pytest

from app import accounts
from app.database import open_community_db
from app.demo import build_demo_district
from ui.district.overview import DistrictOverviewPage
from ui.main_window import MainWindow


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> dict:
    path = tmp_path_factory.mktemp("district") / "中原区.sqlite"
    return build_demo_district(path, communities=3, streets=2, residents=150)


def overview(qtbot, path, username: str) -> DistrictOverviewPage:
    accounts.forget_all()
    db = open_community_db(path)
    accounts.sign_in(db, username, "demo1234")
    win = MainWindow(db, path)
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    win.go_to("概览")
    page = win.findChild(DistrictOverviewPage)
    assert page is not None and page.isVisible()
    return page


def test_a_street_account_sees_its_streets_totals_called_so(qtbot, built):
    page = overview(qtbot, built["district"], "jiedao1")
    assert page.summary.text().startswith("本街道居民 ")
    assert "全区" not in page.summary.text()
    last = page.table.rowCount() - 1
    assert page.table.item(last, 0).text() == "本街道合计"
    assert not page.stale_days.isEnabled()
    assert page.stale_days.toolTip()          # says why (the role's reason)


def test_the_district_administrator_sees_the_whole_district_and_sets_the_threshold(
        qtbot, built):
    page = overview(qtbot, built["district"], "admin")
    assert page.summary.text().startswith("全区居民 ")
    assert page.table.item(page.table.rowCount() - 1, 0).text() == "全区合计"
    assert page.stale_days.isEnabled()
