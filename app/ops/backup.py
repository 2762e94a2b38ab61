"""`planmap backup FILE` / `planmap restore FILE`: the app's schema and data with pg_dump / pg_restore (-Fc).

What is dumped: everything of the app in schema `public` — tables with their data, sequences,
indexes, constraints, views, functions and triggers (`pg_dump -n public`), including
`alembic_version`, so a restored database knows its migration revision. Not dumped: the
PostGIS extension and its `spatial_ref_sys`, which belong to the server's PostGIS install;
restore creates the extension when it is missing.

Consistency: row counts are read in a REPEATABLE READ transaction whose snapshot is handed to
pg_dump (`--snapshot`), so the counts printed describe exactly the data in the file, even while
the app keeps writing.

Restore works into an empty database (created if missing) or over an existing one:
`--clean --if-exists` drops each object before recreating it, in one transaction
(`--single-transaction --exit-on-error`): either the whole backup is in place or nothing
changed. The `public` schema entry itself is skipped, since PostGIS lives in it too.

Photo files (PLANMAP_DATA_DIR) go to `FILE.photos.tar` next to the dump, exactly those the dump's
snapshot refers to, and come back from it on restore, each checked against its SHA-256
(app/photos/archive.py).

Passwords travel to pg_dump/pg_restore in PGPASSWORD, never on the command line (where `ps`
would show them). The backup file is created 0600 (owner only): it holds password hashes and the
precise places of sensitive sites.
"""

import os
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy.engine import make_url

from app.core import dbadmin, migrate
from app.core.db import make_sync_engine
from app.core.private_files import owner_only_file
from app.ops import queries
from app.photos import archive
from app.photos.queries import ALL_FILES


class BackupError(RuntimeError):
    """pg_dump/pg_restore failed or is missing; the message says what to do."""


@dataclass
class BackupReport:
    """What a backup or restore did: the tables and their row counts, and where."""

    action: str
    database: str
    file: Path
    rows: dict[str, int] = field(default_factory=dict)
    revision: str | None = None
    notes: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        verb = "backed up" if self.action == "backup" else "restored"
        size = self.file.stat().st_size if self.file.exists() else 0
        where = f"{self.database} -> {self.file}" if self.action == "backup" else f"{self.file} -> {self.database}"
        out = [
            f"{verb} {len(self.rows)} tables, {sum(self.rows.values())} rows ({where}, {size} bytes, "
            f"migration revision {self.revision or 'none'})"
        ]
        out += [f"  {name}: {count} rows" for name, count in self.rows.items()]
        out += [f"  note: {note}" for note in self.notes]
        return out


def _tool(bin_dir: Path, name: str) -> str:
    path = bin_dir / name
    if path.is_file():
        return str(path)
    raise BackupError(f"{path} not found: install PostgreSQL 15 client tools or set PLANMAP_PG_BIN_DIR")


def _libpq(url: str) -> tuple[str, dict[str, str]]:
    """A libpq URI without the password, and the environment carrying it."""
    parsed = make_url(url)
    env = {**os.environ}
    if parsed.password is not None:
        env["PGPASSWORD"] = str(parsed.password)
    uri = parsed.set(drivername="postgresql", password=None).render_as_string(hide_password=False)
    return uri, env


def _safe(url: str) -> str:
    return make_url(url).render_as_string(hide_password=True)


def _run(command: list[str], env: dict[str, str]) -> None:
    result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise BackupError(f"{Path(command[0]).name} failed ({result.returncode}): {result.stderr.strip()}")


def backup(url: str, file: Path, bin_dir: Path, data_dir: Path | None = None) -> BackupReport:
    """Dump the app's schema and data to FILE (custom format), consistent with the counts reported;
    with `data_dir`, the photo files the dump refers to go to FILE.photos.tar."""
    pg_dump = _tool(bin_dir, "pg_dump")
    uri, env = _libpq(url)
    engine = make_sync_engine(url)
    try:
        with engine.connect().execution_options(isolation_level="REPEATABLE READ") as conn:
            snapshot = conn.execute(queries.EXPORT_SNAPSHOT).scalar_one()
            rows = queries.row_counts(conn)
            revision = migrate.current_revision(conn)
            tmp = owner_only_file(file.with_name(file.name + ".partial"))
            try:
                _run([pg_dump, "-Fc", "-n", "public", f"--snapshot={snapshot}", "-f", str(tmp), "-d", uri], env)
            except BackupError:
                tmp.unlink(missing_ok=True)
                raise
            tmp.replace(file)  # a half-written backup never carries the real name
            notes = []
            if data_dir is not None and "progress_photos" in rows:
                try:
                    photos, size = archive.write(data_dir, conn.execute(ALL_FILES).scalars(), archive.sidecar(file))
                except archive.ArchiveError as exc:
                    raise BackupError(str(exc)) from None
                notes.append(f"{photos} photos ({size} bytes of files) -> {archive.sidecar(file)}")
            conn.rollback()
    finally:
        engine.dispose()
    return BackupReport("backup", _safe(url), file, rows, revision, notes)


def _restore_list(pg_restore: str, file: Path, env: dict[str, str]) -> str:
    """The archive's table of contents without the `public` schema itself (PostGIS lives in it)."""
    listing = subprocess.run([pg_restore, "-l", str(file)], env=env, capture_output=True, text=True, check=False)
    if listing.returncode != 0:
        raise BackupError(f"{file} is not a planmap backup (pg_restore -l: {listing.stderr.strip()})")
    keep = []
    for line in listing.stdout.splitlines():
        if " SCHEMA - public " in line or " COMMENT - SCHEMA public " in line:
            continue
        keep.append(line)
    return "\n".join(keep) + "\n"


def restore(url: str, file: Path, bin_dir: Path, data_dir: Path | None = None) -> BackupReport:
    """Restore FILE into the database of `url` (created if missing), replacing the app's objects in one transaction;
    with `data_dir`, the photo files from FILE.photos.tar too."""
    pg_restore = _tool(bin_dir, "pg_restore")
    if not file.is_file():
        raise BackupError(f"{file}: no such file")
    uri, env = _libpq(url)
    notes = []
    if dbadmin.create_database(url):
        notes.append("the database did not exist and was created")
    engine = make_sync_engine(url)
    try:
        with engine.begin() as conn:
            conn.execute(queries.ENSURE_POSTGIS)
        with tempfile.NamedTemporaryFile("w", suffix=".list", delete=False) as listing:
            listing.write(_restore_list(pg_restore, file, env))
        try:
            _run(
                [
                    pg_restore,
                    "--clean",
                    "--if-exists",
                    "--no-owner",
                    "--no-privileges",
                    "--single-transaction",
                    "--exit-on-error",
                    "-L",
                    listing.name,
                    "-d",
                    uri,
                    str(file),
                ],
                env,
            )
        finally:
            os.unlink(listing.name)
        with engine.connect() as conn:
            rows = queries.row_counts(conn)
            revision = migrate.current_revision(conn)
    finally:
        engine.dispose()
    photos = archive.sidecar(file)
    if data_dir is not None and photos.is_file():
        try:
            notes.append(f"{archive.restore(photos, data_dir)} photos restored from {photos} into {data_dir}")
        except archive.ArchiveError as exc:
            raise BackupError(f"the database was restored, but not its photos: {exc}") from None
    elif data_dir is not None and rows.get("progress_photos"):
        notes.append(f"{photos} not found: the restored photo records have no files")
    head = migrate.head_revision()
    if revision != head:
        notes.append(f"the backup is at revision {revision}, the code at {head}: run `planmap db upgrade`")
    return BackupReport("restore", _safe(url), file, rows, revision, notes)
