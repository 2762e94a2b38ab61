"""Wiring the reliability and security pieces into the app, in one place (issue 9).

`prepare` runs before the app exists: JSON logging, then the production settings check (so its
refusal is logged as JSON too). `install` adds the middleware, exception handlers and routes.

The middleware is one pure-ASGI layer (app/middleware/stack.py, which gives the order of its
concerns and why): request id, metrics and access log, security headers, error shield, CORS
(only when PLANMAP_CORS_ORIGINS is set), NUL guard, body limits, Allow on 405, HEAD as GET;
then the app's own GZip and FastAPI's exception handling, where app/core/error_responses.py
answers every refusal (domain errors, invalid bodies, database trouble) from one table.
"""

from collections.abc import Callable

from fastapi import FastAPI
from starlette.middleware.cors import CORSMiddleware
from starlette.types import ASGIApp

from app.api import feedback as feedback_api
from app.api import photos as photos_api
from app.api import reports as reports_api
from app.api import supervision as supervision_api
from app.core import error_responses
from app.core.logging_setup import configure_logging
from app.core.settings import Settings
from app.core.startup_checks import refuse_insecure_settings, refuse_unknown_settings
from app.middleware import metrics
from app.middleware.body_limit import BodyLimits, RouteLimit
from app.middleware.security_headers import SecurityHeaders
from app.middleware.stack import PlanmapMiddleware
from app.web import api_docs

CORS_METHODS = ["GET", "HEAD", "POST", "PATCH", "DELETE", "OPTIONS"]
CORS_REQUEST_HEADERS = ["Authorization", "Content-Type", "If-Match", "If-None-Match", "X-Request-ID"]
CORS_EXPOSED_HEADERS = ["ETag", "Location", "Retry-After", "Warning", "X-Request-ID", "Content-Disposition"]


def prepare(settings: Settings) -> None:
    """Before building the app: logging, then refuse unknown PLANMAP_ variables and, in production, defaults."""
    configure_logging(settings.log_level, settings.log_json)
    refuse_unknown_settings()
    refuse_insecure_settings(settings)


def install(app: FastAPI, settings: Settings) -> None:
    """Add the middleware layer, the error table's handlers and the routes of /metrics and /docs."""
    app.state.metrics = metrics.Metrics(app.state)
    error_responses.install(app)
    app.include_router(metrics.router)
    app.include_router(api_docs.router)
    body_limits = BodyLimits(
        settings.max_body_bytes,
        settings.body_timeout_seconds,
        [
            RouteLimit("POST", feedback_api.SUBMIT_PATH, settings.feedback_max_bytes),
            RouteLimit("POST", reports_api.RATING_PATH, settings.feedback_max_bytes),
            RouteLimit("POST", photos_api.UPLOAD_PATH, settings.photo_max_bytes + photos_api.MULTIPART_ALLOWANCE),
            RouteLimit("POST", supervision_api.PHOTO_PATH, settings.photo_max_bytes + photos_api.MULTIPART_ALLOWANCE),
        ],
    )
    app.add_middleware(
        PlanmapMiddleware,
        metrics=app.state.metrics,
        security=SecurityHeaders(settings),
        body_limits=body_limits,
        routes=app.router.routes,
        cors=_cors(settings),
    )


def _cors(settings: Settings) -> Callable[[ASGIApp], ASGIApp] | None:
    """Starlette's CORS around the inner concerns, when origins are configured: preflights before any work.

    No credentials: the API authenticates with bearer tokens, and the site's cookie must never be
    sent by another origin's script.
    """
    if not settings.cors_origins:
        return None

    def wrap(app: ASGIApp) -> ASGIApp:
        return CORSMiddleware(
            app,
            allow_origins=settings.cors_origins,
            allow_methods=CORS_METHODS,
            allow_headers=CORS_REQUEST_HEADERS,
            expose_headers=CORS_EXPOSED_HEADERS,
            allow_credentials=False,
            max_age=600,
        )

    return wrap
