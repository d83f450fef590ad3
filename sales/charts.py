"""Geometry for the FactBox's projected availability chart (X-4), drawn as inline SVG by the template."""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from inventory.figures import format_quantity

from .services.availability import ProjectionPoint

WIDTH, HEIGHT = 280, 120
PAD_LEFT, PAD_RIGHT, PAD_TOP, PAD_BOTTOM = 34, 8, 10, 22


@dataclass(frozen=True)
class Chart:
    """What the SVG shows; coordinates as SVG wants them (a "." decimal point in any locale)."""

    path: str  # a step line of projected inventory
    zero_y: str
    marker_x: str  # the line's shipment date
    marker_label: str
    y_max_label: str
    y_min_label: str
    start_label: str
    end_label: str
    negative: bool  # projected inventory goes below zero somewhere
    marker_value: str  # projected inventory on the line's shipment date
    width: str = str(WIDTH)
    height: str = str(HEIGHT)
    plot_left: str = str(PAD_LEFT)
    plot_right: str = str(WIDTH - PAD_RIGHT)
    plot_top: str = str(PAD_TOP)
    plot_bottom: str = str(HEIGHT - PAD_BOTTOM)


def projection_chart(points: Sequence[ProjectionPoint], *, mark: datetime.date) -> Chart | None:
    if not points:
        return None
    start, end = points[0].date, points[-1].date
    days = max((end - start).days, 1)
    values = [p.projected for p in points]
    high, low = max(max(values), Decimal(0)), min(min(values), Decimal(0))
    if high == low:  # a flat line: give it room above the zero axis
        high = low + 1
    span = high - low

    def x(day: datetime.date) -> float:
        return round(PAD_LEFT + (WIDTH - PAD_LEFT - PAD_RIGHT) * (day - start).days / days, 1)

    def y(value: Decimal) -> float:
        return round(PAD_TOP + float((high - value) / span) * (HEIGHT - PAD_TOP - PAD_BOTTOM), 1)

    parts = [f"M{x(points[0].date)},{y(points[0].projected)}"]
    for point in points[1:]:
        parts.append(f"H{x(point.date)}V{y(point.projected)}")  # hold the level until the day it changes
    parts.append(f"H{WIDTH - PAD_RIGHT}")
    marker = min(max(mark, start), end)
    at_marker = next((p.projected for p in reversed(points) if p.date <= marker), points[0].projected)
    return Chart(
        marker_value=format_quantity(at_marker),
        path="".join(parts),
        zero_y=str(y(Decimal(0))),
        marker_x=str(x(marker)),
        marker_label=mark.strftime("%b %d"),
        y_max_label=format_quantity(high),
        y_min_label=format_quantity(low),
        start_label=start.strftime("%b %d"),
        end_label=end.strftime("%b %d"),
        negative=low < 0,
    )
