"""Opening databases: schema version recorded, newer/corrupt/read-only files refused untouched."""

import hashlib
import os
import sqlite3

import pytest

from db import migrate
from db.connection import DatabaseOpenError
from tests.db.plain import open_plain


def test_new_file_records_latest_version(tmp_path):
    db = open_plain(tmp_path / "a.sqlite", create=True)
    assert db.conn.execute("PRAGMA user_version").fetchone()[0] == migrate.LATEST >= 1
    assert db.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert db.conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1


def test_newer_schema_is_refused_and_untouched(tmp_path):
    path = tmp_path / "newer.sqlite"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE future (x)")
    conn.execute(f"PRAGMA user_version = {migrate.LATEST + 1}")
    conn.commit()
    conn.close()
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    with pytest.raises(DatabaseOpenError) as err:
        open_plain(path)
    assert err.value.reason == "newer_schema"
    assert hashlib.sha256(path.read_bytes()).hexdigest() == digest


def test_corrupt_file_is_refused_and_untouched(tmp_path):
    path = tmp_path / "broken.sqlite"
    path.write_bytes(b"this is an excel file, not a database" * 100)
    before = path.read_bytes()
    with pytest.raises(DatabaseOpenError) as err:
        open_plain(path)
    assert err.value.reason == "not_a_database"
    assert path.read_bytes() == before


@pytest.mark.skipif(os.geteuid() == 0, reason="root may write read-only files")
def test_read_only_file_is_refused(tmp_path):
    path = tmp_path / "ro.sqlite"
    open_plain(path, create=True).conn.close()
    path.chmod(0o444)
    with pytest.raises(DatabaseOpenError) as err:
        open_plain(path)
    assert err.value.reason == "read_only"


def test_missing_file_without_create(tmp_path):
    with pytest.raises(DatabaseOpenError) as err:
        open_plain(tmp_path / "nope.sqlite")
    assert err.value.reason == "missing"


def test_reopen_does_not_migrate_again(tmp_path):
    path = tmp_path / "a.sqlite"
    open_plain(path, create=True).conn.close()
    db = open_plain(path)
    assert migrate.migrate(db, path) is False
    assert not list(tmp_path.glob("*.bak"))
