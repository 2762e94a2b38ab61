"""A database of the reports' own: the seeded catalog with the kinds of history a real plan gathers
(completed, late, postponed, cancelled, merged and suspended projects, a sensitive site, revisions with
reasons), so every report section has something true to show."""

from collections.abc import Iterator

import pytest
from sqlalchemy import text

from tests.support.editing import EditWorld, open_world

COMPLETED = "baiyun-water-plant"
CANCELLED = "baoan-dawushan-forest-oxygen-bar"
POSTPONED = "ancient-road-beautiful-villages"
MERGED = "baoan-fushan-demo-belt"
SUSPENDED = "beishan-commercial-plaza"
SENSITIVE = "dongbei-river-greenway"  # a line in the real world; the public sees a town seat
REVISED = "beishan-park"

HISTORY = [
    f"""UPDATE projects SET status = 'completed', planned_start = '2022-03-01', planned_end = '2025-06-30',
               actual_start = '2022-04-15', actual_end = '2025-10-20', planned_investment_cny_100m = 1.2,
               actual_spend_cny_100m = 1.35 WHERE slug = '{COMPLETED}'""",
    f"UPDATE projects SET status = 'cancelled', status_reason = '选址位于生态保护红线内' WHERE slug = '{CANCELLED}'",
    f"UPDATE projects SET status = 'postponed', status_reason = '资金未落实，推迟至十五五' WHERE slug = '{POSTPONED}'",
    f"""UPDATE projects SET status = 'merged', status_reason = '并入保安镇森林公园项目',
               merged_into_id = (SELECT id FROM projects WHERE slug = 'baoan-fushan-forest-park')
        WHERE slug = '{MERGED}'""",
    f"UPDATE projects SET status = 'suspended', status_reason = '征地纠纷' WHERE slug = '{SUSPENDED}'",
    f"UPDATE projects SET sensitive = true WHERE slug = '{SENSITIVE}'",
    f"""UPDATE projects SET planned_start = '2023-01-01', planned_end = '2026-12-31', start_year = 2023,
               planned_investment_cny_100m = 0.8 WHERE slug = '{REVISED}'""",
    # Statuses are dated by when they took effect (as the status route records them), so `as_of` reads see them.
    f"""INSERT INTO status_events (project_id, status, effective_date, reason)
        SELECT id, status, CASE status WHEN 'completed' THEN DATE '2025-10-20' ELSE DATE '2026-06-01' END,
               status_reason
        FROM projects WHERE slug IN ('{COMPLETED}', '{CANCELLED}', '{POSTPONED}', '{MERGED}', '{SUSPENDED}')""",
    f"""INSERT INTO project_revisions (project_id, plan_id, field, previous_value, revised_value, revised_on, reason)
        SELECT p.id, pl.id, 'planned_end', '"2025-12-31"', '"2026-12-31"', '2025-09-01', '汛期延长施工'
        FROM projects p, plans pl WHERE p.slug = '{REVISED}' AND pl.slug = 'lianzhou-14th'""",
]


@pytest.fixture(scope="module")
def bureau() -> Iterator[EditWorld]:
    """The app on a database with that history."""
    with open_world("planmap_reports") as world:
        with world.engine.begin() as conn:
            for statement in HISTORY:
                # Each write bumps `version`, as the app's writes do, so the history trigger records a version.
                bumped = statement.replace("UPDATE projects SET ", "UPDATE projects SET version = version + 1, ")
                conn.execute(text(bumped))
        yield world
