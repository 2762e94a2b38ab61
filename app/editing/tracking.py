"""Planned versus actual: the dates and money a project is tracked by, and who may set them.

Planners set what was planned (and whether a site is sensitive); the officials of a
project's towns record what actually happened. Kept apart from the catalog properties,
which describe what the plan says.
"""

from datetime import date
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

PLANNER_ONLY = frozenset({"planned_start", "planned_end", "planned_investment_cny_100m", "sensitive"})


class Tracking(BaseModel):
    model_config = ConfigDict(extra="forbid")

    planned_start: date | None = None
    planned_end: date | None = None
    planned_investment_cny_100m: float | None = Field(default=None, ge=0, le=1e6, allow_inf_nan=False)
    actual_start: date | None = None
    actual_end: date | None = None
    actual_spend_cny_100m: float | None = Field(default=None, ge=0, le=1e6, allow_inf_nan=False)
    sensitive: bool = False

    @model_validator(mode="after")
    def _ordered(self) -> "Tracking":
        if self.planned_start and self.planned_end and self.planned_end < self.planned_start:
            raise ValueError("planned_end is before planned_start")
        if self.actual_start and self.actual_end and self.actual_end < self.actual_start:
            raise ValueError("actual_end is before actual_start")
        return self


TRACKING_FIELDS = frozenset(Tracking.model_fields)


def merge_tracking(current: dict[str, Any], changes: dict[str, Any], today: date) -> tuple[Tracking, list[str]]:
    """Validate the merged tracking values; returns them with the problems found (empty when fine)."""
    try:
        merged = Tracking.model_validate({**current, **changes})
    except ValidationError as exc:
        return Tracking(), [f"{'.'.join(str(p) for p in e['loc']) or 'properties'}: {e['msg']}" for e in exc.errors()]
    problems = [
        f"{name}: an actual date cannot be in the future"
        for name in ("actual_start", "actual_end")
        if (value := getattr(merged, name)) is not None and value > today
    ]
    return merged, problems
