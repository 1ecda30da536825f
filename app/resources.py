"""Where shipped files are (resources/), from source and from the frozen build; Qt-free so the
command line and printed documents find the bundled font too."""

from __future__ import annotations

import lzma
import os
import sys
import tempfile
from pathlib import Path

import platformdirs


def resource_path(relative: str) -> Path:
    """A file under resources/, wherever the app runs from (PyInstaller 6 sets _MEIPASS to the
    bundle's _internal folder, where build.spec puts resources/). The frozen build ships the
    fonts xz-compressed (half their size, release/freeze.py): such a file is unpacked once into
    the user's cache folder and that copy is returned."""
    base = Path(getattr(sys, "_MEIPASS", Path(__file__).resolve().parent.parent))
    path = base / "resources" / relative
    packed = path.with_name(path.name + ".xz")
    if path.exists() or not packed.is_file():
        return path
    return _unpacked(packed, relative)


def _unpacked(packed: Path, relative: str) -> Path:
    stat = packed.stat()
    cache = Path(os.environ.get("GRIDDESK_CACHE_DIR")
                 or platformdirs.user_cache_dir("GridDesk", False))
    # The packed file's size and time in the name: an upgrade's new font is unpacked anew.
    target = cache / "resources" / f"{stat.st_size}-{stat.st_mtime_ns}" / relative
    if target.is_file():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, suffix=".part")
    try:
        with os.fdopen(fd, "wb") as out, lzma.open(packed) as src:
            while chunk := src.read(1 << 20):
                out.write(chunk)
        os.replace(tmp, target)  # two windows starting at once both end with a whole file
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target
