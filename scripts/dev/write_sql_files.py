"""Rewrite app/queries/sql/{functions,views}.sql from a database migrated to head.

    .venv/bin/python scripts/dev/write_sql_files.py

The migrations create and change planmap's SQL functions, triggers and views; the two files are
their current text in one place to read. A migration that changes one runs this, keeps or edits
the comment of each object below, and commits the result; tests/queries/test_sql_files.py fails
while the files and the migrations disagree.
"""

import os
import re
import secrets
import sys
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import make_url

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from app.core import dbadmin, migrate
from app.core.db import make_sync_engine
from app.core.settings import DEFAULT_DATABASE_URL, REPO_ROOT

SQL_DIR = REPO_ROOT / "app" / "queries" / "sql"

# Why each object exists, shown above its definition. An object without an entry gets a reminder.
ABOUT = {
    "project_warnings": """
The warnings of one project on a reference date: computed from dates, money and activity,
never typed in. Created by 0004; made inlinable by 0007; the plan's period and the information
date since 0010:
* `plan_period_ended`: the plan's period is over, the project is neither finished nor dropped, and
  it has no date of its own (explicit planned dates win);
* `no_recorded_start`: the plan's wording (or a later status) says work is under way, but no start
  is recorded;
* `stale`: the information dates from before `ref_date - stale_days` (a person's last update, or
  the source document's date for the seeded catalog; never a load or a migration);
* `over_budget`: false-or-NULL when either amount is missing, so the function can be inlined.
Called through app.queries.project_filter.WARNINGS_SQL.""",
    "planmap_record_version": """
Every version of every project, kept whatever path writes it (seed, import, API): the row as
it was and the span of time it was the record (`?as_of=` reads project_versions), plus a
status event whenever the status changes, dated by the writer (SET LOCAL
planmap.status_effective_date) or today. (0004; column list 0010)""",
    "projects_as_of": """
A past day as staff may read it: each project's version at the end of that day, its status
from the dated events, seen through *today's* sensitivity and deletions. (0008; 0010)""",
    "projects_public_as_of": """
projects_as_of() as the public may see it: a sensitive site at its town seat, like
projects_public. (0008; 0010)""",
    "planmap_information_date": """
When a project's information dates from (资料截至): a person's write sets Lianzhou's today; a
catalog load that inserts a project takes its plan's revision date; loads and migrations that
only update leave it alone, so "stale" never restarts from a machine's write. (0010)""",
    "planmap_join_plan": """
Every new project joins the plan its loader names (SET LOCAL planmap.plan) or else the plan in
force, so no project exists outside a plan. (0010)""",
    "units_follow_towns": """
Every town is a responsible unit as well (issue 17): a town added or renamed in `towns` gets or
updates its unit, since towns are loaded after the migrations run. (0012)""",
    "stats_project_keys_live": """
What each live project contributes to the statistics the database keeps (0017): its plans with
their chapters, its towns, status and category, and the dates the date-dependent warnings compare
with the reference day (start_due, end_due, info_until) plus the facts that need no date. The
conditions are project_warnings()'s, split; tests/queries/test_stats_summary.py checks they agree.
Since 0019 also where the public sees it on the finest tile grid (tile_gx, tile_gy, their Morton
code tile_cell) and how wide it is (tile_extent), for the low-zoom tiles' counts.""",
    "stats_summary_refresh": """
Brings the statistics up to date for the projects a statement touched (0017): locks their rows (two
writers of one project take turns), recomputes their keys, adds new minus stored to stats_summary
(in key order, so concurrent writers lock summary rows in one order) and stores the new keys.""",
    "stats_follow_projects": """
Statement-level trigger on projects (insert, update, delete; with transition tables): the
statistics follow every write of a project, including soft deletion, restore, merge, imports and
synth, once per statement whatever its number of rows. (0017)""",
    "stats_follow_links": """
Statement-level trigger on project_towns and plan_projects: the statistics follow a project's towns
and plan memberships. Stands aside when another trigger writes them (a new project joining its plan,
a deleted project's cascade): the trigger on projects recomputes those projects after it. (0017)""",
    "tile_extent": """
The larger side, in Web Mercator metres, of a geometry's bounding box: a project at least one grid
cell wide is drawn whole in a low-zoom tile, a smaller one counted (app/queries/tiles.py has the same
arithmetic). The predicate of the partial index projects_tile_large_idx. (0019)""",
    "tile_spread": """
Every other bit of a 16-bit number spread out (abcd -> 0a0b0c0d): half of tile_morton. (0019)""",
    "tile_morton": """
The Morton code of a cell of the finest tile grid (2^13 cells around the world): every quadtree tile's
cells are one contiguous range of it, so a low-zoom tile reads its counts with one index range. (0019)""",
    "tiles_follow_towns": """
Statement-level trigger on towns: a sensitive site is shown to the public at the seat of its first
town by slug, so a new seat or slug refreshes its kept keys (its tile cell). (0019)""",
    "progress_years_refresh": """
Recomputes the kept year of the (project, year) pairs a statement on progress_reports touched
(0020): locks the projects (two writers of one project take turns), then replaces their rows of
progress_years (running investment in force, months filed, months first filed after each day).
Since 0021 it then brings the year's summary per group up to date for those projects. (0020; 0021)""",
    "progress_summary_keys_live": """
What each programme item of a live project contributes to the year's summary kept per group (0021):
its towns, lead unit, category, class and planned investment, its kept year (progress_years; zeros
when nothing was filed) and, per month m, whether it is behind when m is the last month due (the
comparison of app/progress/queries.py's _BEHIND with that month's fixed day counts).""",
    "progress_summary_refresh": """
Brings the year's summary per group (progress_summary) up to date for the projects a statement
touched (0021): locks their rows (two writers of one project take turns), recomputes their items'
keys, adds new minus stored to the sums (in group order, so concurrent writers wait on a shared row
rather than deadlock) and stores the new keys.""",
    "progress_summary_rebuild": """
The year's summary per group recomputed from every live item's keys, set-based (0021): the migration's
backfill and the end of a bulk load (`planmap dev synth` sets planmap.summary_bulk, so the refresh stands
aside until this runs once). Writers of the summary wait for the rebuilding transaction.""",
    "progress_summary_follow_items": """
Statement-level trigger on programme_items: the year's summary follows items added, removed,
reclassed or replanned. Stands aside in a cascade (a project's or programme's deletion). (0021)""",
    "progress_summary_follow_links": """
Statement-level trigger on project_towns and project_units: the year's summary follows a project's
towns and lead unit. Stands aside in a cascade (a project's hard deletion). (0021)""",
    "progress_summary_follow_projects": """
Statement-level trigger on projects (update, delete): the year's summary follows a change of category,
a soft deletion or restore, and a hard deletion; other edits cost one comparison. (0021)""",
    "progress_summary_follow_programmes": """
Statement-level trigger on annual_programmes (update, delete): a programme deleted or moved to another
year takes its items' sums with it. (0021)""",
    "progress_years_follow": """
Statement-level trigger on progress_reports (insert, update, delete; with transition tables): the
kept years follow every report filed, corrected, reviewed or deleted. Stands aside in a cascade (a
project's hard deletion): the kept rows go by their own cascade. (0020)""",
    "projects_public": """
What the public may read of projects: every project, but a sensitive one only at its town's
seat (the first of its towns by slug), with `town` precision and a note saying so, so that no
public read (API, OGC, tiles, exports, pages, feeds, wall maps) can reach the precise geometry.
Staff reads use `projects` itself (app.queries.sources). Created by 0004; columns since 0010.""",
}


def _about(name: str) -> str:
    lines = ABOUT.get(name, f"{name}: say why it exists (scripts/dev/write_sql_files.py, ABOUT).").strip().splitlines()
    return "\n".join(f"-- {line}".rstrip() for line in lines)


def _unqualified(definition: str) -> str:
    return re.sub(r"FUNCTION public\.", "FUNCTION ", definition)


def _definitions(url: str) -> tuple[list[str], list[str]]:
    engine = make_sync_engine(url)
    not_extension = "NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = {oid} AND d.deptype = 'e')"
    with engine.connect() as conn:
        functions = conn.execute(
            text(
                f"""SELECT p.proname, pg_get_functiondef(p.oid) FROM pg_proc p
                    JOIN pg_namespace n ON n.oid = p.pronamespace
                    WHERE n.nspname = 'public' AND {not_extension.format(oid="p.oid")} ORDER BY p.proname"""
            )
        ).all()
        triggers = conn.execute(
            text("SELECT tgname, pg_get_triggerdef(oid) FROM pg_trigger WHERE NOT tgisinternal ORDER BY tgname")
        ).all()
        views = conn.execute(
            text(
                f"""SELECT c.relname, pg_get_viewdef(c.oid, true) FROM pg_class c
                    JOIN pg_namespace n ON n.oid = c.relnamespace
                    WHERE n.nspname = 'public' AND c.relkind = 'v' AND {not_extension.format(oid="c.oid")}
                    ORDER BY c.relname"""
            )
        ).all()
    engine.dispose()
    function_sql = [f"{_about(name)}\n{_unqualified(body.strip())};" for name, body in functions]
    function_sql += [
        f"{re.sub(r'^CREATE TRIGGER', 'CREATE OR REPLACE TRIGGER', body)};".replace(" ON public.", " ON ")
        for _, body in triggers
    ]
    view_sql = [f"{_about(name)}\nCREATE OR REPLACE VIEW {name} AS\n{body.strip()}" for name, body in views]
    return function_sql, view_sql


def main() -> None:
    base = os.environ.get("DATABASE_URL", DEFAULT_DATABASE_URL)
    url = make_url(base).set(database=f"planmap_sqlfiles_{secrets.token_hex(4)}").render_as_string(False)
    dbadmin.create_database(url)
    try:
        migrate.upgrade(url, "head")
        functions, views = _definitions(url)
    finally:
        dbadmin.drop_database(url)
    head = migrate.head_revision()
    header = (
        f"-- The SQL {{what}} of planmap as they stand after the last migration ({head}), in one place to\n"
        "-- read. The migrations create and change them; this file is their current text, written by\n"
        "-- scripts/dev/write_sql_files.py, and tests/queries/test_sql_files.py fails when the two drift apart.\n"
    )
    (SQL_DIR / "functions.sql").write_text(
        header.format(what="functions and triggers") + "\n\n" + "\n\n".join(functions) + "\n", encoding="utf-8"
    )
    (SQL_DIR / "views.sql").write_text(header.format(what="views") + "\n\n" + "\n\n".join(views) + "\n", "utf-8")
    print(f"{len(functions)} functions and triggers, {len(views)} views at {head} -> {SQL_DIR}")


if __name__ == "__main__":
    main()
