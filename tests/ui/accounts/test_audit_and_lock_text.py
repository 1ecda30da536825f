"""The 审计 page read by an office worker (words and names, no ids, nothing cut off) and the
lock cover saying why the window is locked."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel

from app import accounts, registry
from ui.main_window import MainWindow

UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


@pytest.fixture
def office(community):
    accounts.create_first_admin(community, "admin", "王秀英", "secret12", "secret12")
    yield community
    accounts.forget_all()


def _window(qtbot, db) -> MainWindow:
    accounts.sign_out(db)
    session = accounts.sign_in(db, "admin", "secret12")
    path = Path(db.conn.execute("PRAGMA database_list").fetchone()[2])
    window = MainWindow(db, path, session)
    qtbot.addWidget(window)
    window.resize(1280, 800)
    window.show()
    return window


def test_audit_page_shows_words_names_and_the_full_content(qtbot, office):
    long_note = "已走访，" + "家中老人行动不便需要上门服务，" * 8 + "完"
    registry.edit_resident(office, office.ids["张三"], {"note": long_note})
    window = _window(qtbot, office)
    window.pages.setCurrentWidget(window.audit_page)
    page = window.audit_page
    page.reload()
    model, view = page.model, page.view
    cells = [str(model.index(r, c).data()) for r in range(model.rowCount())
             for c in range(model.columnCount()) if not view.isColumnHidden(c)]
    assert not any(UUID.search(text) for text in cells)
    headers = [model.headerData(c, Qt.Orientation.Horizontal) for c in range(model.columnCount())]
    assert "记录编号" not in headers
    who = headers.index("操作人")
    edited = next(r for r in range(model.rowCount()) if model.index(r, 3).data() == "修改")
    assert model.index(edited, who).data() == "王秀英"
    assert page.actor.findText("王秀英") > 0 and page.actor.findText("admin") < 0
    # The 内容 cell is one line; the whole text is in its tooltip and in the pane below.
    detail = headers.index("内容")
    assert "完" in model.index(edited, detail).data(Qt.ItemDataRole.ToolTipRole)
    view.selectRow(edited)
    pane = page.findChild(QLabel, "auditDetail")
    assert pane.isVisible() and long_note in pane.text() and "王秀英" in pane.text()
    # No header cut at 1280×800.
    header = view.horizontalHeader()
    metrics = header.fontMetrics()
    for c, text in enumerate(headers):
        assert header.sectionSize(c) >= metrics.horizontalAdvance(text) + 8, text


def test_lock_text_says_whether_locked_by_hand_or_by_idle_time(qtbot, office):
    accounts.set_setting(office, "idle_lock_minutes", 5)
    window = _window(qtbot, office)
    window.lock_now()
    by_hand = window.idle_lock.overlays[0]
    title = by_hand.findChild(QLabel, "lockTitle").text()
    reason = by_hand.findChild(QLabel, "lockReason").text()
    assert title == "已锁定" and "离开" not in reason and "没有操作" not in reason
    window.idle_lock.unlock("secret12")
    window.idle_lock.timer.timeout.emit()
    causes = [r[0] for r in office.conn.execute(
        "SELECT action FROM audit_log WHERE action IN ('lock', 'idle_lock') ORDER BY seq")]
    assert causes == ["lock", "idle_lock"]        # the 审计 page says 手动锁定, 闲置锁定
    idle = window.idle_lock.overlays[0]
    assert idle.findChild(QLabel, "lockTitle").text() == "已自动锁定（闲置 5 分钟）"
    assert "5 分钟没有操作" in idle.findChild(QLabel, "lockReason").text()
