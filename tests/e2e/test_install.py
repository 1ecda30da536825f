"""The packages `make dist` makes: the .deb installs (dpkg -i when the tests run as root, else
unpacked with dpkg-deb -x), runs `griddesk --smoke` from where it was installed, installs
again harmlessly and is removed leaving the user's data; the folder stays under the size
limit; the .tar.gz holds the same app."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from release import dist, freeze, icon  # noqa: E402

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Linux packages")]
RUN_TIMEOUT = 120


def _env(home: Path) -> dict[str, str]:
    """A user whose home is home: data in ~/.local/share/GridDesk as on an office PC."""
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", HOME=str(home))
    for name in ("PYTHONPATH", "GRIDDESK_DATA_DIR", "XDG_DATA_HOME", "XDG_CACHE_HOME"):
        env.pop(name, None)
    return env


def _run(args: list, home: Path) -> subprocess.CompletedProcess:
    return subprocess.run([str(a) for a in args], capture_output=True, timeout=RUN_TIMEOUT,
                          env=_env(home), cwd=home)


def _ok(done: subprocess.CompletedProcess) -> str:
    assert done.returncode == 0, done.stderr.decode("utf-8", "replace")[-3000:]
    return done.stdout.decode("utf-8", "replace")


def _may_dpkg_install() -> bool:
    if os.geteuid() != 0 or shutil.which("dpkg") is None:
        return False
    # An office build installed on this machine is not ours to replace.
    known = subprocess.run(["dpkg-query", "-W", "-f=${Status}", dist.PACKAGE],
                           capture_output=True, text=True)
    return "installed" not in known.stdout or "not-installed" in known.stdout


def test_installed_folder_is_under_the_size_limit(frozen_dist):
    size = freeze.folder_mb(frozen_dist.folder)
    print(freeze.size_report(frozen_dist.folder))
    assert size <= freeze.SIZE_LIMIT_MB, freeze.size_report(frozen_dist.folder)
    installed_kib = int(subprocess.run(["dpkg-deb", "-f", str(frozen_dist.deb), "Installed-Size"],
                                       capture_output=True, text=True, check=True).stdout)
    assert installed_kib * 1024 / 1e6 <= freeze.SIZE_LIMIT_MB + 1


def test_deb_holds_the_app_the_command_the_menu_entry_and_the_file_type(frozen_dist):
    fields = {f: subprocess.run(["dpkg-deb", "-f", str(frozen_dist.deb), f], capture_output=True,
                                text=True, check=True).stdout.strip()
              for f in ("Package", "Version", "Architecture", "Depends")}
    assert fields["Package"] == "griddesk" and fields["Architecture"] == "amd64"
    assert fields["Version"] == frozen_dist.version and "libxcb-cursor0" in fields["Depends"]
    assert frozen_dist.deb.name == f"griddesk_{frozen_dist.version}_amd64.deb"
    listing = subprocess.run(["dpkg-deb", "-c", str(frozen_dist.deb)], capture_output=True,
                             text=True, check=True).stdout
    for path in ("./opt/griddesk/griddesk", "./usr/share/applications/griddesk.desktop",
                 "./usr/share/icons/hicolor/256x256/apps/griddesk.png",
                 "./usr/share/icons/hicolor/scalable/apps/griddesk.svg",
                 "./usr/share/mime/packages/griddesk.xml"):
        assert path in listing, path
    assert "./usr/bin/griddesk -> /opt/griddesk/griddesk" in listing
    assert "root/root" in listing and "/home/" not in listing


def test_deb_installs_over_an_older_one_runs_reinstalls_and_purges_keeping_the_data(
        frozen_dist, tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    data = home / ".local" / "share" / "GridDesk" / "griddesk.sqlite"
    if not _may_dpkg_install():  # not root: unpack where dpkg would install, and run it there
        root = tmp_path / "root"
        _ok(subprocess.run(["dpkg-deb", "-x", str(frozen_dist.deb), str(root)],
                           capture_output=True, timeout=300))
        griddesk = root / "opt" / "griddesk" / "griddesk"
        _ok(_run([griddesk, "demo", data, "--residents", "200"], home))
        _ok(_run([griddesk, "--smoke"], home))
        return

    def dpkg(*args) -> str:  # unsafe-io: no fsync per file (a test machine, not an office's)
        return _ok(subprocess.run(["dpkg", "--force-unsafe-io", *map(str, args)],
                                  capture_output=True, timeout=300))

    # The release before, as an office has it (same files, the version before).
    older = dist.make_deb(frozen_dist.folder, icon.render_apart(tmp_path / "icons"), tmp_path,
                          tmp_path / "work", "0.1.0", fast=True)
    griddesk = Path("/usr/bin/griddesk")
    try:
        dpkg("-i", older)
        _ok(_run([griddesk, "demo", data, "--residents", "200"], home))  # the user's data
        dpkg("-i", frozen_dist.deb)                                       # the upgrade
        assert dpkg("-s", "griddesk").count(f"Version: {frozen_dist.version}") == 1
        _ok(_run([griddesk, "--smoke"], home))   # from the installed place, on ~/.local/share
        dpkg("-i", frozen_dist.deb)              # the same version again: harmless
        assert Path("/opt/griddesk/griddesk").is_file()
        assert Path("/usr/share/applications/griddesk.desktop").is_file()
        before = hashlib.sha256(data.read_bytes()).hexdigest()
    finally:
        removed = subprocess.run(["dpkg", "--purge", "griddesk"], capture_output=True,
                                 timeout=300)   # every trace of the package
    _ok(removed)
    assert not Path("/opt/griddesk").exists() and not griddesk.exists()
    assert not Path("/usr/share/applications/griddesk.desktop").exists()
    # The user's data is the user's: never touched by upgrading, reinstalling or purging.
    assert hashlib.sha256(data.read_bytes()).hexdigest() == before


def test_tarball_holds_the_same_app(frozen_dist):
    top = f"griddesk-{frozen_dist.version}"
    assert frozen_dist.tarball.name == f"griddesk-{frozen_dist.version}-linux-x86_64.tar.gz"
    folder = frozen_dist.folder
    with tarfile.open(frozen_dist.tarball) as tar:
        members = {m.name: m for m in tar.getmembers()}
        assert {f"{top}/README.txt", f"{top}/share/applications/griddesk.desktop",
                f"{top}/share/icons/hicolor/256x256/apps/griddesk.png"} <= set(members)
        # Every file of the build, the same size, the executable still executable.
        files = [p for p in folder.rglob("*") if p.is_file() and not p.is_symlink()]
        for path in files:
            member = members[f"{top}/{path.relative_to(folder).as_posix()}"]
            assert member.size == path.stat().st_size, path
        assert members[f"{top}/griddesk"].mode & 0o111
        readme = tar.extractfile(f"{top}/README.txt").read().decode("utf-8")
    assert "~/.local/share/GridDesk/" in readme and "不需要管理员权限" in readme


def test_desktop_entry_validates(frozen_dist, tmp_path):
    validate = shutil.which("desktop-file-validate")
    if validate is None:
        pytest.skip("desktop-file-validate is not installed (package desktop-file-utils)")
    subprocess.run(["dpkg-deb", "-x", str(frozen_dist.deb), str(tmp_path)], check=True)
    done = subprocess.run([validate, str(tmp_path / "usr/share/applications/griddesk.desktop")],
                          capture_output=True, text=True)
    assert done.returncode == 0 and "error" not in done.stdout.lower(), done.stdout
