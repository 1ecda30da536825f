"""The 同步 page says when this computer's clock looks wrong."""

import time

from app import registry
from tests.ui.sync import test_sync_page as base
from ui.events import AppEvents
from ui.sync.page import SyncPage

pair = base.pair    # the fixture: a district and one community office

YEAR_MS = 365 * 24 * 3600 * 1000


def test_a_clock_set_back_after_edits_is_shown_on_the_page(qtbot, pair, tmp_path,
                                                           monkeypatch):
    district, community = pair
    base.enroll(district, community, tmp_path / "enroll")
    page = SyncPage(community, tmp_path / "410102007003.sqlite", AppEvents())
    qtbot.addWidget(page)
    assert "本机时钟" not in page.state.text()
    clock = community._griddesk.clock
    # edits made while the computer's clock ran a year ahead, then the clock is set right
    monkeypatch.setattr(clock, "_wall", lambda: time.time_ns() // 1_000_000 + YEAR_MS)
    registry.edit_resident(community, community.ids["张三"], {"phone": "13912345678"})
    monkeypatch.setattr(clock, "_wall", lambda: time.time_ns() // 1_000_000)
    page.refresh()
    assert "本机时钟比本机已记录的修改时间慢了约 365 天" in page.state.text()
    assert "请核对本机的日期和时间" in page.state.text()
