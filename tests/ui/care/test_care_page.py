"""The 关爱走访 page offscreen on a small demo community (a month of visits made by the demo):
the board with overdue people in red, filters, a round of visits by keyboard with 保存并录入下一位,
a moved-away person's care ended from the visit form, needs referred, and the counts."""

from __future__ import annotations

import shutil
from datetime import date

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from app import care, pairing, registry
from app.database import open_community_db
from app.demo import build_demo
from ui.care.dialogs import VisitDialog
from ui.care.page import CarePage
from ui.events import AppEvents

TODAY = date.today()     # the demo's visits are laid out up to the real today


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    path = tmp_path_factory.mktemp("care") / "demo.sqlite"
    build_demo(path, residents=500, isolation_cases=False)
    return path


@pytest.fixture
def db(built, tmp_path):
    path = tmp_path / "c.sqlite"
    shutil.copy(built, path)
    db = open_community_db(path)
    yield db
    db.conn.close()


@pytest.fixture
def page(qtbot, db):
    page = CarePage(db, AppEvents())
    qtbot.addWidget(page)
    page.resize(1280, 760)
    page.show()
    qtbot.waitExposed(page)
    return page


def cell(page, row, header):
    model = page.board_model
    col = [c.header for c in model.columns()].index(header)
    index = model.index(row, col)
    return model.data(index), model.data(index, Qt.ItemDataRole.BackgroundRole)


def test_the_board_opens_on_todays_round_with_overdue_in_red(page):
    counts = page.current_board.counts()
    assert counts["overdue"] > 0 and counts["done"] > 0        # the demo's month
    assert page.chip_buttons["overdue"].text() == f"逾期未访 {counts['overdue']}"
    todo = counts["overdue"] + counts["absent"] + counts["due"]
    assert page.board_model.total() == todo
    text, background = cell(page, 0, "状态")
    assert text.startswith("逾期未访") and background.name() == "#fdecea"
    assert "逾期未访" in page.summary.text() or str(counts["overdue"]) in page.summary.text()
    page.set_filter("done")
    assert page.board_model.total() == counts["done"]
    assert cell(page, 0, "状态")[0] == "今日已访"


def test_filters_by_grid_and_tag(page):
    everyone = page.current_board.counts()["all"]
    page.set_filter("all")
    page.tag_box.setCurrentIndex(page.tag_box.findData("独居老人"))
    rows = [page.board_model.row_data(i) for i in range(page.board_model.rowCount())]
    assert rows and all("独居老人" in r["tags"] for r in rows)
    assert page.board_model.total() < everyone
    page.tag_box.setCurrentIndex(0)
    page.grid_box.setCurrentIndex(1)
    grid = page.grid_box.currentData()
    rows = [page.board_model.row_data(i) for i in range(page.board_model.rowCount())]
    assert rows and {r["grid_id"] for r in rows} == {grid}


def test_a_round_of_visits_by_keyboard(qtbot, page, db):
    page.board_view.setFocus()
    page.board_view.selectRow(0)
    first = page.selected_id()
    QTest.keyClick(page.board_view, Qt.Key.Key_Return)          # Enter opens 走访记录
    dialog = QApplication.activeModalWidget() or page.findChild(VisitDialog)
    assert isinstance(dialog, VisitDialog) and dialog.row["id"] == first
    dialog.needs.boxes["repair"].setChecked(True)
    dialog.field("note").setText("厨房水管漏水")
    overdue_before = page.current_board.counts()["overdue"]
    qtbot.mouseClick(dialog.next_button, Qt.MouseButton.LeftButton)
    # The row shows 今日已访 in place, the counts moved, the next person's form is open.
    assert page.board_model.row_data(0)["status"] == "done"
    assert cell(page, 0, "状态")[0] == "今日已访"
    assert page.current_board.counts()["overdue"] == overdue_before - 1
    nxt = [w for w in QApplication.topLevelWidgets()
           if isinstance(w, VisitDialog) and w.isVisible()]
    assert len(nxt) == 1 and nxt[0].row["id"] != first
    assert page.selected_id() == nxt[0].row["id"]
    QTest.keyClick(nxt[0], Qt.Key.Key_Escape)                       # Esc closes it unsaved
    assert not nxt[0].isVisible()
    need = [n for n in care.needs(db) if n["resident_id"] == first]
    assert [n["kind"] for n in need] == ["repair"]
    # F5 reads the board again: the person visited today is no longer to visit.
    page.reload()
    assert page.board_model.row_of(first) == -1


def test_a_paired_members_visit_shows_in_the_pairing_log(qtbot, page, db):
    page.set_filter("all")
    for i in range(page.board_model.rowCount()):
        row = page.board_model.row_data(i)
        if row["member_id"]:
            break
    page.board_view.selectRow(i)
    told = []
    page.events.pairings_changed.connect(lambda: told.append(page.board_model.total()))
    dialog = page.record_visit()
    dialog.field("visitor").setCurrentIndex(dialog.field("visitor").findData("member"))
    dialog.field("method").setCurrentIndex(dialog.field("method").findData("phone"))
    dialog.activateWindow()
    qtbot.waitUntil(dialog.isActiveWindow)                 # shortcuts go to the active window
    QTest.keyClick(dialog, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)  # Ctrl+S
    assert not dialog.isVisible()
    contacts = pairing.contacts_for_household(db, row["household_id"])
    assert contacts[0].contact_on == TODAY and contacts[0].kind == "phone"
    assert "关爱走访" in (contacts[0].note or "")
    assert "电话问候" in page.detail.toPlainText()
    assert told == [page.board_model.total()]       # the pairing page told; the board kept


def test_a_visit_for_someone_who_moved_away_ends_their_care(qtbot, page, db):
    page.board_view.selectRow(0)
    row = page.selected_row()
    registry.delete_resident(db, row["id"])          # moved away since the board was read
    dialog = page.record_visit()
    asked = []
    dialog.ask_end = lambda _parent, exc: asked.append(exc.message) or True
    dialog._try_save()
    assert asked and "已迁出" in asked[0]
    assert care.schedule(db, row["id"])["end_reason"] == "moved_away"
    assert page.board_model.row_of(row["id"]) == -1
    assert db.conn.execute("SELECT count(*) FROM care_visits WHERE resident_id = ? AND "
                           "visited_on = ?", (row["id"], TODAY.isoformat())).fetchone()[0] == 0


def test_needs_are_referred_and_counted_by_month(qtbot, page, db):
    someone = page.current_board.ids()[0]
    care.record_visit(db, someone, method="visit", wellbeing="poor", needs=["medical"])
    page.tabs.setCurrentIndex(1)
    assert page.needs_model.rowCount() > 0
    this_month = page.counts_model.rows[0]
    assert this_month["medical"] >= 1
    months = [page.counts_model.rows[i]["month"] for i in range(page.counts_model.rowCount())]
    assert months[0] == TODAY.strftime("%Y-%m") and len(months) == 6     # newest first
    open_row = next(i for i, n in enumerate(page.needs_model.rows) if n["status"] == "open")
    page.needs_view.selectRow(open_row)
    need = page.selected_need()
    assert page.need_buttons["refer"].isEnabled()
    dialog = page.refer_need()
    dialog.field("referred_to").setEditText("残联")
    dialog._try_save()
    done = {n["id"]: n for n in care.needs(db)}[need["id"]]
    assert (done["status"], done["referred_to"]) == ("referred", "残联")


def test_the_page_fits_1024_by_768(qtbot, page):
    page.resize(1024, 700)
    QApplication.processEvents()
    assert page.buttons["visit"].isVisible()
    assert page.buttons["visit"].geometry().right() <= page.width()


def test_each_persons_category_stands_beside_their_name(page, db):
    """五色管理: the board's 类别 column is the person's category, on its colour."""
    from app import categories

    model = page.board_model
    assert model.rowCount() > 0
    headers = [c.header for c in model.columns()]
    assert headers.index("类别") == headers.index("姓名") + 1
    ids = [model.id_at(r) for r in range(min(model.rowCount(), 50))]
    expected = categories.of(db, ids)
    assert expected, "no category among the board's first people"
    for row, rid in enumerate(ids):
        shown, _ = cell(page, row, "类别")
        assert shown == (expected[rid].name if rid in expected else "")
