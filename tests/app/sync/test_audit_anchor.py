"""The audit chain anchored outside the file (issue 13, item 11): whoever has the file drops
the guard triggers, edits an entry, recomputes every later hash and cuts the tail; after a
sync the district's signed acknowledgement still tells, and the district sees the head go
back or change. Real databases, real signed bundles, the real command line."""

from __future__ import annotations

import json
import sqlite3

from app import registry
from app.cli import main
from app.sync import engine
from db import audit
from tests.app.sync import test_sync as base
from tests.app.sync.test_sync import new_community, node, send

world = base.world    # the fixture: a district and two enrolled communities


def path_of(db) -> str:
    return db.conn.execute("PRAGMA database_list").fetchone()[2]


def rewrite(path: str, *, edit_seq: int | None = None, cut: int = 0,
            ack_hash_too: bool = False) -> None:
    """What the issue says anyone with the file can do: drop the two guard triggers, edit an
    entry, recompute every later hash (db.audit.entry_hash), cut the last entries."""
    conn = sqlite3.connect(path)
    conn.execute("DROP TRIGGER IF EXISTS audit_log_no_update")
    conn.execute("DROP TRIGGER IF EXISTS audit_log_no_delete")
    if cut:
        conn.execute("DELETE FROM audit_log WHERE seq > (SELECT max(seq) FROM audit_log) - ?",
                     (cut,))
    if edit_seq is not None:
        conn.execute("UPDATE audit_log SET actor = 'nobody' WHERE seq = ?", (edit_seq,))
        prev = conn.execute("SELECT hash FROM audit_log WHERE seq = ?",
                            (edit_seq - 1,)).fetchone()
        prev = prev[0] if prev else ""
        for row in conn.execute(f"SELECT {', '.join(audit.FIELDS)} FROM audit_log "
                                "WHERE seq >= ? ORDER BY seq", (edit_seq,)).fetchall():
            new = audit.entry_hash(*row[:7], prev)
            conn.execute("UPDATE audit_log SET prev = ?, hash = ? WHERE seq = ?",
                         (prev, new, row[0]))
            prev = new
    if ack_hash_too:   # and make the kept acknowledgement name the rewritten chain's hash
        value = json.loads(conn.execute(
            "SELECT value FROM meta WHERE key = 'audit_ack'").fetchone()[0])
        value["hash"] = conn.execute("SELECT hash FROM audit_log WHERE seq = ?",
                                     (value["seq"],)).fetchone()[0]
        conn.execute("UPDATE meta SET value = ? WHERE key = 'audit_ack'", (json.dumps(value),))
    conn.commit()
    conn.close()


def synced(district, a, tmp_path):
    """a's bundle reaches the district, the district's answer (with its ack) reaches a."""
    send(a, district, tmp_path / "up")
    send(district, a, tmp_path / "down")
    return audit.head(a)


def verify_cli(path, capsys) -> tuple[int, str]:
    status = main(["audit", "verify", "--db", str(path)])
    return status, capsys.readouterr().out


def test_alone_the_rewritten_chain_looks_whole_and_verify_says_what_it_cannot_see(
        tmp_path, capsys):
    a = new_community(tmp_path, "长江路社区", "410102007003")
    path = path_of(a)
    a.conn.close()
    rewrite(path, edit_seq=3, cut=2)
    status, out = verify_cli(path, capsys)
    assert status == 0 and "完好" in out
    assert "尚未与区里同步过" in out and "重新计算" in out and "末尾" in out


def test_after_a_sync_a_rewrite_with_recomputed_hashes_is_named(world, tmp_path, capsys):
    district, a, _b, _ = world
    head = synced(district, a, tmp_path)
    path = path_of(a)
    status, out = verify_cli(path, capsys)
    assert status == 0 and "与区里 " in out and f"确认的第 {head.seq} 条记录一致" in out
    a.conn.close()
    rewrite(path, edit_seq=3)
    status, out = verify_cli(path, capsys)
    assert status == 1
    assert "审计日志被改写过" in out and "哈希链本身连续" in out
    assert f"第 {head.seq} 条记录与区里" in out and "被改写过" in out


def test_after_a_sync_a_cut_tail_is_named(world, tmp_path, capsys):
    district, a, _b, _ = world
    head = synced(district, a, tmp_path)
    path = path_of(a)
    a.conn.close()
    rewrite(path, edit_seq=3, cut=2)     # all of the issue at once
    status, out = verify_cli(path, capsys)
    assert status == 1
    assert "末尾被截掉" in out and f"确认过的第 {head.seq} 条记录已经不存在" in out


def test_an_acknowledgement_edited_to_fit_the_rewrite_is_not_genuine(world, tmp_path, capsys):
    district, a, _b, _ = world
    synced(district, a, tmp_path)
    path = path_of(a)
    a.conn.close()
    rewrite(path, edit_seq=3, ack_hash_too=True)
    status, out = verify_cli(path, capsys)
    assert status == 1 and "签名不对" in out


def test_entries_after_the_acknowledged_one_keep_verifying(world, tmp_path, capsys):
    district, a, _b, _ = world
    head = synced(district, a, tmp_path)
    registry.edit_resident(a, a.ids["张三"], {"phone": "13600001111"})
    assert audit.head(a).seq > head.seq
    status, out = verify_cli(path_of(a), capsys)
    assert status == 0 and f"第 {head.seq} 条记录一致" in out


def test_the_district_sees_a_head_go_back_or_change_and_stops_acknowledging(
        world, tmp_path, capsys):
    district, a, b, _ = world
    first = synced(district, a, tmp_path)
    send(b, district, tmp_path / "b")
    registry.edit_resident(a, a.ids["张三"], {"phone": "13600001111"})
    second = synced(district, a, tmp_path)
    dpath = path_of(district)
    assert main(["audit", "heads", "--db", dpath]) == 0
    out = capsys.readouterr().out
    assert f"第 {first.seq} 条" in out and f"第 {second.seq} 条" in out
    assert "建设路社区" in out and "只增不减" in out
    # a's office rewrites its chain and cuts its tail, then syncs as if nothing happened
    path = path_of(a)
    a.conn.close()
    rewrite(path, edit_seq=3, cut=2)
    from app.database import open_community_db

    a = open_community_db(path)
    send(a, district, tmp_path / "after")
    assert main(["audit", "heads", "--db", dpath, "--community", "410102007003"]) == 1
    out = capsys.readouterr().out
    assert f"只到第 {second.seq - 2} 条" in out and f"已收到第 {second.seq} 条" in out
    assert "建设路社区" not in out
    # the district keeps acknowledging the last head before the rewrite: a keeps failing
    send(district, a, tmp_path / "back")
    a.conn.close()
    status, out = verify_cli(path, capsys)
    assert status == 1 and f"确认过的第 {second.seq} 条记录已经不存在" in out


def test_the_district_sees_another_hash_at_the_same_seq(world, tmp_path, capsys):
    district, a, _b, _ = world
    head = synced(district, a, tmp_path)
    path = path_of(a)
    a.conn.close()
    rewrite(path, edit_seq=3)
    from app.database import open_community_db

    a = open_community_db(path)
    send(a, district, tmp_path / "after")
    assert main(["audit", "heads", "--db", path_of(district)]) == 1
    out = capsys.readouterr().out
    assert f"第 {head.seq} 条记录的哈希与" in out and "被改写过" in out


def test_an_old_bundle_imported_late_is_not_a_rewrite(world, tmp_path, capsys):
    district, a, _b, _ = world
    old = engine.export_bundles(a, node(district), tmp_path / "old")
    registry.edit_resident(a, a.ids["张三"], {"phone": "13600001111"})
    send(a, district, tmp_path / "new")
    assert engine.import_bundle(district, old[0]).status in ("duplicate", "applied")
    assert main(["audit", "heads", "--db", path_of(district)]) == 0


def test_heads_is_for_a_district_database(world, capsys):
    _district, a, _b, _ = world
    assert main(["audit", "heads", "--db", path_of(a)]) == 1
    assert "只能用于区县数据库" in capsys.readouterr().err


def test_a_malformed_head_or_a_forged_ack_refuses_the_bundle(world, tmp_path, monkeypatch):
    from app.sync import anchor

    district, a, _b, _ = world
    heads_before = district.conn.execute("SELECT count(*) FROM audit_heads").fetchone()
    real = anchor.outgoing
    for bad in ({"seq": "5", "hash": "0" * 64}, {"seq": 5, "hash": "A" * 64},
                {"seq": 5, "hash": "0" * 64, "extra": 1}, {"seq": True, "hash": "0" * 64},
                [5, "0" * 64]):
        monkeypatch.setattr(anchor, "outgoing", lambda *_a, bad=bad: {"audit_head": bad})
        _paths, outcomes = send(a, district, tmp_path / "bad")
        assert [o.status for o in outcomes] == ["refused"], bad
        assert outcomes[0].details["code"] == "malformed"
    assert district.conn.execute("SELECT count(*) FROM audit_heads").fetchone() == heads_before
    assert district.conn.execute("SELECT count(*) FROM residents").fetchone() == (0,)
    monkeypatch.setattr(anchor, "outgoing", real)
    synced(district, a, tmp_path)
    kept = a.conn.execute("SELECT value FROM meta WHERE key = 'audit_ack'").fetchone()
    # the district's bundle (signed by it) acknowledging a head it never received
    forged = {"audit_ack": {"seq": 1, "hash": "0" * 64, "at": "2026-01-01T00:00:00",
                            "sig": "00" * 64}}
    monkeypatch.setattr(anchor, "outgoing", lambda *_a: forged)
    registry.edit_resident(district, a.ids["张三"], {"phone": "13700002222"})
    _paths, outcomes = send(district, a, tmp_path / "forged")
    assert [o.status for o in outcomes] == ["refused"]
    assert "签名不对" in outcomes[0].message
    assert a.conn.execute("SELECT value FROM meta WHERE key = 'audit_ack'").fetchone() == kept
    assert registry.get(a, "residents", a.ids["张三"])["phone"] != "13700002222"


def test_a_backup_kept_elsewhere_anchors_the_chain_too(tmp_path, capsys):
    from app.accounts import backup

    a = new_community(tmp_path, "长江路社区", "410102007003")
    made = backup.create_backup(a, tmp_path / "stick")
    head = audit.head(a)
    registry.edit_resident(a, a.ids["张三"], {"phone": "13600001111"})
    path = path_of(a)
    a.conn.close()
    status, out = verify_cli(path, capsys)
    assert status == 0
    assert main(["audit", "verify", "--db", path, "--backup", str(made.path)]) == 0
    assert f"的备份一致（到第 {head.seq} 条）" in capsys.readouterr().out
    rewrite(path, edit_seq=3)
    assert main(["audit", "verify", "--db", path, "--backup", str(made.path)]) == 1
    out = capsys.readouterr().out
    assert "审计日志与备份不符" in out and f"第 {head.seq} 条记录与" in out
    rewrite(path, cut=audit_count(path) - head.seq + 1)
    assert main(["audit", "verify", "--db", path, "--backup", str(made.path)]) == 1
    assert "本机已经没有这一条" in capsys.readouterr().out
    assert main(["audit", "verify", "--db", path, "--backup", str(tmp_path / "nope.gdbak")]) == 1
    assert "无法读取备份文件" in capsys.readouterr().err


def audit_count(path) -> int:
    conn = sqlite3.connect(path)
    try:
        return conn.execute("SELECT max(seq) FROM audit_log").fetchone()[0]
    finally:
        conn.close()
