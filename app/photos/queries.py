"""SQL of the photos room. A photo is public once a report version in force (approved) shows it."""

from sqlalchemy import text

INSERT_PHOTO = text(
    """INSERT INTO progress_photos (project_id, sha256, bytes, width, height, caption, location, location_accuracy_m,
                                   uploaded_by)
       VALUES (:project_id, :sha256, :bytes, :width, :height, :caption,
               CASE WHEN CAST(:lon AS float8) IS NULL THEN NULL
                    ELSE ST_SetSRID(ST_MakePoint(:lon, :lat), 4326) END, :accuracy, :user)
       RETURNING id"""
)
# The month a photo belongs to: the earliest month of an approved report showing it.
_APPROVED_MONTH = """(SELECT min(r.month) FROM report_photos rp JOIN progress_reports r ON r.id = rp.report_id
                      WHERE rp.photo_id = ph.id AND r.state = 'approved')"""
_ANY_MONTH = """(SELECT min(r.month) FROM report_photos rp JOIN progress_reports r ON r.id = rp.report_id
                 WHERE rp.photo_id = ph.id)"""
# The place a photo was taken is shown only where the project's own location is public.
PHOTOS = text(
    f"""SELECT ph.id, ph.sha256, ph.width, ph.height, ph.caption, ph.uploaded_at,
               to_char({_APPROVED_MONTH}, 'YYYY-MM') AS month,
               to_char({_ANY_MONTH}, 'YYYY-MM') AS filed_month,
               {_APPROVED_MONTH} IS NOT NULL AS public,
               CASE WHEN :staff OR NOT p.sensitive THEN ST_X(ph.location) END AS lon,
               CASE WHEN :staff OR NOT p.sensitive THEN ST_Y(ph.location) END AS lat,
               CASE WHEN :staff OR NOT p.sensitive THEN ph.location_accuracy_m END AS location_accuracy_m
        FROM progress_photos ph JOIN projects p ON p.id = ph.project_id
        WHERE p.slug = :s AND p.deleted_at IS NULL AND (:staff OR {_APPROVED_MONTH} IS NOT NULL)
        ORDER BY coalesce({_APPROVED_MONTH}, {_ANY_MONTH}, date_trunc('month', ph.uploaded_at)::date), ph.id"""
)
# `ticket_units`: the units of the supervision tickets whose answers show the photo.
PHOTO_FILE = text(
    f"""SELECT ph.sha256, p.slug, {_APPROVED_MONTH} IS NOT NULL AS public,
               ARRAY(SELECT u.slug FROM supervision_entry_photos ep
                       JOIN supervision_entries e ON e.id = ep.entry_id
                       JOIN supervision_tickets t ON t.id = e.ticket_id
                       JOIN units u ON u.id = t.unit_id
                      WHERE ep.photo_id = ph.id) AS ticket_units
        FROM progress_photos ph JOIN projects p ON p.id = ph.project_id
        WHERE ph.id = :id AND p.deleted_at IS NULL"""
)
ALL_FILES = text("SELECT DISTINCT sha256 FROM progress_photos ORDER BY sha256")
