"""One project filter, turned into SQL, so every endpoint slices the plan the same way.

The JSON API, OGC items, exports, CSV and the maps all take these parameters; keeping
the SQL here means a `town` or `bbox` means exactly one thing everywhere, and the spatial
predicates are written once to use the GiST indexes (`geom && envelope` for bbox, the
geography index for distance).
"""

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from app.vocab import Category, Status

MAX_RADIUS_M = 200_000.0


@dataclass(frozen=True)
class Near:
    lon: float
    lat: float
    radius_m: float


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
        if self.years is not None:
            start, end = self.years
            if end is not None:
                clauses.append("(p.start_year IS NULL OR p.start_year <= :f_year_end)")
                params["f_year_end"] = end
            if start is not None:
                clauses.append("(p.end_year IS NULL OR p.end_year >= :f_year_start)")
                params["f_year_start"] = start
        return " AND ".join(clauses), params

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
