"""Why a plan operation was refused.

TODO(core-errors): become subclasses of app.core.errors.Invalid / NotFound / Conflict once that lands;
for now ValueError subclasses, which the CLI prints and the HTTP layer turns into 4xx.
"""


class PlanError(ValueError):
    """A plan operation refused, with a message that names the problem."""


class UnknownPlan(PlanError):
    def __init__(self, slug: str) -> None:
        super().__init__(f"no plan '{slug}'")
        self.slug = slug


class UndecidedProjects(PlanError):
    """Closing refused: these projects have no decision (completed, continuing or dropped)."""

    def __init__(self, plan: str, slugs: list[str]) -> None:
        shown = ", ".join(slugs)  # all of them: the planner has to decide each
        super().__init__(
            f"plan '{plan}' cannot close: {len(slugs)} project(s) have no decision (completed, continuing or "
            f"dropped with a reason): {shown}"
        )
        self.slugs = slugs
