"""Runtime settings, read from the environment (and an optional `.env`).

Everything that differs between a laptop, CI and a county server lives here, so the
code never hard-codes a host, port or secret.

One rule for names: a field `stale_days` is the variable `PLANMAP_STALE_DAYS` and the keyword
`Settings(stale_days=30)`; only `DATABASE_URL` keeps its conventional name. Every construction
is validated (a keyword that is no field is refused, not ignored; a copy with changes is built
again, not patched), so a setting can never silently keep its default. The variables of older
releases (`DB_POOL_SIZE`, `PLANMAP_PG_BIN`, …) still work: see LEGACY_NAMES. An unknown
`PLANMAP_` variable is refused at start-up by app/core/startup_checks.py.
"""

import ipaddress
from collections.abc import Mapping
from datetime import time
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any, Literal, Self

from pydantic import AliasChoices, Field, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_DATABASE_URL = "postgresql+psycopg://postgres@127.0.0.1:55432/planmap"
ENV_PREFIX = "PLANMAP_"
ENV_FILE = ".env"

# Variables of earlier releases, still read (after the current name): documented names keep working.
LEGACY_NAMES: dict[str, str] = {
    "DB_POOL_SIZE": "db_pool_size",
    "DB_MAX_OVERFLOW": "db_max_overflow",
    "DB_POOL_WARM": "db_pool_warm",
    "DB_POOL_PRE_PING": "db_pool_pre_ping",
    "DB_CONNECT_TIMEOUT": "db_connect_timeout",
    "PLANMAP_PG_BIN": "pg_bin_dir",
}


def _also(legacy: str) -> AliasChoices:
    """The current variable name first, then the old one (field names are accepted by populate_by_name)."""
    return AliasChoices(ENV_PREFIX + LEGACY_NAMES[legacy].upper(), legacy)


class Settings(BaseSettings):
    """planmap configuration; field `x` is the environment variable `PLANMAP_X` (but DATABASE_URL)."""

    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX,
        env_file=ENV_FILE,
        # The .env file may also hold other tools' variables (docker compose reads PLANMAP_DB_PASSWORD from it):
        # only the settings' own names are taken from it; unknown PLANMAP_ names are reported by startup_checks.
        dotenv_filtering="only_existing",
        extra="forbid",
        populate_by_name=True,
        validate_default=True,
        frozen=True,
    )

    database_url: str = Field(
        default=DEFAULT_DATABASE_URL,
        validation_alias="DATABASE_URL",
        description="SQLAlchemy URL of the PostGIS database (psycopg 3 driver).",
    )
    # 20, not 10: FastAPI releases a request's connection only after the response is sent, so a worker under N
    # concurrent requests holds up to 2N; past the pool size each extra connection was opened and closed per
    # request (a new PostgreSQL backend each time), which tripled tile latency at p90 (bench/NOTES.md).
    db_pool_size: int = Field(default=20, ge=1, le=200, validation_alias=_also("DB_POOL_SIZE"))
    db_max_overflow: int = Field(default=10, ge=0, le=200, validation_alias=_also("DB_MAX_OVERFLOW"))
    db_pool_warm: int = Field(
        default=12,
        ge=0,
        le=200,
        validation_alias=_also("DB_POOL_WARM"),
        description="Connections each worker opens and warms (PostGIS, PROJ, first plans) at start-up, so its first "
        "visitors do not pay for that; 0: connect on demand only. At most DB_POOL_SIZE are kept.",
    )
    db_pool_pre_ping: bool = Field(
        default=False,
        validation_alias=_also("DB_POOL_PRE_PING"),
        description="Test each pooled connection with a round trip before use. Off: it cost every request a "
        "fifth of its time (bench/RESULTS.md), and without it a database restart fails one request per worker, "
        "after which SQLAlchemy discards the whole pool and reconnects.",
    )
    geodata_dir: Path = Field(default=REPO_ROOT / "geodata")
    host: str = Field(default="127.0.0.1")
    port: int = Field(default=8000)
    stale_days: int = Field(
        default=180,
        ge=1,
        le=3650,
        description="A project still in progress with no update for this many days is flagged `stale`.",
    )
    token_ttl_minutes: int = Field(
        default=480,
        ge=5,
        le=60 * 24 * 30,
        description="Lifetime of an API token; a working day by default.",
    )
    tiles: Literal["osm", "tianditu", "amap", "none"] = Field(
        default="none",
        description="Base map tiles of the map pages; `none` (the default: works on an intranet with no internet) "
        "draws only county and town outlines. `osm`, `tianditu` and `amap` need the readers' browsers to reach "
        "those tile servers; a page whose tiles fail to load falls back to the outlines and says so.",
    )
    tianditu_key: str | None = Field(default=None, repr=False)
    tile_cache_seconds: float = Field(
        default=10.0,
        ge=0,
        le=60,
        description="How long a worker reuses a vector tile it made (0: never). At most the tiles' max-age, so "
        "no client sees older data than Cache-Control already allows.",
    )
    map_vector_tiles_above: int = Field(
        default=5000,
        ge=0,
        le=10_000_000,
        description="The overview and town maps draw projects from vector tiles (/tiles) instead of loading them "
        "all as GeoJSON when the map would hold more than this many (0: always tiles).",
    )
    feedback_per_hour: int = Field(
        default=5,
        ge=1,
        le=1000,
        description="How many feedback messages one client (by salted address hash) may send in any hour.",
    )
    feedback_max_bytes: int = Field(
        default=16384,
        ge=1024,
        le=1 << 20,
        description="Largest feedback request body accepted (413 above): 2000 characters fit even \\u-escaped.",
    )
    wallmap_timeout_seconds: float = Field(
        default=30.0,
        gt=0,
        le=600,
        description="Longest a wall-map PDF may take to draw (its worker process is then stopped; 503). A town's "
        "map takes well under a second.",
    )
    wallmap_max_renders: int = Field(
        default=2,
        ge=1,
        le=32,
        description="Wall maps drawn at once per server process; one more request gets 503 with Retry-After.",
    )
    # Reliability and security (issue 9); see README "Operations and security".
    env: Literal["development", "production"] = Field(
        default="development",
        description="`production` refuses to start with development defaults (database URL or password, secrets).",
    )
    cors_origins: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="Comma-separated origins allowed to call the API from a browser (CORS); empty: CORS off.",
    )
    trusted_proxies: str = Field(
        default="",
        description="Comma-separated addresses or networks of the reverse proxies in front of the app (e.g. "
        "`127.0.0.1` for nginx on the same machine). Only requests from these may name the client in "
        "X-Forwarded-For/-Proto; empty: nobody may, and the client is the connection's address.",
    )
    max_body_bytes: int = Field(
        default=1 << 20,
        ge=1024,
        le=64 << 20,
        description="Largest request body accepted; above it 413, decided while reading (not after).",
    )
    body_timeout_seconds: float = Field(
        default=30.0,
        gt=0,
        le=600,
        description="Time allowed to receive a whole request body; a client that trickles gets 408.",
    )
    login_failures_per_user: int = Field(
        default=10,
        ge=1,
        description="Failed logins of one username from one client address before each attempt waits "
        "(5 s, doubling up to PLANMAP_LOGIN_WINDOW_SECONDS; app/auth/login_throttle.py).",
    )
    login_failures_per_client: int = Field(
        default=30,
        ge=1,
        description="Failed logins from one client address (any usernames) before each attempt waits; not "
        "applied to an account's known clients.",
    )
    login_failures_per_account: int = Field(
        default=100,
        ge=1,
        description="Failed logins of one username from all addresses before each attempt is slowed (by at most "
        "a minute: a ceiling, never a lockout); not applied to the account's known clients.",
    )
    login_window_seconds: int = Field(
        default=900, ge=1, description="The longest wait between attempts that the failed-login backoff imposes."
    )
    log_level: str = Field(default="INFO")
    log_json: bool = Field(default=True, description="One JSON object per log line (false: plain text).")
    db_connect_timeout: int = Field(
        default=5,
        ge=1,
        le=120,
        validation_alias=_also("DB_CONNECT_TIMEOUT"),
        description="Seconds to wait for a new database connection, so an unreachable database answers 503 fast.",
    )
    metrics_public: bool = Field(
        default=False,
        description="Serve /metrics to anyone. Off: only admins and planners (bearer token or session cookie) "
        "and holders of PLANMAP_METRICS_TOKEN may read it; the route and status counts map what is being used.",
    )
    metrics_token: str | None = Field(
        default=None,
        min_length=32,
        repr=False,
        description="A long random secret Prometheus sends as `Authorization: Bearer <token>` to scrape /metrics "
        "(user tokens expire after a working day; this one lives as long as the setting). Unset: staff only.",
    )
    export_concurrency: int = Field(
        default=2,
        ge=1,
        le=64,
        description="Exports (/api/export, /api/projects?format=csv) one worker runs at once; more wait briefly, "
        "then get 503 with Retry-After. Bounds the memory and database time big downloads can take.",
    )
    export_queue_seconds: float = Field(
        default=5.0,
        ge=0,
        le=120,
        description="How long an export waits for a free slot (PLANMAP_EXPORT_CONCURRENCY) before the 503.",
    )
    export_anonymous_max_features: int = Field(
        default=20_000,
        ge=1,
        le=10_000_000,
        description="Most projects one export may hold for a caller who is not logged in (413 above, asking to "
        "filter or log in); staff exports are bounded by the concurrency limit only.",
    )
    pg_bin_dir: Path = Field(
        default=Path("/usr/lib/postgresql/15/bin"),
        validation_alias=_also("PLANMAP_PG_BIN"),
        description="Where pg_dump and pg_restore live (for `planmap backup` / `planmap restore`).",
    )

    # The implementation cycle (issue 17): monthly reports and their photos.
    data_dir: Path = Field(
        default=REPO_ROOT / "var",
        description="Where uploaded files live (photos/ and their thumbnails); `planmap backup` and `restore` "
        "carry them next to the database dump.",
    )
    report_deadline_day: int = Field(
        default=5,
        ge=1,
        le=28,
        description="A month's progress report is due by this day of the next month (Lianzhou's date); later "
        "reports are flagged late, and none by then is flagged missing.",
    )
    photo_max_bytes: int = Field(
        default=12 << 20,
        ge=64 << 10,
        le=64 << 20,
        description="Largest photo upload accepted (413 above); only the photo upload route allows bodies above "
        "PLANMAP_MAX_BODY_BYTES.",
    )
    photo_max_pixels: int = Field(
        default=40_000_000,
        ge=1_000_000,
        le=200_000_000,
        description="Largest photo accepted in pixels (width x height), checked before decoding: a small file "
        "that would decode to gigabytes (a decompression bomb) is refused.",
    )

    # Notifications (issue 21): the outbox worker and its channels; see README "Notifications".
    public_url: str = Field(
        default="http://127.0.0.1:8000",
        pattern=r"^https?://[^\s/]+(/[^\s]*)?$",
        description="The address people open planmap at; every message links to its page under it.",
    )
    smtp_host: str = Field(default="127.0.0.1", description="Mail server that sends planmap's email.")
    smtp_port: int = Field(default=25, ge=1, le=65535)
    smtp_starttls: bool = Field(default=False, description="Upgrade the SMTP connection with STARTTLS (port 587).")
    smtp_username: str | None = Field(default=None, description="SMTP login; unset: no AUTH.")
    smtp_password: str | None = Field(default=None, repr=False)
    smtp_from: str = Field(default="planmap@localhost", description="The From address of planmap's email.")
    notify_max_attempts: int = Field(
        default=8,
        ge=1,
        le=50,
        description="Deliveries tried per message before it is marked failed (see /api/notifications/undelivered).",
    )
    notify_backoff_seconds: float = Field(
        default=30.0,
        gt=0,
        le=3600,
        description="Wait before the first retry of a failed delivery; doubled for each further attempt.",
    )
    notify_backoff_cap_seconds: float = Field(
        default=6 * 3600.0, gt=0, le=7 * 86400, description="Longest wait between two delivery attempts."
    )
    notify_poll_seconds: float = Field(
        default=5.0, gt=0, le=300, description="How often an idle `planmap worker` looks for due messages."
    )
    notify_daily_at: time = Field(
        default=time(8, 0),
        description="Lianzhou's local time (UTC+8) after which the worker queues the day's subscriber digests and "
        "reminders (reports due, supervision tickets near their deadline); once a day, whichever worker is first.",
    )
    notify_remind_days: int = Field(
        default=3, ge=0, le=30, description="Reminders start this many days before a report or ticket is due."
    )
    notify_timeout_seconds: float = Field(
        default=10.0, gt=0, le=120, description="Longest one delivery (SMTP session or webhook call) may take."
    )

    @field_validator("trusted_proxies")
    @classmethod
    def _proxy_networks(cls, value: str) -> str:
        """Addresses or networks only: a `*` would let any client name itself anything (issue 15, item 6)."""
        entries = [entry.strip() for entry in value.split(",") if entry.strip()]
        for entry in entries:
            try:
                ipaddress.ip_network(entry, strict=False)
            except ValueError:
                raise ValueError(f"{entry!r} is not an IP address or network (e.g. 127.0.0.1, 10.0.0.0/8)") from None
        return ",".join(entries)

    @field_validator("cors_origins", mode="before")
    @classmethod
    def _split_origins(cls, value: object) -> object:
        if isinstance(value, str):
            return [origin.strip() for origin in value.split(",") if origin.strip()]
        return value

    def with_changes(self, **changes: Any) -> Self:
        """A copy with `changes`, validated like a new construction (a bad value or unknown name is refused)."""
        return type(self)(**{**self.model_dump(), **changes})

    def model_copy(self, *, update: Mapping[str, Any] | None = None, deep: bool = False) -> Self:
        """Pydantic's copy skips validation, which let `stale_days=0` or a misspelt name through; not here."""
        if update:
            return self.with_changes(**update)
        return super().model_copy(deep=deep)


def env_name(field: str) -> str:
    """The environment variable of a field (DATABASE_URL keeps its name)."""
    alias = Settings.model_fields[field].validation_alias
    if isinstance(alias, str):
        return alias
    return ENV_PREFIX + field.upper()


@lru_cache
def get_settings() -> Settings:
    """Settings are read once per process; tests override by building their own."""
    return Settings()
