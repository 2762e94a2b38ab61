"""SQL of public subscriptions (tables from migration 0013).

Every match against projects goes through `projects_public`: a sensitive site is found (and
named) only where the public page puts it, at its town seat.
"""

from sqlalchemy import text

PUBLIC_PROJECT = text(
    "SELECT id FROM projects_public WHERE slug = :slug AND deleted_at IS NULL AND merged_into_id IS NULL"
)
TOWN = text("SELECT id FROM towns WHERE slug = :slug")
POINT_IN_COUNTY = text(
    """SELECT EXISTS (SELECT 1 FROM county_boundary
                       WHERE ST_Intersects(geom, ST_SetSRID(ST_MakePoint(:lon, :lat), 4326)))"""
)

INSERT_SUBSCRIPTION = text(
    """INSERT INTO notify_subscriptions (scope, project_id, town_id, point, radius_m, token)
       VALUES (:scope, :project_id, :town_id,
               ST_SetSRID(ST_MakePoint(CAST(:lon AS float8), CAST(:lat AS float8)), 4326),
               :radius_m, :token)
       RETURNING id"""
)
INSERT_DESTINATION = text(
    """INSERT INTO notify_destinations (subscription_id, kind, target, lang)
       VALUES (:subscription_id, 'email', :email, :lang) RETURNING id"""
)
BY_TOKEN = text(
    """SELECT s.id, s.scope, s.confirmed_at, d.id AS destination_id
         FROM notify_subscriptions s JOIN notify_destinations d ON d.subscription_id = s.id
        WHERE s.token = :token
        FOR UPDATE OF s"""
)
CONFIRM = text(
    "UPDATE notify_subscriptions SET confirmed_at = now(), digest_since = now() WHERE id = :id AND confirmed_at IS NULL"
)
DELETE = text("DELETE FROM notify_subscriptions WHERE id = :id")
# Unconfirmed for a week: the address was never confirmed by its owner, so it is not kept.
DELETE_UNCONFIRMED = text(
    "DELETE FROM notify_subscriptions WHERE confirmed_at IS NULL AND created_at < now() - interval '7 days'"
)

# The public changes each confirmed subscription has not had in a digest yet: projects written to
# (audit rows of object_type 'project') since `digest_since`, matched by the public view only.
DIGEST_CHANGES = text(
    """SELECT s.id AS subscription_id, s.token, d.id AS destination_id, d.lang,
              p.slug, p.name_zh, p.name_en, p.status, count(*) AS changes, max(a.occurred_at) AS last_change
         FROM notify_subscriptions s
         JOIN notify_destinations d ON d.subscription_id = s.id AND d.active
         JOIN audit_log a ON a.object_type = 'project' AND a.occurred_at > s.digest_since
                         AND a.occurred_at <= :until
         JOIN projects_public p ON p.slug = a.object_key AND p.deleted_at IS NULL
        WHERE s.confirmed_at IS NOT NULL
          AND CASE s.scope
                WHEN 'project' THEN p.id = s.project_id
                WHEN 'town' THEN EXISTS (SELECT 1 FROM project_towns pt
                                          WHERE pt.project_id = p.id AND pt.town_id = s.town_id)
                ELSE ST_DWithin(p.geom::geography, s.point::geography, s.radius_m)
              END
        GROUP BY s.id, s.token, d.id, d.lang, p.slug, p.name_zh, p.name_en, p.status
        ORDER BY s.id, max(a.occurred_at) DESC, p.slug"""
)
ADVANCE_DIGEST = text("UPDATE notify_subscriptions SET digest_since = :until WHERE confirmed_at IS NOT NULL")
