"""The 12-week earnings chart, drawn on the server as SVG (no script, no CDN)."""

from __future__ import annotations

from dataclasses import dataclass

from ledger.earnings import Week

WIDTH, HEIGHT, LABEL = 360, 160, 20
GAP = 4


@dataclass(frozen=True)
class Bar:
    x: int
    y: int
    width: int
    height: int
    earned_fen: int
    label: str  # the week's Monday, "11/23"
    negative: bool


def earned_fen(week: Week) -> int:
    """What the week's sales left the seller after commission and refunds."""
    f = week.figures
    return f.sales_fen - f.commission_fen - f.refunds_fen


def bars(weeks: list[Week]) -> tuple[list[Bar], int]:
    """The bars and the y of the zero line, scaled to the largest week."""
    values = [earned_fen(week) for week in weeks]
    top, bottom = max([0, *values]), min([0, *values])
    span = (top - bottom) or 1
    plot = HEIGHT - LABEL
    zero = round(plot * top / span)
    slot = WIDTH // max(len(weeks), 1)
    result = []
    for index, (week, value) in enumerate(zip(weeks, values, strict=True)):
        height = round(plot * abs(value) / span)
        result.append(
            Bar(
                x=index * slot + GAP // 2,
                y=zero - height if value >= 0 else zero,
                width=slot - GAP,
                height=height,
                earned_fen=value,
                label=f"{week.week_start:%m/%d}",
                negative=value < 0,
            )
        )
    return result, zero
