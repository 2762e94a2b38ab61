"""What the project page's map draws for the uncertainty of a location, and the legend that says what it is.

- known only to its town: the town is highlighted (planmap_project.js), and the legend says the
  project may be anywhere in it;
- estimated, with an error its location note states (app/catalog/location_error.py): the ground within
  that distance of the drawn geometry, buffered in the database; the map opens on it, so the first view
  is as wide as the error, and the legend gives the figure (and says when it is only a minimum);
- estimated with no figure in the note: nothing is drawn, and the legend says so.

The note is read from the public record (`projects_public`, as of the page's day), so a sensitive
site, whose public note is generic, gets no circle that would say more than the page does.
"""

from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from app.catalog.location_error import stated_error
from app.queries import page_data as data
from app.queries.project_filter import ProjectFilter
from app.web.i18n import Translator


@dataclass(frozen=True)
class Uncertainty:
    """The map config's `uncertainty` (None: nothing to draw), the bounds to open on, and the legend's lines."""

    config: dict[str, Any] | None
    bounds: list[list[float]] | None
    legend: list[str]


def _km(metres: int) -> str:
    return f"{metres / 1000:g}"


async def project_uncertainty(
    conn: AsyncConnection, project: dict[str, Any], flt: ProjectFilter, t: Translator
) -> Uncertainty:
    """The drawn uncertainty of `project` (a row of `load_project`, read with `flt`)."""
    precision = project["location_precision"]
    if precision == "town":
        return Uncertainty(None, None, [t("uncertainty_legend_town")])
    error = stated_error(project["location_note"])
    if error is None:
        return Uncertainty(None, None, [t("uncertainty_legend_none")] if precision == "approximate" else [])
    area = await data.uncertainty_area(conn, project["slug"], error.metres, flt)
    if area is None:  # no geometry to draw round
        return Uncertainty(None, None, [])
    key = "uncertainty_legend_at_least" if error.at_least else "uncertainty_legend_up_to"
    legend = [t(key, km=_km(error.metres))]
    if t.lang == "en":
        legend.append(t("uncertainty_note_words", words=f"“{error.words}”"))
    config = {"geometry": area["geometry"], "metres": error.metres, "atLeast": error.at_least}
    return Uncertainty(config, [[area["s"], area["w"]], [area["n"], area["e"]]], legend)
