"""SQLite storage. Importing it first imports sqlite_utils without numpy and pandas.

sqlite_utils imports numpy (and tries pandas) at import time only to map their scalar types
to column types; GridDesk never inserts either, and loading numpy cost a tenth to a quarter
of a second of every start. Hidden while sqlite_utils is imported, numpy loads later, when
a chart first needs it (pyqtgraph)."""

import sys as _sys

if "sqlite_utils" not in _sys.modules:
    _hidden = {name: _sys.modules.get(name, ...) for name in ("numpy", "pandas")}
    for _name, _was in _hidden.items():
        if _was is ...:
            _sys.modules[_name] = None          # an import of it raises ImportError
    try:
        import sqlite_utils  # noqa: F401
    finally:
        for _name, _was in _hidden.items():
            if _was is ...:
                del _sys.modules[_name]
