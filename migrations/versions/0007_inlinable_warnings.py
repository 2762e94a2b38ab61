"""`project_warnings()` that PostgreSQL can inline, and that is as immutable as it says.

The function of 0004 was declared IMMUTABLE but compared a timestamptz (`last_update`) with a
date, a comparison that depends on the session's time zone, so it was really STABLE. PostgreSQL
will not inline a SQL function whose body is more volatile than its declaration, nor one that
uses an argument with a costly expression twice (`planned_investment`, whose argument reads the
`figures` jsonb); so it ran as a function call per row, three times per project in a vector tile
(warnings, rating): a z=10 tile of a million-project catalog took 64 ms instead of 26 ms
(bench/NOTES.md).

Same warnings, same arguments, now inlined:
- `stale`: the last update came before the start of day `ref_date - stale_days` *in Lianzhou*
  (UTC+8, fixed: China has no daylight saving), whatever the session's time zone; the fixed
  offset keeps the expression immutable and avoids a time-zone database lookup per row;
- `over_budget`: `actual_spend > planned_investment` is already false-or-NULL when either is
  missing, so the argument is read once.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-27
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SIGNATURE = """project_warnings(
    status text, start_year int, end_year int, planned_start date, planned_end date,
    planned_investment numeric, actual_start date, actual_end date, actual_spend numeric,
    last_update timestamptz, ref_date date, stale_days int
) RETURNS text[] LANGUAGE sql"""

LATE_START_AND_COMPLETION = """
    CASE WHEN status IN ('planned', 'preparing', 'postponed') AND actual_start IS NULL
              AND coalesce(planned_start, make_date(start_year, 1, 1)) < ref_date
         THEN 'late_start' END,
    CASE WHEN status NOT IN ('completed', 'existing', 'cancelled', 'merged') AND actual_end IS NULL
              AND coalesce(planned_end, make_date(end_year, 12, 31)) < ref_date
         THEN 'late_completion' END,"""


def upgrade() -> None:
    op.execute(
        f"""
        CREATE OR REPLACE FUNCTION {SIGNATURE} IMMUTABLE PARALLEL SAFE AS $$
          SELECT array_remove(ARRAY[{LATE_START_AND_COMPLETION}
            CASE WHEN actual_spend > planned_investment THEN 'over_budget' END,
            CASE WHEN status IN ('planned', 'preparing', 'under_construction', 'postponed', 'suspended')
                      AND last_update < (ref_date - stale_days)::timestamp AT TIME ZONE INTERVAL '+08:00'
                 THEN 'stale' END
          ], NULL)
        $$;
        """
    )


def downgrade() -> None:
    op.execute(
        f"""
        CREATE OR REPLACE FUNCTION {SIGNATURE} IMMUTABLE AS $$
          SELECT array_remove(ARRAY[{LATE_START_AND_COMPLETION}
            CASE WHEN actual_spend IS NOT NULL AND planned_investment IS NOT NULL AND actual_spend > planned_investment
                 THEN 'over_budget' END,
            CASE WHEN status IN ('planned', 'preparing', 'under_construction', 'postponed', 'suspended')
                      AND last_update < ref_date - stale_days
                 THEN 'stale' END
          ], NULL)
        $$;
        """
    )
