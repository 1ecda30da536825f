"""The command line takes one --db and one --user, before or after the command, everywhere."""

from __future__ import annotations

import pytest

from app import accounts
from app.cli import main


def db_file(db) -> str:
    return db.conn.execute("PRAGMA database_list").fetchone()[2]


@pytest.mark.parametrize("where", ["before", "after"])
def test_db_and_user_work_before_or_after_the_command(community, tmp_path, monkeypatch, where):
    accounts.create_first_admin(community, "admin", "王秀英", "secret12", "secret12")
    monkeypatch.setenv("GRIDDESK_PASSWORD", "secret12")
    out = tmp_path / "households.xlsx"
    command = ["excel", "export", "--what", "households", "--out", str(out)]
    given = ["--db", db_file(community), "--user", "admin"]
    try:
        argv = [*given, *command] if where == "before" else [*command, *given]
        assert main(argv) == 0
    finally:
        accounts.forget_all()
    assert out.exists() and out.stat().st_size > 0


def test_a_command_without_db_says_how_to_give_one(capsys):
    assert main(["audit", "verify"]) == 2
    assert "请用 --db 指明数据库文件" in capsys.readouterr().err


def test_a_database_without_a_community_is_refused_with_what_to_do(tmp_path, capsys):
    from app.database import open_community_db

    open_community_db(tmp_path / "empty.sqlite", create=True).conn.close()
    out = tmp_path / "r.xlsx"
    assert main(["excel", "export", "--db", str(tmp_path / "empty.sqlite"), "--what",
                 "residents", "--out", str(out)]) == 1
    assert "还没有社区信息" in capsys.readouterr().err and not out.exists()


def test_sync_import_of_a_folder_without_a_bundle_says_so_and_fails(community, tmp_path,
                                                                      capsys):
    empty = tmp_path / "stick"
    empty.mkdir()
    assert main(["sync", "import", "--db", db_file(community), str(empty)]) == 1
    assert "没有完整的同步包" in capsys.readouterr().err
    (empty / ".410102007003-1.gdsync.part").write_bytes(b"GDSYNC half written")
    assert main(["sync", "import", "--db", db_file(community), str(empty)]) == 1
    out = capsys.readouterr()
    assert "没有完整的同步包" in out.err and "中断的导出" in out.out
