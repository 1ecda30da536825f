"""The keyboard (issue 20, item 3): Ctrl+F / Ctrl+N / Ctrl+P / F5 on the page shown, Enter
and Ctrl+S save a form, Enter opens a list's row, the 帮助 menu, shortcuts named in tooltips."""

from __future__ import annotations

import shutil

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QMessageBox, QPushButton

from app import accounts, registry
from app.database import open_community_db
from app.demo import build_demo_district
from ui.help import AboutDialog, ShortcutsDialog, app_version
from ui.main_window import MainWindow
from ui.registry.dialogs import HouseholdDialog
from ui.widgets.form import FormDialog

CTRL = Qt.KeyboardModifier.ControlModifier


@pytest.fixture
def window(qtbot, community, tmp_path):
    win = MainWindow(community, tmp_path / "community.sqlite")
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    win.activateWindow()
    qtbot.waitUntil(win.isActiveWindow)                     # shortcuts go to the active window
    return win


def _when_modal(qtbot, seen: list) -> None:
    """Record the modal dialog a blocking exec() opens, then close it."""
    def grab() -> None:
        modal = QApplication.activeModalWidget()
        if modal is None:
            QTimer.singleShot(20, grab)
            return
        seen.append((type(modal), modal.windowTitle(), getattr(modal, "text", str)()))
        modal.reject()
    QTimer.singleShot(20, grab)


def test_ctrl_f_puts_the_cursor_in_the_registry_search_box(qtbot, window):
    window.go_to("楼栋住户")
    page = window.registry_page
    page.tree.setFocus()
    page.search.blockSignals(True)                          # no search runs: only the text
    page.search.setText("zs")
    page.search.blockSignals(False)
    QTest.keyClick(window, Qt.Key.Key_F, CTRL)
    assert window.focusWidget() is page.search
    assert page.search.selectedText() == "zs"          # typing replaces the last search


def test_ctrl_n_on_the_registry_opens_the_new_household_form(qtbot, window):
    window.go_to("楼栋住户")
    seen: list = []
    _when_modal(qtbot, seen)
    QTest.keyClick(window, Qt.Key.Key_N, CTRL)
    assert len(seen) == 1 and seen[0][0] is HouseholdDialog
    assert seen[0][1].startswith("新增")


def test_ctrl_n_says_why_when_the_role_cannot(qtbot, tmp_path_factory, tmp_path):
    built = tmp_path_factory.mktemp("district") / "中原区.sqlite"
    build_demo_district(built, communities=2, residents=40, accounts=False)
    path = tmp_path / "中原区.sqlite"
    shutil.copy(built, path)
    db = open_community_db(path)
    try:
        session = accounts.create_first_admin(db, "quadmin", "张卫东", "secret12", "secret12")
        win = MainWindow(db, path, session)
        qtbot.addWidget(win)
        win.show()
        qtbot.waitExposed(win)
        win.go_to("楼栋住户")
        seen: list = []
        _when_modal(qtbot, seen)
        win.page_call("new_item")
        assert len(seen) == 1 and seen[0][0] is QMessageBox
        assert "区里只能查看" in seen[0][2]                 # the reason, not a form
        win.close()
    finally:
        accounts.forget_all()
        db.conn.close()


def test_f5_reloads_the_page_shown(qtbot, window, community):
    window.go_to("楼栋住户")
    page = window.registry_page
    before = page.tree_model.rowCount()
    registry.add_grid(community, "第三网格")                # written elsewhere, no signal
    QTest.keyClick(window, Qt.Key.Key_F5)
    assert page.tree_model.rowCount() == before + 1


def test_page_actions_sit_in_a_menu_with_their_keys_and_follow_the_page(window):
    actions = window.page_actions
    assert {a.shortcut().toString() for a in actions.values()} == {
        "Ctrl+F", "Ctrl+N", "Ctrl+P", "F5"}
    window.go_to("楼栋住户")
    assert not actions["print_current"].isEnabled()         # nothing to print here
    window.go_to("居家隔离")
    assert actions["print_current"].isEnabled() and actions["focus_search"].isEnabled()
    window.go_to("党员联户")
    assert not actions["focus_search"].isEnabled()
    assert actions["new_item"].isEnabled()


def test_ctrl_f_on_isolation_opens_the_records_and_their_search(qtbot, window):
    window.go_to("居家隔离")
    page = window.isolation_page
    QTest.keyClick(window, Qt.Key.Key_F, CTRL)
    assert page.tabs.currentIndex() == 1
    assert window.focusWidget() is page.search


class _Form(FormDialog):
    def __init__(self) -> None:
        super().__init__("测试表单")
        self.name = self.line("name", "姓名")
        self.saved: list[str] = []

    def save(self) -> str:
        self.saved.append(self.value("name"))
        return "id1"


@pytest.mark.parametrize("key, modifier", [(Qt.Key.Key_Return, Qt.KeyboardModifier.NoModifier),
                                           (Qt.Key.Key_S, CTRL)])
def test_enter_or_ctrl_s_in_a_form_saves(qtbot, key, modifier):
    form = _Form()
    qtbot.addWidget(form)
    form.show()
    qtbot.waitExposed(form)
    form.activateWindow()
    qtbot.waitUntil(form.isActiveWindow)
    form.name.setFocus()
    form.name.setText("王秀英")
    QTest.keyClick(form.name, key, modifier)
    assert form.saved == ["王秀英"]
    assert form.result() == FormDialog.DialogCode.Accepted
    assert form.save_button.isDefault()
    assert "&S" in form.save_button.text()                  # Alt+S


def test_enter_on_a_list_opens_the_row(qtbot, window):
    window.go_to("楼栋住户")
    page = window.registry_page
    opened: list = []
    page.household_view.doubleClicked.disconnect()          # not the edit form: just record
    page.household_view.doubleClicked.connect(lambda index: opened.append(index.row()))
    page.show_scope(None, None)
    page.household_view.setFocus()
    page.household_view.setCurrentIndex(page.households.index(1, 0))
    QTest.keyClick(page.household_view, Qt.Key.Key_Return)
    assert opened == [1]


def test_help_menu_lists_the_shortcuts_and_the_data_folder(qtbot, window, tmp_path):
    menu = window.findChild(type(window.menuBar().actions()[0].menu()), "helpMenu")
    assert [a.text() for a in menu.actions()] == ["快捷键(&K)…", "关于(&A)…"]
    dialog = window.show_shortcuts()
    assert isinstance(dialog, ShortcutsDialog)
    keys = dialog.keys()
    for wanted in ("Ctrl+F", "Ctrl+N", "Ctrl+P", "F5", "Esc", "Ctrl+S 或回车"):
        assert wanted in keys
    dialog.close()
    about = window.show_about()
    assert isinstance(about, AboutDialog)
    assert app_version() in about.version_label.text() and app_version() != "未知"
    assert str(tmp_path.resolve()) in about.folder_label.text()
    assert about.folder == tmp_path.resolve()
    about.close()


def test_tooltips_name_the_shortcuts(window):
    assert "Ctrl+N" in window.registry_page.b_add_household.toolTip()
    assert "Ctrl+F" in window.registry_page.search.toolTip()
    assert "Ctrl+N" in window.isolation_page.register_button.toolTip()
    assert "Ctrl+P" in window.isolation_page.buttons["print"].toolTip()
    party = window.party_page
    assert "Ctrl+N" in party.findChild(QPushButton, "addMember").toolTip()
    assert "Ctrl+P" in party.findChild(QPushButton, "printNotices").toolTip()


def test_alt_letters_press_the_page_buttons(qtbot, window):
    window.go_to("楼栋住户")
    seen: list = []
    _when_modal(qtbot, seen)
    QTest.keyClick(window, Qt.Key.Key_N, Qt.KeyboardModifier.AltModifier)   # 新增住户(N)
    qtbot.waitUntil(lambda: len(seen) == 1)                 # a mnemonic animates the click
    assert seen[0][0] is HouseholdDialog


@pytest.mark.parametrize("title", ["楼栋住户", "居家隔离", "党员联户"])
def test_each_visible_button_has_its_own_alt_letter(window, title):
    window.go_to(title)
    letters: dict[str, str] = {}
    for button in window.pages.currentWidget().findChildren(QPushButton):
        if not button.isVisible() or not button.text() or "&" not in button.text():
            continue
        letter = button.text().split("&", 1)[1][0].upper()
        assert letter not in letters, (button.text(), letters[letter])
        assert letter not in "LAOH"                         # the menus' letters
        letters[letter] = button.text()
    assert len(letters) >= 3
