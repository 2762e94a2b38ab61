"""A PostgreSQL cluster of a test's own (scripts/pgcluster.sh on a free port, data in a fresh directory).

For tests that stop the database: stopping it disturbs no other test. The same recipe as the
`cluster` fixture of tests/core/test_db_faults.py, as a context manager other rooms can use.
"""

import os
import secrets
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from app.core import dbadmin
from app.core.settings import REPO_ROOT
from tests.support.reliability import free_port, prepare_database

PG_BIN = Path("/usr/lib/postgresql/15/bin")


@dataclass
class Cluster:
    url: str
    env: dict[str, str]

    def ctl(self, action: str) -> None:
        subprocess.run(["scripts/pgcluster.sh", action], env=self.env, cwd=REPO_ROOT, check=True, capture_output=True)


@contextmanager
def private_cluster(database: str) -> Iterator[Cluster]:
    """Start a cluster, create `database` in it migrated and seeded with users; stop and delete it after."""
    port = free_port()
    if os.geteuid() == 0:
        base = Path(f"/var/lib/planmap/faulttest-{secrets.token_hex(4)}")
    else:
        base = Path(tempfile.mkdtemp(prefix="planmap-faulttest-"))
    env = {**os.environ, "PLANMAP_PG_PORT": str(port), "PLANMAP_PG_BASE": str(base)}
    result = Cluster(f"postgresql+psycopg://postgres@127.0.0.1:{port}/{database}", env)
    try:
        result.ctl("start")
        dbadmin.create_database(result.url)
        prepare_database(result.url)
        yield result
    finally:
        subprocess.run(["scripts/pgcluster.sh", "stop"], env=env, cwd=REPO_ROOT, check=False, capture_output=True)
        shutil.rmtree(base, ignore_errors=True)
