"""`make dist`: the one-folder build wrapped for offices, dist/griddesk_<version>_amd64.deb
(Debian, UOS, Kylin: /opt/griddesk, `griddesk` on the PATH, the 社区网格通 menu entry, .gdsync
files open the import) and dist/griddesk-<version>-linux-x86_64.tar.gz for other systems.

    python release/dist.py [--out dist] [--work build/dist] [--folder BUILT_FOLDER] [--fast]

No network: PyInstaller builds from the installed packages and dpkg-deb wraps the folder.
--folder wraps a folder built before (the tests build once); --fast compresses lightly."""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tarfile
import tomllib
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from release import freeze, icon  # noqa: E402

PACKAGE = "griddesk"
INSTALL_DIR = "/opt/griddesk"
MIME_TYPE = "application/x-griddesk-sync"
# What the .deb needs from the system (release/freeze.SYSTEM_LIBRARIES are left out of the
# build): X11/xcb for the window, fonts, D-Bus, CUPS for printing, GL/EGL Qt links.
DEBIAN_DEPENDS = [
    "libc6 (>= 2.28)", "libglib2.0-0", "libfontconfig1", "libfreetype6", "libdbus-1-3",
    "libx11-6", "libx11-xcb1", "libxcb1", "libxcb-cursor0", "libxcb-icccm4", "libxcb-image0",
    "libxcb-keysyms1", "libxcb-randr0", "libxcb-render-util0", "libxcb-shape0", "libxcb-xkb1",
    "libxkbcommon0", "libxkbcommon-x11-0", "libcups2", "libegl1", "libgl1", "libzstd1",
]

DESKTOP_ENTRY = """[Desktop Entry]
Type=Application
Version=1.4
Name=社区网格通
Name[zh_CN]=社区网格通
GenericName=社区网格管理
Comment=楼栋住户、居家隔离、党员联户，与区县同步
Exec=griddesk %f
Icon=griddesk
Terminal=false
Categories=Office;
MimeType={mime};
Keywords=网格;社区;隔离;党员;同步;GridDesk;
StartupWMClass=GridDesk
"""

MIME_XML = """<?xml version="1.0" encoding="UTF-8"?>
<mime-info xmlns="http://www.freedesktop.org/standards/shared-mime-info">
  <mime-type type="{mime}">
    <comment>GridDesk sync bundle</comment>
    <comment xml:lang="zh_CN">社区网格通同步包</comment>
    <icon name="griddesk"/>
    <glob pattern="*.gdsync"/>
  </mime-type>
</mime-info>
"""

# Menu, icons and file types are refreshed when the tools are there; never the user's data
# (it lives in ~/.local/share/GridDesk, outside the package).
POSTINST = """#!/bin/sh
set -e
command -v update-desktop-database >/dev/null 2>&1 && update-desktop-database -q || true
command -v update-mime-database >/dev/null 2>&1 && update-mime-database /usr/share/mime || true
command -v gtk-update-icon-cache >/dev/null 2>&1 && \\
    gtk-update-icon-cache -q -t -f /usr/share/icons/hicolor || true
exit 0
"""
POSTRM = POSTINST

README_TAR = """社区网格通 {version}（Linux 通用版）

解压后运行本文件夹中的 griddesk 即可打开；不需要管理员权限。
数据保存在 ~/.local/share/GridDesk/，删除本文件夹不会删除数据。
加入开始菜单：把 share/applications/griddesk.desktop 中的 Exec= 改成本文件夹中 griddesk 的完整
路径，然后复制到 ~/.local/share/applications/；图标在 share/icons/ 中。
需要系统自带的 X11/xcb、fontconfig、D-Bus、CUPS 库（Debian、UOS、麒麟等桌面系统都已安装）。
"""


@dataclass(frozen=True)
class Built:
    folder: Path        # the one-folder app (griddesk + _internal)
    deb: Path
    tarball: Path
    version: str


def version() -> str:
    data = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    return data["project"]["version"]


def build_folder(work: Path) -> Path:
    """Run PyInstaller on build.spec (strip, trim and the size report are in the spec)."""
    dist, spec_work = work / "pyinstaller", work / "pyinstaller-work"
    done = subprocess.run([sys.executable, "-m", "PyInstaller", "--noconfirm",
                           str(ROOT / "build.spec"), "--distpath", str(dist),
                           "--workpath", str(spec_work), "--log-level", "WARN"], cwd=ROOT)
    if done.returncode != 0:
        raise SystemExit(f"PyInstaller failed ({done.returncode})")
    return dist / PACKAGE


def _link_or_copy(src: str, dst: str) -> None:
    """Stage the build by hard links (no 180 MB copy), copying across file systems."""
    try:
        os.link(src, dst)
    except OSError:
        shutil.copy2(src, dst)


def _tree_kib(folder: Path) -> int:
    return sum(-(-p.stat().st_size // 1024) for p in folder.rglob("*")
               if p.is_file() and not p.is_symlink())


def _write(path: Path, text: str, mode: int = 0o644) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    path.chmod(mode)


def _share(root: Path, icons: dict[str, Path]) -> None:
    """usr/share: the menu entry, the icon in every size, the .gdsync file type."""
    _write(root / "applications" / f"{PACKAGE}.desktop", DESKTOP_ENTRY.format(mime=MIME_TYPE))
    _write(root / "mime" / "packages" / f"{PACKAGE}.xml", MIME_XML.format(mime=MIME_TYPE))
    for key, path in icons.items():
        if key.startswith("png"):
            size = key[3:]
            dest = root / "icons" / "hicolor" / f"{size}x{size}" / "apps" / f"{PACKAGE}.png"
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, dest)
    scalable = root / "icons" / "hicolor" / "scalable" / "apps" / f"{PACKAGE}.svg"
    scalable.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(icon.SVG, scalable)


def make_deb(folder: Path, icons: dict[str, Path], out: Path, work: Path, ver: str,
             *, fast: bool) -> Path:
    root = work / "deb" / f"{PACKAGE}_{ver}_amd64"
    if root.exists():
        shutil.rmtree(root)
    shutil.copytree(folder, root / INSTALL_DIR.lstrip("/"), symlinks=True,
                    copy_function=_link_or_copy)
    (root / "usr" / "bin").mkdir(parents=True)
    (root / "usr" / "bin" / PACKAGE).symlink_to(f"{INSTALL_DIR}/{PACKAGE}")
    _share(root / "usr" / "share", icons)
    _write(root / "usr" / "share" / "doc" / PACKAGE / "copyright",
           "社区网格通 GridDesk.\nBundled fonts: LXGW WenKai and Zhuque Fangsong, SIL Open Font "
           f"License 1.1 (texts in {INSTALL_DIR}/_internal/resources/fonts/).\n")
    control = (f"Package: {PACKAGE}\nVersion: {ver}\nArchitecture: amd64\n"
               "Maintainer: GridDesk <griddesk@localhost>\n"
               f"Installed-Size: {_tree_kib(root)}\nSection: misc\nPriority: optional\n"
               f"Depends: {', '.join(DEBIAN_DEPENDS)}\n"
               "Description: 社区网格通 GridDesk for community offices\n"
               " Grid registry of buildings, households and residents, home isolation,\n"
               " Party-member pairing, and sync with the district by USB or a hub.\n")
    _write(root / "DEBIAN" / "control", control)
    _write(root / "DEBIAN" / "postinst", POSTINST, 0o755)
    _write(root / "DEBIAN" / "postrm", POSTRM, 0o755)
    deb = out / f"{PACKAGE}_{ver}_amd64.deb"
    # --fast (the tests): uncompressed, the same package otherwise.
    args = ["dpkg-deb", "--root-owner-group", *(["-Znone"] if fast else ["-Zxz", "-z6"]),
            "--build", str(root), str(deb)]
    subprocess.run(args, check=True, stdout=subprocess.DEVNULL)
    return deb


def make_tarball(folder: Path, icons: dict[str, Path], out: Path, ver: str,
                 *, fast: bool) -> Path:
    top = f"{PACKAGE}-{ver}"
    tarball = out / f"{PACKAGE}-{ver}-linux-x86_64.tar.gz"
    staging = out / f".{top}-share"
    if staging.exists():
        shutil.rmtree(staging)
    _share(staging, icons)
    _write(staging / "README.txt", README_TAR.format(version=ver))
    with tarfile.open(tarball, "w:gz", compresslevel=1 if fast else 9) as tar:
        tar.add(folder, arcname=top)
        tar.add(staging / "README.txt", arcname=f"{top}/README.txt")
        for sub in ("applications", "mime", "icons"):
            tar.add(staging / sub, arcname=f"{top}/share/{sub}")
    shutil.rmtree(staging)
    return tarball


def make_dist(out: Path, work: Path, folder: Path | None = None, *, fast: bool = False) -> Built:
    if shutil.which("dpkg-deb") is None:
        raise SystemExit("需要 dpkg-deb 才能打 .deb 包：apt-get install dpkg")
    ver = version()
    out.mkdir(parents=True, exist_ok=True)
    work.mkdir(parents=True, exist_ok=True)
    if folder is None:
        folder = build_folder(work)   # the spec prints the size by part
    else:
        print(freeze.size_report(folder))
    icons = icon.render_apart(work / "icons")
    deb = make_deb(folder, icons, out, work, ver, fast=fast)
    tarball = make_tarball(folder, icons, out, ver, fast=fast)
    for path in (deb, tarball):
        print(f"{path}  {path.stat().st_size / 1e6:.1f} MB")
    return Built(folder, deb, tarball, ver)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "dist")
    parser.add_argument("--work", type=Path, default=ROOT / "build" / "dist")
    parser.add_argument("--folder", type=Path, help="wrap this one-folder build, do not build")
    parser.add_argument("--fast", action="store_true", help="light compression (tests)")
    args = parser.parse_args(argv)
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    make_dist(args.out, args.work, args.folder, fast=args.fast)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
