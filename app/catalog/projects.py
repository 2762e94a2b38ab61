"""Loading project features into PostGIS: validate everything first, then write.

Rules that keep people's work safe:
- one bad feature refuses the whole load (nothing is written), with every problem named;
- a project whose row was edited after the seed last wrote it (its `version` moved past
  `seeded_version`) is never overwritten, only reported as skipped;
- every insert and update is audited with its old and new values.
"""

from dataclasses import dataclass
from typing import Any

import orjson
from pydantic import ValidationError
from sqlalchemy import Connection, Row, text

from app.catalog.checks import check_geometry
from app.catalog.plan_text import is_verbatim
from app.catalog.report import FeatureProblem, LoadReport
from app.catalog.schema import ProjectFeature
from app.history import audit

SCALAR_FIELDS = (
    "name_zh",
    "name_en",
    "aliases",
    "category",
    "status",
    "status_basis",
    "location_precision",
    "location_note",
    "location_note_zh",
    "plan_chapter",
    "plan_section",
    "source_quote",
    "figures",
    "start_year",
    "end_year",
)


@dataclass
class ValidFeature:
    feature: ProjectFeature
    geojson: str

    @property
    def slug(self) -> str:
        return self.feature.properties.slug

    def values(self) -> dict[str, Any]:
        props = self.feature.properties.model_dump(mode="json")
        return {name: props[name] for name in SCALAR_FIELDS}


def _pydantic_messages(exc: ValidationError) -> list[str]:
    return [f"{'.'.join(str(p) for p in err['loc'])}: {err['msg']}" for err in exc.errors()]


def validate_features(
    conn: Connection, features: list[dict[str, Any]], report: LoadReport, derive_towns: bool = False
) -> list[ValidFeature]:
    """Validate every feature; problems go to the report, valid ones are returned.

    With `derive_towns` the towns are taken from where the geometry lies (used when a
    person moves a project and does not say which towns it is in now).
    """
    known_towns = set(conn.execute(text("SELECT slug FROM towns")).scalars())
    seen: dict[str, int] = {}
    valid: list[ValidFeature] = []
    for index, raw in enumerate(features):
        slug = raw.get("properties", {}).get("slug") if isinstance(raw, dict) else None
        try:
            feature = ProjectFeature.model_validate(raw)
        except ValidationError as exc:
            report.problems.append(FeatureProblem(index, slug, _pydantic_messages(exc)))
            continue
        props = feature.properties
        messages: list[str] = []
        if props.slug in seen:
            messages.append(f"slug repeats feature #{seen[props.slug]}")
        seen.setdefault(props.slug, index)
        if props.start_year and props.end_year and props.end_year < props.start_year:
            messages.append("end_year is before start_year")
        if not is_verbatim(props.source_quote):
            messages.append("source_quote is not a verbatim passage of the plan text")
        if props.status_basis and not is_verbatim(props.status_basis):
            messages.append("status_basis is not a verbatim phrase of the plan text")
        geometry = feature.geometry.model_dump(mode="json")
        verdict = check_geometry(conn, geometry, props.category, props.location_precision, props.towns, known_towns)
        messages.extend(verdict.errors)
        if derive_towns and verdict.computed_towns and not verdict.errors:
            props.towns = verdict.computed_towns
            verdict.warnings.clear()
        report.warnings.extend(f"feature #{index} '{props.slug}': {w}" for w in verdict.warnings)
        if messages:
            report.problems.append(FeatureProblem(index, props.slug, messages))
        else:
            valid.append(ValidFeature(feature, orjson.dumps(geometry).decode()))
    return valid


_EXISTING = text(
    """SELECT p.id, p.version, p.seeded_version, p.name_zh, p.name_en, p.aliases, p.category, p.status,
              p.status_basis, p.location_precision, p.location_note, p.location_note_zh, p.plan_chapter,
              p.plan_section,
              p.source_quote, p.figures, p.start_year, p.end_year,
              ST_AsGeoJSON(p.geom)::text AS geojson,
              ST_OrderingEquals(p.geom, ST_SetSRID(ST_GeomFromGeoJSON(:geojson), 4326)) AS same_geom,
              ARRAY(SELECT t.slug FROM project_towns pt JOIN towns t ON t.id = pt.town_id
                    WHERE pt.project_id = p.id ORDER BY t.slug) AS towns
       FROM projects p WHERE p.slug = :slug"""
)

_INSERT = text(
    """INSERT INTO projects (slug, name_zh, name_en, aliases, category, status, status_basis, geom,
                             location_precision, location_note, location_note_zh, plan_chapter, plan_section,
                             source_quote, figures, start_year, end_year, version, seeded_version)
       VALUES (:slug, :name_zh, :name_en, :aliases, :category, :status, :status_basis,
               ST_SetSRID(ST_GeomFromGeoJSON(:geojson), 4326), :location_precision, :location_note,
               :location_note_zh, :plan_chapter, :plan_section, :source_quote, CAST(:figures AS jsonb), :start_year,
               :end_year, 1, :seeded_version)
       RETURNING id"""
)

_UPDATE = text(
    """UPDATE projects SET name_zh = :name_zh, name_en = :name_en, aliases = :aliases, category = :category,
              status = :status, status_basis = :status_basis,
              geom = ST_SetSRID(ST_GeomFromGeoJSON(:geojson), 4326),
              location_precision = :location_precision, location_note = :location_note,
              location_note_zh = :location_note_zh,
              plan_chapter = :plan_chapter, plan_section = :plan_section, source_quote = :source_quote,
              figures = CAST(:figures AS jsonb), start_year = :start_year, end_year = :end_year,
              version = version + 1, updated_at = now(),
              seeded_version = CASE WHEN :seed_owned THEN version + 1 ELSE seeded_version END
       WHERE id = :id AND version = :version"""
)

_DROP_OTHER_TOWNS = text(
    """DELETE FROM project_towns pt USING towns t
       WHERE pt.project_id = :id AND t.id = pt.town_id AND NOT (t.slug = ANY(:towns))"""
)
_ADD_TOWNS = text(
    """INSERT INTO project_towns (project_id, town_id)
       SELECT :id, t.id FROM towns t WHERE t.slug = ANY(:towns)
       ON CONFLICT DO NOTHING"""
)


def set_towns(conn: Connection, project_id: int, towns: list[str]) -> None:
    conn.execute(_DROP_OTHER_TOWNS, {"id": project_id, "towns": towns})
    conn.execute(_ADD_TOWNS, {"id": project_id, "towns": towns})


def _params(item: ValidFeature) -> dict[str, Any]:
    values = item.values()
    values["figures"] = orjson.dumps(values["figures"]).decode()
    return {**values, "slug": item.slug, "geojson": item.geojson}


def stored_project(conn: Connection, item: ValidFeature) -> Row[Any] | None:
    """The stored row of `item`'s project (None when new), with what `differences` compares it by."""
    return conn.execute(_EXISTING, {"slug": item.slug, "geojson": item.geojson}).one_or_none()


def differences(row: Row[Any], item: ValidFeature) -> dict[str, dict[str, Any]]:
    """History entry of an update: each field of `stored_project`'s row that `item` changes, old → new."""
    new = item.values()
    changes: dict[str, dict[str, Any]] = {}
    for name in SCALAR_FIELDS:
        old = getattr(row, name)
        if name == "figures":
            old = {k: float(v) for k, v in (old or {}).items()}
        if old != new[name]:
            changes[name] = {"old": old, "new": new[name]}
    towns = item.feature.properties.towns
    if list(row.towns) != towns:
        changes["towns"] = {"old": list(row.towns), "new": towns}
    if not row.same_geom:
        changes["geometry"] = {"old": orjson.loads(row.geojson), "new": orjson.loads(item.geojson)}
    return changes


def creation_changes(item: ValidFeature) -> dict[str, dict[str, Any]]:
    """History entry of a new project: every field, from nothing to its first value."""
    new = {**item.values(), "towns": item.feature.properties.towns, "geometry": orjson.loads(item.geojson)}
    return {name: {"old": None, "new": value} for name, value in new.items()}


def record_creation(conn: Connection, item: ValidFeature, actor: str) -> None:
    """Audit a project `insert_project` just wrote; the loader and the importer share it so
    their history entries cannot drift apart."""
    audit.record(
        conn,
        actor=actor,
        action="create",
        object_type="project",
        object_key=item.slug,
        changes=creation_changes(item),
        object_version=1,
    )


def record_update(
    conn: Connection, item: ValidFeature, changes: dict[str, dict[str, Any]], version: int, actor: str
) -> None:
    """Audit an `update_project` that produced `version`, with the `differences` it made."""
    audit.record(
        conn,
        actor=actor,
        action="update",
        object_type="project",
        object_key=item.slug,
        changes=changes,
        object_version=version,
    )


def insert_project(conn: Connection, item: ValidFeature, seed_owned: bool) -> int:
    """Insert a validated project with its towns; `seed_owned` lets a later seed update it."""
    params = {**_params(item), "seeded_version": 1 if seed_owned else None}
    project_id = int(conn.execute(_INSERT, params).scalar_one())
    set_towns(conn, project_id, item.feature.properties.towns)
    return project_id


def update_project(conn: Connection, project_id: int, version: int, item: ValidFeature, seed_owned: bool) -> bool:
    """Overwrite a project whose stored version is `version`; False when it has moved on."""
    result = conn.execute(_UPDATE, {**_params(item), "id": project_id, "version": version, "seed_owned": seed_owned})
    if result.rowcount != 1:
        return False
    set_towns(conn, project_id, item.feature.properties.towns)
    return True


def write_features(conn: Connection, items: list[ValidFeature], report: LoadReport, actor: str) -> None:
    """Insert new projects, update ones the seed still owns, skip ones people have edited."""
    for item in items:
        row = stored_project(conn, item)
        if row is None:
            insert_project(conn, item, seed_owned=True)
            record_creation(conn, item, actor)
            report.inserted.append(item.slug)
            continue
        if row.seeded_version is None or row.version != row.seeded_version:
            report.skipped_edited.append(item.slug)
            continue
        changes = differences(row, item)
        if not changes:
            report.unchanged.append(item.slug)
            continue
        update_project(conn, row.id, row.version, item, seed_owned=True)
        record_update(conn, item, changes, row.version + 1, actor)
        report.updated.append(item.slug)


def load_projects(conn: Connection, features: list[dict[str, Any]], actor: str) -> LoadReport:
    """Validate all features, then write them only if every one is valid."""
    report = LoadReport()
    items = validate_features(conn, features, report)
    if report.ok:
        write_features(conn, items, report, actor)
    return report
