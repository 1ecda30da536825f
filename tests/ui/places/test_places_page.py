"""The 场所检查 page as a person uses it: the demo's shops searched as you type, an
inspection refused while an item is unanswered (the message under that item, what was
typed kept) and saved once answered, its problem in the 整改 tab, overdue corrections red
there and on the 概览; the screenshots in docs/ are taken here."""

import os
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor

from app import inspections, places
from app.database import open_community_db
from app.demo import build_demo
from ui.events import AppEvents
from ui.inspections.dialogs import InspectionDialog
from ui.overview.page import OverviewPage
from ui.places.page import PlacesPage

RED = QColor("#b71c1c")
DOCS = Path(__file__).resolve().parents[3] / "docs"


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    path = tmp_path_factory.mktemp("places-ui") / "demo.sqlite"
    build_demo(path, residents=300, pairings=False, isolation_cases=False)
    db = open_community_db(path)
    yield db
    db.conn.close()


def shoot(widget, name):
    """docs/<name>.png when GRIDDESK_SCREENSHOTS is set (scripts refresh them)."""
    if os.environ.get("GRIDDESK_SCREENSHOTS"):
        widget.grab().save(str(DOCS / name))


def test_places_list_searches_as_you_type_and_overdue_corrections_are_red(qtbot, demo):
    page = PlacesPage(demo, AppEvents())
    qtbot.addWidget(page)
    page.resize(1180, 760)
    tab = page.places_tab
    assert tab.model.total() == len(places.place_ids(demo)) >= 20
    name = tab.model.row_data(0)["name"]
    tab.search.setText(name)
    qtbot.waitUntil(lambda: tab.model.total() < len(places.place_ids(demo)), timeout=2000)
    assert all(name in tab.model.row_data(r)["name"] for r in range(tab.model.rowCount()))
    tab.search.clear()
    qtbot.waitUntil(lambda: tab.model.total() == len(places.place_ids(demo)), timeout=2000)
    page.show()
    shoot(page, "screenshot-places.png")
    page.tabs.setCurrentWidget(page.problems_tab)
    problems = page.problems_tab
    problems.state.setCurrentIndex(problems.state.findData("overdue"))
    overdue = inspections.overdue_count(demo)
    assert problems.model.total() == overdue >= 3
    first = problems.model.index(0, 0)
    assert first.data() == "已逾期"
    assert problems.model.data(first, Qt.ItemDataRole.ForegroundRole) == RED
    assert f"逾期未整改 {overdue} 个" in problems.summary.text()
    shoot(page, "screenshot-places-problems.png")
    overview = OverviewPage(demo, AppEvents())
    qtbot.addWidget(overview)
    overview.show()
    line = overview.inspections
    assert f"其中逾期未整改 {overdue} 个" in line.text() and "b71c1c" in line.styleSheet()


def test_an_unanswered_item_is_named_under_it_and_nothing_typed_is_lost(qtbot, demo):
    place_id = places.place_ids(demo)[0]
    name = places.get(demo, place_id)["name"]
    before = len(inspections.inspection_ids(demo))
    dialog = InspectionDialog(demo, ("place", place_id, name), "消防安全检查")
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.field("inspectors").setText("张三、李四")
    dialog.rows[0].choose("no")
    dialog.problems[0].description.setText("灭火器已过期")
    dialog.problems[0].due_on.setText(inspections.today_text())
    dialog.problems[0].responsible.setText("王店长")
    dialog.save_button.click()
    assert dialog.isVisible()
    assert "第2项" in dialog.error_text("item1") and "还没有选择" in dialog.error_text("item1")
    assert dialog.field("inspectors").text() == "张三、李四"
    assert dialog.rows[0].answer() == "no"
    assert len(inspections.inspection_ids(demo)) == before
    shoot(dialog, "screenshot-inspection.png")
    dialog.all_yes.setChecked(True)
    dialog.save_button.click()
    assert not dialog.isVisible()
    saved = inspections.detail(demo, dialog.result_id)
    assert [a["answer"] for a in saved.answers][:2] == ["no", "yes"]
    assert saved.problems[0]["description"] == "灭火器已过期"
    page = PlacesPage(demo, AppEvents())
    qtbot.addWidget(page)
    assert page.inspections_tab.model.row_data(0)["id"] == dialog.result_id
    assert "灭火器已过期" in page.inspections_tab.detail.toPlainText()


def test_export_current_list_writes_the_tabs_whole_list(qtbot, demo, tmp_path):
    from openpyxl import load_workbook

    from ui.ledger.actions import export_current_list

    page = PlacesPage(demo, AppEvents())
    qtbot.addWidget(page)
    page.tabs.setCurrentWidget(page.problems_tab)
    page.problems_tab.state.setCurrentIndex(page.problems_tab.state.findData(""))
    path = demo.conn.execute("PRAGMA database_list").fetchone()[2]
    out = tmp_path / "problems.xlsx"
    runner = export_current_list(page, page, Path(path), demo, out)
    with qtbot.waitSignal(runner.finished, timeout=10_000) as done:
        pass
    assert done.args == [len(inspections.problem_ids(demo))]
    texts = {c.value for row in load_workbook(out).active.iter_rows() for c in row}
    assert "问题整改台账" in " ".join(str(t) for t in texts if t) and "已逾期" in texts


def test_places_import_in_the_window_uses_the_ledger_wizard(qtbot, demo, tmp_path):
    """场所 › 导入台账: the mapping guessed from the header, a dry run that names the bad row
    and the changed place (before → after), then only the good rows written."""
    from openpyxl import Workbook

    held = places.places_by_ids(demo, places.place_ids(demo))[0]
    wb = Workbook()
    ws = wb.active
    ws.append(["店名", "业态", "经营地址", "经营者", "联系电话", "营业执照号", "备注"])
    ws.append([held["name"], held["kind"], held["street_address"] or "建设路1号", "新店主",
               "13700002222", held["licence_no"] or "", ""])
    ws.append(["窗口导入的水果店", "小商店", "桐柏路9号", "李丽", "13600003333", "", ""])
    ws.append(["没有类型的店", "", "", "", "", "", ""])
    path = tmp_path / "场所.xlsx"
    wb.save(path)
    count = len(places.place_ids(demo))
    page = PlacesPage(demo, AppEvents())
    qtbot.addWidget(page)
    dialog = page.places_tab.import_ledger(path)
    qtbot.waitUntil(lambda: dialog.stack.currentWidget() is dialog.mapping_page, timeout=10_000)
    assert dialog.windowTitle() == "导入场所台账"
    assert dialog.current_mapping() == {0: "name", 1: "kind", 2: "address", 3: "manager",
                                        4: "phone", 5: "licence_no", 6: "note"}
    dialog.b_check.click()
    qtbot.waitUntil(lambda: dialog.stack.currentWidget() is dialog.review_page, timeout=10_000)
    assert len(places.place_ids(demo)) == count                 # a dry run writes nothing
    assert "将新登记场所 1 个" in dialog.summary.text()
    problem = dialog.problems.index(0, 3).data()
    assert dialog.problems.rowCount() == 1 and "请选择场所类型" in problem
    assert "新店主" in dialog.changes.index(0, 2).data()
    assert dialog.b_import.isEnabled()
    dialog.b_import.click()
    qtbot.waitUntil(lambda: dialog.stack.currentWidget() is dialog.done_page, timeout=10_000)
    assert "已新登记场所 1 个" in dialog.done_text.text()
    assert len(places.place_ids(demo)) == count + 1
    assert places.get(demo, held["id"])["manager"] == "新店主"
    qtbot.waitUntil(lambda: page.places_tab.model.total() == count + 1, timeout=2000)
    out = dialog.export_problems(tmp_path / "问题行.xlsx")
    assert out and out.exists()


def test_a_compound_is_inspected_from_the_inspections_tab(qtbot, demo, monkeypatch):
    """检查 › 检查小区: the compound chosen, then its checklist; the inspection is listed."""
    from ui.inspections import dialogs as inspection_dialogs
    from ui.inspections import tabs as inspection_tabs

    page = PlacesPage(demo, AppEvents())
    qtbot.addWidget(page)
    tab = page.inspections_tab
    cid, name = places.compounds(demo)[0]
    monkeypatch.setattr(inspection_dialogs.CompoundChoice, "exec",
                        lambda self: (self.box.setCurrentIndex(self.box.findData(cid)),
                                      self._try_save(), self.result())[-1])
    opened = []
    monkeypatch.setattr(inspection_tabs, "open_inspection",
                        lambda _p, _db, subject, done: opened.append((subject, done)))
    tab.compound_button.click()
    [(subject, done)] = opened
    assert subject == ("compound", cid, name)
    data = inspections.new_input(demo, "小区防控检查", *subject)
    data.inspectors, data.answers = "网格员", ["yes"] * len(data.items)
    done(inspections.record(demo, data))
    assert tab.model.row_data(0)["subject_name"] == name


def test_the_registry_tree_shows_each_compounds_places_and_enter_opens_them(qtbot, demo,
                                                                             tmp_path):
    """楼栋住户's tree holds 场所（N个） under a compound (and 沿街场所 under a grid); Enter
    on it opens 场所检查 listing just those places, until 看全部场所."""
    from ui.main_window import MainWindow
    from ui.registry.page import KIND_ROLE

    window = MainWindow(demo, tmp_path / "demo.sqlite")
    qtbot.addWidget(window)
    window.show()
    tree, model = window.registry_page.tree, window.registry_page.tree_model
    found = model.match(model.index(0, 0), KIND_ROLE, "places", 1, Qt.MatchFlag.MatchRecursive)
    assert found, "no 场所 node in the tree"
    node = found[0]
    compound_id = node.parent().data(Qt.ItemDataRole.UserRole + 2)
    expected = places.place_ids(demo, compound_id=compound_id)
    assert node.data() == f"场所（{len(expected)}个）" and expected
    tree.setCurrentIndex(node)
    qtbot.keyClick(tree, Qt.Key.Key_Return)
    page = window.places_page
    assert window.pages.currentWidget() is page
    tab = page.places_tab
    assert tab.model.rowCount() == len(expected) < len(places.place_ids(demo))
    assert tab.node_label.text() == f"只看：{node.parent().data()}"
    tab.node_clear.click()
    assert tab.model.rowCount() == len(places.place_ids(demo))
    window.close()
