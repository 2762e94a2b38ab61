"""What a load did, per object, so the CLI can say it and tests can assert it."""

from dataclasses import dataclass, field


@dataclass
class FeatureProblem:
    """A feature the loader refused, named so a person can find it in the file."""

    index: int
    slug: str | None
    messages: list[str]

    def __str__(self) -> str:
        name = self.slug or "(no slug)"
        return f"feature #{self.index} '{name}': " + "; ".join(self.messages)


@dataclass
class LoadReport:
    inserted: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    skipped_edited: list[str] = field(default_factory=list)
    problems: list[FeatureProblem] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def summary(self, what: str) -> str:
        return (
            f"{what}: {len(self.inserted)} inserted, {len(self.updated)} updated, "
            f"{len(self.unchanged)} unchanged, {len(self.skipped_edited)} skipped (edited in the database)"
        )
