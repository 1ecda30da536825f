"""The application icon made from its SVG source (resources/icons/griddesk.svg) at build time:
PNG files in the sizes the Linux desktop wants, and a Windows .ico holding them.

`python release/icon.py OUT_DIR` (Qt's SVG renderer, offscreen); build.spec and
release/dist.py run it."""

from __future__ import annotations

import os
import struct
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SVG = ROOT / "resources" / "icons" / "griddesk.svg"
PNG_SIZES = (16, 24, 32, 48, 64, 128, 256)
ICO_SIZES = (16, 24, 32, 48, 64, 128, 256)


def ico_bytes(pngs: dict[int, bytes]) -> bytes:
    """A .ico file whose images are PNG streams (Windows Vista and later read them)."""
    sizes = sorted(pngs)
    header = struct.pack("<HHH", 0, 1, len(sizes))
    offset = len(header) + 16 * len(sizes)
    entries, data = b"", b""
    for size in sizes:
        png = pngs[size]
        side = 0 if size >= 256 else size  # 0 means 256 in an ICO directory entry
        entries += struct.pack("<BBBBHHII", side, side, 0, 0, 1, 32, len(png), offset)
        offset += len(png)
        data += png
    return header + entries + data


def render(out: Path) -> dict[str, Path]:
    """Write griddesk-<size>.png for each size and griddesk.ico into out; their paths."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QBuffer, QByteArray, QIODevice, Qt
    from PySide6.QtGui import QGuiApplication, QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    app = QGuiApplication.instance() or QGuiApplication(sys.argv[:1])  # noqa: F841
    renderer = QSvgRenderer(str(SVG))
    if not renderer.isValid():
        raise SystemExit(f"icon: cannot read {SVG}")
    out.mkdir(parents=True, exist_ok=True)
    made: dict[str, Path] = {}
    pngs: dict[int, bytes] = {}
    for size in sorted(set(PNG_SIZES) | set(ICO_SIZES)):
        image = QImage(size, size, QImage.Format.Format_ARGB32)
        image.fill(Qt.GlobalColor.transparent)
        painter = QPainter(image)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        renderer.render(painter)
        painter.end()
        data = QByteArray()
        buffer = QBuffer(data)
        buffer.open(QIODevice.OpenModeFlag.WriteOnly)
        image.save(buffer, "PNG")
        pngs[size] = bytes(data.data())
        if size in PNG_SIZES:
            path = out / f"griddesk-{size}.png"
            path.write_bytes(pngs[size])
            made[f"png{size}"] = path
    ico = out / "griddesk.ico"
    ico.write_bytes(ico_bytes({s: pngs[s] for s in ICO_SIZES}))
    made["ico"] = ico
    return made


def render_apart(out: Path) -> dict[str, Path]:
    """render() in a child process: a Qt application made here would stay for the rest of
    the calling process (a test session's widgets need a QApplication of their own)."""
    import subprocess

    subprocess.run([sys.executable, str(Path(__file__).resolve()), str(out)], check=True,
                   stdout=subprocess.DEVNULL, env={**os.environ, "QT_QPA_PLATFORM": "offscreen"})
    made = {f"png{size}": out / f"griddesk-{size}.png" for size in PNG_SIZES}
    made["ico"] = out / "griddesk.ico"
    return made


if __name__ == "__main__":
    if len(sys.argv) != 2:
        raise SystemExit("usage: python release/icon.py OUT_DIR")
    for path in render(Path(sys.argv[1])).values():
        print(path)
