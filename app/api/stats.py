"""Plan progress in numbers, for the dashboard and for anyone who wants the table."""

from dataclasses import replace
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response
from sqlalchemy.ext.asyncio import AsyncConnection

from app.api.conditional import catalog_validators
from app.api.dates import IsoDate
from app.api.project_params import project_filter, read_context
from app.api.responses import CONDITIONAL_GET, json_body
from app.core import clock
from app.core.dependencies import get_conn
from app.core.errors import Invalid
from app.queries.facets import facet_counts
from app.queries.project_filter import ProjectFilter
from app.queries.stats import plan_stats, status_changes

router = APIRouter(prefix="/api", tags=["stats"])


@router.get(
    "/stats",
    summary="Projects by town × status and category × status, share started, warnings by town and chapter",
    description=(
        "`started` counts projects under construction or completed; `started_share` is started divided by "
        "`plan_projects` (all projects except those the plan lists as already existing). A project crossing "
        "several towns counts in each. `warnings` and `rag` (red: late completion or over budget; amber: late "
        "start or stale; green: none) are computed on the day of `as_of` (default today, Lianzhou time)."
    ),
    response_model=None,
    responses=CONDITIONAL_GET,
)
async def get_stats(
    request: Request,
    conn: Annotated[AsyncConnection, Depends(get_conn)],
    context: Annotated[ProjectFilter, Depends(read_context)],
) -> dict[str, Any] | Response:
    validators = await catalog_validators(request, conn, context)
    if validators.fresh:
        return validators.not_modified()
    return validators.apply(json_body(await plan_stats(conn, context)))


@router.get(
    "/stats/compare",
    summary="The programme at two dates side by side, with the projects whose status changed",
    responses={422: {"description": "A date is missing, in the future, or `from` is after `to`"}, **CONDITIONAL_GET},
    response_model=None,
)
async def compare_stats(
    request: Request,
    conn: Annotated[AsyncConnection, Depends(get_conn)],
    context: Annotated[ProjectFilter, Depends(read_context)],
    date_from: Annotated[IsoDate, Query(alias="from", examples=["2023-12-31"])],
    date_to: Annotated[IsoDate, Query(alias="to", examples=["2024-12-31"])],
) -> dict[str, Any] | Response:
    if date_from > date_to:
        raise Invalid(("query", "from"), "`from` must not be after `to`").with_code("date_order")
    if date_to > clock.today():
        raise Invalid(("query", "to"), "`to` cannot be in the future").with_code(
            "date_in_future", today=clock.today().isoformat()
        )
    validators = await catalog_validators(request, conn, context)
    if validators.fresh:
        return validators.not_modified()
    before, after = replace(context, as_of=date_from), replace(context, as_of=date_to)
    first, second = await plan_stats(conn, before), await plan_stats(conn, after)
    towns = {t["town"]: t for t in first["by_town"]}
    delta = [
        {
            "town": t["town"],
            "counts": {
                s: t["counts"].get(s, 0) - towns[t["town"]]["counts"].get(s, 0)
                for s in sorted(set(t["counts"]) | set(towns[t["town"]]["counts"]))
            },
            "started": t["started"] - towns[t["town"]]["started"],
        }
        for t in second["by_town"]
    ]
    body = {"from": first, "to": second, "by_town_change": delta}
    return validators.apply(json_body({**body, "status_changes": await status_changes(conn, before, after)}))


@router.get(
    "/stats/facets",
    summary="How many of the filtered projects have each status, category, warning and rating",
    description=(
        "Takes every filter of `/api/projects` (town, status, category, bbox, q, near, warning, as_of) and counts "
        "the matching projects by `status`, `category`, `warning` (projects without any as `none`; a project with "
        "two warnings counts under both) and `rag`. The map's layer control shows these numbers when the "
        "catalog is drawn from vector tiles."
    ),
    response_model=None,
    responses=CONDITIONAL_GET,
)
async def get_facets(
    request: Request,
    conn: Annotated[AsyncConnection, Depends(get_conn)],
    flt: Annotated[ProjectFilter, Depends(project_filter)],
) -> dict[str, Any] | Response:
    validators = await catalog_validators(request, conn, flt)
    if validators.fresh:
        return validators.not_modified()
    return validators.apply(json_body(await facet_counts(conn, flt)))
