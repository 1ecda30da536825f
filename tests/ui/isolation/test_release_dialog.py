"""The 解除 dialog of a case still missing its 核酸 results: the button says what it will do,
the missing list shows once, each result is entered in place, and then the case is released."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import QDialogButtonBox

from app import isolation
from tests.ui.isolation import test_isolation_page as base
from tests.ui.isolation.test_isolation_page import DAY, register

office, page = base.office, base.page     # the page's fixtures: a fixed clock, the trio


def click_ok(qtbot, dialog):
    qtbot.mouseClick(dialog.buttons.button(QDialogButtonBox.StandardButton.Ok),
                     Qt.MouseButton.LeftButton)


def test_missing_results_are_entered_in_place_then_released(page, qtbot, office):
    case_id = register(page, qtbot)
    isolation.record_test(office, case_id, test_on=DAY, result="negative")
    page.clock_.moment = datetime(2026, 11, 27, 10, 0)    # the last day: 4th and 7th missing
    page.reload()
    page.board_view.selectRow(0)
    dialog = page.release()
    assert dialog.ok.text() == "补录核酸结果" and dialog.ok.isEnabled()
    assert "缺核酸检测" in dialog.blockers.text() and dialog.general_error.isHidden()
    assert not dialog.field("result").parentWidget().isHidden()
    assert dialog.field("released_on").parentWidget().isHidden()
    assert dialog.test_day.date() == QDate(2026, 11, 23)    # the first missing day

    click_ok(qtbot, dialog)
    assert dialog.isVisible()
    assert dialog.blockers.text().count("缺核酸检测") == 1      # the list, once
    assert "11月23日" not in dialog.blockers.text() and "11月26日" in dialog.blockers.text()
    assert dialog.general_error.isHidden() and "还不能解除" not in dialog.general_error.text()
    assert dialog.test_day.date() == QDate(2026, 11, 26)
    assert "11月23日阴性" in dialog.summary.text()

    click_ok(qtbot, dialog)
    assert dialog.blockers.isHidden()
    assert dialog.ok.text() == "解除并打印通知书"
    assert dialog.field("result").parentWidget().isHidden()
    assert not dialog.field("released_on").parentWidget().isHidden()
    page.print_release = lambda *_a, **_k: None     # printing has its own tests
    click_ok(qtbot, dialog)
    assert dialog.result() == dialog.DialogCode.Accepted
    assert office["isolation_cases"].get(case_id)["status"] == "released"
    tests = {t["test_on"]: t["result"] for t in isolation.case_detail(office, case_id).tests}
    assert tests == {d.isoformat(): "negative"
                     for d in (DAY, DAY + timedelta(days=3), DAY + timedelta(days=6))}


def test_a_positive_result_entered_in_place_leaves_nothing_to_press(page, qtbot, office):
    case_id = register(page, qtbot)
    page.clock_.moment = datetime(2026, 11, 21, 10, 0)
    page.reload()
    page.board_view.selectRow(0)
    dialog = page.release()
    assert dialog.test_day.date() == QDate(2026, 11, 20)
    dialog.field("result").setCurrentIndex(dialog.field("result").findData("positive"))
    click_ok(qtbot, dialog)
    assert "阳性" in dialog.blockers.text()
    assert dialog.ok.text() == "还不能解除" and not dialog.ok.isEnabled()
    assert "转出" in dialog.ok.toolTip()
    assert office["isolation_cases"].get(case_id)["status"] == "active"
    assert date(2026, 11, 20).isoformat() in [
        t["test_on"] for t in isolation.case_detail(office, case_id).tests]
