"""`projects.location_note_zh`: the location note in Chinese, beside the English `location_note`.

The project page's yellow box sends readers to the location note, and most readers read Chinese;
the catalog writes a Chinese note from the same facts (`location_note_zh` in projects.geojson). It is
optional (NULL until written: the page then shows the English note, marked as such), and it is
part of the record like every other column:
- `project_versions` keeps it (the version trigger of 0010 is recreated with the new column list);
- `projects_public` and `projects_public_as_of()` generalise it for sensitive sites exactly as
  `location_note` is, so a sensitive site's note reveals no more in Chinese than in English.

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-30
"""

import importlib.util
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SENSITIVE_NOTE_EN = "Sensitive site: shown to the public at its town seat only."
SENSITIVE_NOTE_ZH = "敏感场所：对公众只显示在其所在镇的镇政府驻地。"
HIDDEN_ZH = {"location_note_zh": f"CASE WHEN p.sensitive THEN '{SENSITIVE_NOTE_ZH}'::text ELSE p.location_note_zh END"}


def _migration(name: str) -> ModuleType:
    """An earlier migration's module, for the helpers that write its view, trigger and functions."""
    path = Path(__file__).with_name(name)
    spec = importlib.util.spec_from_file_location(f"planmap_migration_{path.stem}", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _public_view(columns: list[str]) -> str:
    generalized = {
        "geom": """(SELECT t.seat FROM project_towns pt JOIN towns t ON t.id = pt.town_id
                     WHERE pt.project_id = p.id ORDER BY t.slug LIMIT 1) AS geom""",
        "location_precision": "'town'::varchar(16) AS location_precision",
        "location_note": f"'{SENSITIVE_NOTE_EN}'::text AS location_note",
        "location_note_zh": f"'{SENSITIVE_NOTE_ZH}'::text AS location_note_zh",
    }
    plain = ", ".join(f"p.{c}" for c in columns)
    hidden = ", ".join(generalized.get(c, f"p.{c}") for c in columns)
    return f"""CREATE VIEW projects_public AS
               SELECT {plain} FROM projects p WHERE NOT p.sensitive
               UNION ALL
               SELECT {hidden} FROM projects p WHERE p.sensitive"""


def upgrade() -> None:
    plans, as_of = _migration("0010_plan_periods.py"), _migration("0008_as_of_applies_todays_sensitivity.py")
    before: list[str] = plans.PROJECT_COLUMNS
    as_of.drop_as_of_functions()
    op.add_column("projects", sa.Column("location_note_zh", sa.Text))
    op.add_column("project_versions", sa.Column("location_note_zh", sa.Text))  # after valid_from/valid_to
    op.execute("DROP VIEW projects_public")
    op.execute(_public_view([*before, "location_note_zh"]))
    op.execute(plans._record_version([*before, "location_note_zh"]))
    as_of.create_as_of_functions(plans.OLD_COLUMNS, ["info_date", "info_precision", "location_note_zh"], HIDDEN_ZH)


def downgrade() -> None:
    plans, as_of = _migration("0010_plan_periods.py"), _migration("0008_as_of_applies_todays_sensitivity.py")
    before: list[str] = plans.PROJECT_COLUMNS
    as_of.drop_as_of_functions()
    op.execute(plans._record_version(before))
    op.execute("DROP VIEW projects_public")
    op.execute(_public_view(before))
    op.drop_column("project_versions", "location_note_zh")
    op.drop_column("projects", "location_note_zh")
    as_of.create_as_of_functions(plans.OLD_COLUMNS, ["info_date", "info_precision"])
