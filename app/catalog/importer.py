"""`planmap import FILE`: projects from a GIS file or spreadsheet, judged exactly as the seed is.

A bureau's XLSX project list (Chinese column headers) is read by `xlsx_source.py` into the same rows.
Any file the export writes can come back: GeoJSON, GeoPackage, a zipped Shapefile (every layer,
field names of 10 characters and continuation fields included), KML, and CSV with a `wkt`
column or `lon`/`lat` columns. GDAL (pyogrio) reads them all, so other tools' files work too.

The rules, all for the people whose data this is:
- every row is turned back into a catalog feature (geodata/README.md) and validated by the
  loader's own `validate_features` (schema, vocabularies, town slugs, geometry validity, inside
  the county, geometry kind per category, in PostGIS); each bad row is named with its row number;
- one bad row refuses the whole file and nothing is written, unless `--skip-invalid`;
- coordinates are reprojected to EPSG:4326 when the file declares another CRS; a file that
  declares none is taken as EPSG:4326, and the report says so;
- a slug already in the database is skipped unless `--update`. An import is an explicit act, so
  `--update` overwrites even a project edited in the database since the seed (with a version
  bump and an audit row); without it nothing existing is touched;
- a project an import wrote belongs to the importer: its `seeded_version` is cleared, so a later
  `planmap seed` treats it like an edited project and never overwrites it;
- a geometry equal to the stored one within the export's precision (1e-7°, about 1 cm) and
  differing only in vertex order or ring direction (as a Shapefile round trip reverses rings)
  counts as unchanged, so importing one's own export with `--update` changes nothing;
- all writes go through the loader's own `insert_project` / `update_project` and its audit
  helpers (actor "import"), not `write_features`, whose seed rules (never overwrite an edited
  project) an explicit import must not follow; in ONE transaction, and `--dry-run` runs that
  same transaction and rolls it back, so its report is exact.
"""

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import geopandas as gpd
import numpy as np
import orjson
import pandas as pd
import pyogrio
import shapely
from pyproj import CRS
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, TextColumn, TimeElapsedColumn
from rich.progress import Progress as RichProgress
from sqlalchemy import Connection, Engine

from app.catalog import queries
from app.catalog.import_rows import ImportFileError, SourceFile, SourceRow
from app.catalog.import_values import GDAL_SHP_NAMES, is_blank, parse_list, shown
from app.catalog.projects import (
    ValidFeature,
    differences,
    insert_project,
    record_creation,
    record_update,
    stored_project,
    update_project,
    validate_features,
)
from app.catalog.report import LoadReport
from app.catalog.schema import ProjectProperties
from app.catalog.xlsx_source import is_xlsx, read_xlsx
from app.exports.csv_safety import restore
from app.exports.formats import DBF_TEXT_BYTES, SHP_FIELD_NAMES, shp_continuation_name
from app.plans.membership import join_plan, plan_known

ACTOR = "import"
WGS84 = CRS.from_epsg(4326)
GEOMETRY_TOLERANCE_DEG = 1e-7  # the exports write 7 decimals

CATALOG_FIELDS: tuple[str, ...] = tuple(ProjectProperties.model_fields)
LIST_FIELDS = frozenset({"aliases", "towns"})
YEAR_FIELDS = frozenset({"start_year", "end_year"})
NULLABLE_FIELDS = frozenset(
    name for name, info in ProjectProperties.model_fields.items() if not info.is_required() and info.default is None
)
REQUIRED_FIELDS = tuple(name for name, info in ProjectProperties.model_fields.items() if info.is_required())
READ_ERRORS = (
    pyogrio.errors.DataSourceError,
    pyogrio.errors.DataLayerError,
    pyogrio.errors.FieldError,
    pyogrio.errors.GeometryError,
    pyogrio.errors.CRSError,
)

# Columns the exports add that are not catalog properties: dropped without comment.
EXPORT_ONLY_COLUMNS = frozenset({"created_at", "updated_at", "version", "distance_m", "id", "fid"})
# Columns GDAL's KML readers always add (placemark name, style, time…).
KML_COLUMNS = frozenset(
    {
        "Name",
        "Name2",
        "Description",
        "description",
        "timestamp",
        "begin",
        "end",
        "altitudeMode",
        "tessellate",
        "extrude",
        "visibility",
        "drawOrder",
        "icon",
    }
)
KML_DRIVERS = frozenset({"KML", "LIBKML"})
SHP_DRIVER = "ESRI Shapefile"
# A message that starts with a property's name ("properties.status: …", "source_quote is …").
MESSAGE_FIELD = re.compile(r"(?:properties\.)?([a-z_]+)\b")

# GDAL's CSV driver builds the geometry from a WKT column or from longitude/latitude columns.
CSV_OPEN_OPTIONS = {
    "GEOM_POSSIBLE_NAMES": "wkt,WKT,geometry",
    "X_POSSIBLE_NAMES": "lon,longitude,lng",
    "Y_POSSIBLE_NAMES": "lat,latitude",
    "KEEP_GEOM_COLUMNS": "NO",
}


@dataclass
class RowProblem:
    row: SourceRow
    messages: list[str]

    def __str__(self) -> str:
        return self.row.describe(self.messages)


@dataclass
class ImportOptions:
    dry_run: bool = False
    skip_invalid: bool = False
    update: bool = False
    # The plan the file's projects belong to (None: the plan in force); known slugs join it as continuing.
    plan: str | None = None


@dataclass
class ImportResult:
    source: SourceFile
    options: ImportOptions
    problems: list[RowProblem] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    report: LoadReport = field(default_factory=LoadReport)
    skipped_existing: list[str] = field(default_factory=list)

    @property
    def refused(self) -> bool:
        return bool(self.problems) and not self.options.skip_invalid

    def lines(self) -> list[tuple[str, bool]]:
        """What the CLI prints: (line, is_error); errors go to stderr."""
        src = self.source
        out: list[tuple[str, bool]] = [
            (f"{src.path.name}: {src.driver}, {len(src.rows)} row(s) in layer(s) {', '.join(src.layers)}", False)
        ]
        out += [(f"  note: {note}", False) for note in src.notes]
        out += [(f"  warning: {w}", False) for w in self.warnings]
        verb = "REFUSED" if self.refused else "skipped invalid"
        out += [(f"  {verb} {p}", self.refused) for p in self.problems]
        if self.refused:
            out.append(
                (
                    f"import refused: {len(self.problems)} invalid row(s); nothing was written "
                    "(fix them, or use --skip-invalid to write only the valid rows)",
                    True,
                )
            )
            return out
        shown = self.skipped_existing[:10]
        out += [(f"  skipped (already in the database; --update overwrites): {slug}", False) for slug in shown]
        if len(self.skipped_existing) > len(shown):
            out.append((f"  … and {len(self.skipped_existing) - len(shown)} more already in the database", False))
        rep = self.report
        out.append(
            (
                f"projects{' (dry run)' if self.options.dry_run else ''}: {len(rep.inserted)} inserted, "
                f"{len(rep.updated)} updated, {len(rep.unchanged)} unchanged, "
                f"{len(self.skipped_existing)} skipped (already in the database), "
                f"{len(self.problems)} invalid (skipped)",
                False,
            )
        )
        if self.options.dry_run:
            out.append(("dry run: nothing was written", False))
        return out


class Progress(Protocol):
    """Where the importer reports how far it is (a terminal bar, or nothing)."""

    def phase(self, description: str, total: int) -> None: ...

    def advance(self, steps: int = 1) -> None: ...


class NoProgress:
    def phase(self, description: str, total: int) -> None:
        pass

    def advance(self, steps: int = 1) -> None:
        pass


class _BarProgress:
    def __init__(self, bar: RichProgress) -> None:
        self._bar = bar
        self._task: Any = None

    def phase(self, description: str, total: int) -> None:
        if self._task is not None:
            self._bar.update(self._task, visible=False)
        self._task = self._bar.add_task(description, total=total)

    def advance(self, steps: int = 1) -> None:
        if self._task is not None:
            self._bar.advance(self._task, steps)


@contextmanager
def terminal_progress() -> Iterator[Progress]:
    """A progress bar on stderr when it is a terminal (validation is one PostGIS query per row)."""
    console = Console(stderr=True)
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with RichProgress(*columns, console=console, transient=True, disable=not console.is_terminal) as bar:
        yield _BarProgress(bar)


# --- reading -------------------------------------------------------------------------------


def read_source(path: Path) -> SourceFile:
    """Every row of every geometry layer of the file, as catalog features in EPSG:4326."""
    if not path.is_file():
        raise ImportFileError(f"{path} is not a file")
    suffix = path.suffix.lower()
    if suffix == ".csv":
        frames = [_read_csv(path)]
    else:
        dataset = f"/vsizip/{path.resolve()}" if suffix == ".zip" else str(path)
        frames = _read_layers(path, dataset)
    notes: list[str] = []
    rows: list[SourceRow] = []
    driver = frames[0][2] if frames else "?"
    several = len(frames) > 1
    ignored: set[str] = set()
    for layer, frame, layer_driver in frames:
        frame = _to_wgs84(frame, layer if several else path.name, notes)
        plan, unknown = _column_plan(list(frame.columns.drop(frame.geometry.name)), layer_driver)
        ignored |= unknown
        missing = [name for name in REQUIRED_FIELDS if name not in plan]
        if missing and len(frame):
            notes.append(f"{layer} has no column for {', '.join(missing)}: its rows cannot be valid")
        geometries = list(frame.geometry)
        records = frame.drop(columns=frame.geometry.name).to_dict("records")
        for number, (record, geometry) in enumerate(zip(records, geometries, strict=True), start=1):
            label = f"{layer} row {number}" if several else f"row {number}"
            rows.append(_to_feature(label, record, geometry, plan, dbf=layer_driver == SHP_DRIVER))
    if ignored:
        notes.append(f"ignored column(s) that are not catalog properties: {', '.join(sorted(ignored))}")
    return SourceFile(path, driver, [layer for layer, _, _ in frames], rows, notes)


def _read_csv(path: Path) -> tuple[str, gpd.GeoDataFrame, str]:
    try:
        frame = pyogrio.read_dataframe(path, force_2d=True, on_invalid="ignore", **CSV_OPEN_OPTIONS)
    except READ_ERRORS as exc:
        raise ImportFileError(f"cannot read {path.name}: {exc}") from exc
    if not isinstance(frame, gpd.GeoDataFrame):
        raise ImportFileError(f"{path.name} has no geometry: a CSV needs a `wkt` column or `lon` and `lat` columns")
    for column in frame.columns:
        if column != frame.geometry.name and pd.api.types.is_string_dtype(frame[column]):
            frame[column] = frame[column].map(restore)  # undo the export's formula guard
    return path.stem, frame, "CSV"


def _read_layers(path: Path, dataset: str) -> list[tuple[str, gpd.GeoDataFrame, str]]:
    try:
        listed = pyogrio.list_layers(dataset)
    except READ_ERRORS as exc:
        raise ImportFileError(f"cannot read {path.name} as a GIS file: {exc}") from exc
    names = [str(name) for name, kind in listed if kind is not None]
    if not names:
        raise ImportFileError(f"{path.name} has no layer with geometries")
    frames = []
    for name in names:
        try:
            driver = str(pyogrio.read_info(dataset, layer=name)["driver"])
            frame = pyogrio.read_dataframe(dataset, layer=name, force_2d=True, on_invalid="ignore")
        except READ_ERRORS as exc:
            raise ImportFileError(f"cannot read layer {name} of {path.name}: {exc}") from exc
        frames.append((name, frame, driver))
    return frames


def _to_wgs84(frame: gpd.GeoDataFrame, where: str, notes: list[str]) -> gpd.GeoDataFrame:
    if frame.crs is None:
        notes.append(f"{where} declares no CRS: coordinates taken as EPSG:4326 (WGS84 longitude, latitude)")
        return frame.set_crs(WGS84)
    if frame.crs.equals(WGS84, ignore_axis_order=True):
        return frame
    source = frame.crs.to_string()
    notes.append(f"{where}: reprojected from {source} to EPSG:4326")
    return frame.to_crs(WGS84)


def _column_plan(columns: list[str], driver: str) -> tuple[dict[str, list[str]], set[str]]:
    """For each catalog property, the file's column(s) holding it (a Shapefile's short name and
    continuation fields included), and the columns nothing reads."""
    present = set(columns)
    plan: dict[str, list[str]] = {}
    for name in CATALOG_FIELDS:
        own = name if name in present else SHP_FIELD_NAMES.get(name)
        if own is not None and own in present:
            parts = [own]  # planmap's own export: long texts continue in numbered fields
            while shp_continuation_name(own, len(parts) + 1) in present:
                parts.append(shp_continuation_name(own, len(parts) + 1))
            plan[name] = parts
        elif GDAL_SHP_NAMES.get(name) in present:  # ogr2ogr from planmap's OGC API
            plan[name] = [GDAL_SHP_NAMES[name]]
    used = {c for parts in plan.values() for c in parts}
    harmless = EXPORT_ONLY_COLUMNS | {SHP_FIELD_NAMES.get(c, c) for c in EXPORT_ONLY_COLUMNS}
    harmless |= {GDAL_SHP_NAMES.get(c, c) for c in EXPORT_ONLY_COLUMNS}
    if driver in KML_DRIVERS:
        harmless |= KML_COLUMNS
    return plan, present - used - harmless


def _text(values: list[Any]) -> str | None:
    """A text property; parts of a Shapefile continuation are joined. Empty means null."""
    joined = "".join(str(v) for v in values if not is_blank(v))
    return joined or None


def _year(name: str, value: Any, problems: list[str]) -> int | None:
    if is_blank(value):
        return None
    if isinstance(value, bool):
        problems.append(f"{name} must be a year, got {shown(value)}")
        return None
    if isinstance(value, int | np.integer):
        return int(value)
    try:
        number = float(str(value).strip())
    except ValueError:
        problems.append(f"{name} must be a year, got {shown(value)}")
        return None
    if not number.is_integer():
        problems.append(f"{name} must be a whole year, got {shown(value)}")
        return None
    return int(number)


def _figures(value: Any, problems: list[str]) -> dict[str, Any]:
    if is_blank(value):
        return {}
    if isinstance(value, dict):
        return value
    try:
        parsed = orjson.loads(str(value))
    except orjson.JSONDecodeError:
        problems.append(f'figures must be a JSON object such as {{"length_km": 12}}, got {shown(value)}')
        return {}
    if not isinstance(parsed, dict):
        problems.append(f"figures must be a JSON object, got {shown(value)}")
        return {}
    return parsed


def _to_feature(
    label: str, record: dict[str, Any], geometry: Any, plan: dict[str, list[str]], dbf: bool = False
) -> SourceRow:
    """A flat row back into the catalog's properties: lists split (import_values.parse_list), figures
    parsed, whole-number years, nulls for empty strings. Values that cannot be converted are named,
    not guessed. From a dBASE file (`dbf`), a text that fills a field is flagged: GDAL may have cut it."""
    problems: list[str] = []
    cautions: list[str] = []
    props: dict[str, Any] = {}
    for name, columns in plan.items():
        values = [record[c] for c in columns]
        if name in LIST_FIELDS:
            props[name] = parse_list(name, values[0], problems)
        elif name in YEAR_FIELDS:
            props[name] = _year(name, values[0], problems)
        elif name == "figures":
            props[name] = _figures(values[0], problems)
        else:
            props[name] = _text(values)
            if dbf and len(columns) == 1 and _fills_dbf_field(props[name]):
                cautions.append(
                    f"{name} fills the {DBF_TEXT_BYTES} bytes a Shapefile field holds and may have been cut "
                    f"short by what wrote the file (it ends {shown('…' + props[name][-30:])}); imported as "
                    "the file has it (planmap's own export continues long texts in numbered fields)"
                )
    slug = props.get("slug")
    if geometry is None or shapely.is_empty(geometry):
        problems.append("no geometry (for a CSV: an empty or unreadable `wkt`, or empty `lon`/`lat`)")
        return SourceRow(label, slug, None, problems, cautions=cautions)
    # An empty required property is left out, so the schema says "Field required" for it.
    props = {k: v for k, v in props.items() if v is not None or k in NULLABLE_FIELDS}
    feature = {"type": "Feature", "properties": props, "geometry": orjson.loads(shapely.to_geojson(geometry))}
    return SourceRow(label, slug, feature, problems, cautions=cautions)


def _fills_dbf_field(text: str | None) -> bool:
    """Whether a text reaches a dBASE field's end (within one UTF-8 character of it, as a cut
    never splits a character)."""
    return text is not None and len(text.encode()) > DBF_TEXT_BYTES - 4


def _field_named(message: str) -> str | None:
    named = MESSAGE_FIELD.match(message)
    return named.group(1) if named else None


def _with_value(message: str, props: dict[str, Any]) -> str:
    """The validator's message, with the file's value of the property it names, so the cell can be found."""
    name = _field_named(message)
    if name is None or name not in props or name == "geometry":
        return message
    value = shown(props[name])
    return message if value in message else f"{message} (the file has {value})"


# --- validating and writing ----------------------------------------------------------------


def _validate(conn: Connection, rows: list[SourceRow], result: ImportResult, progress: Progress) -> list[ValidFeature]:
    """Every row through the loader's `validate_features`, one at a time so each problem and
    warning carries the row's own number."""
    valid: list[ValidFeature] = []
    first_row: dict[str, str] = {}
    progress.phase("validating", len(rows))
    for row in rows:
        messages = list(row.problems)
        if row.slug and row.feature is not None:
            if row.slug in first_row:
                messages.append(f"slug repeats {first_row[row.slug]}")
            first_row.setdefault(row.slug, row.label)
        if row.feature is not None:
            report = LoadReport()
            checked = validate_features(conn, [row.feature], report)
            props = row.feature["properties"]
            unread = {_field_named(p) for p in row.problems}  # already refused with the file's value
            messages += [
                _with_value(m, props)
                for problem in report.problems
                for m in problem.messages
                if _field_named(m) not in unread
            ]
            result.warnings += [row.describe([caution]) for caution in row.cautions]
            prefix = f"feature #0 '{row.slug}': "
            result.warnings += [row.describe([w.removeprefix(prefix)]) for w in report.warnings]
            if not messages:
                valid += checked
        if messages:
            result.problems.append(RowProblem(row, messages))
        progress.advance()
    return valid


def _keep_stored_geometry(conn: Connection, item: ValidFeature) -> ValidFeature:
    """The stored geometry when the file's is the same within the export's precision."""
    stored = conn.execute(
        queries.SAME_GEOMETRY, {"slug": item.slug, "geojson": item.geojson, "tol": GEOMETRY_TOLERANCE_DEG}
    ).scalar_one_or_none()
    return ValidFeature(item.feature, stored) if stored is not None else item


def _insert(conn: Connection, item: ValidFeature, report: LoadReport) -> None:
    """A new project, the importer's from the start (no `seeded_version`), audited."""
    insert_project(conn, item, seed_owned=False)
    record_creation(conn, item, ACTOR)
    report.inserted.append(item.slug)


def _overwrite(conn: Connection, item: ValidFeature, report: LoadReport) -> None:
    """Overwrite a locked existing project, even one edited since the seed (an import with
    --update is that explicit act); identical values leave it, its version and history alone."""
    stored = stored_project(conn, item)
    if stored is None:  # impossible: the row was seen and locked in this transaction
        raise RuntimeError(f"project '{item.slug}' vanished while it was locked")
    changes = differences(stored, item)
    if not changes:
        report.unchanged.append(item.slug)
        return
    if not update_project(conn, stored.id, stored.version, item, seed_owned=False):
        raise RuntimeError(f"project '{item.slug}' changed while it was locked")
    record_update(conn, item, changes, stored.version + 1, ACTOR)
    report.updated.append(item.slug)


def _write(conn: Connection, valid: list[ValidFeature], result: ImportResult, update: bool, progress: Progress) -> None:
    """Insert the new projects and, with `update`, overwrite the existing ones; without it,
    existing ones are only listed as skipped."""
    existing = set(conn.execute(queries.EXISTING_SLUGS, {"slugs": [v.slug for v in valid]}).scalars())
    if update:
        conn.execute(queries.LOCK_PROJECTS, {"slugs": list(existing)})
        to_write = [_keep_stored_geometry(conn, v) if v.slug in existing else v for v in valid]
    else:
        result.skipped_existing = [v.slug for v in valid if v.slug in existing]
        to_write = [v for v in valid if v.slug not in existing]
    progress.phase("writing", len(to_write))
    for item in to_write:
        if item.slug in existing:
            _overwrite(conn, item, result.report)
        else:
            _insert(conn, item, result.report)
        progress.advance()
    conn.execute(queries.DISOWN_PROJECTS, {"slugs": result.report.updated})


def import_file(
    engine: Engine, path: Path, options: ImportOptions | None = None, progress: Progress | None = None
) -> ImportResult:
    """Read, validate every row, and write in one transaction (rolled back on refusal or dry run)."""
    options = options or ImportOptions()
    progress = progress or NoProgress()
    source = None if is_xlsx(path) else read_source(path)
    with engine.connect() as conn:
        transaction = conn.begin()
        try:
            # A workbook names categories, statuses and towns in words: reading it needs the vocabularies.
            source = source or read_xlsx(conn, path)
            result = ImportResult(source, options)
            if options.plan is not None and not plan_known(conn, options.plan):
                raise ImportFileError(f"no plan '{options.plan}' (create it first: planmap plans create)")
            valid = _validate(conn, source.rows, result, progress)
            if not result.refused:
                if options.plan is not None:
                    # New projects join this plan (migration 0010's trigger); known ones continue into it.
                    conn.execute(queries.SET_LOAD_PLAN, {"p": options.plan})
                    continuing = join_plan(conn, options.plan, [v.values() | {"slug": v.slug} for v in valid])
                    result.warnings += [f"{slug}: already known, joins {options.plan} as continuing (续建)"
                                        for slug in continuing]  # fmt: skip
                _write(conn, valid, result, options.update, progress)
            if result.refused or options.dry_run:
                transaction.rollback()
            else:
                transaction.commit()
        except BaseException:
            transaction.rollback()
            raise
    return result
