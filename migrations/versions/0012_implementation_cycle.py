"""The implementation cycle: responsible units, annual programmes, monthly progress reports, photos.

The plan's last chapter says how it is carried out: "组织协调市各有关部门和各乡镇按照职能分工"
(departments *and* towns, by function), "纳入全市经济社会发展年度计划" (the annual plan), checked
yearly. So:

- `units`: who is responsible for a project. Every town is a unit (kept in step with `towns` by
  a trigger, because towns are loaded after migrating); departments are added by planners. No
  department is seeded: the plan names none by name (it says "市各有关部门", "职能部门" and
  "统计、审计等部门" only), and planmap never invents a county's org chart. A town unit's review
  setting stays in `towns.review_required` (its one home); `units.review_required` is for
  departments.
- `project_units`: a project's lead unit (at most one) and others; `user_units`: the departments
  an official belongs to (their towns stay in `user_towns`).
- `annual_programmes` / `programme_items` (年度计划): for a year, which projects, each with its class
  (新开工 new_start / 续建 continuing / 竣工 completion / 预备 preparatory), planned investment for
  the year (万元) and the year's target in words (形象进度目标). One programme per year, belonging
  to a plan.
- `progress_reports`: per project and month, a version chain; a correction is a new version with
  its reason, never an overwrite. Only investment *for the month* is stored: cumulative totals
  are computed. `state` is pending until a planner approves where the unit requires review.
- `progress_photos` (re-encoded, EXIF-free files under PLANMAP_DATA_DIR, named by their SHA-256)
  and `report_photos` linking them to report versions (a correction may keep earlier photos).

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-30
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from geoalchemy2 import Geometry

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TOWN_UNIT_SOURCE = "连州市十四五规划:“组织协调市各有关部门和各乡镇按照职能分工”(各乡镇)"


def _now() -> sa.TextClause:
    return sa.text("now()")


def upgrade() -> None:
    op.create_table(
        "units",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("slug", sa.String(60), nullable=False, unique=True),
        sa.Column("name_zh", sa.Text, nullable=False),
        sa.Column("name_en", sa.Text, nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("town_id", sa.Integer, sa.ForeignKey("towns.id", ondelete="CASCADE"), unique=True),
        sa.Column("review_required", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("source", sa.Text, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=_now()),
        sa.CheckConstraint("slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$'", name="units_slug_check"),
        sa.CheckConstraint("kind IN ('town', 'department')", name="units_kind_check"),
        sa.CheckConstraint("(kind = 'town') = (town_id IS NOT NULL)", name="units_town_check"),
        sa.CheckConstraint("kind = 'department' OR NOT review_required", name="units_review_check"),
        sa.CheckConstraint("btrim(source) <> ''", name="units_source_check"),
    )
    op.execute(
        f"""CREATE FUNCTION units_follow_towns() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
              INSERT INTO units (slug, name_zh, name_en, kind, town_id, source)
              VALUES (NEW.slug, NEW.name_zh, NEW.name_en, 'town', NEW.id, '{TOWN_UNIT_SOURCE}')
              ON CONFLICT (town_id) DO UPDATE
                SET slug = EXCLUDED.slug, name_zh = EXCLUDED.name_zh, name_en = EXCLUDED.name_en;
              RETURN NULL;
            END $$"""
    )
    op.execute(
        "CREATE TRIGGER towns_units AFTER INSERT OR UPDATE OF slug, name_zh, name_en ON towns "
        "FOR EACH ROW EXECUTE FUNCTION units_follow_towns()"
    )
    op.execute(
        f"""INSERT INTO units (slug, name_zh, name_en, kind, town_id, source)
            SELECT slug, name_zh, name_en, 'town', id, '{TOWN_UNIT_SOURCE}' FROM towns ORDER BY id"""
    )

    op.create_table(
        "project_units",
        sa.Column("project_id", sa.Integer, sa.ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("unit_id", sa.Integer, sa.ForeignKey("units.id", ondelete="RESTRICT"), primary_key=True),
        sa.Column("is_lead", sa.Boolean, nullable=False, server_default=sa.false()),
    )
    op.create_index("project_units_unit_idx", "project_units", ["unit_id"])
    op.create_index(
        "project_units_one_lead_idx", "project_units", ["project_id"], unique=True, postgresql_where=sa.text("is_lead")
    )
    op.create_table(
        "user_units",
        sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("unit_id", sa.Integer, sa.ForeignKey("units.id", ondelete="CASCADE"), primary_key=True),
    )

    op.create_table(
        "annual_programmes",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("plan_id", sa.Integer, sa.ForeignKey("plans.id", ondelete="RESTRICT"), nullable=False),
        sa.Column("year", sa.SmallInteger, nullable=False, unique=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=_now()),
        sa.Column("created_by", sa.Integer, sa.ForeignKey("users.id", ondelete="SET NULL")),
    )
    op.create_table(
        "programme_items",
        sa.Column(
            "programme_id", sa.Integer, sa.ForeignKey("annual_programmes.id", ondelete="CASCADE"), primary_key=True
        ),
        sa.Column("project_id", sa.Integer, sa.ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("class", sa.String(16), nullable=False),
        sa.Column("planned_investment_cny_10k", sa.Numeric(14, 2)),
        sa.Column("target", sa.Text, nullable=False, server_default=""),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False, server_default=_now()),
        sa.CheckConstraint(
            "class IN ('new_start', 'continuing', 'completion', 'preparatory')", name="programme_items_class_check"
        ),
        sa.CheckConstraint("coalesce(planned_investment_cny_10k, 0) >= 0", name="programme_items_investment_check"),
    )
    op.create_index("programme_items_project_idx", "programme_items", ["project_id"])

    op.create_table(
        "progress_reports",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("project_id", sa.Integer, sa.ForeignKey("projects.id", ondelete="CASCADE"), nullable=False),
        sa.Column(
            "programme_id", sa.Integer, sa.ForeignKey("annual_programmes.id", ondelete="RESTRICT"), nullable=False
        ),
        sa.Column("month", sa.Date, nullable=False),
        sa.Column("version", sa.SmallInteger, nullable=False),
        sa.Column("invested_cny_10k", sa.Numeric(14, 2), nullable=False),
        sa.Column("progress_pct", sa.Numeric(5, 2), nullable=False),
        sa.Column("milestones", sa.Text, nullable=False, server_default=""),
        sa.Column("work_done", sa.Text, nullable=False, server_default=""),
        sa.Column("problems", sa.Text, nullable=False, server_default=""),
        sa.Column("coordination", sa.Text, nullable=False, server_default=""),
        sa.Column("correction_reason", sa.Text),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("submitted_by", sa.Integer, sa.ForeignKey("users.id", ondelete="SET NULL")),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=False, server_default=_now()),
        sa.Column("reviewed_by", sa.Integer, sa.ForeignKey("users.id", ondelete="SET NULL")),
        sa.Column("reviewed_at", sa.DateTime(timezone=True)),
        sa.Column("review_reason", sa.Text),
        sa.UniqueConstraint("project_id", "month", "version", name="progress_reports_version_key"),
        sa.CheckConstraint("extract(day FROM month) = 1", name="progress_reports_month_check"),
        sa.CheckConstraint("version >= 1", name="progress_reports_version_check"),
        sa.CheckConstraint("invested_cny_10k >= 0", name="progress_reports_investment_check"),
        sa.CheckConstraint("progress_pct BETWEEN 0 AND 100", name="progress_reports_progress_check"),
        sa.CheckConstraint(
            "(version = 1) = (correction_reason IS NULL) AND coalesce(btrim(correction_reason), 'x') <> ''",
            name="progress_reports_correction_check",
        ),
        sa.CheckConstraint("state IN ('pending', 'approved', 'rejected')", name="progress_reports_state_check"),
        sa.CheckConstraint(
            "state <> 'rejected' OR coalesce(btrim(review_reason), '') <> ''", name="progress_reports_reject_check"
        ),
    )
    op.create_index("progress_reports_pending_idx", "progress_reports", ["submitted_at"],
                    postgresql_where=sa.text("state = 'pending'"))  # fmt: skip

    op.create_table(
        "progress_photos",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("project_id", sa.Integer, sa.ForeignKey("projects.id", ondelete="CASCADE"), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("bytes", sa.Integer, nullable=False),
        sa.Column("width", sa.Integer, nullable=False),
        sa.Column("height", sa.Integer, nullable=False),
        sa.Column("caption", sa.Text, nullable=False, server_default=""),
        sa.Column("location", Geometry("POINT", srid=4326, spatial_index=False)),
        sa.Column("location_accuracy_m", sa.Float),
        sa.Column("uploaded_by", sa.Integer, sa.ForeignKey("users.id", ondelete="SET NULL")),
        sa.Column("uploaded_at", sa.DateTime(timezone=True), nullable=False, server_default=_now()),
        sa.CheckConstraint("sha256 ~ '^[0-9a-f]{64}$'", name="progress_photos_sha256_check"),
        sa.CheckConstraint("location_accuracy_m IS NULL OR location_accuracy_m >= 0", name="progress_photos_acc_check"),
    )
    op.create_index("progress_photos_project_idx", "progress_photos", ["project_id"])
    op.create_table(
        "report_photos",
        sa.Column("report_id", sa.Integer, sa.ForeignKey("progress_reports.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("photo_id", sa.Integer, sa.ForeignKey("progress_photos.id", ondelete="RESTRICT"), primary_key=True),
    )
    op.create_index("report_photos_photo_idx", "report_photos", ["photo_id"])


def downgrade() -> None:
    op.drop_table("report_photos")
    op.drop_table("progress_photos")
    op.drop_table("progress_reports")
    op.drop_table("programme_items")
    op.drop_table("annual_programmes")
    op.drop_table("user_units")
    op.drop_table("project_units")
    op.execute("DROP TRIGGER towns_units ON towns")
    op.execute("DROP FUNCTION units_follow_towns()")
    op.drop_table("units")
