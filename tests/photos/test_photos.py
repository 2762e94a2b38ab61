"""Progress photos: nothing of the original's EXIF survives, bombs and disguised files are refused with
nothing stored, the public sees only approved photos, and backup/restore carries the files byte for byte."""

import struct
import zlib
from collections.abc import Iterator
from io import BytesIO
from pathlib import Path

import pytest
from PIL import Image

from app.core.settings import Settings
from app.ops.backup import backup, restore
from app.photos.storage import photo_path
from tests.conftest import throwaway_url
from tests.support.cycle import HYDRO_XINGZI, CycleWorld, jpeg, open_cycle_world

LIMIT = 300_000


@pytest.fixture(scope="module")
def cycle(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CycleWorld]:
    # A small photo limit, so that "too large" needs no megabytes in the test.
    yield from open_cycle_world(tmp_path_factory.mktemp("data"), "planmap_photos", photo_max_bytes=LIMIT)


def _upload(cycle: CycleWorld, data: bytes, name: str = "IMG_0001.jpg", user: str = "official_xingzi",
            **form: str) -> "object":  # fmt: skip
    return cycle.client.post(
        f"/api/projects/{HYDRO_XINGZI}/photos", files={"photo": (name, data, "image/jpeg")}, data=form,
        headers=cycle.auth(user),
    )  # fmt: skip


def _stored(cycle: CycleWorld) -> tuple[int, list[Path]]:
    rows = cycle.sql("SELECT count(*) FROM progress_photos")[0][0]
    return rows, sorted(p for p in cycle.data_dir.rglob("*") if p.is_file())


def _with_gps() -> Image.Exif:
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x0110] = "Model X"  # Model
    exif[0x013B] = "Zhang San"  # Artist
    gps = exif.get_ifd(0x8825)
    gps[1], gps[2], gps[3], gps[4] = "N", (24.0, 47.0, 0.0), "E", (112.0, 22.0, 0.0)
    return exif


def test_the_stored_photo_has_no_exif_at_all(cycle: CycleWorld) -> None:
    original = jpeg((640, 480), exif=_with_gps())
    assert Image.open(BytesIO(original)).getexif().get_ifd(0x8825)  # the upload does carry GPS
    response = _upload(cycle, original, lon="112.55", lat="25.0", accuracy_m="12")
    assert response.status_code == 201, response.text
    sha = cycle.sql("SELECT sha256 FROM progress_photos WHERE id = :i", i=response.json()["id"])[0][0]
    for thumb in (False, True):
        with Image.open(photo_path(cycle.data_dir, sha, thumb=thumb)) as stored:
            assert stored.format == "JPEG"
            assert dict(stored.getexif()) == {}
            assert "exif" not in stored.info and "icc_profile" not in stored.info and "xmp" not in stored.info
    assert b"PhoneMaker" not in photo_path(cycle.data_dir, sha).read_bytes()


def _png_header_only(width: int, height: int) -> bytes:
    """A tiny PNG claiming width x height pixels: a decompression bomb's header."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\0" * 64)) + chunk(b"IEND", b"")


@pytest.mark.parametrize(
    ("data", "name", "words"),
    [
        (_png_header_only(8000, 8000), "bomb.png", "at most 40,000,000"),  # our own check, before decoding
        (_png_header_only(100_000, 100_000), "bomb.png", "more pixels than accepted"),  # Pillow's guard at open
        (b"%PDF-1.4 this is not a photo at all" * 10, "IMG_0002.jpg", "not a photo planmap can read"),
        (jpeg((640, 480), colour="red")[:400], "IMG_0003.jpg", "damaged or truncated"),
        (b"", "empty.jpg", "empty"),
    ],
    ids=["bomb-8000x8000", "bomb-100000x100000", "text-named-jpg", "truncated", "empty"],
)
def test_bombs_and_disguised_files_are_refused_and_nothing_is_stored(
    cycle: CycleWorld, data: bytes, name: str, words: str
) -> None:
    before = _stored(cycle)
    response = _upload(cycle, data, name)
    assert response.status_code == 422 and words in response.text, response.text
    assert _stored(cycle) == before


def test_a_photo_larger_than_the_limit_is_refused_with_413(cycle: CycleWorld) -> None:
    before = _stored(cycle)
    response = _upload(cycle, b"\xff\xd8" + b"\0" * (LIMIT + 10))
    assert response.status_code == 413
    assert _stored(cycle) == before
    # The larger limit is the upload route's alone: a JSON route still refuses bodies above PLANMAP_MAX_BODY_BYTES.
    big = cycle.client.post("/api/projects/x/progress", content=b"{" + b" " * (2 << 20) + b"}",
                            headers={"Content-Type": "application/json"})  # fmt: skip
    assert big.status_code == 413


def test_the_public_sees_a_photo_only_once_an_approved_report_shows_it(cycle: CycleWorld) -> None:
    photo = _upload(cycle, jpeg(colour="green"), caption="坝体浇筑")
    assert photo.status_code == 201, photo.text
    photo_id = photo.json()["id"]
    assert cycle.client.get(f"/api/photos/{photo_id}.jpg").status_code == 404
    assert photo_id not in [p["id"] for p in cycle.client.get(f"/api/projects/{HYDRO_XINGZI}/photos").json()]
    own = cycle.client.get(f"/api/photos/{photo_id}.jpg", headers=cycle.auth("official_xingzi"))
    assert own.status_code == 200 and own.headers["content-type"] == "image/jpeg"
    other = cycle.client.get(f"/api/photos/{photo_id}.jpg", headers=cycle.auth("official_jiaotong"))
    assert other.status_code == 404
    stray = cycle.report("official_xingzi", "guanglian-expressway-xingzi-exit-connector", "2025-02", "1",
                         photo_ids=[photo_id])  # fmt: skip
    assert stray.status_code == 422 and "not photos of" in stray.text
    filed = cycle.report("official_xingzi", HYDRO_XINGZI, "2025-03", "20", "30", photo_ids=[photo_id])
    assert filed.status_code == 201, filed.text
    public = cycle.client.get(f"/api/projects/{HYDRO_XINGZI}/photos").json()
    shown = next(p for p in public if p["id"] == photo_id)
    assert (shown["month"], shown["caption"]) == ("2025-03", "坝体浇筑")
    assert cycle.client.get(shown["thumbnail"]).status_code == 200


def test_backup_and_restore_carry_the_photos_byte_for_byte(cycle: CycleWorld, tmp_path: Path) -> None:
    assert _upload(cycle, jpeg((300, 200), colour="blue")).status_code == 201
    rows, files = _stored(cycle)
    assert rows >= 1
    original = {f.relative_to(cycle.data_dir): f.read_bytes() for f in files}
    settings = Settings()
    dump = tmp_path / "planmap.dump"
    report = backup(cycle.url, dump, settings.pg_bin_dir, cycle.data_dir)
    assert any("photos" in note for note in report.notes)
    restored_dir = tmp_path / "restored-data"
    target = throwaway_url("planmap_photo_restore")
    try:
        result = restore(target, dump, settings.pg_bin_dir, restored_dir)
        assert result.rows["progress_photos"] == rows
    finally:
        from app.core import dbadmin

        dbadmin.drop_database(target)
    copied = {f.relative_to(restored_dir): f.read_bytes() for f in restored_dir.rglob("*") if f.is_file()}
    referenced = {k: v for k, v in original.items() if not k.name.startswith(".")}
    assert copied == referenced
