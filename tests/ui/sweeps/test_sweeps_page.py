"""The 入户排查 page at a community: progress per grid and building, the households not yet
visited, recording an outcome (a bad one keeps the dialog open with the field named), and the
list shrinking as households are done."""

from datetime import date, timedelta

from app import isolation, sweeps
from tests.conftest import make_id
from ui.events import AppEvents
from ui.sweeps.page import OutcomeDialog, SweepsPage


def test_progress_pending_and_an_outcome(qtbot, community):
    sweep = sweeps.create_sweep(community, "三号楼排查", date.today() - timedelta(days=1),
                                date.today() + timedelta(days=2), scope="buildings",
                                scope_ids=[community.ids["b3"]])
    page = SweepsPage(community, AppEvents())
    qtbot.addWidget(page)
    page.show()   # a page reads its data when shown
    assert page.sweep_box.currentText().startswith("三号楼排查（本社区")
    assert page.progress_model.rowCount() == 2                   # 第一网格 and 合计
    assert page.progress_model.row_data(0).label == "第一网格"
    assert "共2户，已完成0户" in page.summary.text()
    assert "未排查或无人在家待再访 2 户" in page.pending_label.text()

    page.by.setCurrentIndex(page.by.findData("building"))
    assert page.progress_model.row_data(0).label == "锦绣花园 3号楼"
    page.progress_table.selectRow(0)
    assert page.pending_label.text().startswith("锦绣花园 3号楼：")

    household = page.pending_model.id_at(0)
    dialog = OutcomeDialog(community, sweep, household, "锦绣花园 3 2单元501")
    qtbot.addWidget(dialog)
    dialog.field("returnees").setValue(1)                        # but from where?
    dialog._try_save()
    assert "从何地返回" in dialog.error_text("returnee_origin")
    assert sweeps.visits(community, sweep, household) == []
    dialog.field("returnee_origin").setText("广州市白云区")
    dialog.field("people").setValue(2)
    dialog._try_save()
    assert dialog.result() == dialog.DialogCode.Accepted
    page.reload()
    assert "已完成1户" in page.summary.text() and "发现外地返回1人" in page.summary.text()
    assert page.pending_model.total() == 1


def test_a_returnee_becomes_a_case_in_one_step(qtbot, community):
    sweep = sweeps.create_sweep(community, "全社区排查", date.today(), date.today())
    household = community.ids["h502"]
    visit = sweeps.record_visit(community, sweep, household, "done", people=2, returnees=1,
                                returnee_origin="广州市白云区")
    page = SweepsPage(community, AppEvents())
    qtbot.addWidget(page)
    page.show()   # a page reads its data when shown
    dialog = page.returnee_case_dialog(visit)
    qtbot.addWidget(dialog)
    assert (dialog.value("kind"), dialog.value("reason"), dialog.value("origin")) == (
        "home_monitoring", sweeps.RETURNEE_REASON, "广州市白云区")
    dialog.newcomer.setChecked(True)          # not yet registered: name and ID only
    assert dialog.value("newcomer.door_number") == "502"
    dialog.field("newcomer.name").setText("赵六")
    dialog.field("newcomer.id_number").setText(make_id(seq="177"))
    dialog._try_save()
    assert dialog.result() == dialog.DialogCode.Accepted, dialog.general_error.text()
    case = isolation.case_detail(community, dialog.result_id).case
    assert (case["name"], case["origin"], case["household_id"]) == (
        "赵六", "广州市白云区", household)
