"""SQL of the notification outbox (tables from migration 0013)."""

from sqlalchemy import text

ENQUEUE = text(
    """INSERT INTO notify_outbox (idempotency_key, event, destination_id, subject, body, link, unsubscribe_url)
       SELECT :key || ':' || d.id, :event, d.id,
              CASE d.lang WHEN 'en' THEN :subject_en ELSE :subject_zh END,
              CASE d.lang WHEN 'en' THEN :body_en ELSE :body_zh END,
              :link, :unsubscribe_url
         FROM notify_destinations d
        WHERE d.active AND d.id = ANY(:destinations)
       ON CONFLICT (idempotency_key) DO NOTHING"""
)

STAFF_DESTINATIONS = text(
    """SELECT d.id FROM notify_destinations d JOIN users u ON u.id = d.user_id
        WHERE d.active AND u.role = ANY(:roles) AND u.is_active"""
)

# A unit's robot(s), and the channels of its officials with active accounts: a department's members
# (`user_units`), a town's officials (`user_towns`: a town's unit is the town). Nobody else: what is
# sent to a unit (a ticket's request, a reminder) reaches only the people who may read it.
UNIT_DESTINATIONS = text(
    """SELECT d.id FROM notify_destinations d
        WHERE d.active AND (d.unit_id = :unit_id
              OR d.user_id IN (SELECT us.id FROM users us
                                WHERE us.is_active
                                  AND (us.id IN (SELECT user_id FROM user_units WHERE unit_id = :unit_id)
                                       OR us.id IN (SELECT ut.user_id FROM user_towns ut
                                                      JOIN units n ON n.town_id = ut.town_id
                                                     WHERE n.id = :unit_id))))"""
)

# One due message, locked for this worker only: others skip it (SKIP LOCKED) and take the next. The
# lock is held while the message is delivered and dies with the worker's connection, so a killed
# worker leaves the row pending for the next one, never half-claimed.
CLAIM_DUE = text(
    """SELECT o.id, o.idempotency_key AS key, o.event, o.subject, o.body, o.link, o.unsubscribe_url, o.attempts,
              d.kind, d.target, d.secret, d.lang
         FROM notify_outbox o JOIN notify_destinations d ON d.id = o.destination_id
        WHERE o.state = 'pending' AND o.next_attempt_at <= now()
        ORDER BY o.next_attempt_at, o.id
        LIMIT 1
        FOR UPDATE OF o SKIP LOCKED"""
)

MARK_SENT = text(
    """UPDATE notify_outbox SET state = 'sent', sent_at = now(), attempts = attempts + 1, last_error = NULL
        WHERE id = :id"""
)

MARK_RETRY = text(
    """UPDATE notify_outbox
          SET attempts = attempts + 1, last_error = :error,
              next_attempt_at = now() + make_interval(secs => :delay)
        WHERE id = :id"""
)

MARK_FAILED = text(
    "UPDATE notify_outbox SET state = 'failed', attempts = attempts + 1, last_error = :error WHERE id = :id"
)

COUNTS = text("SELECT state, count(*) FROM notify_outbox GROUP BY state")

# Destinations as their owner sees them: never the secret (only whether one is set).
_DESTINATION_COLUMNS = "id, kind, target, lang, active, secret IS NOT NULL AS signed, created_at"
USER_DESTINATIONS = text(f"SELECT {_DESTINATION_COLUMNS} FROM notify_destinations WHERE user_id = :owner ORDER BY id")
UNIT_ROBOTS = text(
    f"""SELECT {_DESTINATION_COLUMNS} FROM notify_destinations
         WHERE unit_id = (SELECT id FROM units WHERE slug = :owner) ORDER BY id"""
)
UNIT_ID = text("SELECT id FROM units WHERE slug = :slug")
INSERT_DESTINATION = text(
    """INSERT INTO notify_destinations (user_id, unit_id, kind, target, secret, lang)
       VALUES (:user_id, :unit_id, :kind, :target, :secret, :lang)
       ON CONFLICT ON CONSTRAINT notify_destinations_once DO NOTHING
       RETURNING id"""
)
DELETE_DESTINATION = text(
    """DELETE FROM notify_destinations
        WHERE id = :id AND (user_id = :user_id OR unit_id = :unit_id) RETURNING kind"""
)

# What did not get through, for staff to act on (a revoked robot, a dead mailbox): never the address.
UNDELIVERED = text(
    """SELECT o.id, o.event, o.state, o.attempts, o.last_error, o.created_at, o.next_attempt_at, d.kind,
              COALESCE(u.username, n.slug, 'subscriber') AS owner
         FROM notify_outbox o JOIN notify_destinations d ON d.id = o.destination_id
         LEFT JOIN users u ON u.id = d.user_id LEFT JOIN units n ON n.id = d.unit_id
        WHERE o.state = 'failed' OR (o.state = 'pending' AND o.attempts > 0)
        ORDER BY o.created_at DESC LIMIT :limit"""
)
