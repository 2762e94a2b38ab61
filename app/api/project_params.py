"""Parsing the project filter parameters once, for every endpoint that takes them.

Each failure is a 422 whose `loc` names the parameter, with a message a person can act on.
"""

import math
from dataclasses import replace
from typing import Annotated

from fastapi import Depends, Query, Request
from sqlalchemy.ext.asyncio import AsyncConnection

from app.api.dates import IsoDate
from app.auth.dependencies import optional_principal
from app.auth.principal import Principal
from app.catalog.vocab import Category, Status, WarningKind
from app.core import clock
from app.core.dependencies import get_conn
from app.core.errors import Invalid
from app.progress.glance import flagged_slugs
from app.queries.plan_scope import plan_exists
from app.queries.project_filter import MAX_RADIUS_M, Near, ProjectFilter, unknown_towns

DEFAULT_LIMIT = 1000
MAX_LIMIT = 10_000
DEFAULT_RADIUS_M = 5000.0


def _numbers(name: str, raw: str, count: int, what: str) -> list[float]:
    parts = raw.split(",")
    if len(parts) != count:
        raise Invalid(("query", name), f"{name} must be {count} comma-separated numbers ({what}), got {len(parts)}")
    try:
        values = [float(p) for p in parts]
    except ValueError:
        raise Invalid(("query", name), f"{name} must be numbers ({what}), got {raw!r}") from None
    if not all(math.isfinite(v) for v in values):
        raise Invalid(("query", name), f"{name} must be finite numbers")
    return values


def _check_lon_lat(name: str, lon: float, lat: float) -> None:
    if not -180 <= lon <= 180:
        raise Invalid(("query", name), f"{name}: longitude {lon} is outside -180..180 (order is longitude,latitude)")
    if not -90 <= lat <= 90:
        raise Invalid(("query", name), f"{name}: latitude {lat} is outside -90..90 (order is longitude,latitude)")


def parse_bbox(raw: str | None, name: str = "bbox") -> tuple[float, float, float, float] | None:
    if raw is None:
        return None
    minx, miny, maxx, maxy = _numbers(name, raw, 4, "minLon,minLat,maxLon,maxLat")
    _check_lon_lat(name, minx, miny)
    _check_lon_lat(name, maxx, maxy)
    if minx > maxx or miny > maxy:
        raise Invalid(("query", name), f"{name}: the minimum must not exceed the maximum (minLon,minLat,maxLon,maxLat)")
    return (minx, miny, maxx, maxy)


def parse_near(raw: str | None, radius_m: float | None) -> Near | None:
    if raw is None:
        if radius_m is not None:
            raise Invalid(("query", "radius_m"), "radius_m needs near=lon,lat")
        return None
    lon, lat = _numbers("near", raw, 2, "lon,lat")
    _check_lon_lat("near", lon, lat)
    radius = DEFAULT_RADIUS_M if radius_m is None else radius_m
    if not math.isfinite(radius) or radius <= 0 or radius > MAX_RADIUS_M:
        raise Invalid(("query", "radius_m"), f"radius_m must be more than 0 and at most {MAX_RADIUS_M:.0f} metres")
    return Near(lon, lat, radius)


async def check_towns(conn: AsyncConnection, towns: list[str], name: str = "town") -> None:
    if unknown := await unknown_towns(conn, towns):
        raise Invalid(("query", name), f"unknown town slug(s): {', '.join(unknown)}")


async def read_context(
    request: Request,
    conn: Annotated[AsyncConnection, Depends(get_conn)],
    principal: Annotated[Principal | None, Depends(optional_principal)],
    as_of: Annotated[
        IsoDate | None,
        Query(
            description="Show the programme as recorded at the end of this day (statuses by the dates they took "
            "effect); warnings are judged on that day.",
            examples=["2023-12-31"],
        ),
    ] = None,
    plan: Annotated[
        str | None,
        Query(
            max_length=60,
            description="Plan slug (e.g. lianzhou-14th); default: the most recent plan whose period has begun by "
            "the reference day (as_of, or today).",
            examples=["lianzhou-14th"],
        ),
    ] = None,
) -> ProjectFilter:
    """Who reads, as of when and in which plan: staff see sensitive sites precisely, the public a generalized place."""
    if as_of is not None and as_of > clock.today():
        raise Invalid(("query", "as_of"), "as_of cannot be in the future").with_code(
            "date_in_future", today=clock.today().isoformat()
        )
    if plan is not None and not await plan_exists(conn, plan):
        raise Invalid(("query", "plan"), f"unknown plan slug: {plan[:60]}")
    return ProjectFilter(
        as_of=as_of, staff=principal is not None, stale_days=request.app.state.settings.stale_days, plan=plan
    )


async def project_filter(
    request: Request,
    conn: Annotated[AsyncConnection, Depends(get_conn)],
    context: Annotated[ProjectFilter, Depends(read_context)],
    town: Annotated[
        list[str] | None, Query(description="Town slug; repeat for several (any of them).", examples=["xingzi"])
    ] = None,
    status: Annotated[list[Status] | None, Query(description="Status; repeat for several.")] = None,
    category: Annotated[list[Category] | None, Query(description="Category; repeat for several.")] = None,
    bbox: Annotated[
        str | None,
        Query(description="minLon,minLat,maxLon,maxLat (WGS84)", examples=["112.30,24.70,112.45,24.85"]),
    ] = None,
    q: Annotated[
        str | None,
        Query(min_length=1, max_length=100, description="Text in the Chinese or English name, aliases or quote."),
    ] = None,
    near: Annotated[
        str | None, Query(description="lon,lat of a place; results ordered by distance.", examples=["112.3712,24.7819"])
    ] = None,
    radius_m: Annotated[
        float | None,
        Query(description=f"Radius around `near` in metres on the ellipsoid (default {DEFAULT_RADIUS_M:.0f})."),
    ] = None,
    warning: Annotated[
        list[WarningKind] | None,
        Query(description="Only projects with this computed warning; repeat for any of several."),
    ] = None,
    no_report: Annotated[
        bool,
        Query(
            description="Only projects of the annual programme whose report of the last month due (deadline: "
            "PLANMAP_REPORT_DEADLINE_DAY of the next month, Lianzhou's date) is missing or was filed late."
        ),
    ] = False,
    behind: Annotated[
        bool,
        Query(
            description="Only projects of this year's programme whose investment reported through the last month "
            "due is below the share of the year that month closes. A project not in the programme is never behind."
        ),
    ] = False,
) -> ProjectFilter:
    if town:
        await check_towns(conn, town)
    if no_report or behind:
        deadline = request.app.state.settings.report_deadline_day
        flagged = await cycle_slugs(conn, context, deadline, no_report=no_report, behind=behind)
        context = replace(context, slugs=flagged)
    return replace(
        context,
        warnings=warning or [],
        towns=town or [],
        statuses=status or [],
        categories=category or [],
        bbox=parse_bbox(bbox),
        q=q.strip() or None if q else None,
        near=parse_near(near, radius_m),
    )


async def cycle_slugs(
    conn: AsyncConnection, context: ProjectFilter, deadline: int, *, no_report: bool, behind: bool
) -> tuple[str, ...]:
    """The projects the implementation cycle flags, judged on the read's day (as_of, or Lianzhou's today)."""
    today = context.as_of or clock.today()
    found = await conn.run_sync(lambda c: flagged_slugs(c, today, deadline, no_report=no_report, behind=behind))
    return tuple(sorted(found))


LimitParam = Annotated[int, Query(ge=1, le=MAX_LIMIT, description=f"Page size (at most {MAX_LIMIT}).")]
OffsetParam = Annotated[int, Query(ge=0, le=10_000_000, description="Features to skip.")]
