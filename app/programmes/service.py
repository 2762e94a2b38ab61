"""Annual programmes: planners put a plan's projects into a year, one by one or from a spreadsheet.

A programme belongs to the plan whose period covers its year (or the plan named); only that plan's
projects can be in it, so a programme never carries a project the plan does not have. Each item's
change is audited; an item with progress reports cannot be removed (its reports would lose their year).
"""

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection

from app.auth.principal import Principal
from app.core.errors import Conflict, Invalid, NotFound, Problem
from app.history import audit
from app.programmes import queries as q
from app.programmes.vocab import ItemClass

MAX_TARGET = 2000
CLASS_ORDER = sorted(c.value for c in ItemClass)  # the order pages list classes in (as ORDER BY class did)


@dataclass(frozen=True)
class ItemIn:
    """One project's line in a year's programme, as validated input."""

    slug: str
    item_class: ItemClass
    planned_investment_cny_10k: Decimal | None
    target: str


def invalid(loc: list[str | int], message: str) -> Invalid:
    return Invalid(tuple(loc), message)


def list_programmes(conn: Connection) -> list[dict[str, Any]]:
    return [dict(r._mapping) for r in conn.execute(q.ALL_PROGRAMMES)]


def programme(conn: Connection, year: int, limit: int, after: tuple[str, str] | None = None) -> dict[str, Any]:
    """A page of a year's programme in (class, slug) order: `limit` items after the item `after` (class,
    slug), with `more` when another page follows and `matched`, the programme's size, on the first page
    (a count of the items alone, cheap; a page reached by cursor leaves it out). Read class by class
    (`queries.ITEMS`), each in slug order, so a page costs its own items."""
    row = conn.execute(q.PROGRAMME, {"year": year}).one_or_none()
    if row is None:
        raise NotFound(f"no annual programme for {year}")
    after_class, after_slug = after or ("", None)
    items: list[dict[str, Any]] = []
    for item_class in CLASS_ORDER:
        if item_class < after_class or len(items) > limit:
            continue
        params = {"programme": row.id, "item_class": item_class, "limit": limit + 1 - len(items),
                  "after_slug": after_slug if item_class == after_class else None}  # fmt: skip
        items += [dict(r._mapping) for r in conn.execute(q.ITEMS, params)]
    matched = None if after else int(conn.execute(q.ITEM_COUNT, {"programme": row.id}).scalar_one())
    return {"year": year, "plan": row.plan, "created_at": row.created_at, "items": items[:limit],
            "more": len(items) > limit, "matched": matched}  # fmt: skip


def project_programmes(conn: Connection, slug: str) -> list[dict[str, Any]]:
    return [dict(r._mapping) for r in conn.execute(q.PROJECT_PROGRAMMES, {"slug": slug})]


def _programme_for_write(conn: Connection, principal: Principal, year: int, plan: str | None) -> tuple[int, int]:
    """(programme id, plan id) of the year, created on first use; a named plan must match an existing one."""
    existing = conn.execute(q.PROGRAMME, {"year": year}).one_or_none()
    if existing is not None:
        if plan is not None and plan != existing.plan:
            raise Conflict(f"the {year} programme belongs to plan '{existing.plan}', not '{plan}'")
        plan_id = conn.execute(q.PLAN_FOR_YEAR, {"plan": existing.plan, "year": year}).one().id
        return int(existing.id), int(plan_id)
    found = conn.execute(q.PLAN_FOR_YEAR, {"plan": plan, "year": year}).one_or_none()
    if found is None:
        what = f"no plan '{plan}'" if plan else f"no plan's period covers {year}"
        raise invalid(["path", "year"], f"{what}: a programme belongs to a plan (record the plan first)")
    if not found.period_start <= year <= found.period_end:
        raise invalid(
            ["path", "year"], f"{year} lies outside plan '{found.slug}' ({found.period_start}–{found.period_end})"
        )
    programme_id = conn.execute(q.INSERT_PROGRAMME, {"plan_id": found.id, "year": year, "user": principal.user_id})
    audit.record(conn, actor=principal.username, user_id=principal.user_id, action="create",
                 object_type="programme", object_key=str(year), changes={"plan": found.slug})  # fmt: skip
    return int(programme_id.scalar_one()), int(found.id)


def _jsonable(row: Any) -> dict[str, Any] | None:
    if row is None:
        return None
    planned = row.planned_investment_cny_10k
    return {"class": row.item_class, "planned_investment_cny_10k": None if planned is None else str(planned),
            "target": row.target}  # fmt: skip


def _write_item(conn: Connection, principal: Principal, year: int, programme_id: int, project_id: int,
                item: ItemIn) -> bool:  # fmt: skip
    """Insert or change one item; audited when something changed. Returns whether it did."""
    before = _jsonable(conn.execute(q.ITEM, {"programme": programme_id, "project": project_id}).one_or_none())
    params = {"programme": programme_id, "project": project_id, "item_class": item.item_class.value,
              "planned": item.planned_investment_cny_10k, "target": item.target}  # fmt: skip
    after = {"class": item.item_class.value, "target": item.target,
             "planned_investment_cny_10k": None if item.planned_investment_cny_10k is None
             else str(item.planned_investment_cny_10k)}  # fmt: skip
    if before == after:
        return False
    conn.execute(q.UPSERT_ITEM, params)
    audit.record(conn, actor=principal.username, user_id=principal.user_id,
                 action="programme_add" if before is None else "programme_change",
                 object_type="project", object_key=item.slug,
                 changes={"programme": year, "old": before, "new": after})  # fmt: skip
    return True


def set_item(conn: Connection, principal: Principal, year: int, plan: str | None, item: ItemIn) -> bool:
    programme_id, plan_id = _programme_for_write(conn, principal, year, plan)
    project_id = conn.execute(q.PLAN_MEMBER, {"slug": item.slug, "plan_id": plan_id}).scalar()
    if project_id is None:
        raise NotFound(f"no project '{item.slug}' in the plan of the {year} programme")
    return _write_item(conn, principal, year, programme_id, int(project_id), item)


def remove_item(conn: Connection, principal: Principal, year: int, slug: str) -> None:
    row = conn.execute(q.PROGRAMME, {"year": year}).one_or_none()
    if row is None:
        raise NotFound(f"no annual programme for {year}")
    plan_id = conn.execute(q.PLAN_FOR_YEAR, {"plan": row.plan, "year": year}).one().id
    found = conn.execute(q.PLAN_MEMBER, {"slug": slug, "plan_id": plan_id}).scalar()
    if found is None or conn.execute(q.ITEM, {"programme": row.id, "project": found}).one_or_none() is None:
        raise NotFound(f"project '{slug}' is not in the {year} programme")
    if conn.execute(q.REPORTS_OF_ITEM, {"programme": row.id, "project": found}).scalar_one():
        raise Conflict(f"'{slug}' has progress reports in {year}: it stays in the programme")
    conn.execute(q.DELETE_ITEM, {"programme": row.id, "project": found})
    audit.record(conn, actor=principal.username, user_id=principal.user_id, action="programme_remove",
                 object_type="project", object_key=slug, changes={"programme": year})  # fmt: skip


def set_items(conn: Connection, principal: Principal, year: int, plan: str | None,
              items: list[tuple[int, ItemIn]]) -> dict[str, int]:  # fmt: skip
    """Write many items (from a spreadsheet: each with its row number), all or none."""
    programme_id, plan_id = _programme_for_write(conn, principal, year, plan)
    members = dict(conn.execute(q.PLAN_MEMBER_SLUGS, {"plan_id": plan_id}).tuples().all())
    problems = [
        Problem(("file", f"row {row}"), f"row {row}: no project '{item.slug}' in the plan of the {year} programme")
        for row, item in items if item.slug not in members
    ]  # fmt: skip
    if problems:
        raise Invalid.of(problems)
    changed = sum(_write_item(conn, principal, year, programme_id, members[i.slug], i) for _, i in items)
    return {"rows": len(items), "changed": changed, "unchanged": len(items) - changed}


def plan_members_by_name(conn: Connection, year: int, plan: str | None) -> dict[str, list[str]]:
    """name_zh -> slugs of the plan's projects, for a spreadsheet that names projects instead of slugs."""
    existing = conn.execute(q.PROGRAMME, {"year": year}).one_or_none()
    found = conn.execute(q.PLAN_FOR_YEAR, {"plan": existing.plan if existing else plan, "year": year}).one_or_none()
    if found is None:
        return {}
    return {r.name_zh: list(r.slugs) for r in conn.execute(q.PLAN_MEMBERS_BY_NAME, {"plan_id": found.id})}
