"""Dates in requests are written YYYY-MM-DD, and nothing else.

Pydantic (in its default, lax mode) also takes a number as a Unix timestamp, so `as_of=0` or
`"date": 0` silently meant 1 January 1970: a typo became a valid, wrong request. The schema
says `format: date`; this holds the app to it.
"""

import re
from datetime import date
from typing import Annotated, Any

from pydantic import BeforeValidator

_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _iso_date_only(value: Any) -> Any:
    if isinstance(value, date) or (isinstance(value, str) and _ISO_DATE.match(value)):
        return value
    raise ValueError("a date must be written YYYY-MM-DD")


IsoDate = Annotated[date, BeforeValidator(_iso_date_only)]
