"""Geography GiST index on projects, so distance queries in metres use an index.

`ST_DWithin(geom::geography, point::geography, r)` measures true metres on the ellipsoid;
without an index on the same expression PostgreSQL would compute it for every row.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute("CREATE INDEX projects_geog_gist ON projects USING gist ((geom::geography))")


def downgrade() -> None:
    op.execute("DROP INDEX projects_geog_gist")
