"""Files only their owner may read: backups (the dump and its photo archive)."""

import os
from pathlib import Path


def owner_only_file(path: Path) -> Path:
    """Create `path` empty with mode 0600 before anything is written into it.

    A backup holds password hashes, the precise places of sensitive sites and their photos; pg_dump
    and tarfile create their files with the process umask (usually world-readable 0644). pg_dump
    truncates an existing file and keeps its mode, so the file is made first, by us, readable by its
    owner only: there is no moment
    when another user could open it. The rename onto the final name then replaces any older,
    more readable backup with this inode and its mode.
    """
    path.unlink(missing_ok=True)  # a partial file left by a crash, with whatever mode it had
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    os.chmod(path, 0o600)  # os.open's mode is filtered by the umask; a umask never adds bits, but be exact
    return path
