"""The county's chart, drawn on the server as SVG (no script, no CDN): one row per
township, a bar of parcels down and one of parcels up, scaled to the largest."""

from __future__ import annotations

from dataclasses import dataclass

from shop.county.figures import TownshipRow

WIDTH, ROW, LABEL = 360, 34, 88
BAR = 12


@dataclass(frozen=True)
class TownshipBars:
    y: int
    name: str
    down_width: int
    up_width: int
    down: int
    up: int


def township_bars(townships: list[TownshipRow]) -> tuple[list[TownshipBars], int]:
    """The bars and the chart's height."""
    top = max([1, *(max(t.figures.parcels_down, t.figures.parcels_up) for t in townships)])
    plot = WIDTH - LABEL - 40
    bars = [
        TownshipBars(
            y=index * ROW,
            name=t.township,
            down_width=round(plot * t.figures.parcels_down / top),
            up_width=round(plot * t.figures.parcels_up / top),
            down=t.figures.parcels_down,
            up=t.figures.parcels_up,
        )
        for index, t in enumerate(townships)
    ]
    return bars, max(ROW * len(bars), ROW)
