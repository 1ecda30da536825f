"""A guard against a PySide6 6.12 bug on Python 3.11: its bindings hand back None, True and
False without taking a new reference (right only from Python 3.12, where these objects are
immortal), so every void Qt call made from Python — QPainter.setPen, a paintEvent override —
takes one reference away, and a session that paints from Python (pyqtgraph) ends in
"Fatal Python error: none_dealloc". Measured: 100 QPainter.setPen calls, 98 references gone."""

from __future__ import annotations

import ctypes
import sys

SPARE = 1 << 40   # references to spare: ~10^12 calls, more than any session makes


def protect_singletons() -> bool:
    """Give None, True and False a huge reference count on CPython before 3.12 (ob_refcnt is
    the first field of every object there); returns whether anything was done."""
    if sys.version_info >= (3, 12) or sys.implementation.name != "cpython":
        return False
    for obj in (None, True, False):
        count = ctypes.c_ssize_t.from_address(id(obj))
        if count.value < SPARE:
            count.value += SPARE
    return True
