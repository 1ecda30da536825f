"""The 同步 page at a community and at the district, with real bundles and a real worker."""

import socket
from datetime import date

import pytest

from app import isolation, pairing, registry
from app.database import open_community_db
from app.sync import engine
from tests.app.sync.test_sync import new_community
from ui.events import AppEvents
from ui.sync.page import SyncPage


@pytest.fixture
def pair(tmp_path):
    district = open_community_db(tmp_path / "district.sqlite", create=True)
    engine.create_district(district, "中原区", "410102")
    community = new_community(tmp_path, "长江路社区", "410102007003")
    return district, community


def enroll(district, community, folder):
    engine.enroll_by_files(community, district, folder)


def test_bundle_from_the_office_page_to_the_district_page(qtbot, pair, tmp_path):
    district, community = pair
    page = SyncPage(community, tmp_path / "410102007003.sqlite", AppEvents())
    qtbot.addWidget(page)
    assert "尚未在区里登记" in page.state.text()
    enroll(district, community, tmp_path / "enroll")
    page.refresh()
    assert "已登记到：中原区（410102）" in page.state.text()
    assert "区里尚未确认的变更：" in page.state.text()

    # One person in home isolation and the household paired: the district sees both.
    isolation.register_case(community, resident_id=community.ids["张三"],
                            kind="home_isolation", reason="密切接触者", started_on=date.today())
    member = registry.add_party_member(community, {"resident_id": community.ids["李四"],
                                                   "phone": "13812345678"})
    pairing.pair_household(community, community.ids["household"], member)
    stick = tmp_path / "usb"
    page.export_to(stick)                      # on a worker thread: the window stays live
    assert not page.usb.isEnabled()
    qtbot.waitUntil(lambda: not page.busy() and page.usb.isEnabled(), timeout=30_000)
    paths = page.last_paths
    assert len(paths) == 1 and paths[0].exists()
    assert page.results.item(0).text().startswith("已写入并校验")

    events = AppEvents()
    changed = []
    events.registry_changed.connect(lambda: changed.append(True))
    at_district = SyncPage(district, tmp_path / "district.sqlite", events)
    qtbot.addWidget(at_district)
    at_district.import_paths([stick])
    qtbot.waitUntil(lambda: not at_district.busy() and at_district.usb.isEnabled(),
                    timeout=30_000)
    outcomes = at_district.last_outcomes
    assert [o.status for o in outcomes] == ["applied"]
    assert "已导入“长江路社区”" in at_district.results.item(0).text()
    assert changed == [True]
    table = at_district.communities
    assert table.rowCount() == 1
    assert [table.item(0, c).text() for c in (0, 1, 4, 5, 6)] == [
        "长江路社区", "410102007003", "2", "1", "100.0%"]

    # the same stick again: nothing more (both imports are in the district's audit log)
    at_district.import_paths([stick])
    qtbot.waitUntil(lambda: not at_district.busy() and at_district.usb.isEnabled(),
                    timeout=30_000)
    again = at_district.last_outcomes
    logged = district.conn.execute(
        "SELECT count(*) FROM audit_log WHERE action = 'sync'").fetchone()[0]
    assert logged == 2
    assert again[0].status == "duplicate"
    assert "已经导入过" in at_district.results.item(0).text()


def test_unreachable_hub_shows_offline_without_freezing(qtbot, pair, tmp_path):
    district, community = pair
    enroll(district, community, tmp_path / "enroll")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    page = SyncPage(community, tmp_path / "410102007003.sqlite", AppEvents())
    qtbot.addWidget(page)
    page.url.setText(f"http://127.0.0.1:{port}")
    page.save_hub_settings()
    try:
        qtbot.waitUntil(lambda: "离线" in page.online.text(), timeout=10000)
        assert "U盘" in page.online.text()
    finally:
        page.stop_worker()


def test_bad_hub_address_is_refused_with_a_message(qtbot, pair, tmp_path, monkeypatch):
    _district, community = pair
    page = SyncPage(community, tmp_path / "410102007003.sqlite", AppEvents())
    qtbot.addWidget(page)
    shown = []
    monkeypatch.setattr("ui.sync.page.QMessageBox.warning",
                        lambda _parent, _title, text: shown.append(text))
    page.url.setText("10.1.2.3:8787")
    page.save_hub_settings()
    assert shown and "http://" in shown[0]
    assert engine.hub_settings(community)[0] == ""
    assert page.hub_task is None
