"""SQL of the operations modules in app/core (backup and restore), kept apart from the code that
runs pg_dump and pg_restore around it.

(app/core/db.py's warm-up statement and app/core/dbadmin.py's CREATE/DROP DATABASE stay with
the database layer they belong to.)
"""

from sqlalchemy import Connection, text

# The app's own tables: those of `public` that no extension (PostGIS's spatial_ref_sys) owns.
APP_TABLES = text(
    """SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
       WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p')
         AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = c.oid AND d.deptype = 'e')
       ORDER BY c.relname"""
)
EXPORT_SNAPSHOT = text("SELECT pg_export_snapshot()")
ENSURE_POSTGIS = text("CREATE EXTENSION IF NOT EXISTS postgis")


def row_counts(conn: Connection) -> dict[str, int]:
    """Rows in each of the app's tables (names come from the catalog query above, quoted)."""
    tables = list(conn.execute(APP_TABLES).scalars())
    return {t: int(conn.execute(text(f'SELECT count(*) FROM public."{t}"')).scalar_one()) for t in tables}
