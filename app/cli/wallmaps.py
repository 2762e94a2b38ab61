"""`planmap wallmaps OUTDIR [--town SLUG]`: print-ready wall maps of every town (or one), offline.

For a bureau preparing village meetings: one PDF per town, the same as
`GET /towns/{slug}/wallmap.pdf`, written straight from the database in `DATABASE_URL`.
"""

from pathlib import Path
from typing import Annotated

import typer

from app.cli.engine import cli_engine
from app.core.settings import get_settings
from app.wallmap.data import load_wallmap, town_slugs
from app.wallmap.document import prepare_worker, render_wallmap
from app.wallmap.renderer import RenderCrashed, RenderPool, RenderTimedOut
from app.wallmap.router import wallmap_filename


def wallmaps(
    outdir: Annotated[Path, typer.Argument(help="Folder for the PDFs (created if missing).")],
    town: Annotated[str | None, typer.Option("--town", help="Only this town (slug, e.g. xingzi).")] = None,
    plan: Annotated[
        str | None, typer.Option("--plan", help="This plan's projects (slug; default: the plan in force today).")
    ] = None,
) -> None:
    """Write an A3 wall map PDF for each town (or only --town) into OUTDIR."""
    settings = get_settings()
    # The same time limit as the web's: a map that cannot be drawn is reported, the other towns still are.
    renders = RenderPool(1, settings.wallmap_timeout_seconds, initializer=prepare_worker)
    failed = []
    try:
        with cli_engine() as engine, engine.connect() as conn:
            slugs = town_slugs(conn)
            if town is not None and town not in slugs:
                typer.echo(f"no town '{town}'; towns are: {', '.join(slugs)}", err=True)
                raise typer.Exit(1)
            outdir.mkdir(parents=True, exist_ok=True)
            for slug in [town] if town else slugs:
                data = load_wallmap(conn, slug, plan=plan)
                if data is None:  # the town was just listed: the plan is unknown
                    typer.echo(f"no plan '{plan}' (planmap plans list)", err=True)
                    raise typer.Exit(1)
                path = outdir / wallmap_filename(slug, data.made_on.isoformat(), plan)
                try:
                    path.write_bytes(renders.run(render_wallmap, data))
                except (RenderTimedOut, RenderCrashed) as slow:
                    failed.append(slug)
                    typer.echo(f"{slug}: not drawn, it {slow} (PLANMAP_WALLMAP_TIMEOUT_SECONDS)", err=True)
                    continue
                typer.echo(f"{path}: {len(data.projects)} projects")
    finally:
        renders.close()
    if failed:
        raise typer.Exit(1)
