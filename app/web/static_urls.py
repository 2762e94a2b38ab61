"""Content-hashed URLs for the files under `frontend/static`, and the StaticFiles that serves them.

A browser (or a proxy in a town office) may keep a file for a year only if its URL changes whenever
the file does. Hand-bumped `?v=` numbers were forgotten as often as not, and then a reader got new
HTML with old JavaScript; a hash of the content cannot be forgotten. So every page links
`/static/<path>?h=<first 10 hex of the file's sha256>`, from one function, `static_url`.

The hashes are computed once, at start-up (44 files, 1.5 MB: a few milliseconds). The server answers
a URL whose hash is the file's with `Cache-Control: public, max-age=31536000, immutable`, and any
other URL (no hash, an old page's hash, a file edited since start-up) with a short cache only, so a
stale URL can never pin a file in a cache for a year.
"""

import hashlib
import os
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from urllib.parse import parse_qs

from starlette.responses import Response
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

from app.core.settings import REPO_ROOT

STATIC_DIR = REPO_ROOT / "frontend" / "static"
STATIC_PREFIX = "/static"
HASH_PARAM = "h"
HASH_LENGTH = 10
IMMUTABLE = "public, max-age=31536000, immutable"
SHORT = "public, max-age=300"  # an unhashed or stale URL: a reload within minutes gets the new file


@dataclass(frozen=True)
class StaticFile:
    """One file as it was at start-up: its content hash, and the size and mtime that tell if it changed since."""

    digest: str
    size: int
    mtime_ns: int


@dataclass(frozen=True)
class StaticManifest:
    """The files of one static directory and their hashes, keyed by path relative to it ("js/kit.js")."""

    directory: Path
    files: Mapping[str, StaticFile]

    @classmethod
    def scan(cls, directory: Path) -> "StaticManifest":
        files: dict[str, StaticFile] = {}
        for path in sorted(p for p in directory.rglob("*") if p.is_file()):
            stat = path.stat()
            digest = hashlib.sha256(path.read_bytes()).hexdigest()[:HASH_LENGTH]
            files[path.relative_to(directory).as_posix()] = StaticFile(digest, stat.st_size, stat.st_mtime_ns)
        return cls(directory, files)

    def url(self, path: str) -> str:
        """`/static/<path>?h=<hash>`; a path that is not a file here is refused, so a typo fails when the page is
        built instead of becoming a 404 in a reader's browser."""
        entry = self.files.get(path)
        if entry is None:
            raise ValueError(f"no static file {path!r} under {self.directory}")
        return f"{STATIC_PREFIX}/{path}?{HASH_PARAM}={entry.digest}"

    def is_current(self, path: str, digest: str | None) -> bool:
        """Whether `digest` is the hash of `path` as it is on disk now (unchanged since start-up)."""
        entry = self.files.get(Path(path).as_posix())
        if entry is None or digest != entry.digest:
            return False
        try:
            stat = (self.directory / path).stat()
        except OSError:
            return False
        return stat.st_size == entry.size and stat.st_mtime_ns == entry.mtime_ns


@cache
def app_manifest() -> StaticManifest:
    """The app's own static files, hashed on first use (at start-up: app/web/assets.py builds its URLs on import)."""
    return StaticManifest.scan(STATIC_DIR)


def static_url(path: str) -> str:
    """The URL of `frontend/static/<path>` with its content hash: what every page links (a Jinja global too)."""
    return app_manifest().url(path)


class HashedStaticFiles(StaticFiles):
    """StaticFiles that lets caches keep a file for a year when its URL carries its current hash, minutes otherwise."""

    def __init__(self, manifest: StaticManifest) -> None:
        super().__init__(directory=manifest.directory)
        self.manifest = manifest

    async def get_response(self, path: str, scope: Scope) -> Response:
        response = await super().get_response(path, scope)
        if response.status_code in (200, 304):
            query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
            digest = (query.get(HASH_PARAM) or [None])[0]
            relative = path.replace(os.sep, "/")
            response.headers["Cache-Control"] = IMMUTABLE if self.manifest.is_current(relative, digest) else SHORT
        return response
