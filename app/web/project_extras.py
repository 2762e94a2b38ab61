"""What the project page adds for editing, history and feedback: template context and the scripts' config.

The edit controls are rendered only for a logged-in user who may edit this project (its
town's official, an official of a department responsible for it, a planner or an admin);
everyone else's page has no edit form and does not even load the drawing library. The API
refuses them anyway: hiding the controls is for clarity, not for security.
"""

from typing import Any

from fastapi import Request
from sqlalchemy.ext.asyncio import AsyncConnection

from app.catalog.vocab import Vocab
from app.core import clock
from app.feedback.queries import public_feedback
from app.history import timeline
from app.supervision.service import project_summary
from app.units.service import project_units
from app.web.history_view import describe
from app.web.i18n import Translator
from app.web.i18n_editing import EDITOR_JS_KEYS, FEEDBACK_JS_KEYS, HISTORY_JS_KEYS
from app.web.i18n_monitoring import EDITOR_MONITORING_JS_KEYS
from app.web.i18n_pages import ERROR_JS_KEYS, PICK_JS_KEYS
from app.web.viewer import page_session

PRECISIONS = ("surveyed", "approximate", "town")


def js_messages(t: Translator, keys: tuple[str, ...]) -> dict[str, str]:
    return {key: t(key) for key in keys}


def feedback_config(t: Translator, slug: str | None) -> dict[str, Any]:
    """Config of frontend/static/js/feedback.js (the project page and the near-me page)."""
    return {
        "lang": t.lang,
        "slug": slug,
        "api": "/api/projects/",
        "messages": js_messages(t, FEEDBACK_JS_KEYS + PICK_JS_KEYS),
    }


async def project_extras(
    request: Request, conn: AsyncConnection, t: Translator, project: dict[str, Any], vocab: Vocab
) -> dict[str, Any]:
    """Template context for the history, feedback and (when allowed) edit sections of a project page."""
    session = page_session(request)
    slug = project["slug"]
    viewer = timeline.Viewer(session.principal if session else None)
    history = await conn.run_sync(timeline.recent_project_history, slug, viewer)
    units = [u["slug"] for u in await conn.run_sync(project_units, slug)]
    can_edit = session is not None and session.may_edit([town["slug"] for town in project["towns"]], units)
    # Staff see whether a supervision ticket on the project they may read is overdue or due soon, beside the link.
    remind_days = request.app.state.settings.notify_remind_days
    tickets = (
        await conn.run_sync(project_summary, session.principal, slug, clock.today(), remind_days) if session else None
    )
    return {
        "history": describe(history, t, vocab.status_label),
        "feedback": await conn.run_sync(public_feedback, slug),
        "can_edit": can_edit,
        "ticket_summary": tickets,
        "edit_statuses": vocab.statuses,
        "edit_precisions": PRECISIONS,
        # The server refuses a status date after Lianzhou's today, so the form offers no later one.
        "today": clock.today().isoformat(),
        "extras_config": {
            "slug": slug,
            "history": f"/api/projects/{slug}/history",
            "project": f"/api/projects/{slug}",
            # An official's towns: the editor warns while dragging when the place leaves them (null: everywhere).
            # A department's official edits their units' projects wherever they lie: no town to warn about.
            "myTowns": None
            if session is None or session.principal.edits_everywhere or session.principal.departments & set(units)
            else sorted(session.principal.towns),
            "messages": js_messages(
                t, HISTORY_JS_KEYS + (EDITOR_JS_KEYS + EDITOR_MONITORING_JS_KEYS + ERROR_JS_KEYS if can_edit else ())
            ),
        },
        "feedback_config": feedback_config(t, slug),
    }
