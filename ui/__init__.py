"""The Qt window (PySide6). Importing any of it first protects None/True/False from a
refcount bug of PySide6 6.12 on Python 3.11 (ui/refcounts.py), and makes pyqtgraph use
PySide6, never another Qt binding that happens to be installed."""

import os

from ui.refcounts import protect_singletons

os.environ.setdefault("PYQTGRAPH_QT_LIB", "PySide6")
protect_singletons()
