"""The audit log's hash chain: every change captured, and an edited, removed or reordered
entry found and located."""

from __future__ import annotations

import sqlite3

from app import accounts, registry
from app.accounts.audit import verify
from app.cli import main


def _tamper(path, *sql):
    conn = sqlite3.connect(path)
    conn.execute("DROP TRIGGER IF EXISTS audit_log_no_update")
    conn.execute("DROP TRIGGER IF EXISTS audit_log_no_delete")
    for statement in sql:
        conn.execute(statement)
    conn.commit()
    conn.close()


def _filled(community):
    accounts.create_first_admin(community, "admin", "王秀英", "secret12")
    registry.edit_resident(community, community.ids["张三"], {"phone": "13600001111"})
    registry.delete_resident(community, community.ids["李四"])
    path = community.conn.execute("PRAGMA database_list").fetchone()[2]
    accounts.forget_all()
    return path


def test_changes_are_captured_with_who_and_before_after(community):
    path = _filled(community)
    rows = community.conn.execute(
        "SELECT actor, action, detail FROM audit_log WHERE row_id = ? ORDER BY seq",
        (community.ids["张三"],)).fetchall()
    assert rows[0][:2] == ("", "insert")
    assert rows[-1][:2] == ("admin", "update")
    assert '"before":{"phone":"13912345678"}' in rows[-1][2]
    assert '"after":{"phone":"13600001111"}' in rows[-1][2]
    deleted = community.conn.execute("SELECT action FROM audit_log WHERE row_id = ? "
                                     "ORDER BY seq DESC", (community.ids["李四"],)).fetchone()
    assert deleted == ("delete",)
    assert verify(community).ok
    try:
        community.conn.execute("UPDATE audit_log SET actor = 'x' WHERE seq = 1")
        raise AssertionError("the audit log accepted an edit")
    except sqlite3.DatabaseError as exc:
        assert "append-only" in str(exc)
    assert main(["audit", "verify", "--db", path]) == 0


def test_an_edited_entry_is_found(community, capsys):
    path = _filled(community)
    community.conn.close()
    _tamper(path, "UPDATE audit_log SET detail = replace(detail, '13600001111', '13700002222') "
                  "WHERE detail LIKE '%13600001111%'")
    assert main(["audit", "verify", "--db", path]) == 1
    out = capsys.readouterr().out
    assert "被改动过" in out and "内容被改动过" in out


def test_a_removed_entry_is_found(community, capsys):
    path = _filled(community)
    community.conn.close()
    _tamper(path, "DELETE FROM audit_log WHERE seq = 5")
    assert main(["audit", "verify", "--db", path]) == 1
    assert "第 6 条之前缺少 1 条记录" in capsys.readouterr().out


def test_reordered_entries_are_found(community, capsys):
    path = _filled(community)
    community.conn.close()
    _tamper(path, "UPDATE audit_log SET seq = -1 WHERE seq = 7",
            "UPDATE audit_log SET seq = 7 WHERE seq = 8",
            "UPDATE audit_log SET seq = 8 WHERE seq = -1")
    assert main(["audit", "verify", "--db", path]) == 1
    assert "第 7 条记录被调换了位置" in capsys.readouterr().out


def test_a_rewritten_chain_tail_is_found(community):
    path = _filled(community)
    community.conn.close()
    # Delete an entry and renumber the rest: no gap, but the links no longer hold.
    _tamper(path, "DELETE FROM audit_log WHERE seq = 3",
            "UPDATE audit_log SET seq = seq - 1 WHERE seq > 3")
    from app.database import open_community_db

    db = open_community_db(path)
    report = verify(db)
    assert not report.ok and report.problems[0].seq == 3
    db.conn.close()
