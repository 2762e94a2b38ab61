"""ASGI middleware for reliability and security: request ids and access logs, security headers, body limits."""
