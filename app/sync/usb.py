"""Where a USB stick is: removable drives first, so the secretary need not hunt for one."""

from __future__ import annotations

import os
import string
import sys
from pathlib import Path


def removable_folders() -> list[Path]:
    """Mounted removable drives (USB sticks), best guess per platform."""
    if sys.platform == "win32":
        import ctypes

        found = []
        for letter in string.ascii_uppercase:
            root = f"{letter}:\\"
            if ctypes.windll.kernel32.GetDriveTypeW(root) == 2:  # DRIVE_REMOVABLE
                found.append(Path(root))
        return found
    roots = [Path("/media"), Path("/run/media"), Path("/Volumes")]
    user = os.environ.get("USER") or os.environ.get("LOGNAME") or ""
    found = []
    for root in roots:
        for base in (root / user, root):
            if base.is_dir():
                for child in sorted(base.iterdir()):
                    if child.is_dir() and os.path.ismount(child) and child not in found:
                        found.append(child)
    return found
