"""Which rows a project query reads: the live table, the public view, or a past date.

Every project query selects `FROM <source> p`, and the source decides what `p` holds:
- staff read `projects` itself;
- the public reads `projects_public`, where a sensitive site sits at its town seat, so no
  public endpoint can reach its precise geometry whatever else it does with `p.geom`;
- `as_of` reads the SQL functions `projects_as_of` (staff) and `projects_public_as_of` (the
  public) of migration 0008: each project's version as recorded at the end of that day, with the
  status taken from the dated status events (a status is dated by when it took effect, not when
  it was typed in), seen through *today's* sensitivity and deletions, so asking for an earlier
  day never reveals a site marked sensitive since, nor a project deleted since. The towns of a
  project are its current towns.

Whatever the source, `p` holds only the projects of one plan (`app.plans.queries.in_plan`): the
plan named, or the plan in force on the reference day.
"""

from datetime import date
from typing import Any

from app.core import clock
from app.core.models import Project
from app.queries.plan_scope import in_plan, reference_params

PROJECT_COLUMNS = [c.name for c in Project.__table__.columns]


def _as_of_sql(public: bool) -> str:
    function = "projects_public_as_of" if public else "projects_as_of"
    return f"(SELECT {', '.join(PROJECT_COLUMNS)} FROM {function}(:src_as_of))"


def project_source(
    *, staff: bool, as_of: date | None, plan: str | None = None, own_plan: bool = False, ref_date: date | None = None
) -> tuple[str, dict[str, Any]]:
    """The FROM item (to be aliased `p`) and its bind parameters.

    `plan` names the plan (None: the one in force on the reference day); `own_plan` reads each
    project in the latest plan it belongs to (for a read of one project by its slug).
    """
    day = as_of or ref_date or clock.today()
    params = reference_params(plan, day)
    if as_of is None:
        base = "projects" if staff else "projects_public"
    else:
        base = _as_of_sql(public=not staff)
        params |= {"src_as_of": as_of}
    return in_plan(base, PROJECT_COLUMNS, own_plan=own_plan and plan is None), params
