"""The release's shared parts read as plain data on Linux: what the frozen build keeps, the
ICU data it trims, the Windows settings of build.spec, the icon, the .deb's desktop entry."""

from __future__ import annotations

import ast
import struct
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from release import dist, freeze, icon, windows  # noqa: E402


@pytest.mark.parametrize(("dest", "linux", "kept"), [
    ("PySide6/Qt/plugins/platforms/libqxcb.so", True, True),
    ("PySide6/Qt/plugins/platforms/libqoffscreen.so", True, True),
    ("PySide6/Qt/plugins/platforms/libqvnc.so", True, False),
    ("PySide6/Qt/plugins/platformthemes/libqgtk3.so", True, False),
    ("PySide6/Qt/plugins/imageformats/libqtiff.so", True, False),
    ("PySide6/Qt/plugins/printsupport/libcupsprintersupport.so", True, True),
    ("PySide6/plugins/platforms/qwindows.dll", False, True),
    ("PySide6/plugins/styles/qmodernwindowsstyle.dll", False, True),
    ("PySide6/Qt/translations/qtbase_zh_CN.qm", True, True),
    ("PySide6/Qt/translations/qtbase_de.qm", True, False),
    ("PySide6/Qt/lib/libQt6WaylandClient.so.6", True, False),
    ("PySide6/Qt/lib/libQt6Gui.so.6", True, True),
    ("PySide6/opengl32sw.dll", False, False),
    ("libX11.so.6", True, False),
    ("libcups.so.2", True, False),
    ("libpython3.11.so.1.0", True, True),
    ("libssl.so.3", True, True),
    ("libsqlite3.so.0", True, True),
    ("libstdc++.so.6", True, True),
    ("libz.so.1", True, False),
    ("libzstd.so.1", True, False),
    ("libz.so.1", False, True),     # Windows keeps what it collected
])
def test_what_the_build_keeps(dest, linux, kept):
    assert freeze.keep(dest, linux=linux) is kept


def test_icu_trim_keeps_chinese_english_and_root_and_drops_other_locales():
    items = ["root.res", "zh.res", "zh_Hans_CN.res", "en_US.res", "fr.res", "coll/zh.res",
             "coll/fr.res", "coll/ucadata.icu", "coll/res_index.res", "res_index.res",
             "translit/Han_Latn.res", "brkitr/cjdict.dict", "lang/zh.res", "unames.icu",
             "gb18030.cnv", "ibm-37_P100-1995.cnv", "cnvalias.icu", "supplementalData.res",
             "zoneinfo64.res", "zone/zh.res", "zone/fr.res", "pool.res", "nfkc.nrm"]
    dropped = set(freeze.icu_items_to_drop(items))
    assert dropped == {"fr.res", "coll/fr.res", "translit/Han_Latn.res", "brkitr/cjdict.dict",
                       "lang/zh.res", "unames.icu", "ibm-37_P100-1995.cnv", "zone/fr.res"}


def test_spec_windows_branch_hides_the_console_and_sets_icon_and_version():
    tree = ast.parse((ROOT / "build.spec").read_text(encoding="utf-8"))
    calls = {node.func.id: node for node in ast.walk(tree)
             if isinstance(node, ast.Call) and isinstance(node.func, ast.Name)}
    keywords = {k.arg: ast.unparse(k.value) for k in calls["EXE"].keywords}
    assert keywords["console"] == "windows.EXE_OPTIONS['console'] if WINDOWS else True"
    assert "windows.EXE_OPTIONS['icon']" in keywords["icon"]
    assert keywords["version"].endswith("if WINDOWS else None")
    assert windows.EXE_OPTIONS == {"console": False, "icon": "griddesk.ico"}
    # Paths in the spec are built with pathlib from SPECPATH, never spelt out.
    strings = [n.value for n in ast.walk(tree) if isinstance(n, ast.Constant)
               and isinstance(n.value, str)]
    assert not [s for s in strings if s.startswith(("/", "C:", "c:"))]


def test_windows_version_resource_names_the_product_and_version():
    text = windows.version_resource("0.2.0")
    assert "StringStruct('ProductName', '社区网格通')" in text
    assert "StringStruct('ProductVersion', '0.2.0')" in text
    assert "filevers=(0, 2, 0, 0)" in text
    assert "VarStruct('Translation', [2052, 1200])" in text  # 简体中文, Unicode
    ast.parse(text)  # PyInstaller evaluates it as a Python expression


def test_icon_is_made_from_the_svg_in_png_and_ico(tmp_path):
    made = icon.render_apart(tmp_path)
    assert made["png256"].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    ico = made["ico"].read_bytes()
    reserved, kind, count = struct.unpack("<HHH", ico[:6])
    assert (reserved, kind, count) == (0, 1, len(icon.ICO_SIZES))
    first = struct.unpack("<BBBBHHII", ico[6:22])
    assert first[0] == 16 and ico[first[7]:first[7] + 4] == b"\x89PNG"


def test_desktop_entry_is_chinese_and_opens_sync_bundles():
    entry = dist.DESKTOP_ENTRY.format(mime=dist.MIME_TYPE)
    assert "Name=社区网格通" in entry and "Exec=griddesk %f" in entry
    assert f"MimeType={dist.MIME_TYPE};" in entry and "Icon=griddesk" in entry
    assert '<glob pattern="*.gdsync"/>' in dist.MIME_XML


def test_windows_installer_is_per_user_and_opens_sync_bundles():
    iss = (ROOT / "release" / "windows" / "griddesk.iss").read_text(encoding="utf-8")
    setup = dict(line.split("=", 1) for line in iss.split("[Setup]")[1].split("\n[")[0]
                 .splitlines() if "=" in line and not line.startswith(";"))
    assert setup["PrivilegesRequired"] == "lowest"            # no administrator rights
    assert setup["DefaultDirName"].startswith("{localappdata}")
    assert setup["AppName"] == windows.PRODUCT_NAME
    assert 'Subkey: "Software\\Classes\\.gdsync"' in iss and '""%1""' in iss
    script = (ROOT / "scripts" / "build-windows.ps1").read_text(encoding="utf-8")
    # The script passes what the .iss expects and uses the icon the spec makes.
    assert all(f"/D{name}=" in script for name in ("AppVersion", "SourceDir", "IconFile"))
    assert "pyinstaller-work\\icons\\griddesk.ico" in script and "build.spec" in script


def test_pyqtgraph_draws_without_qtopengl_through_the_runtime_hook(tmp_path):
    """As in the build, which leaves QtOpenGL out: pyqtgraph loads, plots a curve and bars."""
    import subprocess

    script = tmp_path / "plot.py"
    script.write_text(f"""
import runpy, sys
runpy.run_path({str(ROOT / "release" / "rthook_opengl.py")!r})
# The build has no QtOpenGL, so the hook's finder (appended last) answers: put it first here.
sys.meta_path.insert(0, sys.meta_path.pop())
from PySide6.QtWidgets import QApplication
app = QApplication([])
import pyqtgraph as pg
from PySide6 import QtOpenGL
assert type(QtOpenGL.__spec__.loader).__name__ == "_NoOpenGL"  # the stand-in
w = pg.PlotWidget()
w.plot([1, 3, 2, 4])
w.addItem(pg.BarGraphItem(x=[1, 2, 3], height=[3, 1, 2], width=0.6))
w.resize(300, 200)
w.show()
app.processEvents()
image = w.grab().toImage()
assert image.width() == 300
print("drawn")
""", encoding="utf-8")
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True,
                          timeout=120, env={**__import__("os").environ,
                                            "QT_QPA_PLATFORM": "offscreen"})
    assert done.returncode == 0 and "drawn" in done.stdout, done.stderr[-3000:]
