"""Key slots: the data key wrapped per password and by the recovery key, and automatic backups
sealed to it, so a thief with the database and its backups but no password reads nothing."""

from __future__ import annotations

import sqlite3
from datetime import datetime
from pathlib import Path

import pytest

from app import accounts
from app.accounts import backup, keyslots
from app.accounts.backup import BackupError
from app.database import open_community_db
from tests.conftest import make_id

PASSWORD = "长江路secret1"
ID_NUMBER = make_id(seq="131")          # 张三's, in the community fixture


@pytest.fixture
def office(community, tmp_path):
    """The community fixture after its secretary became the administrator; the recovery
    code is what the window showed her once."""
    accounts.create_first_admin(community, "wangxy", "王秀英", PASSWORD, PASSWORD)
    community.recovery_code = keyslots.take_new_recovery_code(community)
    community.path = tmp_path / "community.sqlite"
    yield community
    accounts.forget_all()


def signed_out(db) -> None:
    """The window closed, the PC stolen: no key in memory any more."""
    accounts.sign_out(db, db.path)
    accounts.forget_all()


def resident_numbers(path: Path) -> set[str]:
    conn = sqlite3.connect(path)
    try:
        return {r[0] for r in conn.execute("SELECT id_number FROM residents")}
    finally:
        conn.close()


def every_byte(folder: Path) -> bytes:
    return b"".join(p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file())


def test_the_first_administrator_gets_a_data_key_and_a_recovery_code_once(office):
    code = office.recovery_code
    assert code is not None and len(code.split("-")) == 8
    assert all(len(group) == 4 for group in code.split("-"))
    assert keyslots.take_new_recovery_code(office) is None        # shown once only
    kinds = sorted(r[0] for r in office.conn.execute("SELECT kind FROM key_slots"))
    assert kinds == ["password", "recovery"]
    assert keyslots.session_key(office) is not None
    actions = [r[0] for r in office.conn.execute("SELECT action FROM audit_log ORDER BY seq")]
    assert "data_key_created" in actions                 # the audit trail says who and when


def test_a_thief_with_the_database_and_its_backups_reads_no_id_number(office, tmp_path):
    data_key = keyslots.session_key(office)
    first = backup.auto_backup(office).path
    second = backup.create_backup(office, tmp_path / "stick").path   # 立即备份 without 口令
    signed_out(office)
    office.conn.close()
    (tmp_path / "thief").mkdir()
    db_bytes = every_byte(tmp_path)   # the database, its -wal, the backups, everything
    assert data_key not in db_bytes and data_key.hex().encode() not in db_bytes
    for stolen in (first, second):
        assert ID_NUMBER.encode() not in stolen.read_bytes()
        assert "key" not in backup.read_header(stolen)["kdf"]      # no key in its own header
        assert backup.is_encrypted(stolen)
        for guess in (None, "123456", "admin", "wangxy"):
            with pytest.raises(BackupError) as refused:
                backup.stage_restore(stolen, tmp_path / "thief" / "x.sqlite", guess)
            assert refused.value.code in ("passphrase_needed", "wrong_passphrase")
            assert "恢复密钥" in refused.value.message
        assert not any((tmp_path / "thief").iterdir())


def test_the_secretary_restores_with_her_password_or_the_recovery_key(office, tmp_path):
    made = backup.auto_backup(office).path
    code = office.recovery_code
    signed_out(office)
    office.conn.close()
    typed_code = code.lower().replace("-", " ").replace("0", "o")   # as read off the paper
    for secret, target in ((PASSWORD, tmp_path / "pc1" / "restored.sqlite"),
                           (typed_code, tmp_path / "pc2" / "restored.sqlite")):
        target.parent.mkdir()
        info, _aside = backup.restore_backup(made, target, secret)
        assert info.counts["residents"] == 4
        assert ID_NUMBER in resident_numbers(target)
    # The restored database still has her slot: she signs in and holds the same key again.
    restored = open_community_db(tmp_path / "pc1" / "restored.sqlite")
    accounts.sign_in(restored, "wangxy", PASSWORD)
    assert not backup.is_encrypted(made)       # signed in: restores without asking
    restored.conn.close()


def test_signed_in_window_restores_its_own_backups_without_asking(office, tmp_path):
    made = backup.auto_backup(office).path
    assert not backup.is_encrypted(made)
    info = backup.stage_restore(made, office.path)
    assert info.counts["residents"] == 4
    backup.discard_staged(office.path)
    accounts.sign_out(office, office.path)
    assert backup.is_encrypted(made)


def test_changing_a_password_rewraps_only_that_accounts_slot(office, tmp_path):
    accounts.create_account(office, "pianyi", "赵医生", "doctor", "doctor-pw1")
    slots = dict(office.conn.execute("SELECT account_id, wrapped FROM key_slots"))
    admin_id = office.conn.execute("SELECT id FROM accounts WHERE username = 'wangxy'"
                                   ).fetchone()[0]
    accounts.set_password(office, "wangxy", "新密码newpw2")
    after = dict(office.conn.execute("SELECT account_id, wrapped FROM key_slots"))
    assert after[admin_id] != slots[admin_id]
    assert {k: v for k, v in after.items() if k != admin_id} == \
        {k: v for k, v in slots.items() if k != admin_id}
    made = backup.auto_backup(office).path
    signed_out(office)
    with pytest.raises(BackupError):
        backup.inspect_backup(made, PASSWORD)                       # the old password
    assert backup.inspect_backup(made, "新密码newpw2").counts["residents"] == 4
    assert backup.inspect_backup(made, "doctor-pw1").counts["residents"] == 4


def test_an_administrator_resetting_a_password_gives_that_account_its_slot(office, tmp_path):
    # An account from before this version has no slot, until its password is reset.
    accounts.create_account(office, "pianyi", "赵医生", "doctor", "doctor-pw1")
    office.conn.execute("DELETE FROM key_slots WHERE kind = 'password' AND account_id = "
                        "(SELECT id FROM accounts WHERE username = 'pianyi')")
    before = backup.auto_backup(office).path
    accounts.set_password(office, "pianyi", "doctor-pw2")
    after = backup.create_backup(office, tmp_path / "later").path
    signed_out(office)
    with pytest.raises(BackupError):
        backup.inspect_backup(before, "doctor-pw1")
    assert backup.inspect_backup(after, "doctor-pw2").counts["residents"] == 4


def test_signing_in_unwraps_the_same_key_for_every_account(office):
    accounts.create_account(office, "pianyi", "赵医生", "doctor", "doctor-pw1")
    key = keyslots.session_key(office)
    signed_out(office)
    assert keyslots.session_key(office) is None
    accounts.sign_in(office, "pianyi", "doctor-pw1")
    assert keyslots.session_key(office) == key


def test_a_new_recovery_code_replaces_the_old_one(office, tmp_path):
    old = office.recovery_code
    new = keyslots.renew_recovery_code(office)
    assert new != old
    assert office.conn.execute("SELECT actor FROM audit_log WHERE action = "
                               "'recovery_key_renewed'").fetchone()[0] == "wangxy"
    made = backup.auto_backup(office).path
    signed_out(office)
    with pytest.raises(BackupError):
        backup.inspect_backup(made, old)
    assert backup.inspect_backup(made, new).counts["residents"] == 4


def test_recovery_codes_read_back_however_they_are_typed():
    code, raw = keyslots.new_recovery_code()
    assert keyslots.parse_recovery_code(code) == raw
    assert keyslots.parse_recovery_code(code.lower().replace("-", "  ")) == raw
    assert keyslots.parse_recovery_code(code.replace("0", "O").replace("1", "l")) == raw
    assert keyslots.parse_recovery_code(code[:-1]) is None
    assert keyslots.parse_recovery_code("长江路secret1") is None


def test_a_database_without_an_administrator_keeps_integrity_only_backups(community):
    made = backup.auto_backup(community).path
    assert backup.read_header(made)["kdf"]["name"] == "none"
    assert not backup.is_encrypted(made)


def test_a_key_held_for_the_file_a_restore_replaced_writes_no_slot(office):
    # The window restored another database into this file; the old key must not be wrapped
    # for anyone, or their slot would open nothing.
    keyslots._keys[str(office.path.resolve())] = b"\x01" * 32
    accounts.create_account(office, "pianyi", "赵医生", "doctor", "doctor-pw1")
    assert office.conn.execute(
        "SELECT count(*) FROM key_slots k JOIN accounts a ON a.id = k.account_id "
        "WHERE a.username = 'pianyi'").fetchone()[0] == 0


def test_a_disabled_account_opens_no_backup_made_after(office):
    accounts.create_account(office, "pianyi", "赵医生", "doctor", "doctor-pw1")
    before = backup.auto_backup(office, now=lambda: datetime(2026, 12, 1, 9)).path
    accounts.update_account(office, "pianyi", disabled=True)
    after = backup.auto_backup(office, now=lambda: datetime(2026, 12, 2, 9)).path
    signed_out(office)
    assert backup.inspect_backup(before, "doctor-pw1").counts["residents"] == 4
    with pytest.raises(BackupError):
        backup.inspect_backup(after, "doctor-pw1")
    assert backup.inspect_backup(after, PASSWORD).counts["residents"] == 4
