"""Index for the sensitive branch of `projects_public`, so public reads stay indexed at scale.

`projects_public` (0004) is a UNION ALL of the non-sensitive projects and the sensitive
ones moved to their town seat. A spatial or slug filter reaches the first branch's
indexes, but the second branch (`WHERE p.sensitive`) had none and read the whole table on
every request: with a million projects (`planmap dev synth`) a small-bbox page took 1.4 s
instead of 1.5 ms (bench/NOTES.md). Sensitive projects are few, so a partial index on
them is tiny and turns that scan into an index lookup.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-26
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("projects_sensitive_idx", "projects", ["id"], postgresql_where=sa.text("sensitive"))


def downgrade() -> None:
    op.drop_index("projects_sensitive_idx", table_name="projects")
