"""The 事件诉求 page as a person uses it: the demo's month of events with the overdue ones in
red, reporting with a place found as you type (and refused without one), a phone call's
request in a few keystrokes, a photo refused naming the cap, and at the district the
escalated events of its communities answered."""

import shutil

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor

from app import incidents
from app.demo import build_demo, build_demo_district
from app.incidents import photos
from ui.events import AppEvents
from ui.incidents.dialogs import ReportDialog, RequestDialog, StepDialog
from ui.incidents.page import IncidentsPage
from ui.overview.page import OverviewPage

RED = QColor("#b71c1c")


@pytest.fixture(scope="module")
def demo_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("incidents-ui") / "demo.sqlite"
    build_demo(path, residents=300, pairings=False, isolation_cases=False)
    return path


@pytest.fixture
def demo(demo_file, tmp_path):
    from app.database import open_community_db

    path = tmp_path / "demo.sqlite"
    shutil.copy(demo_file, path)
    db = open_community_db(path)
    yield db
    db.conn.close()


def cell(page, row, header):
    model = page.model
    column = next(c for c in range(model.columnCount())
                  if model.headerData(c, Qt.Orientation.Horizontal) == header)
    return model.index(row, column)


def test_the_demo_month_lists_with_overdue_events_in_red(qtbot, demo):
    page = IncidentsPage(demo, AppEvents())
    qtbot.addWidget(page)
    n = incidents.counts(demo)
    assert page.model.total() >= 24 and n["overdue"] and n["escalated"]
    assert f"其中超期 {n['overdue']} 件" in page.summary.text()
    page.status.setCurrentIndex(page.status.findData("overdue"))
    assert page.model.total() == n["overdue"]
    first = cell(page, 0, "状态")
    assert first.data().startswith("超期")
    assert page.model.data(first, Qt.ItemDataRole.ForegroundRole) == RED
    page.status.setCurrentIndex(page.status.findData("closed"))
    closed = cell(page, 0, "状态")
    assert closed.data() == "已回访"
    assert page.model.data(closed, Qt.ItemDataRole.ForegroundRole) is None
    assert "回访" in page.detail.toPlainText()          # the chosen event's history

    overview = OverviewPage(demo, AppEvents())
    qtbot.addWidget(overview)
    overview.show()
    assert f"其中超期 {n['overdue']} 件" in overview.incidents.text()
    assert "b71c1c" in overview.incidents.styleSheet()


def test_reporting_without_a_place_is_refused_at_the_field_then_saved(qtbot, community):
    dialog = ReportDialog(community)
    qtbot.addWidget(dialog)
    dialog.field("description").setText("楼道声控灯不亮")
    dialog._try_save()
    assert "地点" in dialog.error_text("place") and dialog.result() == 0
    assert dialog.field("description").text() == "楼道声控灯不亮"    # nothing lost
    qtbot.keyClicks(dialog.place, "3")       # (QTest types ASCII only)
    qtbot.waitUntil(lambda: dialog.places.count() > 0)
    dialog.places.setCurrentRow(0)
    dialog.places.itemActivated.emit(dialog.places.currentItem())
    dialog._try_save()
    assert dialog.result_id
    row = incidents.detail(community, dialog.result_id).row
    assert row["building_id"] and row["place"].startswith("锦绣花园 3")


def test_a_photo_too_large_is_refused_naming_the_cap(qtbot, community, tmp_path):
    dialog = ReportDialog(community)
    qtbot.addWidget(dialog)
    big = tmp_path / "现场.jpg"
    big.write_bytes(b"\xff\xd8" + b"0" * (photos.MAX_BYTES + 1))
    dialog.photos.add_files([str(big)])
    assert "2 MB" in dialog.error_text("photo") and not dialog.photos.checked


def test_a_phone_call_is_a_request_in_a_few_keystrokes(qtbot, community):
    dialog = RequestDialog(community)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.keyClicks(dialog.caller, "zs")                    # 张三 by initials
    qtbot.keyClick(dialog.caller, Qt.Key.Key_Tab)           # to the matches
    qtbot.keyClick(dialog.focusWidget(), Qt.Key.Key_Tab)    # to what they need
    dialog.focusWidget().insert("家里水管漏了")              # (QTest types ASCII only)
    qtbot.keyClick(dialog.focusWidget(), Qt.Key.Key_Return)
    assert dialog.result_id
    row = incidents.detail(community, dialog.result_id).row
    assert (row["category"], row["reporter_name"], row["description"]) == \
        ("request", "张三", "家里水管漏了")


@pytest.fixture(scope="module")
def district_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("incidents-district") / "中原区.sqlite"
    build_demo_district(path, communities=1, residents=300, accounts=False)
    return path


def test_the_district_lists_escalated_events_and_answers(qtbot, district_file, tmp_path):
    from app.database import open_community_db

    path = tmp_path / "d.sqlite"
    shutil.copy(district_file, path)
    district = open_community_db(path)
    page = IncidentsPage(district, AppEvents())
    qtbot.addWidget(page)
    headers = [page.model.headerData(c, Qt.Orientation.Horizontal)
               for c in range(page.model.columnCount())]
    assert headers[0] == "社区" and "上报理由" in headers
    page.status.setCurrentIndex(page.status.findData("all"))
    escalated = page.model.total()
    assert escalated >= 2
    page.status.setCurrentIndex(page.status.findData("waiting"))
    waiting = page.model.total()
    assert 0 < waiting < escalated       # the demo district resolved some already
    event = page.current_id()
    dialog = StepDialog(district, event, "reply")
    qtbot.addWidget(dialog)
    dialog.field("action").setCurrentIndex(dialog.field("action").findData("resolve"))
    dialog.field("note").setText("区城管局已清理完毕")
    dialog._try_save()
    assert dialog.result_id == event
    page.reload()
    assert page.model.total() == waiting - 1
    district.conn.close()


def test_ctrl_n_and_f5_on_the_page_are_the_windows_keys(qtbot, community, tmp_path,
                                                        monkeypatch):
    from ui.main_window import MainWindow

    opened = []
    monkeypatch.setattr(ReportDialog, "exec", lambda self: opened.append(self) or 0)
    window = MainWindow(community, tmp_path / "community.sqlite")
    qtbot.addWidget(window)
    window.go_to("事件诉求")
    page = window.pages.currentWidget()
    assert isinstance(page, IncidentsPage)
    window.page_actions["new_item"].trigger()           # Ctrl+N
    assert len(opened) == 1
    incidents.report(community, kind="其他", place="社区广场", description="长椅坏了")
    assert page.model.total() == 0
    window.page_actions["reload"].trigger()             # F5
    assert page.model.total() == 1
    window.page_actions["focus_search"].trigger()       # Ctrl+F
    assert page.search.hasFocus() or window.focusWidget() is page.search


def test_a_photo_shows_as_a_thumbnail_and_opens_whole(qtbot, community):
    import io

    from PIL import Image
    from PySide6.QtWidgets import QDialog, QLabel, QToolButton

    event = incidents.report(community, kind="设施损坏", place="3号楼", description="门坏了")
    out = io.BytesIO()
    Image.new("RGB", (640, 480), (30, 160, 60)).save(out, "JPEG")
    photos.attach(community, event, photos.check(out.getvalue(), "门.jpg"))
    page = IncidentsPage(community, AppEvents())
    qtbot.addWidget(page)
    [thumb] = [b for b in page.findChildren(QToolButton) if "门.jpg" in b.toolTip()]
    assert not thumb.icon().isNull()
    thumb.click()
    [dialog] = [d for d in page.findChildren(QDialog) if d.windowTitle() == "门.jpg"]
    [shown] = [label for label in dialog.findChildren(QLabel) if not label.pixmap().isNull()]
    assert shown.pixmap().width() == 640
    dialog.close()


def _cut_cells(page, headers):
    """The cells of these columns whose text is wider than the column shows, in the font
    the window uses (the launcher's)."""
    from PySide6.QtGui import QFontMetrics

    from ui.resources import install_fonts

    metrics = QFontMetrics(install_fonts())
    cut = []
    for header in headers:
        column = next(c for c in range(page.model.columnCount())
                      if page.model.headerData(c, Qt.Orientation.Horizontal) == header)
        room = page.table.columnWidth(column) - 10          # the cell's margins
        for row in range(min(page.model.total(), 40)):
            text = page.model.index(row, column).data() or ""
            if metrics.horizontalAdvance(text) > room:
                cut.append(f"{header}: {text}")
    return cut


def test_times_and_the_districts_handling_are_not_cut(qtbot, demo, district_file, tmp_path):
    from app.database import open_community_db

    page = IncidentsPage(demo, AppEvents())
    qtbot.addWidget(page)
    assert page.model.total() > 0
    assert _cut_cells(page, ("登记时间", "期限")) == []
    path = tmp_path / "d.sqlite"
    shutil.copy(district_file, path)
    district = open_community_db(path)
    page = IncidentsPage(district, AppEvents())
    qtbot.addWidget(page)
    page.status.setCurrentIndex(page.status.findData("all"))
    assert page.model.total() > 0
    assert _cut_cells(page, ("上报时间", "区里处理", "社区状态")) == []
    district.conn.close()


def test_an_event_the_district_returned_can_be_assigned_and_sent_up_again(qtbot, community):
    from db import incidents as q
    from db.node import transaction

    event = incidents.report(community, kind="矛盾纠纷", place="3号楼",
                             description="邻里噪音纠纷")
    incidents.escalate(community, event, "调解两次未果")
    page = IncidentsPage(community, AppEvents())
    qtbot.addWidget(page)
    page.table.selectRow(page.model.row_of(event))
    assert not page.buttons["assign"].isEnabled()        # up at the district
    assert not page.buttons["escalate"].isEnabled()
    with transaction(community):                         # the district's 退回, as synced
        q.insert(community, "incident_replies", {
            "incident_id": event, "at": incidents.now_text(), "actor": "区网格化管理中心",
            "action": "return", "note": "属社区调解范围"})
    page.reload()
    page.table.selectRow(page.model.row_of(event))
    assert cell(page, page.model.row_of(event), "状态").data() == "区里退回，待社区处理"
    assert page.buttons["assign"].isEnabled() and page.buttons["escalate"].isEnabled()


def test_who_has_it_and_by_when_are_in_view_at_1280_by_800(qtbot, demo):
    page = IncidentsPage(demo, AppEvents())
    qtbot.addWidget(page)
    page.resize(1280 - 150, 760)               # the window less its navigation
    page.show()
    qtbot.waitExposed(page)
    room = page.table.viewport().width()
    for header in ("状态", "处理人", "期限"):
        column = cell(page, 0, header).column()
        right = page.table.columnViewportPosition(column) + page.table.columnWidth(column)
        assert right <= room, f"{header} is off to the right ({right} > {room})"
