"""`/docs` (Swagger UI) and `/redoc`, as FastAPI would serve them, with the CSP nonce on their inline scripts.

FastAPI's built-in docs pages carry an inline `<script>` that a strict Content-Security-Policy
blocks; serving them here lets that one script carry the request's nonce instead of allowing
every inline script on the docs pages.
"""

from fastapi import APIRouter, Request
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html, get_swagger_ui_oauth2_redirect_html
from fastapi.responses import HTMLResponse

from app.web.csp import add_nonce, request_nonce

router = APIRouter(include_in_schema=False)
OAUTH2_REDIRECT = "/docs/oauth2-redirect"


def _with_nonce(request: Request, page: HTMLResponse) -> HTMLResponse:
    return HTMLResponse(add_nonce(bytes(page.body).decode(), request_nonce(request)))


@router.get("/docs")
async def swagger_ui(request: Request) -> HTMLResponse:
    title = f"{request.app.title} - Swagger UI"
    page = get_swagger_ui_html(openapi_url=request.app.openapi_url, title=title, oauth2_redirect_url=OAUTH2_REDIRECT)
    return _with_nonce(request, page)


@router.get(OAUTH2_REDIRECT)
async def swagger_ui_redirect(request: Request) -> HTMLResponse:
    return _with_nonce(request, get_swagger_ui_oauth2_redirect_html())


@router.get("/redoc")
async def redoc(request: Request) -> HTMLResponse:
    return _with_nonce(
        request, get_redoc_html(openapi_url=request.app.openapi_url, title=f"{request.app.title} - ReDoc")
    )
