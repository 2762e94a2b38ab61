"""Plan monitoring: honest statuses, planned versus actual, a timeline, sensitive sites, review.

- statuses `postponed`, `cancelled`, `merged` (each needs a reason; merged names its target);
- planned and actual dates and money on each project;
- `project_versions`: a full copy of every version of every project, with the span of
  time it was the record (valid_from, valid_to), kept by a trigger so every write path
  (seed, import, API) is covered; `?as_of=` reads it;
- status events recorded by a trigger whenever the status changes, dated by the writer
  (SET LOCAL planmap.status_effective_date) or today; the catalog's statuses are dated to
  the plan's publication (2021-04-01), because that is when the plan stated them;
- `project_warnings()`: late start, late completion, over budget, stale, computed from
  the data and a reference date, never typed in;
- `projects.sensitive` and the `projects_public` view, which shows a sensitive project
  only at its town seat, so no public read can reach the precise geometry;
- `towns.review_required` and `project_proposals`: officials' edits held for a planner.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-26
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PLAN_DATE = "2021-04-01"
NEW_STATUSES = [
    ("postponed", "推迟", "Postponed", 70),
    ("cancelled", "取消", "Cancelled", 80),
    ("merged", "合并", "Merged into another project", 90),
]
NEW_COLUMNS = [
    ("status_reason", sa.Text),
    ("merged_into_id", sa.Integer),
    ("planned_start", sa.Date),
    ("planned_end", sa.Date),
    ("planned_investment_cny_100m", sa.Numeric(14, 4)),
    ("actual_start", sa.Date),
    ("actual_end", sa.Date),
    ("actual_spend_cny_100m", sa.Numeric(14, 4)),
]

# Columns of projects in table order after this revision; project_versions and the public
# view list them explicitly, so a later revision that adds a column must add it there too
# (tests/queries/test_monitoring.py checks they agree).
PROJECT_COLUMNS = [
    "id", "slug", "name_zh", "name_en", "aliases", "category", "status", "status_basis", "geom",
    "location_precision", "location_note", "plan_chapter", "plan_section", "source_quote", "figures",
    "start_year", "end_year", "created_at", "updated_at", "version", "seeded_version", "deleted_at",
    "status_reason", "merged_into_id", "planned_start", "planned_end", "planned_investment_cny_100m",
    "actual_start", "actual_end", "actual_spend_cny_100m", "sensitive",
]  # fmt: skip


def _public_view() -> str:
    generalized = {
        "geom": """(SELECT t.seat FROM project_towns pt JOIN towns t ON t.id = pt.town_id
                     WHERE pt.project_id = p.id ORDER BY t.slug LIMIT 1) AS geom""",
        "location_precision": "'town'::varchar(16) AS location_precision",
        "location_note": "'Sensitive site: shown to the public at its town seat only.'::text AS location_note",
    }
    plain = ", ".join(f"p.{c}" for c in PROJECT_COLUMNS)
    hidden = ", ".join(generalized.get(c, f"p.{c}") for c in PROJECT_COLUMNS)
    return f"""CREATE VIEW projects_public AS
               SELECT {plain} FROM projects p WHERE NOT p.sensitive
               UNION ALL
               SELECT {hidden} FROM projects p WHERE p.sensitive"""


def upgrade() -> None:
    statuses = sa.table(
        "project_statuses", sa.column("code"), sa.column("label_zh"), sa.column("label_en"), sa.column("sort_order")
    )
    op.bulk_insert(
        statuses, [dict(zip(("code", "label_zh", "label_en", "sort_order"), s, strict=True)) for s in NEW_STATUSES]
    )
    for name, type_ in NEW_COLUMNS:
        op.add_column("projects", sa.Column(name, type_))
    op.add_column("projects", sa.Column("sensitive", sa.Boolean, nullable=False, server_default=sa.false()))
    op.create_foreign_key("projects_merged_into_fk", "projects", "projects", ["merged_into_id"], ["id"])
    op.create_check_constraint(
        "projects_status_reason_check",
        "projects",
        "status NOT IN ('postponed', 'cancelled', 'merged') OR coalesce(btrim(status_reason), '') <> ''",
    )
    op.create_check_constraint(
        "projects_merged_check", "projects", "(status = 'merged') = (merged_into_id IS NOT NULL)"
    )
    op.create_check_constraint(
        "projects_money_check",
        "projects",
        "coalesce(planned_investment_cny_100m, 0) >= 0 AND coalesce(actual_spend_cny_100m, 0) >= 0",
    )
    op.add_column("towns", sa.Column("review_required", sa.Boolean, nullable=False, server_default=sa.false()))
    op.add_column("status_events", sa.Column("reason", sa.Text))

    cols = ", ".join(PROJECT_COLUMNS)
    new_cols = ", ".join(f"NEW.{c}" for c in PROJECT_COLUMNS)
    op.execute(f"CREATE TABLE project_versions AS SELECT {cols} FROM projects WITH NO DATA")
    op.add_column("project_versions", sa.Column("valid_from", sa.DateTime(timezone=True), nullable=False))
    op.add_column("project_versions", sa.Column("valid_to", sa.DateTime(timezone=True)))
    op.create_primary_key("project_versions_pkey", "project_versions", ["id", "version"])
    op.create_index("project_versions_span_idx", "project_versions", ["id", "valid_from"])
    op.execute(
        f"""INSERT INTO project_versions ({cols}, valid_from)
            SELECT {cols}, CASE WHEN seeded_version IS NOT NULL THEN TIMESTAMPTZ '{PLAN_DATE}' ELSE created_at END
            FROM projects"""
    )
    op.execute(
        f"""INSERT INTO status_events (project_id, status, effective_date, note)
            SELECT id, status, CASE WHEN seeded_version IS NOT NULL THEN DATE '{PLAN_DATE}' ELSE created_at::date END,
                   'status as stated in the plan'
            FROM projects p WHERE NOT EXISTS (SELECT 1 FROM status_events e WHERE e.project_id = p.id)"""
    )
    op.execute(
        f"""
        CREATE FUNCTION planmap_record_version() RETURNS trigger LANGUAGE plpgsql AS $$
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
        CREATE TRIGGER projects_record_version AFTER INSERT OR UPDATE ON projects
          FOR EACH ROW EXECUTE FUNCTION planmap_record_version();
        """
    )
    op.execute(
        """
        CREATE FUNCTION project_warnings(
            status text, start_year int, end_year int, planned_start date, planned_end date,
            planned_investment numeric, actual_start date, actual_end date, actual_spend numeric,
            last_update timestamptz, ref_date date, stale_days int
        ) RETURNS text[] LANGUAGE sql IMMUTABLE AS $$
          SELECT array_remove(ARRAY[
            CASE WHEN status IN ('planned', 'preparing', 'postponed') AND actual_start IS NULL
                      AND coalesce(planned_start, make_date(start_year, 1, 1)) < ref_date
                 THEN 'late_start' END,
            CASE WHEN status NOT IN ('completed', 'existing', 'cancelled', 'merged') AND actual_end IS NULL
                      AND coalesce(planned_end, make_date(end_year, 12, 31)) < ref_date
                 THEN 'late_completion' END,
            CASE WHEN actual_spend IS NOT NULL AND planned_investment IS NOT NULL AND actual_spend > planned_investment
                 THEN 'over_budget' END,
            CASE WHEN status IN ('planned', 'preparing', 'under_construction', 'postponed', 'suspended')
                      AND last_update < ref_date - stale_days
                 THEN 'stale' END
          ], NULL)
        $$;
        """
    )
    op.execute(_public_view())

    op.create_table(
        "project_proposals",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("project_id", sa.Integer, sa.ForeignKey("projects.id", ondelete="CASCADE"), nullable=False),
        sa.Column("base_version", sa.Integer, nullable=False),
        sa.Column("patch", JSONB, nullable=False),
        sa.Column("note", sa.Text),
        sa.Column("proposed_by", sa.Integer, sa.ForeignKey("users.id", ondelete="SET NULL")),
        sa.Column("proposed_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.Column("state", sa.String(16), nullable=False, server_default="pending"),
        sa.Column("reviewed_by", sa.Integer, sa.ForeignKey("users.id", ondelete="SET NULL")),
        sa.Column("reviewed_at", sa.DateTime(timezone=True)),
        sa.Column("review_reason", sa.Text),
        sa.CheckConstraint("state IN ('pending', 'approved', 'rejected')", name="project_proposals_state_check"),
    )
    op.create_index("project_proposals_pending_idx", "project_proposals", ["project_id"],
                    postgresql_where=sa.text("state = 'pending'"))  # fmt: skip


def downgrade() -> None:
    op.drop_table("project_proposals")
    op.execute("DROP VIEW projects_public")
    op.execute("DROP FUNCTION project_warnings")
    op.execute("DROP TRIGGER projects_record_version ON projects")
    op.execute("DROP FUNCTION planmap_record_version")
    op.drop_table("project_versions")
    op.drop_column("status_events", "reason")
    op.drop_column("towns", "review_required")
    for name in ("projects_money_check", "projects_merged_check", "projects_status_reason_check"):
        op.drop_constraint(name, "projects", type_="check")
    op.drop_constraint("projects_merged_into_fk", "projects", type_="foreignkey")
    op.drop_column("projects", "sensitive")
    for name, _ in reversed(NEW_COLUMNS):
        op.drop_column("projects", name)
    op.execute("DELETE FROM project_statuses WHERE code IN ('postponed', 'cancelled', 'merged')")
