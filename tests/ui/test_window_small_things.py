"""Small things an office worker notices: the 楼栋住户 tree keeps its width while results
change (and the splitter remembers its place), the community name stays in the status bar,
the pairing page speaks plainly."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QCoreApplication, QSettings, Qt
from PySide6.QtGui import QStatusTipEvent
from PySide6.QtWidgets import QAbstractButton, QApplication, QLabel, QSplitter, QTableView

from ui.main_window import MainWindow


@pytest.fixture
def settings_file(tmp_path, monkeypatch):
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(tmp_path))
    yield tmp_path


def _window(qtbot, community, tmp_path) -> MainWindow:
    win = MainWindow(community, tmp_path / "community.sqlite")
    qtbot.addWidget(win)
    win.resize(1280, 800)
    win.show()
    qtbot.waitExposed(win)
    return win


def test_registry_tree_keeps_its_width_while_search_fills_the_results(
        qtbot, community, tmp_path, settings_file):
    win = _window(qtbot, community, tmp_path)
    page = win.registry_page
    splitter = page.findChild(QSplitter, "registrySplitter")
    before = page.tree.width()
    for text in ("zs", "锦绣花园 3号楼2单元501 找不到的一段很长很长很长很长的文字" * 2, "张"):
        page.search.setText(text)
        page.run_search()
        QApplication.processEvents()
        assert page.tree.width() == before, text
    # Moved by hand, the splitter is where it was left at the next start.
    splitter.setSizes([400, 800])
    splitter.splitterMoved.emit(400, 1)
    left = splitter.sizes()[0]
    win.close()
    again = _window(qtbot, community, tmp_path)
    assert again.registry_page.findChild(QSplitter, "registrySplitter").sizes()[0] == left


def test_status_bar_keeps_the_community_name_after_a_menu_hint(qtbot, community, tmp_path):
    win = _window(qtbot, community, tmp_path)
    name = win.findChild(QLabel, "communityLabel")
    assert name is not None and name.isVisible() and name.text().strip()
    text = name.text()
    bar = win.statusBar()
    bar.showMessage("导出当前列表")
    bar.clearMessage()
    QCoreApplication.sendEvent(win, QStatusTipEvent("导入居民台账"))
    QCoreApplication.sendEvent(win, QStatusTipEvent(""))
    assert name.isVisible() and name.text() == text


def test_pairing_page_has_no_jargon(qtbot, community, tmp_path):
    win = _window(qtbot, community, tmp_path)
    page = win.party_page
    texts = [w.text() for w in page.findChildren(QLabel)]
    texts += [b.text() for b in page.findChildren(QAbstractButton)]
    for view in page.findChildren(QTableView):
        model = view.model()
        texts += [str(model.headerData(c, Qt.Orientation.Horizontal))
                  for c in range(model.columnCount())]
    assert texts and not any("种子" in t for t in texts)
