"""The recovery key is shown once, when the first administrator's sign-in makes the data key,
and the dialog does not let her close it before she says she has written it down."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialogButtonBox

from app import accounts
from app.accounts import backup, keyslots
from ui.accounts import recovery
from ui.accounts.signin import FirstAdminDialog


def test_first_start_shows_the_recovery_key_once_and_it_opens_the_backups(
        community, qtbot, monkeypatch, tmp_path):
    dialog = FirstAdminDialog(community, "长江路社区")
    qtbot.addWidget(dialog)
    dialog.field("display_name").setText("王秀英")
    dialog.field("username").setText("wangxy")
    dialog.password.setText("secret12")
    dialog.again.setText("secret12")
    qtbot.mouseClick(dialog.buttons.button(QDialogButtonBox.StandardButton.Ok),
                     Qt.MouseButton.LeftButton)             # 设置并登录
    assert dialog.session.role == "admin"
    shown: list[str] = []
    monkeypatch.setattr(recovery.RecoveryCodeDialog, "exec",
                        lambda self: shown.append(self.code.text()) or 1)
    assert recovery.show_new_recovery_code(community) is True
    assert recovery.show_new_recovery_code(community) is False     # never again
    (code,) = shown
    made = backup.auto_backup(community).path
    accounts.sign_out(community, tmp_path / "community.sqlite")
    accounts.forget_all()
    assert backup.is_encrypted(made)
    assert backup.inspect_backup(made, code).counts["residents"] == 4


def test_the_dialog_closes_only_once_the_key_is_written_down(qtbot):
    code, _raw = keyslots.new_recovery_code()
    dialog = recovery.RecoveryCodeDialog(code)
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.code.text() == code
    assert not dialog.ok.isEnabled()
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    assert dialog.isVisible()                  # Esc does not lose the only copy
    dialog.written.setChecked(True)
    assert dialog.ok.isEnabled()
    dialog.ok.click()
    assert not dialog.isVisible()


def test_the_settings_page_says_backups_are_sealed_and_renews_the_recovery_key(
        community, qtbot, monkeypatch, tmp_path):
    from PySide6.QtWidgets import QMessageBox

    from ui.accounts.backup_section import BackupSection
    from ui.main_window import MainWindow

    db_path = tmp_path / "community.sqlite"
    session = accounts.create_first_admin(community, "wangxy", "王秀英", "secret12", "secret12")
    old = keyslots.take_new_recovery_code(community)
    win = MainWindow(community, db_path, session)
    qtbot.addWidget(win)
    win.show()
    win.go_to("设置")
    section = win.findChild(BackupSection)
    assert "已加密" in section.sealing.text()
    assert section.recovery_button.isVisible()
    shown: list[str] = []
    monkeypatch.setattr(QMessageBox, "question",
                        lambda *a, **k: QMessageBox.StandardButton.Yes)
    monkeypatch.setattr(recovery.RecoveryCodeDialog, "exec",
                        lambda self: shown.append(self.code.text()) or 1)
    section.recovery_button.click()
    (new,) = shown
    made = backup.auto_backup(community).path
    accounts.sign_out(community, db_path)
    accounts.forget_all()
    assert backup.inspect_backup(made, new).counts["residents"] == 4
    try:
        backup.inspect_backup(made, old)
    except backup.BackupError as exc:
        assert "恢复密钥" in exc.message
    else:
        raise AssertionError("the replaced recovery key still opens a new backup")


def test_before_an_administrator_signs_in_the_page_says_backups_are_not_sealed(
        community, qtbot, tmp_path):
    from ui.accounts.backup_section import BackupSection

    section = BackupSection(community, tmp_path / "community.sqlite")
    qtbot.addWidget(section)
    section.show()
    assert "尚未加密" in section.sealing.text()
    assert not section.recovery_button.isVisible()
