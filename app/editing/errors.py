"""Why an edit was refused, carried to the HTTP layer with its status code."""

import json
from typing import Any


class EditRefused(Exception):
    """A refused write. `code` and `params` (optional) name the refusal in a stable form, so a page can
    say it in its reader's language instead of showing the English `detail` (issue 18, item 2).

    TODO(app/core/errors.py): becomes the domain errors' code + params when that module lands.
    """

    def __init__(
        self,
        status_code: int,
        detail: Any,
        headers: dict[str, str] | None = None,
        *,
        code: str | None = None,
        params: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(str(detail))
        self.status_code = status_code
        self.detail = detail
        self.headers = headers or {}
        self.code = code
        self.params = params or {}

    def response_headers(self) -> dict[str, str]:
        """The headers of the HTTP answer: the refusal's own, plus its code and params (ASCII JSON) when it has them."""
        if self.code is None:
            return self.headers
        return {
            **self.headers,
            "X-Planmap-Error": self.code,
            "X-Planmap-Error-Params": json.dumps(self.params, ensure_ascii=True, separators=(",", ":")),
        }


def etag(version: int) -> str:
    """The ETag of a project version; any change bumps the version, so it changes the ETag."""
    return f'"v{version}"'
