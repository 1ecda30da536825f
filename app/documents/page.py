"""A4 pages for printed forms: GB/T 9704 geometry, and a pen that sets Chinese text in the
document fonts (per-character fallback, line breaking, centring, shrinking to fit)."""

from __future__ import annotations

import io
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from app.dates import cn_date  # noqa: F401  (forms import it from here)
from app.documents.fonts import FontSet, document_fonts
from app.documents.typography import break_lines

PAGE_W, PAGE_H = A4
# GB/T 9704-2012: top margin 37 mm, left 28 mm, type area 156 × 225 mm.
MARGIN_TOP = 37 * mm
MARGIN_LEFT = 28 * mm
TYPE_W = 156 * mm
TYPE_H = 225 * mm
TYPE_TOP = PAGE_H - MARGIN_TOP          # y of the type area's top edge (PDF y grows upwards)
TYPE_BOTTOM = TYPE_TOP - TYPE_H

# 号 sizes in points.
SIZE_2 = 22      # 二号: titles (小标宋)
SIZE_3 = 16      # 三号: body (仿宋)
SIZE_4 = 14      # 四号
SIZE_SMALL_4 = 12
SIZE_5 = 10.5    # 五号

INK = (0, 0, 0)
GUIDE = (0.55, 0.55, 0.55)


@dataclass
class Pen:
    """Draws text on a ReportLab canvas in a FontSet."""

    canvas: Canvas
    fonts: FontSet

    def width(self, text: str, size: float, role: str = "body") -> float:
        return self.fonts.width(text, size, role)

    def text(self, x: float, y: float, text: str, size: float, *, role: str = "body",
             align: str = "left", bold: bool = False) -> float:
        """One line at baseline y; align left/center/right on x. Returns its width."""
        width = self.width(text, size, role)
        if align == "center":
            x -= width / 2
        elif align == "right":
            x -= width
        c = self.canvas
        # Without a real title face, the body face is stroked as well as filled: a heavier
        # line that reads as a title, since the bundled font has no bold. The render mode is
        # graphics state that outlives the text object, so it lives inside saveState().
        fake_bold = bold or (role == "title" and self.fonts.title_is_body)
        if fake_bold:
            c.saveState()
            c.setLineWidth(size * 0.03)
        for name, run in self.fonts.runs(text, role):
            t = c.beginText(x, y)
            t.setFont(name, size)
            if fake_bold:
                t.setTextRenderMode(2)
            t.textOut(run)
            c.drawText(t)
            x += c.stringWidth(run, name, size)
        if fake_bold:
            c.restoreState()
        return width

    def lines(self, text: str, width: float, size: float, role: str = "body") -> list[str]:
        return break_lines(text, width, lambda s: self.width(s, size, role))

    def paragraph(self, x: float, y: float, text: str, width: float, size: float, *,
                  leading: float | None = None, indent: bool = False,
                  align: str = "left") -> float:
        """Lines of text from baseline y down; returns the baseline after the last line.
        `indent`: two full-width spaces before the first line, as Chinese paragraphs start."""
        leading = leading or size * 1.8
        if indent:
            text = "\u3000\u3000" + text
        for line in self.lines(text, width, size):
            ax = x + width / 2 if align == "center" else x + width if align == "right" else x
            self.text(ax, y, line, size, align=align)
            y -= leading
        return y

    def fit(self, text: str, width: float, size: float, smallest: float,
            role: str = "body") -> float:
        """The largest size ≤ `size` (down to `smallest`) at which text fits on one line."""
        while size > smallest and self.width(text, size, role) > width:
            size -= 0.5
        return size


def new_canvas(title: str, subject: str = "") -> tuple[Canvas, io.BytesIO]:
    buffer = io.BytesIO()
    c = Canvas(buffer, pagesize=A4, pageCompression=1)
    c.setTitle(title)
    c.setAuthor("社区网格通")
    c.setCreator("社区网格通 GridDesk")
    if subject:
        c.setSubject(subject)
    return c, buffer


def pen(canvas: Canvas, fonts: FontSet | None = None) -> Pen:
    return Pen(canvas, fonts or document_fonts())


class DocumentSaveError(Exception):
    """A PDF could not be written; `message` says (in Chinese) what to do."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def save_pdf(data: bytes, path: str | os.PathLike[str]) -> Path:
    """Write a PDF beside its final name and rename it, so a failure leaves no half file."""
    path = Path(path)
    tmp: Path | None = None
    try:
        fd, name = tempfile.mkstemp(prefix=".griddesk-", suffix=".pdf", dir=path.parent)
        tmp = Path(name)
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        os.replace(tmp, path)
    except OSError as exc:
        if tmp is not None:
            tmp.unlink(missing_ok=True)
        if isinstance(exc, PermissionError):
            message = (f"无法保存“{path.name}”：文件可能正在被其他程序打开，或文件夹不允许写入。"
                       "请关闭该文件或换一个位置后重试。")
        else:
            message = (f"无法保存“{path.name}”：{exc.strerror or exc}。"
                       "请检查文件夹是否存在、磁盘是否已满，或换一个位置后重试。")
        raise DocumentSaveError(message) from exc
    return path
