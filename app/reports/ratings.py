"""Public evaluation (公众评价): anyone rates a completed project 1-5, with an optional comment.

Why ratings are feedback: the plan asks for public evaluation (开展公众评价) and the bureau already
moderates what the public writes. A rating is stored as a feedback row with `rating` set, so it waits in
the same moderation queue (`/api/feedback`, approve/reject), is limited by the same per-client limiter
and is audited the same way; only approved ratings count in the published results. No account needed.
"""

from typing import Any

from sqlalchemy import Connection

from app.auth import ratelimit
from app.core.errors import Conflict, NotFound, RateLimited
from app.history import audit
from app.reports import queries as q

WINDOW_SECONDS = 3600.0


def submit_rating(conn: Connection, slug: str, rating: int, comment: str, client: str, per_hour: int) -> dict[str, Any]:
    """Store a pending rating; refuses an unknown project, one not completed, and a flood from one client."""
    project = conn.execute(q.RATEABLE_PROJECT, {"slug": slug}).one_or_none()
    if project is None:
        raise NotFound(f"no project '{slug[:120]}'")
    if project.status != "completed":
        raise Conflict(f"'{slug}' is not completed: only completed projects can be rated")
    wait = ratelimit.take_from_window(conn, f"rating:{client}", per_hour, WINDOW_SECONDS)
    if wait > 0:
        limited = ratelimit.Limited(f"at most {per_hour} ratings per hour from one client", wait)
        raise RateLimited(limited.message, limited.retry_after)
    row = conn.execute(
        q.INSERT_RATING, {"project_id": project.id, "body": comment, "rating": rating, "client": client}
    ).one()
    audit.record(
        conn,
        actor="public",
        action="rate",
        object_type="feedback",
        object_key=str(row.id),
        changes={"project": slug, "rating": rating, "comment_given": bool(comment)},
    )
    return {"id": row.id, "status": "pending", "rating": rating, "created_at": row.created_at.isoformat()}


def rating_results(conn: Connection) -> list[dict[str, Any]]:
    """Every completed project with its approved ratings: how many, the average, the approved comments."""
    return [dict(r) for r in conn.execute(q.RATING_RESULTS).mappings()]
