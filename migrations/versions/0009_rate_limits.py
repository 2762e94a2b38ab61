"""Rate-limit state in PostgreSQL, shared by every server process (issue 15, items 7 and 9).

Login and feedback limits used to live in each worker's memory: with two processes an attacker got
twice the guesses, and a restart forgot them. Now one row per limited key holds the state:

- `key`: the scope and an HMAC of what is limited (username, client address), never the values
  themselves, so the table says nothing about who tried what;
- `hits` and `last_at`: failures counted for an exponential backoff (logins);
- `stamps`: the times of the recent events of a sliding window (feedback: N per hour);
- `expires_at`: when the row means nothing any more; writers delete a few expired rows each time.

The HMAC salt is a random secret made here by PostgreSQL, like the feedback salt of 0005.

Self-contained on purpose (it only adds a table and a secret), so it can follow any other revision.

Revision ID: 0009
Revises: 0007
Create Date: 2026-11-30
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "rate_limits",
        sa.Column("key", sa.Text, primary_key=True),
        sa.Column("hits", sa.Integer, nullable=False, server_default="0"),
        sa.Column(
            "stamps",
            postgresql.ARRAY(sa.DateTime(timezone=True)),
            nullable=False,
            server_default=sa.text("'{}'::timestamptz[]"),
        ),
        sa.Column("last_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("hits >= 0", name="rate_limits_hits_check"),
    )
    op.create_index("rate_limits_expires_idx", "rate_limits", ["expires_at"])
    op.execute(
        """INSERT INTO site_secrets (name, value)
           VALUES ('rate_limit_salt',
                   encode(sha256(convert_to(gen_random_uuid()::text || gen_random_uuid()::text, 'UTF8')), 'hex'))
           ON CONFLICT (name) DO NOTHING"""
    )


def downgrade() -> None:
    op.execute("DELETE FROM site_secrets WHERE name = 'rate_limit_salt'")
    op.drop_table("rate_limits")
