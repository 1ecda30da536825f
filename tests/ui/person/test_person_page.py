"""The person page, the building view and categories in the window (issue 18): a person
opens from a list by Enter, their file shows category and timeline, a click on a door shows
its people, the settings say which rule wins."""

from __future__ import annotations

from datetime import date

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from app import accounts, categories, isolation, registry
from tests.conftest import make_id
from ui.buildings.view import BuildingDialog
from ui.categories.section import CategorySection
from ui.events import AppEvents
from ui.person import page as person_page
from ui.person.page import PersonDialog
from ui.registry.page import RegistryPage


@pytest.fixture
def office(community):
    db = community
    categories.add_five_colours(db)
    isolation.register_case(db, kind="home_isolation", reason="密接",
                            resident_id=db.ids["张三"], started_on=date.today())
    return db


def test_enter_on_a_household_member_opens_their_file(qtbot, office, monkeypatch):
    opened: list[PersonDialog] = []
    monkeypatch.setattr(PersonDialog, "exec", lambda self: opened.append(self) or 0)
    page = RegistryPage(office, AppEvents())
    qtbot.addWidget(page)
    page.show_household(office.ids["h501"])
    headers = [page.members.headerData(c, Qt.Orientation.Horizontal)
               for c in range(page.members.columnCount())]
    assert page.members.data(page.members.index(0, headers.index("类别"))) == "红"
    # In search results the name sits on its category's colour, the 类别 column says it.
    page.search.setText("张三")
    page.run_search()
    name = page.results.index(0, 0)
    assert page.results.data(name, Qt.ItemDataRole.BackgroundRole) is not None
    result_headers = [page.results.headerData(c, Qt.Orientation.Horizontal)
                      for c in range(page.results.columnCount())]
    assert page.results.data(page.results.index(0, result_headers.index("类别"))) == "红"
    page.member_view.setFocus()
    page.member_view.setCurrentIndex(page.members.index(0, 0))
    QTest.keyClick(page.member_view, Qt.Key.Key_Return)
    assert [d.file.name for d in opened] == ["张三"]


def test_the_file_shows_category_and_timeline_newest_first(qtbot, office):
    dialog = PersonDialog(office, office.ids["张三"])
    qtbot.addWidget(dialog)
    assert "张三" in dialog.windowTitle()
    assert dialog.chip.text().strip().startswith("红")
    times = [dialog.timeline.row_data(r).at for r in range(dialog.timeline.rowCount())]
    assert times and times == sorted(times, reverse=True)
    assert any(dialog.timeline.row_data(r).kind == "隔离"
               for r in range(dialog.timeline.rowCount()))
    # A household member's file, from the members list.
    dialog.member_view.doubleClicked.emit(dialog.members.index(0, 0))
    assert dialog.file.name == "李四"


def test_a_role_without_printing_sees_why(qtbot, office):
    accounts.attach(office, accounts.Session("p", "赵警官", "police"))
    dialog = PersonDialog(office, office.ids["张三"])
    qtbot.addWidget(dialog)
    assert not dialog.b_print.isEnabled() and "片警" in dialog.b_print.toolTip()
    shown = dialog.facts.itemAt(0, dialog.facts.ItemRole.FieldRole).widget().text()
    assert shown == make_id(seq="131")          # the police see ID numbers whole
    accounts.attach(office, accounts.Session("d", "区里", "district"))
    dialog.reload()
    shown = dialog.facts.itemAt(0, dialog.facts.ItemRole.FieldRole).widget().text()
    assert "*" in shown


def test_a_click_on_a_door_shows_its_people(qtbot, office):
    odd = registry.add_household(office, {"unit_id": office.ids["units_b3"][0],
                                          "door_number": "车库"})
    assert odd
    dialog = BuildingDialog(office, office.ids["b3"], office.ids["h501"])
    qtbot.addWidget(dialog)
    # Opened from a household: its door is the current cell, its people listed.
    names = [dialog.people.row_data(r)["name"] for r in range(dialog.people.rowCount())]
    assert names == ["张三", "李四"]
    assert "501" in dialog.door_title.text()
    assert "车库" in dialog.odd.text() and not dialog.odd.isHidden()
    assert "红" in dialog.legend.text()
    dialog.aspect.setCurrentIndex(dialog.aspect.findData("dwelling"))
    assert "出租" in dialog.legend.text()
    asked: list[str] = []
    dialog.person_requested.connect(asked.append)
    dialog.people_view.doubleClicked.emit(dialog.people.index(0, 0))
    assert asked == [office.ids["张三"]]


def test_settings_say_which_rule_wins(qtbot, office):
    section = CategorySection(office)
    qtbot.addWidget(section)
    text = section.summary.text()
    assert "先匹配的优先" in text and text.index("红") < text.index("绿")


def test_open_person_says_why_when_it_cannot(qtbot, office, monkeypatch):
    said: list[str] = []
    monkeypatch.setattr(person_page.QMessageBox, "information",
                        lambda _p, _t, text: said.append(text))
    page = RegistryPage(office, AppEvents())
    qtbot.addWidget(page)
    assert person_page.open_person(page, office, "gone") is None
    assert said and "找不到" in said[0]


def test_a_case_in_the_isolation_records_opens_the_persons_file(qtbot, office, monkeypatch):
    from ui.isolation.page import IsolationPage

    opened: list[PersonDialog] = []
    monkeypatch.setattr(PersonDialog, "exec", lambda self: opened.append(self) or 0)
    page = IsolationPage(office, AppEvents(), user="刘书记")
    qtbot.addWidget(page)
    page.reload_cases()
    page.cases_view.selectRow(0)
    page.cases_view.setFocus()
    QTest.keyClick(page.cases_view, Qt.Key.Key_Return)
    assert [d.file.name for d in opened] == ["张三"]


def test_the_door_grid_is_usable_by_keyboard(qtbot, office):
    dialog = BuildingDialog(office, office.ids["b3"], office.ids["h501"])
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    dialog.activateWindow()
    qtbot.waitUntil(dialog.isActiveWindow)              # keys go to the active window
    dialog.grid.setFocus()
    QTest.keyClick(dialog.grid, Qt.Key.Key_Right)            # 5层, door 02: 502
    assert "502" in dialog.door_title.text()
    QTest.keyClick(dialog.grid, Qt.Key.Key_Return)
    assert dialog.people_view.hasFocus()
    asked: list[str] = []
    dialog.person_requested.connect(asked.append)
    QTest.keyClick(dialog.people_view, Qt.Key.Key_Return)
    assert asked == [office.ids["单田芳"]]


def test_a_tree_nodes_ledger_is_written_in_the_background(qtbot, office, tmp_path,
                                                          monkeypatch):
    import openpyxl

    from ui.buildings.ledger import export_node_ledger
    from ui.ledger import actions

    monkeypatch.setattr(actions.QMessageBox, "open", lambda self: None)
    page = RegistryPage(office, AppEvents())
    qtbot.addWidget(page)
    out = tmp_path / "b3.xlsx"
    runner = export_node_ledger(page, office, "building", office.ids["b3"], "3号楼", out)
    with qtbot.waitSignal(runner.finished, timeout=20000) as done:
        pass
    assert done.args == [3]                       # 张三, 李四, 单田芳
    title = next(openpyxl.load_workbook(out, read_only=True)["居民"].iter_rows(
        max_row=1, values_only=True))[0]
    assert "锦绣花园 3号楼" in title


def test_a_category_set_by_hand_offers_the_communitys_set_and_keeps_why(qtbot, office):
    """调整类别: the choices are the categories the person's community uses; saved with a
    reason, the person is in it by hand."""
    from ui.categories.dialogs import MarkDialog

    rid = office.ids["李四"]
    dialog = MarkDialog(office, rid, "李四")
    qtbot.addWidget(dialog)
    box = dialog.field("category")
    offered = {box.itemData(i) for i in range(box.count())} - {""}
    in_force = categories.in_force_for(office, rid).categories
    assert offered == {c.id for c in in_force} and offered
    box.setCurrentIndex(box.findData(in_force[-1].id))
    dialog.field("reason").setPlainText("入户核实：独居")
    dialog._try_save()
    mark = categories.of(office, [rid])[rid]
    assert mark.by_hand and mark.category.id == in_force[-1].id
    assert categories.history(office, rid)[0]["reason"] == "入户核实：独居"
