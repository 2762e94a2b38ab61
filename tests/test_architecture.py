"""The rooms of app/ and what each may import (docs/architecture.md, "Who may import whom").

Read from the source with `ast`, so a rule broken by a new import fails here with the file and
the import named, before it becomes a knot that no one can move.
"""

import ast
import importlib.util
from collections.abc import Iterator
from pathlib import Path

import pytest

APP = Path(__file__).resolve().parents[1] / "app"

HTTP_ROOMS = {"api", "web", "ogc", "feeds", "middleware", "wallmap"}
DOMAIN_ROOMS = {
    *("catalog", "editing", "feedback", "history", "exports", "plans", "units", "programmes", "progress", "photos"),
    *("ops", "reports", "notify", "supervision"),
}
# The two modules that assemble the app out of every router; the rest of core is the foundation.
ASSEMBLY = {"app/core/app.py", "app/core/wiring.py"}
FRAMEWORKS = ("fastapi", "starlette")


def imports() -> Iterator[tuple[str, str, str]]:
    """(file, its room, imported module) for every import in app/."""
    for path in sorted(APP.rglob("*.py")):
        relative = path.relative_to(APP.parent).as_posix()
        parts = path.relative_to(APP).parts
        room = parts[0] if len(parts) > 1 else parts[0].removesuffix(".py")
        for node in ast.walk(ast.parse(path.read_text(), relative)):
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                yield relative, room, node.module
            elif isinstance(node, ast.Import):
                for alias in node.names:
                    yield relative, room, alias.name


def room_of(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if parts[0] == "app" and len(parts) > 1 else None


def broken(rule: str) -> list[str]:
    found = []
    for file, room, module in imports():
        target = room_of(module)
        if rule == "core is the foundation":
            bad = room == "core" and file not in ASSEMBLY and target not in (None, "core")
        elif rule == "queries read only the foundation":
            bad = room == "queries" and target not in (None, "core", "catalog", "queries")
        elif rule == "domain code knows nothing of HTTP":
            bad = room in DOMAIN_ROOMS and (target in HTTP_ROOMS | {"cli"} or module.split(".")[0] in FRAMEWORKS)
        elif rule == "only the entry points import the CLI":
            bad = target == "cli" and room not in ("cli", "__main__")
        else:
            raise AssertionError(rule)
        if bad:
            found.append(f"{file} imports {module}")
    return found


@pytest.mark.parametrize(
    "rule",
    [
        "core is the foundation",
        "queries read only the foundation",
        "domain code knows nothing of HTTP",
        "only the entry points import the CLI",
    ],
)
def test_rooms_import_only_what_the_architecture_allows(rule: str) -> None:
    assert broken(rule) == [], f"{rule}: see docs/architecture.md"


def test_app_has_only_a_handful_of_top_level_modules() -> None:
    loose = sorted(path.name for path in APP.glob("*.py"))
    assert loose == ["__init__.py", "__main__.py", "main.py"], "new code goes into a room (docs/architecture.md)"


def test_every_import_of_app_names_a_module_that_exists() -> None:
    """mypy is told to ignore modules it cannot find (for third-party libraries without types), so a
    module moved or deleted would go unnoticed by it; this does not let it."""
    missing = sorted(
        f"{file} imports {module}"
        for file, _, module in imports()
        if module.startswith("app.") and importlib.util.find_spec(module) is None
    )
    assert missing == []
