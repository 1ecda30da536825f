"""The 备份 section of the 设置 page, offscreen: 立即备份, automatic backup, restore."""

from __future__ import annotations

import sqlite3

import pytest
from nacl.pwhash import argon2id
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QMessageBox

from app.accounts import backup
from app.database import open_community_db
from db.node import node_state
from ui.accounts.backup_section import BackupDialog, BackupSection
from ui.main_window import MainWindow

PASS = "长江路社区备份口令"


@pytest.fixture
def window(qtbot, community, tmp_path, monkeypatch):
    monkeypatch.setattr(backup, "KDF_LIMITS",
                        (argon2id.OPSLIMIT_INTERACTIVE, argon2id.MEMLIMIT_INTERACTIVE))
    win = MainWindow(community, tmp_path / "community.sqlite")
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    win.go_to("设置")
    return win


def message_box(widget, name):
    return widget.findChild(QMessageBox, name)


def phones(path):
    conn = sqlite3.connect(path)
    try:
        return sorted(r[0] or "" for r in conn.execute("SELECT phone FROM residents"))
    finally:
        conn.close()


def test_backup_dialog_asks_for_a_folder_and_the_passphrase_twice(qtbot, tmp_path):
    dialog = BackupDialog()
    qtbot.addWidget(dialog)
    dialog.show()
    ok = dialog.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Ok)
    dialog.set_folder(tmp_path / "usb")
    dialog.passphrase.setText("short")
    dialog.again.setText("short")
    ok.click()
    assert "至少8个字符" in dialog.error.text() and dialog.isVisible()
    dialog.passphrase.setText(PASS)
    dialog.again.setText(PASS + "x")
    ok.click()
    assert "不一致" in dialog.error.text() and dialog.isVisible()
    dialog.again.setText(PASS)
    ok.click()
    assert dialog.result() == QDialog.DialogCode.Accepted
    assert dialog.chosen() == (tmp_path / "usb", PASS)


def test_backup_now_then_restore_through_the_settings_page(qtbot, window, community, tmp_path,
                                                          monkeypatch):
    db_path = tmp_path / "community.sqlite"
    section = window.findChild(BackupSection)
    assert section.isVisible()
    assert "还没有备份到U盘" in section.last_manual.text()
    old_node = node_state(community).node_id
    before = phones(db_path)

    with qtbot.waitSignal(section.backup_done, timeout=30000) as made:
        section.backup_now(tmp_path / "usb", PASS)
    info = made.args[0]
    assert info.path.exists() and info.encrypted
    assert str(info.path) in section.last_manual.text()
    done = message_box(section, "backupDoneBox")
    assert "已备份并校验" in done.text() and "居民 4" in done.text()
    done.accept()

    # Later work, then the office wants the backup back.
    community.conn.execute("UPDATE residents SET phone = '13000000000'")
    shown = []

    def confirm(seen):
        shown.append(backup.describe(seen))
        return True

    monkeypatch.setattr(section, "confirm_restore", confirm)
    monkeypatch.setattr(section, "ask_passphrase", lambda *_prompt: PASS)
    task = section.restore_from(info.path)
    assert task is not None
    qtbot.waitUntil(lambda: getattr(window, "restore_staged", False), timeout=30000)
    assert "居民 4" in shown[0] and "长江路社区" in shown[0]
    ready = message_box(section, "restoreReadyBox")
    assert "窗口将关闭" in ready.text()
    assert phones(db_path) == ["13000000000"] * 4        # nothing replaced while open
    ready.accept()
    qtbot.waitUntil(lambda: not window.isVisible())

    # What the launcher does once the window has closed its connection.
    community.conn.close()
    aside = backup.apply_staged_restore(db_path)
    assert phones(db_path) == before
    assert phones(aside) == ["13000000000"] * 4
    restored = open_community_db(db_path)
    assert node_state(restored).node_id != old_node
    restored.conn.close()


def test_wrong_passphrase_in_the_window_changes_nothing(qtbot, window, community, tmp_path,
                                                        monkeypatch):
    db_path = tmp_path / "community.sqlite"
    section = window.findChild(BackupSection)
    made = backup.create_backup(community, tmp_path / "usb", passphrase=PASS)
    asked = []
    monkeypatch.setattr(section, "confirm_restore", lambda info: asked.append(info) or True)
    assert section.restore_from(made.path, "not the passphrase") is None
    box = next(b for b in section.findChildren(QMessageBox) if b.isVisible())
    assert "口令不对" in box.text() and "当前数据没有改动" in box.text()
    assert asked == [] and not backup.staged_path(db_path).exists()
    assert not getattr(window, "restore_staged", False)


def test_automatic_backup_runs_off_the_window_and_shows_its_time(qtbot, window, tmp_path):
    section = window.findChild(BackupSection)
    assert "还没有自动备份" in section.last_auto.text()
    assert not section.timer.isActive()             # the launcher starts the schedule
    section.start_schedule()
    assert section.timer.isActive() and section.first.isActive()
    with qtbot.waitSignal(section.backup_done, timeout=30000) as made:
        assert section.auto_backup_if_due() is not None
    assert made.args[0].path.parent == tmp_path / "backups"
    assert made.args[0].path.name in section.last_auto.text()
    assert section.auto_backup_if_due() is None         # not due again for a few hours
