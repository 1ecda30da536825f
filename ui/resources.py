"""Where shipped files are, from source and from the frozen build; the bundled font."""

from __future__ import annotations

from PySide6.QtGui import QFont, QFontDatabase

from app.resources import resource_path

BUNDLED_FONT = "fonts/LXGWWenKai-Regular.ttf"
# Office fonts tried first when the PC has them (Windows/WPS names and Linux ones).
PREFERRED_UI_FONTS = ("Microsoft YaHei UI", "Microsoft YaHei", "PingFang SC",
                      "Noto Sans CJK SC", "Source Han Sans SC", "WenQuanYi Micro Hei")


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
