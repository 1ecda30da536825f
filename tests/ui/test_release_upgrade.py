"""Moving an office from one release to the next: each earlier release's database (made by
that release's own `griddesk demo --residents 200`, kept in tests/data/schema-N.sqlite) opens
in this one, upgraded after a backup copy with a message naming the versions; a newer one is
refused untouched; 帮助 › 关于 shows the version, the schema version and the data folder; a
sync bundle opened from the file manager with no database says what to do."""

from __future__ import annotations

import hashlib
import shutil
import sqlite3
from pathlib import Path

import pytest
from PySide6.QtWidgets import QMessageBox

from app.database import (
    LATEST_SCHEMA,
    OpenError,
    app_version,
    data_dir,
    open_community_db,
    upgrade_notice,
)
from ui import launcher
from ui.help import AboutDialog

DATA = Path(__file__).resolve().parents[1] / "data"
EARLIER = sorted(DATA.glob("schema-*.sqlite"))


def _schema(path: Path) -> int:
    conn = sqlite3.connect(path)
    try:
        return conn.execute("PRAGMA user_version").fetchone()[0]
    finally:
        conn.close()


def test_there_is_a_database_from_each_earlier_release():
    assert [p.name for p in EARLIER] >= ["schema-12.sqlite"]
    for path in EARLIER:
        assert _schema(path) == int(path.stem.split("-")[1]) < LATEST_SCHEMA


@pytest.mark.parametrize("made", EARLIER, ids=lambda p: p.stem)
def test_an_earlier_release_database_opens_upgraded_after_a_backup(made, tmp_path):
    path = tmp_path / "griddesk.sqlite"
    shutil.copyfile(made, path)
    old = _schema(path)
    original = hashlib.sha256(path.read_bytes()).hexdigest()

    db = open_community_db(path)

    assert db.conn.execute("PRAGMA user_version").fetchone()[0] == LATEST_SCHEMA
    assert db.conn.execute("SELECT count(*) FROM residents").fetchone()[0] == 200
    assert db.conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    (backup,) = tmp_path.glob("griddesk.sqlite.before-v*.bak")
    assert _schema(backup) == old           # the copy is the file as the old release left it
    notice = upgrade_notice(db)
    assert f"第 {old} 版" in notice and f"第 {LATEST_SCHEMA} 版" in notice
    assert app_version() in notice and str(backup) in notice
    if old == 12:
        assert "社区网格通 0.1.0" in notice
    db.conn.close()
    # Opened again: nothing more to upgrade, nothing said.
    again = open_community_db(path)
    assert upgrade_notice(again) is None
    again.conn.close()
    assert hashlib.sha256(made.read_bytes()).hexdigest() == original  # the kept file untouched


def test_a_database_from_a_newer_release_is_refused_untouched(tmp_path):
    path = tmp_path / "newer.sqlite"
    shutil.copyfile(EARLIER[-1], path)
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {LATEST_SCHEMA + 1}")
    conn.close()
    before = path.read_bytes()
    with pytest.raises(OpenError) as refused:
        open_community_db(path)
    assert refused.value.reason == "newer_schema" and "请升级本程序" in refused.value.message
    assert path.read_bytes() == before and not list(tmp_path.glob("*.bak"))


def test_about_shows_version_schema_and_data_folder(qtbot, tmp_path):
    path = tmp_path / "griddesk.sqlite"
    shutil.copyfile(EARLIER[-1], path)
    open_community_db(path).conn.close()
    dialog = AboutDialog(path)
    qtbot.addWidget(dialog)
    assert app_version() in dialog.version_label.text()
    assert f"第 {LATEST_SCHEMA} 版" in dialog.schema_label.text()
    assert str(data_dir()) in dialog.data_label.text()


def test_the_smoke_start_of_an_upgraded_database_names_the_versions(tmp_path, capsys):
    path = tmp_path / "griddesk.sqlite"
    shutil.copyfile(EARLIER[0], path)
    assert launcher.run_window(path, smoke=True) == 0
    said = capsys.readouterr().err
    assert "数据库已升级" in said and f"第 {LATEST_SCHEMA} 版" in said


def test_a_sync_bundle_opened_with_no_database_says_what_to_do(qtbot, tmp_path, monkeypatch):
    said = []
    monkeypatch.setattr(QMessageBox, "critical",
                        lambda _parent, title, text, *a: said.append((title, text)))
    bundle = tmp_path / "长江路社区-20261205.gdsync"
    bundle.write_bytes(b"not opened")

    assert launcher.main([str(bundle)]) == 1

    (title, text), = said
    assert title == "还没有社区数据库" and bundle.name in text
    assert "新建或打开" in text and str(data_dir()) in text


def test_a_sync_bundle_on_the_command_line_opens_the_window_to_import_it(monkeypatch, tmp_path):
    opened = []
    monkeypatch.setattr(launcher, "run_window", lambda db, **kw: opened.append((db, kw)) or 0)
    bundle = tmp_path / "x.GDSYNC"
    assert launcher.main([str(bundle)]) == 0
    assert opened == [(None, {"open_bundle": bundle})]
