"""Accounts, roles scoped to towns, API tokens, soft delete, and dated status events.

The audit log becomes the project history as well: each row may name the user who
wrote it, the project version it produced and a note, so one table answers both
"who changed what" and "what did this project look like before".

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("username", sa.String(64), nullable=False, unique=True),
        sa.Column("display_name", sa.Text, nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("password_hash", sa.Text, nullable=False),
        sa.Column("is_active", sa.Boolean, nullable=False, server_default=sa.true()),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.CheckConstraint("role IN ('admin', 'planner', 'official')", name="users_role_check"),
        sa.CheckConstraint("username ~ '^[a-z0-9][a-z0-9._-]{1,63}$'", name="users_username_check"),
    )
    op.create_table(
        "user_towns",
        sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("town_id", sa.Integer, sa.ForeignKey("towns.id", ondelete="CASCADE"), primary_key=True),
    )
    op.create_table(
        "auth_tokens",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True)),
    )
    op.create_index("auth_tokens_user_idx", "auth_tokens", ["user_id"])

    op.add_column("projects", sa.Column("deleted_at", sa.DateTime(timezone=True)))
    op.create_index("projects_live_idx", "projects", ["slug"], postgresql_where=sa.text("deleted_at IS NULL"))

    op.add_column("audit_log", sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id", ondelete="SET NULL")))
    op.add_column("audit_log", sa.Column("object_version", sa.Integer))
    op.add_column("audit_log", sa.Column("note", sa.Text))

    op.create_table(
        "status_events",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("project_id", sa.Integer, sa.ForeignKey("projects.id", ondelete="CASCADE"), nullable=False),
        sa.Column("status", sa.String(32), sa.ForeignKey("project_statuses.code"), nullable=False),
        sa.Column("effective_date", sa.Date, nullable=False),
        sa.Column("note", sa.Text),
        sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id", ondelete="SET NULL")),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
    )
    op.create_index("status_events_project_idx", "status_events", ["project_id", "effective_date"])


def downgrade() -> None:
    op.drop_table("status_events")
    op.drop_column("audit_log", "note")
    op.drop_column("audit_log", "object_version")
    op.drop_column("audit_log", "user_id")
    op.drop_index("projects_live_idx", table_name="projects")
    op.drop_column("projects", "deleted_at")
    op.drop_table("auth_tokens")
    op.drop_table("user_towns")
    op.drop_table("users")
