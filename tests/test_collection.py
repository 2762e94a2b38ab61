"""The suite's own collection: every test has a node id of its own.

pytest-xdist hands tests to its workers by node id, so two items with one id run once between them
and the run still ends green (at "90%"): 98 schemathesis operations were silently lost that way.
"""

import subprocess
import sys
from collections import Counter

from app.core.settings import REPO_ROOT


def test_no_two_collected_tests_share_a_node_id() -> None:
    listing = subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider", "tests"],
        cwd=REPO_ROOT, capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip
    ids = [line for line in listing.stdout.splitlines() if "::" in line]
    assert len(ids) > 1000, listing.stdout[-2000:] + listing.stderr[-2000:]
    assert [i for i, n in Counter(ids).items() if n > 1] == []
    assert "tests/api/test_fuzz.py::test_every_endpoint_survives_fuzzing[GET /api/towns]" in ids
