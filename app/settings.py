"""Runtime settings, read from the environment (and an optional `.env`).

Everything that differs between a laptop, CI and a county server lives here, so the
code never hard-codes a host, port or secret.
"""

from functools import lru_cache
from pathlib import Path

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
    db_pool_size: int = Field(default=10, ge=1, le=200)
    db_max_overflow: int = Field(default=10, ge=0, le=200)
    geodata_dir: Path = Field(default=REPO_ROOT / "geodata", alias="PLANMAP_GEODATA_DIR")
    host: str = Field(default="127.0.0.1", alias="PLANMAP_HOST")
    port: int = Field(default=8000, alias="PLANMAP_PORT")


@lru_cache
def get_settings() -> Settings:
    """Settings are read once per process; tests override by building their own."""
    return Settings()
