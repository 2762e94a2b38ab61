"""The bytes of an export, piece by piece: GeoJSON and CSV written batch by batch as rows arrive,
GDAL's files read back from disk in pieces.

Each function takes the batches of `app.queries.project_stream.stream_rows` and yields bytes
for a StreamingResponse, so the first bytes leave as soon as PostgreSQL sends the first batch
and a worker never holds more than one batch (plus, for GDAL's formats, what GDAL holds).
"""

import csv
import io
import shutil
from collections.abc import AsyncGenerator, AsyncIterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import anyio

from app.catalog.fields import CSV_COLUMNS
from app.exports.csv_safety import neutralize

FILE_PIECE = 1 << 20  # bytes read from an export file per piece sent


def csv_columns(with_distance: bool) -> list[str]:
    return [*CSV_COLUMNS, *(["distance_m"] if with_distance else []), "wkt"]


def csv_text(rows: Sequence[Mapping[str, Any]], with_distance: bool, header: bool) -> str:
    """CSV lines with WKT geometry; the header starts with a BOM so spreadsheets read the Chinese text right.

    WKT and numbers are never neutralized: they cannot start with a formula character except for
    negative numbers, which spreadsheets read as numbers anyway.
    """
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=csv_columns(with_distance), extrasaction="ignore", lineterminator="\n")
    if header:
        out.write("\ufeff")
        writer.writeheader()
    writer.writerows({k: v if k == "wkt" else neutralize(v) for k, v in row.items()} for row in rows)
    return out.getvalue()


async def csv_chunks(batches: AsyncIterator[Sequence[Any]], with_distance: bool) -> AsyncGenerator[bytes]:
    """The CSV of every row, one piece per batch (the header first, even when nothing matches)."""
    yield csv_text([], with_distance, header=True).encode()
    async for rows in batches:
        yield csv_text([row._mapping for row in rows], with_distance, header=False).encode()


async def geojson_chunks(batches: AsyncIterator[Sequence[Any]]) -> AsyncGenerator[bytes]:
    """A FeatureCollection around the Features PostGIS wrote, one per row (first column), a batch per piece."""
    yield b'{"type":"FeatureCollection","features":['
    first = True
    async for rows in batches:
        piece = ",".join(str(row[0]) for row in rows).encode()
        if piece:
            yield piece if first else b"," + piece
            first = False
    yield b"]}"


async def file_pieces(path: Path, folder: Path) -> AsyncGenerator[bytes]:
    """The file's bytes in FILE_PIECE pieces; `folder` (its temporary directory) is removed at the end."""
    try:
        async with await anyio.open_file(path, "rb") as file:
            while piece := await file.read(FILE_PIECE):
                yield piece
    finally:
        shutil.rmtree(folder, ignore_errors=True)
