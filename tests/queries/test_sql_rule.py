"""The written rule for SQL (README, "Where SQL lives"): `text()` SQL only in query modules.

A module that is not a query module and calls sqlalchemy's `text()` fails this test unless it is
one of the named exceptions below, each with its reason. PENDING lists the modules other
engineers were rewriting while the rule was introduced (issue 14); they move their SQL into
their package's queries.py and leave this list.
"""

import ast
from pathlib import Path

from app.core.settings import REPO_ROOT

APP = REPO_ROOT / "app"

EXCEPTIONS = {
    "app/core/db.py": "the database layer itself: the warm-up statement each new pooled connection runs",
    "app/core/dbadmin.py": "the database layer itself: CREATE/DROP DATABASE on the maintenance database",
    "app/core/models.py": "index expressions and partial-index predicates of the ORM model (DDL, not queries)",
}
PENDING = {
    "app/auth/accounts.py",
    "app/auth/login.py",
    "app/auth/principal.py",
    "app/auth/tokens.py",
    "app/feedback/client.py",
    "app/history/audit.py",
    "app/wallmap/data.py",
}


def _is_query_module(path: Path) -> bool:
    relative = path.relative_to(APP)
    # app/queries/, a room's queries.py, or a room's named query modules (`subscription_queries.py`).
    return relative.parts[0] == "queries" or path.name == "queries.py" or path.name.endswith("_queries.py")


def _calls_sql_text(path: Path) -> bool:
    """Whether the module imports sqlalchemy's `text` and calls it."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    imported = any(
        isinstance(node, ast.ImportFrom)
        and (node.module or "").startswith("sqlalchemy")
        and any(alias.name == "text" for alias in node.names)
        for node in ast.walk(tree)
    )
    called = any(
        isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "text"
        for node in ast.walk(tree)
    )
    return imported and called


def test_sql_lives_in_query_modules() -> None:
    offenders = {
        str(path.relative_to(REPO_ROOT))
        for path in APP.rglob("*.py")
        if not _is_query_module(path) and _calls_sql_text(path)
    }
    assert offenders - EXCEPTIONS.keys() - PENDING == set(), "move this SQL into a query module"
    # Keep the lists honest: an entry whose SQL has moved must leave them.
    assert (EXCEPTIONS.keys() | PENDING) - offenders == set()
