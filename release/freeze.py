"""What the frozen one-folder build leaves out and how build.spec makes it small: the Qt
plugins, libraries and translations kept, the system libraries a Linux desktop provides, the
stripping, the trimmed ICU data, and the size of the folder by part.

Plain Python without PyInstaller or Qt: build.spec calls it, and the tests read its rules."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from collections import defaultdict
from pathlib import Path

# Issue 21 asked for at most 150 MB; what is left without dropping a feature is ~180 MB (Qt
# 60, numpy for pyqtgraph's charts 38, Python 25, the two CJK fonts 13, lxml, Pillow, pdfium,
# the hub's pydantic: docs/decisions.md). The test fails above SIZE_LIMIT_MB, which leaves
# room for the features being added now and no more.
TARGET_MB = 150
SIZE_LIMIT_MB = 190

# Qt plugins the window loads, by folder: the rest (EGLFS, VNC, Wayland, evdev, the GTK theme
# with its GTK/cairo/pango libraries, image formats no form uses, network information) are
# never loaded. Names without "lib" and the extension, Linux and Windows alike.
KEEP_QT_PLUGINS: dict[str, set[str]] = {
    "platforms": {"qxcb", "qoffscreen", "qminimal", "qwindows", "qdirect2d"},
    "platformthemes": {"qxdgdesktopportal"},
    "platforminputcontexts": {"composeplatforminputcontextplugin",
                              "ibusplatforminputcontextplugin"},
    "imageformats": {"qsvg", "qico"},
    "iconengines": {"qsvgicon"},
    "printsupport": {"cupsprintersupport", "windowsprintersupport"},
    "xcbglintegrations": {"qxcb-glx-integration", "qxcb-egl-integration"},
    "styles": {"qmodernwindowsstyle", "qwindowsvistastyle"},
}

# Qt libraries nothing kept links or imports: Wayland (XWayland runs the xcb plugin), EGLFS,
# QtTest and QtOpenGLWidgets (pyqtgraph imports them only if present), QtNetwork (the hub
# client speaks HTTP from Python), Windows' software OpenGL.
DROP_QT_LIBRARIES = re.compile(
    r"^(lib)?Qt6(WaylandClient|WaylandEglClientHwIntegration|WlShellIntegration|EglFS\w*|"
    r"EglFsKmsSupport|Test|OpenGLWidgets|Network|Pdf|Qml\w*|Quick\w*|VirtualKeyboard)"
    r"[.\d]*\.(so[.\d]*|dll)$|^opengl32sw\.dll$", re.IGNORECASE)

# Qt's translations: the launcher loads qtbase_zh_CN only.
KEEP_TRANSLATIONS = {"qtbase_zh_CN.qm"}

# Python packages and modules the bundle never imports: test and console tools the analysis
# reaches through optional imports (lxml stays: app/ledger/formats reads web-page and XML
# ledgers with it), Pillow's AVIF, Tk and colour-management parts (photos are JPEG/PNG/GIF/
# WEBP/BMP; the demo draws its photos with ImageDraw, which needs ImageFont), and numpy's
# random, fft and test modules (pyqtgraph never calls them).
UNUSED_MODULES = ["hypothesis", "yaml", "_yaml", "pytest", "_pytest",
                  "pygments", "rich", "markdown_it", "pydoc_data",
                  "PIL._avif", "PIL._imagingtk", "PIL.ImageTk",
                  "PIL._imagingcms", "PIL.ImageCms",
                  "numpy.random", "numpy.fft", "numpy.f2py", "numpy.testing",
                  "numpy._core._multiarray_tests", "numpy._core._simd",
                  "numpy._core._umath_tests", "numpy._core._rational_tests",
                  "numpy._core._operand_flag_tests", "numpy._core._struct_ufunc_tests",
                  "pyqtgraph.examples", "pyqtgraph.opengl", "pyqtgraph.jupyter",
                  "lxml.objectify", "lxml.html.diff", "lxml.html._difflib",
                  "lxml.isoschematron"]  # lxml's etree and html parsers stay (ledgers)

# System libraries every Debian-based desktop has (the .deb depends on their packages,
# release/dist.py DEBIAN_DEPENDS): the system's own, matching its X server, fonts and CUPS,
# rather than a second copy. Kept in the bundle: Python, OpenSSL 3, SQLite, libffi, readline,
# libstdc++ (older systems have older versions of these) and Qt's own ICU.
SYSTEM_LIBRARIES = re.compile(
    r"^lib(glib-2\.0|gio-2\.0|gobject-2\.0|gmodule-2\.0|gthread-2\.0|pcre2-8|mount|blkid|"
    r"selinux|X11|X11-xcb|xcb[-\w]*|Xau|Xdmcp|Xext|Xrender|Xi|Xfixes|Xrandr|Xcursor|"
    r"Xinerama|Xcomposite|Xdamage|bsd|md|xkbcommon|xkbcommon-x11|fontconfig|freetype|expat|"
    r"png16|brotli\w+|harfbuzz|graphite2|dbus-1|systemd|lz4|zstd|gcrypt|gpg-error|cap|cups|"
    r"gnutls|p11-kit|unistring|idn2|nettle|hogweed|gmp|tasn1|krb5|krb5support|gssapi_krb5|"
    r"k5crypto|keyutils|com_err|avahi-\w+|gtk-3|gdk-3|atk-1\.0|atk-bridge-2\.0|atspi|"
    r"cairo|cairo-gobject|pango-1\.0|pangocairo-1\.0|pangoft2-1\.0|gdk_pixbuf-2\.0|pixman-1|"
    r"fribidi|datrie|thai|epoxy|wayland-\w+|z|lzma|bz2|jpeg|uuid|resolv)\.so[.\d]*$")


def _plugin_kept(parts: list[str]) -> bool:
    """parts: a destination path split on '/', '.../plugins/<kind>/<file>'."""
    i = parts.index("plugins")
    if len(parts) < i + 3:
        return True
    kind, name = parts[i + 1], parts[-1]
    stem = re.sub(r"\.(so|dll|dylib)$", "", re.sub(r"^lib", "", name))
    return stem in KEEP_QT_PLUGINS.get(kind, set())


def keep(dest: str, *, linux: bool) -> bool:
    """Whether a file PyInstaller collected (its destination in the bundle) is kept."""
    parts = dest.replace("\\", "/").split("/")
    name = parts[-1]
    if "PySide6" in parts and "plugins" in parts:
        return _plugin_kept(parts)
    if "translations" in parts and name.endswith(".qm"):
        return name in KEEP_TRANSLATIONS
    if DROP_QT_LIBRARIES.match(name):
        return False
    if parts[0] == "pyqtgraph" and "icons" in parts and "peegee" in parts:
        return False  # pyqtgraph's logo in five sizes
    return not (linux and len(parts) == 1 and SYSTEM_LIBRARIES.match(name))


def prune(entries: list, *, linux: bool) -> list:
    """PyInstaller's TOC entries (dest, source, kind) the build keeps."""
    return [e for e in entries if keep(e[0], linux=linux)]


def _is_elf(path: Path) -> bool:
    try:
        with path.open("rb") as f:
            return f.read(4) == b"\x7fELF"
    except OSError:
        return False


def strip_tree(folder: Path) -> int:
    """Strip the debug symbols of every shared library under folder; bytes saved. Left alone:
    numpy's OpenBLAS (breaks when stripped) and the executable (its archive is appended)."""
    strip = shutil.which("strip")
    if strip is None:
        print("freeze: no `strip` (binutils): the libraries keep their symbols")
        return 0
    saved = 0
    for path in folder.rglob("*"):
        if (path.is_symlink() or not path.is_file() or "openblas" in path.name
                or not re.search(r"\.so(\.[\d.]+)?$", path.name) or not _is_elf(path)):
            continue
        before = path.stat().st_size
        done = subprocess.run([strip, "--strip-unneeded", str(path)], capture_output=True)
        if done.returncode == 0:
            saved += before - path.stat().st_size
    return saved


# ICU data Qt never reads: other locales' names, collations, units and number spellings
# (kept: root, en*, zh*), transliteration, word-break dictionaries and rules (Qt breaks text
# itself), display names of languages, regions, currencies and units (Qt has its own CLDR
# data), character names, and converters other than the Chinese ones (GB18030, GBK, Big5).
_UNUSED_ICU_TREES = ("translit/", "brkitr/", "lang/", "region/", "curr/", "unit/")
_LOCALE_ITEM = re.compile(r"^[a-z]{2,3}(_[A-Za-z0-9]+)*\.res$")
_KEPT_LOCALE = re.compile(r"^(root|en|zh)([_.])")
_KEPT_CONVERTERS = re.compile(r"^(gb18030|windows-936-2000|windows-950-2000|ibm-1383_P110-1999|"
                              r"ibm-1386_P100-2001|ibm-5478_P100-1995|ibm-1373_P100-2002|"
                              r"icu-internal-.*)\.cnv$")


def icu_items_to_drop(items: list[str]) -> list[str]:
    """Of an ICU data package's items (`icupkg -l`), those Qt never needs."""
    drop = []
    for item in items:
        base = item.rsplit("/", 1)[-1]
        if (item.startswith(_UNUSED_ICU_TREES) or base == "unames.icu"
                or (base.endswith(".cnv") and not _KEPT_CONVERTERS.match(base))
                or (_LOCALE_ITEM.match(base) and base != "res_index.res"
                    and not _KEPT_LOCALE.match(base))):
            drop.append(item)
    return drop


def trim_icu(folder: Path) -> int:
    """Replace Qt's libicudata (31 MB, every locale of the world) with one holding the data Qt
    uses for Chinese and English; bytes saved, 0 when the tools (icupkg from icu-devtools, gcc,
    objcopy) are missing or anything fails (the original library then stays)."""
    libs = [p for p in folder.rglob("libicudata.so.*") if not p.is_symlink()]
    tools = {t: shutil.which(t) or shutil.which(t, path="/usr/sbin")  # icupkg: sbin
             for t in ("icupkg", "gcc", "objcopy")}
    if not libs:
        return 0
    if not all(tools.values()):
        missing = " ".join(t for t, p in tools.items() if p is None)
        print(f"freeze: ICU data kept whole (missing {missing}; apt-get install icu-devtools gcc)")
        return 0
    lib = libs[0]
    major = re.search(r"\.so\.(\d+)", lib.name).group(1)
    name = f"icudt{major}l"
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        whole, small = work / f"{name}.dat", work / "out" / f"{name}.dat"
        small.parent.mkdir()
        try:
            subprocess.run([tools["objcopy"], "-O", "binary", "--only-section=.rodata",
                            str(lib), str(whole)], check=True, capture_output=True)
            items = subprocess.run([tools["icupkg"], "-l", str(whole)], check=True,
                                   capture_output=True, text=True).stdout.split()
            drop = set(icu_items_to_drop(items))
            for _ in range(8):  # an item kept may point at one dropped: keep dropping those
                (work / "drop.txt").write_text("\n".join(sorted(drop)) + "\n")
                small.unlink(missing_ok=True)
                done = subprocess.run([tools["icupkg"], "-r", str(work / "drop.txt"),
                                       str(whole), str(small)], capture_output=True, text=True)
                orphans = set(re.findall(r"Item (\S+) depends on missing item",
                                         done.stdout + done.stderr))
                if not orphans:
                    break
                drop |= orphans
            if not small.is_file():
                raise RuntimeError("icupkg wrote nothing")
            (work / "icudata.S").write_text(
                f"    .section .rodata\n    .globl {name[:-1]}_dat\n"
                f"    .type {name[:-1]}_dat, @object\n    .balign 16\n{name[:-1]}_dat:\n"
                f'    .incbin "{small}"\n    .size {name[:-1]}_dat, . - {name[:-1]}_dat\n'
                '    .section .note.GNU-stack,"",@progbits\n', encoding="utf-8")
            built = work / lib.name
            subprocess.run([tools["gcc"], "-shared", "-nostdlib", f"-Wl,-soname,{lib.name}",
                            "-o", str(built), str(work / "icudata.S")],
                           check=True, capture_output=True)
        except (subprocess.CalledProcessError, RuntimeError, OSError) as exc:
            print(f"freeze: ICU data kept whole ({exc})")
            return 0
        before = lib.stat().st_size
        shutil.copyfile(built, lib)
        return before - lib.stat().st_size


PARTS = [  # (part, test on the path relative to _internal), the first that matches
    ("Qt (PySide6)", lambda p: p.startswith(("PySide6/", "shiboken6/", "libQt6", "libpyside",
                                              "libshiboken"))),
    ("numpy", lambda p: p.startswith(("numpy/", "numpy.libs/"))),
    ("fonts", lambda p: p.startswith("resources/fonts/")),
    ("Python", lambda p: p.startswith(("python3", "libpython", "base_library.zip", "lib-dynload/"))
     or p.endswith(".pyd")),
    ("PDF (pypdfium2)", lambda p: p.startswith(("pypdfium2", "pypdfium2_raw/"))),
    ("hub (pydantic)", lambda p: p.startswith(("pydantic",))),
    ("other libraries", lambda p: (p.startswith("lib") and ".so" in p) or p.endswith(".dll")),
]


def folder_mb(folder: Path) -> float:
    """The folder's files (symlinks not followed), in MB (10^6 bytes, as dpkg and du -b)."""
    return sum(p.stat().st_size for p in folder.rglob("*")
               if p.is_file() and not p.is_symlink()) / 1e6


def size_by_part(folder: Path) -> dict[str, float]:
    """MB per part of a one-folder build (the executable counts as Python)."""
    sizes: dict[str, float] = defaultdict(float)
    internal = folder / "_internal"
    for path in folder.rglob("*"):
        if path.is_symlink() or not path.is_file():
            continue
        rel = path.relative_to(internal).as_posix() if internal in path.parents else "python3"
        part = next((name for name, test in PARTS if test(rel)), "other")
        sizes[part] += path.stat().st_size / 1e6
    return dict(sizes)


def size_report(folder: Path) -> str:
    sizes = size_by_part(folder)
    total = sum(sizes.values())
    lines = [f"  {part:<18}{mb:7.1f} MB" for part, mb in sorted(sizes.items(),
                                                             key=lambda kv: -kv[1])]
    verdict = "TOO BIG" if total > SIZE_LIMIT_MB else (
        "ok" if total <= TARGET_MB else f"under the limit, above the {TARGET_MB} MB target")
    lines.append(f"  {'total':<18}{total:7.1f} MB  (limit {SIZE_LIMIT_MB} MB: {verdict})")
    return "\n".join(["size of the one-folder build by part:", *lines])


def finish_linux(folder: Path) -> None:
    """After PyInstaller's COLLECT on Linux: strip, trim ICU, print the sizes."""
    if os.environ.get("GRIDDESK_NO_SHRINK"):
        print("freeze: GRIDDESK_NO_SHRINK set: not stripped, ICU whole")
    else:
        saved = strip_tree(folder)
        icu = trim_icu(folder)
        print(f"freeze: stripping saved {saved / 1e6:.1f} MB, trimming ICU {icu / 1e6:.1f} MB")
    print(size_report(folder))


def compress_fonts(datas: list) -> list:
    """The bundled fonts (resources/fonts/*.ttf, 25 MB) as .xz files (13 MB), which
    app.resources.resource_path unpacks once into the user's cache folder."""
    import hashlib
    import lzma

    import platformdirs

    # Compressing takes a minute: kept between builds (each test session builds afresh), keyed
    # by the font's content, since a fresh checkout gives every file a new modification time.
    cache = Path(os.environ.get("GRIDDESK_BUILD_CACHE")
                 or platformdirs.user_cache_dir("GridDesk-build", False)) / "fonts"
    out = []
    for entry in datas:
        dest, source = entry[0], entry[1]
        if dest.replace("\\", "/").startswith("resources/fonts/") and \
                dest.lower().endswith((".ttf", ".otf")):
            src = Path(source)
            content = src.read_bytes()
            digest = hashlib.sha256(content).hexdigest()[:32]
            packed = cache / f"{len(content)}-{digest}" / (src.name + ".xz")
            if not packed.is_file():
                packed.parent.mkdir(parents=True, exist_ok=True)
                part = packed.with_name(f"{packed.name}.{os.getpid()}.part")
                part.write_bytes(lzma.compress(content, preset=6))
                os.replace(part, packed)
            out.append((dest + ".xz", str(packed), *entry[2:]))
        else:
            out.append(entry)
    return out
