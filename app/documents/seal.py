"""Where an office stamps a form: the issuing body's name and the date at the end of the text,
as an official document sets them (GB/T 9704, 成文日期右空四字): the date ends about four
characters in from the right edge of the type area, so the seal, centred over the date,
covers it; the issuing body is centred over the date."""

from __future__ import annotations

from app.documents.page import Pen


def seal_centres(p: Pen, issuer: str, day: str, size: float, right: float
                 ) -> tuple[float, float]:
    """The x centres of the issuer's line and of the date set under it. A long name moves
    left only as far as it must to end at `right`."""
    date_centre = right - 4 * size - p.width(day, size) / 2
    issuer_centre = min(date_centre, right - p.width(issuer, size) / 2)
    return issuer_centre, date_centre


def draw_seal_block(p: Pen, issuer: str, day: str, size: float, right: float, y: float,
                    leading: float) -> float:
    """The issuer at baseline `y`, the date a line below; returns the date's baseline."""
    issuer_x, date_x = seal_centres(p, issuer, day, size, right)
    p.text(issuer_x, y, issuer, size, align="center")
    p.text(date_x, y - leading, day, size, align="center")
    return y - leading
