"""Photo files in a backup: a tar next to the database dump (`FILE.photos.tar`), copied byte for byte.

The database dump holds which photos exist; their files live under PLANMAP_DATA_DIR. Backup writes
exactly the files the dump's snapshot refers to (full size and thumbnail), so the two always match;
restore puts them back and checks each full-size file against the SHA-256 it is named by. JPEGs do
not compress, so the tar is not compressed either.
"""

import hashlib
import re
import tarfile
from collections.abc import Iterable
from pathlib import Path

from app.core.private_files import owner_only_file
from app.photos import storage

MEMBER = re.compile(r"^(full|thumbs)/[0-9a-f]{2}/([0-9a-f]{64})\.jpg$")


class ArchiveError(RuntimeError):
    """A photo file is missing, or the archive does not match what it claims; the message says which."""


def sidecar(backup_file: Path) -> Path:
    return backup_file.with_name(backup_file.name + ".photos.tar")


def write(data_dir: Path, hashes: Iterable[str], target: Path) -> tuple[int, int]:
    """Write the files of `hashes` to `target` (via a .partial name); returns (photos, bytes)."""
    root = storage.photos_root(data_dir)
    tmp = owner_only_file(target.with_name(target.name + ".partial"))
    count = size = 0
    with tarfile.open(tmp, "w", format=tarfile.PAX_FORMAT) as tar:
        for sha in hashes:
            for thumb in (False, True):
                path = storage.photo_path(data_dir, sha, thumb=thumb)
                if not path.is_file():
                    tmp.unlink(missing_ok=True)
                    raise ArchiveError(f"photo file {path} is missing: the data directory is not the app's")
                tar.add(path, arcname=str(path.relative_to(root)), recursive=False)
                size += path.stat().st_size
            count += 1
    tmp.replace(target)
    return count, size


def restore(source: Path, data_dir: Path) -> int:
    """Put the archive's files under `data_dir`, each checked; returns how many photos were restored."""
    root = storage.photos_root(data_dir)
    count = 0
    with tarfile.open(source, "r") as tar:
        for member in tar.getmembers():
            match = MEMBER.match(member.name)
            if not member.isfile() or match is None:
                raise ArchiveError(f"{source}: unexpected entry '{member.name}'")
            handle = tar.extractfile(member)
            assert handle is not None
            data = handle.read()
            if match.group(1) == "full":
                if hashlib.sha256(data).hexdigest() != match.group(2):
                    raise ArchiveError(f"{source}: '{member.name}' does not match its SHA-256")
                count += 1
            path = root / member.name
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_name(path.name + ".partial")
            tmp.write_bytes(data)
            tmp.replace(path)
    return count
