"""Hostile input: every case gets a clear 4xx and leaves the database exactly as it was.

"Unchanged" is checked over *every* app table (a digest of all rows), not just the project a
request aimed at. The in-process cases run against a database of their own; the slow-client
and oversized-body cases need a real server and real sockets (uvicorn in a subprocess).
"""

import json
import math
import socket
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from app.core.db import make_sync_engine
from app.core.settings import Settings
from app.main import create_app
from tests.support.editing import new_feature
from tests.support.reliability import db_fingerprint, fresh_database, login, serve_app

SLUG = "tanling-pumped-storage"


@dataclass
class Target:
    client: TestClient
    engine: Engine
    auth: dict[str, str]

    def fingerprint(self) -> dict[str, str]:
        return db_fingerprint(self.engine)


@pytest.fixture(scope="module")
def target() -> Iterator[Target]:
    with fresh_database("planmap_hostile") as url:
        engine = make_sync_engine(url)
        with TestClient(create_app(Settings(database_url=url))) as client:
            yield Target(client, engine, {"Authorization": f"Bearer {login(client)}"})
        engine.dispose()


def refused(target: Target, response: httpx.Response, status: int, before: dict[str, str]) -> dict[str, Any]:
    """The response is `status` with a JSON `detail`, and no table changed."""
    assert response.status_code == status, response.text[:500]
    body: dict[str, Any] = response.json()
    assert body.get("detail"), body
    assert target.fingerprint() == before
    return body


def messages(body: dict[str, Any]) -> str:
    detail = body["detail"]
    return detail if isinstance(detail, str) else " | ".join(str(d.get("msg")) for d in detail)


def post_raw(target: Target, raw: bytes, path: str = "/api/projects") -> httpx.Response:
    return target.client.post(path, content=raw, headers={**target.auth, "Content-Type": "application/json"})


def feature_json(slug: str, **geometry: Any) -> dict[str, Any]:
    feature = new_feature(slug)
    if geometry:
        feature["geometry"] = geometry
        feature["properties"]["category"] = "road"
        feature["properties"]["location_precision"] = "approximate"
    return feature


# ---------------------------------------------------------------- malformed and huge GeoJSON

MALFORMED = {
    "not JSON": b"{not json",
    "truncated": json.dumps(new_feature("cut-off")).encode()[:80],
    "a JSON array": b"[1, 2, 3]",
    "a FeatureCollection": json.dumps({"type": "FeatureCollection", "features": [new_feature("fc-1")]}).encode(),
    "geometry as WKT text": json.dumps({**new_feature("wkt-1"), "geometry": "POINT(112.55 25)"}).encode(),
    "properties null": json.dumps({**new_feature("nullprops"), "properties": None}).encode(),
    "slug an object": json.dumps({**new_feature("x"), "properties": {"slug": {"$ne": 1}}}).encode(),
    "not UTF-8": b'{"type": "Feature", "properties": {"name_en": "\xff\xfe"}}',
    "empty body": b"",
}


@pytest.mark.parametrize("raw", MALFORMED.values(), ids=MALFORMED.keys())
def test_malformed_geojson_is_a_422(target: Target, raw: bytes) -> None:
    before = target.fingerprint()
    refused(target, post_raw(target, raw), 422, before)


def test_huge_geojson_over_the_limit_is_a_413(target: Target) -> None:
    line = [[112.55 + i * 1e-6, 25.0] for i in range(60_000)]
    raw = json.dumps(feature_json("huge-line", type="LineString", coordinates=line)).encode()
    assert len(raw) > 1 << 20
    before = target.fingerprint()
    body = refused(target, post_raw(target, raw), 413, before)
    assert "larger than 1048576 bytes" in body["detail"]


def test_huge_malformed_geojson_under_the_limit_is_a_422(target: Target) -> None:
    ring = [[112.5 + (i % 500) * 1e-4, 25.0 + (i // 500) * 1e-4] for i in range(30_000)]  # never closed
    raw = json.dumps(feature_json("huge-area", type="Polygon", coordinates=[ring])).encode()
    assert 500_000 < len(raw) < 1 << 20
    before = target.fingerprint()
    refused(target, post_raw(target, raw), 422, before)


# ---------------------------------------------------------------- geometry


def test_self_intersecting_polygon_is_a_422_naming_the_problem(target: Target) -> None:
    bowtie = [[[112.5, 25.0], [112.6, 25.1], [112.6, 25.0], [112.5, 25.1], [112.5, 25.0]]]
    feature = feature_json("bowtie", type="Polygon", coordinates=bowtie)
    feature["properties"]["category"] = "industrial_park"
    before = target.fingerprint()
    body = refused(target, target.client.post("/api/projects", json=feature, headers=target.auth), 422, before)
    assert "Self-intersection" in messages(body)


@pytest.mark.parametrize(
    "coordinates",
    [
        [[112.5, 25.0], [112.6]],  # a position with one number
        [[112.5, 25.0]],  # a line of one point
        [[112.5, 25.0], [112.6, 25.1, 3.0, 4.0]],  # four numbers
        [["112.5", 25.0], [112.6, 25.1]],  # a string
        [[112.5, 25.0], [True, 25.1]],  # a boolean
        [[[[[[112.5, 25.0]]]]]],  # nested too deeply
    ],
    ids=["short-position", "one-point-line", "long-position", "string", "boolean", "deep"],
)
def test_invalid_geometries_are_a_422(target: Target, coordinates: list[Any]) -> None:
    before = target.fingerprint()
    feature = feature_json("bad-geom", type="LineString", coordinates=coordinates)
    refused(target, target.client.post("/api/projects", json=feature, headers=target.auth), 422, before)


@pytest.mark.parametrize("literal", ["NaN", "Infinity", "-Infinity", "1e400", "1" + "0" * 400])
def test_non_finite_coordinates_are_a_422(target: Target, literal: str) -> None:
    raw = json.dumps(new_feature("nan-point")).replace("[112.55, 25.0]", f"[{literal}, 25.0]").encode()
    assert literal.encode() in raw
    before = target.fingerprint()
    body = refused(target, post_raw(target, raw), 422, before)
    assert "finite" in messages(body)


@pytest.mark.parametrize("literal", ["NaN", "Infinity", "1e400"])
def test_non_finite_figures_are_a_422(target: Target, literal: str) -> None:
    feature = new_feature("nan-figure")
    feature["properties"]["figures"] = {"count": 7}
    raw = json.dumps(feature).replace('"count": 7', f'"count": {literal}').encode()
    before = target.fingerprint()
    body = refused(target, post_raw(target, raw), 422, before)
    assert "finite" in messages(body)


@pytest.mark.parametrize(
    ("coordinates", "crs"),
    [
        ([25.0, 112.55], None),  # latitude first
        ([12_529_000.0, 2_875_000.0], None),  # Web Mercator metres sent as if degrees
        ([112.55, 25.0], "EPSG:3857"),  # a legacy `crs` member naming another CRS
        ([112.55, 25.0], "urn:ogc:def:crs:EPSG::32649"),  # UTM 49N
    ],
    ids=["lat-lon", "mercator-metres", "crs-3857", "crs-utm"],
)
def test_coordinates_in_the_wrong_order_or_crs_are_a_422(
    target: Target, coordinates: list[float], crs: str | None
) -> None:
    feature = new_feature("wrong-crs", coordinates)
    if crs:
        feature["geometry"]["crs"] = {"type": "name", "properties": {"name": crs}}
    before = target.fingerprint()
    body = refused(target, target.client.post("/api/projects", json=feature, headers=target.auth), 422, before)
    if crs:
        assert "RFC 7946" in messages(body)


def test_a_crs84_member_is_accepted(target: Target) -> None:
    feature = new_feature("crs84-ok")
    feature["geometry"]["crs"] = {"type": "name", "properties": {"name": "urn:ogc:def:crs:OGC:1.3:CRS84"}}
    assert target.client.post("/api/projects", json=feature, headers=target.auth).status_code == 201


# ---------------------------------------------------------------- deep JSON


@pytest.mark.parametrize("depth", [50, 300, 5000, 100_000])
def test_deeply_nested_json_is_a_422(target: Target, depth: int) -> None:
    nested = b'{"a":' * depth + b"1" + b"}" * depth
    raw = b'{"type": "Feature", "properties": ' + nested + b', "geometry": {"type": "Point", "coordinates": [1, 2]}}'
    before = target.fingerprint()
    refused(target, post_raw(target, raw), 422, before)
    patch = target.client.patch(
        f"/api/projects/{SLUG}",
        content=b'{"properties": {"figures": ' + nested + b"}}",
        headers={**target.auth, "If-Match": '"v1"', "Content-Type": "application/json"},
    )
    refused(target, patch, 422, before)


# ---------------------------------------------------------------- SQL metacharacters

SQL_PAYLOADS = ["' OR '1'='1", "'; DROP TABLE projects; --", "\\", "%", "_", "$$; SELECT 1; $$", '"', "1) OR (1=1"]


def string_parameters(target: Target) -> list[tuple[str, str, str]]:
    """(path template, location, name) of every string parameter of every GET in the OpenAPI document."""
    found = []
    for path, operations in target.client.get("/openapi.json").json()["paths"].items():
        for parameter in operations.get("get", {}).get("parameters", []):
            schema = parameter.get("schema", {})
            kinds = {schema.get("type")} | {s.get("type") for s in schema.get("anyOf", [])}
            items = schema.get("items", {}) or next((s.get("items", {}) for s in schema.get("anyOf", [])), {})
            free_list = items.get("type") == "string" and not items.get("enum") and "$ref" not in items
            if ("string" in kinds or free_list) and not schema.get("enum") and not schema.get("format"):
                found.append((path, parameter["in"], parameter["name"]))
    return found


def test_sql_metacharacters_in_every_string_parameter(target: Target) -> None:
    parameters = string_parameters(target)
    assert len(parameters) >= 10, parameters  # slug, town, q, bbox, near, ... on many endpoints
    before = target.fingerprint()
    for path, where, name in parameters:
        for payload in SQL_PAYLOADS:
            if where == "path":
                url = path.replace("{" + name + "}", httpx.URL("", params={"x": payload}).query.decode()[2:])
                url = url.replace("{", "").replace("}", "")  # any other path parameter: a literal
                response = target.client.get(url)
            else:
                url = path.replace("{slug}", SLUG).replace("{collection_id}", "projects")
                response = target.client.get(url, params={name: payload})
            assert response.status_code < 500, (path, name, payload, response.text[:300])
            # 401: a staff-only read (e.g. a unit's members) refuses an anonymous caller before reading anything.
            assert response.status_code in (200, 304, 400, 401, 404, 422), (path, name, payload, response.status_code)
    assert target.fingerprint() == before
    # bound parameters, and LIKE wildcards taken literally: '%' matches only a literal percent sign
    assert target.client.get("/api/projects", params={"q": "%"}).json()["numberMatched"] == 0
    assert target.client.get("/api/projects", params={"q": "' OR '1'='1"}).json()["numberMatched"] == 0


# ---------------------------------------------------------------- Unicode in names


@pytest.mark.parametrize(
    ("field", "value", "expected"),
    [
        ("name_en", "Clinic\x00", "NUL character (U+0000) is not allowed"),
        ("name_zh", "卫生院\x00", "NUL character (U+0000) is not allowed"),
        ("name_en", "Clinic\u202egnp.exe", "bidirectional control U+202E"),
        ("name_en", "Clinic\u2066x\u2069", "bidirectional control U+2066"),
        ("name_en", "Cli\u200bnic", "invisible character U+200B"),
        ("name_en", "\ufeffClinic", "invisible character U+FEFF"),
        ("location_note", "line\x07bell", "control character U+0007"),
        ("aliases", ["ok", "bad\x1b[31m"], "control character U+001B"),
    ],
    ids=["nul-en", "nul-zh", "rlo", "isolate", "zwsp", "bom", "bell", "ansi-escape-alias"],
)
def test_deceptive_or_unstorable_text_is_a_422(target: Target, field: str, value: Any, expected: str) -> None:
    feature = new_feature("unicode-bad")
    feature["properties"][field] = value
    before = target.fingerprint()
    body = refused(target, target.client.post("/api/projects", json=feature, headers=target.auth), 422, before)
    assert expected in messages(body)


def test_nul_anywhere_is_a_clean_422(target: Target) -> None:
    before = target.fingerprint()
    body = refused(target, target.client.get("/api/projects", params={"q": "a\x00b"}), 422, before)
    assert body["detail"][0]["loc"] == ["query"]
    body = refused(target, target.client.get("/api/projects/a%00b"), 422, before)
    assert body["detail"][0]["loc"] == ["path"]
    refused(target, target.client.post("/api/auth/token", data={"username": "admin\x00", "password": "x"}), 422, before)
    note = target.client.post(
        f"/api/projects/{SLUG}/status",
        json={"status": "planned", "date": "2022-01-01", "note": "a\x00b"},
        headers={**target.auth, "If-Match": target.client.get(f"/api/projects/{SLUG}").headers["etag"]},
    )
    refused(target, note, 422, before)
    surrogate = post_raw(target, json.dumps(new_feature("surrogate")).replace("Test health", "\\ud800 health").encode())
    refused(target, surrogate, 422, before)


@pytest.mark.parametrize(
    ("value", "stored"),
    [
        ("مستشفى لينتشو", "مستشفى لينتشو"),  # right-to-left script
        ("𠀀𠀁 health centre", "𠀀𠀁 health centre"),  # CJK Extension B (astral plane)
        ("Cafe\u0301 clinic", "Café clinic"),  # combining accent: stored in NFC
        ("Team \U0001f469\u200d\U0001f52c clinic", "Team \U0001f469\u200d\U0001f52c clinic"),  # emoji ZWJ sequence
        ("Clinic \u200f(RLM)", "Clinic \u200f(RLM)"),  # a plain right-to-left mark
    ],
    ids=["rtl", "astral", "combining", "emoji-zwj", "rlm"],
)
def test_real_text_in_any_script_round_trips(target: Target, value: str, stored: str) -> None:
    slug = f"unicode-ok-{abs(hash(value)) % 10**8}"
    feature = new_feature(slug)
    feature["properties"]["name_en"] = value
    response = target.client.post("/api/projects", json=feature, headers=target.auth)
    assert response.status_code == 201, response.text
    assert target.client.get(f"/api/projects/{slug}").json()["properties"]["name_en"] == stored


# ---------------------------------------------------------------- slow clients and oversized bodies (real server)


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Engine, str]]:
    log = tmp_path_factory.mktemp("slow") / "server.log"
    env = {"PLANMAP_BODY_TIMEOUT_SECONDS": "2", "PLANMAP_MAX_BODY_BYTES": "65536"}
    with fresh_database("planmap_slow") as url, serve_app(url, log, **env) as base:
        engine = make_sync_engine(url)
        with httpx.Client(base_url=base) as client:
            token = login(client)
        yield base, engine, token
        engine.dispose()


def raw_connection(base: str) -> socket.socket:
    host, port = base.removeprefix("http://").split(":")
    sock = socket.create_connection((host, int(port)), timeout=10)
    return sock


def read_response(sock: socket.socket) -> tuple[int, str]:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            break
        data += chunk
    head, _, rest = data.partition(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    length = next((int(h.split(b":")[1]) for h in head.split(b"\r\n") if h.lower().startswith(b"content-length")), 0)
    while len(rest) < length:
        chunk = sock.recv(65536)
        if not chunk:
            break
        rest += chunk
    return status, rest.decode(errors="replace")


def request_head(path: str, token: str, **headers: str) -> bytes:
    lines = [
        f"POST {path} HTTP/1.1",
        "Host: 127.0.0.1",
        f"Authorization: Bearer {token}",
        "Content-Type: application/json",
    ]
    lines += [f"{k.replace('_', '-')}: {v}" for k, v in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def test_declared_oversized_body_is_refused_before_it_is_sent(live: tuple[str, Engine, str]) -> None:
    base, engine, token = live
    before = db_fingerprint(engine)
    with raw_connection(base) as sock:
        started = time.monotonic()
        sock.sendall(request_head("/api/projects", token, Content_Length=str(100 << 20)) + b'{"type": "Feat')
        status, body = read_response(sock)  # answered although 100 MB were announced and 14 bytes sent
        assert status == 413 and "larger than 65536 bytes" in body
        assert time.monotonic() - started < 2
    assert db_fingerprint(engine) == before


def test_chunked_oversized_body_is_refused_while_it_is_read(live: tuple[str, Engine, str]) -> None:
    base, engine, token = live
    before = db_fingerprint(engine)
    with raw_connection(base) as sock:
        sock.sendall(request_head("/api/projects", token, Transfer_Encoding="chunked"))
        chunk = b"[" + b"0," * 8000
        sent = 0
        while sent <= 70_000:  # past the limit, and the body is never finished
            sock.sendall(f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n")
            sent += len(chunk)
        status, body = read_response(sock)
        assert status == 413, body
    assert db_fingerprint(engine) == before


def test_a_trickling_body_times_out_with_408_and_does_not_block_others(live: tuple[str, Engine, str]) -> None:
    base, engine, token = live
    before = db_fingerprint(engine)
    feature = json.dumps(new_feature("trickled")).encode()
    with raw_connection(base) as sock, httpx.Client(base_url=base, timeout=5) as other:
        sock.sendall(request_head("/api/projects", token, Content_Length=str(len(feature))))
        started = time.monotonic()
        sock.settimeout(0.3)
        status = None
        for byte in feature:
            try:
                sock.sendall(bytes([byte]))
            except OSError:
                break
            # meanwhile, everyone else is served at once
            quick = time.monotonic()
            assert other.get("/api/towns").status_code == 200
            assert time.monotonic() - quick < 1
            try:
                if sock.recv(1, socket.MSG_PEEK):
                    break  # the server answered
            except TimeoutError:
                continue
            if time.monotonic() - started > 10:
                break
        sock.settimeout(5)
        status, body = read_response(sock)
        assert status == 408, body
        assert "not received within 2 s" in body
        assert 1.5 < time.monotonic() - started < 6
    assert db_fingerprint(engine) == before


def test_slow_headers_do_not_block_other_clients(live: tuple[str, Engine, str]) -> None:
    """A client stuck half-way through its request line ties up only its own connection (uvicorn is
    asynchronous); bounding *header* time is the reverse proxy's job (README, Operations)."""
    base, _, _ = live
    stalled = [raw_connection(base) for _ in range(20)]
    try:
        for sock in stalled:
            sock.sendall(b"GET /api/towns HT")
        with httpx.Client(base_url=base, timeout=5) as other:
            started = time.monotonic()
            assert all(other.get("/api/projects/tanling-pumped-storage").status_code == 200 for _ in range(5))
            assert time.monotonic() - started < 3
    finally:
        for sock in stalled:
            sock.close()


def test_body_limit_is_documented_in_the_settings() -> None:
    settings = Settings()
    assert settings.max_body_bytes == 1 << 20 and math.isclose(settings.body_timeout_seconds, 30.0)
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    assert "PLANMAP_MAX_BODY_BYTES" in readme and "PLANMAP_BODY_TIMEOUT_SECONDS" in readme
