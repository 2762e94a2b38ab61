"""Plans as a planner works with them: create a plan, decide each project's fate at the end of its
period, close it, and carry the unfinished work into the next plan, in one transaction.

Each function runs in the caller's transaction and audits what it writes; a refusal raises before
anything is written (or inside the transaction, so nothing of it is kept).
"""

from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal

from sqlalchemy import Connection, Row

from app.history import audit
from app.plans import queries as q
from app.plans.errors import PlanError, UndecidedProjects, UnknownPlan

Precision = Literal["day", "month", "year"]
Decision = Literal["completed", "continuing", "dropped"]
DECISIONS: tuple[Decision, ...] = ("completed", "continuing", "dropped")
# Statuses that decide a project's fate by themselves at closing: the reason is the record's own.
FINISHED = frozenset({"completed", "existing"})
ENDED = frozenset({"cancelled", "merged"})


@dataclass(frozen=True)
class NewPlan:
    slug: str
    name_zh: str
    name_en: str
    period_start: int
    period_end: int
    source_document: str
    adopted_on: date | None = None
    adopted_precision: Precision | None = None
    revised_on: date | None = None
    revised_precision: Precision | None = None


@dataclass
class ClosingPicture:
    """What became of each project of a plan: completed, continuing, dropped (with reasons), undecided."""

    plan: str
    completed: list[tuple[str, str]] = field(default_factory=list)
    continuing: list[tuple[str, str]] = field(default_factory=list)
    dropped: list[tuple[str, str]] = field(default_factory=list)
    undecided: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        out = [
            f"plan {self.plan}: {len(self.completed)} completed, {len(self.continuing)} continuing, "
            f"{len(self.dropped)} dropped, {len(self.undecided)} undecided"
        ]
        for name, rows in (("completed", self.completed), ("continuing", self.continuing), ("dropped", self.dropped)):
            out += [f"  {name}: {slug} — {reason}" for slug, reason in rows]
        out += [f"  UNDECIDED: {slug}" for slug in self.undecided]
        return out


def plan_row(conn: Connection, slug: str) -> Row[Any]:
    row = conn.execute(q.PLAN_BY_SLUG, {"slug": slug}).one_or_none()
    if row is None:
        raise UnknownPlan(slug)
    return row


def create_plan(conn: Connection, plan: NewPlan, actor: str, user_id: int | None = None) -> int:
    """Record a plan; its projects come by import (`planmap import --plan`) or carry-over."""
    if plan.period_end < plan.period_start:
        raise PlanError(f"period_end {plan.period_end} is before period_start {plan.period_start}")
    for name, day, precision in (
        ("adopted", plan.adopted_on, plan.adopted_precision),
        ("revised", plan.revised_on, plan.revised_precision),
    ):
        if (day is None) != (precision is None):
            raise PlanError(f"{name}_on and {name}_precision go together (day, month or year)")
    if conn.execute(q.PLAN_BY_SLUG, {"slug": plan.slug}).one_or_none() is not None:
        raise PlanError(f"a plan '{plan.slug}' already exists")
    values = plan.__dict__.copy()
    plan_id = int(conn.execute(q.INSERT_PLAN, values).scalar_one())
    audit.record(
        conn, actor=actor, action="create", object_type="plan", object_key=plan.slug,
        changes={k: {"old": None, "new": v} for k, v in values.items()}, user_id=user_id,
    )  # fmt: skip
    return plan_id


def closing_picture(conn: Connection, slug: str) -> ClosingPicture:
    """The plan's projects by decision; a finished, cancelled or merged project decides itself."""
    plan = plan_row(conn, slug)
    picture = ClosingPicture(slug)
    for row in conn.execute(q.CLOSING_PICTURE, {"plan": plan.id}):
        decision, reason = row.decision, row.decision_reason
        if decision is None and row.status in FINISHED:
            decision, reason = "completed", f"status {row.status}"
        elif decision is None and row.status in ENDED:
            decision, reason = "dropped", f"{row.status}: {row.status_reason}"
        if decision is None:
            picture.undecided.append(row.slug)
        else:
            getattr(picture, decision).append((row.slug, reason or ""))
    return picture


def decide(
    conn: Connection, plan_slug: str, project_slug: str, decision: str, reason: str | None, actor: str,
    user_id: int | None = None,
) -> None:  # fmt: skip
    """Record what becomes of one project when its plan closes; continuing and dropped need a reason."""
    plan = plan_row(conn, plan_slug)
    if decision not in DECISIONS:
        raise PlanError(f"decision must be one of {', '.join(DECISIONS)}, not '{decision}'")
    if decision != "completed" and not (reason and reason.strip()):
        raise PlanError(f"a project that is {decision} needs a reason")
    params = {"plan": plan.id, "slug": project_slug, "decision": decision, "reason": reason, "user_id": user_id}
    if conn.execute(q.SET_DECISION, params).rowcount != 1:
        raise PlanError(f"project '{project_slug}' is not in plan '{plan_slug}'")
    audit.record(
        conn, actor=actor, action="decide", object_type="plan", object_key=plan_slug,
        changes={"project": project_slug, "decision": decision, "reason": reason}, user_id=user_id,
    )  # fmt: skip


def close_plan(conn: Connection, slug: str, into: str | None, actor: str, user_id: int | None = None) -> ClosingPicture:
    """Close a plan: refuse while any project lacks a decision; otherwise record the decisions the
    statuses imply, carry the continuing projects into `into` (same project, one history, role
    continuing 续建) and mark the plan closed. `as_of` before today still shows the plan as it was,
    since the new memberships are dated now."""
    plan = plan_row(conn, slug)
    if plan.closed_at is not None:
        raise PlanError(f"plan '{slug}' was closed on {plan.closed_at:%Y-%m-%d}")
    successor = plan_row(conn, into) if into else None
    if successor is not None and successor.id == plan.id:
        raise PlanError("a plan cannot be carried into itself")
    picture = closing_picture(conn, slug)
    if picture.undecided:
        raise UndecidedProjects(slug, picture.undecided)
    if picture.continuing and successor is None:
        raise PlanError(f"{len(picture.continuing)} project(s) are continuing: name the next plan (--into)")
    for decision in ("completed", "dropped"):
        for project, reason in getattr(picture, decision):
            conn.execute(
                q.SET_DECISION,
                {"plan": plan.id, "slug": project, "decision": decision, "reason": reason, "user_id": user_id},
            )
    ids = {r.slug: r.id for r in conn.execute(q.CLOSING_PICTURE, {"plan": plan.id})}
    if successor is not None:
        for project, _ in picture.continuing:
            conn.execute(q.CARRY_OVER, {"into": successor.id, "project_id": ids[project]})
    conn.execute(q.CLOSE_PLAN, {"plan": plan.id, "user_id": user_id, "into": successor.id if successor else None})
    audit.record(
        conn, actor=actor, action="close", object_type="plan", object_key=slug, user_id=user_id,
        changes={
            "into": into,
            "completed": [p for p, _ in picture.completed],
            "continuing": [p for p, _ in picture.continuing],
            "dropped": [p for p, _ in picture.dropped],
        },
    )  # fmt: skip
    return picture
