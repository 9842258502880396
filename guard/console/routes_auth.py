"""Login, logout and the two static files (the only routes that need no session)."""

from __future__ import annotations

import secrets
from importlib import resources

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from guard.console.state import Console
from guard.console.web import (
    LOGIN_COOKIE,
    SESSION_COOKIE,
    Refused,
    base,
    check_csrf,
    read_form,
    render,
    safe_next,
    session_of,
    set_cookie,
)

STATIC = {"console.css": "text/css", "console.js": "text/javascript"}


def register(app: FastAPI, console: Console) -> None:
    @app.get("/login", response_class=HTMLResponse)
    async def login_form(request: Request, next: str | None = None) -> Response:
        nonce = secrets.token_urlsafe(18)
        response = render(request, "login.html", None, next=safe_next(request, next),
                           login_csrf=console.auth.csrf_token("login|" + nonce), error=None,
                           title="Log in")
        set_cookie(request, response, LOGIN_COOKIE, nonce, 3600)
        return response

    @app.post("/login")
    async def login(request: Request) -> Response:
        form = await read_form(request)
        nonce = request.cookies.get(LOGIN_COOKIE)
        if not nonce or not console.auth.check_csrf("login|" + nonce, form.get("csrf")):
            raise Refused(403, "missing or invalid CSRF token: reload the login page")
        username = form.get("username", "")
        client = request.client.host if request.client else "?"
        throttle_key = f"{username}|{client}"
        if console.auth.throttled(throttle_key):
            raise Refused(429, "too many failed logins; wait a few minutes")
        session = await run_in_threadpool(console.auth.login, username,
                                          form.get("password", ""))
        if session is None:
            console.auth.failed(throttle_key)
            return render(request, "login.html", None, status=401,
                           next=safe_next(request, form.get("next")),
                           login_csrf=form.get("csrf", ""), error="Wrong user name or "
                           "password.", title="Log in")
        response = RedirectResponse(safe_next(request, form.get("next")), 303)
        set_cookie(request, response, SESSION_COOKIE, console.auth.encode(session),
                    console.config.session_ttl_s)
        response.delete_cookie(LOGIN_COOKIE, path=base(request) or "/")
        return response

    @app.post("/logout")
    async def logout(request: Request) -> Response:
        session = session_of(console, request)
        check_csrf(console, session, await read_form(request))
        console.auth.revoke(session)
        response = RedirectResponse(f"{base(request)}/login", 303)
        response.delete_cookie(SESSION_COOKIE, path=base(request) or "/")
        return response

    @app.get("/static/{name}")
    async def static(name: str) -> Response:
        if name not in STATIC:
            return Response("not found", status_code=404, media_type="text/plain")
        body = resources.files("guard.console").joinpath("static", name).read_bytes()
        return Response(body, media_type=STATIC[name],
                        headers={"Cache-Control": "public, max-age=3600"})


