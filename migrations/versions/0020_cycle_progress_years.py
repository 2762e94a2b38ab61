"""The year's progress per project kept by the database (issue 23): `/api/progress/summary` for the
current day sums one narrow row per programme item instead of reading the year's reports (8.6 s at
100 k projects with a year of monthly reports each, bench/NOTES.md "Fifth round").

`progress_years` holds, per project and year with reports, what the summary needs for *any* current
day and deadline day, as running counts (index m: months 1..m):

- `invested_cum[m]`: the investment in force (latest approved version) of months 1..m, 万元;
- `filed_cum[m]`: how many of months 1..m have a filing (any state: a report rejected later was
  still filed, as the live standing counts it);
- `late_after[d]`: how many months were first filed after day d of the next month (Lianzhou's date),
  so a deadline day (PLANMAP_REPORT_DEADLINE_DAY, 1–28) picks its count without the database knowing it.

A statement-level trigger on `progress_reports` (insert, update: a review or a correction; delete: a
project's cascade) recomputes the touched (project, year) rows from their reports, after locking the
touched projects so two writers of one project take turns (the second then reads the first's reports).
Only the current day can be read from it: what is in force *today* is the latest approved version of
every month, every filing counting. A past day (`as_of`) still reads the reports, which carry when
each version was filed and approved (app/progress/queries.py, YEAR_SUMMARY).

`projects_deleted_idx` lets the paged cycle lists count a year's items (less those of deleted projects)
without reading every live project (0.9 s at 1 M items before).

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0020"
down_revision: str | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The rows of the (project, year) pairs in `pairs` (columns project_id, year), from their reports.
ROWS = """
SELECT mo.project_id, mo.year,
       ARRAY(SELECT coalesce(sum(u.invested), 0) FROM generate_series(1, 12) k
             LEFT JOIN unnest(mo.ms, mo.invested) AS u(m, invested) ON u.m <= k GROUP BY k ORDER BY k),
       ARRAY(SELECT CAST(count(u.m) AS smallint) FROM generate_series(1, 12) k
             LEFT JOIN unnest(mo.ms) AS u(m) ON u.m <= k GROUP BY k ORDER BY k),
       ARRAY(SELECT CAST(count(u.late) AS smallint) FROM generate_series(1, 28) d
             LEFT JOIN unnest(mo.lateness) AS u(late) ON u.late >= d GROUP BY d ORDER BY d)
FROM (
  SELECT m.project_id, m.year, array_agg(m.m) AS ms, array_agg(m.invested) AS invested,
         -- days after the first of the next month the month was first filed: late after day d if >= d
         array_agg(m.first_on - CAST(make_date(m.year, m.m, 1) + interval '1 month' AS date)) AS lateness
  FROM (
    SELECT r.project_id, CAST(extract(year FROM r.month) AS integer) AS year,
           CAST(extract(month FROM r.month) AS integer) AS m,
           CAST(min(r.submitted_at) AT TIME ZONE INTERVAL '+08:00' AS date) AS first_on,
           (array_agg(r.invested_cny_10k ORDER BY r.version DESC) FILTER (WHERE r.state = 'approved'))[1] AS invested
    FROM progress_reports r
    JOIN pairs ON pairs.project_id = r.project_id
     AND r.month >= make_date(pairs.year, 1, 1) AND r.month < make_date(pairs.year + 1, 1, 1)
    GROUP BY r.project_id, r.month) m
  GROUP BY m.project_id, m.year) mo
"""

REFRESH = f"""
CREATE FUNCTION progress_years_refresh(ids integer[], years integer[]) RETURNS void
LANGUAGE plpgsql AS $function$
BEGIN
  -- Writers of the same projects take turns from here on: the next statements see the other's reports.
  PERFORM 1 FROM projects WHERE id = ANY(ids) ORDER BY id FOR NO KEY UPDATE;
  DELETE FROM progress_years y USING unnest(ids, years) AS t(project_id, year)
  WHERE y.project_id = t.project_id AND y.year = t.year;
  INSERT INTO progress_years (project_id, year, invested_cum, filed_cum, late_after)
  WITH pairs AS (SELECT DISTINCT t.project_id, t.year FROM unnest(ids, years) AS t(project_id, year))
  {ROWS};
END $function$
"""

FOLLOW = """
CREATE FUNCTION progress_years_follow() RETURNS trigger
LANGUAGE plpgsql AS $function$
DECLARE
  ids integer[];
  years integer[];
BEGIN
  -- A project's hard deletion cascades to its reports one project at a time (a statement each): its
  -- kept rows go by their own cascade, so there is nothing to recompute (and 100 k recomputations
  -- would hold up `planmap dev synth --wipe`).
  IF pg_trigger_depth() > 1 THEN
    RETURN NULL;
  END IF;
  IF TG_OP = 'INSERT' THEN
    SELECT array_agg(project_id), array_agg(year) INTO ids, years FROM (
      SELECT DISTINCT project_id, CAST(extract(year FROM month) AS integer) AS year FROM changed_new) t;
  ELSIF TG_OP = 'UPDATE' THEN
    SELECT array_agg(project_id), array_agg(year) INTO ids, years FROM (
      SELECT project_id, CAST(extract(year FROM month) AS integer) AS year FROM changed_new
      UNION SELECT project_id, CAST(extract(year FROM month) AS integer) FROM changed_old) t;
  ELSE
    SELECT array_agg(project_id), array_agg(year) INTO ids, years FROM (
      SELECT DISTINCT project_id, CAST(extract(year FROM month) AS integer) AS year FROM changed_old) t;
  END IF;
  IF ids IS NOT NULL THEN
    PERFORM progress_years_refresh(ids, years);
  END IF;
  RETURN NULL;
END $function$
"""

REFERENCING = {
    "insert": "REFERENCING NEW TABLE AS changed_new",
    "update": "REFERENCING OLD TABLE AS changed_old NEW TABLE AS changed_new",
    "delete": "REFERENCING OLD TABLE AS changed_old",
}


def upgrade() -> None:
    # The paged cycle lists count a year's items less those of deleted projects (their numberMatched)
    # without reading the live ones: a few deleted rows, found by this index.
    op.create_index("projects_deleted_idx", "projects", ["id"], postgresql_where=sa.text("deleted_at IS NOT NULL"))
    op.create_table(
        "progress_years",
        sa.Column("project_id", sa.Integer, sa.ForeignKey("projects.id", ondelete="CASCADE"), nullable=False),
        sa.Column("year", sa.SmallInteger, nullable=False),
        sa.Column("invested_cum", postgresql.ARRAY(sa.Numeric(16, 2)), nullable=False),
        sa.Column("filed_cum", postgresql.ARRAY(sa.SmallInteger), nullable=False),
        sa.Column("late_after", postgresql.ARRAY(sa.SmallInteger), nullable=False),
        sa.PrimaryKeyConstraint("project_id", "year"),
    )
    op.execute(REFRESH)
    op.execute(FOLLOW)
    op.execute(
        f"""INSERT INTO progress_years (project_id, year, invested_cum, filed_cum, late_after)
        WITH pairs AS (SELECT DISTINCT project_id, CAST(extract(year FROM month) AS integer) AS year
                       FROM progress_reports)
        {ROWS}"""
    )
    for event, referencing in REFERENCING.items():
        op.execute(
            f"CREATE TRIGGER progress_reports_years_{event} AFTER {event.upper()} ON progress_reports {referencing} "
            "FOR EACH STATEMENT EXECUTE FUNCTION progress_years_follow()"
        )


def downgrade() -> None:
    for event in REFERENCING:
        op.execute(f"DROP TRIGGER progress_reports_years_{event} ON progress_reports")
    op.execute("DROP FUNCTION progress_years_follow()")
    op.execute("DROP FUNCTION progress_years_refresh(integer[], integer[])")
    op.drop_table("progress_years")
    op.drop_index("projects_deleted_idx", table_name="projects")
