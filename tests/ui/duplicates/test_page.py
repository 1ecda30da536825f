"""The 重复登记 page at the district, the 区里提示 page and the resident dialog at a community,
on databases synced through real bundles."""

from PySide6.QtWidgets import QLabel

from app import duplicates, registry
from tests.app.sync.test_sync import send, world  # noqa: F401  (the fixture)
from tests.conftest import make_id
from ui.duplicates.page import DuplicatesPage
from ui.events import AppEvents
from ui.main_window import MainWindow
from ui.registry.dialogs import ResidentDialog

SHARED = make_id("410102", seq="131")   # 张三 of 长江路社区


def texts(model):
    return [[model.index(r, c).data() for c in range(model.columnCount())]
            for r in range(model.rowCount())]


def synced(world, tmp_path):  # noqa: F811
    district, a, b, _ = world
    twin = registry.add_resident(b, {"household_id": b.ids["household"], "name": "张三",
                                     "id_number": SHARED})
    for community in (a, b):
        send(community, district, tmp_path / f"up-{community.ids['household']}")
        send(district, community, tmp_path / f"down-{community.ids['household']}")
    return district, a, b, twin


def nav_titles(window):
    return [window.nav.item(i).text() for i in range(window.nav.count())]


def test_the_district_lists_both_registrations_and_the_community_sees_its_notice(
        qtbot, world, tmp_path):  # noqa: F811
    district, a, b, twin = synced(world, tmp_path)
    page = DuplicatesPage(district, AppEvents())
    qtbot.addWidget(page)
    assert "1 个证件号码登记在多个社区" in page.title.text()
    rows = texts(page.model)
    assert [r[2] for r in rows] == ["建设路社区", "长江路社区"]
    assert rows[0][3] == "建设路社区小区 1号楼1单元101" and rows[0][4] != "不详"
    assert not page.recheck.isHidden()

    mine = DuplicatesPage(b, AppEvents())
    qtbot.addWidget(mine)
    assert mine.recheck.isHidden()
    assert "1 位居民也登记在其他社区" in mine.title.text()
    [row] = texts(mine.model)
    assert row[:3] == ["张三", "长江路社区", "长江路社区小区 1号楼1单元101"]
    assert row[-1] == "待核实"

    dialog = ResidentDialog(b, b.ids["household"], registry_resident(b, twin))
    qtbot.addWidget(dialog)
    [label] = dialog.findChildren(QLabel, "duplicate_notice")
    assert label.text().startswith(
        "区里提示：此人也登记在长江路社区（长江路社区小区 1号楼1单元101）")
    other = ResidentDialog(b, b.ids["household"], registry_resident(b, b.ids["王五"]))
    qtbot.addWidget(other)
    assert other.findChildren(QLabel, "duplicate_notice") == []

    # Resolved at 建设路社区: gone at the district, marked resolved in both windows.
    registry.delete_resident(b, twin)
    send(b, district, tmp_path / "up-again")
    page.reload()
    assert texts(page.model) == [] and "没有发现" in page.hint.text()
    send(district, a, tmp_path / "down-again")
    theirs = DuplicatesPage(a, AppEvents())
    qtbot.addWidget(theirs)
    assert "0 位居民" in theirs.title.text()
    assert texts(theirs.model)[0][-1].startswith("已解决")


def registry_resident(db, resident_id):
    cur = db.conn.execute("SELECT * FROM residents WHERE id = ?", (resident_id,))
    return dict(zip([d[0] for d in cur.description], cur.fetchone(), strict=True))


def test_the_window_shows_the_page_at_the_district_and_at_a_community_with_notices(
        qtbot, world, tmp_path):  # noqa: F811
    district, _a, b, _twin = synced(world, tmp_path)
    for db, title in ((district, "重复登记"), (b, "区里提示")):
        window = MainWindow(db, tmp_path / "x.sqlite")
        qtbot.addWidget(window)
        titles = nav_titles(window)
        assert titles[titles.index("同步") - 1] == title
        window.nav.setCurrentRow(titles.index(title))
        assert window.pages.currentWidget() is window.duplicates_page


def test_a_community_without_notices_keeps_its_window(qtbot, world, tmp_path):  # noqa: F811
    _district, a, _b, _ = world
    window = MainWindow(a, tmp_path / "a.sqlite")
    qtbot.addWidget(window)
    assert "区里提示" not in nav_titles(window) and window.duplicates_page is None
    assert duplicates.notices(a) == []
