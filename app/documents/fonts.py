"""Fonts for printed forms: the office's own FangSong/SimSun (and 小标宋/黑体 for titles) when the
PC has them, else the bundled 朱雀仿宋 (Zhuque Fangsong); every character is drawn in the first
font that has it, so a rare name character missing from 仿宋 still prints instead of a box (the
bundled LXGW WenKai, which covers nearly all of them, is always in the fallback chain)."""

from __future__ import annotations

import logging
import os
import sys
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import cache, lru_cache
from pathlib import Path

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFError, TTFont

from app.resources import resource_path

log = logging.getLogger(__name__)

BUNDLED_FONT = "fonts/ZhuqueFangsong-Regular.ttf"       # 仿宋 for body and titles (OFL)
BUNDLED_FALLBACK = "fonts/LXGWWenKai-Regular.ttf"       # rare characters, ℃ and ①② (OFL)
FONT_DIRS_ENV = "GRIDDESK_FONT_DIRS"   # os.pathsep-separated folders instead of the usual ones

# Office fonts by role, best first: (label, file names, index inside a .ttc). Commercial fonts
# (方正小标宋, 仿宋_GB2312) are used when installed and never shipped. ReportLab embeds only
# TrueType-outline (glyf) fonts: OpenType/CFF files (Noto CJK, Source Han) are skipped.
# Windows (simfang/simsun/simhei), WPS, 方正 (FZ*: the _GBK and 简体 files shipped with UOS and
# Kylin), the CESI fonts of 中标麒麟/UOS government images, and 思源 when a TrueType build is
# installed. File names are compared without case, in every font folder and its subfolders.
OFFICE_FONTS: dict[str, tuple[tuple[str, tuple[str, ...], int], ...]] = {
    "body": (
        ("仿宋_GB2312", ("仿宋_GB2312.ttf", "fs_gb2312.ttf", "fangsong_gb2312.ttf",
                        "simfang_gb2312.ttf"), 0),
        ("方正仿宋", ("fzfsjw.ttf", "fzfsk.ttf", "fzfs_gbk.ttf", "方正仿宋_gbk.ttf",
                     "方正仿宋简体.ttf", "fzfangsong-z02s.ttf", "fzfsjt.ttf"), 0),
        ("仿宋", ("simfang.ttf", "仿宋.ttf", "fangsong.ttf"), 0),
        ("CESI仿宋", ("cesi_fs_gb2312.ttf", "cesi_fs_gb18030.ttf", "cesi_fs_gb13000.ttf"), 0),
        ("华文仿宋", ("stfangso.ttf",), 0),
        ("宋体", ("simsun.ttc", "simsun.ttf", "宋体.ttf"), 0),
        ("方正书宋", ("fzssjw.ttf", "fzssk.ttf", "方正书宋_gbk.ttf", "方正书宋简体.ttf"), 0),
        ("CESI宋体", ("cesi_ss_gb2312.ttf", "cesi_ss_gb18030.ttf"), 0),
        ("思源宋体", ("sourcehanserifsc-regular.ttf", "sourcehanserifcn-regular.ttf",
                     "sourcehanserif-regular.ttf"), 0),
    ),
    "title": (
        ("方正小标宋简体", ("fzxbsjw.ttf", "方正小标宋简体.ttf", "fzxbsjw--gb1-0.ttf",
                          "fzxbsk.ttf", "方正小标宋_gbk.ttf"), 0),
        ("CESI小标宋", ("cesi_xbs_gb2312.ttf", "cesi_xbs_gb18030.ttf"), 0),
        ("黑体", ("simhei.ttf", "黑体.ttf"), 0),
        ("方正黑体", ("fzhtjw.ttf", "fzhtk.ttf", "方正黑体_gbk.ttf", "方正黑体简体.ttf"), 0),
        ("CESI黑体", ("cesi_ht_gb2312.ttf", "cesi_ht_gb18030.ttf"), 0),
        ("思源宋体 Heavy", ("sourcehanserifsc-heavy.ttf", "sourcehanserifcn-heavy.ttf"), 0),
        ("思源黑体", ("sourcehansanssc-bold.ttf", "sourcehansanscn-bold.ttf"), 0),
    ),
}
# Glyf CJK fonts that commonly exist, tried per character after the chosen ones: SimSun-ExtB
# carries the characters beyond U+FFFF on Windows.
FALLBACK_FILES = ("simsunb.ttf", "simsun.ttc", "msyh.ttc", "wqy-zenhei.ttc",
                  "droidsansfallbackfull.ttf", "droidsansfallback.ttf", "uming.ttc")


def font_dirs() -> list[Path]:
    """Folders where a Windows, Linux (incl. WPS) or macOS PC keeps its fonts."""
    override = os.environ.get(FONT_DIRS_ENV)
    if override is not None:
        return [Path(p) for p in override.split(os.pathsep) if p]
    home = Path.home()
    if sys.platform == "win32":
        windir = Path(os.environ.get("WINDIR", r"C:\Windows"))
        local = Path(os.environ.get("LOCALAPPDATA", home / "AppData" / "Local"))
        return [windir / "Fonts", local / "Microsoft" / "Windows" / "Fonts"]
    if sys.platform == "darwin":
        return [Path("/System/Library/Fonts"), Path("/System/Library/Fonts/Supplemental"),
                Path("/Library/Fonts"), home / "Library" / "Fonts"]
    return [Path("/usr/share/fonts"), Path("/usr/local/share/fonts"),
            home / ".local" / "share" / "fonts", home / ".fonts",
            Path("/opt/kingsoft/wps-office/office6/fonts"), Path("/usr/share/wps-office/fonts")]


def _font_files(dirs: list[Path]) -> dict[str, Path]:
    """Lower-case file name → path of every font file under the folders (first one wins)."""
    found: dict[str, Path] = {}
    for base in dirs:
        if not base.is_dir():
            continue
        for root, _dirs, files in os.walk(base):
            for name in files:
                if name.lower().endswith((".ttf", ".ttc")):
                    found.setdefault(name.lower(), Path(root) / name)
    return found


@dataclass(frozen=True)
class Font:
    """A TrueType font registered with ReportLab under `name`."""

    name: str
    label: str
    path: Path
    source: str                      # office | bundled | fallback
    codepoints: frozenset[int] = field(repr=False, default=frozenset())

    def covers(self, ch: str) -> bool:
        return ord(ch) in self.codepoints


_lock = threading.Lock()


@cache
def _register(path: str, index: int, label: str, source: str) -> Font | None:
    """Register a font file once per process; None when ReportLab cannot embed it."""
    name = f"GD-{Path(path).stem}-{index}"
    with _lock:
        try:
            font = TTFont(name, path, subfontIndex=index)
        except (TTFError, OSError, ValueError, IndexError) as exc:
            log.info("font %s not usable for PDF: %s", path, exc)
            return None
        pdfmetrics.registerFont(font)
    return Font(name, label, Path(path), source, frozenset(font.face.charToGlyph))


def _first(role: str, files: dict[str, Path]) -> Font | None:
    for label, names, index in OFFICE_FONTS[role]:
        for file_name in names:
            path = files.get(file_name.lower())
            if path:
                font = _register(str(path), index, label, "office")
                if font:
                    return font
    return None


@dataclass(frozen=True)
class FontSet:
    """The fonts a document is set in: body and title, then the per-character fallbacks."""

    body: Font
    title: Font
    fallbacks: tuple[Font, ...]

    @property
    def title_is_body(self) -> bool:
        """No separate title face on this PC: titles are set in the body face, at size (never
        stroked to look bold: a stroked outline fills the counters of dense hanzi)."""
        return self.title.name == self.body.name

    # role → character → (font name, advance at 1 pt): looked up once per character, so a
    # batch of hundreds of forms measures and splits text by dictionary lookups.
    _glyphs: dict[str, dict[str, tuple[str, float]]] = field(
        default_factory=dict, compare=False, repr=False)
    _advances: dict[str, dict[str, float]] = field(      # the same advances, for width()
        default_factory=dict, compare=False, repr=False)

    def _glyph(self, ch: str, role: str) -> tuple[str, float]:
        primary = self.title if role == "title" else self.body
        font = primary
        if not primary.covers(ch):
            # Spaces too: a font without the ideographic space (U+3000, the paragraph
            # indent) would draw it as a box.
            chain = (primary, *(f for f in (self.body, *self.fallbacks) if f is not primary))
            font = next((f for f in chain if f.covers(ch)), primary)
        glyph = (font.name, pdfmetrics.stringWidth(ch, font.name, 1))
        self._glyphs.setdefault(role, {})[ch] = glyph
        self._advances.setdefault(role, {})[ch] = glyph[1]
        return glyph

    def runs(self, text: str, role: str = "body") -> Iterator[tuple[str, str]]:
        """(font name, text) runs: each character in the first font that has it."""
        table = self._glyphs.get(role) or {}
        current, start = None, 0
        for i, ch in enumerate(text):
            glyph = table.get(ch) or self._glyph(ch, role)
            if glyph[0] != current:
                if current is not None and i > start:
                    yield current, text[start:i]
                current, start = glyph[0], i
                table = self._glyphs[role]
        if current is not None and start < len(text):
            yield current, text[start:]

    def missing(self, text: str) -> set[str]:
        """Characters no font of the set can draw (they would print as boxes)."""
        fonts = (self.body, self.title, *self.fallbacks)
        return {ch for ch in text if not ch.isspace() and not any(f.covers(ch) for f in fonts)}

    def measurer(self, size: float, role: str = "body", sample: str = ""
                 ) -> Callable[[str], float]:
        """width(·, size, role) as one fast function, for line breaking (which measures a
        growing line once per word); the characters of `sample` are learnt first."""
        self.width(sample, 1, role)
        advances = self._advances.setdefault(role, {})
        get = advances.__getitem__

        def measure(text: str) -> float:
            try:
                return sum(map(get, text)) * size
            except KeyError:
                return self.width(text, size, role)

        return measure

    def width(self, text: str, size: float, role: str = "body") -> float:
        """The advance of the text (TrueType text in ReportLab has no kerning: the sum of its
        characters' advances, each in the font that draws it)."""
        advances = self._advances.get(role)
        if advances is not None:
            try:     # every character seen before: one pass in C
                return sum(map(advances.__getitem__, text)) * size
            except KeyError:
                pass
        return sum(self._glyph(ch, role)[1] if ch not in self._glyphs.get(role, ()) else
                   self._glyphs[role][ch][1] for ch in text) * size


@lru_cache(maxsize=8)
def _font_set(dirs: tuple[str, ...], bundled: str, bundled_fallback: str) -> FontSet:
    files = _font_files([Path(d) for d in dirs])
    bundled_font = _register(bundled, 0, "朱雀仿宋", "bundled")
    rare = _register(bundled_fallback, 0, "霞鹜文楷", "bundled")
    if bundled_font is None or rare is None:
        raise RuntimeError(f"a bundled font is missing or damaged: {bundled}, {bundled_fallback}")
    body = _first("body", files) or bundled_font
    title = _first("title", files) or body
    # After an office 仿宋: the bundled 仿宋 (the same style for what it lacks), then WenKai,
    # which covers nearly every rare name character.
    fallbacks = [f for f in (bundled_font, rare) if f is not body]
    for file_name in FALLBACK_FILES:
        path = files.get(file_name)
        if path and all(f.path != path for f in (body, title, *fallbacks)):
            font = _register(str(path), 0, path.stem, "fallback")
            if font:
                fallbacks.append(font)
    return FontSet(body, title, tuple(fallbacks))


def document_fonts() -> FontSet:
    """The fonts of this PC for printed forms (looked up once per process and font folders)."""
    return _font_set(tuple(str(d) for d in font_dirs()), str(resource_path(BUNDLED_FONT)),
                     str(resource_path(BUNDLED_FALLBACK)))
