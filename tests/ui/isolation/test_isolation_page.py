"""The 居家隔离 page, offscreen with a fixed clock: register through the dialog, the board's
checks falling due and overdue, a fever flagged for the doctor, period changes and release."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialogButtonBox, QMessageBox

from app import isolation, registry
from tests.conftest import make_id
from ui.events import AppEvents
from ui.isolation.page import IsolationPage

DAY = date(2026, 11, 20)


class Clock:
    def __init__(self, moment: datetime) -> None:
        self.moment = moment

    def __call__(self) -> datetime:
        return self.moment


@pytest.fixture
def office(community):
    db = community
    registry.add_staff(db, {"name": "王网格", "role": "grid_worker",
                            "org_unit_id": db.ids["grid1"]})
    registry.add_staff(db, {"name": "赵警官", "role": "police", "phone": "13700002222"})
    registry.add_staff(db, {"name": "钱医生", "role": "doctor", "phone": "13700003333"})
    return db


@pytest.fixture
def page(qtbot, office):
    clock = Clock(datetime(2026, 11, 20, 9, 0))
    page = IsolationPage(office, AppEvents(), user="刘书记", clock=clock)
    page.clock_ = clock
    qtbot.addWidget(page)
    page.resize(1300, 700)
    page.show()
    return page


def save(qtbot, dialog):
    qtbot.mouseClick(dialog.buttons.button(QDialogButtonBox.StandardButton.Ok),
                     Qt.MouseButton.LeftButton)


def cell(page, row, header):
    model = page.board_model
    col = [c.header for c in model.columns].index(header)
    return model.data(model.index(row, col))


def register(page, qtbot, name="张三", start=None):
    dialog = page.register_case()
    dialog.finder.edit.setText(name)
    dialog.finder.search()
    if start:
        dialog.start.setDate(start)
    save(qtbot, dialog)
    assert dialog.result() == dialog.DialogCode.Accepted, dialog.general_error.text()
    return dialog.result_id


def test_register_through_the_dialog_puts_the_case_on_the_board(page, qtbot, office):
    dialog = page.register_case()
    save(qtbot, dialog)           # nobody picked: refused, nothing saved
    assert "请查找并选中" in dialog.error_text("resident_id")
    assert office["isolation_cases"].count == 0
    dialog.finder.edit.setText("zs")
    dialog.finder.search()
    assert "张三" in dialog.finder.results.item(0).text()
    # The trio follows the household's grid; the end follows the policy.
    assert dialog.worker.currentText() == "王网格"
    assert dialog.days_label.text() == "共7天"
    save(qtbot, dialog)
    assert page.board_model.rowCount() == 1
    assert cell(page, 0, "姓名") == "张三"
    assert cell(page, 0, "进度") == "第1天/共7天"
    assert (cell(page, 0, "上午"), cell(page, 0, "下午")) == ("待查", "下午再查")
    assert "管控中 1 人" in page.summary.text()
    assert "张三" in page.detail.toPlainText() and "王网格" in page.detail.toPlainText()


def test_newcomer_needs_a_known_door(page, qtbot, office):
    dialog = page.register_case()
    dialog.newcomer.setChecked(True)
    assert dialog.field("resident_id").parentWidget().isHidden()
    dialog.field("newcomer.name").setText("欧阳娜娜")
    dialog.field("newcomer.door_number").setText("999")
    save(qtbot, dialog)
    assert "没有这个门牌号" in dialog.error_text("newcomer.door_number")
    dialog.units.building.setCurrentIndex(dialog.units.building.findData(office.ids["b3"]))
    dialog.units.unit.setCurrentIndex(dialog.units.unit.findData(office.ids["units_b3"][1]))
    dialog.field("newcomer.door_number").setText("502")
    save(qtbot, dialog)
    assert "证件号码" in dialog.error_text("newcomer.id_number")
    dialog.field("newcomer.id_number").setText(make_id(birth="19990909", seq="024"))
    save(qtbot, dialog)
    assert dialog.result() == dialog.DialogCode.Accepted, (
        dialog.general_error.text(), {k: dialog.error_text(k) for k in dialog._errors})
    assert cell(page, 0, "姓名") == "欧阳娜娜"


def test_checks_fall_overdue_and_a_fever_goes_to_the_doctor(page, qtbot, office):
    register(page, qtbot)
    page.clock_.moment = datetime(2026, 11, 20, 13, 0)
    page.reload()
    assert (cell(page, 0, "上午"), cell(page, 0, "下午")) == ("逾期未查", "待查")
    assert page.chip_buttons["overdue"].text() == "逾期未查 1"
    page.board_view.selectRow(0)
    dialog = page.record_check()
    assert dialog.value("slot") == "pm"
    dialog.temp.setValue(37.6)
    save(qtbot, dialog)
    assert "钱医生" in page.last_message.text() and "37.6" in page.last_message.text()
    assert cell(page, 0, "下午") == "✓ 已查"
    assert "待片医处理" in cell(page, 0, "提示")
    page.set_filter("flagged")
    assert page.board_model.rowCount() == 1
    page.board_view.selectRow(0)
    assert page.buttons["seen"].isEnabled()
    page.doctor_seen()
    assert page.chip_buttons["flagged"].text() == "异常待处理 0"


def test_extend_then_release_with_tests(page, qtbot, office):
    case_id = register(page, qtbot)
    page.board_view.selectRow(0)
    dialog = page.change_end()
    dialog.end.setDate(date(2026, 11, 28))
    save(qtbot, dialog)
    assert "原因" in dialog.error_text("reason")
    dialog.field("reason").setText("核酸待复核")
    save(qtbot, dialog)
    assert cell(page, 0, "进度") == "第1天/共9天"
    assert "延长期限" in page.detail.toPlainText()

    end = datetime(2026, 11, 28, 10, 0)
    page.clock_.moment = end
    page.reload()
    page.board_view.selectRow(0)
    assert "已期满" in cell(page, 0, "提示") or "今日期满" in cell(page, 0, "提示")
    assert "缺核酸" in cell(page, 0, "提示")
    dialog = page.release()
    assert not dialog.blockers.isHidden() and "缺核酸检测" in dialog.blockers.text()
    assert dialog.ok.text() == "补录核酸结果"    # not 解除: it cannot release yet
    save(qtbot, dialog)                          # records the first missing day in place
    assert dialog.isVisible() and dialog.general_error.isHidden()
    dialog.reject()
    for day in (DAY, DAY + timedelta(days=3), DAY + timedelta(days=6), date(2026, 11, 28)):
        isolation.record_test(office, case_id, test_on=day, result="negative")
    page.reload()
    page.board_view.selectRow(0)
    dialog = page.release()
    assert dialog.blockers.isHidden()
    page.print_release = lambda *_a, **_k: None     # printing has its own tests
    save(qtbot, dialog)
    assert dialog.result() == dialog.DialogCode.Accepted
    assert page.board_model.rowCount() == 0
    page.tabs.setCurrentIndex(1)
    assert page.cases_model.rowCount() == 1
    page.cases_view.selectRow(0)
    assert page.print_release_button.isEnabled()
    assert "解除：2026年11月28日" in page.detail.toPlainText()


def test_overview_counts_cases_and_charts_the_last_30_days(qtbot, office):
    from ui.overview.page import OverviewPage

    today = date.today()
    isolation.register_case(office, resident_id=office.ids["张三"], kind="home_isolation",
                            reason="密切接触者", started_on=today - timedelta(days=3))
    isolation.register_case(office, resident_id=office.ids["李四"], kind="home_monitoring",
                            reason="入境人员", started_on=today)
    isolation.register_case(office, resident_id=office.ids["单田芳"], kind="home_monitoring",
                            reason="入境人员", started_on=today + timedelta(days=1))
    events = AppEvents()
    page = OverviewPage(office, events)
    qtbot.addWidget(page)
    page.show()
    text = page.isolation.text()
    assert "管控中 2 人（居家隔离 1，居家健康监测 1），另有 1 人待开始" in text
    totals = page.cases_chart.totals()
    assert len(totals) == 30 and totals[-1] == 2 and totals[-4] == 1 and totals[-5] == 0


def test_policy_settings_change_new_cases_and_the_fever_line(page, qtbot, office):
    dialog = page.edit_settings()
    dialog.field("home_isolation.test_days").setText("1 4 x")
    dialog.field("fever").setText("37.5")
    save(qtbot, dialog)
    assert "数字" in dialog.error_text("home_isolation.test_days")
    dialog.field("home_isolation.days").setValue(10)
    dialog.field("home_isolation.test_days").setText("1 5 10")
    save(qtbot, dialog)
    assert dialog.result() == dialog.DialogCode.Accepted
    case_id = register(page, qtbot)
    assert isolation.case_detail(office, case_id).case["planned_end"] == "2026-11-29"
    page.board_view.selectRow(0)
    check = page.record_check()
    check.temp.setValue(37.4)
    save(qtbot, check)
    assert cell(page, 0, "提示") == "今日应做核酸"      # and no fever: below the new line


def test_staff_added_in_the_list_can_join_a_trio(page, qtbot, office):
    staff = page.edit_staff()
    assert staff.model.rowCount() == 3
    edit = staff.add()
    edit.field("name").setText("孙医生")
    edit.field("role").setCurrentIndex(edit.field("role").findData("doctor"))
    edit.field("phone").setText("1370000")
    save(qtbot, edit)
    assert edit.error_text("phone")                 # a short number is refused
    edit.field("phone").setText("13700004444")
    save(qtbot, edit)
    assert staff.model.rowCount() == 4
    dialog = page.register_case()
    assert dialog.doctor.findText("孙医生  13700004444") >= 0


def test_print_from_the_board_logs_and_shows_in_the_case(page, qtbot, office, tmp_path,
                                                         monkeypatch):
    said = []
    monkeypatch.setattr(QMessageBox, "information", lambda *a, **k: said.append(a[2]))
    register(page, qtbot)
    page.board_view.selectRow(0)
    assert page.buttons["print"].isEnabled()
    # The grid worker has no phone: nothing prints, the message says where to add it.
    job = page.print_notices()
    with qtbot.waitSignal(job.finished, timeout=60_000):
        pass
    assert job.preview is None and "网格员电话" in said[0] and "工作人员" in said[0]
    staff = page.edit_staff()
    worker = staff.model.row_of("王网格", "name")
    staff.view.selectRow(worker)
    edit = staff.edit()
    edit.field("phone").setText("13700001111")
    save(qtbot, edit)
    staff.close()
    page.select_case(page.board_model.rows[0].id)
    job = page.print_notices()
    with qtbot.waitSignal(job.finished, timeout=60_000):
        pass
    preview = job.preview
    # 告知书 and 承诺书 take a sheet each, both sides (GB/T 9704 三号 body); 观察卡, 封条, 公示.
    assert preview.pages == 7
    assert "还没有打印过材料" in page.detail.toPlainText()
    preview.save_to(tmp_path / "材料.pdf")
    qtbot.waitUntil(lambda: "打印记录" in page.detail.toPlainText())
    assert "告知书" in page.detail.toPlainText()
    preview.close()
    # Nothing new any more: the new-registrations button says so instead of printing again.
    assert page.print_new_today() is None
    assert "都已打印过" in page.last_message.text()


def test_edit_details_keeps_dates_and_notes_the_change(page, qtbot, office):
    case_id = register(page, qtbot)
    page.board_view.selectRow(0)
    dialog = page.edit_case()
    dialog.field("origin").setText("广州市")
    dialog.field("doctor_id").setCurrentIndex(0)          # （未指定）
    save(qtbot, dialog)
    case = isolation.case_detail(office, case_id).case
    assert case["origin"] == "广州市" and case["doctor_id"] is None
    assert case["planned_end"] == "2026-11-26"
    assert "修改" in page.detail.toPlainText()


def test_police_see_the_board_but_its_write_buttons_say_why_not(qtbot, office):
    from app import accounts

    isolation.register_case(office, resident_id=office.ids["张三"], kind="home_isolation",
                            reason="密切接触者", started_on=DAY, now=datetime(2026, 11, 20, 8))
    accounts.create_first_admin(office, "admin", "刘书记", "secret12", "secret12")
    accounts.create_account(office, "cop", "cop姓名", "police", "secret12", [])
    try:
        accounts.sign_in(office, "cop", "secret12")
        page = IsolationPage(office, AppEvents(), clock=Clock(datetime(2026, 11, 20, 9)))
        qtbot.addWidget(page)
        page.show()
        page.board_view.selectRow(0)
        assert page.board_model.rowCount() == 1
        for button in (page.register_button, page.buttons["check"], page.buttons["release"],
                       page.buttons["print"], page.staff_button):
            assert not button.isEnabled()
        assert "片警不能登记和修改居家隔离" in page.register_button.toolTip()
        assert "片警不能打印文书" in page.buttons["print"].toolTip()
        assert "张三" in page.detail.toPlainText()
    finally:
        accounts.forget_all()


def test_a_round_of_checks_goes_from_one_person_to_the_next(page, qtbot, office):
    register(page, qtbot, "张三")
    register(page, qtbot, "李四")
    page.board_view.selectRow(0)
    first = page.record_check()
    qtbot.mouseClick(first.next_button, Qt.MouseButton.LeftButton)
    second = page.selected_cases()[0]
    assert second.name != first.case.name
    dialogs = [w for w in page.findChildren(type(first)) if w.isVisible()]
    assert len(dialogs) == 1 and dialogs[0].case.id == second.id
    qtbot.mouseClick(dialogs[0].next_button, Qt.MouseButton.LeftButton)
    assert "都录完了" in page.last_message.text()
    assert [cell(page, r, "上午") for r in range(2)] == ["✓ 已查", "✓ 已查"]


def test_a_second_reading_for_a_half_day_is_announced_and_kept(page, qtbot, office,
                                                              monkeypatch):
    """Both 上午 and 下午 已查; 录入体温 says 下午 already has a reading before saving, and a
    confirmed 38.2 ℃ is kept beside the earlier 36.8 ℃ with its own author."""
    case_id = register(page, qtbot)
    page.clock_.moment = datetime(2026, 11, 20, 14, 0)
    for slot, temp in (("am", 36.5), ("pm", 36.8)):
        isolation.record_check(office, case_id, slot=slot, temperature=temp,
                               checked_by="王网格", now=page.clock_.moment)
    page.reload()
    page.board_view.selectRow(0)
    asked = []
    answer = {"value": False}
    monkeypatch.setattr("ui.isolation.dialogs.confirm",
                        lambda _parent, _title, text, ok: asked.append(text) or answer["value"])
    dialog = page.record_check()
    assert dialog.value("slot") == "pm"
    assert dialog.earlier.isVisibleTo(dialog)
    assert "36.8℃（王网格" in dialog.earlier.text()
    dialog.temp.setValue(38.2)
    save(qtbot, dialog)                       # asked, declined: nothing saved, form stays
    assert asked and "36.8℃" in asked[0]
    assert dialog.result() != dialog.DialogCode.Accepted
    assert len(isolation.case_detail(office, case_id).checks) == 2
    answer["value"] = True
    save(qtbot, dialog)
    assert dialog.result() == dialog.DialogCode.Accepted
    readings = [(c["temperature"], c["checked_by"])
                for c in isolation.case_detail(office, case_id).checks if c["slot"] == "pm"]
    assert readings == [(36.8, "王网格"), (38.2, "刘书记")]


def test_the_header_and_the_all_filter_count_the_same_people(page, qtbot, office):
    register(page, qtbot)                                       # starts today: 管控中
    register(page, qtbot, "李四", start=date(2026, 11, 22))     # planned: 待开始
    page.reload()
    assert page.chip_buttons["all"].text() == "全部在管 2"
    assert "管控中 1 人" in page.summary.text() and "待开始 1 人" in page.summary.text()


def test_choosing_home_monitoring_leaves_the_door_unsealed(page, qtbot, office):
    dialog = page.register_case()
    assert dialog.value("door_measure") == "seal"
    dialog.kind.setCurrentIndex(dialog.kind.findData("home_monitoring"))
    assert dialog.value("door_measure") == "none"
    dialog.kind.setCurrentIndex(dialog.kind.findData("home_isolation"))
    assert dialog.value("door_measure") == "seal"
    dialog.reject()


def test_the_action_buttons_wrap_instead_of_widening_the_window(page, qtbot):
    """At 1024 × 768 the page has 1024 − 150 (navigation) px: the button row wraps onto a
    second line, and no button is narrower than its text."""
    assert page.minimumSizeHint().width() <= 1024 - 150
    page.resize(1024 - 150, 700)
    qtbot.wait(10)
    rows = {b.y() for b in page.buttons.values()}
    assert len(rows) >= 2
    for button in page.buttons.values():
        assert button.width() >= button.sizeHint().width(), button.text()
