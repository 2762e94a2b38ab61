"""app/queries/sql/*.sql hold the current text of every planmap function, trigger and view: readable
in one place, and unable to drift from the migrations.

The files are run over the database migrated to head inside a transaction that is rolled back;
PostgreSQL's own rendering of each definition (pg_get_functiondef, pg_get_triggerdef,
pg_get_viewdef) must be the same before and after, up to layout. A view is rendered from its
parsed form, so any difference in meaning shows; a function body is kept as written, so it is
compared with its white space collapsed (comments included).
"""

import re

from sqlalchemy import Connection, Engine, text

from app.core.settings import REPO_ROOT

SQL_DIR = REPO_ROOT / "app" / "queries" / "sql"
FILES = ("functions.sql", "views.sql")

# planmap's own objects in `public`: not the ones an extension (PostGIS) owns.
NOT_FROM_AN_EXTENSION = "NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = {oid} AND d.deptype = 'e')"
FUNCTIONS = f"""
    SELECT p.proname, pg_get_functiondef(p.oid) FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
    WHERE n.nspname = 'public' AND {NOT_FROM_AN_EXTENSION.format(oid="p.oid")}"""
VIEWS = f"""
    SELECT c.relname, pg_get_viewdef(c.oid) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = 'public' AND c.relkind IN ('v', 'm') AND {NOT_FROM_AN_EXTENSION.format(oid="c.oid")}"""
TRIGGERS = "SELECT tgname, pg_get_triggerdef(oid) FROM pg_trigger WHERE NOT tgisinternal"


def _normalised(sql: str) -> str:
    collapsed = re.sub(r"\s+", " ", sql).strip()
    return re.sub(r"\s*([(),\[\]])\s*", r"\1", collapsed)


def _definitions(conn: Connection) -> dict[str, dict[str, str]]:
    return {
        kind: {name: _normalised(body) for name, body in conn.execute(text(sql)).all()}
        for kind, sql in (("function", FUNCTIONS), ("view", VIEWS), ("trigger", TRIGGERS))
    }


def _declared(sql: str) -> dict[str, set[str]]:
    """The objects a file creates, by kind, from its CREATE OR REPLACE statements."""
    found: dict[str, set[str]] = {"function": set(), "view": set(), "trigger": set()}
    for kind, name in re.findall(r"CREATE OR REPLACE (FUNCTION|VIEW|TRIGGER) (\w+)", sql):
        found[kind.lower()].add(name)
    return found


def test_sql_files_are_the_migrated_definitions(engine: Engine) -> None:
    files = {name: (SQL_DIR / name).read_text(encoding="utf-8") for name in FILES}
    with engine.connect() as conn:
        migrated = _definitions(conn)
        declared = _declared("\n".join(files.values()))
        # Every function, trigger and view of the database is in the files, and nothing else is.
        assert declared == {kind: set(objects) for kind, objects in migrated.items()}
        try:
            for sql in files.values():
                conn.exec_driver_sql(sql)
            from_files = _definitions(conn)
        finally:
            conn.rollback()
    for kind, objects in migrated.items():
        for name, definition in objects.items():
            assert from_files[kind][name] == definition, f"{kind} {name} in app/queries/sql differs from migrations"


def test_a_changed_body_would_be_noticed(engine: Engine) -> None:
    """The comparison is not blind: one changed number in the file makes it fail."""
    sql = (SQL_DIR / "functions.sql").read_text(encoding="utf-8").replace("THEN 'stale'", "THEN 'stalish'")
    with engine.connect() as conn:
        before = _definitions(conn)["function"]["project_warnings"]
        try:
            conn.exec_driver_sql(sql)
            after = _definitions(conn)["function"]["project_warnings"]
        finally:
            conn.rollback()
    assert after != before
