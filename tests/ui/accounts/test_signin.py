"""Sign-in in the window: dialogs, each role's limits, masked lists, reveal, idle lock, 审计."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialogButtonBox, QLineEdit, QPushButton

from app import accounts
from ui.accounts.signin import FirstAdminDialog, SignInDialog
from ui.main_window import MainWindow


@pytest.fixture
def office(community):
    accounts.create_first_admin(community, "admin", "王秀英", "secret12", "secret12")
    grid1 = community.ids["grid1"]
    for user, role, grids in [("wang", "grid_worker", [grid1]), ("doc", "doctor", []),
                              ("dist", "district", [])]:
        accounts.create_account(community, user, f"{user}姓名", role, "secret12", grids)
    yield community
    accounts.forget_all()


def _path(db) -> Path:
    return Path(db.conn.execute("PRAGMA database_list").fetchone()[2])


def _window(qtbot, db, user: str) -> MainWindow:
    accounts.sign_out(db)
    session = accounts.sign_in(db, user, "secret12")
    window = MainWindow(db, _path(db), session)
    qtbot.addWidget(window)
    window.show()
    return window


def _ok(dialog):
    return dialog.buttons.button(QDialogButtonBox.StandardButton.Ok)


def test_first_start_asks_for_the_administrator(qtbot, community):
    dialog = FirstAdminDialog(community, "长江路社区")
    qtbot.addWidget(dialog)
    dialog.field("display_name").setText("王秀英")
    dialog.password.setText("secret12")
    dialog.again.setText("secret1")
    qtbot.mouseClick(_ok(dialog), Qt.MouseButton.LeftButton)
    assert "两次输入的密码不一样" in dialog.error_text("password_again")
    assert not accounts.has_accounts(community)
    dialog.again.setText("secret12")
    qtbot.mouseClick(_ok(dialog), Qt.MouseButton.LeftButton)
    assert dialog.session.role == "admin" and accounts.has_accounts(community)


def test_wrong_password_gets_a_chinese_message_and_changes_nothing(qtbot, office):
    accounts.sign_out(office)
    before = office.conn.execute("SELECT count(*), max(name) FROM residents").fetchone()
    dialog = SignInDialog(office, "长江路社区", "doc")
    qtbot.addWidget(dialog)
    dialog.password.setText("wrong")
    qtbot.mouseClick(_ok(dialog), Qt.MouseButton.LeftButton)
    assert "密码不正确" in dialog.error_text("password")
    assert dialog.session is None and dialog.password.text() == ""
    assert office.conn.execute("SELECT count(*), max(name) FROM residents").fetchone() == before
    dialog.password.setText("secret12")
    qtbot.mouseClick(_ok(dialog), Qt.MouseButton.LeftButton)
    assert dialog.session.role == "doctor"


def test_each_role_sees_only_what_it_may_use(qtbot, office):
    doctor = _window(qtbot, office, "doc")
    titles = {doctor.nav.item(i).text(): doctor.nav.item(i) for i in range(doctor.nav.count())}
    assert "审计" not in titles and "账户" not in titles
    sync = titles["同步"]
    assert not (sync.flags() & Qt.ItemFlag.ItemIsEnabled)
    assert "片医不能同步数据" in sync.toolTip()
    page = doctor.registry_page
    assert not page.b_add_household.isEnabled()
    assert "片医不能修改住户和居民" in page.b_add_household.toolTip()
    imports = [a for a in doctor.findChild(type(doctor.menuBar().actions()[0].menu()),
                                           "ledgerMenu").actions() if a.text().startswith("导入")]
    assert imports and not imports[0].isEnabled()

    admin = _window(qtbot, office, "admin")
    titles = [admin.nav.item(i).text() for i in range(admin.nav.count())]
    assert "审计" in titles and "账户" in titles
    assert admin.registry_page.b_add_household.isEnabled()


def _household_phone_cell(window):
    page = window.registry_page
    page.show_scope(None, None)
    model = page.households
    col = [model.headerData(c, Qt.Orientation.Horizontal) for c in range(model.columnCount())
           ].index("联系电话")
    for row in range(model.rowCount()):
        text = model.data(model.index(row, col))
        if text:
            return text
    raise AssertionError("no household with a phone")


def test_lists_mask_phones_for_the_district_and_reveal_is_recorded(qtbot, office):
    district = _window(qtbot, office, "dist")
    assert _household_phone_cell(district) == "138****5678"
    assert not district.registry_page.b_reveal.isEnabled()
    admin = _window(qtbot, office, "admin")
    assert _household_phone_cell(admin) == "13812345678"
    page = admin.registry_page
    page.show_household(office.ids["h501"], select_resident=office.ids["张三"])
    id_col = 3
    row = page.members.row_of(office.ids["张三"])
    assert "********" in page.members.data(page.members.index(row, id_col))
    values = page.reveal_resident(office.ids["张三"])
    assert page.members.data(page.members.index(row, id_col)) == values["id_number"]
    page.members.hide_again(office.ids["张三"])          # what the timer does after a minute
    assert "********" in page.members.data(page.members.index(row, id_col))
    admin.go_to("审计")
    audit_page = admin.audit_page
    audit_page.action.setCurrentIndex(audit_page.action.findData("reveal"))
    audit_page.reload()
    assert audit_page.model.rowCount() == 2 and audit_page.model.rows[0].actor == "admin"


def test_idle_lock_covers_the_window_and_keeps_unsaved_input(qtbot, office):
    from ui.registry.dialogs import HouseholdDialog

    accounts.set_setting(office, "idle_lock_minutes", 1)
    window = _window(qtbot, office, "wang")
    dialog = HouseholdDialog(office, household=None, parent=window)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.field("door_number").setText("602")          # typed, not saved
    window.idle_lock.timer.timeout.emit()                # the quiet spell is over
    assert window.idle_lock.locked
    covers = window.idle_lock.overlays
    assert {c.parentWidget() for c in covers} >= {window, dialog}
    assert all(c.isVisible() for c in covers)
    box = covers[0].findChild(QLineEdit, "lockPassword")
    box.setText("nope")
    qtbot.mouseClick(covers[0].findChild(QPushButton, "unlockButton"), Qt.MouseButton.LeftButton)
    assert window.idle_lock.locked and "密码不正确" in covers[0].message.text()
    box.setText("secret12")
    qtbot.mouseClick(covers[0].findChild(QPushButton, "unlockButton"), Qt.MouseButton.LeftButton)
    assert not window.idle_lock.locked
    assert dialog.isVisible() and dialog.field("door_number").text() == "602"
    actions = [r[0] for r in office.conn.execute(
        "SELECT action FROM audit_log ORDER BY seq DESC LIMIT 3")]
    assert actions[0] == "unlock" and "idle_lock" in actions


def test_audit_page_filters_verifies_and_exports(qtbot, office, tmp_path):
    from openpyxl import load_workbook

    from app import registry

    registry.edit_resident(office, office.ids["张三"], {"note": "已走访"})
    window = _window(qtbot, office, "admin")
    page = window.audit_page
    page.record.setText(office.ids["张三"])
    page.reload()
    # The resident's own entries, and the Party member row that points at the resident.
    # Rows are named as people know them, and the ids they point to by their names too.
    assert [(r.action, r.what) for r in page.model.rows] == [
        ("修改", "居民 张三"), ("新增", "党员 张三"), ("新增", "居民 张三")]
    assert "备注：（空） → 已走访" in page.model.rows[0].detail
    assert "住户：锦绣花园 3号楼2单元501" in page.model.rows[2].detail
    assert "居民：张三" in page.model.rows[1].detail
    uuid = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
    assert not any(uuid.search(r.detail) for r in page.model.rows)
    assert page.verify().ok and "完好" in page.check_result.text()
    out = tmp_path / "audit.xlsx"
    assert page.export(out) == 3
    sheet = load_workbook(out).active
    texts = [c.value for row in sheet.iter_rows() for c in row if c.value]
    assert "审计日志" in texts[0] and any("已走访" in str(t) for t in texts)


def test_smoke_start_needs_a_user_once_accounts_exist(qtbot, office, monkeypatch, capsys):
    from ui.launcher import run_window

    path = _path(office)
    office.conn.close()
    assert run_window(path, smoke=True) == 1
    assert "需要登录" in capsys.readouterr().err
    monkeypatch.setenv("GRIDDESK_PASSWORD", "secret12")
    assert run_window(path, smoke=True, user="doc") == 0


def test_administrator_adds_a_grid_worker_who_can_then_sign_in(qtbot, office):
    from ui.accounts.page import AccountDialog

    window = _window(qtbot, office, "admin")
    dialog = AccountDialog(office, window.accounts_page)
    qtbot.addWidget(dialog)
    dialog.field("display_name").setText("李建国")
    dialog.field("username").setText("lijianguo")
    dialog.password.setText("secret12")
    qtbot.mouseClick(_ok(dialog), Qt.MouseButton.LeftButton)
    assert "至少要负责一个网格" in dialog.error_text("grid_ids")
    dialog.grid_boxes[0][0].setChecked(True)
    qtbot.mouseClick(_ok(dialog), Qt.MouseButton.LeftButton)
    assert not dialog.isVisible()
    window.accounts_page.reload()
    assert window.accounts_page.table.rowCount() == 5
    session = accounts.sign_in(office, "lijianguo", "secret12")
    assert session.role == "grid_worker" and session.grid_ids == {office.ids["grid1"]}


def test_resident_form_masks_the_id_number_until_revealed_and_saves_it_unchanged(qtbot, office):
    from app import registry
    from ui.registry.dialogs import ResidentDialog

    accounts.sign_in(office, "admin", "secret12")
    zhang = registry.get(office, "residents", office.ids["张三"])
    dialog = ResidentDialog(office, zhang["household_id"], zhang)
    qtbot.addWidget(dialog)
    id_edit = dialog.field("id_number")
    assert "********" in id_edit.text() and id_edit.isReadOnly()
    dialog.field("note").setPlainText("改了备注")
    dialog.save()
    saved = registry.get(office, "residents", office.ids["张三"])
    assert saved["id_number"] == zhang["id_number"] and saved["note"] == "改了备注"
    before = office.conn.execute(
        "SELECT count(*) FROM audit_log WHERE action = 'reveal'").fetchone()[0]
    dialog.reveal("id_number")
    assert id_edit.text() == zhang["id_number"] and not id_edit.isReadOnly()
    after = office.conn.execute(
        "SELECT count(*) FROM audit_log WHERE action = 'reveal'").fetchone()[0]
    assert after == before + 1


def test_account_menu_locks_now_and_switching_closes_for_the_next_sign_in(qtbot, office):
    window = _window(qtbot, office, "wang")
    menu = window.findChild(type(window.menuBar().actions()[0].menu()), "accountMenu")
    assert [a.text() for a in menu.actions()] == ["立即锁定窗口", "切换账户…"]
    window.lock_now()
    assert window.idle_lock.locked
    window.switch_account()          # the launcher then signs out and asks who signs in
    assert window.switch_requested and not window.isVisible()
