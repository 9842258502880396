"""What every console route shares: the session and CSRF checks, form parsing, rendering,
cookies, security headers and the two ways a request is refused.

Every route but the login form and the static files needs a session: pages redirect to the
login form, ``/api/...`` and every POST answer 401. Every POST checks a CSRF token. Pages are
server-rendered Jinja2 (autoescaped); the Content-Security-Policy allows nothing but the
console's own stylesheet and script.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs, urlencode

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from jinja2 import Environment, PackageLoader, select_autoescape
from starlette.middleware.base import BaseHTTPMiddleware, RequestResponseEndpoint

from guard.console.auth import Session
from guard.console.state import Console

SESSION_COOKIE = "guard_console"
LOGIN_COOKIE = "guard_console_login"
MAX_FORM_BYTES = 64 * 1024
CSP = ("default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self' data:; "
       "form-action 'self'; frame-ancestors 'none'; base-uri 'none'")

_env = Environment(loader=PackageLoader("guard.console", "templates"),
                   autoescape=select_autoescape(["html"]), trim_blocks=True, lstrip_blocks=True)
_env.filters["ts"] = lambda t: datetime.fromtimestamp(float(t), UTC).strftime(
    "%Y-%m-%d %H:%M:%S UTC")


class LoginRequired(Exception):
    """No valid session: a page redirects to the login form, an API call gets 401."""


class Refused(Exception):
    """A request the console refuses with a status and a message (CSRF, role, bad input)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


class SecurityHeaders(BaseHTTPMiddleware):
    async def dispatch(self, request: Request, call_next: RequestResponseEndpoint) -> Response:
        response = await call_next(request)
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["X-Frame-Options"] = "DENY"
        response.headers["Referrer-Policy"] = "same-origin"
        response.headers.setdefault("Cache-Control", "no-store")
        return response


def base(request: Request) -> str:
    return str(request.scope.get("root_path", "")).rstrip("/")


def session_of(console: Console, request: Request) -> Session:
    session = console.auth.decode(request.cookies.get(SESSION_COOKIE))
    if session is None:
        raise LoginRequired()
    return session


async def read_form(request: Request) -> dict[str, str]:
    body = await request.body()
    if len(body) > MAX_FORM_BYTES:
        raise Refused(413, "form too large")
    if not body:
        return {}
    if not request.headers.get("content-type", "").startswith(
            "application/x-www-form-urlencoded"):
        raise Refused(415, "expected a form (application/x-www-form-urlencoded)")
    parsed = parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True)
    return {k: v[-1] for k, v in parsed.items()}


def check_csrf(console: Console, session: Session, form: dict[str, str]) -> None:
    if not console.auth.check_csrf(session.sid, form.get("csrf")):
        raise Refused(403, "missing or invalid CSRF token: reload the page and try again")


def render(request: Request, template: str, session: Session | None, status: int = 200,
            **context: Any) -> HTMLResponse:
    console: Console = request.app.state.console
    html = _env.get_template(template).render(
        base=base(request), session=session, title=context.pop("title", "Guard console"),
        csrf=console.auth.csrf_token(session.sid) if session else "",
        now=datetime.now(UTC), **context)
    return HTMLResponse(html, status_code=status)


def set_cookie(request: Request, response: Response, name: str, value: str,
                max_age: int | None) -> None:
    response.set_cookie(name, value, max_age=max_age, path=base(request) or "/",
                        httponly=True, samesite="strict", secure=request.url.scheme == "https")


def install_handlers(app: FastAPI) -> None:
    @app.exception_handler(LoginRequired)
    async def _login(request: Request, exc: LoginRequired) -> Response:
        if request.url.path.startswith(f"{base(request)}/api/") or request.method != "GET":
            return JSONResponse({"error": "login required"}, status_code=401)
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"{base(request)}/login?{urlencode({'next': target})}", 303)

    @app.exception_handler(Refused)
    async def _refused(request: Request, exc: Refused) -> Response:
        if request.url.path.startswith(f"{base(request)}/api/"):
            return JSONResponse({"error": exc.message}, status_code=exc.status)
        console: Console = request.app.state.console
        session = console.auth.decode(request.cookies.get(SESSION_COOKIE))
        return render(request, "error.html", session, status=exc.status, message=exc.message,
                       title=f"Error {exc.status}")


def safe_next(request: Request, target: str | None) -> str:
    """``target`` if it is a path inside the console, else the overview (no open redirect)."""
    prefix = base(request)
    if target and target.startswith(f"{prefix}/") and not target.startswith("//") \
            and "\\" not in target:
        return target
    return f"{prefix}/"


