"""Writing a filtered set of projects as GeoPackage, zipped Shapefile or KML, through GDAL (pyogrio).

The writers take the flat rows of `fetch_rows` (the rows the CSV export writes: lists joined
with ';', figures as JSON text, geometry as WKT with 7 decimals), so every format without
lists carries the same columns and the same values, and the flattening is done once, in SQL.

GDAL writes to files, so each writer works in a temporary directory: `write_export_file` fills it
from the streamed batches of an export (a GeoPackage batch by batch) and the router sends the file
from disk in pieces, then removes the directory.

Formats and their limits:
- GeoPackage: one layer `projects`, mixed geometry types, full field names.
- Shapefile: one geometry kind per layer, so one layer per kind (points, lines, polygons) in one
  zip, with `.prj`, `.cpg` (UTF-8) and a README.txt; field names of at most 10 characters
  (`SHP_FIELD_NAMES`); a text longer than a dBASE field's 254 bytes continues in numbered fields
  (`src_quote`, `src_quote2`, …) rather than being cut (`shp_continuation_name`).
- KML: one folder; each placemark's <name> is "name_zh / name_en", every column is kept in its
  ExtendedData.
"""

import shutil
import tempfile
import zipfile
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from datetime import date, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any

import anyio.to_thread
import geopandas as gpd
import pandas as pd
import pyogrio
import shapely

from app.catalog.fields import CSV_COLUMNS, SHP_NAMES
from app.core.clock import LIANZHOU_TZ


class ExportFormat(StrEnum):
    GEOJSON = "geojson"
    GPKG = "gpkg"
    SHP = "shp"
    KML = "kml"
    CSV = "csv"


MEDIA_TYPES: dict[ExportFormat, str] = {
    ExportFormat.GEOJSON: "application/geo+json",
    ExportFormat.GPKG: "application/geopackage+sqlite3",
    ExportFormat.SHP: "application/zip",
    ExportFormat.KML: "application/vnd.google-earth.kml+xml",
    ExportFormat.CSV: "text/csv; charset=utf-8",
}

# `.shp.zip` tells GDAL (and so QGIS) that the zip holds shapefiles: it opens without unzipping.
EXTENSIONS: dict[ExportFormat, str] = {
    ExportFormat.GEOJSON: ".geojson",
    ExportFormat.GPKG: ".gpkg",
    ExportFormat.SHP: ".shp.zip",
    ExportFormat.KML: ".kml",
    ExportFormat.CSV: ".csv",
}

INT_COLUMNS = ("start_year", "end_year", "version")
FLOAT_COLUMNS = ("distance_m",)

# dBASE field names have at most 10 characters. Base names keep to 9 so a continuation field
# (`src_quote2`) still fits; the importer reads these names back to the catalog's.
SHP_FIELD_NAMES: dict[str, str] = {**SHP_NAMES, "distance_m": "distance_m"}  # the registry's, and the distance

DBF_TEXT_BYTES = 254  # the most a dBASE character field holds; GDAL cuts longer values

# Shapefile layers: (layer name, geometry kinds it takes, declared type when promoted to Multi*).
SHP_LAYERS: tuple[tuple[str, frozenset[str], str], ...] = (
    ("planmap_points", frozenset({"Point", "MultiPoint"}), "MultiPoint"),
    ("planmap_lines", frozenset({"LineString", "MultiLineString"}), "MultiLineString"),
    ("planmap_polygons", frozenset({"Polygon", "MultiPolygon"}), "MultiPolygon"),
)
SHP_SIDECARS = (".shp", ".shx", ".dbf", ".prj", ".cpg")


def export_filename(fmt: ExportFormat, towns: Sequence[str], today: date | None = None) -> str:
    """`planmap-projects[-town]-YYYYMMDD.ext`: the town only when exactly one is filtered."""
    day = today or datetime.now(LIANZHOU_TZ).date()
    parts = ["planmap-projects", *(towns if len(towns) == 1 else []), day.strftime("%Y%m%d")]
    return "-".join(parts) + EXTENSIONS[fmt]


def export_columns(with_distance: bool) -> list[str]:
    return [*CSV_COLUMNS, *(["distance_m"] if with_distance else [])]


def rows_to_frame(rows: Sequence[Mapping[str, Any]], with_distance: bool) -> gpd.GeoDataFrame:
    """The flat rows as a GeoDataFrame in EPSG:4326, with typed (nullable) number columns."""
    columns = export_columns(with_distance)
    frame = pd.DataFrame({name: pd.Series([row[name] for row in rows], dtype=object) for name in columns})
    for name in INT_COLUMNS:
        frame[name] = frame[name].astype("Int64")
    for name in FLOAT_COLUMNS:
        if name in frame:
            frame[name] = frame[name].astype("float64")
    # An ISO 8601 string is exact in every format; a shapefile could only keep the date.
    frame["updated_at"] = pd.Series([_iso(v) for v in frame["updated_at"]], dtype=object)
    geometry = shapely.from_wkt([row["wkt"] for row in rows])
    return gpd.GeoDataFrame(frame, geometry=gpd.GeoSeries(geometry, crs="EPSG:4326"), crs="EPSG:4326")


def _iso(value: Any) -> str | None:
    if value is None:
        return None
    return value.isoformat() if isinstance(value, datetime) else str(value)


def write_gpkg(frame: gpd.GeoDataFrame, folder: Path) -> Path:
    path = folder / "planmap-projects.gpkg"
    pyogrio.write_dataframe(frame, path, layer="projects", driver="GPKG")
    return path


def write_kml(frame: gpd.GeoDataFrame, folder: Path) -> Path:
    """KML keeps every column in ExtendedData; `Name` (the driver's name field) is only the label."""
    path = folder / "planmap-projects.kml"
    labelled = frame.copy()
    pairs = zip(frame["name_zh"], frame["name_en"], strict=True)
    names = [" / ".join(n for n in pair if isinstance(n, str) and n) for pair in pairs]
    labelled.insert(0, "Name", pd.Series(names, index=frame.index, dtype=object))
    pyogrio.write_dataframe(labelled, path, layer="planmap_projects", driver="KML")
    return path


def shp_continuation_name(short: str, part: int) -> str:
    """Field holding part `part` (2, 3, …) of a text too long for one dBASE field."""
    suffix = str(part)
    return short[: 10 - len(suffix)] + suffix


def _split_utf8(text: str, limit: int) -> list[str]:
    """Pieces of at most `limit` UTF-8 bytes, never cutting a character in two.

    dBASE readers strip the spaces around a field's text, so a cut is moved back until it falls
    between two non-blank characters ("or more" must not come back as "ormore").
    """
    pieces: list[str] = []
    rest = text
    while len(rest.encode()) > limit:
        cut, size = 0, 0
        while size + len(rest[cut].encode()) <= limit:
            size += len(rest[cut].encode())
            cut += 1
        safe = cut
        while safe > 1 and (rest[safe - 1].isspace() or rest[safe].isspace()):
            safe -= 1
        cut = safe if safe > 1 else cut
        pieces.append(rest[:cut])
        rest = rest[cut:]
    pieces.append(rest)
    return pieces


def dbf_frame(frame: gpd.GeoDataFrame) -> tuple[gpd.GeoDataFrame, dict[str, list[str]]]:
    """Columns renamed to `SHP_FIELD_NAMES`, long texts split over continuation fields.

    Returns the frame and, per catalog column, the dBASE fields that hold it (for the README).
    """
    out = gpd.GeoDataFrame(geometry=frame.geometry, crs=frame.crs)
    fields: dict[str, list[str]] = {}
    for name in frame.columns:
        if name == frame.geometry.name:
            continue
        short = SHP_FIELD_NAMES[name]
        values = frame[name]
        if values.dtype != object:
            out[short] = values
            fields[name] = [short]
            continue
        split = [_split_utf8(v, DBF_TEXT_BYTES) if isinstance(v, str) else [v] for v in values]
        parts = max((len(p) for p in split), default=1)
        names = [short, *(shp_continuation_name(short, n) for n in range(2, parts + 1))]
        for index, field_name in enumerate(names):
            column = [p[index] if index < len(p) else None for p in split]
            out[field_name] = pd.Series(column, index=frame.index, dtype=object)
        fields[name] = names
    return out, fields


def write_shp_zip(frame: gpd.GeoDataFrame, folder: Path) -> Path:
    """One shapefile per geometry kind (always all three, possibly empty), zipped with a README."""
    flat, fields = dbf_frame(frame)
    kinds = frame.geometry.geom_type
    members: list[Path] = []
    counts: dict[str, int] = {}
    for layer, accepted, multi in SHP_LAYERS:
        part = flat[kinds.isin(accepted)]
        # Lines and polygons are one shapefile type whether single or multi, so promoting is
        # free; points are promoted only when a MultiPoint is present (MULTIPOINT is a type apart).
        promote = multi != "MultiPoint" or bool((part.geometry.geom_type == "MultiPoint").any())
        pyogrio.write_dataframe(
            part,
            folder / f"{layer}.shp",
            layer=layer,
            driver="ESRI Shapefile",
            encoding="UTF-8",
            geometry_type=multi if promote else "Point",
            promote_to_multi=promote,
        )
        members += [folder / f"{layer}{ext}" for ext in SHP_SIDECARS]
        counts[layer] = len(part)
    readme = folder / "README.txt"
    readme.write_text(_shp_readme(fields, counts), encoding="utf-8")
    path = folder / "planmap-projects.shp.zip"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for member in [*members, readme]:
            archive.write(member, member.name)
    return path


def _shp_readme(fields: Mapping[str, list[str]], counts: Mapping[str, int]) -> str:
    lines = [
        "planmap: projects of Lianzhou's 14th Five-Year Plan, as ESRI Shapefiles",
        "",
        "A shapefile holds one kind of geometry, so there is one layer per kind:",
        *(f"  {layer}.shp  {counts[layer]} project(s)" for layer, _, _ in SHP_LAYERS),
        "Lines and polygons are stored as multi-part types, so single and multi-part ones mix.",
        "",
        "Coordinates: WGS84 longitude/latitude (EPSG:4326, see the .prj files).",
        "Text encoding: UTF-8 (see the .cpg files).",
        "",
        "dBASE field names are at most 10 characters. Field -> planmap property:",
    ]
    for name, names in fields.items():
        lines.append(f"  {' + '.join(names):<34} {name}")
    lines += [
        "",
        "A field followed by numbered fields (src_quote + src_quote2 ...) holds a text longer than",
        "the 254 bytes a dBASE field can take: join the parts in order to get the whole text.",
        "aliases and towns are lists joined with ';'. figures is a JSON object, the unit in each key",
        "(capacity_mw, length_km, investment_cny_100m = 100 million yuan, ...).",
        "updated_at is ISO 8601 with its UTC offset. Empty start_year / end_year mean the plan gives none.",
        "",
        "`planmap import` reads this zip back (field names and continuations included).",
    ]
    return "\n".join(lines) + "\n"


FileWriter = Callable[[gpd.GeoDataFrame, Path], Path]

FILE_WRITERS: dict[ExportFormat, FileWriter] = {
    ExportFormat.GPKG: write_gpkg,
    ExportFormat.SHP: write_shp_zip,
    ExportFormat.KML: write_kml,
}


def append_gpkg(frame: gpd.GeoDataFrame, path: Path, first: bool) -> None:
    """Add one batch to the GeoPackage's `projects` layer (created by the first batch), mixed geometries allowed."""
    pyogrio.write_dataframe(frame, path, layer="projects", driver="GPKG", geometry_type="Unknown", append=not first)


async def write_export_file(
    batches: AsyncIterator[Sequence[Any]], fmt: ExportFormat, with_distance: bool
) -> tuple[Path, Path]:
    """Write the rows of `batches` as one of the GDAL formats into a new temporary directory.

    Returns the file and its directory; the caller removes the directory (after sending the file).
    A GeoPackage is appended batch by batch, so only one batch is ever in memory; a Shapefile zip
    needs every text's length before it names its continuation fields, and GDAL's KML driver cannot
    append, so those two gather the batches first (as compact frames, not rows). GDAL blocks, so it
    runs in a worker thread.
    """
    folder = Path(tempfile.mkdtemp(prefix="planmap-export-"))
    try:
        frames: list[gpd.GeoDataFrame] = []
        written = 0
        path = folder / "planmap-projects.gpkg"
        async for rows in batches:
            frame = rows_to_frame([row._mapping for row in rows], with_distance)
            if fmt is ExportFormat.GPKG:
                await anyio.to_thread.run_sync(append_gpkg, frame, path, written == 0)
                written += len(frame)
            else:
                frames.append(frame)
        if fmt is ExportFormat.GPKG:
            if written == 0:
                await anyio.to_thread.run_sync(append_gpkg, rows_to_frame([], with_distance), path, True)
            return path, folder
        whole = pd.concat(frames, ignore_index=True) if frames else rows_to_frame([], with_distance)
        whole = gpd.GeoDataFrame(whole, geometry="geometry", crs="EPSG:4326")
        return await anyio.to_thread.run_sync(FILE_WRITERS[fmt], whole, folder), folder
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
