"""Why an edit was refused, carried to the HTTP layer with its status code."""

from typing import Any


class EditRefused(Exception):
    def __init__(self, status_code: int, detail: Any, headers: dict[str, str] | None = None) -> None:
        super().__init__(str(detail))
        self.status_code = status_code
        self.detail = detail
        self.headers = headers or {}


def etag(version: int) -> str:
    """The ETag of a project version; any change bumps the version, so it changes the ETag."""
    return f'"v{version}"'
