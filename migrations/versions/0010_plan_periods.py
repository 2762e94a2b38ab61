"""Plan periods: plans as first-class records, project membership, baselines and revisions,
the date information dates from, and honest warnings once a plan's period has ended.

- `plans`: slug, names, period (years), adoption and revision dates *with their precision*
  (the 14th plan's text says "2021 年4 月" and "(2022年更新)": month and year only, so they
  are stored as 2021-04-01/month and 2022-01-01/year, the first day of what is known, and
  shown as "2021年4月" and "2022年"), its source document, when planmap first recorded it
  (`recorded_at`, which `as_of` reads) and when it was closed and into which plan;
- `plan_projects`: a project's place in each plan it appears in (role new or continuing 续建,
  chapter, section, verbatim quote), its baseline (planned years, dates, investment, scope as
  the plan stated them when the project joined) and the decision taken when the plan closed
  (completed, continuing, dropped, with a reason); `added_at` lets `as_of` show a plan's
  projects as they stood before a carry-over;
- `project_revisions`: each later change of a baselined value, dated, with its reason and who;
- `projects.info_date` / `info_precision` (资料截至): set by a trigger, a person's write sets
  Lianzhou's today, a load inserting a project sets its plan's revision (or adoption) date,
  and nothing else (a re-run seed, an import update, a migration) ever moves it;
- `project_warnings()` takes the information date instead of `updated_at` for `stale`, and the
  plan period's last day for `plan_period_ended` (规划期内未完成: the period is over, the project
  is neither finished nor ended, and it has no completion date of its own), and flags
  `no_recorded_start` for a project the plan says is under construction without a recorded
  start. It stays IMMUTABLE and inlinable (see 0007): dates only, each argument read once
  except plain columns.

Backfill: the 14th plan (from geodata/plan/lianzhou-14th-five-year-plan.txt), the membership of
every existing project from its chapter/section/quote, and information dates: a row the seed
still owns dates from the plan's 2022 revision, any other row from its last write (the best
record of a person's last update there is).

Revision ID: 0010
Revises: 0007
Create Date: 2026-11-30
"""

import importlib.util
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PLAN_14 = {
    "slug": "lianzhou-14th",
    "name_zh": "连州市国民经济和社会发展第十四个五年规划和2035年远景目标纲要",
    "name_en": "Lianzhou 14th Five-Year Plan for National Economic and Social Development and Long-Range Objectives "
    "for 2035",
    "period_start": 2021,
    "period_end": 2025,
    "adopted_on": "2021-04-01",
    "adopted_precision": "month",
    "revised_on": "2022-01-01",
    "revised_precision": "year",
    "source_document": "geodata/plan/lianzhou-14th-five-year-plan.txt — "
    "(广东省)清远市连州市国民经济和社会发展十四五规划(2022年更新), dated 2021年4月",
    # The catalog's first versions are dated to the plan's publication (0004's PLAN_DATE).
    "recorded_at": "2021-04-01",
}
PRECISIONS = "('day', 'month', 'year')"
REVISABLE = "('planned_start', 'planned_end', 'planned_investment_cny_100m', 'start_year', 'end_year', 'figures')"

# Columns of projects in table order after this revision (0004's list plus the information date).
OLD_COLUMNS = [
    "id", "slug", "name_zh", "name_en", "aliases", "category", "status", "status_basis", "geom",
    "location_precision", "location_note", "plan_chapter", "plan_section", "source_quote", "figures",
    "start_year", "end_year", "created_at", "updated_at", "version", "seeded_version", "deleted_at",
    "status_reason", "merged_into_id", "planned_start", "planned_end", "planned_investment_cny_100m",
    "actual_start", "actual_end", "actual_spend_cny_100m", "sensitive",
]  # fmt: skip
PROJECT_COLUMNS = [*OLD_COLUMNS, "info_date", "info_precision"]
PLAN_DATE = "2021-04-01"

# The day in Lianzhou (UTC+8, no daylight saving) when a trigger runs.
LIANZHOU_TODAY = "(now() AT TIME ZONE INTERVAL '+08:00')::date"
# The plan in force on a day: the most recent whose period has begun and that planmap knew of.
CURRENT_PLAN = f"""(SELECT pl.id FROM plans pl
                    WHERE pl.period_start <= extract(year FROM {LIANZHOU_TODAY})
                    ORDER BY pl.period_start DESC, pl.id DESC LIMIT 1)"""


def _as_of_functions() -> ModuleType:
    """Migration 0008's module: its `projects_as_of()` functions return `project_versions` rows column
    by column, so adding the information date to that table means recreating them (with its helpers)."""
    path = Path(__file__).with_name("0008_as_of_applies_todays_sensitivity.py")
    spec = importlib.util.spec_from_file_location("planmap_migration_0008", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _public_view(columns: list[str]) -> str:
    generalized = {
        "geom": """(SELECT t.seat FROM project_towns pt JOIN towns t ON t.id = pt.town_id
                     WHERE pt.project_id = p.id ORDER BY t.slug LIMIT 1) AS geom""",
        "location_precision": "'town'::varchar(16) AS location_precision",
        "location_note": "'Sensitive site: shown to the public at its town seat only.'::text AS location_note",
    }
    plain = ", ".join(f"p.{c}" for c in columns)
    hidden = ", ".join(generalized.get(c, f"p.{c}") for c in columns)
    return f"""CREATE VIEW projects_public AS
               SELECT {plain} FROM projects p WHERE NOT p.sensitive
               UNION ALL
               SELECT {hidden} FROM projects p WHERE p.sensitive"""


def _record_version(columns: list[str]) -> str:
    """0004's version trigger with `columns` (unchanged but for the column list)."""
    cols = ", ".join(columns)
    new_cols = ", ".join(f"NEW.{c}" for c in columns)
    return f"""
        CREATE OR REPLACE FUNCTION planmap_record_version() RETURNS trigger LANGUAGE plpgsql AS $$
        DECLARE
          effective date := nullif(current_setting('planmap.status_effective_date', true), '')::date;
          catalog boolean := coalesce(current_setting('planmap.loading_catalog', true), '') = 'on';
        BEGIN
          IF TG_OP = 'UPDATE' AND NEW.version = OLD.version THEN
            RETURN NEW;
          END IF;
          UPDATE project_versions SET valid_to = now() WHERE id = NEW.id AND valid_to IS NULL;
          INSERT INTO project_versions ({cols}, valid_from)
          VALUES ({new_cols},
                  CASE WHEN TG_OP = 'INSERT' AND catalog THEN TIMESTAMPTZ '{PLAN_DATE}' ELSE now() END);
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


WARNINGS_SIGNATURE = """project_warnings(
    status text, start_year int, end_year int, planned_start date, planned_end date,
    planned_investment numeric, actual_start date, actual_end date, actual_spend numeric,
    info_date date, info_precision text, plan_end date, ref_date date, stale_days int
) RETURNS text[] LANGUAGE sql IMMUTABLE PARALLEL SAFE"""

OLD_SIGNATURE = """project_warnings(
    status text, start_year int, end_year int, planned_start date, planned_end date,
    planned_investment numeric, actual_start date, actual_end date, actual_spend numeric,
    last_update timestamptz, ref_date date, stale_days int
) RETURNS text[] LANGUAGE sql IMMUTABLE PARALLEL SAFE"""

OLD_WARNINGS_BODY = """
    CASE WHEN status IN ('planned', 'preparing', 'postponed') AND actual_start IS NULL
              AND coalesce(planned_start, make_date(start_year, 1, 1)) < ref_date
         THEN 'late_start' END,
    CASE WHEN status NOT IN ('completed', 'existing', 'cancelled', 'merged') AND actual_end IS NULL
              AND coalesce(planned_end, make_date(end_year, 12, 31)) < ref_date
         THEN 'late_completion' END,
    CASE WHEN actual_spend > planned_investment THEN 'over_budget' END,
    CASE WHEN status IN ('planned', 'preparing', 'under_construction', 'postponed', 'suspended')
              AND last_update < (ref_date - stale_days)::timestamp AT TIME ZONE INTERVAL '+08:00'
         THEN 'stale' END"""

# `stale` counts from the *last* day the information may date from (2022 → 2022-12-31): a warning
# must not claim more age than the data proves. `plan_period_ended` applies only when the project
# has no completion date of its own (a planner's planned_end, or the plan's end_year): those win.
WARNINGS_BODY = """
    CASE WHEN status IN ('planned', 'preparing', 'postponed') AND actual_start IS NULL
              AND coalesce(planned_start, make_date(start_year, 1, 1)) < ref_date
         THEN 'late_start' END,
    CASE WHEN status NOT IN ('completed', 'existing', 'cancelled', 'merged') AND actual_end IS NULL
              AND coalesce(planned_end, make_date(end_year, 12, 31)) < ref_date
         THEN 'late_completion' END,
    CASE WHEN status NOT IN ('completed', 'existing', 'cancelled', 'merged') AND actual_end IS NULL
              AND planned_end IS NULL AND end_year IS NULL AND plan_end < ref_date
         THEN 'plan_period_ended' END,
    CASE WHEN status = 'under_construction' AND actual_start IS NULL
         THEN 'no_recorded_start' END,
    CASE WHEN actual_spend > planned_investment THEN 'over_budget' END,
    CASE WHEN status IN ('planned', 'preparing', 'under_construction', 'postponed', 'suspended')
              AND CASE info_precision
                    WHEN 'year' THEN make_date(extract(year FROM info_date)::int, 12, 31)
                    WHEN 'month' THEN (info_date + interval '1 month')::date - 1
                    ELSE info_date END < ref_date - stale_days
         THEN 'stale' END"""

INFORMATION_DATE = f"""
    CREATE FUNCTION planmap_information_date() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE
      person boolean := coalesce(current_setting('planmap.user_id', true), '') <> '';
      plan_slug text := nullif(current_setting('planmap.plan', true), '');
    BEGIN
      IF person AND (TG_OP = 'INSERT' OR NEW.version IS DISTINCT FROM OLD.version) THEN
        -- A person recorded something: the information is as of today.
        NEW.info_date := {LIANZHOU_TODAY};
        NEW.info_precision := 'day';
      ELSIF TG_OP = 'INSERT' AND NEW.info_date IS NULL THEN
        -- A load: the information is as old as the plan it comes from.
        SELECT coalesce(pl.revised_on, pl.adopted_on), CASE WHEN pl.revised_on IS NOT NULL
               THEN pl.revised_precision ELSE pl.adopted_precision END
          INTO NEW.info_date, NEW.info_precision
          FROM plans pl WHERE pl.id = coalesce((SELECT id FROM plans WHERE slug = plan_slug), {CURRENT_PLAN});
        IF NEW.info_date IS NULL THEN
          NEW.info_date := {LIANZHOU_TODAY};
          NEW.info_precision := 'day';
        END IF;
      ELSIF TG_OP = 'UPDATE' THEN
        -- Loads and migrations never move it.
        NEW.info_date := OLD.info_date;
        NEW.info_precision := OLD.info_precision;
      END IF;
      RETURN NEW;
    END $$;
    CREATE TRIGGER projects_information_date BEFORE INSERT OR UPDATE ON projects
      FOR EACH ROW EXECUTE FUNCTION planmap_information_date();
"""

JOIN_PLAN = f"""
    CREATE FUNCTION planmap_join_plan() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE
      plan_slug text := nullif(current_setting('planmap.plan', true), '');
      catalog boolean := coalesce(current_setting('planmap.loading_catalog', true), '') = 'on';
      target int := coalesce((SELECT id FROM plans WHERE slug = plan_slug), {CURRENT_PLAN});
    BEGIN
      -- Every project belongs to a plan: the one being loaded (planmap.plan) or the one in force.
      IF target IS NOT NULL THEN
        INSERT INTO plan_projects (plan_id, project_id, role, chapter, section, quote,
                                   baseline_start_year, baseline_end_year, baseline_planned_start,
                                   baseline_planned_end, baseline_investment_cny_100m, baseline_scope, added_at)
        SELECT target, NEW.id, coalesce(nullif(current_setting('planmap.plan_role', true), ''), 'new'),
               NEW.plan_chapter, NEW.plan_section, NEW.source_quote,
               NEW.start_year, NEW.end_year, NEW.planned_start, NEW.planned_end,
               coalesce(NEW.planned_investment_cny_100m, (NEW.figures->>'investment_cny_100m')::numeric),
               NEW.figures, CASE WHEN catalog THEN pl.recorded_at ELSE now() END
        FROM plans pl WHERE pl.id = target
        ON CONFLICT DO NOTHING;
      END IF;
      RETURN NEW;
    END $$;
    CREATE TRIGGER projects_join_plan AFTER INSERT ON projects
      FOR EACH ROW EXECUTE FUNCTION planmap_join_plan();
"""


def upgrade() -> None:
    op.create_table(
        "plans",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("slug", sa.String(60), nullable=False, unique=True),
        sa.Column("name_zh", sa.Text, nullable=False),
        sa.Column("name_en", sa.Text, nullable=False),
        sa.Column("period_start", sa.SmallInteger, nullable=False),
        sa.Column("period_end", sa.SmallInteger, nullable=False),
        sa.Column("adopted_on", sa.Date),
        sa.Column("adopted_precision", sa.String(5)),
        sa.Column("revised_on", sa.Date),
        sa.Column("revised_precision", sa.String(5)),
        sa.Column("source_document", sa.Text, nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.Column("closed_at", sa.DateTime(timezone=True)),
        sa.Column("closed_by", sa.Integer, sa.ForeignKey("users.id", ondelete="SET NULL")),
        sa.Column("successor_id", sa.Integer, sa.ForeignKey("plans.id")),
        sa.CheckConstraint("slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$'", name="plans_slug_check"),
        sa.CheckConstraint("period_end >= period_start", name="plans_period_check"),
        sa.CheckConstraint(
            f"(adopted_on IS NULL) = (adopted_precision IS NULL) AND adopted_precision IN {PRECISIONS}",
            name="plans_adopted_check",
        ),
        sa.CheckConstraint(
            f"(revised_on IS NULL) = (revised_precision IS NULL) AND revised_precision IN {PRECISIONS}",
            name="plans_revised_check",
        ),
    )
    op.create_table(
        "plan_projects",
        sa.Column("plan_id", sa.Integer, sa.ForeignKey("plans.id", ondelete="RESTRICT"), primary_key=True),
        sa.Column("project_id", sa.Integer, sa.ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("role", sa.String(16), nullable=False, server_default="new"),
        sa.Column("chapter", sa.Text),
        sa.Column("section", sa.Text),
        sa.Column("quote", sa.Text),
        sa.Column("baseline_start_year", sa.SmallInteger),
        sa.Column("baseline_end_year", sa.SmallInteger),
        sa.Column("baseline_planned_start", sa.Date),
        sa.Column("baseline_planned_end", sa.Date),
        sa.Column("baseline_investment_cny_100m", sa.Numeric(14, 4)),
        sa.Column("baseline_scope", JSONB, nullable=False, server_default="{}"),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.Column("decision", sa.String(16)),
        sa.Column("decision_reason", sa.Text),
        sa.Column("decided_at", sa.DateTime(timezone=True)),
        sa.Column("decided_by", sa.Integer, sa.ForeignKey("users.id", ondelete="SET NULL")),
        sa.CheckConstraint("role IN ('new', 'continuing')", name="plan_projects_role_check"),
        sa.CheckConstraint(
            "decision IS NULL OR decision IN ('completed', 'continuing', 'dropped')",
            name="plan_projects_decision_check",
        ),
        sa.CheckConstraint(
            "decision IS NULL OR decision = 'completed' OR coalesce(btrim(decision_reason), '') <> ''",
            name="plan_projects_decision_reason_check",
        ),
    )
    op.create_index("plan_projects_project_idx", "plan_projects", ["project_id"])
    op.create_table(
        "project_revisions",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("project_id", sa.Integer, sa.ForeignKey("projects.id", ondelete="CASCADE"), nullable=False),
        sa.Column("plan_id", sa.Integer, sa.ForeignKey("plans.id", ondelete="RESTRICT"), nullable=False),
        sa.Column("field", sa.String(40), nullable=False),
        sa.Column("baseline_value", JSONB),
        sa.Column("previous_value", JSONB),
        sa.Column("revised_value", JSONB),
        sa.Column("revised_on", sa.Date, nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id", ondelete="SET NULL")),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.CheckConstraint(f"field IN {REVISABLE}", name="project_revisions_field_check"),
        sa.CheckConstraint("btrim(reason) <> ''", name="project_revisions_reason_check"),
    )
    op.create_index("project_revisions_project_idx", "project_revisions", ["project_id", "recorded_at"])

    plans = sa.table("plans", *(sa.column(k) for k in PLAN_14))
    op.bulk_insert(plans, [PLAN_14])

    # Membership of every existing project in the 14th plan, its baseline as it stands now.
    op.execute(
        f"""INSERT INTO plan_projects (plan_id, project_id, role, chapter, section, quote, baseline_start_year,
                                       baseline_end_year, baseline_planned_start, baseline_planned_end,
                                       baseline_investment_cny_100m, baseline_scope, added_at)
            SELECT pl.id, p.id, 'new', p.plan_chapter, p.plan_section, p.source_quote, p.start_year, p.end_year,
                   p.planned_start, p.planned_end,
                   coalesce(p.planned_investment_cny_100m, (p.figures->>'investment_cny_100m')::numeric), p.figures,
                   CASE WHEN p.seeded_version IS NOT NULL THEN pl.recorded_at ELSE p.created_at END
            FROM projects p, plans pl WHERE pl.slug = '{PLAN_14["slug"]}'"""
    )

    # Information dates: the seed's rows from the plan's revision, others from their last write.
    as_of_functions = _as_of_functions()
    as_of_functions.drop_as_of_functions()
    for table in ("projects", "project_versions"):
        op.add_column(table, sa.Column("info_date", sa.Date))
        op.add_column(table, sa.Column("info_precision", sa.String(5)))
        op.execute(
            f"""UPDATE {table} SET
                  info_date = CASE WHEN seeded_version = version THEN DATE '{PLAN_14["revised_on"]}'
                                   ELSE (updated_at AT TIME ZONE INTERVAL '+08:00')::date END,
                  info_precision = CASE WHEN seeded_version = version THEN '{PLAN_14["revised_precision"]}'
                                        ELSE 'day' END"""
        )
    op.alter_column("projects", "info_date", nullable=False)
    op.alter_column("projects", "info_precision", nullable=False)
    op.create_check_constraint("projects_info_precision_check", "projects", f"info_precision IN {PRECISIONS}")

    op.execute("DROP VIEW projects_public")
    op.execute(_public_view(PROJECT_COLUMNS))
    op.execute(_record_version(PROJECT_COLUMNS))
    as_of_functions.create_as_of_functions(OLD_COLUMNS, ["info_date", "info_precision"])
    op.execute(INFORMATION_DATE)
    op.execute(JOIN_PLAN)

    op.execute(
        "DROP FUNCTION project_warnings(text, int, int, date, date, numeric, date, date, numeric, "
        "timestamptz, date, int)"
    )
    op.execute(f"CREATE FUNCTION {WARNINGS_SIGNATURE} AS $$ SELECT array_remove(ARRAY[{WARNINGS_BODY}], NULL) $$")


def downgrade() -> None:
    op.execute(
        "DROP FUNCTION project_warnings(text, int, int, date, date, numeric, date, date, numeric, date, text, date, "
        "date, int)"
    )
    op.execute(f"CREATE FUNCTION {OLD_SIGNATURE} AS $$ SELECT array_remove(ARRAY[{OLD_WARNINGS_BODY}], NULL) $$")
    op.execute("DROP TRIGGER projects_join_plan ON projects")
    op.execute("DROP FUNCTION planmap_join_plan")
    op.execute("DROP TRIGGER projects_information_date ON projects")
    op.execute("DROP FUNCTION planmap_information_date")
    op.execute(_record_version(OLD_COLUMNS))
    op.execute("DROP VIEW projects_public")
    op.execute(_public_view(OLD_COLUMNS))
    op.drop_constraint("projects_info_precision_check", "projects", type_="check")
    as_of_functions = _as_of_functions()
    as_of_functions.drop_as_of_functions()
    for table in ("projects", "project_versions"):
        op.drop_column(table, "info_precision")
        op.drop_column(table, "info_date")
    as_of_functions.create_as_of_functions(OLD_COLUMNS)
    op.drop_table("project_revisions")
    op.drop_table("plan_projects")
    op.drop_table("plans")
