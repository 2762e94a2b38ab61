"""The ASGI entry point: `uvicorn app.main:create_app --factory` (the app is wired in app.core.app)."""

from app.core.app import create_app

__all__ = ["create_app"]
