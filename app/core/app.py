"""The FastAPI application factory."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.middleware.gzip import GZipMiddleware

from app import __version__
from app.api import (
    auth,
    export,
    health,
    openapi_doc,
    project_writes,
    projects,
    proposals,
    public_item,
    public_tile,
    stats,
    tiles,
    towns,
)
from app.api import channels as channels_api
from app.api import feedback as feedback_api
from app.api import photos as photos_api
from app.api import plans as plans_api
from app.api import programmes as programmes_api
from app.api import progress as progress_api
from app.api import reports as reports_api
from app.api import subscriptions as subscriptions_api
from app.api import supervision as supervision_api
from app.api import units as units_api
from app.core import wiring as reliability
from app.core.db import make_async_engine, warm_pool
from app.core.gc_policy import freeze_startup_heap, thaw_heap
from app.core.settings import Settings, get_settings
from app.feeds import router as feeds
from app.ogc import router as ogc
from app.ogc import writes as ogc_writes
from app.wallmap import router as wallmap
from app.wallmap.document import prepare_worker
from app.wallmap.renderer import RenderPool
from app.web import cycle_pages, report_page, subscription_pages, ticket_page
from app.web import disclosure as disclosure_page
from app.web import login_pages as session_pages
from app.web import pages as web_pages
from app.web.static_urls import HashedStaticFiles, app_manifest


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the app; tests pass their own settings to point it at a throwaway database."""
    settings = settings or get_settings()
    reliability.prepare(settings)  # JSON logs; refuses development defaults in production

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.engine = make_async_engine(settings)
        app.state.wallmap_renders = RenderPool(
            settings.wallmap_max_renders, settings.wallmap_timeout_seconds, initializer=prepare_worker
        )
        await warm_pool(app.state.engine, min(settings.db_pool_warm, settings.db_pool_size))
        freeze_startup_heap()
        try:
            yield
        finally:
            app.state.wallmap_renders.close()
            await app.state.engine.dispose()
            thaw_heap()

    app = FastAPI(
        title="planmap",
        version=__version__,
        description="Projects of Lianzhou's 14th Five-Year Plan (2021–2025) on a map, with their progress.",
        lifespan=lifespan,
        docs_url=None,  # /docs and /redoc: app.web.api_docs, with the CSP nonce on their inline script
        redoc_url=None,
    )
    app.state.settings = settings
    # First: the plain public read of one project, without FastAPI's dependency solving (its pattern is no
    # other route's; app/api/public_item.py); every other request of that URL falls through to get_project.
    app.router.routes.insert(0, public_item.PublicItemRoute())
    # And the plain public tile, the same way (app/api/public_tile.py); any other tile request takes tiles.router.
    app.router.routes.insert(0, public_tile.PublicTileRoute())
    app.include_router(health.router)
    # Tiles first: a map asks for dozens at a time, and FastAPI tries the routes in order (with tiles after the
    # twenty API routers, matching was ~0.2 ms of an empty tile's 1.7 ms in-process). No other route starts /tiles.
    app.include_router(tiles.router)
    app.include_router(towns.router)
    app.include_router(towns.county_router)
    app.include_router(auth.router)
    app.include_router(plans_api.router)
    app.include_router(projects.router)
    app.include_router(project_writes.router)
    app.include_router(proposals.router)
    app.include_router(units_api.router)
    app.include_router(programmes_api.router)
    app.include_router(progress_api.router)
    app.include_router(photos_api.router)
    app.include_router(feedback_api.submit_router)
    app.include_router(feedback_api.router)
    app.include_router(subscriptions_api.router)
    app.include_router(channels_api.router)
    app.include_router(supervision_api.router)
    app.include_router(export.router)
    app.include_router(reports_api.router)
    app.include_router(stats.router)
    app.include_router(openapi_doc.router)
    app.include_router(ogc.router)
    app.include_router(ogc_writes.router)
    # GeoJSON shrinks about sevenfold; small answers are not worth the CPU. Level 3: 1.3 MB of GeoJSON in 7 ms
    # to 181 kB, where level 9 takes 27 ms for 152 kB (bench/NOTES.md).
    app.add_middleware(GZipMiddleware, minimum_size=4096, compresslevel=3)
    # Content-hashed URLs (app/web/static_urls.py) are cached for a year, anything else for minutes.
    app.mount("/static", HashedStaticFiles(app_manifest()), name="static")
    app.include_router(feeds.router)
    app.include_router(wallmap.router)
    app.include_router(web_pages.router)
    app.include_router(report_page.router)
    app.include_router(cycle_pages.router)
    app.include_router(disclosure_page.router)
    app.include_router(subscription_pages.router)
    app.include_router(ticket_page.router)
    app.include_router(session_pages.router)
    reliability.install(app, settings)  # middleware, the error table's handlers, /metrics, /docs
    return app
