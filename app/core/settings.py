"""Runtime settings, read from the environment (and an optional `.env`).

Everything that differs between a laptop, CI and a county server lives here, so the
code never hard-codes a host, port or secret.
"""

from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_DATABASE_URL = "postgresql+psycopg://postgres@127.0.0.1:55432/planmap"


class Settings(BaseSettings):
    """planmap configuration; each field maps to an environment variable of the same name."""

    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    database_url: str = Field(
        default=DEFAULT_DATABASE_URL,
        description="SQLAlchemy URL of the PostGIS database (psycopg 3 driver).",
    )
    # 20, not 10: FastAPI releases a request's connection only after the response is sent, so a worker under N
    # concurrent requests holds up to 2N; past the pool size each extra connection was opened and closed per
    # request (a new PostgreSQL backend each time), which tripled tile latency at p90 (bench/NOTES.md).
    db_pool_size: int = Field(default=20, ge=1, le=200)
    db_max_overflow: int = Field(default=10, ge=0, le=200)
    db_pool_warm: int = Field(
        default=12,
        ge=0,
        le=200,
        description="Connections each worker opens and warms (PostGIS, PROJ, first plans) at start-up, so its first "
        "visitors do not pay for that; 0: connect on demand only. At most DB_POOL_SIZE are kept.",
    )
    db_pool_pre_ping: bool = Field(
        default=False,
        description="Test each pooled connection with a round trip before use. Off: it cost every request a "
        "fifth of its time (bench/RESULTS.md), and without it a database restart fails one request per worker, "
        "after which SQLAlchemy discards the whole pool and reconnects.",
    )
    geodata_dir: Path = Field(default=REPO_ROOT / "geodata", alias="PLANMAP_GEODATA_DIR")
    host: str = Field(default="127.0.0.1", alias="PLANMAP_HOST")
    port: int = Field(default=8000, alias="PLANMAP_PORT")
    stale_days: int = Field(
        default=180,
        ge=1,
        le=3650,
        alias="PLANMAP_STALE_DAYS",
        description="A project still in progress with no update for this many days is flagged `stale`.",
    )
    token_ttl_minutes: int = Field(
        default=480,
        ge=5,
        le=60 * 24 * 30,
        alias="PLANMAP_TOKEN_TTL_MINUTES",
        description="Lifetime of an API token; a working day by default.",
    )
    tiles: Literal["osm", "tianditu", "amap", "none"] = Field(
        default="none",
        alias="PLANMAP_TILES",
        description="Base map tiles of the map pages; `none` (the default: works on an intranet with no internet) "
        "draws only county and town outlines. `osm`, `tianditu` and `amap` need the readers' browsers to reach "
        "those tile servers; a page whose tiles fail to load falls back to the outlines and says so.",
    )
    tianditu_key: str | None = Field(default=None, alias="PLANMAP_TIANDITU_KEY", repr=False)
    tile_cache_seconds: float = Field(
        default=10.0,
        ge=0,
        le=60,
        alias="PLANMAP_TILE_CACHE_SECONDS",
        description="How long a worker reuses a vector tile it made (0: never). At most the tiles' max-age, so "
        "no client sees older data than Cache-Control already allows.",
    )
    map_vector_tiles_above: int = Field(
        default=5000,
        ge=0,
        le=10_000_000,
        alias="PLANMAP_MAP_VECTOR_TILES_ABOVE",
        description="The overview and town maps draw projects from vector tiles (/tiles) instead of loading them "
        "all as GeoJSON when the map would hold more than this many (0: always tiles).",
    )
    feedback_per_hour: int = Field(
        default=5,
        ge=1,
        le=1000,
        alias="PLANMAP_FEEDBACK_PER_HOUR",
        description="How many feedback messages one client (by salted address hash) may send in any hour.",
    )
    feedback_max_bytes: int = Field(
        default=16384,
        ge=1024,
        le=1 << 20,
        alias="PLANMAP_FEEDBACK_MAX_BYTES",
        description="Largest feedback request body accepted (413 above): 2000 characters fit even \\u-escaped.",
    )
    # Reliability and security (issue 9); see README "Operations and security".
    env: Literal["development", "production"] = Field(
        default="development",
        alias="PLANMAP_ENV",
        description="`production` refuses to start with development defaults (database URL or password, secrets).",
    )
    cors_origins: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        alias="PLANMAP_CORS_ORIGINS",
        description="Comma-separated origins allowed to call the API from a browser (CORS); empty: CORS off.",
    )
    max_body_bytes: int = Field(
        default=1 << 20,
        ge=1024,
        le=64 << 20,
        alias="PLANMAP_MAX_BODY_BYTES",
        description="Largest request body accepted; above it 413, decided while reading (not after).",
    )
    body_timeout_seconds: float = Field(
        default=30.0,
        gt=0,
        le=600,
        alias="PLANMAP_BODY_TIMEOUT_SECONDS",
        description="Time allowed to receive a whole request body; a client that trickles gets 408.",
    )
    login_failures_per_user: int = Field(
        default=10,
        ge=1,
        alias="PLANMAP_LOGIN_FAILURES_PER_USER",
        description="Failed logins allowed per username per window before 429.",
    )
    login_failures_per_client: int = Field(
        default=30,
        ge=1,
        alias="PLANMAP_LOGIN_FAILURES_PER_CLIENT",
        description="Failed logins allowed per client address per window before 429.",
    )
    login_window_seconds: int = Field(default=900, ge=1, alias="PLANMAP_LOGIN_WINDOW_SECONDS")
    log_level: str = Field(default="INFO", alias="PLANMAP_LOG_LEVEL")
    log_json: bool = Field(
        default=True, alias="PLANMAP_LOG_JSON", description="One JSON object per log line (false: plain text)."
    )
    db_connect_timeout: int = Field(
        default=5,
        ge=1,
        le=120,
        description="Seconds to wait for a new database connection, so an unreachable database answers 503 fast.",
    )
    pg_bin_dir: Path = Field(
        default=Path("/usr/lib/postgresql/15/bin"),
        alias="PLANMAP_PG_BIN",
        description="Where pg_dump and pg_restore live (for `planmap backup` / `planmap restore`).",
    )

    @field_validator("cors_origins", mode="before")
    @classmethod
    def _split_origins(cls, value: object) -> object:
        if isinstance(value, str):
            return [origin.strip() for origin in value.split(",") if origin.strip()]
        return value


@lru_cache
def get_settings() -> Settings:
    """Settings are read once per process; tests override by building their own."""
    return Settings()
