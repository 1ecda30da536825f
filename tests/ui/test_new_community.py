"""A secretary starts her own community from nothing, through the window's dialogs."""

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialogButtonBox

from app import registry
from app.database import create_community, open_community_db
from tests.conftest import make_id
from ui.main_window import MainWindow
from ui.registry.dialogs import (
    BuildingDialog,
    CompoundDialog,
    GridDialog,
    HouseholdDialog,
    ResidentDialog,
)


def save(qtbot, dialog):
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.mouseClick(dialog.buttons.button(QDialogButtonBox.StandardButton.Ok),
                     Qt.MouseButton.LeftButton)
    return dialog


def test_grid_compound_building_household_resident_then_search(qtbot, tmp_path):
    path = tmp_path / "own.sqlite"
    db = open_community_db(path, create=True)
    create_community(db, "建新社区", "410105001002", "经八路街道", "金水区")
    win = MainWindow(db, path)
    qtbot.addWidget(win)
    win.show()
    page = win.registry_page

    # No compound yet: a building cannot be placed, and the message says what to do first.
    early = BuildingDialog(db, parent=win)
    early.field("name").setText("1")
    save(qtbot, early)
    assert "先新增楼院" in early.error_text("compound_id")

    grid = GridDialog(db, parent=win)
    grid.field("name").setText("第一网格")
    grid_id = save(qtbot, grid).result_id

    compound = CompoundDialog(db, grid_id=grid_id, parent=win)
    compound.field("name").setText("金水花园")
    compound_id = save(qtbot, compound).result_id

    building = BuildingDialog(db, compound_id=compound_id, parent=win)
    building.field("name").setText("2")
    building.field("units").setValue(3)
    building_id = save(qtbot, building).result_id
    win.events.registry_changed.emit()
    assert page.select_tree_node(building_id)
    assert page.tree.currentIndex().data() == "2号楼"
    assert page.tree_model.itemFromIndex(page.tree.currentIndex()).rowCount() == 3

    unit_id = next(u["id"] for u in registry.tree_nodes(db)["units"]
                   if u["building_id"] == building_id and u["name"] == "3单元")
    household = HouseholdDialog(db, unit_id=unit_id, parent=win)
    household.field("door_number").setText("1102")
    household.field("phone").setText("0371-65432100")
    household_id = save(qtbot, household).result_id
    assert registry.get(db, "households", household_id)["floor"] == 11

    resident = ResidentDialog(db, household_id, parent=win)
    resident.field("name").setText("解放")
    resident.field("id_number").setText(make_id("410105", "19700809", "271"))
    resident.field("relation").setEditText("户主")
    save(qtbot, resident)
    assert not resident.isVisible()

    win.events.registry_changed.emit()
    qtbot.keyClicks(page.search, "xief")        # 解 read as the surname xiè
    qtbot.waitUntil(lambda: page.results.total() == 1)
    assert page.results.row_data(0)["address"] == "金水花园 2号楼3单元1102"
    win.go_to("概览")
    assert win.pages.currentWidget().values["households"].text() == "1"
