"""Refuse to start in production with development defaults, and say why in the log.

`PLANMAP_ENV=development` (the default) changes nothing. With `PLANMAP_ENV=production` the app
will not start when:
- DATABASE_URL is the development default, or points at the private development cluster
  (127.0.0.1:55432, which `scripts/pgcluster.sh` creates with `trust` authentication: no password
  is ever checked there);
- the database password is a well-known default (`postgres`, `password`, `planmap`, …);
- a secret setting (any setting whose name contains `secret`) is unset, left at its default, or
  shorter than 32 characters.

A refused start is better than a county server running for months on a database anyone on the
machine can write to: the operator sees the reason at once, in the first lines of the log.
"""

import logging

from sqlalchemy.engine import make_url

from app.core.settings import DEFAULT_DATABASE_URL, Settings

log = logging.getLogger("planmap.startup")

DEV_CLUSTER_PORT = 55432
WEAK_PASSWORDS = frozenset({"", "postgres", "password", "planmap", "changeme", "secret", "admin", "123456", "test"})
MIN_SECRET_LENGTH = 32


class InsecureSettingsError(RuntimeError):
    """The settings are unsafe for production; the message lists every reason."""


def production_problems(settings: Settings) -> list[str]:
    """Every reason the settings are unsafe for production (empty: fine, or not production)."""
    if settings.env != "production":
        return []
    problems: list[str] = []
    url = make_url(settings.database_url)
    if settings.database_url == DEFAULT_DATABASE_URL:
        problems.append("DATABASE_URL is not set: the default is the development database")
    elif url.host in ("127.0.0.1", "localhost", "::1") and url.port == DEV_CLUSTER_PORT:
        problems.append(
            f"DATABASE_URL points at the development cluster on port {DEV_CLUSTER_PORT}, which trusts every "
            "local connection without a password"
        )
    if url.password is not None and str(url.password).lower() in WEAK_PASSWORDS:
        problems.append("the database password in DATABASE_URL is a well-known default; set a strong one")
    for name, info in type(settings).model_fields.items():
        if "secret" not in name:
            continue
        value = getattr(settings, name)
        if hasattr(value, "get_secret_value"):
            value = value.get_secret_value()
        shown = info.alias or name.upper()
        if value is None or value == "" or value == info.default:
            problems.append(
                f"{shown} is not set (it must be a random value of at least {MIN_SECRET_LENGTH} characters)"
            )
        elif len(str(value)) < MIN_SECRET_LENGTH:
            problems.append(f"{shown} is shorter than {MIN_SECRET_LENGTH} characters")
    return problems


def refuse_insecure_settings(settings: Settings) -> None:
    """Log each problem and raise, so the server exits instead of serving."""
    problems = production_problems(settings)
    if not problems:
        return
    for problem in problems:
        log.critical("refusing to start in production: %s", problem)
    raise InsecureSettingsError("PLANMAP_ENV=production, but: " + "; ".join(problems))
