"""Starting the app: first-start dialog, second instance, broken and newer files."""

import sqlite3

from PySide6.QtCore import QLockFile, Qt
from PySide6.QtWidgets import QDialogButtonBox

from app.database import community_info, create_community, open_community_db
from db import migrate
from ui.community_dialog import CommunityDialog
from ui.launcher import run_window


def test_first_start_dialog_checks_the_code_then_creates_the_community(qtbot, tmp_path):
    path = tmp_path / "office" / "griddesk.sqlite"
    dialog = CommunityDialog(path)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.field("name").setText("长江路社区")
    dialog.field("code").setText("4101020070")          # 10 digits: too short
    dialog.field("street").setText("林山寨街道")
    dialog.field("district").setText("中原区")
    ok = dialog.buttons.button(QDialogButtonBox.StandardButton.Ok)
    qtbot.mouseClick(ok, Qt.MouseButton.LeftButton)
    assert "12位" in dialog.error_text("code")
    assert not path.exists()                            # nothing written yet
    dialog.field("code").setText("410102007003")
    qtbot.mouseClick(ok, Qt.MouseButton.LeftButton)
    assert not dialog.isVisible()
    db = open_community_db(path)
    info = community_info(db)
    assert (info.name, info.code, info.street, info.district) == (
        "长江路社区", "410102007003", "林山寨街道", "中原区")


def test_smoke_start_opens_the_window(qtbot, community, tmp_path, capsys):
    path = tmp_path / "community.sqlite"
    community.conn.close()
    assert run_window(path, smoke=True) == 0


def test_second_instance_on_same_database_is_refused(qtbot, community, tmp_path, capsys):
    path = tmp_path / "community.sqlite"
    first = QLockFile(f"{path}.lock")
    assert first.tryLock(0)
    try:
        assert run_window(path, smoke=True) == 1
    finally:
        first.unlock()
    assert "已经在另一个社区网格通窗口中打开" in capsys.readouterr().err


def test_corrupt_file_gets_a_message_and_stays_untouched(qtbot, tmp_path, capsys):
    path = tmp_path / "broken.sqlite"
    path.write_bytes(b"PK\x03\x04 not a database at all" * 50)
    before = path.read_bytes()
    assert run_window(path, smoke=True) == 1
    assert "已经损坏" in capsys.readouterr().err
    assert path.read_bytes() == before


def test_newer_schema_gets_a_message_and_stays_untouched(qtbot, tmp_path, capsys):
    path = tmp_path / "newer.sqlite"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE t (x)")
    conn.execute(f"PRAGMA user_version = {migrate.LATEST + 5}")
    conn.commit()
    conn.close()
    before = path.read_bytes()
    assert run_window(path, smoke=True) == 1
    assert "更新版本" in capsys.readouterr().err
    assert path.read_bytes() == before


def test_a_smoke_run_leaves_no_automatic_backup_running_after_it(qtbot, tmp_path):
    """The window's schedule of automatic backups stops with the window: nothing reads through
    the closed connection afterwards (it did, in a later test's event loop)."""
    from PySide6.QtWidgets import QApplication

    from ui.accounts.backup_section import BackupSection

    path = tmp_path / "c.sqlite"
    db = open_community_db(path, create=True)
    create_community(db, "长江路社区", "410102007003", "林山寨街道", "中原区")
    db.conn.close()
    assert run_window(path, smoke=True) == 0
    sections = [w for w in QApplication.topLevelWidgets() for w in w.findChildren(BackupSection)]
    assert sections and all(s.stopped and not s.first.isActive() and not s.timer.isActive()
                            for s in sections)
