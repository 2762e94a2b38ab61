"""Whole-feature writes (OGC API – Features Part 4): replace and JSON merge patch, on the editing service.

A desktop GIS writes features, not patches: QGIS PUTs back every property it read (computed ones
included) and PATCHes only the attributes a user changed, as a JSON merge patch (RFC 7396). This
module turns those documents into the one patch `app.editing.service.patch_project` knows, so a
write through /ogc meets exactly the rules of a write through /api (roles, towns, validation,
review before publishing, If-Match, history). Nothing here knows HTTP.

What a replace means for each kind of property, and why:
- catalog properties (what the plan says) and the geometry are replaced: one left out is cleared,
  or refused when the catalog requires it;
- tracking properties (planned/actual dates and money, `sensitive`) keep their values unless given:
  a replace that omitted `sensitive` would otherwise publish a protected site's precise location,
  and an official (who may not set the planned values) could never replace anything;
- computed properties (`version`, `warnings`, `rag`, `updated_at` …) are the server's: a replace
  carries them back as read and they are ignored; a merge patch naming one is refused.
"""

from datetime import date
from typing import Any

from pydantic_core import PydanticUndefined
from sqlalchemy import Connection

from app.auth.principal import Principal
from app.catalog.fields import CATALOG_FIELDS, PROPERTY_NAMES
from app.catalog.schema import ProjectProperties
from app.core.errors import Invalid, NotFound, Problem
from app.editing import proposals
from app.editing.current import CurrentProject, lock_project
from app.editing.tracking import TRACKING_FIELDS

WRITABLE = frozenset(CATALOG_FIELDS) | TRACKING_FIELDS | {"towns", "slug"}
# Properties every read returns but only the server sets (the field registry, app.catalog.fields).
COMPUTED = frozenset(PROPERTY_NAMES) - WRITABLE
REQUIRED = tuple(
    name for name in CATALOG_FIELDS if ProjectProperties.model_fields[name].is_required() and name != "towns"
)
FEATURE_KEYS = frozenset({"type", "id", "geometry", "properties", "links", "note"})


def merge_patch(target: Any, patch: Any) -> Any:
    """RFC 7396: objects merge key by key (recursively), `null` removes a key, anything else replaces."""
    if not isinstance(patch, dict):
        return patch
    merged = dict(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            merged.pop(key, None)
        else:
            merged[key] = merge_patch(merged.get(key), value)
    return merged


def _default(name: str) -> Any:
    """What a catalog property becomes when a replace leaves it out (its schema default, else null)."""
    value = ProjectProperties.model_fields[name].get_default(call_default_factory=True)
    return None if value is PydanticUndefined else value


def _check_document(feature_id: str, document: dict[str, Any], *, whole: bool) -> dict[str, Any]:
    """The properties object of a feature document, after the checks every write shares."""
    problems = [
        Problem(("body", key), f"'{key}' is not a member of a GeoJSON Feature this API takes")
        for key in sorted(set(document) - FEATURE_KEYS)
    ]
    if whole and document.get("type") != "Feature":
        problems.append(Problem(("body", "type"), 'a replace is a GeoJSON Feature: "type": "Feature"'))
    if "id" in document and document["id"] is not None and document["id"] != feature_id:
        problems.append(Problem(("body", "id"), f"the feature's id {document['id']!r} is not {feature_id!r}"))
    if document.get("geometry", "") is None or (whole and "geometry" not in document):
        problems.append(Problem(("body", "geometry"), "a project needs a geometry"))
    properties = document.get("properties", {})
    if not isinstance(properties, dict):
        problems.append(Problem(("body", "properties"), "properties must be a JSON object"))
    if problems:
        raise Invalid.of(problems)
    return dict(properties)


def _unknown(properties: dict[str, Any]) -> list[Problem]:
    return [
        Problem(("body", "properties", name), f"'{name}' is not a property of a project")
        for name in sorted(set(properties) - WRITABLE - COMPUTED)
    ]


def replacement(feature_id: str, feature: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any], str | None]:
    """The patch (properties, geometry, note) that makes the project this whole feature."""
    given = _check_document(feature_id, feature, whole=True)
    problems = _unknown(given)
    problems += [
        Problem(("body", "properties", name), f"'{name}' is required: a replace carries every required property")
        for name in REQUIRED
        if given.get(name) is None
    ]
    if problems:
        raise Invalid.of(problems)
    properties = {name: given.get(name, _default(name)) for name in CATALOG_FIELDS}
    properties |= {name: given[name] for name in (TRACKING_FIELDS | {"towns", "slug"}) & set(given)}
    return properties, feature["geometry"], _note(feature)


def merged_patch(
    conn: Connection, feature_id: str, document: dict[str, Any]
) -> tuple[dict[str, Any], dict[str, Any] | None, str | None]:
    """The patch (properties, geometry, note) a JSON merge patch of the feature amounts to.

    Objects inside properties (`figures`) merge with their current value, as RFC 7396 says, so a
    patch naming one figure keeps the others; `null` clears a property (refused where required).
    """
    given = _check_document(feature_id, document, whole=False)
    problems = _unknown(given) + [
        Problem(("body", "properties", name), f"'{name}' is computed by the server and cannot be set")
        for name in sorted(COMPUTED & set(given))
    ]
    if problems:
        raise Invalid.of(problems)
    current = _current(conn, feature_id)
    stored = {**current.properties, **current.tracking}
    properties = {
        name: merge_patch(stored.get(name), value) if isinstance(value, dict) else value
        for name, value in given.items()
    }
    properties |= {name: _default(name) for name, value in given.items() if value is None and name in CATALOG_FIELDS}
    return _changed_only(current, properties), document.get("geometry"), _note(document)


def _current(conn: Connection, slug: str) -> CurrentProject:
    current = lock_project(conn, slug)
    if current is None or current.deleted:
        raise NotFound(f"no project '{slug}'")
    return current


def _changed_only(current: CurrentProject, properties: dict[str, Any]) -> dict[str, Any]:
    """The properties without those a feature merely carries back as read.

    A GIS sends the status and the planned values it read. Restating them is no change, yet the
    service refuses an official who sets a planned value, and a status that needs a reason outside
    POST …/status; dropping what equals the stored value keeps such a write to what it changes.
    """
    unchanged = {
        name
        for name, value in properties.items()
        if name in TRACKING_FIELDS and value == _jsonable(current.tracking[name])
    }
    if properties.get("status") == current.properties["status"]:
        unchanged.add("status")
    return {name: value for name, value in properties.items() if name not in unchanged}


def _jsonable(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date) else value


def _note(document: dict[str, Any]) -> str | None:
    note = document.get("note")
    if note is not None and not isinstance(note, str):
        raise Invalid(("body", "note"), "note must be text")
    return note


def replace_or_propose(
    conn: Connection, principal: Principal, slug: str, expected: int | None, feature: dict[str, Any]
) -> tuple[int | None, list[str]]:
    """Replace the project by the feature, or hold the change for review; (proposal id or None, warnings)."""
    properties, geometry, note = replacement(slug, feature)
    properties = _changed_only(_current(conn, slug), properties)
    return proposals.patch_or_propose(conn, principal, slug, expected, properties, geometry, note)


def merge_or_propose(
    conn: Connection, principal: Principal, slug: str, expected: int | None, document: dict[str, Any]
) -> tuple[int | None, list[str]]:
    """Apply a JSON merge patch of the feature, or hold it for review; (proposal id or None, warnings)."""
    properties, geometry, note = merged_patch(conn, slug, document)
    return proposals.patch_or_propose(conn, principal, slug, expected, properties, geometry, note)


def creation(feature: dict[str, Any]) -> tuple[dict[str, Any], str | None]:
    """A new project's feature as the service takes it: computed properties (a GIS sends them empty) dropped."""
    if feature.get("type") != "Feature":
        raise Invalid(("body", "type"), 'a new project is a GeoJSON Feature: "type": "Feature"')
    properties = feature.get("properties")
    if not isinstance(properties, dict):
        raise Invalid(("body", "properties"), "properties must be a JSON object")
    kept = {k: v for k, v in properties.items() if k not in COMPUTED and not (k in TRACKING_FIELDS and v is None)}
    if "slug" not in kept and isinstance(feature.get("id"), str):
        kept["slug"] = feature["id"]  # the feature's id is its slug, as every read gives it
    note = _note(feature)
    return {"type": "Feature", "geometry": feature.get("geometry"), "properties": kept}, note
