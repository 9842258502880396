"""The console web app: ``create_console_app(console) -> FastAPI``, mounted at ``/console``.

Pages are server-rendered Jinja2 with one stylesheet, one small script and inline SVG charts,
all shipped in the package: nothing is fetched from anywhere else. Shared request handling
(sessions, CSRF, rendering, headers) is in :mod:`guard.console.web`; the routes are grouped by
what they do: login (:mod:`~guard.console.routes_auth`), pages
(:mod:`~guard.console.routes_pages`), actions (:mod:`~guard.console.routes_actions`), JSON
(:mod:`~guard.console.routes_api`).
"""

from __future__ import annotations

from fastapi import FastAPI

from guard.console import routes_actions, routes_api, routes_auth, routes_pages
from guard.console.state import Console
from guard.console.web import SecurityHeaders, install_handlers


def create_console_app(console: Console) -> FastAPI:
    """The console as an ASGI app (mount it at ``/console``; it works at any prefix)."""
    app = FastAPI(title="Guard compliance console", docs_url=None, redoc_url=None,
                  openapi_url=None)
    app.state.console = console
    app.add_middleware(SecurityHeaders)
    install_handlers(app)
    for module in (routes_auth, routes_pages, routes_actions, routes_api):
        module.register(app, console)
    return app
