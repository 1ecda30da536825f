"""The 政策设置 dialog under a district policy: at the district it sets the policy and what
communities may adjust; at a community it shows each value's source and locks, with the
reason, what the district does not allow."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QDialogButtonBox

from tests.app.sync.test_sync import send, world  # noqa: F401
from ui.isolation.dialogs import SettingsDialog


@pytest.fixture
def offices(request):
    """A district and two communities enrolled by files (test_sync's `world`)."""
    return request.getfixturevalue("world")


def save(qtbot, dialog):
    dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).click()


def test_district_sets_policy_and_community_sees_sources_and_locks(offices, qtbot, tmp_path):
    district, a, b, _ = offices
    at_district = SettingsDialog(district)
    qtbot.addWidget(at_district)
    assert at_district.windowTitle() == "全区隔离政策设置"
    assert "全区所有社区" in at_district.intro.text()
    at_district.field("home_isolation.days").setValue(10)
    at_district.field("home_isolation.test_days").setText("1 5 10")
    at_district.rules["days_open"].setChecked(True)
    at_district.rules["deadlines_open"].setChecked(False)
    save(qtbot, at_district)
    assert at_district.result() == at_district.DialogCode.Accepted
    send(district, a, tmp_path / "a")

    dialog = SettingsDialog(a)
    qtbot.addWidget(dialog)
    assert "区里统一的隔离政策" in dialog.intro.text()
    days = dialog.field("home_isolation.days")
    assert days.value() == 10 and days.isEnabled()
    longer = "可以延长，不能短于区里的 10 天"
    assert dialog.sources["home_isolation.days"].text() == f"区里统一 · {longer}"
    tests = dialog.field("home_isolation.test_days")
    assert not tests.isEnabled()
    assert "区里统一规定了核酸检测日，社区不能修改" in dialog.sources[
        "home_isolation.test_days"].text()
    assert not dialog.field("pm_deadline").isEnabled()
    days.setValue(5)                                        # shorter: refused, with why
    save(qtbot, dialog)
    assert "只能延长，不能缩短" in dialog.error_text("home_isolation.days")
    days.setValue(14)
    save(qtbot, dialog)
    assert dialog.result() == dialog.DialogCode.Accepted
    again = SettingsDialog(a)
    qtbot.addWidget(again)
    assert again.field("home_isolation.days").value() == 14
    assert again.sources["home_isolation.days"].text() == f"本社区调整 · {longer}"

    not_synced = SettingsDialog(b)
    qtbot.addWidget(not_synced)
    assert "还没有收到区里统一的隔离政策" in not_synced.intro.text()
    assert not_synced.sources == {} and not_synced.field("pm_deadline").isEnabled()
    assert not_synced.field("home_isolation.days").value() == 7
