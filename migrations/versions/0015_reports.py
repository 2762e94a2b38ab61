"""Public evaluation (公众评价): a rating of 1-5 of a completed project, held for moderation like feedback.

A rating is a feedback row with `rating` set, so it goes through the same moderation queue, the same
per-client rate limiter and the same audit as any message; the comment that may come with it is the
feedback's body, which may then be empty (a rating alone says enough).

Revision ID: 0015
Revises: 0014
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute(
        "ALTER TABLE feedback ADD COLUMN rating smallint "
        "CONSTRAINT feedback_rating_check CHECK (rating BETWEEN 1 AND 5)"
    )
    op.execute("ALTER TABLE feedback DROP CONSTRAINT feedback_body_length_check")
    op.execute(
        """ALTER TABLE feedback ADD CONSTRAINT feedback_body_length_check
           CHECK (char_length(body) <= 2000 AND (char_length(body) >= 1 OR rating IS NOT NULL))"""
    )
    op.execute("CREATE INDEX feedback_rated_idx ON feedback (project_id) WHERE rating IS NOT NULL")


def downgrade() -> None:
    op.execute("DROP INDEX feedback_rated_idx")
    op.execute("DELETE FROM feedback WHERE rating IS NOT NULL AND body = ''")
    op.execute("ALTER TABLE feedback DROP CONSTRAINT feedback_body_length_check")
    op.execute(
        "ALTER TABLE feedback ADD CONSTRAINT feedback_body_length_check "
        "CHECK (char_length(body) >= 1 AND char_length(body) <= 2000)"
    )
    op.execute("ALTER TABLE feedback DROP COLUMN rating")
