"""What a CQL2 filter may name in each collection: the whitelist, its SQL, and its JSON Schema.

A filter reaches SQL only through this table: a property not listed here is refused by name
(app.ogc.cql2_sql), and each listed one maps to a fixed SQL expression on the collection's
alias. The same table answers `/collections/{id}/queryables`, so what clients are told they
may filter on is exactly what the server will filter on.

For projects the expressions read `p`, the public view for the public: a spatial filter on
`geometry` meets a sensitive site at its town seat, never at its precise location.
"""

from dataclasses import dataclass
from typing import Any, Literal

from app.catalog.fields import BY_NAME
from app.catalog.vocab import Category, Precision, Status
from app.queries.project_filter import WARNINGS_SQL, rag_sql

Kind = Literal["string", "integer", "number", "boolean", "date", "timestamp", "geometry"]

GEOMETRY = "geometry"


@dataclass(frozen=True)
class Queryable:
    name: str
    sql: str
    kind: Kind
    title: str
    enum: tuple[str, ...] | None = None
    description: str | None = None

    def schema(self) -> dict[str, Any]:
        """This property as JSON Schema (OGC API – Features Part 3, §6.2)."""
        doc: dict[str, Any] = {"title": self.title}
        if self.kind == "geometry":
            doc["format"] = "geometry-any"
        elif self.kind == "date":
            doc.update(type="string", format="date")
        elif self.kind == "timestamp":
            doc.update(type="string", format="date-time")
        else:
            doc["type"] = self.kind
        if self.enum:
            doc["enum"] = list(self.enum)
        if self.description:
            doc["description"] = self.description
        return doc


def _project(name: str, kind: Kind, sql: str | None = None, **extra: Any) -> Queryable:
    field = BY_NAME.get(name)
    title = field.label("en", heading=True) if field else name
    return Queryable(name, sql or f"p.{name}", kind, title, **extra)


_TOWNS = """array_to_string(ARRAY(SELECT t.slug FROM project_towns pt JOIN towns t ON t.id = pt.town_id
                                   WHERE pt.project_id = p.id ORDER BY t.slug), ';')"""

PROJECT_QUERYABLES: dict[str, Queryable] = {
    q.name: q
    for q in (
        Queryable(GEOMETRY, "p.geom", "geometry", "Location", description="A sensitive site is at its town seat."),
        _project("slug", "string"),
        _project("name_zh", "string"),
        _project("name_en", "string"),
        _project("aliases", "string", "array_to_string(p.aliases, ';')", description="Joined with ';'."),
        _project("category", "string", enum=tuple(c.value for c in Category)),
        _project("status", "string", enum=tuple(s.value for s in Status)),
        _project("status_basis", "string"),
        _project("towns", "string", _TOWNS, description="Town slugs joined with ';', e.g. 'xingzi;lianzhou'."),
        _project("plan_chapter", "string"),
        _project("plan_section", "string"),
        _project("source_quote", "string"),
        _project("start_year", "integer"),
        _project("end_year", "integer"),
        _project("location_precision", "string", enum=tuple(p.value for p in Precision)),
        _project("updated_at", "timestamp"),
        _project("version", "integer"),
        _project("planned_start", "date"),
        _project("planned_end", "date"),
        _project("planned_investment_cny_100m", "number"),
        _project("actual_start", "date"),
        _project("actual_end", "date"),
        _project("actual_spend_cny_100m", "number"),
        _project("warnings", "string", f"array_to_string({WARNINGS_SQL}, ';')", description="Joined with ';'."),
        _project("rag", "string", rag_sql(WARNINGS_SQL), enum=("red", "amber", "green")),
    )
}

TOWN_QUERYABLES: dict[str, Queryable] = {
    q.name: q
    for q in (
        Queryable(GEOMETRY, "t.area", "geometry", "Area (approximate)"),
        Queryable("slug", "t.slug", "string", "Identifier"),
        Queryable("name_zh", "t.name_zh", "string", "Chinese name"),
        Queryable("name_en", "t.name_en", "string", "English name"),
        Queryable("kind", "t.kind", "string", "Kind", enum=("town", "ethnic_township")),
    )
}

COUNTY_QUERYABLES: dict[str, Queryable] = {
    q.name: q
    for q in (
        Queryable(GEOMETRY, "c.geom", "geometry", "Outline"),
        Queryable("adcode", "c.adcode", "string", "Administrative code"),
        Queryable("name_zh", "c.name_zh", "string", "Chinese name"),
        Queryable("name_en", "c.name_en", "string", "English name"),
    )
}


def queryables_document(queryables: dict[str, Queryable], href: str, title: str) -> dict[str, Any]:
    """The `/queryables` response: a JSON Schema (2020-12) of an object with these properties."""
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": href,
        "type": "object",
        "title": title,
        "properties": {name: q.schema() for name, q in queryables.items()},
        "additionalProperties": False,
    }
