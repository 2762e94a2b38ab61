"""Runtime settings, read from the environment (and an optional `.env`).

Everything that differs between a laptop, CI and a county server lives here, so the
code never hard-codes a host, port or secret.
"""

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

REPO_ROOT = Path(__file__).resolve().parent.parent
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
    db_pool_pre_ping: bool = Field(
        default=False,
        description="Test each pooled connection with a round trip before use. Off: it cost every request a "
        "fifth of its time (bench/RESULTS.md), and without it a database restart fails one request per worker, "
        "after which SQLAlchemy discards the whole pool and reconnects.",
    )
    geodata_dir: Path = Field(default=REPO_ROOT / "geodata", alias="PLANMAP_GEODATA_DIR")
    host: str = Field(default="127.0.0.1", alias="PLANMAP_HOST")
    port: int = Field(default=8000, alias="PLANMAP_PORT")
    token_ttl_minutes: int = Field(
        default=480,
        ge=5,
        le=60 * 24 * 30,
        alias="PLANMAP_TOKEN_TTL_MINUTES",
        description="Lifetime of an API token; a working day by default.",
    )
    tiles: Literal["osm", "tianditu", "amap", "none"] = Field(
        default="osm",
        alias="PLANMAP_TILES",
        description="Base map tiles of the map pages; `none` draws only county and town outlines (offline).",
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


@lru_cache
def get_settings() -> Settings:
    """Settings are read once per process; tests override by building their own."""
    return Settings()
