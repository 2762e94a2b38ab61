"""OGC request parameters: `bbox`, `datetime`, `limit`, `offset`; a bad one is `Invalid` (OGC answers 400)."""

import math
import re
from datetime import date, datetime

from app.core.errors import Invalid

DEFAULT_LIMIT = 100
MAX_LIMIT = 10_000

CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
# RFC 3339 §5.6, nothing more: full-date, or full-date "T" full-time with a fraction and an offset.
_FULL_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_DATE_TIME = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})[Tt]([01]\d|2[0-3]):([0-5]\d):([0-5]\d|60)(\.\d+)?([Zz]|[+-](?:[01]\d|2[0-3]):[0-5]\d)$"
)


def bad_request(description: str) -> Invalid:
    """An invalid query parameter; under /ogc the error table answers 400 InvalidParameterValue."""
    return Invalid(("query",), description)


def parse_int(name: str, raw: str | None, default: int, lo: int, hi: int, clamp: bool = False) -> int:
    """An integer parameter; with `clamp`, a value above `hi` means `hi` (OGC API – Features /req/core/
    query-param-limit-out-of-range: a limit above the maximum is not an error)."""
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise bad_request(f"{name} must be an integer, got {raw!r}") from None
    if clamp and value > hi:
        return hi
    if not lo <= value <= hi:
        raise bad_request(f"{name} must be between {lo} and {hi}, got {value}")
    return value


def parse_instant(raw: str) -> datetime:
    """An RFC 3339 date-time with its offset (a leap second read as :59); anything else is a 400."""
    match = _DATE_TIME.match(raw)
    if not match:
        raise bad_request(f"{raw!r} is not an RFC 3339 date-time (e.g. 2023-06-30T08:00:00Z)")
    text = raw[:17] + "59" + raw[19:] if match.group(6) == "60" else raw
    try:
        return datetime.fromisoformat(text.replace("z", "Z").replace("t", "T"))
    except ValueError:
        raise bad_request(f"{raw!r} is not a real date-time") from None


def parse_bbox(raw: str | None) -> tuple[float, float, float, float] | None:
    """2D or 3D bbox in CRS84 (lon/lat); the height of a 3D box is ignored."""
    if raw is None:
        return None
    try:
        values = [float(v) for v in raw.split(",")]
    except ValueError:
        raise bad_request(f"bbox must be comma-separated numbers, got {raw!r}") from None
    if len(values) == 6:
        values = [values[0], values[1], values[3], values[4]]
    if len(values) != 4 or not all(math.isfinite(v) for v in values):
        raise bad_request("bbox must be 4 numbers (minLon,minLat,maxLon,maxLat) or 6 with heights")
    minx, miny, maxx, maxy = values
    if not (-180 <= minx <= 180 and -180 <= maxx <= 180 and -90 <= miny <= 90 and -90 <= maxy <= 90):
        raise bad_request("bbox is outside CRS84 bounds (longitude -180..180, latitude -90..90)")
    if miny > maxy or minx > maxx:
        raise bad_request("bbox minimum exceeds maximum (boxes across the antimeridian are not supported)")
    return (minx, miny, maxx, maxy)


def _date(part: str) -> date | None:
    if part in ("", ".."):
        return None
    if _DATE_TIME.match(part):
        return parse_instant(part).date()
    match = _FULL_DATE.match(part)
    if not match:
        raise bad_request(f"datetime must be RFC 3339 (e.g. 2023-06-30 or 2023-06-30T00:00:00Z), got {part!r}")
    try:
        return date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
    except ValueError:
        raise bad_request(f"datetime {part!r} is not a real date") from None


def parse_datetime_years(raw: str | None) -> tuple[int | None, int | None] | None:
    """An OGC datetime (instant or interval, open ends with ..) reduced to the years it spans.

    Projects carry plan years, not instants, so a project matches when its
    [start_year, end_year] meets the years of the requested interval.
    """
    if raw is None:
        return None
    parts = raw.split("/")
    if len(parts) == 1:
        instant = _date(parts[0])
        if instant is None:
            raise bad_request("datetime instant must be a date, not '..'")
        return (instant.year, instant.year)
    if len(parts) != 2:
        raise bad_request("datetime interval must be start/end")
    start, end = _date(parts[0]), _date(parts[1])
    if start and end and start > end:
        raise bad_request("datetime interval start is after its end")
    return (start.year if start else None, end.year if end else None)
