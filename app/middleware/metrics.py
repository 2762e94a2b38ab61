"""Prometheus metrics at `/metrics`: requests by route template and status, latency, DB pool use.

Labels use the route *template* (`/api/projects/{slug}`), never the raw path, so a scanner
asking for a million random URLs adds one `<unmatched>` series, not a million. Each app gets
its own registry (tests build many apps in one process; the global registry would refuse the
second one's metrics). With several uvicorn workers each worker answers for itself: scrape
each, or run one worker per port behind the proxy.

Who may read it: the counts by route and status tell an outsider which endpoints are used, how
slow they are and how the database pool copes (where a load attack would hurt), so `/metrics` is
for staff only unless PLANMAP_METRICS_PUBLIC says otherwise: an admin or planner (bearer token or
session cookie), or Prometheus with the long-lived PLANMAP_METRICS_TOKEN. The static token is
checked first and needs no database, so monitoring keeps working while the database is down.
"""

import hmac
import time
from collections.abc import Iterator

from fastapi import APIRouter, Depends, HTTPException, Request, status
from fastapi.responses import Response
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.pool import QueuePool
from starlette.types import Scope

from app.auth.dependencies import optional_principal, unauthorized
from app.core.dependencies import get_engine, read_connection
from app.core.settings import Settings
from app.middleware.request_id import route_template

router = APIRouter(include_in_schema=False)

# Web requests here take from a millisecond (cached tile) to seconds (a big export).
KNOWN_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
LATENCY_BUCKETS = (0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)


class PoolCollector(Collector):
    """Reads the SQLAlchemy pool at scrape time: no bookkeeping on the request path."""

    def __init__(self, app_state: object) -> None:
        self._state = app_state

    def collect(self) -> Iterator[GaugeMetricFamily]:
        engine: AsyncEngine | None = getattr(self._state, "engine", None)
        pool = engine.sync_engine.pool if engine is not None else None
        size = GaugeMetricFamily("planmap_db_pool_size", "Connections the pool keeps open (pool_size)")
        checked_out = GaugeMetricFamily("planmap_db_pool_checked_out", "Connections in use by requests now")
        overflow = GaugeMetricFamily("planmap_db_pool_overflow", "Connections open beyond pool_size now")
        if isinstance(pool, QueuePool):
            size.add_metric([], float(pool.size()))
            checked_out.add_metric([], float(pool.checkedout()))
            overflow.add_metric([], float(max(pool.overflow(), 0)))
        yield size
        yield checked_out
        yield overflow


class Metrics:
    """The registry and instruments of one app."""

    def __init__(self, app_state: object) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "planmap_http_requests",
            "HTTP requests answered, by method, route template and status",
            ["method", "route", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "planmap_http_request_duration_seconds",
            "Time from request to the end of the response, by method and route template",
            ["method", "route"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.registry.register(PoolCollector(app_state))

    def observe(self, scope: Scope, status: int, started: float) -> None:
        """Count and time one finished request (the route is known only after routing, so read it at the end)."""
        route = route_template(scope)
        method = scope["method"] if scope["method"] in KNOWN_METHODS else "OTHER"
        self.requests.labels(method, route, str(status)).inc()
        self.latency.labels(method, route).observe(time.perf_counter() - started)


def _bearer(request: Request) -> str | None:
    scheme, _, credentials = request.headers.get("authorization", "").partition(" ")
    return credentials.strip() or None if scheme.lower() == "bearer" else None


async def metrics_access(request: Request) -> None:
    """Let the request read /metrics, or answer 401 (who are you?) / 403 (not staff enough)."""
    settings: Settings = request.app.state.settings
    if settings.metrics_public:
        return
    bearer = _bearer(request)
    token = settings.metrics_token
    if bearer is not None and token is not None and hmac.compare_digest(bearer.encode(), token.encode()):
        return
    async with read_connection(get_engine(request)) as conn:
        principal = await optional_principal(request, conn, bearer)
    if principal is None:
        raise unauthorized("/metrics is for staff: send an admin's or planner's bearer token or PLANMAP_METRICS_TOKEN")
    if not principal.edits_everywhere:
        raise HTTPException(status.HTTP_403_FORBIDDEN, detail="/metrics is for admins and planners only")


@router.get("/metrics", dependencies=[Depends(metrics_access)])
async def metrics_endpoint(request: Request) -> Response:
    metrics: Metrics = request.app.state.metrics
    return Response(generate_latest(metrics.registry), media_type=CONTENT_TYPE_LATEST)
