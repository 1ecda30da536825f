"""Lists at a district (issue 15, item 2): each names the community in a 社区 column, the
community/street filter narrows them and is remembered, and a community's lists are as
before."""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from pathlib import Path

import pytest
from PySide6.QtCore import QModelIndex, QSettings, Qt

from app import community_scope
from app.database import open_community_db
from app.demo import build_demo_district
from ui.events import AppEvents
from ui.isolation.page import IsolationPage
from ui.pairing.page import PartyPage
from ui.registry.page import RegistryPage
from ui.widgets.community_filter import CommunityFilter


@pytest.fixture(scope="module")
def district_file(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("district") / "中原区.sqlite"
    build_demo_district(path, communities=3, residents=150)
    return path


@pytest.fixture(autouse=True)
def own_settings(tmp_path):
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(tmp_path))


@pytest.fixture
def district(district_file):
    db = open_community_db(district_file)
    yield db
    db.conn.close()


def headers(model) -> list[str]:
    return [model.headerData(i, Qt.Orientation.Horizontal) for i in range(model.columnCount())]


def shown(model, header: str) -> list:
    while model.canFetchMore(QModelIndex()):
        model.fetchMore(QModelIndex())
    col = headers(model).index(header)
    return [model.data(model.index(r, col)) for r in range(model.rowCount())]


def households_by_community(db) -> Counter:
    names = community_scope.names(db)
    return Counter(names[r[0]] for r in db.conn.execute(
        "SELECT community_id FROM households WHERE deleted = 0"))


def test_registry_lists_name_the_community_and_the_filter_narrows_and_is_remembered(
        qtbot, district):
    page = RegistryPage(district, AppEvents())
    qtbot.addWidget(page)
    assert headers(page.households)[0] == "社区"
    assert Counter(shown(page.households, "社区")) == households_by_community(district)
    f = page.community_filter
    f.setCurrentIndex(f.findData(next(
        f"community:{c.id}" for c in community_scope.communities(district)
        if c.name == "桐柏路社区")))
    assert set(shown(page.households, "社区")) == {"桐柏路社区"}
    n = households_by_community(district)["桐柏路社区"]
    assert f"共 {n} 户" in page.list_title.text()
    # Search is narrowed too, and names the community.
    page.search.setText("张")
    page.search_timer.stop()
    page.run_search()
    assert headers(page.results)[0] == "社区"
    assert set(shown(page.results, "社区")) <= {"桐柏路社区"}
    # Remembered: a new page (as after a restart) starts on the same community.
    again = RegistryPage(district, AppEvents())
    qtbot.addWidget(again)
    assert again.community_filter.currentText().strip() == "桐柏路社区"
    assert set(shown(again.households, "社区")) == {"桐柏路社区"}


def test_a_street_choice_keeps_its_communities_and_every_page_follows(qtbot, district):
    events = AppEvents()
    registry_page = RegistryPage(district, events)
    other = CommunityFilter(district, events)
    qtbot.addWidget(registry_page)
    qtbot.addWidget(other)
    street = community_scope.communities(district)[0].street
    other.setCurrentIndex(other.findData(f"street:{street}"))
    assert registry_page.community_filter.choice() == f"street:{street}"
    wanted = {c.name for c in community_scope.communities(district) if c.street == street}
    assert set(shown(registry_page.households, "社区")) == wanted
    # The overview's double-click picks one community on every page.
    jian = next(c for c in community_scope.communities(district) if c.name == "建设路社区")
    events.community_selected.emit(jian.id)
    assert set(shown(registry_page.households, "社区")) == {"建设路社区"}
    other.setCurrentIndex(0)
    assert Counter(shown(registry_page.households, "社区")) == \
        households_by_community(district)


def test_the_isolation_board_at_the_district_groups_by_community(qtbot, district):
    page = IsolationPage(district, AppEvents(), user="区级", clock=lambda: datetime.now())
    qtbot.addWidget(page)
    page.show()
    model = page.board_model
    assert headers(model)[0] == "社区"
    names = [model.data(model.index(r, 0)) for r in range(model.rowCount())]
    assert names and set(names) <= {c.name for c in community_scope.communities(district)}
    assert names == sorted(names, key=names.index)      # one block per community
    assert len(set(names)) > 1
    f = page.community_filter
    changjiang = community_scope.resolve(district, "长江路社区").pop()
    f.setCurrentIndex(f.findData(f"community:{changjiang}"))
    names = [model.data(model.index(r, 0)) for r in range(model.rowCount())]
    assert names and set(names) == {"长江路社区"}


def test_the_pairing_lists_at_the_district_name_the_community_and_follow_the_filter(
        qtbot, district):
    page = PartyPage(district, AppEvents())
    qtbot.addWidget(page)
    members = page.members_tab.model
    assert headers(members)[0] == "社区"
    everyone = Counter(shown(members, "社区"))
    assert set(everyone) == {c.name for c in community_scope.communities(district)}
    unpaired = page.coverage_tab.unpaired
    assert headers(unpaired)[0] == "社区"
    f = page.community_filter
    jian = community_scope.resolve(district, "建设路社区").pop()
    f.setCurrentIndex(f.findData(f"community:{jian}"))
    assert Counter(shown(members, "社区")) == {"建设路社区": everyone["建设路社区"]}
    assert set(shown(unpaired, "社区")) <= {"建设路社区"}
    f.setCurrentIndex(0)


def test_a_community_database_has_no_community_column_or_filter(qtbot, community):
    page = RegistryPage(community, AppEvents())
    qtbot.addWidget(page)
    assert page.community_filter is None
    assert "社区" not in headers(page.households)
    assert "社区" not in headers(page.results)
    board = IsolationPage(community, AppEvents(), user="刘书记")
    qtbot.addWidget(board)
    assert board.community_filter is None
    assert "社区" not in headers(board.board_model)
    party = PartyPage(community, AppEvents())
    qtbot.addWidget(party)
    assert party.community_filter is None
    assert "社区" not in headers(party.members_tab.model)
    assert "社区" not in headers(party.coverage_tab.unpaired)


def test_a_ledger_exported_from_the_window_covers_the_remembered_choice(
        qtbot, district, district_file, tmp_path, monkeypatch):
    import openpyxl
    from PySide6.QtWidgets import QMessageBox, QWidget

    from ui.ledger.actions import export_whole_ledger

    monkeypatch.setattr(QMessageBox, "information", lambda *a, **k: None)
    chooser = CommunityFilter(district, AppEvents())
    qtbot.addWidget(chooser)
    tongbai = community_scope.resolve(district, "桐柏路社区").pop()
    chooser.setCurrentIndex(chooser.findData(f"community:{tongbai}"))
    parent = QWidget()
    qtbot.addWidget(parent)
    out = tmp_path / "住户台账.xlsx"
    runner = export_whole_ledger(parent, district, district_file, "households", out)
    with qtbot.waitSignal(runner.finished, timeout=30_000):
        pass
    rows = list(openpyxl.load_workbook(out).active.iter_rows(values_only=True))
    assert rows[2][1] == "社区"
    assert {r[1] for r in rows[3:] if r[0] is not None} == {"桐柏路社区"}
    assert "桐柏路社区" in rows[1][0]
