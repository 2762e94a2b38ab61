"""The map itself: outlines, projects by status colour, numbered markers, scale bar and north arrow.

No tiles and no internet: the county outline, the approximate town areas and the projects
are all there is, drawn in page points through a projection of the town's own (see
`projection`), clipped to the frame.
"""

import math
from collections import defaultdict
from dataclasses import dataclass

from reportlab.lib.colors import black, white
from reportlab.pdfgen.canvas import FILL_EVEN_ODD, Canvas
from shapely.geometry import box
from shapely.geometry.base import BaseGeometry

from app.wallmap import draw
from app.wallmap.data import MapProject, WallmapData
from app.wallmap.fonts import cjk_font, text_width
from app.wallmap.markers import MM, Obstacle, Placed, anchor, place
from app.wallmap.projection import Frame, PageProjection, nice_length

OUTSIDE = "#f0f0ec"  # beyond the county: no data here, hatched so it is not read as an area of the plan
OUTSIDE_HATCH = "#cfcfc8"
COUNTY_FILL = "#ffffff"
TOWN_FILL = "#fbf3dc"
TOWN_EDGE = "#8a6d3b"
NEIGHBOUR_EDGE = "#9a9a9a"
NEIGHBOUR_TEXT = "#7a7a7a"
COUNTY_EDGE = "#333333"
LEADER = "#555555"


@dataclass(frozen=True)
class SeatLabel:
    """Text beside a town seat: its name and the numbers of projects known only to that town."""

    x: float
    y: float
    lines: list[tuple[str, float]]  # (text, font size)
    width: float
    height: float
    town_only: int  # how many projects known only to their town are drawn at this seat


def _projects_by_kind(projects: list[MapProject]) -> tuple[list[MapProject], list[MapProject]]:
    located = [p for p in projects if not p.town_only]
    town_only = [p for p in projects if p.town_only]
    return located, town_only


def _hatch_outside(c: Canvas, county: BaseGeometry, frame: Frame) -> None:
    """Diagonal hatching beyond the county, the cartographer's sign for "not covered by this map"."""
    c.saveState()
    path = c.beginPath()
    path.rect(frame.x, frame.y, frame.width, frame.height)
    draw.trace_polygons(path, county)
    c.clipPath(path, stroke=0, fill=0, fillMode=FILL_EVEN_ODD)
    c.setFillColor(draw.color(OUTSIDE))
    c.rect(frame.x, frame.y, frame.width, frame.height, stroke=0, fill=1)
    c.setStrokeColor(draw.color(OUTSIDE_HATCH))
    c.setLineWidth(0.5)
    step = 2.5 * MM
    offset = -frame.height
    while offset < frame.width:
        c.line(frame.x + offset, frame.y, frame.x + offset + frame.height, frame.top)
        offset += step
    c.restoreState()


def _draw_outlines(c: Canvas, data: WallmapData, proj: PageProjection) -> None:
    frame = proj.frame
    county = proj.to_page(data.county)
    c.setFillColor(draw.color(COUNTY_FILL))
    c.rect(frame.x, frame.y, frame.width, frame.height, stroke=0, fill=1)
    _hatch_outside(c, county, frame)
    c.setFillColor(draw.color(TOWN_FILL))
    draw.fill_polygons(c, proj.to_page(data.town.area), stroke=False, fill=True)
    c.setStrokeColor(draw.color(NEIGHBOUR_EDGE))
    c.setLineWidth(0.6)
    for town in data.towns:
        if town.slug != data.town.slug:
            draw.stroke_outlines(c, proj.to_page(town.area))
    c.setStrokeColor(draw.color(TOWN_EDGE))
    c.setLineWidth(1.8)
    draw.stroke_outlines(c, proj.to_page(data.town.area))
    c.setStrokeColor(draw.color(COUNTY_EDGE))
    c.setLineWidth(1.4)
    c.setDash([7, 2, 1.5, 2])
    draw.stroke_outlines(c, county)
    c.setDash()


def _neighbour_names(c: Canvas, data: WallmapData, proj: PageProjection) -> list[Obstacle]:
    """Each neighbour's name inside the part of it that shows, and its seat as a small grey square."""
    frame = proj.frame
    inner = box(frame.x + 12 * MM, frame.y + 12 * MM, frame.right - 12 * MM, frame.top - 12 * MM)
    obstacles = []
    for town in data.towns:
        if town.slug == data.town.slug:
            continue
        visible = proj.to_page(town.area).intersection(inner)
        if visible.is_empty or visible.area < (15 * MM) ** 2:
            continue
        spot = visible.representative_point()
        size = 12.0
        width = text_width(town.name_zh, size)
        # Whole inside the frame, even when the visible part of the neighbour is a sliver along its edge.
        x = min(max(spot.x - width / 2, frame.x + 3 * MM), frame.right - 3 * MM - width)
        draw.halo_text(c, x, spot.y - size / 3, town.name_zh, size, draw.color(NEIGHBOUR_TEXT))
        obstacles.append(Obstacle(x, spot.y - size / 2, width, size))
    return obstacles


def _draw_projects(c: Canvas, located: list[MapProject], proj: PageProjection) -> None:
    """Areas under lines; both translucent enough to show the outlines beneath."""
    shapes = [(p, proj.to_page(p.geometry)) for p in located]
    for project, geometry in shapes:
        if draw.polygons(geometry):
            c.setFillColor(draw.color(project.color, 0.22))
            c.setStrokeColor(draw.color(project.color))
            c.setLineWidth(1.0)
            draw.fill_polygons(c, geometry, stroke=True, fill=True)
    for width, use_colour in ((4.2, False), (2.2, True)):
        for project, geometry in shapes:
            if draw.lines(geometry):
                c.setStrokeColor(draw.color(project.color) if use_colour else white)
                c.setLineWidth(width)
                c.setLineCap(1)
                draw.stroke_lines(c, geometry)


def _seat_labels(data: WallmapData, town_only: list[MapProject], proj: PageProjection) -> list[SeatLabel]:
    """The town's own seat always gets a label; another seat only if a project here is drawn there."""
    groups: dict[tuple[float, float], list[int]] = defaultdict(list)
    for project in town_only:
        point = proj.to_page(project.geometry).representative_point()
        groups[(round(point.x, 1), round(point.y, 1))].append(project.number)
    seat = proj.to_page(data.town.seat).representative_point()
    own = (round(seat.x, 1), round(seat.y, 1))
    groups.setdefault(own, [])
    labels = []
    for (x, y), numbers in groups.items():
        lines: list[tuple[str, float]] = []
        if (x, y) == own:
            lines.append((f"{data.town.name_zh}政府驻地", 10.0))
        if numbers:
            lines.append(("仅知所在镇的项目（标于驻地）：", 7.5))
            lines += [(text, 9.0) for text in draw.wrap("编号 " + draw.number_ranges(numbers), 9.0, 55 * MM)]
        width = max(text_width(text, size) for text, size in lines) + 4 * MM
        height = sum(size * 1.25 for _, size in lines) + 2.5 * MM
        labels.append(SeatLabel(x, y, lines, width, height, len(numbers)))
    return labels


def _place_seat_label(label: SeatLabel, frame: Frame, anchors: list[tuple[float, float]]) -> Obstacle:
    """The corner beside the seat that covers the fewest project anchors and stays in the frame."""
    offset = 4 * MM
    options = [
        (label.x + offset, label.y + offset),
        (label.x - offset - label.width, label.y + offset),
        (label.x + offset, label.y - offset - label.height),
        (label.x - offset - label.width, label.y - offset - label.height),
    ]

    def cost(xy: tuple[float, float]) -> tuple[int, int]:
        x, y = xy
        outside = x < frame.x or y < frame.y or x + label.width > frame.right or y + label.height > frame.top
        covered = sum(x - 3 * MM <= ax <= x + label.width + 3 * MM and y - 3 * MM <= ay <= y + label.height + 3 * MM
                      for ax, ay in anchors)  # fmt: skip
        return int(outside), covered

    x, y = min(options, key=cost)
    return Obstacle(x, y, label.width, label.height)


def _seat_mark(label: SeatLabel) -> Obstacle:
    """The seat's square, and the dashed ring when projects are drawn there: markers keep off both."""
    r = (4.5 if label.town_only else 1.5) * MM
    return Obstacle(label.x - r, label.y - r, 2 * r, 2 * r)


def _draw_seat_label(c: Canvas, label: SeatLabel, where: Obstacle) -> None:
    if label.town_only:
        c.setStrokeColor(black)
        c.setLineWidth(1.0)
        c.setDash([2, 1.5])
        c.circle(label.x, label.y, 4.5 * MM, stroke=1, fill=0)
        c.setDash()
    c.setFillColor(black)
    c.rect(label.x - 1.1 * MM, label.y - 1.1 * MM, 2.2 * MM, 2.2 * MM, stroke=0, fill=1)
    c.setFillColor(draw.color("#ffffff", 0.9))
    c.setStrokeColor(draw.color("#666666"))
    c.setLineWidth(0.5)
    c.roundRect(where.x, where.y, where.width, where.height, 1.5 * MM, stroke=1, fill=1)
    c.setFillColor(black)
    y = where.y + where.height - 1.25 * MM
    for text, size in label.lines:
        y -= size * 1.1
        if size >= 10:
            draw.bold_text(c, where.x + 2 * MM, y, text, size)
        else:
            c.setFont(cjk_font(), size)
            c.drawString(where.x + 2 * MM, y, text)
        y -= size * 0.15


def _draw_markers(c: Canvas, placed: list[Placed], projects: dict[int, MapProject]) -> None:
    c.setStrokeColor(draw.color(LEADER))
    c.setLineWidth(0.5)
    for marker in placed:
        if marker.moved:
            ax, ay = marker.anchor
            angle = math.atan2(marker.y - ay, marker.x - ax)
            c.line(ax, ay, marker.x - marker.radius * math.cos(angle), marker.y - marker.radius * math.sin(angle))
    for marker in placed:
        if marker.moved:
            c.setFillColor(draw.color(projects[marker.number].color))
            c.circle(*marker.anchor, 0.8 * MM, stroke=0, fill=1)
    for marker in placed:
        project = projects[marker.number]
        c.setFillColor(draw.color(project.color))
        c.setStrokeColor(white)
        c.setLineWidth(0.9)
        c.circle(marker.x, marker.y, marker.radius, stroke=1, fill=1)
        c.setFillColor(black if draw.is_light(project.color) else white)
        size = 7.0 if marker.number < 100 else 6.5
        c.setFont(cjk_font(), size)
        c.drawCentredString(marker.x, marker.y - size * 0.35, str(marker.number))


def _scale_bar_panel(proj: PageProjection) -> tuple[float, Obstacle]:
    """Bottom left: the bar's length in metres (a round number) and the panel it sits on."""
    metres = nice_length(proj.frame.width * 0.22 / proj.points_per_metre)
    width = max(metres * proj.points_per_metre + 16 * MM, 52 * MM)  # the bar and its unit, or the scale line
    return metres, Obstacle(proj.frame.x + 2 * MM, proj.frame.y + 2 * MM, width, 15 * MM)


def _scale_bar(c: Canvas, proj: PageProjection, paper: str | None = "A3") -> None:
    """A bar of a round number of metres or kilometres, true at the town, and the print scale on `paper`
    (None: a picture that will be resized, so only the bar, which scales with the map, is true)."""
    metres, panel = _scale_bar_panel(proj)
    length = metres * proj.points_per_metre
    x, y = panel.x + 4 * MM, panel.y + 7 * MM
    c.setFillColor(draw.color("#ffffff", 0.88))
    c.setStrokeColor(draw.color("#999999"))
    c.setLineWidth(0.4)
    c.rect(panel.x, panel.y, panel.width, panel.height, stroke=1, fill=1)
    c.setStrokeColor(black)
    c.setLineWidth(0.6)
    for i in range(4):
        c.setFillColor(black if i % 2 == 0 else white)
        c.rect(x + i * length / 4, y, length / 4, 1.6 * MM, stroke=1, fill=1)
    km = metres >= 1000
    unit = "公里" if km else "米"

    def fmt(value: float) -> str:
        shown = value / 1000 if km else value
        return f"{shown:g}"

    c.setFillColor(black)
    c.setFont(cjk_font(), 7.5)
    c.drawCentredString(x, y + 2.6 * MM, "0")
    c.drawCentredString(x + length / 2, y + 2.6 * MM, fmt(metres / 2))
    c.drawCentredString(x + length, y + 2.6 * MM, fmt(metres))
    c.drawString(x + length + 2.5 * MM, y + 0.2 * MM, unit)
    if paper is None:
        return
    denominator = round(proj.scale_denominator(), -2)
    c.setFont(cjk_font(), 7)
    c.drawString(x, y - 4.5 * MM, f"比例尺 1:{denominator:,.0f}（{paper} 原尺寸打印）".replace(",", " "))


def _north_arrow_panel(frame: Frame) -> Obstacle:
    return Obstacle(frame.right - 20 * MM, frame.top - 25 * MM, 16 * MM, 19 * MM)


def _north_arrow(c: Canvas, frame: Frame) -> None:
    """Top right. The projection is centred on the town, so grid north there is true north: straight up."""
    panel = _north_arrow_panel(frame)
    cx, top = panel.x + panel.width / 2, panel.y + panel.height
    height, half = 14 * MM, 4 * MM
    c.setFillColor(draw.color("#ffffff", 0.88))
    c.setStrokeColor(draw.color("#999999"))
    c.setLineWidth(0.4)
    c.rect(panel.x, panel.y, panel.width, panel.height, stroke=1, fill=1)
    tip, base = top - 5 * MM, top - height - 3 * MM
    c.setStrokeColor(black)
    c.setLineWidth(0.6)
    for side, fill in ((-1, black), (1, white)):
        path = c.beginPath()
        path.moveTo(cx, tip)
        path.lineTo(cx + side * half, base)
        path.lineTo(cx, base + 3 * MM)
        path.close()
        c.setFillColor(fill)
        c.drawPath(path, stroke=1, fill=1)
    c.setFillColor(black)
    draw.bold_text(c, cx, tip + 1.2 * MM, "北", 10, centred=True)


def draw_map(c: Canvas, data: WallmapData, frame: Frame, paper: str | None = "A3") -> PageProjection:
    """Draw the whole map into `frame`; returns the projection (its scale is printed elsewhere too).
    `paper` names the sheet the printed scale holds on (None for a picture: no scale ratio)."""
    proj = PageProjection(data.town.area, frame)
    located, town_only = _projects_by_kind(data.projects)
    town_area = proj.to_page(data.town.area)
    anchors = [(p.number, anchor(proj.to_page(p.geometry), town_area, frame)) for p in located]

    c.saveState()
    clip = c.beginPath()
    clip.rect(frame.x, frame.y, frame.width, frame.height)
    c.clipPath(clip, stroke=0, fill=0)
    _draw_outlines(c, data, proj)
    _draw_projects(c, located, proj)
    obstacles = _neighbour_names(c, data, proj)
    obstacles += [_scale_bar_panel(proj)[1], _north_arrow_panel(frame)]
    labels = _seat_labels(data, town_only, proj)
    spots = [_place_seat_label(label, frame, [xy for _, xy in anchors]) for label in labels]
    obstacles += spots + [_seat_mark(label) for label in labels]
    placed = place(anchors, frame, obstacles)
    _draw_markers(c, placed, {p.number: p for p in located})
    for label, spot in zip(labels, spots, strict=True):
        _draw_seat_label(c, label, spot)
    _scale_bar(c, proj, paper)
    _north_arrow(c, frame)
    c.restoreState()
    c.setStrokeColor(black)
    c.setLineWidth(0.9)
    c.rect(frame.x, frame.y, frame.width, frame.height, stroke=1, fill=0)
    return proj
