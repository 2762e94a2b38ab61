"""Where photo files live: PLANMAP_DATA_DIR/photos/<aa>/<sha256>.jpg and …/thumbs/<aa>/<sha256>.jpg.

Named by the SHA-256 of their (re-encoded) bytes, so a file never changes once written, the same
photo uploaded twice is stored once, and a backup can copy and verify them byte for byte.
Written to a temporary name and renamed, so a reader never sees half a file.
"""

import os
import tempfile
from pathlib import Path

PHOTOS = "photos"
THUMBS = "thumbs"


def photo_path(data_dir: Path, sha256: str, thumb: bool = False) -> Path:
    return data_dir / PHOTOS / (THUMBS if thumb else "full") / sha256[:2] / f"{sha256}.jpg"


def _write(path: Path, data: bytes) -> None:
    if path.exists():
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=path.parent, prefix=".partial-", delete=False) as tmp:
        tmp.write(data)
        tmp.flush()
        os.fsync(tmp.fileno())
    os.replace(tmp.name, path)


def store(data_dir: Path, sha256: str, jpeg: bytes, thumbnail: bytes) -> None:
    _write(photo_path(data_dir, sha256), jpeg)
    _write(photo_path(data_dir, sha256, thumb=True), thumbnail)


def photos_root(data_dir: Path) -> Path:
    return data_dir / PHOTOS
