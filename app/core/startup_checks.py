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

Whatever the environment, the app and the `planmap` command also refuse to start when a
`PLANMAP_` variable (in the environment or `.env`) is no setting: `PLANMAP_STALE_DAY=30` would
otherwise leave the 180-day default in force while the operator believes it changed.
"""

import difflib
import logging
import os
from collections.abc import Mapping
from pathlib import Path

from dotenv import dotenv_values
from sqlalchemy.engine import make_url

from app.core.settings import DEFAULT_DATABASE_URL, ENV_FILE, ENV_PREFIX, LEGACY_NAMES, Settings, env_name

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
    for name, info in Settings.model_fields.items():
        if "secret" not in name:
            continue
        value = getattr(settings, name)
        if hasattr(value, "get_secret_value"):
            value = value.get_secret_value()
        shown = env_name(name)
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


# PLANMAP_ variables read by the tools around the app, not by it: the private cluster script
# (scripts/pgcluster.sh), docker compose's database password, and the API fuzz test's budget.
TOOL_VARIABLES = frozenset({"PLANMAP_PG_PORT", "PLANMAP_PG_BASE", "PLANMAP_DB_PASSWORD", "PLANMAP_FUZZ_EXAMPLES"})


class UnknownSettingError(ValueError):
    """A PLANMAP_ variable that is no setting; the message names it and the nearest real name."""


def setting_names() -> list[str]:
    """Every variable the settings read under their current names, in field order."""
    return [env_name(field) for field in Settings.model_fields]


def configured_variables(environ: Mapping[str, str] | None = None, env_file: Path | None = None) -> dict[str, str]:
    """The process environment and the `.env` file (as Settings reads them), by upper-case name."""
    variables = {k.upper(): v or "" for k, v in dotenv_values(env_file or Path(ENV_FILE)).items()}
    variables.update({k.upper(): v for k, v in (os.environ if environ is None else environ).items()})
    return variables


def unknown_settings(variables: Mapping[str, str]) -> list[str]:
    """One message per PLANMAP_ variable that no setting reads, with the closest real name if any."""
    current = setting_names()
    known = {*current, *LEGACY_NAMES, *TOOL_VARIABLES}
    problems = []
    for name in sorted(variables):
        if not name.startswith(ENV_PREFIX) or name in known:
            continue
        close = difflib.get_close_matches(name, current, n=1, cutoff=0.75)
        problems.append(f"unknown setting {name}" + (f"; did you mean {close[0]}?" if close else ""))
    return problems


def refuse_unknown_settings(variables: Mapping[str, str] | None = None) -> None:
    """Raise when a PLANMAP_ variable is misspelt or obsolete; note old names that still work."""
    variables = configured_variables() if variables is None else variables
    for legacy, field in LEGACY_NAMES.items():
        if legacy in variables:
            log.warning("%s is the old name of %s; both work", legacy, env_name(field))
    problems = unknown_settings(variables)
    if problems:
        for problem in problems:
            log.critical("refusing to start: %s", problem)
        raise UnknownSettingError("; ".join(problems))
