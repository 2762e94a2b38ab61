"""Statistics kept by the database (issue 23): `/api/stats`, the facets, the dashboard and the towns'
counts read a few hundred summary rows instead of every project.

Four of the six warnings depend on *today* (late start, late completion, plan period ended, stale),
so a count of warnings kept by triggers would be wrong the morning after. The summary therefore
keeps no warning at all: it keeps, per group, the *dates* a warning compares with today, and a read
applies its own reference day to those few rows (`app.queries.summary`):

- `start_due`: the day work should have started (planned start, else 1 January of the start year),
  for a project that has not started (planned, preparing, postponed, no actual start): late start
  when the reference day is after it;
- `end_due`: the day it should be finished (planned end, else 31 December of the end year), for a
  project neither finished nor dropped: late completion after it;
- `open_undated`: neither finished nor dropped and without a date of its own: the plan period has
  ended once the reference day is after the period of the plan the row counts in;
- `no_recorded_start`, `over_budget`: facts of the record, no date involved;
- `info_until`: the last day its information covers (资料截至, to its precision), for a project still
  in progress: stale once that is more than `stale_days` before the reference day.

A project in two towns is one row whose `towns` holds both (counted once in totals, once per
town); a project in two plans counts in each plan's rows, with that plan's chapter. `plan_id` 0
counts every live project whatever its plan, for the towns' counts (`/api/towns`), with the dates
left out. Only live projects (not deleted) are counted.

Two tables: `stats_project_keys` holds each live project's current key (what it contributes), and
`stats_summary` the counts per key. Statement-level triggers with transition tables on `projects`,
`project_towns` and `plan_projects` (insert, update, delete; so also soft deletion, restore, merge,
imports and `planmap dev synth`) recompute the keys of the projects a statement touched and add the
difference (new keys minus stored keys) to the counts, so a write of 10,000 rows is one pass, not
10,000. The trigger first locks the touched projects' rows, so two transactions writing the same
project (its towns in one, its status in the other) take turns and the second sees the first's
keys. The triggers on the two link tables stand aside when another trigger writes them (the plan
membership a new project gets, the cascade of a project's deletion): the trigger on `projects`
recomputes those projects after them.

Reads for a past day (`as_of`) still use the live query, as do reads filtered by what the summary
does not hold (bbox, text, distance, years, geometry kind, CQL2): see `app.queries.summary`.
`plan_projects_added_idx` lets a read check cheaply that no membership of its plan is dated after
its day (then it also falls back to the live query, which honours `added_at`).

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

KEY_COLUMNS = "towns, status, category, start_due, end_due, open_undated, no_recorded_start, over_budget, info_until"
SUMMARY_KEY = (
    "plan_id, towns, status, category, chapter, start_due, end_due, open_undated, no_recorded_start, "
    "over_budget, info_until"
)

# Each live project's key, from its current row, towns and plan memberships. The conditions are those
# of project_warnings() (0010), split into what is fixed by the record and the dates compared with the
# reference day; tests/queries/test_stats_summary.py checks the two agree.
KEYS_VIEW = """
CREATE VIEW stats_project_keys_live AS
SELECT p.id AS project_id,
       coalesce(m.plans, '{}') AS plans,
       coalesce(m.chapters, '{}') AS chapters,
       coalesce(tw.towns, '{}') AS towns,
       p.status::text AS status,
       p.category::text AS category,
       CASE WHEN p.status::text IN ('planned', 'preparing', 'postponed') AND p.actual_start IS NULL
            THEN coalesce(p.planned_start, make_date(p.start_year, 1, 1)) END AS start_due,
       CASE WHEN p.status::text NOT IN ('completed', 'existing', 'cancelled', 'merged') AND p.actual_end IS NULL
            THEN coalesce(p.planned_end, make_date(p.end_year, 12, 31)) END AS end_due,
       (p.status::text NOT IN ('completed', 'existing', 'cancelled', 'merged') AND p.actual_end IS NULL
        AND p.planned_end IS NULL AND p.end_year IS NULL) AS open_undated,
       (p.status::text = 'under_construction' AND p.actual_start IS NULL) AS no_recorded_start,
       coalesce(p.actual_spend_cny_100m > coalesce(p.planned_investment_cny_100m,
                                                   (p.figures->>'investment_cny_100m')::numeric), false) AS over_budget,
       CASE WHEN p.status::text IN ('planned', 'preparing', 'under_construction', 'postponed', 'suspended')
            THEN CASE p.info_precision
                   WHEN 'year' THEN make_date(extract(year FROM p.info_date)::int, 12, 31)
                   WHEN 'month' THEN (p.info_date + interval '1 month')::date - 1
                   ELSE p.info_date END END AS info_until
FROM projects p
LEFT JOIN LATERAL (SELECT array_agg(pt.town_id ORDER BY pt.town_id) AS towns
                   FROM project_towns pt WHERE pt.project_id = p.id) tw ON true
LEFT JOIN LATERAL (SELECT array_agg(pp.plan_id ORDER BY pp.plan_id) AS plans,
                          array_agg(pp.chapter ORDER BY pp.plan_id) AS chapters
                   FROM plan_projects pp WHERE pp.project_id = p.id) m ON true
WHERE p.deleted_at IS NULL
"""


def _contributions(keys: str, sign: str) -> str:
    """The summary rows a set of keys (aliased `k`) adds: one per plan it is in, and one under plan 0."""
    return f"""SELECT m.plan_id, k.towns, k.status, k.category, m.chapter,
               CASE WHEN m.plan_id <> 0 THEN k.start_due END AS start_due,
               CASE WHEN m.plan_id <> 0 THEN k.end_due END AS end_due,
               m.plan_id <> 0 AND k.open_undated AS open_undated,
               m.plan_id <> 0 AND k.no_recorded_start AS no_recorded_start,
               m.plan_id <> 0 AND k.over_budget AS over_budget,
               CASE WHEN m.plan_id <> 0 THEN k.info_until END AS info_until,
               {sign} AS n
        FROM {keys} k
        CROSS JOIN LATERAL unnest(array_append(k.plans, 0), array_append(k.chapters, NULL::text))
                           AS m(plan_id, chapter)"""


REFRESH = f"""
CREATE FUNCTION stats_summary_refresh(ids integer[]) RETURNS void
LANGUAGE plpgsql
-- Enough memory to group 40,000 contributions by hashing: with the default 4 MB the planner sorts them on
-- their wide key instead (unlinking 10,000 synthetic projects' towns: 1.7 s → 1.0 s, load 11).
SET work_mem = '64MB'
AS $function$
DECLARE
  part integer[];
  fresh stats_project_keys[];
BEGIN
  -- In parts of 10,000 projects, so that a statement touching a million rows needs no more memory
  -- than one of ten thousand.
  FOR i IN 0 .. (coalesce(cardinality(ids), 0) - 1) / 10000 LOOP
    part := ids[i * 10000 + 1 : (i + 1) * 10000];
    -- Writers of the same projects take turns from here on: the next statements see the other's keys.
    PERFORM 1 FROM projects WHERE id = ANY(part) ORDER BY id FOR NO KEY UPDATE;
    SELECT array_agg(ROW(k.*)::stats_project_keys) INTO fresh
      FROM stats_project_keys_live k WHERE k.project_id = ANY(part);
    -- Stored keys that changed or whose project is gone are taken out and subtracted; new keys are
    -- added. A statement that changed nothing the statistics read (most edits) writes nothing here.
    WITH new AS (
      SELECT f.* FROM unnest(fresh) f
      WHERE NOT EXISTS (SELECT 1 FROM stats_project_keys k
                        WHERE k.project_id = f.project_id AND ROW(k.*) IS NOT DISTINCT FROM ROW(f.*))
    ), old AS (
      DELETE FROM stats_project_keys k
      WHERE k.project_id = ANY(part)
        AND NOT EXISTS (SELECT 1 FROM unnest(fresh) f
                        WHERE f.project_id = k.project_id AND ROW(k.*) IS NOT DISTINCT FROM ROW(f.*))
      RETURNING k.*
    ), delta AS (
      SELECT {SUMMARY_KEY}, sum(n) AS n FROM (
        {_contributions("new", "1")}
        UNION ALL
        {_contributions("old", "-1")}) c
      GROUP BY {SUMMARY_KEY}
      HAVING sum(n) <> 0
    )
    INSERT INTO stats_summary AS s ({SUMMARY_KEY}, n)
    SELECT {SUMMARY_KEY}, n FROM delta ORDER BY {SUMMARY_KEY}
    ON CONFLICT ({SUMMARY_KEY}) DO UPDATE SET n = s.n + EXCLUDED.n;
    INSERT INTO stats_project_keys
    SELECT f.* FROM unnest(fresh) f
    WHERE NOT EXISTS (SELECT 1 FROM stats_project_keys k WHERE k.project_id = f.project_id);
  END LOOP;
  DELETE FROM stats_summary WHERE n = 0;
END $function$
"""

FOLLOW_PROJECTS = """
CREATE FUNCTION stats_follow_projects() RETURNS trigger
LANGUAGE plpgsql AS $function$
BEGIN
  IF TG_OP = 'INSERT' THEN
    PERFORM stats_summary_refresh(ARRAY(SELECT id FROM changed_new));
  ELSIF TG_OP = 'UPDATE' THEN
    PERFORM stats_summary_refresh(ARRAY(SELECT id FROM changed_new UNION SELECT id FROM changed_old));
  ELSE
    PERFORM stats_summary_refresh(ARRAY(SELECT id FROM changed_old));
  END IF;
  RETURN NULL;
END $function$
"""

FOLLOW_LINKS = """
CREATE FUNCTION stats_follow_links() RETURNS trigger
LANGUAGE plpgsql AS $function$
BEGIN
  -- Written by another trigger (a new project joining its plan, a deleted project's cascade): the
  -- statement trigger on projects recomputes those projects after it.
  IF pg_trigger_depth() > 1 THEN
    RETURN NULL;
  END IF;
  IF TG_OP = 'INSERT' THEN
    PERFORM stats_summary_refresh(ARRAY(SELECT DISTINCT project_id FROM changed_new));
  ELSIF TG_OP = 'UPDATE' THEN
    PERFORM stats_summary_refresh(ARRAY(SELECT project_id FROM changed_new UNION SELECT project_id FROM changed_old));
  ELSE
    PERFORM stats_summary_refresh(ARRAY(SELECT DISTINCT project_id FROM changed_old));
  END IF;
  RETURN NULL;
END $function$
"""

# (table, trigger function)
FOLLOWED = (
    ("projects", "stats_follow_projects"),
    ("project_towns", "stats_follow_links"),
    ("plan_projects", "stats_follow_links"),
)
REFERENCING = {
    "insert": "REFERENCING NEW TABLE AS changed_new",
    "update": "REFERENCING NEW TABLE AS changed_new OLD TABLE AS changed_old",
    "delete": "REFERENCING OLD TABLE AS changed_old",
}


def upgrade() -> None:
    op.create_index("plan_projects_added_idx", "plan_projects", ["plan_id", "added_at"])
    op.create_table(
        "stats_project_keys",
        sa.Column("project_id", sa.Integer, primary_key=True),
        sa.Column("plans", postgresql.ARRAY(sa.Integer), nullable=False),
        sa.Column("chapters", postgresql.ARRAY(sa.Text), nullable=False),
        sa.Column("towns", postgresql.ARRAY(sa.Integer), nullable=False),
        sa.Column("status", sa.Text, nullable=False),
        sa.Column("category", sa.Text, nullable=False),
        sa.Column("start_due", sa.Date),
        sa.Column("end_due", sa.Date),
        sa.Column("open_undated", sa.Boolean, nullable=False),
        sa.Column("no_recorded_start", sa.Boolean, nullable=False),
        sa.Column("over_budget", sa.Boolean, nullable=False),
        sa.Column("info_until", sa.Date),
    )
    op.create_table(
        "stats_summary",
        sa.Column("plan_id", sa.Integer, nullable=False),
        sa.Column("towns", postgresql.ARRAY(sa.Integer), nullable=False),
        sa.Column("status", sa.Text, nullable=False),
        sa.Column("category", sa.Text, nullable=False),
        sa.Column("chapter", sa.Text),
        sa.Column("start_due", sa.Date),
        sa.Column("end_due", sa.Date),
        sa.Column("open_undated", sa.Boolean, nullable=False),
        sa.Column("no_recorded_start", sa.Boolean, nullable=False),
        sa.Column("over_budget", sa.Boolean, nullable=False),
        sa.Column("info_until", sa.Date),
        sa.Column("n", sa.BigInteger, nullable=False),
    )
    op.create_index(
        "stats_summary_key",
        "stats_summary",
        [c.strip() for c in SUMMARY_KEY.split(",")],
        unique=True,
        postgresql_nulls_not_distinct=True,
    )
    op.execute(KEYS_VIEW)
    op.execute(REFRESH)
    op.execute(FOLLOW_PROJECTS)
    op.execute(FOLLOW_LINKS)
    # What is there already.
    op.execute("INSERT INTO stats_project_keys SELECT * FROM stats_project_keys_live")
    op.execute(
        f"""INSERT INTO stats_summary ({SUMMARY_KEY}, n)
        SELECT {SUMMARY_KEY}, sum(n) FROM ({_contributions("stats_project_keys", "1")}) c
        GROUP BY {SUMMARY_KEY}"""
    )
    for table, function in FOLLOWED:
        for event, referencing in REFERENCING.items():
            op.execute(
                f"CREATE TRIGGER {table}_stats_{event} AFTER {event.upper()} ON {table} {referencing} "
                f"FOR EACH STATEMENT EXECUTE FUNCTION {function}()"
            )


def downgrade() -> None:
    for table, _function in FOLLOWED:
        for event in REFERENCING:
            op.execute(f"DROP TRIGGER {table}_stats_{event} ON {table}")
    op.execute("DROP FUNCTION stats_follow_links()")
    op.execute("DROP FUNCTION stats_follow_projects()")
    op.execute("DROP FUNCTION stats_summary_refresh(integer[])")
    op.execute("DROP VIEW stats_project_keys_live")
    op.drop_table("stats_summary")
    op.drop_table("stats_project_keys")
    op.drop_index("plan_projects_added_idx", table_name="plan_projects")
