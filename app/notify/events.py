"""Messages for events of other rooms that staff must act on: feedback awaiting moderation, and
a proposal awaiting review. Called inside the transaction that stores the thing to act on.

Links are paths here (`/moderation`); the worker puts PLANMAP_PUBLIC_URL in front when it sends,
so domain code needs no settings.
"""

from sqlalchemy import Connection

from app.notify.outbox import Notice, enqueue, staff_destinations

REVIEWERS = ("planner", "admin")


def feedback_awaiting(conn: Connection, feedback_id: int, slug: str) -> int:
    """The public's message waits for a moderator (never quoted: it is unmoderated text)."""
    notice = Notice(
        subject_zh=f"新的公众意见待审核(项目 {slug})",
        body_zh="有一条新的公众意见等待审核;审核通过前不会公开。",
        subject_en=f"New public feedback awaiting moderation (project {slug})",
        body_en="A new message from the public waits for moderation; it is not shown until approved.",
        link="/moderation",
    )
    return enqueue(conn, event="feedback.awaiting", key=f"feedback:{feedback_id}:awaiting", notice=notice,
                   destinations=staff_destinations(conn, REVIEWERS))  # fmt: skip


def proposal_awaiting(conn: Connection, proposal_id: int, slug: str, proposer: str) -> int:
    notice = Notice(
        subject_zh=f"{proposer} 提交的修改待审核(项目 {slug})",
        body_zh="所在乡镇要求审核后生效,请在审核页处理。",
        subject_en=f"A change by {proposer} awaits review (project {slug})",
        body_en="The town requires review before the change takes effect.",
        link="/moderation",
    )
    return enqueue(conn, event="proposal.awaiting", key=f"proposal:{proposal_id}:awaiting", notice=notice,
                   destinations=staff_destinations(conn, REVIEWERS))  # fmt: skip
