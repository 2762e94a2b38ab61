"""Which rows a project query reads: the live table, the public view, or a past date.

Every project query selects `FROM <source> p`, and the source decides what `p` holds:
- staff read `projects` itself;
- the public reads `projects_public`, where a sensitive site sits at its town seat, so no
  public endpoint can reach its precise geometry whatever else it does with `p.geom`;
- `as_of` reads `project_versions` as recorded at the end of that day, with the status
  taken from the dated status events (a status is dated by when it took effect, not when
  it was typed in). The towns of a project are its current towns.
"""

from datetime import date, timedelta
from typing import Any

from app.core.models import Project

PROJECT_COLUMNS = [c.name for c in Project.__table__.columns]

_GENERALIZED = {
    "geom": """(SELECT t.seat FROM project_towns pt JOIN towns t ON t.id = pt.town_id
                 WHERE pt.project_id = v.id ORDER BY t.slug LIMIT 1)""",
    "location_precision": "'town'::varchar(16)",
    "location_note": "'Sensitive site: shown to the public at its town seat only.'::text",
    "location_note_zh": "'敏感场所：对公众只显示在其所在镇的镇政府驻地。'::text",
}


def _as_of_sql(public: bool) -> str:
    def column(name: str) -> str:
        if name == "status":
            # Before its first dated event a project has the status it was recorded with first.
            return """coalesce((SELECT e.status FROM status_events e WHERE e.project_id = v.id
                                AND e.effective_date <= :src_as_of ORDER BY e.effective_date DESC, e.id DESC
                                LIMIT 1),
                               (SELECT f.status FROM project_versions f WHERE f.id = v.id
                                ORDER BY f.version LIMIT 1)) AS status"""
        if public and name in _GENERALIZED:
            return f"CASE WHEN v.sensitive THEN {_GENERALIZED[name]} ELSE v.{name} END AS {name}"
        return f"v.{name}"

    return f"""(SELECT {", ".join(column(c) for c in PROJECT_COLUMNS)}, v.valid_from AS recorded_at
               FROM (SELECT DISTINCT ON (id) * FROM project_versions
                     WHERE valid_from < :src_as_of_end ORDER BY id, valid_from DESC) v)"""


def project_source(*, staff: bool, as_of: date | None) -> tuple[str, dict[str, Any]]:
    """The FROM item (to be aliased `p`) and its bind parameters."""
    if as_of is None:
        return ("projects" if staff else "projects_public"), {}
    return _as_of_sql(public=not staff), {"src_as_of": as_of, "src_as_of_end": as_of + timedelta(days=1)}
