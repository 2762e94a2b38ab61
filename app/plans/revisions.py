"""Baseline and revisions: the planned dates and investment a project had when it joined its plan stay
as they were; a later change is a revision with a date and a required reason (the OC4IDS idea of
keeping original and revised values). A value set where the plan stated none is the baseline itself.
"""

from datetime import date
from typing import Any

import orjson
from sqlalchemy import Connection

from app.plans import queries as q
from app.plans.errors import PlanError

# Tracking field → the membership column holding its baseline.
BASELINED = {
    "planned_start": "baseline_planned_start",
    "planned_end": "baseline_planned_end",
    "planned_investment_cny_100m": "baseline_investment_cny_100m",
}


class RevisionReasonRequired(PlanError):
    def __init__(self, fields: list[str]) -> None:
        super().__init__(
            f"{', '.join(fields)} revise(s) the plan's baseline: give revision_reason (e.g. 征地延误, 资金调整)"
        )
        self.fields = fields


def _json(value: Any) -> str:
    return orjson.dumps(value.isoformat() if isinstance(value, date) else value, default=str).decode()


def record_planned_changes(
    conn: Connection,
    project_id: int,
    changes: dict[str, dict[str, Any]],
    reason: str | None,
    user_id: int | None,
    today: date,
) -> None:
    """Fill an empty baseline, or record a revision with its reason; refuses a revision without one."""
    membership = conn.execute(q.LATEST_MEMBERSHIP, {"project_id": project_id}).one_or_none()
    if membership is None:
        return
    planned = {f: c for f, c in changes.items() if f in BASELINED}
    revising = [f for f, c in planned.items() if getattr(membership, BASELINED[f]) is not None or c["old"] is not None]
    if revising and not (reason and reason.strip()):
        raise RevisionReasonRequired(revising)
    for name, change in planned.items():
        baseline = getattr(membership, BASELINED[name])
        if name not in revising:
            conn.execute(q.SET_BASELINE[name], {"v": change["new"], "plan": membership.plan_id, "p": project_id})
            continue
        conn.execute(
            q.INSERT_REVISION,
            {
                "project_id": project_id,
                "plan_id": membership.plan_id,
                "field": name,
                "baseline": _json(baseline),
                "previous": _json(change["old"]),
                "revised": _json(change["new"]),
                "revised_on": today,
                "reason": reason,
                "user_id": user_id,
            },
        )
