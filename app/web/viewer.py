"""Who is looking at a page: the logged-in staff member (if any), for the header and the edit controls.

`attach_session` runs as a dependency of every page route; `page_session` is what the
templates get. A page rendered for a logged-in user carries their CSRF token and name, so
it must never be cached by anyone else: `render` marks it private and uncacheable.
"""

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncConnection

from app.auth.cookie_session import load_session
from app.auth.principal import Principal
from app.core.dependencies import get_conn
from app.feedback.queries import pending_count


@dataclass(frozen=True)
class PageSession:
    principal: Principal
    csrf_token: str
    pending_feedback: int

    def may_edit(self, town_slugs: list[str], unit_slugs: list[str]) -> bool:
        """Whether the edit and report controls of a project in these towns, with these responsible units,
        are shown: the API's own rule (`Principal.may_act_for`), so a department's official sees them on
        the projects their department leads or shares, wherever they lie (the API checks again)."""
        return self.principal.may_act_for(set(town_slugs), set(unit_slugs))


async def attach_session(request: Request, conn: Annotated[AsyncConnection, Depends(get_conn)]) -> None:
    session = await load_session(request, conn)
    request.state.page_session = (
        None
        if session is None
        else PageSession(
            principal=session.principal,
            csrf_token=session.csrf_token,
            pending_feedback=await conn.run_sync(pending_count, session.principal),
        )
    )


def page_session(request: Request) -> PageSession | None:
    session: PageSession | None = getattr(request.state, "page_session", None)
    return session
