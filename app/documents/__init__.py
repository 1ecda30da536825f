"""Printed forms: ReportLab renders each to a PDF, the document of record; the window previews
and prints that same PDF (ui/print_preview.py). Shared here: fonts with per-character fallback
(fonts.py), Chinese line breaking (typography.py), A4 official-document geometry and drawing
(page.py); each form family has its own module (pairing_forms.py, …)."""

from __future__ import annotations

import sys
import types


def _import_reportlab_without_pillow() -> None:
    """ReportLab 5 imports PIL.Image on import (for raster images, which no form draws); the
    frozen build leaves Pillow out (build.spec). Without Pillow, a stand-in module satisfies
    that one import and is taken away again, so no other library mistakes it for Pillow."""
    try:
        import PIL.Image  # noqa: F401
        return
    except ImportError:
        pass
    names = ("PIL", "PIL.Image")
    before = {name: sys.modules.get(name, ...) for name in names}
    stub = types.ModuleType("PIL")
    stub.Image = types.ModuleType("PIL.Image")  # type: ignore[attr-defined]
    sys.modules.update({"PIL": stub, "PIL.Image": stub.Image})  # type: ignore[attr-defined]
    try:
        import reportlab.lib.utils
        import reportlab.pdfgen.canvas  # noqa: F401
    finally:
        for name, module in before.items():
            if module is ...:
                sys.modules.pop(name, None)
            else:
                sys.modules[name] = module


_import_reportlab_without_pillow()

# Page streams are written zlib-compressed as binary, not also ASCII85-encoded (ReportLab's
# default, for 7-bit mail): PDFs are 15 % smaller and a 500-case batch is saved faster.
from reportlab import rl_config  # noqa: E402

rl_config.useA85 = 0
