"""A new community is no dead end: 楼栋住户 and 党员联户 say what to do first, 新增住户 waits
for a unit with the reason, and the guidance buttons start the work."""

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QDialogButtonBox, QPushButton

from app import registry
from app.database import create_community, open_community_db
from ui.main_window import MainWindow
from ui.registry.dialogs import BuildingDialog, CompoundDialog, GridDialog, HouseholdDialog


def new_window(qtbot, tmp_path):
    path = tmp_path / "own.sqlite"
    db = open_community_db(path, create=True)
    create_community(db, "建新社区", "410105001002", "经八路街道", "金水区")
    win = MainWindow(db, path)
    qtbot.addWidget(win)
    win.resize(1280, 800)
    win.show()
    return db, win


def answer_dialogs(steps):
    """Fill and save each modal form as it opens (they open one after another)."""
    def tick():
        dialog = QApplication.activeModalWidget()
        if dialog is None or not dialog.isVisible() or dialog in seen:
            return
        seen.append(dialog)
        if not steps or not isinstance(dialog, steps[0][0]):
            opened.append(type(dialog).__name__)
            dialog.reject()
            return
        kind, fill = steps.pop(0)
        opened.append(kind.__name__)
        fill(dialog)
        dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).click()

    seen: list = []
    opened: list[str] = []
    timer = QTimer(interval=20)
    timer.timeout.connect(tick)
    timer.start()
    return timer, opened


def test_empty_pages_guide_and_the_guide_builds_grid_compound_building(qtbot, tmp_path):
    db, win = new_window(qtbot, tmp_path)
    page = win.registry_page

    # 楼栋住户: guidance instead of empty tables; 新增住户 waits for a unit, saying why.
    assert page.right_stack.currentWidget() is page.empty_panel
    assert page.empty_panel.isVisible() and page.b_guide.isEnabled()
    assert page.b_guide.text() == "新增网格、楼院和楼栋…"
    assert page.b_guide_import.text() == "导入居民台账…"
    assert not page.b_add_household.isEnabled()
    assert page.b_add_household.toolTip() == "请先新增楼栋（左侧“新增网格、楼院或楼栋”）"

    # 党员联户: what to do first, not an empty chart and 0.0%.
    win.go_to("党员联户")
    coverage = win.party_page.coverage_tab
    assert coverage.empty.isVisible()
    assert "先在“楼栋住户”里新增楼栋和住户，或导入居民台账" in coverage.empty.text()
    assert not coverage.chart.isVisible() and not coverage.summary.isVisible()
    notices = coverage.findChild(QPushButton, "printNotices")
    assert not notices.isEnabled() and "还没有住户" in notices.toolTip()

    # The guidance opens the forms in order: grid, compound, building.
    win.go_to("楼栋住户")
    steps = [
        (GridDialog, lambda d: d.field("name").setText("第一网格")),
        (CompoundDialog, lambda d: d.field("name").setText("金水花园")),
        (BuildingDialog, lambda d: (d.field("name").setText("2"), d.field("units").setValue(2))),
    ]
    timer, opened = answer_dialogs(steps)
    qtbot.mouseClick(page.b_guide, Qt.MouseButton.LeftButton)
    timer.stop()
    assert opened == ["GridDialog", "CompoundDialog", "BuildingDialog"]
    nodes = registry.tree_nodes(db)
    assert [b["name"] for b in nodes["buildings"]] == ["2号楼"] and len(nodes["units"]) == 2

    # Now the tables are back and a household can be added.
    assert page.right_stack.currentWidget() is not page.empty_panel
    assert page.b_add_household.isEnabled()
    assert page.b_add_household.toolTip() != "请先新增楼栋（左侧“新增网格、楼院或楼栋”）"
    unit_id = nodes["units"][0]["id"]
    household = HouseholdDialog(db, unit_id=unit_id, parent=win)
    household.field("door_number").setText("101")
    qtbot.addWidget(household)
    household.buttons.button(QDialogButtonBox.StandardButton.Ok).click()
    win.events.registry_changed.emit()
    win.go_to("党员联户")
    assert not coverage.empty.isVisible() and coverage.chart.isVisible()
    assert "0 / 1 户" in coverage.summary.text()
    assert notices.isEnabled() and "还没有住户" not in notices.toolTip()


def test_guidance_opens_the_ledger_import_and_a_half_built_tree_skips_done_steps(
        qtbot, tmp_path, monkeypatch):
    db, win = new_window(qtbot, tmp_path)
    page = win.registry_page
    asked = []
    monkeypatch.setattr(win, "import_ledger", lambda *a: asked.append(a))
    qtbot.mouseClick(page.b_guide_import, Qt.MouseButton.LeftButton)
    assert asked == [()]

    grid_id = registry.add_grid(db, "第一网格")
    win.events.registry_changed.emit()
    assert page.right_stack.currentWidget() is page.empty_panel      # still no building
    timer, opened = answer_dialogs([(CompoundDialog,
                                     lambda d: d.field("name").setText("金水花园"))])
    qtbot.mouseClick(page.b_guide, Qt.MouseButton.LeftButton)
    timer.stop()
    # The grid is there: the compound form is first; the building form, unanswered, cancels.
    assert opened == ["CompoundDialog", "BuildingDialog"]
    assert [c["grid_id"] for c in registry.tree_nodes(db)["compounds"]] == [grid_id]
    assert page.right_stack.currentWidget() is page.empty_panel

    # Ctrl+N's way in says why too, instead of an empty form.
    shown = []
    monkeypatch.setattr("ui.registry.page.QMessageBox.information",
                        lambda _p, _t, text: shown.append(text))
    page.add_household()
    assert shown == ["请先新增楼栋（左侧“新增网格、楼院或楼栋”）"]
