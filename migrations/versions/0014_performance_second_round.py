"""Index the self-referencing foreign key `projects.merged_into_id` (issue 23).

Deleting a project makes PostgreSQL check that no project is merged into it (the foreign
key `projects_merged_into_fk`, 0004). Every other foreign key to `projects` has an index
leading with its column; this one had none, so each deleted row read the whole table:
`planmap dev synth --wipe` of 100,000 synthetic projects ran for 12 minutes before it was
stopped (100,000 deletions × 100,000 rows). Merged projects are rare, so the index is
partial: it holds only the rows that point somewhere, and the check is one index probe.

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-30
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "projects_merged_into_idx",
        "projects",
        ["merged_into_id"],
        postgresql_where=sa.text("merged_into_id IS NOT NULL"),
    )


def downgrade() -> None:
    op.drop_index("projects_merged_into_idx", table_name="projects")
