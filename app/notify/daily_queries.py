"""SQL of the once-a-day work: claiming the day, and the progress reports still missing."""

from sqlalchemy import text

CLAIM_DAY = text(
    """INSERT INTO notify_daily_runs (day, digests, reminders) VALUES (:day, 0, 0)
       ON CONFLICT (day) DO NOTHING RETURNING day"""
)
RECORD_DAY = text("UPDATE notify_daily_runs SET digests = :digests, reminders = :reminders WHERE day = :day")

# Projects in the month's annual programme with no report for the month yet, by their lead unit
# (a project without a lead unit has nobody to remind; the dashboard's own warnings cover it).
REPORTS_MISSING = text(
    """SELECT pu.unit_id, u.name_zh AS unit_zh, u.name_en AS unit_en,
              p.slug, p.name_zh, p.name_en
         FROM programme_items pi
         JOIN annual_programmes ap ON ap.id = pi.programme_id AND ap.year = :year
         JOIN projects p ON p.id = pi.project_id AND p.deleted_at IS NULL
         JOIN project_units pu ON pu.project_id = p.id AND pu.is_lead
         JOIN units u ON u.id = pu.unit_id
        WHERE NOT EXISTS (SELECT 1 FROM progress_reports r WHERE r.project_id = p.id AND r.month = :month)
        ORDER BY pu.unit_id, p.slug"""
)
