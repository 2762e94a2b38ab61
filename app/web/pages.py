"""The HTML pages: overview, one town, one project, near me, and the progress dashboard.

Each page is a Jinja2 template (autoescaped: a name like `<img src=x onerror=…>` is shown
as text) around a Folium map. The map's features come from the JSON API in the browser;
the server only renders what a reader must see without JavaScript — titles, the project's
properties, tables of counts — and a small JSON config for the map script.
"""

import time
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote

import jinja2
from fastapi import APIRouter, Depends, Request
from fastapi import Path as PathParam
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlalchemy.ext.asyncio import AsyncConnection

from app.catalog.vocab import Lang, load_vocab, status_color
from app.core.dependencies import get_conn
from app.core.settings import REPO_ROOT, Settings
from app.progress.glance import header as cycle_header
from app.queries import page_data as data
from app.queries.stats import plan_stats
from app.web.contrast import ink
from app.web.csp import nonced_map, request_nonce
from app.web.i18n import Translator, get_lang
from app.web.i18n_cycle import map_cycle_config
from app.web.local_time import beijing
from app.web.maps import build_map
from app.web.monitoring import (
    PageAsOf,
    dashboard_config,
    dashboard_monitoring,
    follow_links,
    information_date,
    map_monitoring_config,
    page_as_of,
    page_filter,
    page_query,
    project_monitoring,
    reason_statuses,
    with_as_of,
)
from app.web.plan_switch import PagePlan, page_plan, with_plan
from app.web.project_extras import feedback_config, project_extras
from app.web.revision_view import revision_lines
from app.web.static_urls import STATIC_DIR, static_url
from app.web.uncertainty import project_uncertainty
from app.web.viewer import attach_session, page_session

TEMPLATES_DIR = REPO_ROOT / "frontend" / "templates"

# Every page knows who is looking (the header shows a logged-in user; the project page their edit controls).
router = APIRouter(include_in_schema=False, dependencies=[Depends(attach_session)])

_env = jinja2.Environment(
    loader=jinja2.FileSystemLoader(TEMPLATES_DIR),
    autoescape=True,  # every template, whatever its file name: user text must never become markup
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)
# `{{ static_url("js/kit.js") }}`: every static file a template links carries its content hash.
_env.globals["static_url"] = static_url
# `color: {{ fill | ink }}`: text written on a coloured bar stays readable (app/web/contrast.py).
_env.filters["ink"] = ink
# `{{ when | beijing }}`: a moment on Lianzhou's clock (app/web/local_time.py).
_env.filters["beijing"] = beijing

# Figure keys carry their unit; these are the readable names (unknown keys are shown as they are).
FIGURE_LABELS: dict[str, tuple[str, str]] = {
    "capacity_mw": ("装机容量（兆瓦）", "Capacity (MW)"),
    "length_km": ("长度（公里）", "Length (km)"),
    "area_km2": ("面积（平方公里）", "Area (km²)"),
    "area_mu": ("面积（亩）", "Area (mu)"),
    "investment_cny_100m": ("投资（亿元）", "Investment (100 million CNY)"),
    "count": ("数量", "Count"),
    "voltage_kv": ("电压（千伏）", "Voltage (kV)"),
    "flood_return_period_years": ("防洪标准（年一遇）", "Flood protection (return period, years)"),
}


def figure_label(key: str, lang: Lang) -> str:
    names = FIGURE_LABELS.get(key)
    return key if names is None else names[1 if lang == "en" else 0]


def with_lang(path: str, lang: Lang) -> str:
    """A link inside the site that keeps the reader's language."""
    if lang == "zh":
        return path
    return f"{path}{'&' if '?' in path else '?'}lang={lang}"


def to_login(path: str, lang: Lang) -> RedirectResponse:
    """A staff page asked for without a session: to the login page, which comes back to `path` afterwards (303)."""
    return RedirectResponse(with_lang("/login?next=" + quote(with_lang(path, lang), safe="/"), lang), 303)


def switch_lang_url(request: Request, lang: Lang) -> str:
    """The same page in the other language, keeping every other query parameter."""
    url = request.url.remove_query_params("lang")
    if lang == "zh":
        url = url.include_query_params(lang="en")
    return url.path + (f"?{url.query}" if url.query else "")


def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def render(
    request: Request,
    template: str,
    t: Translator,
    *,
    status_code: int = 200,
    map_config: dict[str, Any] | None = None,
    as_of: PageAsOf | None = None,
    plan: PagePlan | None = None,
    **context: Any,
) -> HTMLResponse:
    """Render a page; with `map_config` it gets a Folium map driven by planmap_core.js and its mode's script.

    `as_of` (the pages that read the programme as of a day) goes to the map script, which adds it
    to every API request, and to the links between those pages; so does `plan` (the pages a plan
    slices), which also puts the plan switcher and the plan shown in the header.
    """
    started = time.perf_counter()
    as_of = as_of or PageAsOf()
    mapparts = None
    if map_config is not None:
        vector_tiles = map_config.get("projectsFrom") == "tiles"
        parts = build_map(_settings(request), t, vector_tiles=vector_tiles, mode=map_config["mode"])
        mapparts = nonced_map(parts, request_nonce(request))
        map_config = {
            "lang": t.lang,
            "gcj02": mapparts.gcj02,
            "tiles": mapparts.tiles,
            # What the base map note names: the configured tiles, or `none` when they cannot work (no key).
            "baseMap": _settings(request).tiles if mapparts.tiles else "none",
            # The maps never show the towns' counts: skip them (a pass over every project in a large catalog).
            "api": {"projects": "/api/projects", "towns": "/api/towns?counts=false", "county": "/api/county"},
            "pages": {"project": "/projects/", "town": "/towns/"},
            # Appended to the page links the script builds: the language, and the day when one is shown.
            "langQuery": page_query(t.lang, as_of),
            "messages": t.js_messages(),
            **map_monitoring_config(request, t, as_of),
            "plan": plan.requested if plan is not None else None,
            **map_config,
        }
    body = _env.get_template(
        template
    ).render(
        t=t,
        lang=t.lang,
        request_path=request.url.path,
        switch_url=switch_lang_url(request, t.lang),
        link=lambda path: with_lang(with_plan(with_as_of(path, as_of), plan), t.lang),
        as_of=as_of,
        page_plan=plan,
        today_link=with_lang(with_plan(request.url.path, plan), t.lang),  # "back to today", in the same plan
        mapparts=mapparts,
        map_config=map_config,
        csp_nonce=request_nonce(request),  # every inline <script>/<style> of a template carries it
        session=page_session(request),
        search_query=request.query_params.get("q", "")[:200],  # the search box shows what was searched
        **context,
    )
    response = HTMLResponse(body, status_code=status_code)
    if page_session(request) is not None:  # carries the user's name and CSRF token: for them alone
        response.headers["Cache-Control"] = "private, no-store"
    response.headers["Server-Timing"] = f"render;dur={(time.perf_counter() - started) * 1000:.1f}"
    return response


def not_found_page(request: Request, t: Translator, what: str) -> HTMLResponse:
    return render(request, "not_found.html", t, status_code=404, what=what)


Conn = Annotated[AsyncConnection, Depends(get_conn)]


def cycle_filters(request: Request, t: Translator, as_of: PageAsOf, config: dict[str, Any]) -> dict[str, Any]:
    """The map script's cycle config: a GeoJSON map filters in the page; a tile map has the tiles filtered
    and needs the day's report month and deadline for its note (the API's calendar, `glance.header`)."""
    if config["projectsFrom"] == "geojson":
        return map_cycle_config(t)
    day = as_of.day or as_of.today
    return map_cycle_config(t, cycle_header(day, _settings(request).report_deadline_day))


def cycle_form(request: Request, t: Translator, config: dict[str, Any]) -> dict[str, Any] | None:
    """The cycle's two checkboxes (in the list's form, or under a tile map), checked as the URL says
    (the script keeps them in sync)."""
    if config["cycle"] is None:
        return None
    query = request.query_params
    return {"words": config["cycle"]["words"], "no_report": query.get("no_report") == "1",
            "behind": query.get("behind") == "1"}  # fmt: skip


def projects_from(request: Request, count: int) -> str:
    """`tiles` when the map's `count` projects are more than the setting allows to load at once, else `geojson`.

    Loading every project as GeoJSON gives the richest map (counts, clusters, instant filters) and is
    right for a county; past a few thousand features the browser would download megabytes and hold a
    marker for each, so the map asks the server for vector tiles of what is on screen instead.
    """
    return "tiles" if count > _settings(request).map_vector_tiles_above else "geojson"


@router.get("/", response_class=HTMLResponse)
async def overview(request: Request, conn: Conn) -> HTMLResponse:
    t = Translator(get_lang(request))
    vocab = await load_vocab(conn, t.lang)
    towns = await data.load_towns(conn, t.lang)
    as_of = page_as_of(request)
    plan = await page_plan(request, conn, as_of, t)
    # Counting stops one past the threshold: that is all the choice needs, at any catalog size.
    up_to = _settings(request).map_vector_tiles_above + 1
    count = await data.count_projects(conn, page_filter(request, as_of, plan.requested), up_to)
    config: dict[str, Any] = {
        "mode": "overview",
        "statuses": vocab.statuses,
        "categories": vocab.categories,
        "projectsFrom": projects_from(request, count),
    }
    config["cycle"] = cycle_filters(request, t, as_of, config)
    return render(
        request,
        "overview.html",
        t,
        map_config=config,
        as_of=as_of,
        plan=plan,
        towns=towns,
        follow=follow_links(t, "overview", plan=plan.requested),
        cycle=cycle_form(request, t, config),
    )


@router.get("/towns/{slug}", response_class=HTMLResponse)
async def town_page(request: Request, conn: Conn, slug: Annotated[str, PathParam(max_length=40)]) -> HTMLResponse:
    t = Translator(get_lang(request))
    town = await data.load_town(conn, slug)
    if town is None:
        return not_found_page(request, t, f"/towns/{slug}")
    vocab = await load_vocab(conn, t.lang)
    as_of = page_as_of(request)
    plan = await page_plan(request, conn, as_of, t)
    counts = await data.town_status_counts(conn, slug, page_filter(request, as_of, plan.requested))
    towns = await data.load_towns(conn, t.lang)
    config: dict[str, Any] = {
        "mode": "town",
        "focus": {"town": slug},
        "bounds": [[town["s"], town["w"]], [town["n"], town["e"]]],
        "statuses": vocab.statuses,
        "categories": vocab.categories,
        "projectsFrom": projects_from(request, sum(counts.values())),  # the counts the page shows anyway
    }
    config["cycle"] = cycle_filters(request, t, as_of, config)
    name = town["name_en"] if t.lang == "en" else town["name_zh"]
    return render(
        request,
        "town.html",
        t,
        map_config=config,
        as_of=as_of,
        plan=plan,
        follow=follow_links(t, "town", slug, plan.requested),
        town=town,
        name=name,
        statuses=vocab.statuses,
        counts=counts,
        total=sum(counts.values()),
        towns=towns,
        cycle=cycle_form(request, t, config),
    )


@router.get("/projects/{slug}", response_class=HTMLResponse)
async def project_page(request: Request, conn: Conn, slug: Annotated[str, PathParam(max_length=120)]) -> HTMLResponse:
    t = Translator(get_lang(request))
    as_of = page_as_of(request)
    project = await data.load_project(conn, slug, page_filter(request, as_of))
    if project is None and as_of.day is not None and await data.load_project(conn, slug) is not None:
        # It exists today, but had not been recorded yet on the day asked for.
        return not_found_page(request, t, t("as_of_not_recorded", what=f"/projects/{slug}"))
    if project is None:
        return not_found_page(request, t, f"/projects/{slug}")
    vocab = await load_vocab(conn, t.lang)
    extras = await project_extras(request, conn, t, project, vocab)
    may_edit = extras["can_edit"]
    if as_of.day is not None:
        extras["can_edit"] = False  # edits apply to today's record, never to a past day's view of it
    uncertainty = await project_uncertainty(conn, project, page_filter(request, as_of), t)
    config = {
        "mode": "project",
        # Known only to its town: the map highlights that town, so the pin is not read as the site.
        "focus": {"project": slug, "town": project["towns"][0]["slug"]}
        if project["location_precision"] == "town" and project["towns"]
        else {"project": slug},
        # The first view fits the stated error when the note gives one (app/web/uncertainty.py); an estimate
        # without a figure is not shown at street level either.
        "bounds": uncertainty.bounds or [[project["s"], project["w"]], [project["n"], project["e"]]],
        "maxZoom": 16 if project["location_precision"] == "surveyed" or uncertainty.bounds else 12,
        "uncertainty": uncertainty.config,
        "statuses": vocab.statuses,
        "categories": vocab.categories,
    }
    name = project["name_en"] if t.lang == "en" else project["name_zh"]
    other_name = project["name_zh"] if t.lang == "en" else project["name_en"]
    figures = [(figure_label(k, t.lang), v) for k, v in sorted((project["figures"] or {}).items())]
    return render(
        request,
        "project.html",
        t,
        map_config=config,
        p=project,
        info_as_of=information_date(project["info_date"], project["info_precision"], t.lang),
        name=name,
        other_name=other_name,
        status_label=vocab.status_label(project["status"]),
        status_color=status_color(project["status"]),
        category_label=vocab.category_label(project["category"]),
        figures=figures,
        as_of=as_of,
        follow=follow_links(t, "project", slug),
        may_edit=may_edit,
        reason_statuses=reason_statuses(),
        monitoring=project_monitoring(t, project),
        revisions=await revision_lines(conn, slug, t, as_of.day),
        uncertainty_legend=uncertainty.legend,
        **extras,
    )


# The distances a reader may follow around a point (the API accepts 0.1 to 20 km).
FOLLOW_KM = (1, 2, 5, 10, 20)
NEAR_FOLLOW_JS_KEYS = (
    "near_follow_no_place",
    "near_follow_place_town",
    "near_follow_place_point",
    "near_follow_sending",
    "near_follow_sent",
)


@router.get("/near", response_class=HTMLResponse)
async def near_page(request: Request, conn: Conn) -> HTMLResponse:
    t = Translator(get_lang(request))
    vocab = await load_vocab(conn, t.lang)
    towns = await data.load_towns(conn, t.lang)
    config = {
        "mode": "near",
        "statuses": vocab.statuses,
        "categories": vocab.categories,
        "radii": [1000, 2000, 5000, 10000, 20000, 50000],
        "defaultRadius": 5000,
    }
    return render(
        request,
        "near.html",
        t,
        map_config=config,
        towns=towns,
        radii=config["radii"],
        feedback_config=feedback_config(t, None),
        follow_km=FOLLOW_KM,
        near_follow_config={
            "lang": t.lang,
            "messages": {key: t(key) for key in NEAR_FOLLOW_JS_KEYS},
        },
    )


@router.get("/dashboard", response_class=HTMLResponse)
async def dashboard_page(request: Request, conn: Conn) -> HTMLResponse:
    t = Translator(get_lang(request))
    vocab = await load_vocab(conn, t.lang)
    as_of = page_as_of(request)
    plan = await page_plan(request, conn, as_of, t)
    stats = await plan_stats(conn, page_filter(request, as_of, plan.requested))
    monitoring = dashboard_monitoring(stats, t)
    name_key = "name_en" if t.lang == "en" else "name_zh"
    label_key = "label_en" if t.lang == "en" else "label_zh"
    by_town = sorted(stats["by_town"], key=lambda r: (-(r["started_share"] or 0), r[name_key]))
    by_category = sorted((c for c in stats["by_category"] if c["total"]), key=lambda c: -c["total"])
    config = {
        "mode": "dashboard",
        "statuses": vocab.statuses,
        "categories": vocab.categories,
        "choropleth": {r["town"]: r["started_share"] for r in stats["by_town"]},
        "choroplethRed": monitoring["town_share_red"],
    }
    max_total = max([r["total"] for r in by_category] or [1])
    towns = await data.load_towns(conn, t.lang)
    return render(
        request,
        "dashboard.html",
        t,
        map_config=config,
        as_of=as_of,
        plan=plan,
        monitoring=monitoring,
        dashboard_config=dashboard_config(t, as_of, towns, vocab.statuses, page_query(t.lang, as_of), plan.requested),
        statuses=vocab.statuses,
        by_town=by_town,
        by_category=by_category,
        name_key=name_key,
        label_key=label_key,
        max_total=max_total,
        total=stats.get("total"),
    )


def static_dir() -> Path:
    return STATIC_DIR
