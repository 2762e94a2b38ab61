"""`as_of` reads the past through today's sensitivity and deletions: `projects_as_of()`, `projects_public_as_of()`.

Until now `?as_of=` took each project's version of that day as it was, sensitivity included: a
project recorded at its precise site and marked sensitive later came back at that site for any day
before the marking, on the API, the exports, the tiles and the pages (issue 15, item 5). The day a
site is marked sensitive is the day the bureau decided the public must not know where it is; the
record of earlier days must keep that secret too. Likewise a project deleted today (a duplicate, a
project that should never have been published) must not come back by asking for an earlier day.

So the past is read through two SQL functions, the as-of counterparts of `projects` and
`projects_public`, and the app reads nothing else for `as_of` (app/queries/sources.py):
- `projects_as_of(day)`: each project's version recorded by the end of `day`, with the status of
  its dated status events; only projects that exist and are not deleted *today*; `sensitive` is
  true when the project is sensitive today or was then (once hidden, never revealed by the past);
- `projects_public_as_of(day)`: the same rows with every sensitive one at its town seat, exactly as
  `projects_public` (0004) generalises today's rows.

Both are single-SELECT SQL functions marked STABLE, so PostgreSQL inlines them into the calling
query and the filters still reach the indexes. They return `project_versions` rows (the project
columns, then valid_from and valid_to): a later revision that adds a column to `projects` and
`project_versions` must recreate these functions too (tests/queries/test_monitoring.py checks the
column lists agree).

"End of the day" is as before: `valid_from < as_of_day + 1` in the session's time zone.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-30
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Columns of projects (and project_versions) in table order at this revision, as in 0004.
PROJECT_COLUMNS = [
    "id", "slug", "name_zh", "name_en", "aliases", "category", "status", "status_basis", "geom",
    "location_precision", "location_note", "plan_chapter", "plan_section", "source_quote", "figures",
    "start_year", "end_year", "created_at", "updated_at", "version", "seeded_version", "deleted_at",
    "status_reason", "merged_into_id", "planned_start", "planned_end", "planned_investment_cny_100m",
    "actual_start", "actual_end", "actual_spend_cny_100m", "sensitive",
]  # fmt: skip
VERSION_SPAN = ["valid_from", "valid_to"]

# The record of the day, read through today's row (`today`): as of the end of `day`.
AS_OF_COLUMNS = {
    # Before its first dated event a project has the status it was recorded with first.
    "status": """coalesce((SELECT e.status FROM status_events e WHERE e.project_id = v.id
                            AND e.effective_date <= as_of_day ORDER BY e.effective_date DESC, e.id DESC LIMIT 1),
                           (SELECT f.status FROM project_versions f WHERE f.id = v.id ORDER BY f.version LIMIT 1))""",
    "sensitive": "v.sensitive OR today.sensitive",
}

# What the public sees of a sensitive site: its town seat, as `projects_public` shows it (0004).
GENERALIZED = {
    "geom": """CASE WHEN p.sensitive THEN (SELECT t.seat FROM project_towns pt JOIN towns t ON t.id = pt.town_id
                                            WHERE pt.project_id = p.id ORDER BY t.slug LIMIT 1)
                    ELSE p.geom END""",
    "location_precision": "CASE WHEN p.sensitive THEN 'town'::varchar(16) ELSE p.location_precision END",
    "location_note": """CASE WHEN p.sensitive THEN 'Sensitive site: shown to the public at its town seat only.'::text
                             ELSE p.location_note END""",
}


def create_as_of_functions(
    columns: list[str], added_after_span: Sequence[str] = (), generalized: dict[str, str] | None = None
) -> None:
    """The two functions over `project_versions`, whose columns in table order are `columns`, the
    version span, then `added_after_span` (columns a later migration added to both tables): such a
    migration drops and recreates the functions with this, adding to `generalized` what else the public
    must not see of a sensitive site."""
    order = [*columns, *VERSION_SPAN, *added_after_span]
    as_of = ", ".join(f"{AS_OF_COLUMNS.get(c, f'v.{c}')} AS {c}" for c in order)
    op.execute(
        f"""
        CREATE FUNCTION projects_as_of(as_of_day date) RETURNS SETOF project_versions
        LANGUAGE sql STABLE PARALLEL SAFE AS $$
          SELECT {as_of}
          FROM (SELECT DISTINCT ON (id) * FROM project_versions
                WHERE valid_from < as_of_day + 1 ORDER BY id, valid_from DESC) v
          JOIN projects today ON today.id = v.id
          WHERE today.deleted_at IS NULL
        $$;
        COMMENT ON FUNCTION projects_as_of(date) IS
          'Projects as recorded at the end of the day, with today''s sensitivity and deletions (staff).';
        """
    )
    hidden = {**GENERALIZED, **(generalized or {})}
    public = ", ".join(f"{hidden.get(c, f'p.{c}')} AS {c}" for c in order)
    op.execute(
        f"""
        CREATE FUNCTION projects_public_as_of(as_of_day date) RETURNS SETOF project_versions
        LANGUAGE sql STABLE PARALLEL SAFE AS $$
          SELECT {public} FROM projects_as_of(as_of_day) p
        $$;
        COMMENT ON FUNCTION projects_public_as_of(date) IS
          'projects_as_of() as the public may see it: sensitive sites at their town seat, like projects_public.';
        """
    )


def drop_as_of_functions() -> None:
    op.execute("DROP FUNCTION projects_public_as_of(date)")
    op.execute("DROP FUNCTION projects_as_of(date)")


def upgrade() -> None:
    create_as_of_functions(PROJECT_COLUMNS)


def downgrade() -> None:
    drop_as_of_functions()
