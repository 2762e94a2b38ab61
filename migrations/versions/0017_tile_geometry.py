"""Towns and county outline stored in Web Mercator for the vector tiles (issue 23).

Every tile carries the towns and the county outline as its frame layers. Filters never change
them, yet each tile transformed their polygons from EPSG:4326 to EPSG:3857 before clipping:
about a third of a z=10 tile's database time. The frame now has its Web Mercator copy stored
beside the original, as a generated column (`ST_Transform` is immutable), so PostgreSQL keeps it
equal to the source on every insert and update (the catalog loader's upserts, `planmap towns`)
and no code has to remember to. Each copy has its own GiST index: a tile finds its frame with
`area_3857 && <tile envelope>`, in the tile's own coordinates, with nothing transformed.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-01
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

FRAME = (("towns", "area", "area_3857"), ("county_boundary", "geom", "geom_3857"))


def upgrade() -> None:
    for table, source, stored in FRAME:
        op.execute(
            f"ALTER TABLE {table} ADD COLUMN {stored} geometry(MultiPolygon, 3857) "
            f"GENERATED ALWAYS AS (ST_Transform({source}, 3857)) STORED"
        )
        op.execute(f"CREATE INDEX {table}_{stored}_gist ON {table} USING gist ({stored})")


def downgrade() -> None:
    for table, _source, stored in FRAME:
        op.execute(f"DROP INDEX {table}_{stored}_gist")
        op.execute(f"ALTER TABLE {table} DROP COLUMN {stored}")
