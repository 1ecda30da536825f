"""The domain: validation, services, printing, sync, the command line (no Qt)."""

import db  # noqa: F401  (first: sqlite_utils without numpy, see db/__init__.py)
