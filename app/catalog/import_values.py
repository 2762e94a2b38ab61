"""How `planmap import` reads one cell of a file back into a catalog value, whoever wrote the file.

Its own module because the same list or column name arrives in many spellings, and each is what a
real tool writes, not a guess:
- a list (`towns`, `aliases`) as planmap's exports write it (`xingzi;dongbei`), as a person types it
  (`xingzi, dongbei`), as GDAL writes a string list into a format without lists (`(2:xingzi,dongbei)`:
  ogr2ogr from planmap's OGC API into a Shapefile, or a GeoPackage with GDAL before 3.7), or as JSON
  (`["xingzi","dongbei"]`: a GeoPackage's JSON field read by a tool that does not parse it);
- a Shapefile column as GDAL's driver shortens it (`location_note` → `location_n`, and the next name
  with the same ten characters `location_1`), besides planmap's own short names (formats.SHP_NAMES).

A value that cannot be read is refused with the field and the value, never guessed at.
"""

import math
import re
from collections.abc import Iterable, Sequence
from itertools import chain
from typing import Any

import numpy as np
import orjson
import pandas as pd

from app.catalog.fields import PROPERTY_NAMES

# GDAL's text form of a string list: "(count:item,item,…)" (OGRFeature::GetFieldAsString).
_GDAL_LIST = re.compile(r"\((\d+):(.*)\)", re.DOTALL)
SHOWN_CHARS = 80  # how much of a refused value a message repeats
DBF_NAME_CHARS = 10


def is_blank(value: Any) -> bool:
    """No value: None, NaN, NA, NaT or only spaces (how each reader spells an empty cell)."""
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    if isinstance(value, float):
        return math.isnan(value)
    return isinstance(value, str) and not value.strip()


def shown(value: Any) -> str:
    """A value as a refusal repeats it: quoted, and shortened when long, so the cell can be found."""
    text = str(value)
    if len(text) > SHOWN_CHARS:
        text = text[: SHOWN_CHARS - 1] + "…"
    return repr(text)


def _items(values: Iterable[Any]) -> list[str]:
    return [str(v).strip() for v in values if not is_blank(v) and str(v).strip()]


def _json_list(name: str, text: str, problems: list[str]) -> list[str]:
    try:
        parsed = orjson.loads(text)
    except orjson.JSONDecodeError:
        problems.append(f"{name}: not a JSON list, got {shown(text)}")
        return []
    if not isinstance(parsed, list) or not all(isinstance(v, str) for v in parsed):
        problems.append(f'{name}: a JSON list must hold texts such as ["xingzi"], got {shown(text)}')
        return []
    return _items(parsed)


def _gdal_list(name: str, text: str, count: int, body: str, problems: list[str]) -> list[str]:
    items = _items(body.split(",")) if body.strip() else []
    if len(items) != count:
        problems.append(
            f"{name}: GDAL's list form says {count} item(s) but {len(items)} were found "
            f"(an item containing a comma cannot be told apart), got {shown(text)}"
        )
        return []
    return items


def parse_list(name: str, value: Any, problems: list[str]) -> list[str]:
    """A list property from any of the forms above; a form that does not add up is a problem."""
    if is_blank(value):
        return []
    if isinstance(value, list | tuple | np.ndarray):
        return _items(value)
    if not isinstance(value, str):
        problems.append(f"{name}: expected a list of texts such as xingzi;dongbei, got {shown(value)}")
        return []
    text = value.strip()
    if text.startswith("["):
        return _json_list(name, text, problems)
    gdal = _GDAL_LIST.fullmatch(text)
    if gdal:
        return _gdal_list(name, text, int(gdal.group(1)), gdal.group(2), problems)
    return _items(text.split(";" if ";" in text else ","))


def gdal_shp_names(names: Sequence[str]) -> dict[str, str]:
    """The dBASE field name GDAL's Shapefile driver gives each name, written in this order.

    Cut to 10 characters; when that is taken (case-insensitively), the first 8 and `_1`…`_9`, then
    `10`…`99` (ogr/ogrsf_frmts/shape/ogrshapelayer.cpp, CreateField)."""
    taken: set[str] = set()
    out: dict[str, str] = {}
    for name in names:
        stem = name[:8]
        candidates = chain(
            [name[:DBF_NAME_CHARS]], (f"{stem}_{n}" for n in range(1, 10)), (f"{stem}{n:02d}" for n in range(10, 100))
        )
        short = next(c for c in candidates if c.lower() not in taken)
        taken.add(short.lower())
        out[name] = short
    return out


# The names ogr2ogr gives the properties of planmap's OGC collections (GDAL adds `id` first).
GDAL_SHP_NAMES: dict[str, str] = gdal_shp_names(("id", *PROPERTY_NAMES))
