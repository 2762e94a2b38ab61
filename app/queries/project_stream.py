"""Every project matching a filter, read in batches from a server-side cursor, for exports.

An export holds every match: at 100,000 projects a single query answering one JSON value (as the
paged API does) or a list of every row took the worker to half a gigabyte per download and sent
nothing for half a minute. Here PostgreSQL keeps the result and hands it over BATCH rows at a time
(`stream_results`, a psycopg server-side cursor), so a download starts at once and a worker holds
one batch per export, whatever the catalog's size.

The stream opens its own connection (not the request's): it outlives the endpoint function, being
read while the response is sent, and a REPEATABLE READ READ ONLY transaction gives the whole file
one snapshot even if someone edits meanwhile. Closing the iterator (end, error, client gone) ends
the transaction and returns the connection.
"""

from collections.abc import AsyncGenerator, Sequence
from typing import Any

from sqlalchemy import Row, text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from app.queries.geojson import project_feature_sql
from app.queries.project_filter import ProjectFilter

BATCH = 2000


def features_sql(flt: ProjectFilter) -> tuple[str, dict[str, Any]]:
    """One row per matching project: its GeoJSON Feature as text (the paged API's), in the filter's order."""
    matching, params = flt.matching()
    distance = flt.distance_sql()
    extra = f"'distance_m', round(({distance})::numeric, 1)" if distance else ""
    order = f"{distance}, p.slug" if distance else "p.slug"
    return f"SELECT ({project_feature_sql(extra)})::text FROM {matching} ORDER BY {order}", params


async def count_at_most(conn: AsyncConnection, flt: ProjectFilter, cap: int) -> int:
    """How many projects match, counting no further than `cap` (enough to know a limit is passed)."""
    matching, params = flt.matching()
    sql = f"SELECT count(*) FROM (SELECT 1 FROM {matching} LIMIT :cap) m"
    return int((await conn.execute(text(sql), {**params, "cap": cap})).scalar_one())


async def stream_rows(
    engine: AsyncEngine, sql: str, params: dict[str, Any], batch: int = BATCH
) -> AsyncGenerator[Sequence[Row[Any]]]:
    """The rows of `sql`, `batch` at a time, from a server-side cursor on a connection of their own."""
    async with engine.connect() as conn, conn.begin():
        # Set for this transaction only: connection-level characteristics (execution_options) leaked
        # into the pool when a stream was abandoned unfinished, and the next write on that connection
        # failed with "cannot execute INSERT in a read-only transaction".
        await conn.execute(text("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY"))
        result = await conn.stream(text(sql), params)
        async for rows in result.partitions(batch):
            yield rows
