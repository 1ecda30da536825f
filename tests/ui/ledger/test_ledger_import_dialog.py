"""The 导入居民台账 dialog and the 台账 menu, driven as she would: read, correct the mapping,
check, import the good rows or nothing; exports run in the background."""

from __future__ import annotations

from datetime import date

import openpyxl
import pytest
from PySide6.QtCore import Qt

from app import isolation, registry
from app.ledger import importer as li
from db import changelog
from tests.app.ledger.test_ledger_import import messy_ledger
from tests.conftest import make_id
from ui.ledger.import_dialog import LedgerImportDialog
from ui.main_window import MainWindow

WAIT = 15_000


@pytest.fixture
def db_path(tmp_path):
    return tmp_path / "community.sqlite"


@pytest.fixture
def ledger_file(tmp_path):
    path = tmp_path / "台账.xlsx"
    messy_ledger(path)
    return path


def open_dialog(qtbot, community, db_path, path, **kw):
    dialog = LedgerImportDialog(community, db_path, path, **kw)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: dialog.stack.currentWidget() is not dialog.progress_page,
                    timeout=WAIT)
    return dialog


def click(qtbot, button):
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def test_check_then_import_good_rows(qtbot, community, db_path, ledger_file):
    from ui.events import AppEvents

    events = AppEvents()
    dialog = open_dialog(qtbot, community, db_path, ledger_file, events=events)
    assert dialog.stack.currentWidget() is dialog.mapping_page
    assert "表头在第 2、3 行" in dialog.layout_info.text()
    table = dialog.columns_table
    assert table.rowCount() == 12
    assert table.item(5, 1).text() == "住址 / 楼号"
    assert table.cellWidget(5, 3).currentData() == "building"
    assert table.cellWidget(0, 3).currentData() == li.IGNORE       # 序号
    seq = changelog.last_seq(community)
    click(qtbot, dialog.b_check)
    qtbot.waitUntil(lambda: dialog.stack.currentWidget() is dialog.review_page, timeout=WAIT)
    assert changelog.last_seq(community) == seq                     # the dry run wrote nothing
    assert dialog.problems.rowCount() == 7
    assert dialog.problems.data(dialog.problems.index(0, 0)) == "7"
    assert "校验位" in dialog.problems.data(dialog.problems.index(0, 3))
    assert dialog.tabs.tabText(0) == "有问题的行（7）"
    assert "新增居民 2 人" in dialog.summary.text()
    assert dialog.changes.rowCount() == 1
    assert "13700001111" in dialog.changes.data(dialog.changes.index(0, 2))
    assert dialog.b_import.text() == "导入没有问题的 3 行"
    out = dialog.export_problems(ledger_file.with_name("问题.xlsx"))
    assert openpyxl.load_workbook(out).active["A3"].value == "问题"

    with qtbot.waitSignal(events.registry_changed, timeout=WAIT):
        click(qtbot, dialog.b_import)
    qtbot.waitUntil(lambda: dialog.stack.currentWidget() is dialog.done_page, timeout=WAIT)
    assert "导入完成" in dialog.done_text.text()
    assert registry.counts(community)["residents"] == 6
    assert registry.counts(community)["party_members"] == 3
    assert li.remembered_mapping(community)   # remembered for the next file
    click(qtbot, dialog.findChild(type(dialog.b_import), "closeButton"))
    assert not dialog.isVisible()


def test_import_nothing_writes_nothing(qtbot, community, db_path, ledger_file):
    dialog = open_dialog(qtbot, community, db_path, ledger_file)
    seq, counts = changelog.last_seq(community), registry.counts(community)
    click(qtbot, dialog.b_check)
    qtbot.waitUntil(lambda: dialog.stack.currentWidget() is dialog.review_page, timeout=WAIT)
    click(qtbot, dialog.b_nothing)
    assert not dialog.isVisible()
    assert changelog.last_seq(community) == seq
    assert registry.counts(community) == counts
    assert li.remembered_mapping(community) == {}


def test_she_corrects_the_mapping(qtbot, community, db_path, tmp_path):
    path = tmp_path / "c.csv"
    number = make_id(birth="19600101", seq="317")
    path.write_text("姓名,身份证号码,楼栋,单元,房号,户主手机\n"
                    f"牛一,{number},3,2,502,13500001111\n", encoding="gbk")
    dialog = open_dialog(qtbot, community, db_path, path)
    assert "GB18030" in dialog.layout_info.text()
    assert dialog.compound_box.currentText() == ""   # two compounds: she must choose
    # without a name column the check is refused, beside the table
    dialog.set_column_field("A", li.IGNORE)
    click(qtbot, dialog.b_check)
    assert dialog.stack.currentWidget() is dialog.mapping_page
    assert "姓名" in dialog.mapping_error.text() and dialog.mapping_error.isVisible()
    dialog.set_column_field("A", "name")
    dialog.set_column_field("F", "phone")
    dialog.compound_box.setCurrentText("锦绣花园")
    click(qtbot, dialog.b_check)
    qtbot.waitUntil(lambda: dialog.stack.currentWidget() is dialog.review_page, timeout=WAIT)
    assert dialog.problems.rowCount() == 0
    click(qtbot, dialog.b_import)
    qtbot.waitUntil(lambda: dialog.stack.currentWidget() is dialog.done_page, timeout=WAIT)
    row = registry.resident_rows(community, registry.search_residents(community, number))[0]
    assert row["phone"] == "13500001111" and row["address"] == "锦绣花园 3号楼2单元502"
    # the next file from this office: 户主手机 is known now
    again = open_dialog(qtbot, community, db_path, path)
    assert again.columns_table.cellWidget(5, 3).currentData() == "phone"


def test_broken_file_says_what_to_do(qtbot, community, db_path, tmp_path):
    path = tmp_path / "坏文件.xlsx"
    path.write_bytes(b"not a workbook at all" * 20)
    dialog = open_dialog(qtbot, community, db_path, path)
    assert dialog.stack.currentWidget() is dialog.done_page
    assert "另存为" in dialog.done_text.text()
    assert dialog.b_other.isVisible()


@pytest.fixture
def window(qtbot, community, db_path):
    win = MainWindow(community, db_path)
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    return win


def test_ledger_menu_and_background_exports(qtbot, window, tmp_path):
    menu = window.menuBar().actions()[0]
    assert menu.text() == "台账(&L)"
    assert [a.text() for a in menu.menu().actions() if a.text()] == [
        "导入居民台账（Excel、CSV）…", "导出居民台账…", "导出住户台账…",
        "导出居家隔离人员台账…", "导出当前列表…"]
    out = tmp_path / "居民.xlsx"
    runner = window.export_ledger("residents", out)
    with qtbot.waitSignal(runner.finished, timeout=WAIT) as blocker:
        pass
    assert blocker.args == [4] and out.exists()
    ws = openpyxl.load_workbook(out).active
    assert ws["A1"].value == "长江路社区居民信息台账"

    # the list the 楼栋住户 page shows: here a search result, ID numbers masked as shown
    page = window.registry_page
    window.go_to("楼栋住户")
    qtbot.keyClicks(page.search, "zs")
    qtbot.waitUntil(lambda: page.lists.currentWidget() is page.result_view)
    listed = tmp_path / "列表.xlsx"
    runner = window.export_current_list(listed)
    with qtbot.waitSignal(runner.finished, timeout=WAIT):
        pass
    ws = openpyxl.load_workbook(listed).active
    assert ws["A3"].value == "姓名" and ws["A4"].value == "张三"
    assert "********" in ws["D4"].value and ws["D4"].number_format == "@"
    assert "搜索“zs”" in ws["A1"].value

    window.go_to("党员联户")
    party = tmp_path / "党员.xlsx"
    runner = window.export_current_list(party)
    with qtbot.waitSignal(runner.finished, timeout=WAIT):
        pass
    ws = openpyxl.load_workbook(party).active
    header = [c.value for c in ws[3]]
    row = dict(zip(header, [c.value for c in ws[4]], strict=False))
    assert (row["姓名"], row["党员类型"], row["联系电话"]) == ("张三", "自管党员", "13912345678")
    assert "类别" in header         # the member's 五色 category beside the name

    # the 居家隔离 board as shown, and the whole isolation ledger from the menu
    isolation.register_case(window.db, resident_id=window.db.ids["李四"], kind="home_isolation",
                            reason="密切接触者", started_on=date.today())
    window.isolation_page.reload()
    window.go_to("居家隔离")
    board = tmp_path / "看板.xlsx"
    runner = window.export_current_list(board)
    with qtbot.waitSignal(runner.finished, timeout=WAIT):
        pass
    ws = openpyxl.load_workbook(board).active
    assert "居家隔离今日看板：全部在管" in ws["A1"].value
    assert [ws["A3"].value, ws["A4"].value, ws["H4"].value] == ["姓名", "李四", "居家隔离"]
    cases = tmp_path / "隔离台账.xlsx"
    runner = window.export_ledger("cases", cases)
    with qtbot.waitSignal(runner.finished, timeout=WAIT):
        pass
    ws = openpyxl.load_workbook(cases).active
    assert ws["A1"].value == "长江路社区居家隔离人员台账" and ws["B4"].value == "李四"


def test_import_from_the_menu_refreshes_the_pages(qtbot, window, ledger_file):
    dialog = window.import_ledger(ledger_file)
    qtbot.waitUntil(lambda: dialog.stack.currentWidget() is dialog.mapping_page, timeout=WAIT)
    click(qtbot, dialog.b_check)
    qtbot.waitUntil(lambda: dialog.stack.currentWidget() is dialog.review_page, timeout=WAIT)
    click(qtbot, dialog.b_import)
    qtbot.waitUntil(lambda: dialog.stack.currentWidget() is dialog.done_page, timeout=WAIT)
    assert window.party_page.model.rowCount() == 3
    tree = window.registry_page.tree_model
    compound = tree.item(1).child(0)
    assert [compound.child(i).text() for i in range(compound.rowCount())] == [
        "3号楼", "5号楼", "7号楼"]
