"""The plan's own text, so any quote attributed to it can be checked to be verbatim."""

from functools import lru_cache
from pathlib import Path

from app.core.settings import get_settings

PLAN_FILE = Path("plan") / "lianzhou-14th-five-year-plan.txt"


@lru_cache(maxsize=4)
def _plan_text(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def plan_text() -> str:
    return _plan_text(get_settings().geodata_dir / PLAN_FILE)


def is_verbatim(quote: str) -> bool:
    return bool(quote) and quote in plan_text()
