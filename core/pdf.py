"""Chinese text in reportlab PDFs (the shipping label, sellers' statements, month reports).

Chinese is drawn with reportlab's built-in CID font STSong-Light: the reader's PDF viewer
or printer supplies the glyphs, so no font file ships with the app. Registered once per
process, on first use.
"""

from __future__ import annotations

from functools import cache

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen.canvas import Canvas

FONT = "STSong-Light"
LINE_SPACING = 1.3


@cache
def chinese_font() -> str:
    """The name of the registered Chinese font, for ``canvas.setFont``."""
    pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    return FONT


def wrap(text: str, size: float, width: float) -> list[str]:
    """Lines of ``text`` no wider than ``width`` (Chinese breaks between any two characters)."""
    lines, line = [], ""
    for char in text:
        if pdfmetrics.stringWidth(line + char, chinese_font(), size) > width:
            lines.append(line)
            line = char
        else:
            line += char
    return [*lines, line] if line else lines


def write(canvas: Canvas, text: str, x: float, y: float, size: float, width: float) -> float:
    """Draw wrapped ``text`` with its first baseline at ``y``; returns the y below it."""
    canvas.setFont(chinese_font(), size)
    for line in wrap(text, size, width):
        canvas.drawString(x, y, line)
        y -= size * LINE_SPACING
    return y
