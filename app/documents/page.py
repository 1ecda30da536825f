"""A4 pages for printed forms: GB/T 9704 geometry, and a pen that sets Chinese text in the
document fonts (per-character fallback, line breaking, centring, shrinking to fit)."""

from __future__ import annotations

import io
import os
import re
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

# The GB/T 9704 grid of an official document's body: 22 lines of 28 characters in the type
# area. 28 characters of 三号 (448 pt) are wider than 156 mm (442 pt): lines are broken on a
# 15.75 pt pitch and drawn at 16 pt, justified, as Word's document grid does.
GRID_CHARS, GRID_LINES = 28, 22
BODY_SIZE = SIZE_3
BODY_PITCH = TYPE_W / GRID_CHARS                 # 15.75 pt a character
BODY_LEADING = TYPE_H / GRID_LINES               # 28.99 pt a line

# Runs a justified line never spreads inside: numbers and Latin words with their joiners.
_LATIN = re.compile(r"([A-Za-z0-9][A-Za-z0-9.:/@%+\-]*[A-Za-z0-9]|[A-Za-z0-9])")

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
             align: str = "left", bold: bool = False, spacing: float = 0.0) -> float:
        """One line at baseline y; align left/center/right on x. Returns its width.
        `bold`: a small label stroked as well as filled (no face here has a bold); titles are
        never stroked: they are set in the title face (黑体/小标宋 when the PC has one).
        `spacing`: points added after every character but the last (PDF Tc), to justify."""
        width = self.width(text, size, role) + spacing * max(0, len(text) - 1)
        if align == "center":
            x -= width / 2
        elif align == "right":
            x -= width
        c = self.canvas
        # The render mode and Tc are graphics state that outlive the text object, so a
        # stroked label lives inside saveState() and Tc is set back to 0 in the same object.
        if bold:
            c.saveState()
            c.setLineWidth(size * 0.03)
        for name, run in self.fonts.runs(text, role):
            t = c.beginText(x, y)
            t.setFont(name, size)
            if bold:
                t.setTextRenderMode(2)
            if spacing:
                t.setCharSpace(spacing)
            t.textOut(run)
            if spacing:
                t.setCharSpace(0)
            c.drawText(t)
            x += c.stringWidth(run, name, size) + spacing * len(run)
        if bold:
            c.restoreState()
        return width

    def justified(self, x: float, y: float, line: str, width: float, size: float, *,
                  last: bool = False, pitch: float | None = None, role: str = "body") -> None:
        """A line of a paragraph (两端对齐): a full line is spread or pressed so its last
        character ends at x + width; a paragraph's last line keeps the grid's pitch (or the
        font's) and stays short."""
        # The space goes between characters, never inside a number or a Latin word
        # (2026, 13700001111, GZ-00012 keep their own spacing).
        segments = _LATIN.split(line)
        gaps = len(line) - 1 - sum(len(seg) - 1 for seg in segments[1::2])
        if gaps < 1:
            self.text(x, y, line, size, role=role)
            return
        fill = (width - self.width(line, size, role)) / gaps
        # A last line on the grid's pitch, pressed only if it would pass the edge.
        spacing = min(min(0.0, pitch - size) if pitch else 0.0, fill) if last else fill
        if len(segments) == 1:
            self.text(x, y, line, size, role=role, spacing=spacing)
            return
        for k, seg in enumerate(segments):
            if not seg:
                continue
            latin = k % 2 == 1
            self.text(x, y, seg, size, role=role, spacing=0.0 if latin else spacing)
            x += self.width(seg, size, role) + spacing * (1 if latin else len(seg))

    def lines(self, text: str, width: float, size: float, role: str = "body") -> list[str]:
        return break_lines(text, width, lambda s: self.width(s, size, role))

    def paragraph(self, x: float, y: float, text: str, width: float, size: float, *,
                  leading: float | None = None, indent: bool = False,
                  align: str = "left") -> float:
        """Lines of text from baseline y down; returns the baseline after the last line.
        `indent`: two full-width spaces before the first line, as Chinese paragraphs start.
        `align="justify"`: full lines end at the right edge, the last one short."""
        leading = leading or size * 1.8
        if indent:
            text = "\u3000\u3000" + text
        lines = self.lines(text, width, size)
        for k, line in enumerate(lines):
            if align == "justify":
                self.justified(x, y, line, width, size, last=k == len(lines) - 1)
            else:
                ax = x + width / 2 if align == "center" else x + width if align == "right" \
                    else x
                self.text(ax, y, line, size, align=align)
            y -= leading
        return y

    def fit(self, text: str, width: float, size: float, smallest: float,
            role: str = "body") -> float:
        """The largest size ≤ `size` (down to `smallest`) at which text fits on one line."""
        while size > smallest and self.width(text, size, role) > width:
            size -= 0.5
        return size


def new_canvas(title: str, subject: str = "", fonts: FontSet | None = None
               ) -> tuple[Canvas, io.BytesIO]:
    """An A4 canvas whose pages start in the (embedded) body font: ReportLab otherwise opens
    every page with a Helvetica that is named but not embedded, which a PDF/A checker or a
    print shop refuses."""
    buffer = io.BytesIO()
    c = Canvas(buffer, pagesize=A4, pageCompression=1,
               initialFontName=(fonts or document_fonts()).body.name)
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
