"""Where shipped files are (resources/), from source and from the frozen build; Qt-free so the
command line and printed documents find the bundled font too."""

from __future__ import annotations

import sys
from pathlib import Path


def resource_path(relative: str) -> Path:
    """A file under resources/, wherever the app runs from (PyInstaller 6 sets _MEIPASS to the
    bundle's _internal folder, where build.spec puts resources/)."""
    base = Path(getattr(sys, "_MEIPASS", Path(__file__).resolve().parent.parent))
    return base / "resources" / relative
