"""SQL of supervision tickets (tables from migration 0013).

Every read of a ticket — the lists, one ticket, the lock an answer or a close takes — carries the
reader's scope (`app.auth.scope_queries`): a ticket the reader may not see is not in a list and is not
found by its id.
"""

from sqlalchemy import text

from app.auth.scope_queries import ticket_visible

_VISIBLE = ticket_visible("p", "u")

PROJECT = text("SELECT id, slug, name_zh, name_en FROM projects WHERE slug = :slug AND deleted_at IS NULL")
UNIT = text("SELECT id, slug, name_zh, name_en FROM units WHERE slug = :slug")

INSERT_TICKET = text(
    """INSERT INTO supervision_tickets (project_id, unit_id, report_month, request, deadline, opened_by)
       VALUES (:project_id, :unit_id, :report_month, :request, :deadline, :user_id)
       RETURNING id"""
)

# A ticket with what its flag needs: `flag` is judged on Lianzhou's `today`, for open tickets only (an
# answered ticket waits on the planner, not the unit).
_TICKETS = """
    SELECT t.id, p.slug AS project, p.name_zh AS project_zh, p.name_en AS project_en,
           u.slug AS unit, u.name_zh AS unit_zh, u.name_en AS unit_en, t.report_month, t.request,
           t.deadline, t.state, t.opened_at, t.closed_at, t.opened_by,
           CASE WHEN t.state <> 'open' THEN NULL
                WHEN t.deadline < :today THEN 'overdue'
                WHEN t.deadline - :today <= :remind_days THEN 'due_soon' END AS flag,
           COALESCE((SELECT json_agg(json_build_object(
                         'kind', e.kind, 'body', e.body, 'at', e.at, 'by', us.display_name,
                         'photo_ids', ARRAY(SELECT ep.photo_id FROM supervision_entry_photos ep
                                             WHERE ep.entry_id = e.id ORDER BY ep.photo_id))
                         ORDER BY e.at, e.id)
                       FROM supervision_entries e LEFT JOIN users us ON us.id = e.user_id
                      WHERE e.ticket_id = t.id), '[]') AS entries
      FROM supervision_tickets t
      JOIN projects p ON p.id = t.project_id
      JOIN units u ON u.id = t.unit_id
"""
TICKET = text(_TICKETS + f" WHERE t.id = :id AND {_VISIBLE}")
LOCK_TICKET = text(
    f"""SELECT t.id, t.state, t.opened_by, t.deadline, p.id AS project_id, p.slug AS project, p.name_zh AS project_zh,
              p.name_en AS project_en, u.id AS unit_id, u.slug AS unit
         FROM supervision_tickets t JOIN projects p ON p.id = t.project_id JOIN units u ON u.id = t.unit_id
        WHERE t.id = :id AND {_VISIBLE} FOR UPDATE OF t"""
)
PROJECT_TICKETS = text(_TICKETS + f" WHERE p.slug = :slug AND {_VISIBLE} ORDER BY t.state = 'closed', t.deadline, t.id")
# The dashboard's list: open and answered tickets (closed ones with `include_closed`) the reader may see;
# the most urgent first.
TICKETS = text(
    _TICKETS
    + f""" WHERE {_VISIBLE}
            AND (:include_closed OR t.state <> 'closed')
          ORDER BY t.state = 'closed', t.deadline, t.id LIMIT :limit"""
)

INSERT_ENTRY = text(
    """INSERT INTO supervision_entries (ticket_id, kind, body, user_id)
       VALUES (:ticket_id, :kind, :body, :user_id) RETURNING id"""
)
PROJECT_PHOTOS = text(
    """SELECT id FROM progress_photos
        WHERE id = ANY(:ids) AND project_id = (SELECT id FROM projects WHERE slug = :slug)"""
)
LINK_PHOTOS = text(
    "INSERT INTO supervision_entry_photos (entry_id, photo_id) SELECT :entry_id, unnest(CAST(:ids AS int[]))"
)
SET_STATE = text(
    """UPDATE supervision_tickets
          SET state = CAST(:state AS varchar), deadline = COALESCE(CAST(:deadline AS date), deadline),
              closed_at = CASE WHEN CAST(:state AS varchar) = 'closed' THEN now() END
        WHERE id = :id"""
)

# For the daily reminders: open tickets that come due within `remind_days`, or are past due.
DUE_TICKETS = text(
    """SELECT t.id, t.deadline, u.id AS unit_id, p.slug, p.name_zh, p.name_en, t.request,
              CASE WHEN t.deadline < :today THEN 'overdue' ELSE 'due_soon' END AS flag
         FROM supervision_tickets t JOIN projects p ON p.id = t.project_id JOIN units u ON u.id = t.unit_id
        WHERE t.state = 'open' AND t.deadline - :today <= :remind_days
        ORDER BY t.id"""
)
# The planner who opened a ticket hears of its answers while they are still a planner (or admin) with an
# active account: a planner since made an official of some unit, or disabled, no longer reads every ticket.
USER_DESTINATIONS = text(
    """SELECT d.id FROM notify_destinations d JOIN users us ON us.id = d.user_id
        WHERE d.active AND d.user_id = :user_id AND us.is_active AND us.role IN ('planner', 'admin')"""
)

# For the ticket page's form: every unit, the project's lead unit first.
UNITS_FOR_PROJECT = text(
    """SELECT u.slug, u.name_zh, u.name_en
         FROM units u
         LEFT JOIN project_units pu ON pu.unit_id = u.id AND pu.is_lead
              AND pu.project_id = (SELECT id FROM projects WHERE slug = :slug)
        ORDER BY pu.is_lead IS NOT TRUE, u.kind DESC, u.slug"""
)
