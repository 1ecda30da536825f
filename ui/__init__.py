"""The Qt window (PySide6). Importing any of it first protects None/True/False from a
refcount bug of PySide6 6.12 on Python 3.11 (ui/refcounts.py)."""

from ui.refcounts import protect_singletons

protect_singletons()
