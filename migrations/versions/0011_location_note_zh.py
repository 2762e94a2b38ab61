"""`projects.location_note_zh`: the location note in Chinese, beside the English `location_note`.

The project page's yellow box sends readers to the location note, and most readers read Chinese;
the catalog writes a Chinese note from the same facts (`location_note_zh` in projects.geojson). It is
optional (NULL until written: the page then shows the English note, marked as such), and it is
part of the record like every other column:
- `project_versions` keeps it (the version trigger is recreated with the new column list, exactly
  as 0004 wrote it otherwise);
- `projects_public` exposes it generalised for sensitive sites exactly as `location_note` is, so a
  sensitive site's note reveals no more in Chinese than in English.

Revision ID: 0011
Revises: 0007 (the lead re-chains it after the other branches' revisions)
Create Date: 2026-11-30
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PLAN_DATE = "2021-04-01"

# Columns of projects in table order before this revision (0004); this revision appends one.
BEFORE = [
    "id", "slug", "name_zh", "name_en", "aliases", "category", "status", "status_basis", "geom",
    "location_precision", "location_note", "plan_chapter", "plan_section", "source_quote", "figures",
    "start_year", "end_year", "created_at", "updated_at", "version", "seeded_version", "deleted_at",
    "status_reason", "merged_into_id", "planned_start", "planned_end", "planned_investment_cny_100m",
    "actual_start", "actual_end", "actual_spend_cny_100m", "sensitive",
]  # fmt: skip
AFTER = [*BEFORE, "location_note_zh"]

SENSITIVE_NOTE_EN = "Sensitive site: shown to the public at its town seat only."
SENSITIVE_NOTE_ZH = "敏感场所：对公众只显示在其所在镇的镇政府驻地。"


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


def _record_version(columns: list[str]) -> str:
    """0004's `planmap_record_version()`, verbatim but for the column list it copies."""
    cols = ", ".join(columns)
    new_cols = ", ".join(f"NEW.{c}" for c in columns)
    return f"""
        CREATE OR REPLACE FUNCTION planmap_record_version() RETURNS trigger LANGUAGE plpgsql AS $$
        DECLARE
          effective date := nullif(current_setting('planmap.status_effective_date', true), '')::date;
          -- Set by `planmap seed`: the catalog states the plan as published, so its first
          -- versions and its statuses are dated to the plan, not to the day of loading.
          catalog boolean := coalesce(current_setting('planmap.loading_catalog', true), '') = 'on';
        BEGIN
          IF TG_OP = 'UPDATE' AND NEW.version = OLD.version THEN
            RETURN NEW;
          END IF;
          UPDATE project_versions SET valid_to = now() WHERE id = NEW.id AND valid_to IS NULL;
          INSERT INTO project_versions ({cols}, valid_from)
          VALUES ({new_cols},
                  CASE WHEN TG_OP = 'INSERT' AND catalog THEN TIMESTAMPTZ '{PLAN_DATE}' ELSE now() END);
          -- A project added by a person or an import has no status event until one is
          -- recorded (as_of then falls back to the status it was first recorded with).
          IF (TG_OP = 'INSERT' AND catalog) OR (TG_OP = 'UPDATE' AND NEW.status IS DISTINCT FROM OLD.status) THEN
            INSERT INTO status_events (project_id, status, effective_date, note, reason, user_id)
            VALUES (NEW.id, NEW.status,
                    coalesce(effective, CASE WHEN catalog THEN DATE '{PLAN_DATE}' ELSE current_date END),
                    CASE WHEN catalog THEN 'status as stated in the plan'
                         ELSE nullif(current_setting('planmap.status_note', true), '') END,
                    NEW.status_reason,
                    nullif(current_setting('planmap.user_id', true), '')::int);
          END IF;
          RETURN NEW;
        END $$;
        """


def upgrade() -> None:
    op.add_column("projects", sa.Column("location_note_zh", sa.Text))
    # After valid_from/valid_to in the table; every reader names its columns.
    op.add_column("project_versions", sa.Column("location_note_zh", sa.Text))
    op.execute("DROP VIEW projects_public")
    op.execute(_public_view(AFTER))
    op.execute(_record_version(AFTER))


def downgrade() -> None:
    op.execute(_record_version(BEFORE))
    op.execute("DROP VIEW projects_public")
    op.execute(_public_view(BEFORE))
    op.drop_column("project_versions", "location_note_zh")
    op.drop_column("projects", "location_note_zh")
