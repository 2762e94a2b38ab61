"""From longitude/latitude to points on the page, in true metres.

Each map uses a transverse Mercator projection centred on its own town: over a town (at most
~40 km across) its scale error is below 0.002 %, so the scale bar is true in every direction,
and grid north at the centre is true north, so the north arrow simply points up.
"""

import math
from dataclasses import dataclass

import numpy as np
import shapely
from numpy.typing import NDArray
from pyproj import CRS, Transformer
from shapely.geometry.base import BaseGeometry


@dataclass(frozen=True)
class Frame:
    """A rectangle on the page, in PDF points (origin bottom left)."""

    x: float
    y: float
    width: float
    height: float

    @property
    def right(self) -> float:
        return self.x + self.width

    @property
    def top(self) -> float:
        return self.y + self.height


class PageProjection:
    """Projects geometries into a frame on the page so that `focus` (lon/lat) fills it with a margin."""

    def __init__(self, focus: BaseGeometry, frame: Frame, margin: float = 0.06) -> None:
        centre = focus.centroid
        crs = CRS.from_proj4(
            f"+proj=tmerc +lat_0={centre.y:.6f} +lon_0={centre.x:.6f} +k=1 +x_0=0 +y_0=0 +ellps=WGS84 +units=m"
        )
        self._to_metres = Transformer.from_crs("EPSG:4326", crs, always_xy=True)
        minx, miny, maxx, maxy = self.to_metres(focus).bounds
        width, height = (maxx - minx) * (1 + 2 * margin), (maxy - miny) * (1 + 2 * margin)
        # One scale for both axes (no distortion); the frame's spare direction shows more of the neighbours.
        self.points_per_metre: float = min(frame.width / width, frame.height / height)
        self._cx, self._cy = (minx + maxx) / 2, (miny + maxy) / 2
        self.frame = frame

    def _metres(self, lonlat: NDArray[np.float64]) -> NDArray[np.float64]:
        x, y = self._to_metres.transform(lonlat[:, 0], lonlat[:, 1])
        return np.column_stack([x, y])

    def to_metres(self, geometry: BaseGeometry) -> BaseGeometry:
        projected: BaseGeometry = shapely.transform(geometry, self._metres)
        return projected

    def page_xy(self, x: float, y: float) -> tuple[float, float]:
        """A projected point (metres) on the page."""
        k = self.points_per_metre
        return (
            self.frame.x + self.frame.width / 2 + (x - self._cx) * k,
            self.frame.y + self.frame.height / 2 + (y - self._cy) * k,
        )

    def to_page(self, geometry: BaseGeometry) -> BaseGeometry:
        """A lon/lat geometry in page points."""
        k, fx, fy = self.points_per_metre, self.frame.x + self.frame.width / 2, self.frame.y + self.frame.height / 2

        def scale(xy: NDArray[np.float64]) -> NDArray[np.float64]:
            return np.column_stack([fx + (xy[:, 0] - self._cx) * k, fy + (xy[:, 1] - self._cy) * k])

        placed: BaseGeometry = shapely.transform(self.to_metres(geometry), scale)
        return placed

    def scale_denominator(self) -> float:
        """N of "1:N" when the PDF is printed at its own size (72 points to the inch)."""
        return float(1 / (self.points_per_metre * 0.0254 / 72))


def nice_length(max_metres: float) -> float:
    """The longest 1, 2 or 5 × 10^n metres not over `max_metres`: a scale bar a reader can count on."""
    exponent = math.floor(math.log10(max_metres))
    for step in (5, 2, 1):
        length = step * 10.0**exponent
        if length <= max_metres:
            return length
    return 10.0 ** (exponent - 1) * 5
