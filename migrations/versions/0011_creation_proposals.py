"""Proposals for new projects: review before publishing covers creating, not only changing.

In a town that requires review, an official's new project used to be published at once (a red
team found it: issue 15 item 1). A proposal for a project that does not exist yet has no
`project_id` until a planner approves it, so the column becomes nullable; the check keeps
every other proposal tied to its project. On approval the proposal is linked to the project it
created.

Downgrading deletes pending and rejected proposals for new projects (the old schema cannot
hold them); approved ones are linked to their projects and kept.

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-30
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CHECK = "project_proposals_target_check"


def upgrade() -> None:
    op.alter_column("project_proposals", "project_id", nullable=True)
    op.create_check_constraint(CHECK, "project_proposals", "project_id IS NOT NULL OR patch->>'kind' = 'create'")


def downgrade() -> None:
    op.execute("DELETE FROM project_proposals WHERE project_id IS NULL")
    op.drop_constraint(CHECK, "project_proposals", type_="check")
    op.alter_column("project_proposals", "project_id", nullable=False)
