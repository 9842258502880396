"""The console web app: ``create_console_app(console) -> FastAPI``, mounted at ``/console``.

Every route but the login form and the static files needs a session: pages redirect to the
login form, ``/api/...`` answers 401. Every POST checks a CSRF token. Reviews need the
``reviewer`` role. Pages are server-rendered Jinja2 (autoescaped) with one stylesheet, one
small script and inline SVG charts, all shipped in the package: nothing is fetched from
anywhere else, and the Content-Security-Policy says so.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from importlib import resources
from typing import Any
from urllib.parse import parse_qs, urlencode

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from jinja2 import Environment, PackageLoader, select_autoescape
from starlette.concurrency import run_in_threadpool
from starlette.middleware.base import BaseHTTPMiddleware, RequestResponseEndpoint

from guard.audit.query import parse_time
from guard.audit.review import VERDICTS, ReviewError, build_review_event, is_review
from guard.console.auth import Session
from guard.console.state import Console
from guard.console.store import ListFilter, Page
from guard.console.views import build_overview, check_record, segment_views
from guard.errors import GuardError

SESSION_COOKIE = "guard_console"
LOGIN_COOKIE = "guard_console_login"
MAX_FORM_BYTES = 64 * 1024
OVERVIEW_SAMPLE = 5000  # latest decisions read whole for shadow hit rates and latency
ACTIONS = ("allow", "flag", "rewrite", "block")
WINDOWS = {"24h": timedelta(hours=24), "7d": timedelta(days=7), "30d": timedelta(days=30)}
STATIC = {"console.css": "text/css", "console.js": "text/javascript"}
_CSP = ("default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self' data:; "
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


class _SecurityHeaders(BaseHTTPMiddleware):
    async def dispatch(self, request: Request, call_next: RequestResponseEndpoint) -> Response:
        response = await call_next(request)
        response.headers.setdefault("Content-Security-Policy", _CSP)
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["X-Frame-Options"] = "DENY"
        response.headers["Referrer-Policy"] = "same-origin"
        response.headers.setdefault("Cache-Control", "no-store")
        return response


def create_console_app(console: Console) -> FastAPI:
    """The console as an ASGI app (mount it at ``/console``; it works at any prefix)."""
    app = FastAPI(title="Guard compliance console", docs_url=None, redoc_url=None,
                  openapi_url=None)
    app.state.console = console
    app.add_middleware(_SecurityHeaders)
    _handlers(app)
    _auth_routes(app, console)
    _page_routes(app, console)
    _action_routes(app, console)
    _api_routes(app, console)
    return app


# --- helpers ----------------------------------------------------------------------------------


def _base(request: Request) -> str:
    return str(request.scope.get("root_path", "")).rstrip("/")


def _session(console: Console, request: Request) -> Session:
    session = console.auth.decode(request.cookies.get(SESSION_COOKIE))
    if session is None:
        raise LoginRequired()
    return session


async def _form(request: Request) -> dict[str, str]:
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


def _check_csrf(console: Console, session: Session, form: dict[str, str]) -> None:
    if not console.auth.check_csrf(session.sid, form.get("csrf")):
        raise Refused(403, "missing or invalid CSRF token: reload the page and try again")


def _render(request: Request, template: str, session: Session | None, status: int = 200,
            **context: Any) -> HTMLResponse:
    console: Console = request.app.state.console
    html = _env.get_template(template).render(
        base=_base(request), session=session, title=context.pop("title", "Guard console"),
        csrf=console.auth.csrf_token(session.sid) if session else "",
        now=datetime.now(UTC), **context)
    return HTMLResponse(html, status_code=status)


def _set_cookie(request: Request, response: Response, name: str, value: str,
                max_age: int | None) -> None:
    response.set_cookie(name, value, max_age=max_age, path=_base(request) or "/",
                        httponly=True, samesite="strict", secure=request.url.scheme == "https")


def _handlers(app: FastAPI) -> None:
    @app.exception_handler(LoginRequired)
    async def _login(request: Request, exc: LoginRequired) -> Response:
        if request.url.path.startswith(f"{_base(request)}/api/") or request.method != "GET":
            return JSONResponse({"error": "login required"}, status_code=401)
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"{_base(request)}/login?{urlencode({'next': target})}", 303)

    @app.exception_handler(Refused)
    async def _refused(request: Request, exc: Refused) -> Response:
        if request.url.path.startswith(f"{_base(request)}/api/"):
            return JSONResponse({"error": exc.message}, status_code=exc.status)
        console: Console = request.app.state.console
        session = console.auth.decode(request.cookies.get(SESSION_COOKIE))
        return _render(request, "error.html", session, status=exc.status, message=exc.message,
                       title=f"Error {exc.status}")


def _safe_next(request: Request, target: str | None) -> str:
    base = _base(request)
    if target and target.startswith(f"{base}/") and not target.startswith("//") \
            and "\\" not in target:
        return target
    return f"{base}/"


# --- login / logout ---------------------------------------------------------------------------


def _auth_routes(app: FastAPI, console: Console) -> None:
    import secrets

    @app.get("/login", response_class=HTMLResponse)
    async def login_form(request: Request, next: str | None = None) -> Response:
        nonce = secrets.token_urlsafe(18)
        response = _render(request, "login.html", None, next=_safe_next(request, next),
                           login_csrf=console.auth.csrf_token("login|" + nonce), error=None,
                           title="Log in")
        _set_cookie(request, response, LOGIN_COOKIE, nonce, 3600)
        return response

    @app.post("/login")
    async def login(request: Request) -> Response:
        form = await _form(request)
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
            return _render(request, "login.html", None, status=401,
                           next=_safe_next(request, form.get("next")),
                           login_csrf=form.get("csrf", ""), error="Wrong user name or "
                           "password.", title="Log in")
        response = RedirectResponse(_safe_next(request, form.get("next")), 303)
        _set_cookie(request, response, SESSION_COOKIE, console.auth.encode(session),
                    console.config.session_ttl_s)
        response.delete_cookie(LOGIN_COOKIE, path=_base(request) or "/")
        return response

    @app.post("/logout")
    async def logout(request: Request) -> Response:
        session = _session(console, request)
        _check_csrf(console, session, await _form(request))
        console.auth.revoke(session)
        response = RedirectResponse(f"{_base(request)}/login", 303)
        response.delete_cookie(SESSION_COOKIE, path=_base(request) or "/")
        return response

    @app.get("/static/{name}")
    async def static(name: str) -> Response:
        if name not in STATIC:
            return Response("not found", status_code=404, media_type="text/plain")
        body = resources.files("guard.console").joinpath("static", name).read_bytes()
        return Response(body, media_type=STATIC[name],
                        headers={"Cache-Control": "public, max-age=3600"})


# --- pages --------------------------------------------------------------------------------------


def _opt(params: dict[str, str], name: str) -> str | None:
    value = params.get(name, "").strip()
    return value or None


def _list_filter(params: dict[str, str]) -> ListFilter:
    now = datetime.now(UTC)
    try:
        since = parse_time(v, now=now) if (v := _opt(params, "since")) else None
        until = parse_time(v, now=now) if (v := _opt(params, "until")) else None
        version = int(v) if (v := _opt(params, "policy_version")) else None
    except ValueError as exc:
        raise Refused(400, str(exc)) from None
    action = _opt(params, "action")
    if action is not None and action not in ACTIONS:
        raise Refused(400, f"action must be one of {', '.join(ACTIONS)}")
    stage = _opt(params, "stage")
    if stage is not None and stage not in ("input", "output"):
        raise Refused(400, "stage must be input or output")
    reviewed = {"yes": True, "no": False}.get(params.get("reviewed", ""))
    return ListFilter(since=since, until=until, tenant=_opt(params, "tenant"),
                      model=_opt(params, "model"), actions=(action,) if action else (),
                      stage=stage, rule=_opt(params, "rule"), policy_version=version,
                      reviewed=reviewed)


def _cursor(params: dict[str, str], name: str) -> int | None:
    value = params.get(name)
    if not value:
        return None
    try:
        return int(value)
    except ValueError:
        raise Refused(400, f"{name} must be a record seq") from None


async def _page(console: Console, flt: ListFilter, params: dict[str, str]) -> tuple[Page, Any]:
    reader = console.reader
    reviews = await run_in_threadpool(reader.reviews)
    page = await run_in_threadpool(
        lambda: reader.page(flt, list(reviews), before=_cursor(params, "before"),
                            after=_cursor(params, "after"), limit=console.config.page_size))
    return page, reviews


def _page_routes(app: FastAPI, console: Console) -> None:
    @app.get("/", response_class=HTMLResponse)
    async def overview(request: Request, window: str = "7d") -> Response:
        session = _session(console, request)
        if window not in WINDOWS:
            raise Refused(400, f"window must be one of {', '.join(WINDOWS)}")
        until = datetime.now(UTC) + timedelta(minutes=1)
        since = until - WINDOWS[window]
        hourly = WINDOWS[window] <= timedelta(days=2)
        reader = console.reader

        def compute() -> Any:
            counts = reader.counts(since, until, hourly)
            sample = reader.recent(since, until, OVERVIEW_SAMPLE)
            return build_overview(counts, sample, since, until, hourly)

        data = await run_in_threadpool(console.cached, f"overview:{window}", 60.0, compute)
        reviews = await run_in_threadpool(reader.reviews)
        return _render(request, "overview.html", session, data=data, window=window,
                       windows=list(WINDOWS), reviews=reviews, verify=console.verify_status,
                       title="Overview")

    @app.get("/decisions", response_class=HTMLResponse)
    async def decisions(request: Request) -> Response:
        session = _session(console, request)
        params = dict(request.query_params)
        page, reviews = await _page(console, _list_filter(params), params)
        return _render(request, "decisions.html", session, page=page, reviews=reviews,
                       params=params, actions=ACTIONS, queue=False, title="Decisions",
                       queue_actions=(),
                       keep=_keep(params))

    @app.get("/queue", response_class=HTMLResponse)
    async def queue(request: Request) -> Response:
        session = _session(console, request)
        params = dict(request.query_params)
        actions = ("flag", "block") if console.config.review_blocked else ("flag",)
        flt = ListFilter(actions=actions, reviewed=False, tenant=_opt(params, "tenant"))
        page, reviews = await _page(console, flt, params)
        return _render(request, "decisions.html", session, page=page, reviews=reviews,
                       params=params, actions=ACTIONS, queue=True, title="Review queue",
                       queue_actions=actions,
                       keep=_keep(params))

    @app.get("/decisions/{decision_id}", response_class=HTMLResponse)
    async def decision(request: Request, decision_id: str) -> Response:
        session = _session(console, request)
        reader = console.reader
        record = await run_in_threadpool(reader.decision, decision_id)
        if record is None:
            raise Refused(404, f"no decision {decision_id!r} in the log")
        if is_review(record):  # a review record: show the decision it judged
            target = record["review"]["decision_id"]
            return RedirectResponse(f"{_base(request)}/decisions/{target}#reviews", 303)
        seq = int(record["seq"])
        around = await run_in_threadpool(reader.at_seqs, [seq - 1, seq + 1])
        history = await run_in_threadpool(reader.review_history, decision_id)
        chain = check_record(record, around.get(seq - 1), around.get(seq + 1), console.hmac_key)
        return _render(request, "decision.html", session, r=record,
                       segments=segment_views(record), chain=chain, history=history,
                       verdicts=VERDICTS, verify=console.verify_status,
                       can_record=console.can_record, title=f"Decision {decision_id[:12]}")

    @app.get("/replay", response_class=HTMLResponse)
    async def replay_form(request: Request) -> Response:
        session = _session(console, request)
        return _render(request, "replay.html", session, candidates=console.candidate_policies(),
                       policies_dir=console.config.policies_dir, result=None, title="Replay")


def _keep(params: dict[str, str]) -> str:
    """The query string of the current filters, without the page cursors."""
    return urlencode({k: v for k, v in params.items() if k not in ("before", "after") and v})


# --- actions (POST) ------------------------------------------------------------------------------


def _action_routes(app: FastAPI, console: Console) -> None:
    @app.post("/decisions/{decision_id}/review")
    async def review(request: Request, decision_id: str) -> Response:
        session = _session(console, request)
        form = await _form(request)
        _check_csrf(console, session, form)
        if not session.can_review:
            raise Refused(403, f"{session.user} is an auditor (read-only) and cannot review")
        if not console.can_record:
            raise Refused(503, "this console has no audit recorder: reviews cannot be recorded")
        record = await run_in_threadpool(console.reader.decision, decision_id)
        if record is None:
            raise Refused(404, f"no decision {decision_id!r} in the log")
        try:
            event = build_review_event(record, verdict=form.get("verdict", ""),
                                       comment=form.get("comment", ""), reviewer=session.user,
                                       role=session.role)
        except ReviewError as exc:
            raise Refused(400, str(exc)) from None
        await console.append(event)
        return RedirectResponse(f"{_base(request)}/decisions/{decision_id}#reviews", 303)

    @app.post("/verify")
    async def verify(request: Request) -> Response:
        session = _session(console, request)
        form = await _form(request)
        _check_csrf(console, session, form)
        console.start_verify()
        await console.wait_verify(2.0)  # small logs: the result is there on reload
        return RedirectResponse(_safe_next(request, form.get("next")), 303)

    @app.post("/replay", response_class=HTMLResponse)
    async def replay(request: Request) -> Response:
        session = _session(console, request)
        form = await _form(request)
        _check_csrf(console, session, form)
        name = form.get("policy", "")
        path = console.candidate_path(name)
        if path is None:
            raise Refused(400, f"{name!r} is not a policy in the replay directory")
        result = await _replay(console, str(path))
        return _render(request, "replay.html", session, candidates=console.candidate_policies(),
                       policies_dir=console.config.policies_dir, result=result, chosen=name,
                       title="Replay")


async def _replay(console: Console, path: str) -> dict[str, Any]:
    from guard.audit.replay import replay
    from guard.guard import Guard

    reader = console.reader
    reviews = await run_in_threadpool(reader.reviews)
    records = await run_in_threadpool(reader.by_ids, list(reviews))
    try:
        guard = await run_in_threadpool(Guard.from_file, path)
    except GuardError as exc:  # a broken candidate: say which file, line and field
        raise Refused(400, f"cannot load the candidate policy: {exc}") from None
    try:
        result = await replay(records, guard)
    finally:
        await asyncio.to_thread(guard.close)
    rows = []
    for change in result.changes:
        review = reviews.get(change.decision_id)
        rows.append({"change": change, "verdict": review.verdict if review else None,
                     "judgement": _judge(review.verdict if review else None, change.new_action)})
    fixed = sum(1 for row in rows if row["judgement"] == "fixes a false positive")
    regressed = sum(1 for row in rows if row["judgement"] == "misses a confirmed case")
    return {"result": result, "rows": rows, "reviewed": len(records), "fixed": fixed,
            "regressed": regressed}


def _judge(verdict: str | None, new_action: str) -> str:
    if verdict == "false_positive":
        return "fixes a false positive" if new_action == "allow" else "still acts on it"
    if verdict in ("confirmed", "escalated"):
        return "misses a confirmed case" if new_action == "allow" else "still acts on it"
    return ""


# --- JSON API ----------------------------------------------------------------------------------


def _api_routes(app: FastAPI, console: Console) -> None:
    @app.get("/api/decisions")
    async def api_decisions(request: Request) -> Response:
        _session(console, request)
        params = dict(request.query_params)
        page, reviews = await _page(console, _list_filter(params), params)
        items = [{**r, "messages": None, "review": reviews[r["decision_id"]].verdict
                  if r["decision_id"] in reviews else None} for r in page.records]
        return JSONResponse({"decisions": items, "older": page.older, "newer": page.newer})

    @app.get("/api/decisions/{decision_id}")
    async def api_decision(request: Request, decision_id: str) -> Response:
        _session(console, request)
        record = await run_in_threadpool(console.reader.decision, decision_id)
        if record is None:
            raise Refused(404, f"no decision {decision_id!r}")
        history = await run_in_threadpool(console.reader.review_history, decision_id)
        return JSONResponse({"decision": record, "reviews": [
            {"seq": h.seq, "ts": h.ts, "verdict": h.verdict, "comment": h.comment,
             "reviewer": h.reviewer, "role": h.role} for h in history]})

    @app.get("/api/verify")
    async def api_verify(request: Request) -> Response:
        _session(console, request)
        s = console.verify_status
        r = s.result
        return JSONResponse({"running": s.running, "finished": s.finished, "error": s.error,
                             "ok": r.ok if r else None, "records": r.count if r else None,
                             "problem": r.problem if r else None})
