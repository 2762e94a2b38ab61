"""Small drawing helpers on a reportlab canvas: shapely geometries as paths, Chinese text wrapped and emphasised.

Geometries arrive already in page points (see `projection`), so these only trace them.
"""

import re

from reportlab.lib.colors import Color, HexColor, black
from reportlab.pdfgen.canvas import FILL_EVEN_ODD, Canvas
from reportlab.pdfgen.pathobject import PDFPathObject
from shapely.geometry import LineString, MultiLineString, MultiPolygon, Polygon
from shapely.geometry.base import BaseGeometry

from app.wallmap.fonts import cjk_font, text_width

# A run of Latin letters, digits and their punctuation stays whole when wrapping ("G234", "2.5km");
# everything else (Chinese) may break between any two characters.
_TOKEN = re.compile(r"[A-Za-z0-9.,:;%()/+\-_'’]+\s*|\s+|.")
# Chinese punctuation that must not start a line.
_NO_LINE_START = set("，。、；：？！）》」』”’…%")


def color(hex_value: str, alpha: float | None = None) -> Color:
    base = HexColor(hex_value)
    return base if alpha is None else Color(base.red, base.green, base.blue, alpha=alpha)


def is_light(hex_value: str) -> bool:
    """Whether black text reads better than white on this colour (WCAG relative luminance)."""
    rgb = HexColor(hex_value)

    def channel(c: float) -> float:
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    luminance = 0.2126 * channel(rgb.red) + 0.7152 * channel(rgb.green) + 0.0722 * channel(rgb.blue)
    return luminance > 0.30


def polygons(geometry: BaseGeometry) -> list[Polygon]:
    if isinstance(geometry, Polygon):
        return [geometry]
    if isinstance(geometry, MultiPolygon):
        return list(geometry.geoms)
    return [g for part in getattr(geometry, "geoms", []) for g in polygons(part)]


def lines(geometry: BaseGeometry) -> list[LineString]:
    if isinstance(geometry, LineString):
        return [geometry]
    if isinstance(geometry, MultiLineString):
        return list(geometry.geoms)
    return [g for part in getattr(geometry, "geoms", []) for g in lines(part)]


def trace_polygons(path: PDFPathObject, geometry: BaseGeometry) -> None:
    """Add every ring of the polygons to a path, closed (holes included: fill it even-odd)."""
    for poly in polygons(geometry):
        for ring in (poly.exterior, *poly.interiors):
            xs, ys = ring.coords.xy
            path.moveTo(xs[0], ys[0])
            for x, y in zip(xs[1:], ys[1:], strict=True):
                path.lineTo(x, y)
            path.close()


def fill_polygons(c: Canvas, geometry: BaseGeometry, *, stroke: bool, fill: bool) -> None:
    """Polygons with holes (even-odd), every ring closed."""
    for poly in polygons(geometry):
        path = c.beginPath()
        trace_polygons(path, poly)
        c.drawPath(path, stroke=int(stroke), fill=int(fill), fillMode=FILL_EVEN_ODD)


def stroke_lines(c: Canvas, geometry: BaseGeometry) -> None:
    for line in lines(geometry):
        xs, ys = line.coords.xy
        path = c.beginPath()
        path.moveTo(xs[0], ys[0])
        for x, y in zip(xs[1:], ys[1:], strict=True):
            path.lineTo(x, y)
        c.drawPath(path, stroke=1, fill=0)


def stroke_outlines(c: Canvas, geometry: BaseGeometry) -> None:
    """Only the rings of polygons (for outlines drawn over fills)."""
    fill_polygons(c, geometry, stroke=True, fill=False)


def wrap(text: str, size: float, width: float) -> list[str]:
    """Lines of `text` no wider than `width` points at `size`, breaking between Chinese characters."""
    result: list[str] = []
    line = ""
    for token in _TOKEN.findall(text):
        if line and text_width(line + token.rstrip(), size) > width and token[0] not in _NO_LINE_START:
            result.append(line.rstrip())
            line = token.lstrip()
        else:
            line += token
    if line.strip():
        result.append(line.rstrip())
    return result or [""]


def bold_text(
    c: Canvas, x: float, y: float, text: str, size: float, *, centred: bool = False, ink: Color = black
) -> None:
    """Fill and stroke the glyphs: the CJK font has no bold face, and titles must stand out."""
    if centred:
        x -= text_width(text, size) / 2
    c.saveState()
    c.setFillColor(ink)
    c.setStrokeColor(ink)
    c.setLineWidth(size / 40)
    obj = c.beginText(x, y)
    obj.setFont(cjk_font(), size)
    obj.setTextRenderMode(2)
    obj.textOut(text)
    c.drawText(obj)
    c.restoreState()


def halo_text(c: Canvas, x: float, y: float, text: str, size: float, ink: Color) -> None:
    """Text with a white outline under it, readable across the lines and areas it lies on."""
    # The outline in its own graphics state: the text render mode (stroke only) is part of that state, and
    # reportlab's text objects do not reset it, so only restoring the state brings back plain fill.
    c.saveState()
    outline = c.beginText(x, y)
    outline.setFont(cjk_font(), size)
    outline.setTextRenderMode(1)
    c.setStrokeColor(Color(1, 1, 1, alpha=0.9))
    c.setLineWidth(size / 5)
    c.setLineJoin(1)
    outline.textOut(text)
    c.drawText(outline)
    c.restoreState()
    c.setFillColor(ink)
    c.setFont(cjk_font(), size)
    c.drawString(x, y, text)


def number_ranges(numbers: list[int]) -> str:
    """[3, 5, 6, 7] → "3, 5–7": how a list of project numbers is printed at a shared location."""
    parts: list[str] = []
    if not numbers:
        return ""
    ordered = sorted(numbers)
    start = prev = ordered[0]
    for n in [*ordered[1:], None]:
        if n is not None and n == prev + 1:
            prev = n
            continue
        parts.append(str(start) if start == prev else f"{start}–{prev}")
        if n is not None:
            start = prev = n
    return ", ".join(parts)
