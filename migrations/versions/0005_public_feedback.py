"""Public feedback on projects, held for moderation, and the site's own secrets.

- `feedback`: what a reader says about a project (text, an optional point, an optional
  contact that is never shown publicly), `pending` until a planner or the project's town
  official approves it (optionally with a reply) or rejects it (with a reason). The
  sender is kept only as a salted SHA-256 of their address, enough to rate-limit them and
  useless for finding out who they are;
- `site_secrets`: random values the app needs to agree on across workers and restarts
  (the salt of that hash), made here by PostgreSQL so no secret is in the repository.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-26
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from geoalchemy2 import Geometry

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "site_secrets",
        sa.Column("name", sa.String(64), primary_key=True),
        sa.Column("value", sa.Text, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
    )
    # 256 random bits from two random UUIDs (gen_random_uuid() draws from the OS's secure source).
    op.execute(
        """INSERT INTO site_secrets (name, value)
           VALUES ('feedback_client_salt',
                   encode(sha256(convert_to(gen_random_uuid()::text || gen_random_uuid()::text, 'UTF8')), 'hex'))"""
    )
    op.create_table(
        "feedback",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("project_id", sa.Integer, sa.ForeignKey("projects.id", ondelete="CASCADE"), nullable=False),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("geom", Geometry("POINT", srid=4326, spatial_index=False)),
        sa.Column("contact", sa.Text),
        sa.Column("state", sa.String(16), nullable=False, server_default="pending"),
        sa.Column("client_hash", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.Column("moderated_at", sa.DateTime(timezone=True)),
        sa.Column("moderated_by", sa.Integer, sa.ForeignKey("users.id", ondelete="SET NULL")),
        sa.Column("reply", sa.Text),
        sa.Column("reject_reason", sa.Text),
        sa.CheckConstraint("state IN ('pending', 'approved', 'rejected')", name="feedback_state_check"),
        sa.CheckConstraint("char_length(body) BETWEEN 1 AND 2000", name="feedback_body_length_check"),
        sa.CheckConstraint("char_length(contact) <= 200", name="feedback_contact_length_check"),
        sa.CheckConstraint(
            "state <> 'rejected' OR coalesce(btrim(reject_reason), '') <> ''", name="feedback_reject_reason_check"
        ),
    )
    op.create_index("feedback_project_state_idx", "feedback", ["project_id", "state", "created_at"])
    op.create_index("feedback_state_idx", "feedback", ["state", "created_at"])
    op.create_index("feedback_client_idx", "feedback", ["client_hash", "created_at"])


def downgrade() -> None:
    op.drop_table("feedback")
    op.drop_table("site_secrets")
