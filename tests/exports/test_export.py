"""Downloading the map's projects as files: every format reads back in GIS tools as the same
projects the API serves, honours the same filters, and arrives with a sensible name."""

import re
import zipfile
from datetime import datetime
from pathlib import Path
from typing import Any

import orjson
import pandas as pd
import pyogrio
import pytest
import shapely
from fastapi.testclient import TestClient
from shapely.geometry import shape

from app.exports.formats import SHP_FIELD_NAMES, shp_continuation_name

CATALOG_KEYS = (
    "slug",
    "name_zh",
    "name_en",
    "aliases",
    "category",
    "status",
    "status_basis",
    "towns",
    "plan_chapter",
    "plan_section",
    "source_quote",
    "figures",
    "start_year",
    "end_year",
    "location_precision",
    "location_note",
    "version",
)
FILE_FORMATS = ("gpkg", "shp", "kml")


def _api_features(client: TestClient, **params: Any) -> dict[str, dict[str, Any]]:
    body = client.get("/api/projects", params={"limit": 10000, **params}).json()
    return {f["properties"]["slug"]: f for f in body["features"]}


def _download(client: TestClient, tmp_path: Path, fmt: str, **params: Any) -> Path:
    response = client.get("/api/export", params={"format": fmt, **params})
    assert response.status_code == 200, response.text
    match = re.fullmatch(r'attachment; filename="([^"]+)"', response.headers["content-disposition"])
    assert match, response.headers["content-disposition"]
    path = tmp_path / match.group(1)
    path.write_bytes(response.content)
    return path


def _blank(value: Any) -> bool:
    return value is None or value is pd.NA or (isinstance(value, float) and value != value) or value == ""


def _text(value: Any) -> str | None:
    return None if _blank(value) else str(value)


def _int(value: Any) -> int | None:
    return None if _blank(value) else int(float(value))


def _as_api_properties(record: dict[str, Any]) -> dict[str, Any]:
    """A flat row read back by GDAL, in the API's terms (lists, figures object, integers)."""
    return {
        **{key: _text(record[key]) for key in CATALOG_KEYS},
        "aliases": [a for a in (_text(record["aliases"]) or "").split(";") if a],
        "towns": (_text(record["towns"]) or "").split(";"),
        "figures": orjson.loads(record["figures"]) if _text(record["figures"]) else {},
        "start_year": _int(record["start_year"]),
        "end_year": _int(record["end_year"]),
        "version": _int(record["version"]),
        "updated_at": datetime.fromisoformat(record["updated_at"]),
    }


def _expected(feature: dict[str, Any]) -> dict[str, Any]:
    props = feature["properties"]
    return {
        **{key: props[key] for key in CATALOG_KEYS},
        "updated_at": datetime.fromisoformat(props["updated_at"]),
    }


def _same_geometry(got: Any, geojson: dict[str, Any]) -> bool:
    """Equal within 1e-7 degrees; normalising first forgives ring direction (a Shapefile reverses it)."""
    want = shape(geojson)
    return bool(got.geom_type == want.geom_type) and bool(
        shapely.equals_exact(shapely.normalize(got), shapely.normalize(want), tolerance=1e-7)
    )


def _shp_layers(path: Path) -> dict[str, pd.DataFrame]:
    dataset = f"/vsizip/{path}"
    return {str(name): pyogrio.read_dataframe(dataset, layer=name) for name, _ in pyogrio.list_layers(dataset)}


def _shp_records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Shapefile rows with the catalog's names, continuation fields joined."""
    records = []
    for raw in frame.to_dict("records"):
        record: dict[str, Any] = {"geometry": raw["geometry"]}
        for name, short in SHP_FIELD_NAMES.items():
            if short not in raw:
                continue
            parts, n = [raw[short]], 2
            while shp_continuation_name(short, n) in raw:
                parts.append(raw[shp_continuation_name(short, n)])
                n += 1
            texts = [p for p in parts if isinstance(p, str)]
            record[name] = "".join(texts) if texts else parts[0]
        records.append(record)
    return records


def _read_back(path: Path, fmt: str) -> list[dict[str, Any]]:
    if fmt == "shp":
        return [r for frame in _shp_layers(path).values() for r in _shp_records(frame)]
    return pyogrio.read_dataframe(path).to_dict("records")  # type: ignore[no-any-return]


def test_geojson_export_is_the_api_collection_as_a_dated_attachment(client: TestClient, tmp_path: Path) -> None:
    response = client.get("/api/export", params={"format": "geojson"})
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/geo+json"
    assert re.fullmatch(
        r'attachment; filename="planmap-projects-\d{8}\.geojson"', response.headers["content-disposition"]
    )
    body = response.json()
    assert body["type"] == "FeatureCollection"
    assert {f["id"]: f for f in body["features"]} == _api_features(client)


@pytest.mark.parametrize("fmt", FILE_FORMATS)
def test_each_gis_format_reads_back_as_the_projects_the_api_serves(
    client: TestClient, tmp_path: Path, fmt: str
) -> None:
    source = _api_features(client)
    records = _read_back(_download(client, tmp_path, fmt), fmt)
    assert sorted(r["slug"] for r in records) == sorted(source)
    for record in records:
        feature = source[record["slug"]]
        assert _as_api_properties(record) == _expected(feature), record["slug"]
        assert _same_geometry(record["geometry"], feature["geometry"]), record["slug"]


@pytest.mark.parametrize(
    ("fmt", "media_type", "extension"),
    [
        ("gpkg", "application/geopackage+sqlite3", ".gpkg"),
        ("shp", "application/zip", ".shp.zip"),
        ("kml", "application/vnd.google-earth.kml+xml", ".kml"),
        ("csv", "text/csv; charset=utf-8", ".csv"),
    ],
)
def test_files_have_their_media_type_and_a_dated_name(
    client: TestClient, fmt: str, media_type: str, extension: str
) -> None:
    response = client.get("/api/export", params={"format": fmt})
    assert response.headers["content-type"] == media_type
    name = re.fullmatch(r'attachment; filename="([^"]+)"', response.headers["content-disposition"])
    assert name and re.fullmatch(r"planmap-projects-20\d{6}" + re.escape(extension), name.group(1))


def test_shapefile_zip_has_one_layer_per_geometry_kind_with_prj_cpg_and_readme(
    client: TestClient, tmp_path: Path
) -> None:
    path = _download(client, tmp_path, "shp")
    with zipfile.ZipFile(path) as archive:
        names = set(archive.namelist())
        layers = ("planmap_points", "planmap_lines", "planmap_polygons")
        assert names == {f"{layer}{ext}" for layer in layers for ext in (".shp", ".shx", ".dbf", ".prj", ".cpg")} | {
            "README.txt"
        }
        assert all(archive.read(f"{layer}.cpg").decode().strip() == "UTF-8" for layer in layers)
        assert all(b"WGS_1984" in archive.read(f"{layer}.prj") for layer in layers)
        readme = archive.read("README.txt").decode()
    for name, short in SHP_FIELD_NAMES.items():
        if name != "distance_m":
            assert re.search(rf"^  {re.escape(short)}\b.* {name}$", readme, re.MULTILINE), name
    frames = _shp_layers(path)
    kinds = {layer: set(frame.geometry.geom_type) for layer, frame in frames.items()}
    assert kinds["planmap_points"] <= {"Point", "MultiPoint"}
    assert kinds["planmap_lines"] <= {"LineString", "MultiLineString"}
    assert kinds["planmap_polygons"] <= {"Polygon", "MultiPolygon"}
    assert all(len(c) <= 10 for frame in frames.values() for c in frame.columns)


def test_shapefile_keeps_texts_longer_than_a_dbase_field(client: TestClient, tmp_path: Path) -> None:
    source = _api_features(client)
    long_notes = {s for s, f in source.items() if len(f["properties"]["location_note"].encode()) > 254}
    assert long_notes, "the catalog has location notes over 254 bytes; this test needs one"
    records = {r["slug"]: r for r in _read_back(_download(client, tmp_path, "shp"), "shp")}
    for slug in long_notes:
        assert records[slug]["location_note"] == source[slug]["properties"]["location_note"]


def test_csv_export_is_the_projects_csv_as_an_attachment(client: TestClient) -> None:
    exported = client.get("/api/export", params={"format": "csv", "town": "xingzi"})
    listed = client.get("/api/projects", params={"format": "csv", "town": "xingzi", "limit": 10000})
    assert exported.text == listed.text
    assert exported.headers["content-disposition"].startswith('attachment; filename="planmap-projects-xingzi-')


@pytest.mark.parametrize("fmt", ["geojson", *FILE_FORMATS])
def test_one_town_exports_exactly_that_towns_projects_and_names_the_file(
    client: TestClient, tmp_path: Path, fmt: str
) -> None:
    xingzi = _api_features(client, town="xingzi")
    assert 0 < len(xingzi) < len(_api_features(client))
    path = _download(client, tmp_path, fmt, town="xingzi")
    assert re.fullmatch(r"planmap-projects-xingzi-\d{8}\.(geojson|gpkg|shp\.zip|kml)", path.name)
    if fmt == "geojson":
        slugs = [f["properties"]["slug"] for f in orjson.loads(path.read_bytes())["features"]]
    else:
        slugs = [r["slug"] for r in _read_back(path, fmt)]
    assert sorted(slugs) == sorted(xingzi)


@pytest.mark.parametrize(
    "params",
    [
        {"status": "under_construction", "category": ["road", "energy"]},
        {"bbox": "112.30,24.70,112.45,24.85"},
        {"q": "高速"},
        {"town": ["xingzi", "xijiang"]},
    ],
)
def test_every_project_filter_is_honoured(client: TestClient, tmp_path: Path, params: dict[str, Any]) -> None:
    expected = _api_features(client, **params)
    assert expected
    records = _read_back(_download(client, tmp_path, "gpkg", **params), "gpkg")
    assert sorted(r["slug"] for r in records) == sorted(expected)
    assert "planmap-projects-2" in _download(client, tmp_path, "geojson", **params).name  # no single town named


def test_near_exports_the_distance_in_order(client: TestClient, tmp_path: Path) -> None:
    params = {"near": "112.3712,24.7819", "radius_m": 3000}
    expected = client.get("/api/projects", params={**params, "limit": 10000}).json()["features"]
    assert expected
    records = _read_back(_download(client, tmp_path, "gpkg", **params), "gpkg")
    assert [r["slug"] for r in records] == [f["properties"]["slug"] for f in expected]
    assert [r["distance_m"] for r in records] == pytest.approx([f["properties"]["distance_m"] for f in expected])


def test_a_filter_matching_nothing_gives_empty_but_readable_files(client: TestClient, tmp_path: Path) -> None:
    assert _read_back(_download(client, tmp_path, "gpkg", q="no such project anywhere"), "gpkg") == []
    layers = _shp_layers(_download(client, tmp_path, "shp", q="no such project anywhere"))
    assert sorted(layers) == ["planmap_lines", "planmap_points", "planmap_polygons"]
    assert all(len(frame) == 0 for frame in layers.values())


def test_unknown_format_is_a_422_naming_format(client: TestClient) -> None:
    response = client.get("/api/export", params={"format": "xls"})
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["query", "format"]


@pytest.mark.parametrize(
    ("params", "name"),
    [
        ({"bbox": "112.3,24.7,112.4"}, "bbox"),
        ({"town": "atlantis"}, "town"),
        ({"status": "done"}, "status"),
        ({"radius_m": 100}, "radius_m"),
    ],
)
def test_a_bad_filter_is_a_422_naming_it(client: TestClient, params: dict[str, Any], name: str) -> None:
    response = client.get("/api/export", params={"format": "gpkg", **params})
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"][:2] == ["query", name]
