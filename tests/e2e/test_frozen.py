"""The frozen build: build.spec bundles a griddesk that opens a database and refuses a bad one."""

from __future__ import annotations

import os
import random
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
RUN_TIMEOUT = 120

pytestmark = pytest.mark.slow


def _child_env() -> dict[str, str]:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    env.pop("PYTHONPATH", None)  # the frozen app must not find the source tree
    return env


def _run(args: list[str | Path], timeout: float = RUN_TIMEOUT) -> subprocess.CompletedProcess:
    return subprocess.run([str(a) for a in args], capture_output=True, timeout=timeout,
                          env=_child_env(), cwd=Path(args[0]).parent)


@pytest.fixture(scope="module")
def griddesk(frozen_dist) -> Path:
    """The frozen griddesk executable, built once a session (tests/e2e/conftest.py)."""
    exe = frozen_dist.folder / ("griddesk.exe" if sys.platform == "win32" else "griddesk")
    assert exe.is_file(), f"no executable at {exe}"
    return exe


def test_frozen_app_opens_a_demo_community(griddesk, tmp_path):
    db = tmp_path / "demo.sqlite"
    if (ROOT / "app" / "demo.py").exists():
        # Runs Faker (zh_CN providers) and pypinyin (search keys) inside the bundle.
        demo = _run([griddesk, "demo", db, "--residents", "300"])
        assert demo.returncode == 0, demo.stderr.decode("utf-8", "replace")
    else:
        from app.database import create_community, open_community_db

        conn = open_community_db(db, create=True)
        create_community(conn, "长江路社区", "410102007003", "林山寨街道", "中原区")
        conn.conn.close()

    smoke = _run([griddesk, "--smoke", "--db", db])

    assert smoke.returncode == 0, smoke.stderr.decode("utf-8", "replace")


def test_frozen_app_refuses_a_damaged_file_and_leaves_it_alone(griddesk, tmp_path):
    damaged = tmp_path / "damaged.sqlite"
    content = random.Random(2026).randbytes(8192)
    damaged.write_bytes(content)

    smoke = _run([griddesk, "--smoke", "--db", damaged])

    stderr = smoke.stderr.decode("utf-8", "replace")
    assert smoke.returncode == 1, stderr
    if sys.platform != "win32":  # the Windows build has no console, so no stderr
        assert "不是社区网格通的数据库" in stderr and "已经损坏" in stderr, stderr
        assert str(damaged) in stderr
    assert damaged.read_bytes() == content


def test_frozen_app_makes_a_district_and_its_keys(griddesk, tmp_path):
    # PyNaCl's C bindings and the sync commands travel in the bundle.
    env_db = tmp_path / "district.sqlite"
    done = subprocess.run(
        [str(griddesk), "district", "init", "--db", str(env_db), "--name", "中原区",
         "--code", "410102"], capture_output=True, timeout=RUN_TIMEOUT,
        env={**_child_env(), "GRIDDESK_DATA_DIR": str(tmp_path / "data")})
    assert done.returncode == 0, done.stderr.decode("utf-8", "replace")
    assert "本机指纹" in done.stdout.decode("utf-8")
    assert list((tmp_path / "data" / "keys").glob("*.json"))


def test_frozen_app_syncs_a_community_in_many_parts_with_its_helper_process(griddesk,
                                                                          tmp_path):
    """Enroll by files, then a snapshot in many parts: the frozen app starts itself again as
    the export's helper process (multiprocessing.freeze_support), and every part imports."""
    env = {**_child_env(), "GRIDDESK_DATA_DIR": str(tmp_path / "data")}

    def run(*args: str | Path) -> str:
        done = subprocess.run([str(griddesk), *map(str, args)], capture_output=True,
                              timeout=RUN_TIMEOUT, env=env)
        assert done.returncode == 0, done.stderr.decode("utf-8", "replace")
        # a helper that could not start or died is said on stderr (parts are then made by
        # the one process): it must not happen
        assert b"helper process" not in done.stderr, done.stderr.decode("utf-8", "replace")
        return done.stdout.decode("utf-8")

    community, district = tmp_path / "c.sqlite", tmp_path / "d.sqlite"
    run("demo", community, "--residents", "600")
    run("district", "init", "--db", district, "--name", "中原区", "--code", "410102")
    run("sync", "enroll-request", "--db", community, "--out", tmp_path / "req")
    (request,) = (tmp_path / "req").iterdir()
    run("district", "accept", "--db", district, request, "--out", tmp_path / "resp")
    (response,) = (tmp_path / "resp").iterdir()
    run("sync", "enroll-finish", "--db", community, response)
    written = run("sync", "export", "--db", community, "--to", tmp_path / "usb",
                  "--part-changes", "2000")
    parts = sorted((tmp_path / "usb").glob("*.gdsync"))
    assert len(parts) >= 4 and written.count("已写入并校验") == len(parts)
    imported = run("sync", "import", "--db", district, tmp_path / "usb")
    assert imported.count("已导入") == len(parts)


def test_frozen_app_exports_and_reads_back_a_ledger(griddesk, tmp_path):
    """XlsxWriter, openpyxl and the ledger commands travel in the bundle."""
    from app.database import create_community, open_community_db

    db = tmp_path / "ledger.sqlite"
    conn = open_community_db(db, create=True)
    create_community(conn, "长江路社区", "410102007003", "林山寨街道", "中原区")
    conn.conn.close()
    ledger = tmp_path / "台账.csv"
    ledger.write_bytes("姓名,身份证号码,小区,楼栋,单元,房号\n张三,11010519491231002X,锦绣花园,3,2,501\n"
                       .encode("gb18030"))
    imported = _run([griddesk, "excel", "import", "--db", db, ledger])
    assert imported.returncode == 0, imported.stderr.decode("utf-8", "replace")
    out = tmp_path / "居民台账.xlsx"
    exported = _run([griddesk, "excel", "export", "--db", db, "--what", "residents", "--out", out])
    assert exported.returncode == 0, exported.stderr.decode("utf-8", "replace")
    again = _run([griddesk, "excel", "import", "--db", db, out, "--dry-run"])
    assert again.returncode == 0, again.stderr.decode("utf-8", "replace")
    assert "1 人与已登记的信息相同" in again.stdout.decode("utf-8", "replace")


def test_frozen_app_prints_a_pairing_notice_board(griddesk, tmp_path):
    # ReportLab, the bundled font (resources/ under _internal) and the print command travel
    # in the bundle.
    db = tmp_path / "demo.sqlite"
    demo = _run([griddesk, "demo", db, "--residents", "300"])
    assert demo.returncode == 0, demo.stderr.decode("utf-8", "replace")
    out = tmp_path / "公示.pdf"
    printed = _run([griddesk, "print", "pairings", "--db", db, "--out", out])
    assert printed.returncode == 0, printed.stderr.decode("utf-8", "replace")
    data = out.read_bytes()
    assert data.startswith(b"%PDF") and b"/FontFile2" in data
