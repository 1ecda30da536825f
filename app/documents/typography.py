"""Chinese line breaking for printed forms: any character may end a line, except that closing
punctuation never starts one and opening punctuation never ends one (禁则), and dates, door
numbers, phones and serial numbers (2026年11月29日, 5号楼2单元2702, 3-2-501) stay whole."""

from __future__ import annotations

import re
from collections.abc import Callable

# DOMAIN.md: no ，。、；：？！）」》 at the start of a line, no （「《 at the end; the same for
# their kin (closing quotes and brackets, ASCII punctuation, the ellipsis and the dash).
NO_LINE_START = frozenset("，。、；：？！）」》』】〕〉”’…—·％,.;:?!)]}%℃")
NO_LINE_END = frozenset("（「《『【〔〈“‘([{")

# A run that must not be split: a whole date (2026年11月29日, 11月29日, 2026年11月), a door
# (5号楼2单元2702, 2单元2702室), a number with its unit (20日, 7天, 3号), Latin letters and
# digits with the joiners numbers carry (phones, serials 410102007003-2026-GZ-00012, ranges of
# doors 701至1002, 3~5).
_DATE = r"\d{4}年\d{1,2}月(?:\d{1,2}日)?|\d{1,2}月\d{1,2}日"
_DOOR = (r"\d+[A-Za-z]?(?:号楼|号院|栋|幢|座)(?:\d+单元)?(?:\d+[A-Za-z]?(?:室|号|户)?)?"
         r"|\d+单元\d+[A-Za-z]?(?:室|号|户)?")
_UNIT = re.compile(rf"{_DATE}|{_DOOR}|\d+[年月日号天次人]"
                   r"|[A-Za-z0-9]+(?:[-./:@+~～至][A-Za-z0-9]+)*|\s+|.", re.DOTALL)

# Where a run too long for a line may be cut: after each number and what follows it.
_PIECE = re.compile(r"\d+\D*|\D+")

Measure = Callable[[str], float]


def _units(text: str) -> list[str]:
    return _UNIT.findall(text)


def break_lines(text: str, width: float, measure: Measure) -> list[str]:
    """Lines of `text` no wider than `width` (as `measure` says) by the Chinese rules.

    A closing mark that would start a line pulls the character before it down with it
    (推出); an opening mark that would end a line moves down to the next. Only when a
    line would be left empty does a mark stay over the width. Newlines are kept.
    """
    lines: list[str] = []
    for paragraph in text.split("\n"):
        lines += _break_paragraph(paragraph, width, measure)
    return lines


def _split_long(unit: str, width: float, measure: Measure) -> list[str]:
    """A run wider than a whole line: cut after a number's unit (2026年｜11月｜20日), else by
    characters."""
    parts, current = [], ""
    pieces = _PIECE.findall(unit)
    if any(measure(piece) > width for piece in pieces):
        pieces = list(unit)
    for piece in pieces:
        if current and measure(current + piece) > width:
            parts.append(current)
            current = ""
        current += piece
    return [*parts, current] if current else parts


def _break_paragraph(text: str, width: float, measure: Measure) -> list[str]:
    units: list[str] = []
    for unit in _units(text):
        units += _split_long(unit, width, measure) if measure(unit) > width else [unit]
    lines: list[list[str]] = []
    line: list[str] = []
    units.reverse()                  # a stack: a split unit's rest goes back on top
    while units:
        unit = units.pop()
        if not line and unit.isspace() and lines:
            continue              # no leading blanks after a break (a first-line indent stays)
        if not line or measure("".join(line) + unit) <= width or unit.isspace():
            line.append(unit)
            continue
        if len(unit) > 1 and all(u[-1] in NO_LINE_END for u in line):
            # Only opening marks on the line, and a long number next: fill the line with as
            # much of the number as fits rather than leave the mark alone at the end.
            cut = len(unit) - 1
            while cut > 1 and measure("".join(line) + unit[:cut]) > width:
                cut -= 1
            line.append(unit[:cut])
            units.append(unit[cut:])
            continue
        # Closing punctuation may not start the next line: take characters down with it;
        # opening punctuation may not end this line: move it down too.
        kept, carry = line[:], [unit]
        while carry[0][0] in NO_LINE_START and len(kept) > 1:
            carry.insert(0, kept.pop())
        while kept[-1][-1] in NO_LINE_END and len(kept) > 1:
            carry.insert(0, kept.pop())
        if kept[-1][-1] in NO_LINE_END or carry[0][0] in NO_LINE_START:
            # Nothing can go down without breaking a rule: a closing mark hangs past the
            # width (行末悬挂); anything else joins the line.
            line.append(unit)
            continue
        line = kept
        lines.append(line)
        line = carry
        while line and line[0].isspace():
            line.pop(0)
    if line:
        lines.append(line)
    out = ["".join(u).rstrip() for u in lines]
    return out or [""]
