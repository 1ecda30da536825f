"""Where shipped files are, from source and from the frozen build; the bundled font."""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtGui import QFont, QFontDatabase

BUNDLED_FONT = "fonts/LXGWWenKai-Regular.ttf"
# Office fonts tried first when the PC has them (Windows/WPS names and Linux ones).
PREFERRED_UI_FONTS = ("Microsoft YaHei UI", "Microsoft YaHei", "PingFang SC",
                      "Noto Sans CJK SC", "Source Han Sans SC", "WenQuanYi Micro Hei")


def resource_path(relative: str) -> Path:
    """A file under resources/, wherever the app runs from (PyInstaller puts it in _MEIPASS)."""
    base = Path(getattr(sys, "_MEIPASS", Path(__file__).resolve().parent.parent))
    return base / "resources" / relative


def install_fonts() -> QFont:
    """Load the bundled CJK font and pick the window font: an installed office font if any,
    else the bundled one, so Chinese shows on a machine that has none."""
    families = set(QFontDatabase.families())
    bundled = QFontDatabase.addApplicationFont(str(resource_path(BUNDLED_FONT)))
    bundled_families = QFontDatabase.applicationFontFamilies(bundled) if bundled >= 0 else []
    for family in PREFERRED_UI_FONTS:
        if family in families:
            font = QFont(family)
            break
    else:
        font = QFont(bundled_families[0]) if bundled_families else QFont()
    font.setPointSizeF(10.5)
    return font
