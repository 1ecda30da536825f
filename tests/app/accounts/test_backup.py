"""Backups: round trip, damage and wrong passphrases refused, rotation, new node identity."""

from __future__ import annotations

import json
import sqlite3
import struct
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from nacl.pwhash import argon2id

from app.accounts import backup
from app.accounts.backup import BackupError
from app.database import open_community_db
from db import migrate
from db.node import get_meta, node_state

FAST_KDF = (argon2id.OPSLIMIT_INTERACTIVE, argon2id.MEMLIMIT_INTERACTIVE)
SKIP = {"meta", "peers", "sync_log"}   # node-local bookkeeping that a restore renews


def table_contents(path: Path) -> dict[str, list[tuple]]:
    conn = sqlite3.connect(path)
    try:
        names = [r[0] for r in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")]
        return {n: sorted(conn.execute(f"SELECT * FROM [{n}]").fetchall(), key=repr)
                for n in names if n not in SKIP}
    finally:
        conn.close()


def clock(start: datetime):
    """An injected clock that the test moves by hand."""
    state = {"now": start}

    def now() -> datetime:
        return state["now"]

    now.state = state  # type: ignore[attr-defined]
    return now


def test_encrypted_backup_restores_the_same_data_with_a_new_node(community, tmp_path):
    db_path = tmp_path / "community.sqlite"
    old_node = node_state(community).node_id
    stick = tmp_path / "stick"
    info = backup.create_backup(community, stick, passphrase="长江路2026", kdf_limits=FAST_KDF)
    assert info.encrypted and info.counts["residents"] == 4 and info.counts["households"] == 3
    assert info.community == "长江路社区"
    (written,) = stick.glob("*.gdbak")
    assert not list(stick.glob(".*"))                     # no temporary file left behind
    assert written.stat().st_size < info.size / 2          # compressed
    raw = written.read_bytes()
    assert "长江路".encode() not in raw and b"410102" not in raw   # a lost stick leaks nothing
    before = table_contents(db_path)

    shown = backup.inspect_backup(written, "长江路2026")
    assert (shown.created, shown.counts) == (info.created, info.counts)
    # Work goes on after the backup; the restore brings back the state at backup time.
    community.conn.execute("UPDATE residents SET phone = '13000000000'")
    community.conn.close()

    restored, aside = backup.restore_backup(written, db_path, "长江路2026")
    assert restored.counts == info.counts
    assert aside is not None and aside.exists()          # the replaced database is kept aside
    assert table_contents(db_path) == before
    again = open_community_db(db_path)
    assert node_state(again).node_id != old_node
    assert get_meta(again, "restored_from") == old_node
    again.conn.close()
    kept = sqlite3.connect(aside)
    assert kept.execute("SELECT count(*) FROM residents WHERE phone = '13000000000'"
                        ).fetchone()[0] == 4
    kept.close()


def test_wrong_passphrase_is_refused_and_nothing_changes(community, tmp_path):
    info = backup.create_backup(community, tmp_path / "stick", passphrase="right",
                                kdf_limits=FAST_KDF)
    db_path = tmp_path / "community.sqlite"
    community.conn.close()
    before = db_path.read_bytes()
    with pytest.raises(BackupError) as exc:
        backup.inspect_backup(info.path, "wrong")
    assert exc.value.code == "wrong_passphrase" and "口令不对" in exc.value.message
    with pytest.raises(BackupError):
        backup.restore_backup(info.path, db_path, "wrong")
    with pytest.raises(BackupError) as exc:
        backup.inspect_backup(info.path, None)
    assert exc.value.code == "passphrase_needed"
    assert db_path.read_bytes() == before
    assert not backup.staged_path(db_path).exists()


@pytest.mark.parametrize("damage", ["flip", "truncate", "append", "cut_header"])
def test_damaged_backup_is_refused_and_nothing_changes(community, tmp_path, damage):
    db_path = tmp_path / "community.sqlite"
    info = backup.create_backup(community, tmp_path / "stick", passphrase="pw",
                                kdf_limits=FAST_KDF)
    community.conn.close()
    data = bytearray(info.path.read_bytes())
    if damage == "flip":
        data[len(data) // 2] ^= 0x01
    elif damage == "truncate":
        data = data[:-40]
    elif damage == "append":
        data += b"\0" * 32
    else:
        data = data[:30]
    info.path.write_bytes(bytes(data))
    before = db_path.read_bytes()
    with pytest.raises(BackupError) as exc:
        backup.restore_backup(info.path, db_path, "pw")
    assert "当前数据没有改动" in exc.value.message
    assert db_path.read_bytes() == before
    assert not backup.staged_path(db_path).exists()


def test_every_flipped_byte_of_a_small_backup_is_refused(tmp_path):
    """Any single flipped byte anywhere (magic, header, manifest, data, trailer) is refused."""
    db = open_community_db(tmp_path / "tiny.sqlite", create=True)
    info = backup.create_backup(db, tmp_path / "b")
    db.conn.close()
    data = info.path.read_bytes()
    step = max(1, len(data) // 400)
    for i in list(range(0, 200)) + list(range(200, len(data), step)):
        damaged = bytearray(data)
        damaged[i] ^= 0x20
        info.path.write_bytes(bytes(damaged))
        with pytest.raises(BackupError):
            backup.verify_backup(info.path)
    info.path.write_bytes(data)
    assert backup.verify_backup(info.path).size > 0


def test_backup_from_a_newer_version_is_refused(community, tmp_path):
    db_path = tmp_path / "community.sqlite"
    info = backup.create_backup(community, tmp_path / "b", passphrase="pw",
                                kdf_limits=FAST_KDF)
    community.conn.close()
    data = info.path.read_bytes()
    start = len(backup.MAGIC)
    length = struct.unpack(">I", data[start:start + 4])[0]
    header = json.loads(data[start + 4:start + 4 + length])
    header["schema_version"] = migrate.LATEST + 1
    new = json.dumps(header, sort_keys=True).encode()
    info.path.write_bytes(data[:start] + struct.pack(">I", len(new)) + new
                          + data[start + 4 + length:])
    with pytest.raises(BackupError) as exc:
        backup.restore_backup(info.path, db_path, "pw")
    assert exc.value.code == "newer_version" and "升级" in exc.value.message


def test_not_a_backup_is_refused(tmp_path):
    path = tmp_path / "x.gdbak"
    path.write_bytes(b"PK\x03\x04 a zip file")
    with pytest.raises(BackupError) as exc:
        backup.inspect_backup(path)
    assert exc.value.code == "not_a_backup"


def test_full_disk_leaves_no_file_and_says_so(community, tmp_path, monkeypatch):
    import errno

    real_write = backup._write_stream

    def full(out, *args, **kwargs):
        out.write(b"partial")
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(backup, "_write_stream", full)
    stick = tmp_path / "stick"
    with pytest.raises(BackupError) as exc:
        backup.create_backup(community, stick, passphrase="pw", kdf_limits=FAST_KDF)
    assert exc.value.code == "disk_full" and "空间不足" in exc.value.message
    assert list(stick.iterdir()) == []
    assert not list(tmp_path.glob(".backup-snapshot-*"))
    monkeypatch.setattr(backup, "_write_stream", real_write)
    assert community.conn.execute("SELECT count(*) FROM residents").fetchone()[0] == 4


def test_rotation_keeps_seven_daily_and_four_weekly(tmp_path):
    db_path = tmp_path / "tiny.sqlite"
    db = open_community_db(db_path, create=True)
    now = clock(datetime(2026, 9, 1, 8, 0))
    for _day in range(45):
        for hour in (0, 4, 8):          # opened all day: a backup every few hours
            now.state["now"] += timedelta(hours=hour and 4)
            if backup.auto_backup_due(db_path, now()):
                backup.auto_backup(db, now=now)
        now.state["now"] = now.state["now"].replace(hour=8) + timedelta(days=1)
    kept = [t for t, _p in backup.auto_backups(db_path)]
    assert len(kept) == 11
    days = sorted({t.date() for t in kept}, reverse=True)
    newest = days[0]
    assert days[:7] == [newest - timedelta(days=i) for i in range(7)]
    older = [t for t in kept if t.date() < days[6]]
    weeks = {t.isocalendar()[:2] for t in older}
    assert len(older) == 4 and len(weeks) == 4
    # Each kept day holds that day's newest backup.
    assert all(t.hour == 16 for t in kept)
    db.conn.close()


def test_rotation_counts_days_that_have_backups_not_calendar_days():
    stamps = [datetime(2026, 1, 1) + timedelta(days=10 * i) for i in range(20)]
    kept = backup.rotation_keeps(stamps)
    assert len(kept) == 11 and max(stamps) in kept


def test_auto_backup_due_after_interval(community, tmp_path):
    db_path = tmp_path / "community.sqlite"
    now = clock(datetime(2026, 9, 1, 8, 0))
    assert backup.auto_backup_due(db_path, now())
    info = backup.auto_backup(community, now=now)
    assert info.path.parent == tmp_path / "backups" and not info.encrypted
    assert not backup.auto_backup_due(db_path, now() + timedelta(hours=1))
    assert backup.auto_backup_due(db_path, now() + timedelta(hours=5))
    assert backup.last_auto_backup(db_path)[1] == info.path
    # An automatic backup restores without a passphrase.
    assert backup.verify_backup(info.path).counts["residents"] == 4


def test_command_line_backup_and_restore(community, tmp_path, monkeypatch, capsys):
    from app.cli import main

    monkeypatch.setattr(backup, "KDF_LIMITS", FAST_KDF)
    db_path = tmp_path / "community.sqlite"
    before = table_contents(db_path)
    community.conn.close()
    monkeypatch.setenv("GD_PASS", "长江路社区2026")
    assert main(["backup", "--db", str(db_path), "--to", str(tmp_path / "usb"),
                 "--passphrase-env", "GD_PASS"]) == 0
    out = capsys.readouterr().out
    assert "已写入并校验" in out and "居民 4" in out
    (made,) = (tmp_path / "usb").glob("*.gdbak")

    monkeypatch.setenv("GD_PASS", "wrong passphrase")
    assert main(["restore", "--db", str(db_path), str(made), "--passphrase-env", "GD_PASS",
                 "--yes"]) == 1
    assert "口令不对" in capsys.readouterr().err

    monkeypatch.setenv("GD_PASS", "长江路社区2026")
    monkeypatch.setattr("builtins.input", lambda _prompt: "n")
    assert main(["restore", "--db", str(db_path), str(made),
                 "--passphrase-env", "GD_PASS"]) == 1
    assert "没有改动" in capsys.readouterr().out
    # A window holding the database: the command line refuses and points to the window.
    import os

    lock = Path(f"{db_path}.lock")
    lock.write_text(f"{os.getpid()}\nGridDesk\nhost\n")
    assert main(["restore", "--db", str(db_path), str(made), "--passphrase-env", "GD_PASS",
                 "--yes"]) == 1
    assert "正在社区网格通窗口中打开" in capsys.readouterr().err
    lock.unlink()

    monkeypatch.setattr("builtins.input", lambda _prompt: "y")
    assert main(["restore", "--db", str(db_path), str(made),
                 "--passphrase-env", "GD_PASS"]) == 0
    out = capsys.readouterr().out
    assert "备份时间" in out and "原数据库已改名保留" in out
    assert table_contents(db_path) == before


def test_cancelled_backup_and_restore_leave_nothing(community, tmp_path):
    db_path = tmp_path / "community.sqlite"
    stick = tmp_path / "stick"
    with pytest.raises(backup.BackupCancelled):
        backup.create_backup(community, stick, passphrase="pw", kdf_limits=FAST_KDF,
                             cancelled=lambda: True)
    assert not stick.exists() or list(stick.iterdir()) == []
    assert not list(tmp_path.glob(".backup-snapshot-*"))
    made = backup.create_backup(community, stick, passphrase="pw", kdf_limits=FAST_KDF)
    with pytest.raises(backup.BackupCancelled):
        backup.stage_restore(made.path, db_path, "pw", cancelled=lambda: True)
    assert not backup.staged_path(db_path).exists()
    assert not list(tmp_path.glob("*.part"))


def test_restore_on_another_computer_with_no_database_yet(community, tmp_path, monkeypatch):
    made = backup.create_backup(community, tmp_path / "usb", passphrase="pw",
                                kdf_limits=FAST_KDF)
    before = table_contents(tmp_path / "community.sqlite")
    monkeypatch.setenv("GRIDDESK_DATA_DIR", str(tmp_path / "new-pc"))
    target = tmp_path / "new-pc" / "griddesk.sqlite"
    target.parent.mkdir()
    info, aside = backup.restore_backup(made.path, target, "pw")
    assert aside is None and info.counts["residents"] == 4
    assert table_contents(target) == before
    opened = open_community_db(target)
    assert get_meta(opened, "restored_from") == node_state(community).node_id
    opened.conn.close()


def test_a_stale_lock_of_a_crashed_window_does_not_block_the_command_line(tmp_path):
    db_path = tmp_path / "x.sqlite"
    lock = Path(f"{db_path}.lock")
    assert not backup.in_use_by_window(db_path)
    lock.write_text("999999999\nGridDesk\nhost\n")     # no such process
    assert not backup.in_use_by_window(db_path)


def test_leftovers_of_a_crash_are_cleaned_by_the_next_automatic_backup(community, tmp_path):
    import os
    import time

    old = tmp_path / ".backup-snapshot-abc.sqlite"
    fresh = tmp_path / ".backup-snapshot-def.sqlite"      # another process's, right now
    for p in (old, fresh):
        p.write_bytes(b"x" * 100)
    day_ago = time.time() - 2 * 86400
    os.utime(old, (day_ago, day_ago))
    backup.auto_backup(community)
    assert not old.exists() and fresh.exists()


def test_only_the_administrator_backs_up_to_a_stick_and_it_is_audited(community, tmp_path):
    from app import accounts

    accounts.create_first_admin(community, "admin", "刘书记", "secret12", "secret12")
    accounts.create_account(community, "wang", "王网格", "grid_worker", "secret12",
                            [community.ids["grid1"]])
    try:
        accounts.sign_in(community, "wang", "secret12")
        with pytest.raises(accounts.PermissionDenied) as err:
            backup.manual_backup(community, tmp_path / "stick", passphrase="correct horse")
        assert "网格员不能修改设置" in err.value.message
        assert not (tmp_path / "stick").exists() or not list((tmp_path / "stick").iterdir())
        with pytest.raises(accounts.PermissionDenied):
            backup.check_may_restore(community, tmp_path / "x.gdbak")
        accounts.sign_in(community, "admin", "secret12")
        info = backup.manual_backup(community, tmp_path / "stick", passphrase="correct horse")
        row = community.conn.execute(
            "SELECT actor, detail FROM audit_log WHERE action = 'backup'").fetchone()
        assert row is not None and str(info.path) in row[1]
    finally:
        accounts.forget_all()
