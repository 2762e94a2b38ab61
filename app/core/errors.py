"""Why a request was refused, in the domain's words: no HTTP status codes here.

Editing, feedback, the catalog and the routers raise these; `app/core/error_responses.py`
is the one table that turns each into a response (JSON `{"detail": …}` under /api and on
pages, `{"code", "description"}` under /ogc). Keeping status codes out of domain code means
the CLI, the importer and the web pages can catch the same errors and say the same thing,
and a status code changes in one place. Each error carries exactly the data its answer
needs (a stale write the history since; a missing If-Match the ETag to send).
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the input: where (`("body", "properties", "status")`) and what."""

    loc: tuple[str | int, ...]
    msg: str
    type: str = "value_error"


class DomainError(Exception):
    """A refusal the client can act on; `message` is said to them as it is (in English).

    `code` and `params` name the refusal in a stable form (`outside_towns`, `{"towns": [...]}`), so a
    page can say it in its reader's language instead of the English message (issue 18, item 2).
    Subclasses that take other arguments set them after construction (`with_code`).
    """

    code: str | None = None
    params: dict[str, Any]

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message
        self.params = {}

    def with_code(self, code: str, **params: Any) -> "DomainError":
        """The same refusal, named for pages: `raise Forbidden("…").with_code("outside_towns", towns=[…])`."""
        self.code, self.params = code, params
        return self


class NotFound(DomainError):
    """The thing named does not exist (or is hidden from this reader)."""


class Forbidden(DomainError):
    """The caller is known but may not do this (another town's project, a planner-only field)."""


class Conflict(DomainError):
    """The request clashes with the current state (slug taken, proposal already decided)."""


class RateLimited(DomainError):
    """Too many requests from one client; `retry_after` seconds until the next is accepted."""

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class Unavailable(DomainError):
    """Something we depend on (the database) is away for now; worth trying again in `retry_after` s."""

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class VersionRequired(DomainError):
    """A change to an existing object came without the version (ETag) it was based on."""

    def __init__(self, message: str, current_etag: str) -> None:
        super().__init__(message)
        self.current_etag = current_etag


class StaleVersion(DomainError):
    """The object changed since the caller read it: what it is now, and what changed since."""

    def __init__(
        self,
        message: str,
        *,
        current_etag: str | None = None,
        current_version: int | None = None,
        changes_since: Sequence[dict[str, Any]] | None = None,
    ) -> None:
        super().__init__(message)
        self.current_etag = current_etag
        self.current_version = current_version
        self.changes_since = list(changes_since) if changes_since is not None else None


class Invalid(DomainError):
    """The input is not acceptable: `Invalid(("body", "reason"), "a reason is needed")`.

    More problems found at once follow as `Problem`s, so the client can fix them all in one go.
    """

    def __init__(self, loc: Sequence[str | int], msg: str, *more: Problem, type: str = "value_error") -> None:
        self.problems = [Problem(tuple(loc), msg, type), *more]
        super().__init__("; ".join(p.msg for p in self.problems))

    @classmethod
    def of(cls, problems: Iterable[Problem]) -> "Invalid":
        """All the problems of a non-empty list, in order."""
        first, *rest = problems
        return cls(first.loc, first.msg, *rest, type=first.type)
