"""The 社区 filter reaches what was left (issue 15, item 4): the 党员联户 coverage tree, chart
and figures at a district follow it, and a search whose matches across the district pass the
cap keeps a 街道 account's (or the 社区 filter's) own among them and says the list was cut
(结果过多，请多输入几个字缩小范围)."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QSettings

from app import accounts, community_scope, pairing, registry
from app.database import open_community_db
from app.demo import build_demo_district
from db import scope
from ui.events import AppEvents
from ui.pairing.page import ID_ROLE, PartyPage
from ui.registry.page import RegistryPage

QUERY = "w"          # 王, 吴, 魏, 武 …: a search that matches in every community


@pytest.fixture(scope="module")
def district_file(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("district-reach") / "中原区.sqlite"
    build_demo_district(path, communities=3, streets=2, residents=200)
    return path


@pytest.fixture(autouse=True)
def own_settings(tmp_path):
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(tmp_path))


@pytest.fixture
def district(district_file):
    db = open_community_db(district_file)
    yield db
    db.conn.close()


def owners(db, ids: list[str]) -> dict[str, str]:
    return community_scope.owners(db, "residents", ids)


def households(db, community: str) -> tuple[int, int]:
    return db.conn.execute(
        "SELECT count(*), sum(EXISTS (SELECT 1 FROM pairings p WHERE p.household_id = h.id "
        "AND p.ended_on IS NULL AND p.deleted = 0)) FROM households h "
        "WHERE h.deleted = 0 AND h.community_id = ?", (community,)).fetchone()


def test_coverage_counts_only_the_chosen_communities(district):
    every = pairing.coverage(district)
    for c in community_scope.communities(district):
        cover = pairing.coverage(district, {c.id})
        assert (cover.households, cover.paired) == households(district, c.id)
        grids = {r[0] for r in district.conn.execute(
            "SELECT id FROM org_units WHERE level = 'grid' AND deleted = 0 "
            "AND community_id = ?", (c.id,))}
        assert {g.id for g in cover.grids} == grids
        assert cover.members < every.members
    assert pairing.coverage(district, set()).households == 0


def test_the_coverage_tree_and_chart_follow_the_filter(qtbot, district):
    page = PartyPage(district, AppEvents())
    qtbot.addWidget(page)
    tab = page.coverage_tab
    everything = tab.tree.topLevelItemCount()
    chosen = community_scope.communities(district)[0]
    f = page.community_filter
    f.setCurrentIndex(f.findData(f"community:{chosen.id}"))
    grids = [tab.tree.topLevelItem(i).data(0, ID_ROLE)
             for i in range(tab.tree.topLevelItemCount())]
    assert 0 < len(grids) < everything
    assert set(grids) == {g.id for g in pairing.coverage(district, {chosen.id}).grids}
    total, paired = households(district, chosen.id)
    assert f"已联户 {paired:,} / {total:,} 户" in tab.summary.text()
    assert [r.id for r in tab.coverage.grids] == grids   # what the chart is given
    f.setCurrentIndex(0)
    assert tab.tree.topLevelItemCount() == everything


def test_a_street_account_gets_its_own_matches_and_is_told_when_the_cap_cut_them(district,
                                                                                  district_file):
    everyone = registry.search_residents(district, QUERY, limit=100_000)
    whose = owners(district, everyone)
    street = open_community_db(district_file)
    try:
        session = accounts.sign_in(street, "jiedao1", "demo1234")
        assert scope.limited(street)
        own = [i for i in everyone if whose[i] in session.communities]
        # A cap the district's first matches fill partly with other streets' residents.
        cap = next(n for n in range(5, len(own)) if sum(whose[i] in session.communities
                                                        for i in everyone[:n]) < n - 2)
        ids, more = registry.search_with_more(street, QUERY, limit=cap)
        assert ids == [i for i in everyone[:cap] if whose[i] in session.communities]
        assert more is True                    # fewer than the cap shown: say so
        assert registry.search_with_more(street, QUERY, limit=len(everyone) + 1) == (
            own, False)
    finally:
        street.conn.close()


def test_the_search_title_says_there_are_too_many_results(qtbot, district, monkeypatch):
    everyone = registry.search_residents(district, QUERY, limit=100_000)
    last = community_scope.communities(district)[-1].id
    page = RegistryPage(district, AppEvents())
    qtbot.addWidget(page)
    page.community_filter.setCurrentIndex(page.community_filter.findData(f"community:{last}"))
    monkeypatch.setattr(registry, "SEARCH_LIMIT", len(everyone) // 2)
    page.search.setText(QUERY)
    page.run_search()
    assert "结果过多" in page.list_title.text() and "请多输入几个字" in page.list_title.text()
    shown = page.results.ids()
    assert shown and set(owners(district, shown).values()) == {last}
    monkeypatch.setattr(registry, "SEARCH_LIMIT", len(everyone) + 1)
    page.run_search()
    assert "结果过多" not in page.list_title.text()
    page.community_filter.setCurrentIndex(0)
