"""`/ogc/api`: the OpenAPI (3.1) definition of the OGC API alone, as OGC clients read it.

GDAL resolves operations relative to the OGC API's root and looks for
`/collections/<name>/items` (then `/collections/{collectionId}/items`) to learn which property
parameters the server evaluates; the app-wide document has `/ogc/...` paths and one generic
items path, so GDAL filtered everything on the client. This document is that one cut down to
/ogc, with `servers` pointing at /ogc and one items path per collection listing every
parameter that collection takes (its queryables included, as `name=value` filters).
"""

import copy
from typing import Any

from app.ogc.providers import PROVIDERS
from app.ogc.queryables import GEOMETRY, Queryable

PREFIX = "/ogc"


def _property_parameter(q: Queryable) -> dict[str, Any]:
    schema = {k: v for k, v in q.schema().items() if k in ("type", "format", "enum")}
    return {
        "name": q.name,
        "in": "query",
        "required": False,
        "schema": schema,
        "description": f"Features whose {q.title.lower()} equals this value.",
    }


def ogc_api_document(full: dict[str, Any], base_url: str) -> dict[str, Any]:
    """The app's OpenAPI document reduced to the OGC API, with concrete per-collection items paths."""
    paths: dict[str, Any] = {}
    for path, operations in full["paths"].items():
        if path == PREFIX or path.startswith(PREFIX + "/"):
            paths[path[len(PREFIX) :] or "/"] = operations
    generic = paths.get("/collections/{collection_id}/items", {}).get("get")
    if generic is not None:
        for provider in PROVIDERS.values():
            operation = copy.deepcopy(generic)
            operation["operationId"] = f"items_{provider.id.replace('-', '_')}"
            operation["summary"] = f"Features of {provider.id}"
            declared = {p.get("name") for p in operation.get("parameters", [])}
            operation["parameters"] = [p for p in operation.get("parameters", []) if p.get("in") != "path"] + [
                _property_parameter(q)
                for q in provider.queryables.values()
                if q.name != GEOMETRY and q.name not in declared
            ]
            if not provider.parameters:
                operation["parameters"] = [
                    p for p in operation["parameters"] if p["name"] not in ("status", "category", "town")
                ]
            # Merged with what the path already holds: `projects` takes Part 4's POST too (app.ogc.writes).
            paths.setdefault(f"/collections/{provider.id}/items", {})["get"] = operation
    document = {key: value for key, value in full.items() if key != "paths"}
    document["paths"] = paths
    document["servers"] = [{"url": base_url + PREFIX}]
    return document
