"""The 值班备勤 page (issue 19, items 5–9) as a user meets it: one nav entry before 同步 with
five tabs, the trio of every grid, the week's roster with the clash said in red, the supplies
with low stock counted, an issue beyond stock refused under its field with nothing saved, and
Enter on a shift opening its swap form."""

from __future__ import annotations

import shutil

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from app import accounts, duty, readiness
from app.database import open_community_db
from app.demo import build_demo
from ui.duty.dialogs import SwapDialog
from ui.duty.page import DutyPage
from ui.readiness.dialogs import MoveDialog


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    path = tmp_path_factory.mktemp("dutyui") / "c.sqlite"
    build_demo(path, residents=400, seed=3, isolation_cases=False)
    return path


@pytest.fixture
def db(built, tmp_path):
    path = tmp_path / "c.sqlite"
    shutil.copy(built, path)
    db = open_community_db(path)
    db.path = path
    yield db
    db.conn.close()


@pytest.fixture
def page(qtbot, db):
    page = DutyPage(db)
    qtbot.addWidget(page)
    page.resize(1100, 700)
    page.show()
    qtbot.waitExposed(page)
    return page


def test_the_page_has_five_tabs_and_the_trio_of_every_grid(page, db):
    titles = [page.tabs.tabText(i) for i in range(page.tabs.count())]
    assert titles == ["三人小组", "值班表", "专班志愿者", "卡口", "物资"]
    model = page.trio.model
    assert model.rowCount() == len(duty.trios(db)) > 0
    headers = [model.headerData(c, Qt.Orientation.Horizontal) for c in range(model.columnCount())]
    assert headers[:4] == ["网格", "服务小区", "网格员", "电话"]
    trio = duty.trios(db)[0]
    shown = [model.index(0, c).data() for c in range(model.columnCount())]
    assert trio.police.name in shown and trio.police.phone in shown


def test_the_roster_says_a_clash_in_red(page):
    page.tabs.setCurrentWidget(page.roster)
    roster = page.roster
    assert roster.model.rowCount() > 0
    assert roster.clashes.isVisible() and "两处" in roster.clashes.text()
    tip = roster.model.columnCount() - 1
    flagged = [r for r in range(roster.model.rowCount())
               if roster.model.index(r, tip).data()]
    assert flagged
    colour = roster.model.index(flagged[0], tip).data(Qt.ItemDataRole.ForegroundRole)
    assert colour.name() == "#b71c1c"
    roster.move(7)                                           # next week: nothing planned yet
    assert roster.model.rowCount() == 0 and not roster.clashes.isVisible()


def test_enter_on_a_shift_opens_its_swap_form(qtbot, page):
    page.tabs.setCurrentWidget(page.roster)
    table = page.roster.table
    table.setFocus()
    table.setCurrentIndex(page.roster.model.index(0, 0))
    seen: list = []

    def grab() -> None:
        modal = QApplication.activeModalWidget()
        if modal is None:
            QTimer.singleShot(20, grab)
            return
        seen.append(type(modal))
        modal.reject()
    QTimer.singleShot(20, grab)
    QTest.keyClick(table, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: len(seen) == 1)
    assert seen == [SwapDialog]


def test_low_stock_is_counted_and_an_issue_beyond_stock_is_refused_under_its_field(page, db):
    page.tabs.setCurrentWidget(page.supplies)
    supplies = page.supplies
    low = [s for s in readiness.supplies(db) if s.low]
    assert f"{len(low)} 项库存不足" in supplies.summary.text()
    item = next(s for s in readiness.supplies(db) if s.stock > 0)
    dialog = MoveDialog(db, item, "out", page)
    dialog.field("quantity").setText(str(item.stock + 1))
    dialog.field("party").setText("卡口值守人员")
    dialog.field("reason").setText("值守")
    dialog._try_save()
    assert f"库存只有{item.stock}" in dialog.error_text("quantity")
    assert dialog.field("quantity").text() == str(item.stock + 1)       # what was typed stays
    assert next(s for s in readiness.supplies(db) if s.id == item.id).stock == item.stock
    dialog.field("quantity").setText("1")
    dialog._try_save()
    supplies.reload()
    assert next(s for s in readiness.supplies(db) if s.id == item.id).stock == item.stock - 1


def test_at_the_district_every_tab_has_the_community_column_and_nothing_to_write(
        qtbot, tmp_path):
    from app.demo import build_demo_district

    path = tmp_path / "d" / "中原区.sqlite"
    path.parent.mkdir()
    build_demo_district(path, communities=2, residents=60, accounts=False)
    db = open_community_db(path)
    accounts.create_demo_district_accounts(db, [])
    accounts.forget_all()
    accounts.sign_in(db, "admin", accounts.DEMO_PASSWORD)
    try:
        page = DutyPage(db)
        qtbot.addWidget(page)
        page.show()
        assert page.community_filter is not None
        for i in range(page.tabs.count()):
            page.tabs.setCurrentIndex(i)
            tab = page.tabs.currentWidget()
            assert tab.model.headerData(0, Qt.Orientation.Horizontal) == "社区"
            assert tab.model.rowCount() > 0, page.tabs.tabText(i)
            names = {tab.model.index(r, 0).data() for r in range(tab.model.rowCount())}
            assert "" not in names
        assert not page.roster.add.isEnabled() and "区里只能查看" in page.roster.add.toolTip()
        # Printed at the district, each grid's notice names (and is sealed by) its own
        # community, never the district; the phone list names each grid's community.
        import subprocess

        from app import community_scope
        from app.duty import printing

        names = community_scope.names(db)
        pdf = tmp_path / "trio.pdf"
        pdf.write_bytes(printing.trio_pdf(db))
        text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True,
                              text=True, check=True).stdout
        pages = text.split("\f")
        notices = [t for t in pages if "三人小组公示" in t]
        assert len(notices) == len(duty.trios(db))
        for name in names.values():
            assert any(f"{name}居民委员会（盖章）" in t for t in notices), name
        assert "中原区居民委员会" not in text and "中原区 " not in "".join(notices)
        one = next(iter(names))
        pdf.write_bytes(printing.trio_pdf(db, communities={one}, notices=False))
        listed = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True,
                                text=True, check=True).stdout
        assert names[one] in listed
        assert all(n not in listed for c, n in names.items() if c != one)
    finally:
        accounts.sign_out(db)
        db.conn.close()


def test_ctrl_p_on_the_trio_tab_previews_the_notices(qtbot, page, monkeypatch):
    import ui.widgets.print_preview as pp

    opened: list = []
    monkeypatch.setattr(pp.PrintPreviewDialog, "open", lambda self: opened.append(self))
    page.tabs.setCurrentWidget(page.trio)
    page.print_current()
    assert len(opened) == 1 and opened[0].pages == len(page.trio.model.rows) + 1
    opened[0].done(0)                                        # releases the PDF


def test_a_role_without_reveal_sees_phones_masked(qtbot, db):
    accounts.create_demo_accounts(db)
    accounts.forget_all()
    accounts.sign_in(db, "quji", accounts.DEMO_PASSWORD)
    try:
        page = DutyPage(db)
        qtbot.addWidget(page)
        page.show()
        page.tabs.setCurrentWidget(page.roster)
        phones = {page.roster.model.index(r, 4).data()
                  for r in range(page.roster.model.rowCount())}
        assert phones and all("****" in p for p in phones if p)
    finally:
        accounts.sign_out(db)


def test_names_at_the_gate_only_once_the_office_switched_registration_on(qtbot, page, db,
                                                                          monkeypatch):
    """卡口 › 进出人员登记: refused with who switches it on while registration is off; once on,
    a name saved (a bad phone said under its field first, what was typed kept)."""
    from PySide6.QtWidgets import QMessageBox

    tab = page.checkpoints
    page.tabs.setCurrentWidget(tab)
    tab.table.selectRow(0)
    cp = tab.current()
    said = []
    monkeypatch.setattr(QMessageBox, "information", lambda *a: said.append(a[2]))
    assert not cp["registration"] and tab.register_entry() is None
    assert "没有开启人员登记" in said[0] and "开启人员登记" in said[0]
    tab.registration.click()                                  # the office switches it on
    assert tab.current()["id"] == cp["id"] and tab.current()["registration"]
    dialog = tab.register_entry()
    assert dialog is not None and "还没有人员登记" in dialog.recent.text()
    dialog.field("name").setText("赵六")
    dialog.field("phone").setText("1380000")
    dialog._try_save()
    assert dialog.error_text("phone") and dialog.field("name").text() == "赵六"
    assert readiness.entries(db, cp["id"]) == []
    dialog.field("phone").setText("13800001234")
    dialog._try_save()
    [entry] = readiness.entries(db, cp["id"])
    assert entry["name"] == "赵六" and entry["phone"] == "13800001234"
    assert "赵六" in tab.register_entry().recent.text()


def test_the_roster_filters_to_one_checkpoint(page, db):
    tab = page.roster
    page.tabs.setCurrentWidget(tab)
    everything = tab.model.rowCount()
    cp = readiness.checkpoints(db)[0]
    tab.place.setCurrentIndex(tab.place.findText(f"卡口：{cp['name']}"))
    shown = [tab.model.row_data(r) for r in range(tab.model.rowCount())]
    assert shown and len(shown) < everything
    assert {s.checkpoint_id for s in shown} == {cp["id"]}


def test_a_checkpoints_nine_haves_inspection_from_its_tab(page, db, monkeypatch):
    """卡口 › 九个有检查 opens the inspection on that checkpoint; the list shows its latest."""
    from app import inspections
    from ui.inspections import tabs as inspection_tabs

    tab = page.checkpoints
    page.tabs.setCurrentWidget(tab)
    tab.table.selectRow(0)
    cp = tab.current()
    column = next(c for c in range(tab.model.columnCount())
                  if tab.model.headerData(c, Qt.Orientation.Horizontal) == "最近九个有检查")
    assert tab.model.index(0, column).data() == "未检查"
    opened = []
    monkeypatch.setattr(inspection_tabs, "open_inspection",
                        lambda _p, _db, subject, _done: opened.append(subject))
    tab.inspect_button.click()
    assert opened == [("checkpoint", cp["id"], cp["name"])]
    data = inspections.new_input(db, "九个有（卡口）", "checkpoint", cp["id"], cp["name"])
    data.inspectors, data.answers = "社区书记", ["yes"] * len(data.items)
    inspections.record(db, data)
    tab.reload()
    assert tab.model.index(0, column).data() == f"{inspections.today_text()} 合格"
