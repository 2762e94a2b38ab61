"""A second plan for tests: `fixture-15th`, clearly a FIXTURE (测试夹具). The 15th plan's text is not in the
repository, so no real 15th-plan project is invented: the fixture only receives projects carried over
from the 14th plan as the same projects (continuing, 续建)."""

from sqlalchemy import Engine, text

from app.plans.membership import join_plan
from app.plans.service import NewPlan, create_plan

FIXTURE_PLAN = "fixture-15th"
FIXTURE_NAME_ZH = "测试夹具：第十五个五年规划"
FIXTURE_NAME_EN = "FIXTURE: next plan"
CARRIED = "yuebei-dazhou-trade-city"  # a seeded 14th-plan project the plan says is under way (in Lianzhou town)


def add_fixture_plan(engine: Engine, carried: tuple[str, ...] = (CARRIED,)) -> None:
    """The fixture plan (2026–2030, so in force today) with `carried` continuing into it."""
    with engine.begin() as conn:
        plan = NewPlan(FIXTURE_PLAN, FIXTURE_NAME_ZH, FIXTURE_NAME_EN, 2026, 2030, "test fixture")
        create_plan(conn, plan, actor="test")
        rows = conn.execute(
            text("""SELECT slug, plan_chapter, plan_section, source_quote, start_year, end_year, figures
                    FROM projects WHERE slug = ANY(:s)"""),
            {"s": list(carried)},
        ).all()
        assert sorted(join_plan(conn, FIXTURE_PLAN, [dict(r._mapping) for r in rows])) == sorted(carried)
