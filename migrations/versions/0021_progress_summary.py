"""The year's summary kept per group by the database (issue 23): `/api/progress/summary` for the current
day reads a few hundred rows per year instead of one per programme item (3.8–5.1 s at 1 M items,
bench/NOTES.md "Fifth round: cycle reads").

The current day's summary depends on two things the database does not know ahead: the last month
due (`:due_months`, from today and the deadline day) and the deadline day itself (1–28, a setting).
So a group keeps, like `progress_years` per project, one sum for *each* of them, and a read picks
its elements:

- `projects`, `planned` (the sum of planned investment, 0 where none), `not_planned`;
- `invested_cum[m]`: the sum of the items' investment in force through month m (m = 1..12; [12] is
  the year to date); `filed_cum[m]`: months 1..m filed, summed (missing = projects × m − filed);
- `late_after[d]`: months first filed after day d of the next month, summed (d = 1..28);
- `behind[m]`: how many items are behind the year's target when m is the last month due: planned
  ≠ 0 and invested_cum[m] × the year's days < planned × the days months 1..m close (the exact
  comparison of `_BEHIND` in app/progress/queries.py; both day counts are fixed by year and m).

Groups are those of the API (`grouping`): 'total' (the county), 'town' (`ref` a town id, each of a
project's towns counted; NULL: a project without towns), 'unit' (`ref` the lead unit's id; NULL:
none), 'category' and 'class' (`key`). Ids, not slugs: a renamed town or unit needs no rewrite, the
read joins the slugs.

As 0018 does for the statistics, two tables: `progress_summary_keys` holds what each (live project,
year) programme item contributes now, `progress_summary` the sums per group. Statement-level
triggers with transition tables recompute the keys of the projects a statement touched and add the
difference (new keys minus stored keys) to the sums: on programme_items, annual_programmes,
projects (category, deletion, restore), project_towns and project_units (the lead), and from
`progress_years_refresh` (0020, replaced here), which runs once per statement on progress_reports —
a filing, correction or review is one recomputation. The refresh locks the touched projects first,
so two writers of one project take turns (the second reads the first's rows), and writes the
summary rows in key order, so concurrent writers of different projects wait on a shared row (the
year's 'total') rather than deadlock. Triggers on the link tables stand aside in a cascade (a
project's hard deletion): the trigger on projects recomputes those projects after it.

Only the current day is read from here; a past day (`as_of`) still reads the reports
(app/progress/queries.py, YEAR_SUMMARY), and YEAR_SUMMARY_KEPT (per item, over progress_years)
remains as the reference tests/progress/test_summary_kept.py checks the sums against.

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-01
"""

import importlib.util
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0021"
down_revision: str | None = "0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

MONTHS = 12
DAYS = 28  # deadline days
GROUP_KEY = "year, grouping, key, ref"
ARRAYS = {"invested_cum": MONTHS, "filed_cum": MONTHS, "late_after": DAYS, "behind": MONTHS}


def _previous() -> ModuleType:
    """0020's module: its rows of progress_years, so that the refresh replaced here computes them alike."""
    path = Path(__file__).with_name("0020_cycle_progress_years.py")
    spec = importlib.util.spec_from_file_location("migration_0020", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# What each programme item of a live project contributes: its groups' attributes and its kept year
# (zeros when nothing was filed). `behind` is 1 for each month m at which it would be behind.
KEYS_VIEW = f"""
CREATE VIEW progress_summary_keys_live AS
SELECT i.project_id, g.year,
       coalesce(tw.towns, CAST('{{}}' AS integer[])) AS towns,
       lu.unit_id AS lead_unit,
       CAST(p.category AS text) AS category,
       CAST(i.class AS text) AS item_class,
       i.planned_investment_cny_10k AS planned,
       CAST(coalesce(y.invested_cum, array_fill(0, ARRAY[{MONTHS}])) AS numeric(16, 2)[]) AS invested_cum,
       coalesce(y.filed_cum, CAST(array_fill(0, ARRAY[{MONTHS}]) AS smallint[])) AS filed_cum,
       coalesce(y.late_after, CAST(array_fill(0, ARRAY[{DAYS}]) AS smallint[])) AS late_after,
       CAST(ARRAY(
         SELECT CASE WHEN coalesce(i.planned_investment_cny_10k <> 0
                                   AND coalesce(y.invested_cum[m], 0)
                                       * (make_date(g.year + 1, 1, 1) - make_date(g.year, 1, 1))
                                       < i.planned_investment_cny_10k
                                         * (CAST(make_date(g.year, m, 1) + interval '1 month' AS date)
                                            - make_date(g.year, 1, 1)), false)
                     THEN 1 ELSE 0 END
         FROM generate_series(1, {MONTHS}) m ORDER BY m) AS smallint[]) AS behind
FROM programme_items i
JOIN annual_programmes g ON g.id = i.programme_id
JOIN projects p ON p.id = i.project_id
LEFT JOIN progress_years y ON y.project_id = i.project_id AND y.year = g.year
LEFT JOIN project_units lu ON lu.project_id = i.project_id AND lu.is_lead
LEFT JOIN LATERAL (SELECT array_agg(pt.town_id ORDER BY pt.town_id) AS towns
                   FROM project_towns pt WHERE pt.project_id = i.project_id) tw ON true
WHERE p.deleted_at IS NULL
"""


def _sums(rows: str) -> str:
    """The sums per group of `rows` (keys with a `sign`, +1 or -1): one row per group they touch."""
    arrays = ",\n".join(
        f"ARRAY[{', '.join(f'sum(c.sign * c.{name}[{i}])' for i in range(1, n + 1))}] AS {name}"
        for name, n in ARRAYS.items()
    )
    return f"""SELECT c.year, g.grouping, g.key, g.ref, sum(c.sign) AS projects,
               sum(c.sign * coalesce(c.planned, 0)) AS planned,
               sum(CASE WHEN c.planned IS NULL THEN c.sign ELSE 0 END) AS not_planned,
               {arrays}
        FROM ({rows}) c
        CROSS JOIN LATERAL (
          SELECT 'total', CAST(NULL AS text), CAST(NULL AS integer)
          UNION ALL SELECT 'unit', NULL, c.lead_unit
          UNION ALL SELECT 'category', c.category, NULL
          UNION ALL SELECT 'class', c.item_class, NULL
          UNION ALL SELECT 'town', NULL, t
                    FROM unnest(CASE WHEN cardinality(c.towns) = 0 THEN ARRAY[CAST(NULL AS integer)]
                                     ELSE c.towns END) t) g(grouping, key, ref)
        GROUP BY c.year, g.grouping, g.key, g.ref"""


def _added(name: str, n: int) -> str:
    return f"{name} = ARRAY[{', '.join(f's.{name}[{i}] + EXCLUDED.{name}[{i}]' for i in range(1, n + 1))}]"


_ZERO = " OR ".join(
    f"CAST(d.{name} AS numeric[]) <> CAST(array_fill(0, ARRAY[{n}]) AS numeric[])" for name, n in ARRAYS.items()
)
_COLUMNS = f"{GROUP_KEY}, projects, planned, not_planned, {', '.join(ARRAYS)}"

REFRESH = f"""
CREATE FUNCTION progress_summary_refresh(ids integer[]) RETURNS void
LANGUAGE plpgsql
-- Enough memory to group a part's contributions (60 sums each) by hashing rather than sorting.
SET work_mem = '64MB'
AS $function$
DECLARE
  part integer[];
  fresh progress_summary_keys[];
BEGIN
  -- Most edits of a project change nothing here (the trigger on projects passes no id): no work at all.
  -- A bulk load (`planmap dev synth`) sets planmap.summary_bulk for its transaction and rebuilds once at
  -- its end (progress_summary_rebuild): a million items' keys diffed part by part took minutes.
  IF coalesce(cardinality(ids), 0) = 0 OR current_setting('planmap.summary_bulk', true) = 'on' THEN
    RETURN;
  END IF;
  -- In parts of 10,000 projects, so that a statement touching a million rows needs no more memory
  -- than one of ten thousand.
  FOR i IN 0 .. (cardinality(ids) - 1) / 10000 LOOP
    part := ids[i * 10000 + 1 : (i + 1) * 10000];
    -- Writers of the same projects take turns from here on: the next statements see the other's rows.
    -- (The callers pass ids in order, so two statements lock their common projects in one order.)
    PERFORM 1 FROM projects WHERE id = ANY(part) ORDER BY id FOR NO KEY UPDATE;
    SELECT array_agg(ROW(k.*)::progress_summary_keys) INTO fresh
      FROM progress_summary_keys_live k WHERE k.project_id = ANY(part);
    -- Stored keys that changed or whose item is gone are taken out and subtracted; new keys are
    -- added. A statement that changed nothing the summary reads (most edits) writes nothing here.
    WITH new AS (
      SELECT f.* FROM unnest(fresh) f
      WHERE NOT EXISTS (SELECT 1 FROM progress_summary_keys k
                        WHERE k.project_id = f.project_id AND k.year = f.year
                          AND ROW(k.*) IS NOT DISTINCT FROM ROW(f.*))
    ), old AS (
      DELETE FROM progress_summary_keys k
      WHERE k.project_id = ANY(part)
        AND NOT EXISTS (SELECT 1 FROM unnest(fresh) f
                        WHERE f.project_id = k.project_id AND f.year = k.year
                          AND ROW(k.*) IS NOT DISTINCT FROM ROW(f.*))
      RETURNING k.*
    ), delta AS (
      {_sums("SELECT new.*, 1 AS sign FROM new UNION ALL SELECT old.*, -1 FROM old")}
    )
    INSERT INTO progress_summary AS s ({_COLUMNS})
    SELECT {_COLUMNS} FROM delta d
    WHERE d.projects <> 0 OR d.planned <> 0 OR d.not_planned <> 0 OR {_ZERO}
    ORDER BY {GROUP_KEY}
    ON CONFLICT ({GROUP_KEY}) DO UPDATE
      SET projects = s.projects + EXCLUDED.projects, planned = s.planned + EXCLUDED.planned,
          not_planned = s.not_planned + EXCLUDED.not_planned,
          {", ".join(_added(name, n) for name, n in ARRAYS.items())};
    INSERT INTO progress_summary_keys
    SELECT f.* FROM unnest(fresh) f
    WHERE NOT EXISTS (SELECT 1 FROM progress_summary_keys k WHERE k.project_id = f.project_id AND k.year = f.year);
  END LOOP;
  DELETE FROM progress_summary WHERE projects = 0;
END $function$
"""


# Everything recomputed from the live keys, set-based: the migration's backfill and the end of a bulk load.
# Writers of the summary wait for the rebuilding transaction (EXCLUSIVE lets readers read the old sums), then
# add their own differences to the rebuilt sums.
REBUILD = f"""
CREATE FUNCTION progress_summary_rebuild() RETURNS void
LANGUAGE plpgsql
SET work_mem = '64MB'
AS $function$
BEGIN
  LOCK TABLE progress_summary_keys, progress_summary IN EXCLUSIVE MODE;
  DELETE FROM progress_summary_keys;
  DELETE FROM progress_summary;
  INSERT INTO progress_summary_keys SELECT * FROM progress_summary_keys_live;
  INSERT INTO progress_summary ({_COLUMNS})
  SELECT {_COLUMNS} FROM ({_sums("SELECT k.*, 1 AS sign FROM progress_summary_keys k")}) d;
END $function$"""


def _follow(name: str, id_column: str) -> str:
    """A statement trigger function recomputing the projects (`id_column`) its statement touched."""
    return f"""
CREATE FUNCTION {name}() RETURNS trigger
LANGUAGE plpgsql AS $function$
BEGIN
  -- Written by a cascade (a project's or programme's deletion): the trigger on the deleted rows'
  -- table recomputes them.
  IF pg_trigger_depth() > 1 THEN
    RETURN NULL;
  END IF;
  IF TG_OP = 'INSERT' THEN
    PERFORM progress_summary_refresh(ARRAY(SELECT DISTINCT {id_column} FROM changed_new ORDER BY 1));
  ELSIF TG_OP = 'UPDATE' THEN
    PERFORM progress_summary_refresh(ARRAY(SELECT {id_column} FROM changed_new
                                           UNION SELECT {id_column} FROM changed_old ORDER BY 1));
  ELSE
    PERFORM progress_summary_refresh(ARRAY(SELECT DISTINCT {id_column} FROM changed_old ORDER BY 1));
  END IF;
  RETURN NULL;
END $function$
"""


# A project's row: only its category and deletion (soft or hard) change what it contributes, so other
# edits (most of them, and every new project: it has no programme item yet) cost one comparison.
FOLLOW_PROJECTS = """
CREATE FUNCTION progress_summary_follow_projects() RETURNS trigger
LANGUAGE plpgsql AS $function$
BEGIN
  IF TG_OP = 'UPDATE' THEN
    PERFORM progress_summary_refresh(ARRAY(
      SELECT n.id FROM changed_new n JOIN changed_old o ON o.id = n.id
      WHERE n.category IS DISTINCT FROM o.category OR n.deleted_at IS DISTINCT FROM o.deleted_at ORDER BY 1));
  ELSE
    PERFORM progress_summary_refresh(ARRAY(SELECT DISTINCT k.project_id FROM progress_summary_keys k
                                           WHERE k.project_id IN (SELECT id FROM changed_old) ORDER BY 1));
  END IF;
  RETURN NULL;
END $function$
"""

# A programme deleted (its items cascade) or given another year: every project it held.
FOLLOW_PROGRAMMES = """
CREATE FUNCTION progress_summary_follow_programmes() RETURNS trigger
LANGUAGE plpgsql AS $function$
BEGIN
  PERFORM progress_summary_refresh(ARRAY(
    SELECT DISTINCT k.project_id FROM progress_summary_keys k
    WHERE k.year IN (SELECT year FROM changed_old)
    UNION SELECT i.project_id FROM programme_items i WHERE i.programme_id IN (SELECT id FROM changed_old)
    ORDER BY 1));
  RETURN NULL;
END $function$
"""

# (table, trigger function, events)
FOLLOWED = (
    ("programme_items", "progress_summary_follow_items", ("insert", "update", "delete")),
    ("project_towns", "progress_summary_follow_links", ("insert", "update", "delete")),
    ("project_units", "progress_summary_follow_links", ("insert", "update", "delete")),
    ("projects", "progress_summary_follow_projects", ("update", "delete")),
    ("annual_programmes", "progress_summary_follow_programmes", ("update", "delete")),
)
REFERENCING = {
    "insert": "REFERENCING NEW TABLE AS changed_new",
    "update": "REFERENCING NEW TABLE AS changed_new OLD TABLE AS changed_old",
    "delete": "REFERENCING OLD TABLE AS changed_old",
}


def _years_refresh(summary: bool) -> str:
    """0020's progress_years_refresh, which since 0021 also brings the summary up to date (one
    recomputation per statement on progress_reports, after its kept rows are rewritten)."""
    sql: str = _previous().REFRESH.replace("CREATE FUNCTION", "CREATE OR REPLACE FUNCTION", 1)
    if summary:
        sql = sql.replace(
            "END $function$",
            "  PERFORM progress_summary_refresh(ARRAY(SELECT DISTINCT unnest(ids) ORDER BY 1));\nEND $function$",
        )
    return sql


def upgrade() -> None:
    op.create_table(
        "progress_summary_keys",
        sa.Column("project_id", sa.Integer, nullable=False),
        sa.Column("year", sa.SmallInteger, nullable=False),
        sa.Column("towns", postgresql.ARRAY(sa.Integer), nullable=False),
        sa.Column("lead_unit", sa.Integer),
        sa.Column("category", sa.Text, nullable=False),
        sa.Column("item_class", sa.Text, nullable=False),
        sa.Column("planned", sa.Numeric(14, 2)),
        sa.Column("invested_cum", postgresql.ARRAY(sa.Numeric(16, 2)), nullable=False),
        sa.Column("filed_cum", postgresql.ARRAY(sa.SmallInteger), nullable=False),
        sa.Column("late_after", postgresql.ARRAY(sa.SmallInteger), nullable=False),
        sa.Column("behind", postgresql.ARRAY(sa.SmallInteger), nullable=False),
        sa.PrimaryKeyConstraint("project_id", "year"),
    )
    op.create_table(
        "progress_summary",
        sa.Column("year", sa.SmallInteger, nullable=False),
        sa.Column("grouping", sa.Text, nullable=False),
        sa.Column("key", sa.Text),
        sa.Column("ref", sa.Integer),
        sa.Column("projects", sa.BigInteger, nullable=False),
        sa.Column("planned", sa.Numeric, nullable=False),
        sa.Column("not_planned", sa.BigInteger, nullable=False),
        sa.Column("invested_cum", postgresql.ARRAY(sa.Numeric), nullable=False),
        sa.Column("filed_cum", postgresql.ARRAY(sa.BigInteger), nullable=False),
        sa.Column("late_after", postgresql.ARRAY(sa.BigInteger), nullable=False),
        sa.Column("behind", postgresql.ARRAY(sa.BigInteger), nullable=False),
    )
    op.create_index(
        "progress_summary_key",
        "progress_summary",
        [c.strip() for c in GROUP_KEY.split(",")],
        unique=True,
        postgresql_nulls_not_distinct=True,
    )
    op.execute(KEYS_VIEW)
    op.execute(REFRESH)
    op.execute(_follow("progress_summary_follow_items", "project_id"))
    op.execute(_follow("progress_summary_follow_links", "project_id"))
    op.execute(FOLLOW_PROJECTS)
    op.execute(FOLLOW_PROGRAMMES)
    op.execute(REBUILD)
    op.execute("SELECT progress_summary_rebuild()")  # what is there already, set-based
    op.execute(_years_refresh(summary=True))
    for table, function, events in FOLLOWED:
        for event in events:
            op.execute(
                f"CREATE TRIGGER {table}_summary_{event} AFTER {event.upper()} ON {table} {REFERENCING[event]} "
                f"FOR EACH STATEMENT EXECUTE FUNCTION {function}()"
            )


def downgrade() -> None:
    for table, _function, events in FOLLOWED:
        for event in events:
            op.execute(f"DROP TRIGGER {table}_summary_{event} ON {table}")
    op.execute(_years_refresh(summary=False))
    for function in (
        "progress_summary_follow_programmes",
        "progress_summary_follow_projects",
        "progress_summary_follow_links",
        "progress_summary_follow_items",
    ):
        op.execute(f"DROP FUNCTION {function}()")
    op.execute("DROP FUNCTION progress_summary_rebuild()")
    op.execute("DROP FUNCTION progress_summary_refresh(integer[])")
    op.execute("DROP VIEW progress_summary_keys_live")
    op.drop_table("progress_summary")
    op.drop_table("progress_summary_keys")
