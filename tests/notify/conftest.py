"""The notification room's receivers (an SMTP server, an HTTP sink), as fixtures for its tests."""

from tests.support.notify import sink, smtp

__all__ = ["sink", "smtp"]
