"""Initial schema: vocabularies, county boundary, towns, projects, audit log.

Revision ID: 0001
Revises:
Create Date: 2026-11-26
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from geoalchemy2 import Geometry
from sqlalchemy.dialects.postgresql import ARRAY, JSONB

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Frozen copy of the vocabularies as of this revision (later revisions add rows, never
# import app code, so that replaying history always gives the same database).
STATUSES = [
    ("planned", "规划", "Planned", 10),
    ("preparing", "前期工作", "Preparing", 20),
    ("under_construction", "在建", "Under construction", 30),
    ("completed", "建成", "Completed", 40),
    ("existing", "现有", "Existing", 50),
    ("suspended", "暂停", "Suspended", 60),
]
CATEGORIES = [
    ("road", "公路", "Roads"),
    ("rail", "铁路", "Railways"),
    ("transport_hub", "交通枢纽", "Transport hubs"),
    ("waterway", "航道", "Waterways"),
    ("energy", "能源", "Energy"),
    ("water", "水利", "Water works"),
    ("industrial_park", "产业园区", "Industrial parks"),
    ("commerce", "商贸物流", "Commerce and logistics"),
    ("agriculture", "现代农业", "Agriculture"),
    ("tourism", "旅游", "Tourism"),
    ("greenway", "碧道", "Greenways"),
    ("rural_revitalization", "乡村振兴", "Rural revitalization"),
    ("urban_development", "城市建设", "Urban development"),
    ("park", "公园", "Parks"),
    ("heritage", "文物古迹与红色文化", "Heritage and red culture"),
    ("nature_reserve", "自然保护地", "Nature reserves"),
    ("environment", "环境设施", "Environmental facilities"),
    ("education", "教育", "Education"),
    ("health", "医疗卫生", "Health"),
    ("sports", "体育", "Sports"),
    ("culture", "文化设施", "Cultural facilities"),
    ("emergency", "应急", "Emergency services"),
    ("social_welfare", "社会福利", "Social welfare"),
    ("relocation", "移民搬迁", "Relocation"),
    ("telecom", "信息基础设施", "Telecommunications"),
]


def upgrade() -> None:
    op.execute("CREATE EXTENSION IF NOT EXISTS postgis")

    statuses = op.create_table(
        "project_statuses",
        sa.Column("code", sa.String(32), primary_key=True),
        sa.Column("label_zh", sa.Text, nullable=False),
        sa.Column("label_en", sa.Text, nullable=False),
        sa.Column("sort_order", sa.SmallInteger, nullable=False),
    )
    categories = op.create_table(
        "project_categories",
        sa.Column("code", sa.String(32), primary_key=True),
        sa.Column("label_zh", sa.Text, nullable=False),
        sa.Column("label_en", sa.Text, nullable=False),
    )
    op.bulk_insert(
        statuses, [dict(zip(("code", "label_zh", "label_en", "sort_order"), s, strict=True)) for s in STATUSES]
    )
    op.bulk_insert(categories, [dict(zip(("code", "label_zh", "label_en"), c, strict=True)) for c in CATEGORIES])

    op.create_table(
        "county_boundary",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("adcode", sa.String(12), nullable=False, unique=True),
        sa.Column("name_zh", sa.Text, nullable=False),
        sa.Column("name_en", sa.Text, nullable=False),
        sa.Column("geom", Geometry("MULTIPOLYGON", srid=4326, spatial_index=False), nullable=False),
        sa.Column("source", sa.Text, nullable=False),
        sa.Column("crs_note", sa.Text, nullable=False),
    )
    op.create_index("county_boundary_geom_gist", "county_boundary", ["geom"], postgresql_using="gist")

    op.create_table(
        "towns",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("slug", sa.String(40), nullable=False, unique=True),
        sa.Column("name_zh", sa.Text, nullable=False),
        sa.Column("name_en", sa.Text, nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("seat", Geometry("POINT", srid=4326, spatial_index=False), nullable=False),
        sa.Column("seat_source", sa.Text, nullable=False),
        sa.Column("area", Geometry("MULTIPOLYGON", srid=4326, spatial_index=False), nullable=True),
        sa.Column("area_source", sa.Text),
        sa.Column("area_precision", sa.String(16), nullable=False, server_default="approximate"),
        sa.CheckConstraint("area_precision IN ('official', 'approximate')", name="towns_area_precision_check"),
        sa.CheckConstraint("kind IN ('town', 'ethnic_township')", name="towns_kind_check"),
    )
    op.create_index("towns_area_gist", "towns", ["area"], postgresql_using="gist")

    op.create_table(
        "projects",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("slug", sa.String(120), nullable=False, unique=True),
        sa.Column("name_zh", sa.Text, nullable=False),
        sa.Column("name_en", sa.Text, nullable=False),
        sa.Column("aliases", ARRAY(sa.Text), nullable=False, server_default="{}"),
        sa.Column("category", sa.String(32), sa.ForeignKey("project_categories.code"), nullable=False),
        sa.Column("status", sa.String(32), sa.ForeignKey("project_statuses.code"), nullable=False),
        sa.Column("status_basis", sa.Text),
        sa.Column("geom", Geometry("GEOMETRY", srid=4326, spatial_index=False), nullable=False),
        sa.Column("location_precision", sa.String(16), nullable=False),
        sa.Column("location_note", sa.Text, nullable=False),
        sa.Column("plan_chapter", sa.Text),
        sa.Column("plan_section", sa.Text),
        sa.Column("source_quote", sa.Text, nullable=False),
        sa.Column("figures", JSONB, nullable=False, server_default="{}"),
        sa.Column("start_year", sa.SmallInteger),
        sa.Column("end_year", sa.SmallInteger),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.Column("version", sa.Integer, nullable=False, server_default="1"),
        sa.Column("seeded_version", sa.Integer),
        sa.CheckConstraint(
            "location_precision IN ('surveyed', 'approximate', 'town')",
            name="projects_location_precision_check",
        ),
        sa.CheckConstraint("slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$'", name="projects_slug_check"),
        sa.CheckConstraint(
            "end_year IS NULL OR start_year IS NULL OR end_year >= start_year", name="projects_years_check"
        ),
        sa.CheckConstraint("ST_SRID(geom) = 4326 AND ST_IsValid(geom)", name="projects_geom_valid_check"),
    )
    op.create_index("projects_geom_gist", "projects", ["geom"], postgresql_using="gist")
    op.create_index("projects_status_idx", "projects", ["status"])
    op.create_index("projects_category_idx", "projects", ["category"])

    op.create_table(
        "project_towns",
        sa.Column("project_id", sa.Integer, sa.ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("town_id", sa.Integer, sa.ForeignKey("towns.id", ondelete="RESTRICT"), primary_key=True),
    )
    op.create_index("project_towns_town_idx", "project_towns", ["town_id"])

    op.create_table(
        "audit_log",
        sa.Column("id", sa.BigInteger, primary_key=True),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.Column("actor", sa.Text, nullable=False),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("object_type", sa.String(32), nullable=False),
        sa.Column("object_key", sa.Text, nullable=False),
        sa.Column("changes", JSONB, nullable=False, server_default="{}"),
    )
    op.create_index("audit_log_object_idx", "audit_log", ["object_type", "object_key", "occurred_at"])


def downgrade() -> None:
    for table in ("audit_log", "project_towns", "projects", "towns", "county_boundary"):
        op.drop_table(table)
    op.drop_table("project_categories")
    op.drop_table("project_statuses")
