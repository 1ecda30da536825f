"""`griddesk restore` of a sealed automatic backup on a new PC: the recovery key or a
password opens it; nothing else does, and nothing is written then."""

from __future__ import annotations

import sqlite3

from app import accounts
from app.accounts import backup, keyslots
from app.cli import main
from tests.conftest import make_id


def test_restore_on_a_new_pc_takes_the_recovery_key_and_refuses_a_guess(
        community, tmp_path, monkeypatch, capsys):
    accounts.create_first_admin(community, "wangxy", "王秀英", "secret12", "secret12")
    code = keyslots.take_new_recovery_code(community)
    made = backup.auto_backup(community).path
    community.conn.close()
    accounts.forget_all()                                  # another computer, nobody signed in
    target = tmp_path / "newpc" / "griddesk.sqlite"
    target.parent.mkdir()
    monkeypatch.setenv("GD_SECRET", "admin123")
    assert main(["restore", str(made), "--db", str(target),
                 "--passphrase-env", "GD_SECRET", "--yes"]) != 0
    assert "恢复密钥" in capsys.readouterr().err
    assert not target.exists()
    monkeypatch.setenv("GD_SECRET", code)
    assert main(["restore", str(made), "--db", str(target),
                 "--passphrase-env", "GD_SECRET", "--yes"]) == 0
    conn = sqlite3.connect(target)
    numbers = {r[0] for r in conn.execute("SELECT id_number FROM residents")}
    conn.close()
    assert make_id(seq="131") in numbers
