"""Wiring the reliability and security pieces into the app, in one place (issue 9).

`prepare` runs before the app exists: JSON logging, then the production settings check (so its
refusal is logged as JSON too). `install` adds the middleware, exception handlers and routes.

Middleware order, outermost first, and why:
1. RequestId — every later log line and every response (even a refusal) carries the id;
2. Metrics — counts every answer, including refusals made by the middleware below;
3. SecurityHeaders — on every response, including 413/408/422/500 made below;
4. ErrorShield — a crash becomes a JSON 500 that still passes through 1–3;
5. CORS (only when PLANMAP_CORS_ORIGINS is set) — preflights answered before any work;
6. NulGuard, BodyLimit — cheap refusals before the app reads anything;
7. AllowHeader — a 405 names every method of the URL, not just the first route's;
8. HeadAsGet — HEAD is routed as GET and its body dropped (so AllowHeader sees HEAD wherever GET is);
then the app's own GZip and FastAPI's exception handling, where app/core/error_responses.py answers
every refusal (domain errors, invalid bodies, database trouble) from one table.
"""

from fastapi import FastAPI
from starlette.middleware.cors import CORSMiddleware

from app.api import feedback as feedback_api
from app.api import photos as photos_api
from app.api import reports as reports_api
from app.api import supervision as supervision_api
from app.core import error_responses
from app.core.logging_setup import configure_logging
from app.core.settings import Settings
from app.core.startup_checks import refuse_insecure_settings, refuse_unknown_settings
from app.middleware import metrics
from app.middleware.allow_header import AllowHeaderMiddleware
from app.middleware.body_limit import BodyLimitMiddleware, RouteLimit
from app.middleware.errors import ErrorShieldMiddleware
from app.middleware.head import HeadAsGetMiddleware
from app.middleware.nul_guard import NulGuardMiddleware
from app.middleware.request_id import RequestIdMiddleware
from app.middleware.security_headers import SecurityHeadersMiddleware
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
    """Add middleware (innermost first: Starlette wraps each new one around the previous), handlers, routes."""
    app.state.metrics = metrics.Metrics(app.state)
    error_responses.install(app)
    app.include_router(metrics.router)
    app.include_router(api_docs.router)

    app.add_middleware(HeadAsGetMiddleware)
    app.add_middleware(AllowHeaderMiddleware, routes=app.router.routes)
    app.add_middleware(
        BodyLimitMiddleware,
        max_bytes=settings.max_body_bytes,
        timeout_seconds=settings.body_timeout_seconds,
        route_limits=[
            RouteLimit("POST", feedback_api.SUBMIT_PATH, settings.feedback_max_bytes),
            RouteLimit("POST", reports_api.RATING_PATH, settings.feedback_max_bytes),
            RouteLimit("POST", photos_api.UPLOAD_PATH, settings.photo_max_bytes + photos_api.MULTIPART_ALLOWANCE),
            RouteLimit("POST", supervision_api.PHOTO_PATH, settings.photo_max_bytes + photos_api.MULTIPART_ALLOWANCE),
        ],
    )
    app.add_middleware(NulGuardMiddleware)
    if settings.cors_origins:
        # No credentials: the API authenticates with bearer tokens, and the site's cookie must never be
        # sent by another origin's script.
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=CORS_METHODS,
            allow_headers=CORS_REQUEST_HEADERS,
            expose_headers=CORS_EXPOSED_HEADERS,
            allow_credentials=False,
            max_age=600,
        )
    app.add_middleware(ErrorShieldMiddleware)
    app.add_middleware(SecurityHeadersMiddleware, settings=settings)
    app.add_middleware(metrics.MetricsMiddleware, metrics=app.state.metrics)
    app.add_middleware(RequestIdMiddleware)
