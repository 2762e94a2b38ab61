"""One project filter, turned into SQL, so every endpoint slices the plan the same way.

The JSON API, OGC items, exports, CSV and the maps all take these parameters; keeping
the SQL here means a `town` or `bbox` means exactly one thing everywhere, and the spatial
predicates are written once to use the GiST indexes (`geom && envelope` for bbox, the
geography index for distance).
"""

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from app.catalog.vocab import Category, Status, WarningKind
from app.core import clock
from app.queries.sources import project_source

MAX_RADIUS_M = 200_000.0
DEFAULT_STALE_DAYS = 180

# The warnings of project `p` on the reference date; the SQL function lives in migration 0010 (first 0004).
# `stale` counts from when the information dates from (`info_date`), never from when a row was written;
# `plan_end` is the last day of the period of the plan the read is about (`app.plans.queries`).
WARNINGS_SQL = (
    "project_warnings(p.status, p.start_year, p.end_year, p.planned_start, p.planned_end, "
    "coalesce(p.planned_investment_cny_100m, (p.figures->>'investment_cny_100m')::numeric), "
    "p.actual_start, p.actual_end, p.actual_spend_cny_100m, p.info_date, p.info_precision, p.plan_end, "
    "CAST(:f_ref_date AS date), CAST(:f_stale_days AS int))"
)


# Warnings that make a project red; any other warning makes it amber, none green.
RED = ("late_completion", "plan_period_ended", "over_budget")


def rag_sql(warnings: str) -> str:
    """The red/amber/green rating of a `text[]` of warnings (an expression or a column), as SQL.

    Written once for every query that rates projects (features, tiles, stats, facets), so the
    rating means the same everywhere; the red warnings are literals, no parameter to pass.
    """
    red = ", ".join(f"'{w}'" for w in RED)
    return (
        f"CASE WHEN {warnings} && ARRAY[{red}] THEN 'red' "
        f"WHEN cardinality({warnings}) > 0 THEN 'amber' ELSE 'green' END"
    )


@dataclass(frozen=True)
class Near:
    lon: float
    lat: float
    radius_m: float


@dataclass(frozen=True)
class SqlCondition:
    """A condition on `p` built elsewhere from a whitelist (a CQL2 filter, app.ogc.cql2_sql), with its
    bind parameters; values are never in `sql`, only their parameter names."""

    sql: str
    params: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ProjectFilter:
    towns: list[str] = field(default_factory=list)
    statuses: list[Status] = field(default_factory=list)
    categories: list[Category] = field(default_factory=list)
    bbox: tuple[float, float, float, float] | None = None
    q: str | None = None
    near: Near | None = None
    # OGC `datetime`: projects whose plan years [start_year, end_year] meet this interval.
    years: tuple[int | None, int | None] | None = None
    warnings: list[WarningKind] = field(default_factory=list)
    # OGC per-geometry collections: 0 points, 1 lines, 2 areas (ST_Dimension of the geometry as read).
    dimension: int | None = None
    condition: SqlCondition | None = None
    # Who reads and when: staff see sensitive sites precisely; `as_of` reads the record of that day.
    staff: bool = False
    as_of: date | None = None
    stale_days: int = DEFAULT_STALE_DAYS
    # Which plan (slug); None: the plan in force on the reference day. `own_plan`: each project in the
    # latest plan it belongs to (a read of one project by slug that names no plan).
    plan: str | None = None
    own_plan: bool = False
    # Only these projects: a set another room computed (the implementation cycle's flags, app.progress.glance).
    slugs: tuple[str, ...] | None = None

    def source(self) -> tuple[str, dict[str, Any]]:
        """The FROM item for `p`, with every parameter the project SQL may refer to."""
        sql, params = project_source(staff=self.staff, as_of=self.as_of, plan=self.plan, own_plan=self.own_plan)
        return sql, {**params, "f_ref_date": self.as_of or clock.today(), "f_stale_days": self.stale_days}

    def where(self) -> tuple[str, dict[str, Any]]:
        """SQL condition on `projects p` and its bind parameters."""
        clauses: list[str] = ["p.deleted_at IS NULL"]
        params: dict[str, Any] = {}
        if self.towns:
            clauses.append(
                "EXISTS (SELECT 1 FROM project_towns pt JOIN towns t ON t.id = pt.town_id "
                "WHERE pt.project_id = p.id AND t.slug = ANY(:f_towns))"
            )
            params["f_towns"] = list(self.towns)
        if self.statuses:
            clauses.append("p.status = ANY(:f_statuses)")
            params["f_statuses"] = [s.value for s in self.statuses]
        if self.categories:
            clauses.append("p.category = ANY(:f_categories)")
            params["f_categories"] = [c.value for c in self.categories]
        if self.bbox is not None:
            clauses.append(
                "p.geom && ST_MakeEnvelope(:f_minx, :f_miny, :f_maxx, :f_maxy, 4326) "
                "AND ST_Intersects(p.geom, ST_MakeEnvelope(:f_minx, :f_miny, :f_maxx, :f_maxy, 4326))"
            )
            params.update(zip(("f_minx", "f_miny", "f_maxx", "f_maxy"), self.bbox, strict=True))
        if self.q:
            clauses.append(
                "(p.name_zh ILIKE :f_q OR p.name_en ILIKE :f_q OR p.source_quote ILIKE :f_q "
                "OR array_to_string(p.aliases, ' ') ILIKE :f_q OR p.slug ILIKE :f_q)"
            )
            params["f_q"] = "%" + _escape_like(self.q) + "%"
        if self.near is not None:
            clauses.append(
                "ST_DWithin(p.geom::geography, ST_SetSRID(ST_MakePoint(:f_lon, :f_lat), 4326)::geography, :f_radius)"
            )
            params.update(f_lon=self.near.lon, f_lat=self.near.lat, f_radius=self.near.radius_m)
        if self.warnings:
            clauses.append(f"{WARNINGS_SQL} && CAST(:f_warnings AS text[])")
            params["f_warnings"] = [w.value for w in self.warnings]
        if self.slugs is not None:
            clauses.append("p.slug = ANY(:f_slugs)")
            params["f_slugs"] = list(self.slugs)
        if self.dimension is not None:
            clauses.append("ST_Dimension(p.geom) = :f_dimension")
            params["f_dimension"] = self.dimension
        if self.condition is not None:
            clauses.append(f"({self.condition.sql})")
            params.update(self.condition.params)
        if self.years is not None:
            start, end = self.years
            if end is not None:
                clauses.append("(p.start_year IS NULL OR p.start_year <= :f_year_end)")
                params["f_year_end"] = end
            if start is not None:
                clauses.append("(p.end_year IS NULL OR p.end_year >= :f_year_start)")
                params["f_year_start"] = start
        return " AND ".join(clauses), params

    def matching(self) -> tuple[str, dict[str, Any]]:
        """`<source> p WHERE <conditions>`: the filtered projects, to follow FROM; with every parameter."""
        where, params = self.where()
        source, source_params = self.source()
        return f"{source} p WHERE {where}", {**params, **source_params}

    def distance_sql(self) -> str | None:
        """Metres on the ellipsoid from the `near` point, or None without one."""
        if self.near is None:
            return None
        return "ST_Distance(p.geom::geography, ST_SetSRID(ST_MakePoint(:f_lon, :f_lat), 4326)::geography)"

    def order_by(self) -> str:
        return "distance_m, p.slug" if self.near is not None else "p.slug"


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


async def unknown_towns(conn: AsyncConnection, towns: list[str]) -> list[str]:
    """The slugs among `towns` that name no town, in the order given."""
    known = set((await conn.execute(text("SELECT slug FROM towns WHERE slug = ANY(:s)"), {"s": towns})).scalars())
    return [t for t in towns if t not in known]
