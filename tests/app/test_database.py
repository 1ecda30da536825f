"""Opening files a secretary may hand us: read-only, missing; the message says what to do."""

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from app.database import OpenError, open_community_db

ROOT = Path(__file__).resolve().parents[2]

PROBE = """
import sys
sys.path.insert(0, {root!r})
from app.database import OpenError, open_community_db
try:
    open_community_db({path!r})
except OpenError as exc:
    print(exc.reason)
    print(exc.message)
else:
    print("opened")
"""


def run_as_ordinary_user(code: str) -> subprocess.CompletedProcess:
    """Root writes any file, so the read-only case is run as `nobody`, as an office PC user."""
    cmd = [sys.executable, "-c", code]
    if os.geteuid() == 0:
        if not shutil.which("setpriv"):
            pytest.skip("running as root without setpriv: cannot become an ordinary user")
        cmd = ["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups", *cmd]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=60, check=False)


def test_read_only_file_gets_a_message_and_stays_untouched():
    folder = Path(tempfile.mkdtemp(prefix="griddesk-ro-"))
    try:
        folder.chmod(0o755)
        path = folder / "office.sqlite"
        open_community_db(path, create=True).conn.close()
        path.chmod(0o444)
        before = path.read_bytes()
        done = run_as_ordinary_user(PROBE.format(root=str(ROOT), path=str(path)))
        if done.returncode != 0 and "Permission denied" in done.stderr:
            pytest.skip(f"the ordinary user cannot run this Python: {done.stderr[-200:]}")
        assert done.returncode == 0, done.stderr
        reason, message = done.stdout.splitlines()[:2]
        assert reason == "read_only"
        assert "只读" in message and "复制到可写的文件夹" in message
        assert path.read_bytes() == before
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def test_missing_file_message_names_the_file(tmp_path):
    with pytest.raises(OpenError) as err:
        open_community_db(tmp_path / "gone.sqlite")
    assert "gone.sqlite" in err.value.message and "找不到" in err.value.message


def test_the_app_opener_is_the_only_way_to_a_database_with_pinyin_keys(tmp_path):
    """A script that opened a file at the db layer without the app's key functions would add
    residents nobody finds by pinyin: that opener refuses to run without them, and the app
    layer offers only its own."""
    import app.database
    from db.connection import open_database

    with pytest.raises(TypeError):
        open_database(tmp_path / "x.sqlite", create=True)
    assert not hasattr(app.database, "open_database")
