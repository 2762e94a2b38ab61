"""SQL of the units room: listing units, a project's units, and department membership."""

from sqlalchemy import text

# A town unit's review setting lives in `towns` (its one home); a department's in `units`.
LIST_UNITS = text(
    """SELECT n.slug, n.name_zh, n.name_en, n.kind, n.source,
              coalesce(t.review_required, n.review_required) AS review_required,
              (SELECT count(*) FROM project_units pu JOIN projects p ON p.id = pu.project_id
               WHERE pu.unit_id = n.id AND p.deleted_at IS NULL) AS projects,
              (SELECT count(*) FROM project_units pu JOIN projects p ON p.id = pu.project_id
               WHERE pu.unit_id = n.id AND pu.is_lead AND p.deleted_at IS NULL) AS leads
       FROM units n LEFT JOIN towns t ON t.id = n.town_id
       WHERE (:kind)::text IS NULL OR n.kind = :kind
       ORDER BY n.kind DESC, n.slug"""
)
UNIT_BY_SLUG = text("SELECT id, slug, kind, review_required FROM units WHERE slug = :s")
INSERT_DEPARTMENT = text(
    """INSERT INTO units (slug, name_zh, name_en, kind, review_required, source)
       VALUES (:slug, :name_zh, :name_en, 'department', :review_required, :source) RETURNING id"""
)
UPDATE_DEPARTMENT = text(
    """UPDATE units SET name_zh = coalesce(:name_zh, name_zh), name_en = coalesce(:name_en, name_en),
                        review_required = coalesce(:review_required, review_required)
       WHERE slug = :slug AND kind = 'department'"""
)
PROJECT_UNITS = text(
    """SELECT n.slug, n.name_zh, n.name_en, n.kind, pu.is_lead
       FROM project_units pu JOIN units n ON n.id = pu.unit_id JOIN projects p ON p.id = pu.project_id
       WHERE p.slug = :s ORDER BY pu.is_lead DESC, n.slug"""
)
LIVE_PROJECT_ID = text("SELECT id FROM projects WHERE slug = :s AND deleted_at IS NULL FOR UPDATE")
UNIT_IDS = text("SELECT slug, id FROM units WHERE slug = ANY(:slugs)")
CLEAR_PROJECT_UNITS = text("DELETE FROM project_units WHERE project_id = :p")
ADD_PROJECT_UNIT = text("INSERT INTO project_units (project_id, unit_id, is_lead) VALUES (:p, :u, :lead)")
USER_ID = text("SELECT id FROM users WHERE username = :u")
ADD_MEMBER = text("INSERT INTO user_units (user_id, unit_id) VALUES (:user, :unit) ON CONFLICT DO NOTHING")
REMOVE_MEMBER = text("DELETE FROM user_units WHERE user_id = :user AND unit_id = :unit")
MEMBERS = text(
    """SELECT u.username, u.display_name, u.role, u.is_active FROM users u
       WHERE u.id IN (SELECT uu.user_id FROM user_units uu WHERE uu.unit_id = :unit)
          OR u.id IN (SELECT ut.user_id FROM user_towns ut JOIN units n ON n.town_id = ut.town_id
                      WHERE n.id = :unit)
       ORDER BY u.username"""
)
