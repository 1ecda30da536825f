"""The window at the office's screens: the 今日 board shows every column at 1280 × 800 and no
button's text is cut at 1024 × 768, on every page of a demo community as its administrator
sees it (审计 and 账户 included)."""

from __future__ import annotations

import shutil
from contextlib import contextmanager

import pytest
from PySide6.QtWidgets import QAbstractButton, QApplication

from app import accounts
from app.database import open_community_db
from app.demo import build_demo, build_demo_district
from ui.main_window import MainWindow


@pytest.fixture(scope="module")
def demo_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("sizes") / "demo.sqlite"
    build_demo(path, residents=300)
    db = open_community_db(path)
    accounts.create_demo_accounts(db)   # as `griddesk demo` makes it: 审计 and 账户 too
    db.close()
    return path


@pytest.fixture
def window(qtbot, demo_file, tmp_path):
    path = tmp_path / "demo.sqlite"
    shutil.copy(demo_file, path)
    with _administrators_window(qtbot, path) as win:
        yield win


@contextmanager
def _administrators_window(qtbot, path):
    """The window on a demo file, signed in as the demo's administrator."""
    db = open_community_db(path)
    accounts.sign_in(db, "admin", accounts.DEMO_PASSWORD)
    win = MainWindow(db, path)
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    yield win
    win.close()
    db.close()


def _show(window, qtbot, title: str, width: int, height: int) -> None:
    window.resize(width, height)
    window.go_to(title)
    qtbot.waitUntil(lambda: window.width() == width)
    QApplication.processEvents()


def test_the_board_shows_every_column_at_1280_by_800(window, qtbot):
    _show(window, qtbot, "居家隔离", 1280, 800)
    board = window.isolation_page.board_view
    assert board.model().rowCount() > 0
    qtbot.waitUntil(lambda: board.viewport().width() > 0)
    assert board.horizontalScrollBar().maximum() == 0, "the 今日 board scrolls sideways"


def test_no_button_text_is_cut_at_1024_by_768(window, qtbot):
    for i in range(window.nav.count()):
        title = window.nav.item(i).text()
        _show(window, qtbot, title, 1024, 768)
        page = window.pages.currentWidget()
        for button in page.findChildren(QAbstractButton):
            if not button.isVisibleTo(page) or not button.text():
                continue
            assert button.width() >= button.sizeHint().width(), (title, button.text())


def _mnemonic(text: str) -> str | None:
    i = text.replace("&&", "").find("&")
    return text.replace("&&", "")[i + 1].upper() if i >= 0 else None


def test_every_button_has_its_own_alt_letter(window, qtbot):
    """Alt + a letter presses each button of a page (the board's filter chips excepted:
    they are toggled with the mouse or Tab); no letter is taken twice on a page or by the
    menus, where Qt would press neither."""
    _check_alt_letters(window)


def test_every_button_at_the_district_has_its_own_alt_letter(qtbot, tmp_path):
    """The same at a district, whose pages have buttons of their own (enrolment, lists from
    above, people registered twice), as its administrator sees it."""
    path = tmp_path / "中原区.sqlite"
    build_demo_district(path, communities=2, residents=200, streets=2)
    with _administrators_window(qtbot, path) as win:
        _check_alt_letters(win)


def _check_alt_letters(window) -> None:
    from PySide6.QtWidgets import QToolButton

    menus = {_mnemonic(a.text()) for a in window.menuBar().actions()} - {None}
    for i in range(window.nav.count()):
        title = window.nav.item(i).text()
        window.nav.setCurrentRow(i)
        QApplication.processEvents()
        page = window.pages.currentWidget()
        letters: dict[str, str] = {}
        for button in page.findChildren(QAbstractButton):
            if not button.isVisibleTo(page) or not button.text().strip() \
                    or (isinstance(button, QToolButton) and button.isCheckable()):
                continue
            letter = _mnemonic(button.text())
            assert letter, (title, button.text())
            assert letter not in menus, (title, button.text())
            assert letter not in letters, (title, button.text(), letters[letter])
            letters[letter] = button.text()


def test_every_page_is_in_sight_in_the_navigation_at_768_px(window, qtbot):
    _show(window, qtbot, "概览", 1024, 768)
    assert window.nav.count() >= 12
    assert window.nav.verticalScrollBar().maximum() == 0, "the page list scrolls"
