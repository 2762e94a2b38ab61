"""What `planmap import` reads a file into, whatever its format: rows turned back into catalog features.

Its own module so each reader (GIS files and CSV in `importer.py`, XLSX in `xlsx_source.py`) builds
the same rows and the importer validates and writes them all alike.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


class ImportFileError(Exception):
    """The file as a whole cannot be read as projects (not a bad row: a bad file)."""


def _as_is(messages: Sequence[str]) -> list[str]:
    return list(messages)


@dataclass
class SourceRow:
    """One row of the file, turned back into a catalog feature (or not, with the reasons).

    `explain` rewrites the validator's messages (which name catalog properties) in the file's own
    terms: an XLSX row's messages name the sheet's column, so a clerk can find the cell."""

    label: str
    slug: str | None
    feature: dict[str, Any] | None
    problems: list[str] = field(default_factory=list)
    explain: Callable[[Sequence[str]], list[str]] = _as_is
    # What the importer writes but doubts (a text a Shapefile field may have cut): warnings, not refusals.
    cautions: list[str] = field(default_factory=list)

    def describe(self, messages: Sequence[str]) -> str:
        return f"{self.label} '{self.slug or '(no slug)'}': " + "; ".join(self.explain(messages))


@dataclass
class SourceFile:
    path: Path
    driver: str
    layers: list[str]
    rows: list[SourceRow]
    notes: list[str]
