"""The daily run: not before PLANMAP_NOTIFY_DAILY_AT in Lianzhou (UTC+8), then once, whichever worker asks."""

from datetime import UTC, date, datetime, time

from sqlalchemy import Engine, text

from app.catalog.seed import SeedResult
from app.core.settings import Settings
from app.notify import daily


def test_daily_work_runs_once_after_the_local_hour(engine: Engine, first_seed: SeedResult, settings: Settings) -> None:
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM notify_daily_runs"))
    config = settings.with_changes(notify_daily_at=time(8, 0))
    # 23:59 UTC on the 29th is 07:59 on the 30th in Lianzhou: not yet
    assert daily.run_if_due(engine, config, datetime(2026, 11, 29, 23, 59, tzinfo=UTC)) is None
    # 00:01 UTC is 08:01 there: the 30th's digests and reminders are queued, once
    assert daily.run_if_due(engine, config, datetime(2026, 11, 30, 0, 1, tzinfo=UTC)) == date(2026, 11, 30)
    assert daily.run_if_due(engine, config, datetime(2026, 11, 30, 0, 2, tzinfo=UTC)) is None  # another worker
    assert daily.run_if_due(engine, config, datetime(2026, 11, 30, 15, 0, tzinfo=UTC)) is None  # 23:00 there
    # 16:00 UTC on the 30th is already midnight of 1 December there, but before 08:00: not yet
    assert daily.run_if_due(engine, config, datetime(2026, 11, 30, 16, 0, tzinfo=UTC)) is None
    assert daily.run_if_due(engine, config, datetime(2026, 12, 1, 0, 30, tzinfo=UTC)) == date(2026, 12, 1)
    with engine.connect() as conn:
        days = conn.execute(text("SELECT day FROM notify_daily_runs ORDER BY day")).scalars().all()
    assert days == [date(2026, 11, 30), date(2026, 12, 1)]
