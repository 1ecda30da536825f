"""The 重点人员核查 page in the real window on the district demo (which has a list in
progress): a community's people by due time, overdue in red, Enter opens the result form,
a saved result shows at once; the district's progress per community, the people waiting
for assignment, and a hand assignment from the window."""

from __future__ import annotations

import shutil
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from app import keypersons
from app.database import open_community_db
from app.demo import build_demo_district
from ui.keypersons.page import RED, CommunityKeyPersonsPage, DistrictKeyPersonsPage
from ui.main_window import MainWindow


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> dict:
    path = tmp_path_factory.mktemp("district") / "中原区.sqlite"
    return build_demo_district(path, communities=2, residents=150)


def copy_of(file: Path, tmp_path: Path) -> Path:
    copy = tmp_path / file.name
    shutil.copy(file, copy)
    return copy


def open_window(qtbot, path: Path) -> MainWindow:
    win = MainWindow(open_community_db(path), path)
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    win.go_to("重点人员核查")
    return win


def cell(model, row: int, header: str) -> str:
    column = [c.header for c in model.columns()].index(header)
    return model.data(model.index(row, column))


def test_community_page_lists_its_people_overdue_in_red_and_records_a_result(
        qtbot, built, tmp_path):
    win = open_window(qtbot, copy_of(built["communities"][1], tmp_path))
    page = win.pages.currentWidget()
    assert isinstance(page, CommunityKeyPersonsPage)
    model = page.model
    assert model.total() >= 5
    # the demo list was due two hours ago: the people not yet verified stand first, in red
    assert cell(model, 0, "状态") == "已逾期"
    colour = model.data(model.index(0, 0), Qt.ItemDataRole.ForegroundRole)
    assert colour.name() == RED[0]
    known = {cell(model, r, "本社区登记") for r in range(model.rowCount())}
    assert any(k.startswith("已登记：") for k in known)
    assert "共" in page.summary.text() and "逾期" in page.summary.text()
    name = cell(model, 0, "姓名")
    page.table.setFocus()
    page.table.selectRow(0)
    opened = []
    qtbot.waitUntil(lambda: page.table.currentIndex().isValid())
    original = page.open_selected

    def spy():
        dialog = original()
        opened.append(dialog)
        return dialog
    page.open_selected = spy          # the list's Enter calls it (as a double-click)
    QTest.keyClick(page.table, Qt.Key.Key_Return)          # Enter opens the form
    dialog = opened[0]
    assert dialog is not None and name in dialog.windowTitle()
    dialog.field("result").setCurrentIndex(dialog.field("result").findData("not_found"))
    dialog.field("note").setPlainText("入户核查，门牌下无此人")
    dialog.activateWindow()
    qtbot.waitUntil(dialog.isActiveWindow)                 # shortcuts go to the active window
    QTest.keyClick(dialog, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)   # Ctrl+S saves
    assert not dialog.isVisible()
    rows = {cell(model, r, "姓名"): r for r in range(model.rowCount())}
    assert cell(model, rows[name], "核查结果") == "查无此人"
    assert cell(model, rows[name], "状态") == "已核实"
    win.close()


def test_a_result_left_out_is_named_beside_its_field(qtbot, built, tmp_path):
    win = open_window(qtbot, copy_of(built["communities"][1], tmp_path))
    page = win.pages.currentWidget()
    page.table.selectRow(0)
    dialog = page.open_selected()
    dialog.field("result").setCurrentIndex(dialog.field("result").findData("left"))
    dialog._try_save()
    assert dialog.isVisible() and "去向" in dialog.error_text("detail")
    dialog.reject()
    win.close()


def test_district_page_shows_progress_per_community_and_assigns_by_hand(
        qtbot, built, tmp_path):
    path = copy_of(built["district"], tmp_path)
    win = open_window(qtbot, path)
    page = win.pages.currentWidget()
    assert isinstance(page, DistrictKeyPersonsPage)
    rows = {p.community: p for p in page.progress_model.rows}
    assert {"长江路社区", "建设路社区", "待分配"} <= set(rows)
    assert rows["长江路社区"].verified > 0                    # the first one has begun
    assert rows["建设路社区"].overdue == rows["建设路社区"].total
    waiting = page.progress_model.rows.index(rows["待分配"])
    page.progress_table.selectRow(waiting)
    assert page.people_model.total() == rows["待分配"].total
    before = rows["待分配"].total
    page.people_table.selectRow(0)
    dialog = page.assign_selected()
    assert dialog is not None
    target = dialog.field("community")
    target.setCurrentIndex(target.findText("建设路社区"))
    dialog._try_save()
    qtbot.waitUntil(lambda: not dialog.isVisible())
    rows = {p.community: p for p in page.progress_model.rows}
    assert rows["待分配"].total == before - 1
    assert len(keypersons.waiting(win.db)) == before - 1
    win.close()


def test_the_import_wizard_maps_columns_dry_runs_then_imports(qtbot, built, tmp_path):
    from app.keypersons import demo as kp_demo

    path = copy_of(built["district"], tmp_path)
    win = open_window(qtbot, path)
    page = win.pages.currentWidget()
    rows = kp_demo.sample_rows(win.db, 6, seed=5)
    rows.append([7, "吴十", "4.10102E+17", "", "", "", ""])
    listed = kp_demo.write_list(tmp_path / "名单.xlsx", rows, title="关于核查的通知（第5批）",
                                header=("序号", "人员姓名", "公民身份号码", "手机", "户籍地址",
                                        "人员类别", "说明"))
    dialog = page.open_import(listed)
    assert dialog.title.text() == "关于核查的通知（第5批）"      # the title row above the header
    mapped = {dialog.combos[i].currentData() for i in dialog.combos}
    assert {"name", "id_number", "phone", "home_address", "category", "note"} <= mapped
    before = len(page.progress_model.rows)
    dialog.dry.click()
    qtbot.waitUntil(lambda: "将导入 6 人" in dialog.report.toPlainText(), timeout=15000)
    assert "第9行（吴十）未导入" in dialog.report.toPlainText()
    assert len(page.progress_model.rows) == before               # a dry run writes nothing
    dialog.go.click()
    qtbot.waitUntil(lambda: dialog.imported is not None, timeout=15000)
    dialog.reject()
    assert any(p.title == "关于核查的通知（第5批）" for p in page.progress_model.rows)
    win.close()


def test_district_page_offers_to_reassign_to_where_a_person_went(qtbot, built, tmp_path):
    from db import keypersons as q
    from db.node import transaction

    path = copy_of(built["district"], tmp_path)
    db = open_community_db(path)
    names = {v: k for k, v in q.community_ids(db).items()}
    person = q.find_people(db, names["长江路社区"])[0]
    with transaction(db):      # as 长江路's bundle brings it: 已离开, gone to 建设路
        q.insert_result(db, names["长江路社区"], {
            "person_id": person["id"], "result": "left", "detail": "去向建设路社区",
            "recorded_by": "王秀英（书记）", "recorded_at": keypersons.now_text(
                datetime.now() + timedelta(minutes=1))})      # the newest result
    db.close()
    win = open_window(qtbot, path)
    page = win.pages.currentWidget()
    assert page.leavers.isVisible()
    assert f"{person['name']}（长江路社区 → 建设路社区）" in page.leavers_label.text()
    assert page.reassign_to_destinations(confirm=False) == 1
    assert not page.leavers.isVisible()
    moved = q.find_people(win.db, names["建设路社区"], name=person["name"])
    assert [m["matched_by"] for m in moved] == ["hand"]
    win.close()
