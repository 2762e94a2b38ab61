"""`planmap serve`: the web app and API under uvicorn, after checking the database answers."""

from typing import Annotated

import typer

from app.cli.engine import cli_engine, safe_url
from app.core import migrate
from app.core.settings import get_settings

# uvicorn's own default. With several workers, uvicorn's supervisor pings each one and restarts it when
# no answer comes within this many seconds; a slow machine (or a worker busy warming its pool at start-up)
# may need longer, hence the option.
WORKER_HEALTHCHECK_SECONDS = 5


def serve(
    host: Annotated[str | None, typer.Option(help="Interface to bind.")] = None,
    port: Annotated[int | None, typer.Option(help="Port to listen on.")] = None,
    workers: Annotated[int, typer.Option(help="Worker processes.")] = 1,
    timeout_worker_healthcheck: Annotated[
        int,
        typer.Option(
            "--timeout-worker-healthcheck",
            min=1,
            help="Seconds a worker may take to answer the supervisor's health check before it is restarted "
            "(with --workers > 1).",
        ),
    ] = WORKER_HEALTHCHECK_SECONDS,
) -> None:
    """Serve the web app and API."""
    import uvicorn

    with cli_engine() as engine, engine.connect() as conn:
        migrate.current_revision(conn)  # the database answers (a round trip), before uvicorn starts
    settings = get_settings()
    bind_host, bind_port = host or settings.host, port or settings.port
    proxies = settings.trusted_proxies
    typer.echo(
        f"serving planmap on http://{bind_host}:{bind_port} (database {safe_url()}; "
        + (f"X-Forwarded-For trusted from {proxies})" if proxies else "X-Forwarded-For ignored)")
    )
    # uvicorn would trust X-Forwarded-For from 127.0.0.1 by default, so any local client (or a proxy that passes
    # the header on) could name itself anything, and the rate limits key on that name (issue 15, item 6).
    uvicorn.run(
        "app.main:create_app",
        factory=True,
        host=bind_host,
        port=bind_port,
        workers=workers,
        timeout_worker_healthcheck=timeout_worker_healthcheck,
        proxy_headers=bool(proxies),
        forwarded_allow_ips=proxies or None,
    )
