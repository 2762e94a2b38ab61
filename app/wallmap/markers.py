"""Where each numbered marker goes, so that no two hide each other.

A marker belongs at its project's anchor: the point itself, the middle of the part of a line
inside the town, or a point inside the part of an area inside the town. Several projects
often share a place (seven at one village, a road and its exit); each marker then moves to
the nearest free spot on rings around its anchor and a thin leader line points back.
Projects known only to their town are not placed one by one: they share one label at the
town seat listing their numbers, because drawing 70 markers at a seat would say "here"
seventy times about places that are not there.
"""

import math
from dataclasses import dataclass

from shapely.geometry import LineString, Point, box
from shapely.geometry.base import BaseGeometry

from app.wallmap.draw import lines, polygons
from app.wallmap.projection import Frame

MM = 72 / 25.4


@dataclass(frozen=True)
class Obstacle:
    """A rectangle markers must keep clear of (the seat label, the scale bar, the north arrow)."""

    x: float
    y: float
    width: float
    height: float

    def hits_circle(self, cx: float, cy: float, r: float) -> bool:
        nearest_x = min(max(cx, self.x), self.x + self.width)
        nearest_y = min(max(cy, self.y), self.y + self.height)
        return math.hypot(cx - nearest_x, cy - nearest_y) < r


@dataclass(frozen=True)
class Placed:
    number: int
    x: float
    y: float
    radius: float
    anchor: tuple[float, float]

    @property
    def moved(self) -> bool:
        return math.hypot(self.x - self.anchor[0], self.y - self.anchor[1]) > 0.5


def marker_radius(number: int) -> float:
    return (3.6 if number >= 100 else 3.0) * MM


def anchor(geometry: BaseGeometry, town_area: BaseGeometry, frame: Frame) -> tuple[float, float]:
    """Where a project's number belongs, all in page points; inside the town and the frame when possible."""
    view = box(frame.x, frame.y, frame.right, frame.top)
    part = geometry.intersection(town_area).intersection(view)
    if part.is_empty:
        part = geometry.intersection(view)
    if part.is_empty:
        part = geometry
    line_parts = lines(part)
    area_parts = polygons(part)
    point: Point
    if area_parts:
        point = max(area_parts, key=lambda g: g.area).representative_point()
    elif line_parts:
        longest: LineString = max(line_parts, key=lambda g: g.length)
        point = longest.interpolate(0.5, normalized=True)
    else:
        point = part.representative_point()
    return float(point.x), float(point.y)


def _candidates(ax: float, ay: float, r: float) -> list[tuple[float, float]]:
    spots = [(ax, ay)]
    for ring in range(1, 8):
        distance = ring * 2.3 * r
        count = 6 * ring
        spots += [
            (ax + distance * math.cos(math.pi / 4 + 2 * math.pi * i / count),
             ay + distance * math.sin(math.pi / 4 + 2 * math.pi * i / count))
            for i in range(count)
        ]  # fmt: skip
    return spots


def place(
    anchors: list[tuple[int, tuple[float, float]]], frame: Frame, obstacles: list[Obstacle], gap: float = 0.6 * MM
) -> list[Placed]:
    """Greedy, in number order: each marker at the nearest spot free of earlier markers and obstacles."""
    placed: list[Placed] = []
    for number, (ax, ay) in anchors:
        r = marker_radius(number)

        def free(x: float, y: float, r: float = r) -> bool:
            inside = frame.x + r <= x <= frame.right - r and frame.y + r <= y <= frame.top - r
            return (
                inside
                and not any(math.hypot(x - p.x, y - p.y) < r + p.radius + gap for p in placed)
                and not any(o.hits_circle(x, y, r + gap) for o in obstacles)
            )

        spot = next((xy for xy in _candidates(ax, ay, r) if free(*xy)), (ax, ay))
        placed.append(Placed(number, spot[0], spot[1], r, (ax, ay)))
    return placed
