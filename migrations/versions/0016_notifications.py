"""Notifications: where people are reached, and a durable outbox of messages to them.

- `notify_destinations`: an email address, a WeCom or DingTalk group robot, or a generic webhook,
  belonging to a user (the channels they chose) or to a unit (its group robot). A robot's secret
  lives here and only here: outbox rows point at their destination instead of copying it, so
  removing a destination removes its queued messages too (nothing is sent to a removed address).
- `notify_subscriptions`: the public following a project, a town, or "within N metres of this
  point", by email, with double opt-in. The address is the subscription's destination (so
  deleting the subscription on unsubscribe deletes the address and everything queued for it).
  `token` (random, 256 bits) is the capability in the confirm and unsubscribe links; it is kept,
  not hashed, because every digest must carry the unsubscribe link, and it dies with the address.
  A point subscription is matched by true distance against the *public* geometry
  (`projects_public`), so a sensitive site is found only at its town seat, as on its public page.
- `notify_daily_runs`: one row per Lianzhou day on which the daily digest and reminders ran, so
  that several workers (or a restarted one) run them once.
- `notify_outbox`: one row per message to one destination, written in the same transaction as
  the change it reports, so a change can never exist without its message nor a message without
  its change. The worker (`planmap worker`) takes rows with `FOR UPDATE SKIP LOCKED`, delivers,
  and marks them sent, or schedules a retry with exponential backoff, or marks them failed after
  PLANMAP_NOTIFY_MAX_ATTEMPTS. `idempotency_key` is unique (an event enqueued twice is stored
  once) and travels with the message (Message-ID, X-Planmap-Idempotency-Key) so a receiver can
  drop the one repeat at-least-once delivery allows after a crash between sending and recording.

Supervision (督办), the plan's "加强实施监督":

- `supervision_tickets`: a planner asks a unit to act on a project (or on a month's missing
  progress report) by a deadline; `state` open → answered → closed, reopened to open.
- `supervision_entries`: the ticket's thread: answers from the unit's officials, the planner's
  closing note and reopening reason, in order; `supervision_entry_photos` links answers to the
  project's photos (the EXIF-free files of `progress_photos`).

Revision ID: 0016
Revises: 0015
Create Date: 2026-11-30
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from geoalchemy2 import Geometry

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _now() -> sa.TextClause:
    return sa.text("now()")


def upgrade() -> None:
    op.create_table(
        "notify_subscriptions",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("scope", sa.String(8), nullable=False),
        sa.Column("project_id", sa.Integer, sa.ForeignKey("projects.id", ondelete="CASCADE")),
        sa.Column("town_id", sa.Integer, sa.ForeignKey("towns.id", ondelete="CASCADE")),
        sa.Column("point", Geometry("POINT", srid=4326, spatial_index=False)),
        sa.Column("radius_m", sa.Integer),
        sa.Column("token", sa.String(64), nullable=False, unique=True),
        sa.Column("confirmed_at", sa.DateTime(timezone=True)),
        sa.Column("digest_since", sa.DateTime(timezone=True), nullable=False, server_default=_now()),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=_now()),
        sa.CheckConstraint("scope IN ('project', 'town', 'near')", name="notify_subscriptions_scope_check"),
        sa.CheckConstraint(
            "(scope = 'project') = (project_id IS NOT NULL) AND (scope = 'town') = (town_id IS NOT NULL) "
            "AND (scope = 'near') = (point IS NOT NULL) AND (scope = 'near') = (radius_m IS NOT NULL)",
            name="notify_subscriptions_target_check",
        ),
        sa.CheckConstraint("radius_m BETWEEN 100 AND 20000", name="notify_subscriptions_radius_check"),
    )
    op.create_table(
        "notify_daily_runs",
        sa.Column("day", sa.Date, primary_key=True),
        sa.Column("ran_at", sa.DateTime(timezone=True), nullable=False, server_default=_now()),
        sa.Column("digests", sa.Integer, nullable=False),
        sa.Column("reminders", sa.Integer, nullable=False),
    )
    op.create_table(
        "notify_destinations",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id", ondelete="CASCADE")),
        sa.Column("unit_id", sa.Integer, sa.ForeignKey("units.id", ondelete="CASCADE")),
        sa.Column(
            "subscription_id", sa.Integer, sa.ForeignKey("notify_subscriptions.id", ondelete="CASCADE"), unique=True
        ),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("target", sa.Text, nullable=False),
        sa.Column("secret", sa.Text),
        sa.Column("lang", sa.String(2), nullable=False, server_default="zh"),
        sa.Column("active", sa.Boolean, nullable=False, server_default=sa.true()),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=_now()),
        sa.CheckConstraint(
            "num_nonnulls(user_id, unit_id, subscription_id) = 1", name="notify_destinations_owner_check"
        ),
        sa.CheckConstraint("kind IN ('email', 'wecom', 'dingtalk', 'webhook')", name="notify_destinations_kind_check"),
        sa.CheckConstraint("lang IN ('zh', 'en')", name="notify_destinations_lang_check"),
        sa.CheckConstraint(
            "(kind = 'email' AND target ~ '^[^@\\s]+@[^@\\s]+$') OR (kind <> 'email' AND target ~ '^https?://')",
            name="notify_destinations_target_check",
        ),
        sa.CheckConstraint("kind <> 'webhook' OR secret IS NOT NULL", name="notify_destinations_secret_check"),
        sa.UniqueConstraint(
            "user_id",
            "unit_id",
            "subscription_id",
            "kind",
            "target",
            name="notify_destinations_once",
            postgresql_nulls_not_distinct=True,
        ),
    )
    op.create_table(
        "notify_outbox",
        sa.Column("id", sa.BigInteger, primary_key=True),
        sa.Column("idempotency_key", sa.Text, nullable=False, unique=True),
        sa.Column("event", sa.String(40), nullable=False),
        sa.Column(
            "destination_id",
            sa.Integer,
            sa.ForeignKey("notify_destinations.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("subject", sa.Text, nullable=False),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("link", sa.Text),
        sa.Column("unsubscribe_url", sa.Text),
        sa.Column("state", sa.String(8), nullable=False, server_default="pending"),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False, server_default=_now()),
        sa.Column("last_error", sa.Text),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=_now()),
        sa.Column("sent_at", sa.DateTime(timezone=True)),
        sa.CheckConstraint("state IN ('pending', 'sent', 'failed')", name="notify_outbox_state_check"),
        sa.CheckConstraint("(state = 'sent') = (sent_at IS NOT NULL)", name="notify_outbox_sent_check"),
    )
    op.create_table(
        "supervision_tickets",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("project_id", sa.Integer, sa.ForeignKey("projects.id", ondelete="CASCADE"), nullable=False),
        sa.Column("unit_id", sa.Integer, sa.ForeignKey("units.id", ondelete="RESTRICT"), nullable=False),
        sa.Column("report_month", sa.Date),
        sa.Column("request", sa.Text, nullable=False),
        sa.Column("deadline", sa.Date, nullable=False),
        sa.Column("state", sa.String(8), nullable=False, server_default="open"),
        sa.Column("opened_by", sa.Integer, sa.ForeignKey("users.id", ondelete="SET NULL")),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False, server_default=_now()),
        sa.Column("closed_at", sa.DateTime(timezone=True)),
        sa.CheckConstraint("state IN ('open', 'answered', 'closed')", name="supervision_tickets_state_check"),
        sa.CheckConstraint("btrim(request) <> ''", name="supervision_tickets_request_check"),
        sa.CheckConstraint("extract(day FROM report_month) = 1", name="supervision_tickets_month_check"),
        sa.CheckConstraint("(state = 'closed') = (closed_at IS NOT NULL)", name="supervision_tickets_closed_check"),
    )
    op.create_index("supervision_tickets_project_idx", "supervision_tickets", ["project_id"])
    op.create_index(
        "supervision_tickets_due_idx",
        "supervision_tickets",
        ["deadline"],
        postgresql_where=sa.text("state = 'open'"),
    )
    op.create_table(
        "supervision_entries",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("ticket_id", sa.Integer, sa.ForeignKey("supervision_tickets.id", ondelete="CASCADE"), nullable=False),
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id", ondelete="SET NULL")),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False, server_default=_now()),
        sa.CheckConstraint("kind IN ('answer', 'close', 'reopen')", name="supervision_entries_kind_check"),
        sa.CheckConstraint("kind = 'close' OR btrim(body) <> ''", name="supervision_entries_body_check"),
    )
    op.create_index("supervision_entries_ticket_idx", "supervision_entries", ["ticket_id"])
    op.create_table(
        "supervision_entry_photos",
        sa.Column(
            "entry_id", sa.Integer, sa.ForeignKey("supervision_entries.id", ondelete="CASCADE"), primary_key=True
        ),
        sa.Column("photo_id", sa.Integer, sa.ForeignKey("progress_photos.id", ondelete="RESTRICT"), primary_key=True),
    )
    op.create_index(
        "notify_outbox_due",
        "notify_outbox",
        ["next_attempt_at"],
        postgresql_where=sa.text("state = 'pending'"),
    )


def downgrade() -> None:
    op.drop_table("supervision_entry_photos")
    op.drop_table("supervision_entries")
    op.drop_table("supervision_tickets")
    op.drop_table("notify_outbox")
    op.drop_table("notify_destinations")
    op.drop_table("notify_daily_runs")
    op.drop_table("notify_subscriptions")
