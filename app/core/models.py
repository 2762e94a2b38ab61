"""ORM mapping of the planmap schema.

The schema itself is owned by the Alembic migrations in `migrations/`; these classes
mirror it for typed access and must be kept in step (a test compares them).
"""

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from geoalchemy2 import Geometry
from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    Computed,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    SmallInteger,
    String,
    Table,
    Text,
    UniqueConstraint,
    false,
    func,
    text,
    true,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


class Base(DeclarativeBase):
    pass


class ProjectStatus(Base):
    """Lookup table: the statuses a project can have, with labels for both languages."""

    __tablename__ = "project_statuses"
    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    label_zh: Mapped[str] = mapped_column(Text)
    label_en: Mapped[str] = mapped_column(Text)
    sort_order: Mapped[int] = mapped_column(SmallInteger)


class ProjectCategory(Base):
    """Lookup table: project categories, with labels for both languages."""

    __tablename__ = "project_categories"
    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    label_zh: Mapped[str] = mapped_column(Text)
    label_en: Mapped[str] = mapped_column(Text)


class CountyBoundary(Base):
    __tablename__ = "county_boundary"
    __table_args__ = (
        Index("county_boundary_geom_gist", "geom", postgresql_using="gist"),
        Index("county_boundary_geom_3857_gist", "geom_3857", postgresql_using="gist"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    adcode: Mapped[str] = mapped_column(String(12), unique=True)
    name_zh: Mapped[str] = mapped_column(Text)
    name_en: Mapped[str] = mapped_column(Text)
    geom: Mapped[Any] = mapped_column(Geometry("MULTIPOLYGON", srid=4326, spatial_index=False))
    source: Mapped[str] = mapped_column(Text)
    crs_note: Mapped[str] = mapped_column(Text)
    # The outline in Web Mercator for the vector tiles, kept equal to `geom` by PostgreSQL (0018).
    geom_3857: Mapped[Any] = mapped_column(
        Geometry("MULTIPOLYGON", srid=3857, spatial_index=False), Computed("ST_Transform(geom, 3857)", persisted=True)
    )


project_towns = Table(
    "project_towns",
    Base.metadata,
    Column("project_id", ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True),
    Column("town_id", ForeignKey("towns.id", ondelete="RESTRICT"), primary_key=True),
    Index("project_towns_town_idx", "town_id"),
)


class Town(Base):
    __tablename__ = "towns"
    __table_args__ = (
        CheckConstraint("area_precision IN ('official', 'approximate')", name="towns_area_precision_check"),
        CheckConstraint("kind IN ('town', 'ethnic_township')", name="towns_kind_check"),
        Index("towns_area_gist", "area", postgresql_using="gist"),
        Index("towns_area_3857_gist", "area_3857", postgresql_using="gist"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(40), unique=True)
    name_zh: Mapped[str] = mapped_column(Text)
    name_en: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(20))
    seat: Mapped[Any] = mapped_column(Geometry("POINT", srid=4326, spatial_index=False))
    seat_source: Mapped[str] = mapped_column(Text)
    area: Mapped[Any] = mapped_column(Geometry("MULTIPOLYGON", srid=4326, spatial_index=False), nullable=True)
    area_source: Mapped[str | None] = mapped_column(Text)
    area_precision: Mapped[str] = mapped_column(String(16))
    # The area in Web Mercator for the vector tiles, kept equal to `area` by PostgreSQL (0018).
    area_3857: Mapped[Any] = mapped_column(
        Geometry("MULTIPOLYGON", srid=3857, spatial_index=False),
        Computed("ST_Transform(area, 3857)", persisted=True),
        nullable=True,
    )
    review_required: Mapped[bool] = mapped_column(Boolean, server_default=false())


class Project(Base):
    __tablename__ = "projects"
    __table_args__ = (
        CheckConstraint(
            "location_precision IN ('surveyed', 'approximate', 'town')",
            name="projects_location_precision_check",
        ),
        CheckConstraint("slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$'", name="projects_slug_check"),
        CheckConstraint(
            "end_year IS NULL OR start_year IS NULL OR end_year >= start_year", name="projects_years_check"
        ),
        CheckConstraint("ST_SRID(geom) = 4326 AND ST_IsValid(geom)", name="projects_geom_valid_check"),
        CheckConstraint(
            "status NOT IN ('postponed', 'cancelled', 'merged') OR coalesce(btrim(status_reason), '') <> ''",
            name="projects_status_reason_check",
        ),
        CheckConstraint("(status = 'merged') = (merged_into_id IS NOT NULL)", name="projects_merged_check"),
        CheckConstraint(
            "coalesce(planned_investment_cny_100m, 0) >= 0 AND coalesce(actual_spend_cny_100m, 0) >= 0",
            name="projects_money_check",
        ),
        Index("projects_geom_gist", "geom", postgresql_using="gist"),
        Index("projects_geog_gist", text("(geom::geography)"), postgresql_using="gist"),
        Index("projects_status_idx", "status"),
        Index("projects_category_idx", "category"),
        Index("projects_live_idx", "slug", postgresql_where=text("deleted_at IS NULL")),
        Index("projects_deleted_idx", "id", postgresql_where=text("deleted_at IS NOT NULL")),
        Index("projects_sensitive_idx", "id", postgresql_where=text("sensitive")),
        # The self-referencing foreign key's index (0012): without it each deleted project scanned the table.
        Index("projects_merged_into_idx", "merged_into_id", postgresql_where=text("merged_into_id IS NOT NULL")),
        # The geometries a low-zoom tile draws whole rather than counts (0019, app.queries.tiles): at least a z=10
        # grid cell wide, and at least a z=7 cell wide.
        Index(
            "projects_tile_large_idx",
            "geom",
            postgresql_using="gist",
            postgresql_where=text("tile_extent(geom) >= (40075016.685578488 / 8192)"),
        ),
        Index(
            "projects_tile_huge_idx",
            "geom",
            postgresql_using="gist",
            postgresql_where=text("tile_extent(geom) >= (40075016.685578488 / 1024)"),
        ),
        CheckConstraint("info_precision IN ('day', 'month', 'year')", name="projects_info_precision_check"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(120), unique=True)
    name_zh: Mapped[str] = mapped_column(Text)
    name_en: Mapped[str] = mapped_column(Text)
    aliases: Mapped[list[str]] = mapped_column(ARRAY(Text), server_default="{}")
    category: Mapped[str] = mapped_column(ForeignKey("project_categories.code"))
    status: Mapped[str] = mapped_column(ForeignKey("project_statuses.code"))
    status_basis: Mapped[str | None] = mapped_column(Text)
    geom: Mapped[Any] = mapped_column(Geometry("GEOMETRY", srid=4326, spatial_index=False))
    location_precision: Mapped[str] = mapped_column(String(16))
    location_note: Mapped[str] = mapped_column(Text)
    plan_chapter: Mapped[str | None] = mapped_column(Text)
    plan_section: Mapped[str | None] = mapped_column(Text)
    source_quote: Mapped[str] = mapped_column(Text)
    figures: Mapped[dict[str, float]] = mapped_column(JSONB, server_default="{}")
    start_year: Mapped[int | None] = mapped_column(SmallInteger)
    end_year: Mapped[int | None] = mapped_column(SmallInteger)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    version: Mapped[int] = mapped_column(Integer, server_default="1")
    seeded_version: Mapped[int | None] = mapped_column(Integer)
    deleted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    status_reason: Mapped[str | None] = mapped_column(Text)
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("projects.id", name="projects_merged_into_fk"))
    planned_start: Mapped[date | None] = mapped_column(Date)
    planned_end: Mapped[date | None] = mapped_column(Date)
    planned_investment_cny_100m: Mapped[Decimal | None] = mapped_column(Numeric(14, 4))
    actual_start: Mapped[date | None] = mapped_column(Date)
    actual_end: Mapped[date | None] = mapped_column(Date)
    actual_spend_cny_100m: Mapped[Decimal | None] = mapped_column(Numeric(14, 4))
    sensitive: Mapped[bool] = mapped_column(Boolean, server_default=false())
    # 资料截至: when the information dates from, to `info_precision` (set by a trigger, migration 0010).
    info_date: Mapped[date] = mapped_column(Date)
    info_precision: Mapped[str] = mapped_column(String(5))
    location_note_zh: Mapped[str | None] = mapped_column(Text)  # NULL until the catalog writes one
    towns: Mapped[list[Town]] = relationship(secondary=project_towns, order_by=Town.slug)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 (SQLAlchemy reads it as a class attribute)


class AuditLog(Base):
    """Append-only record of every write, by whom (a user, or `seed` / `import`)."""

    __tablename__ = "audit_log"
    __table_args__ = (Index("audit_log_object_idx", "object_type", "object_key", "occurred_at"),)
    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    occurred_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    actor: Mapped[str] = mapped_column(Text)
    action: Mapped[str] = mapped_column(String(32))
    object_type: Mapped[str] = mapped_column(String(32))
    object_key: Mapped[str] = mapped_column(Text)
    changes: Mapped[dict[str, Any]] = mapped_column(JSONB, server_default="{}")
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    object_version: Mapped[int | None] = mapped_column(Integer)
    note: Mapped[str | None] = mapped_column(Text)


user_towns = Table(
    "user_towns",
    Base.metadata,
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("town_id", ForeignKey("towns.id", ondelete="CASCADE"), primary_key=True),
)


class User(Base):
    """A staff account. Officials edit only the projects of the towns assigned to them."""

    __tablename__ = "users"
    __table_args__ = (
        CheckConstraint("role IN ('admin', 'planner', 'official')", name="users_role_check"),
        CheckConstraint("username ~ '^[a-z0-9][a-z0-9._-]{1,63}$'", name="users_username_check"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(Text)
    role: Mapped[str] = mapped_column(String(16))
    password_hash: Mapped[str] = mapped_column(Text)
    is_active: Mapped[bool] = mapped_column(Boolean, server_default=true())
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class AuthToken(Base):
    """An opaque bearer token, stored only as its SHA-256 so a database leak yields no usable token."""

    __tablename__ = "auth_tokens"
    __table_args__ = (Index("auth_tokens_user_idx", "user_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class StatusEvent(Base):
    """A dated change of status, kept as a timeline rather than only the latest value."""

    __tablename__ = "status_events"
    __table_args__ = (Index("status_events_project_idx", "project_id", "effective_date"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(32), ForeignKey("project_statuses.code"))
    effective_date: Mapped[date] = mapped_column(Date)
    note: Mapped[str | None] = mapped_column(Text)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    reason: Mapped[str | None] = mapped_column(Text)


class ProjectVersion(Base):
    """Every version of every project and when it was the record; written by a trigger."""

    __tablename__ = "project_versions"
    __table_args__ = (Index("project_versions_span_idx", "id", "valid_from"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    slug: Mapped[str | None] = mapped_column(String(120))
    name_zh: Mapped[str | None] = mapped_column(Text)
    name_en: Mapped[str | None] = mapped_column(Text)
    aliases: Mapped[list[str] | None] = mapped_column(ARRAY(Text))
    category: Mapped[str | None] = mapped_column(String(32))
    status: Mapped[str | None] = mapped_column(String(32))
    status_basis: Mapped[str | None] = mapped_column(Text)
    geom: Mapped[Any] = mapped_column(Geometry("GEOMETRY", srid=4326, spatial_index=False), nullable=True)
    location_precision: Mapped[str | None] = mapped_column(String(16))
    location_note: Mapped[str | None] = mapped_column(Text)
    plan_chapter: Mapped[str | None] = mapped_column(Text)
    plan_section: Mapped[str | None] = mapped_column(Text)
    source_quote: Mapped[str | None] = mapped_column(Text)
    figures: Mapped[dict[str, float] | None] = mapped_column(JSONB)
    start_year: Mapped[int | None] = mapped_column(SmallInteger)
    end_year: Mapped[int | None] = mapped_column(SmallInteger)
    created_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    version: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    seeded_version: Mapped[int | None] = mapped_column(Integer)
    deleted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    status_reason: Mapped[str | None] = mapped_column(Text)
    merged_into_id: Mapped[int | None] = mapped_column(Integer)
    planned_start: Mapped[date | None] = mapped_column(Date)
    planned_end: Mapped[date | None] = mapped_column(Date)
    planned_investment_cny_100m: Mapped[Decimal | None] = mapped_column(Numeric(14, 4))
    actual_start: Mapped[date | None] = mapped_column(Date)
    actual_end: Mapped[date | None] = mapped_column(Date)
    actual_spend_cny_100m: Mapped[Decimal | None] = mapped_column(Numeric(14, 4))
    sensitive: Mapped[bool | None] = mapped_column(Boolean)
    info_date: Mapped[date | None] = mapped_column(Date)
    info_precision: Mapped[str | None] = mapped_column(String(5))
    valid_from: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    valid_to: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    location_note_zh: Mapped[str | None] = mapped_column(Text)  # 0013 added it after the span


class ProjectProposal(Base):
    """An official's edit held for a planner's review, in towns that require review.

    A proposed new project has no `project_id` until it is approved (migration 0011).
    """

    __tablename__ = "project_proposals"
    __table_args__ = (
        CheckConstraint("state IN ('pending', 'approved', 'rejected')", name="project_proposals_state_check"),
        CheckConstraint("project_id IS NOT NULL OR patch->>'kind' = 'create'", name="project_proposals_target_check"),
        Index("project_proposals_pending_idx", "project_id", postgresql_where=text("state = 'pending'")),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int | None] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    base_version: Mapped[int] = mapped_column(Integer)
    patch: Mapped[dict[str, Any]] = mapped_column(JSONB)
    note: Mapped[str | None] = mapped_column(Text)
    proposed_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    proposed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    state: Mapped[str] = mapped_column(String(16), server_default="pending")
    reviewed_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    reviewed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    review_reason: Mapped[str | None] = mapped_column(Text)


class SiteSecret(Base):
    """A random value every worker must agree on (e.g. the salt of feedback senders' hashes); made by migration."""

    __tablename__ = "site_secrets"
    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class Feedback(Base):
    """What a reader says about a project; shown only once approved, and never with its contact."""

    __tablename__ = "feedback"
    __table_args__ = (
        CheckConstraint("state IN ('pending', 'approved', 'rejected')", name="feedback_state_check"),
        # A rating (公众评价, 0014) may come without a comment; a message without a rating needs words.
        CheckConstraint(
            "char_length(body) <= 2000 AND (char_length(body) >= 1 OR rating IS NOT NULL)",
            name="feedback_body_length_check",
        ),
        CheckConstraint("rating BETWEEN 1 AND 5", name="feedback_rating_check"),
        CheckConstraint("char_length(contact) <= 200", name="feedback_contact_length_check"),
        CheckConstraint(
            "state <> 'rejected' OR coalesce(btrim(reject_reason), '') <> ''", name="feedback_reject_reason_check"
        ),
        Index("feedback_project_state_idx", "project_id", "state", "created_at"),
        Index("feedback_state_idx", "state", "created_at"),
        Index("feedback_client_idx", "client_hash", "created_at"),
        Index("feedback_rated_idx", "project_id", postgresql_where=text("rating IS NOT NULL")),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    body: Mapped[str] = mapped_column(Text)
    geom: Mapped[Any] = mapped_column(Geometry("POINT", srid=4326, spatial_index=False), nullable=True)
    contact: Mapped[str | None] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(16), server_default="pending")
    client_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    moderated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    moderated_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    reply: Mapped[str | None] = mapped_column(Text)
    reject_reason: Mapped[str | None] = mapped_column(Text)
    rating: Mapped[int | None] = mapped_column(SmallInteger)


class Plan(Base):
    """A plan with its period; dates carry their precision because the documents give only a month or a year."""

    __tablename__ = "plans"
    __table_args__ = (
        CheckConstraint("slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$'", name="plans_slug_check"),
        CheckConstraint("period_end >= period_start", name="plans_period_check"),
        CheckConstraint(
            "(adopted_on IS NULL) = (adopted_precision IS NULL) AND adopted_precision IN ('day', 'month', 'year')",
            name="plans_adopted_check",
        ),
        CheckConstraint(
            "(revised_on IS NULL) = (revised_precision IS NULL) AND revised_precision IN ('day', 'month', 'year')",
            name="plans_revised_check",
        ),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(60), unique=True)
    name_zh: Mapped[str] = mapped_column(Text)
    name_en: Mapped[str] = mapped_column(Text)
    period_start: Mapped[int] = mapped_column(SmallInteger)
    period_end: Mapped[int] = mapped_column(SmallInteger)
    adopted_on: Mapped[date | None] = mapped_column(Date)
    adopted_precision: Mapped[str | None] = mapped_column(String(5))
    revised_on: Mapped[date | None] = mapped_column(Date)
    revised_precision: Mapped[str | None] = mapped_column(String(5))
    source_document: Mapped[str] = mapped_column(Text)
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    closed_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    successor_id: Mapped[int | None] = mapped_column(ForeignKey("plans.id"))


class PlanProject(Base):
    """A project's place in one plan: role, where the plan names it, its baseline, and the decision at close."""

    __tablename__ = "plan_projects"
    __table_args__ = (
        CheckConstraint("role IN ('new', 'continuing')", name="plan_projects_role_check"),
        CheckConstraint(
            "decision IS NULL OR decision IN ('completed', 'continuing', 'dropped')",
            name="plan_projects_decision_check",
        ),
        CheckConstraint(
            "decision IS NULL OR decision = 'completed' OR coalesce(btrim(decision_reason), '') <> ''",
            name="plan_projects_decision_reason_check",
        ),
        Index("plan_projects_project_idx", "project_id"),
        # A summary read checks that no membership of its plan is dated after its day (0018).
        Index("plan_projects_added_idx", "plan_id", "added_at"),
    )
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id", ondelete="RESTRICT"), primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True)
    role: Mapped[str] = mapped_column(String(16), server_default="new")
    chapter: Mapped[str | None] = mapped_column(Text)
    section: Mapped[str | None] = mapped_column(Text)
    quote: Mapped[str | None] = mapped_column(Text)
    baseline_start_year: Mapped[int | None] = mapped_column(SmallInteger)
    baseline_end_year: Mapped[int | None] = mapped_column(SmallInteger)
    baseline_planned_start: Mapped[date | None] = mapped_column(Date)
    baseline_planned_end: Mapped[date | None] = mapped_column(Date)
    baseline_investment_cny_100m: Mapped[Decimal | None] = mapped_column(Numeric(14, 4))
    baseline_scope: Mapped[dict[str, Any]] = mapped_column(JSONB, server_default="{}")
    added_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    decision: Mapped[str | None] = mapped_column(String(16))
    decision_reason: Mapped[str | None] = mapped_column(Text)
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


class ProjectRevision(Base):
    """A dated change of a baselined value with its reason: the baseline itself is never overwritten."""

    __tablename__ = "project_revisions"
    __table_args__ = (
        CheckConstraint(
            "field IN ('planned_start', 'planned_end', 'planned_investment_cny_100m', 'start_year', 'end_year', "
            "'figures')",
            name="project_revisions_field_check",
        ),
        CheckConstraint("btrim(reason) <> ''", name="project_revisions_reason_check"),
        Index("project_revisions_project_idx", "project_id", "recorded_at"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id", ondelete="RESTRICT"))
    field: Mapped[str] = mapped_column(String(40))
    baseline_value: Mapped[Any] = mapped_column(JSONB, nullable=True)
    previous_value: Mapped[Any] = mapped_column(JSONB, nullable=True)
    revised_value: Mapped[Any] = mapped_column(JSONB, nullable=True)
    revised_on: Mapped[date] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(Text)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class RateLimit(Base):
    """Shared rate-limit state of one key (a scope and an HMAC, never a username or address): core/ratelimit.py."""

    __tablename__ = "rate_limits"
    __table_args__ = (
        CheckConstraint("hits >= 0", name="rate_limits_hits_check"),
        Index("rate_limits_expires_idx", "expires_at"),
    )
    key: Mapped[str] = mapped_column(Text, primary_key=True)
    hits: Mapped[int] = mapped_column(Integer, server_default="0")
    stamps: Mapped[list[datetime]] = mapped_column(
        ARRAY(DateTime(timezone=True)), server_default=text("'{}'::timestamptz[]")
    )
    last_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class Unit(Base):
    """A responsible unit: a town (kept in step with `towns` by a trigger) or a department a planner added."""

    __tablename__ = "units"
    __table_args__ = (
        CheckConstraint("slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$'", name="units_slug_check"),
        CheckConstraint("kind IN ('town', 'department')", name="units_kind_check"),
        CheckConstraint("(kind = 'town') = (town_id IS NOT NULL)", name="units_town_check"),
        CheckConstraint("kind = 'department' OR NOT review_required", name="units_review_check"),
        CheckConstraint("btrim(source) <> ''", name="units_source_check"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(60), unique=True)
    name_zh: Mapped[str] = mapped_column(Text)
    name_en: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(16))
    town_id: Mapped[int | None] = mapped_column(ForeignKey("towns.id", ondelete="CASCADE"), unique=True)
    review_required: Mapped[bool] = mapped_column(Boolean, server_default=false())
    source: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


project_units = Table(
    "project_units",
    Base.metadata,
    Column("project_id", ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True),
    Column("unit_id", ForeignKey("units.id", ondelete="RESTRICT"), primary_key=True),
    Column("is_lead", Boolean, nullable=False, server_default=false()),
    Index("project_units_unit_idx", "unit_id"),
    Index("project_units_one_lead_idx", "project_id", unique=True, postgresql_where=text("is_lead")),
)

user_units = Table(
    "user_units",
    Base.metadata,
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("unit_id", ForeignKey("units.id", ondelete="CASCADE"), primary_key=True),
)


class AnnualProgramme(Base):
    """年度计划: the projects the county pushes in one year; one per year, belonging to a plan."""

    __tablename__ = "annual_programmes"
    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id", ondelete="RESTRICT"))
    year: Mapped[int] = mapped_column(SmallInteger, unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


class ProgrammeItem(Base):
    """A project in a year's programme: its class, the year's planned investment (万元) and target in words."""

    __tablename__ = "programme_items"
    __table_args__ = (
        CheckConstraint(
            "class IN ('new_start', 'continuing', 'completion', 'preparatory')", name="programme_items_class_check"
        ),
        CheckConstraint("coalesce(planned_investment_cny_10k, 0) >= 0", name="programme_items_investment_check"),
        Index("programme_items_project_idx", "project_id"),
    )
    programme_id: Mapped[int] = mapped_column(ForeignKey("annual_programmes.id", ondelete="CASCADE"), primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True)
    item_class: Mapped[str] = mapped_column("class", String(16))
    planned_investment_cny_10k: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    target: Mapped[str] = mapped_column(Text, server_default="")
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class ProgressReport(Base):
    """One version of a project's monthly report; corrections are new versions, cumulative sums are computed."""

    __tablename__ = "progress_reports"
    __table_args__ = (
        UniqueConstraint("project_id", "month", "version", name="progress_reports_version_key"),
        CheckConstraint("extract(day FROM month) = 1", name="progress_reports_month_check"),
        CheckConstraint("version >= 1", name="progress_reports_version_check"),
        CheckConstraint("invested_cny_10k >= 0", name="progress_reports_investment_check"),
        CheckConstraint("progress_pct BETWEEN 0 AND 100", name="progress_reports_progress_check"),
        CheckConstraint(
            "(version = 1) = (correction_reason IS NULL) AND coalesce(btrim(correction_reason), 'x') <> ''",
            name="progress_reports_correction_check",
        ),
        CheckConstraint("state IN ('pending', 'approved', 'rejected')", name="progress_reports_state_check"),
        CheckConstraint(
            "state <> 'rejected' OR coalesce(btrim(review_reason), '') <> ''", name="progress_reports_reject_check"
        ),
        Index("progress_reports_pending_idx", "submitted_at", postgresql_where=text("state = 'pending'")),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    programme_id: Mapped[int] = mapped_column(ForeignKey("annual_programmes.id", ondelete="RESTRICT"))
    month: Mapped[date] = mapped_column(Date)
    version: Mapped[int] = mapped_column(SmallInteger)
    invested_cny_10k: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    progress_pct: Mapped[Decimal] = mapped_column(Numeric(5, 2))
    milestones: Mapped[str] = mapped_column(Text, server_default="")
    work_done: Mapped[str] = mapped_column(Text, server_default="")
    problems: Mapped[str] = mapped_column(Text, server_default="")
    coordination: Mapped[str] = mapped_column(Text, server_default="")
    correction_reason: Mapped[str | None] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(16))
    submitted_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    submitted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    reviewed_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    reviewed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    review_reason: Mapped[str | None] = mapped_column(Text)


class ProgressPhoto(Base):
    """A re-encoded, EXIF-free photo file under PLANMAP_DATA_DIR, named by its SHA-256."""

    __tablename__ = "progress_photos"
    __table_args__ = (
        CheckConstraint("sha256 ~ '^[0-9a-f]{64}$'", name="progress_photos_sha256_check"),
        CheckConstraint("location_accuracy_m IS NULL OR location_accuracy_m >= 0", name="progress_photos_acc_check"),
        Index("progress_photos_project_idx", "project_id"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    sha256: Mapped[str] = mapped_column(String(64))
    bytes: Mapped[int] = mapped_column(Integer)
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    caption: Mapped[str] = mapped_column(Text, server_default="")
    location: Mapped[Any] = mapped_column(Geometry("POINT", srid=4326, spatial_index=False), nullable=True)
    location_accuracy_m: Mapped[float | None] = mapped_column(Float)
    uploaded_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    uploaded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


# Kept by the database from progress_reports (migration 0020): per project and year, running counts of the
# investment in force and the months filed (index m: months 1..m), and the months first filed after day d
# of the next month (index d, 1-28): the current day's /api/progress/summary sums these rows.
progress_years = Table(
    "progress_years",
    Base.metadata,
    Column("project_id", ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True),
    Column("year", SmallInteger, primary_key=True),
    Column("invested_cum", ARRAY(Numeric(16, 2)), nullable=False),
    Column("filed_cum", ARRAY(SmallInteger), nullable=False),
    Column("late_after", ARRAY(SmallInteger), nullable=False),
)

# The year's summary kept per group (0021): what each live programme item contributes now, and the sums
# per (year, grouping, key or ref) with one element per last month due / deadline day.
progress_summary_keys = Table(
    "progress_summary_keys",
    Base.metadata,
    Column("project_id", Integer, primary_key=True, autoincrement=False),
    Column("year", SmallInteger, primary_key=True, autoincrement=False),
    Column("towns", ARRAY(Integer), nullable=False),
    Column("lead_unit", Integer),
    Column("category", Text, nullable=False),
    Column("item_class", Text, nullable=False),
    Column("planned", Numeric(14, 2)),
    Column("invested_cum", ARRAY(Numeric(16, 2)), nullable=False),
    Column("filed_cum", ARRAY(SmallInteger), nullable=False),
    Column("late_after", ARRAY(SmallInteger), nullable=False),
    Column("behind", ARRAY(SmallInteger), nullable=False),
)

progress_summary = Table(
    "progress_summary",
    Base.metadata,
    Column("year", SmallInteger, nullable=False),
    Column("grouping", Text, nullable=False),
    Column("key", Text),
    Column("ref", Integer),
    Column("projects", BigInteger, nullable=False),
    Column("planned", Numeric, nullable=False),
    Column("not_planned", BigInteger, nullable=False),
    Column("invested_cum", ARRAY(Numeric), nullable=False),
    Column("filed_cum", ARRAY(BigInteger), nullable=False),
    Column("late_after", ARRAY(BigInteger), nullable=False),
    Column("behind", ARRAY(BigInteger), nullable=False),
    Index("progress_summary_key", "year", "grouping", "key", "ref", unique=True, postgresql_nulls_not_distinct=True),
)

report_photos = Table(
    "report_photos",
    Base.metadata,
    Column("report_id", ForeignKey("progress_reports.id", ondelete="CASCADE"), primary_key=True),
    Column("photo_id", ForeignKey("progress_photos.id", ondelete="RESTRICT"), primary_key=True),
    Index("report_photos_photo_idx", "photo_id"),
)


class NotifySubscription(Base):
    """Someone of the public following a project, a town, or a radius around a point, by email (0013)."""

    __tablename__ = "notify_subscriptions"
    __table_args__ = (
        CheckConstraint("scope IN ('project', 'town', 'near')", name="notify_subscriptions_scope_check"),
        CheckConstraint(
            "(scope = 'project') = (project_id IS NOT NULL) AND (scope = 'town') = (town_id IS NOT NULL) "
            "AND (scope = 'near') = (point IS NOT NULL) AND (scope = 'near') = (radius_m IS NOT NULL)",
            name="notify_subscriptions_target_check",
        ),
        CheckConstraint("radius_m BETWEEN 100 AND 20000", name="notify_subscriptions_radius_check"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    scope: Mapped[str] = mapped_column(String(8))
    project_id: Mapped[int | None] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    town_id: Mapped[int | None] = mapped_column(ForeignKey("towns.id", ondelete="CASCADE"))
    point: Mapped[Any] = mapped_column(Geometry("POINT", srid=4326, spatial_index=False), nullable=True)
    radius_m: Mapped[int | None] = mapped_column(Integer)
    token: Mapped[str] = mapped_column(String(64), unique=True)
    confirmed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    digest_since: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class NotifyDailyRun(Base):
    """A Lianzhou day on which the digest and reminders ran (once, whichever worker ran them)."""

    __tablename__ = "notify_daily_runs"
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    ran_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    digests: Mapped[int] = mapped_column(Integer)
    reminders: Mapped[int] = mapped_column(Integer)


class NotifyDestination(Base):
    """Where someone is reached: an email address, a WeCom/DingTalk group robot, a signed webhook (0013)."""

    __tablename__ = "notify_destinations"
    __table_args__ = (
        CheckConstraint("num_nonnulls(user_id, unit_id, subscription_id) = 1", name="notify_destinations_owner_check"),
        CheckConstraint("kind IN ('email', 'wecom', 'dingtalk', 'webhook')", name="notify_destinations_kind_check"),
        CheckConstraint("lang IN ('zh', 'en')", name="notify_destinations_lang_check"),
        CheckConstraint(
            "(kind = 'email' AND target ~ '^[^@\\s]+@[^@\\s]+$') OR (kind <> 'email' AND target ~ '^https?://')",
            name="notify_destinations_target_check",
        ),
        CheckConstraint("kind <> 'webhook' OR secret IS NOT NULL", name="notify_destinations_secret_check"),
        UniqueConstraint(
            "user_id",
            "unit_id",
            "subscription_id",
            "kind",
            "target",
            name="notify_destinations_once",
            postgresql_nulls_not_distinct=True,
        ),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id", ondelete="CASCADE"))
    subscription_id: Mapped[int | None] = mapped_column(
        ForeignKey("notify_subscriptions.id", ondelete="CASCADE"), unique=True
    )
    kind: Mapped[str] = mapped_column(String(16))
    target: Mapped[str] = mapped_column(Text)
    secret: Mapped[str | None] = mapped_column(Text)
    lang: Mapped[str] = mapped_column(String(2), server_default="zh")
    active: Mapped[bool] = mapped_column(Boolean, server_default=text("true"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class NotifyOutbox(Base):
    """One message to one destination, written with the change it reports; delivered by `planmap worker`."""

    __tablename__ = "notify_outbox"
    __table_args__ = (
        CheckConstraint("state IN ('pending', 'sent', 'failed')", name="notify_outbox_state_check"),
        CheckConstraint("(state = 'sent') = (sent_at IS NOT NULL)", name="notify_outbox_sent_check"),
        Index("notify_outbox_due", "next_attempt_at", postgresql_where=text("state = 'pending'")),
    )
    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    idempotency_key: Mapped[str] = mapped_column(Text, unique=True)
    event: Mapped[str] = mapped_column(String(40))
    destination_id: Mapped[int] = mapped_column(ForeignKey("notify_destinations.id", ondelete="CASCADE"))
    subject: Mapped[str] = mapped_column(Text)
    body: Mapped[str] = mapped_column(Text)
    link: Mapped[str | None] = mapped_column(Text)
    unsubscribe_url: Mapped[str | None] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(8), server_default="pending")
    attempts: Mapped[int] = mapped_column(Integer, server_default="0")
    next_attempt_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class SupervisionTicket(Base):
    """督办: a planner asks a unit to act on a project by a deadline (0013)."""

    __tablename__ = "supervision_tickets"
    __table_args__ = (
        CheckConstraint("state IN ('open', 'answered', 'closed')", name="supervision_tickets_state_check"),
        CheckConstraint("btrim(request) <> ''", name="supervision_tickets_request_check"),
        CheckConstraint("extract(day FROM report_month) = 1", name="supervision_tickets_month_check"),
        CheckConstraint("(state = 'closed') = (closed_at IS NOT NULL)", name="supervision_tickets_closed_check"),
        Index("supervision_tickets_project_idx", "project_id"),
        Index("supervision_tickets_due_idx", "deadline", postgresql_where=text("state = 'open'")),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id", ondelete="RESTRICT"))
    report_month: Mapped[date | None] = mapped_column(Date)
    request: Mapped[str] = mapped_column(Text)
    deadline: Mapped[date] = mapped_column(Date)
    state: Mapped[str] = mapped_column(String(8), server_default="open")
    opened_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    opened_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class SupervisionEntry(Base):
    """One step of a ticket's thread: the unit's answer, the planner's closing note or reopening reason."""

    __tablename__ = "supervision_entries"
    __table_args__ = (
        CheckConstraint("kind IN ('answer', 'close', 'reopen')", name="supervision_entries_kind_check"),
        CheckConstraint("kind = 'close' OR btrim(body) <> ''", name="supervision_entries_body_check"),
        Index("supervision_entries_ticket_idx", "ticket_id"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("supervision_tickets.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(8))
    body: Mapped[str] = mapped_column(Text)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


supervision_entry_photos = Table(
    "supervision_entry_photos",
    Base.metadata,
    Column("entry_id", ForeignKey("supervision_entries.id", ondelete="CASCADE"), primary_key=True),
    Column("photo_id", ForeignKey("progress_photos.id", ondelete="RESTRICT"), primary_key=True),
)


# Statistics kept by the database (migration 0018, app.queries.summary): each live project's key, i.e. what it
# contributes, and the counts per key. Written only by the triggers of 0018; no foreign keys, since the triggers
# remove a project's rows when it goes (and a foreign key would add a cascade to every deletion).
stats_project_keys = Table(
    "stats_project_keys",
    Base.metadata,
    Column("project_id", Integer, primary_key=True, autoincrement=False),
    Column("plans", ARRAY(Integer), nullable=False),
    Column("chapters", ARRAY(Text), nullable=False),
    Column("towns", ARRAY(Integer), nullable=False),
    Column("status", Text, nullable=False),
    Column("category", Text, nullable=False),
    Column("start_due", Date),
    Column("end_due", Date),
    Column("open_undated", Boolean, nullable=False),
    Column("no_recorded_start", Boolean, nullable=False),
    Column("over_budget", Boolean, nullable=False),
    Column("info_until", Date),
    # Where the public sees the project on the finest tile grid and how wide it is (0019, app.queries.tiles).
    Column("tile_cell", BigInteger),
    Column("tile_gx", Integer),
    Column("tile_gy", Integer),
    Column("tile_extent", Float),
    # A low-zoom tile reads its cells' keys by one index-only range scan (0019).
    Index(
        "stats_project_keys_tile_idx",
        "tile_cell",
        postgresql_include=[
            "project_id",
            "tile_gx",
            "tile_gy",
            "tile_extent",
            "plans",
            "towns",
            "status",
            "category",
            "start_due",
            "end_due",
            "open_undated",
            "no_recorded_start",
            "over_budget",
            "info_until",
        ],
        postgresql_where=text("tile_cell IS NOT NULL"),
    ),
)

STATS_SUMMARY_KEY = (
    "plan_id",
    "towns",
    "status",
    "category",
    "chapter",
    "start_due",
    "end_due",
    "open_undated",
    "no_recorded_start",
    "over_budget",
    "info_until",
)

stats_summary = Table(
    "stats_summary",
    Base.metadata,
    Column("plan_id", Integer, nullable=False),
    Column("towns", ARRAY(Integer), nullable=False),
    Column("status", Text, nullable=False),
    Column("category", Text, nullable=False),
    Column("chapter", Text),
    Column("start_due", Date),
    Column("end_due", Date),
    Column("open_undated", Boolean, nullable=False),
    Column("no_recorded_start", Boolean, nullable=False),
    Column("over_budget", Boolean, nullable=False),
    Column("info_until", Date),
    Column("n", BigInteger, nullable=False),
    Index("stats_summary_key", *STATS_SUMMARY_KEY, unique=True, postgresql_nulls_not_distinct=True),
)
