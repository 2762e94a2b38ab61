"""Who may read a supervision ticket (督办), as SQL: the one rule every read of tickets applies in the database.

Reading follows acting. Planners and admins read every ticket. An official reads a ticket when it is
addressed to a unit they belong to (a town's unit is the town), or when it is on a project they may
act for: the rule that lets them edit it and report on it (`Principal.may_act_for`: a project in one
of their towns, or one their department is responsible for). Nobody else reads it, and for them it
does not exist: a read by its id answers 404, exactly as for an id that was never issued, so ids do
not tell which tickets exist (the same as a photo's or a channel's).

The rule is a condition over a ticket's project and addressed unit (`ticket_visible`), so a query
that lists tickets, reads one or locks one for an answer cannot forget it: each takes the
reader's `ticket_scope` as parameters. `tests/supervision/test_ticket_permissions.py` checks it against
`may_act_for` for every role.
"""

from typing import Any

from app.auth.principal import Principal


def ticket_visible(project: str = "p", unit: str = "u") -> str:
    """The SQL condition "the reader may see this ticket", over the aliases of its project and addressed unit;
    its parameters come from `ticket_scope`."""
    return f"""(CAST(:scope_all AS boolean)
        OR {unit}.slug = ANY(CAST(:scope_units AS text[]))
        OR EXISTS (SELECT 1 FROM project_towns scope_pt JOIN towns scope_t ON scope_t.id = scope_pt.town_id
                    WHERE scope_pt.project_id = {project}.id AND scope_t.slug = ANY(CAST(:scope_towns AS text[])))
        OR EXISTS (SELECT 1 FROM project_units scope_pu JOIN units scope_u ON scope_u.id = scope_pu.unit_id
                    WHERE scope_pu.project_id = {project}.id
                      AND scope_u.slug = ANY(CAST(:scope_departments AS text[]))))"""


def ticket_scope(principal: Principal | None) -> dict[str, Any]:
    """The parameters of `ticket_visible` for a reader (None, the public: no ticket at all)."""
    if principal is None:
        return {"scope_all": False, "scope_units": [], "scope_towns": [], "scope_departments": []}
    return {
        "scope_all": principal.edits_everywhere,
        "scope_units": sorted(principal.units),
        "scope_towns": sorted(principal.towns),
        "scope_departments": sorted(principal.departments),
    }
