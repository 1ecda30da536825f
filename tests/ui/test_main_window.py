"""The real window, offscreen: navigation, search as you type, dialogs that refuse bad input."""

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialogButtonBox, QLabel

from app import registry
from tests.conftest import make_id
from ui.main_window import MainWindow
from ui.registry.dialogs import BuildingDialog, HouseholdDialog, ResidentDialog


@pytest.fixture
def window(qtbot, community, tmp_path):
    win = MainWindow(community, tmp_path / "community.sqlite")
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    return win


def visible_texts(widget):
    return " ".join(label.text() for label in widget.findChildren(QLabel))


def click_save(qtbot, dialog):
    qtbot.mouseClick(dialog.buttons.button(QDialogButtonBox.StandardButton.Ok),
                     Qt.MouseButton.LeftButton)


def test_navigation_has_every_area_and_no_blank_page(window):
    titles = [window.nav.item(i).text() for i in range(window.nav.count())]
    # The first four and the last two stay put; each feature's page stands before 同步.
    assert titles[:4] == ["概览", "楼栋住户", "党员联户", "居家隔离"]
    assert titles[-2:] == ["同步", "设置"] and "事件诉求" in titles[4:-2]
    window.go_to("居家隔离")
    assert "管控中 0 人" in visible_texts(window.pages.currentWidget())
    window.go_to("同步")
    assert "尚未在区里登记" in visible_texts(window.pages.currentWidget())
    window.go_to("概览")
    overview = window.pages.currentWidget()
    assert overview.values["residents"].text() == "4"
    assert "长江路社区" in visible_texts(overview)


def test_tree_shows_grid_compound_building_unit(window):
    page = window.registry_page
    model = page.tree_model
    grid = model.item(1)
    assert grid.text() == "第一网格"
    compound = grid.child(0)
    assert compound.text() == "锦绣花园"
    building = compound.child(0)
    assert building.text() == "3号楼"
    assert [building.child(i).text() for i in range(building.rowCount())] == [
        "1单元(0户)", "2单元(2户)"]


def test_picking_a_unit_lists_its_households_and_members(window, qtbot):
    page = window.registry_page
    page.select_tree_node(page.db.ids["units_b3"][1])
    assert page.households.total() == 2
    page.household_view.selectRow(0)
    assert page.members.rowCount() == 2
    assert page.members.row_data(0)["name"] == "张三"  # the head comes first
    assert "3号楼2单元501" in page.members_title.text()


def test_typing_in_search_box_shows_the_resident(window, qtbot):
    page = window.registry_page
    qtbot.keyClicks(page.search, "zs")
    qtbot.waitUntil(lambda: page.lists.currentWidget() is page.result_view)
    qtbot.waitUntil(lambda: page.results.total() >= 1)
    first = page.results.row_data(0)
    assert first["name"] == "张三"
    shown = page.results.data(page.results.index(0, 5))
    assert shown == "锦绣花园 3号楼2单元501"
    # the masked ID number is what the list shows
    id_cell = page.results.data(page.results.index(0, 3))
    assert "********" in id_cell and id_cell[:6] == "410102"
    # the member list below follows the hit
    assert page.members.row_data(0)["name"] == "张三"
    page.search.clear()
    qtbot.waitUntil(lambda: page.lists.currentWidget() is page.household_view)


def test_bad_id_number_shows_message_beside_field_and_saves_nothing(window, qtbot):
    db = window.db
    before = registry.counts(db)["residents"]
    dialog = ResidentDialog(db, db.ids["h502"], parent=window)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.field("name").setText("王五")  # keyClicks types Latin-1 only
    good = make_id(seq="553")
    bad = good[:-1] + ("1" if good[-1] != "1" else "2")
    qtbot.keyClicks(dialog.field("id_number"), bad)
    click_save(qtbot, dialog)
    assert dialog.isVisible()
    message = dialog.error_text("id_number")
    assert "校验位" in message and good[-1] in message
    assert registry.counts(db)["residents"] == before
    # corrected, it saves and fills birth date and sex from the number
    dialog.field("id_number").setText(good)
    click_save(qtbot, dialog)
    assert not dialog.isVisible()
    row = registry.get(db, "residents", dialog.result_id)
    assert (row["name"], row["birth_date"], row["sex"]) == ("王五", "1980-01-01", "M")


def test_duplicate_id_in_dialog_names_the_holder(window, qtbot):
    db = window.db
    zhang = registry.get(db, "residents", db.ids["张三"])
    dialog = ResidentDialog(db, db.ids["h502"], parent=window)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.field("name").setText("张山")
    qtbot.keyClicks(dialog.field("id_number"), zhang["id_number"])
    click_save(qtbot, dialog)
    assert "张三" in dialog.error_text("id_number")
    assert dialog.isVisible()


def test_empty_door_number_is_refused(window, qtbot):
    db = window.db
    dialog = HouseholdDialog(db, unit_id=db.ids["units_b3"][0], parent=window)
    qtbot.addWidget(dialog)
    dialog.show()
    click_save(qtbot, dialog)
    assert "门牌号" in dialog.error_text("door_number")
    qtbot.keyClicks(dialog.field("door_number"), "302")
    click_save(qtbot, dialog)
    assert not dialog.isVisible()
    assert registry.get(db, "households", dialog.result_id)["floor"] == 3


def test_new_building_appears_in_tree_after_save(window, qtbot):
    db = window.db
    page = window.registry_page
    dialog = BuildingDialog(db, compound_id=db.ids["compound1"], parent=window)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.keyClicks(dialog.field("name"), "7")
    click_save(qtbot, dialog)
    window.events.registry_changed.emit()
    assert page.select_tree_node(dialog.result_id)
    assert page.tree.currentIndex().data() == "7号楼"


def test_party_page_lists_members(window):
    window.go_to("党员联户")
    page = window.party_page
    assert page.model.rowCount() == 1
    assert page.model.data(page.model.index(0, 0)) == "张三"
    headers = [c.header for c in page.model.columns]
    assert headers[:3] == ["姓名", "类别", "党员类型"]     # 类别: the 五色 category
    assert page.model.data(page.model.index(0, 2)) == "自管党员"


def test_the_window_fits_a_1024_pixel_screen(window, qtbot):
    """No page's rows of buttons force the window wider than 1024 px (they wrap)."""
    assert window.minimumSizeHint().width() <= 1024
    window.resize(1024, 768)
    for i in range(window.nav.count()):
        window.nav.setCurrentRow(i)
        qtbot.wait(5)
        assert window.width() <= 1024, window.nav.item(i).text()


def test_the_settings_page_has_a_title_and_no_stale_promise(window):
    from PySide6.QtWidgets import QLabel

    page = window.settings_page if hasattr(window, "settings_page") else window.findChild(
        QLabel, "settingsHeading").parent()
    texts = [label.text() for label in page.findChildren(QLabel)]
    assert "设置" in texts
    assert not any("后续版本" in t for t in texts)


def test_the_window_opens_where_it_was_closed(window, qtbot, community, tmp_path):
    """Resized and closed, the window opens at that size the next time (QSettings). The
    offscreen screen is 800 px square, smaller than the window may be: the height tells."""
    height = window.minimumSizeHint().height() + 30
    assert height < 790
    window.resize(window.width(), height)
    qtbot.waitUntil(lambda: window.height() == height)
    window.close()
    again = MainWindow(community, tmp_path / "community.sqlite")
    qtbot.addWidget(again)
    assert again.height() == height
