"""The read-only pages: overview, decision list, review queue, decision, replay form."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from guard.audit.query import parse_time
from guard.audit.review import VERDICTS, is_review
from guard.console.state import Console
from guard.console.store import ListFilter, Page
from guard.console.views import build_overview, check_record, segment_views
from guard.console.web import Refused, base, render, session_of

OVERVIEW_SAMPLE = 5000  # latest decisions read whole for shadow hit rates and latency
ACTIONS = ("allow", "flag", "rewrite", "block")
WINDOWS = {"24h": timedelta(hours=24), "7d": timedelta(days=7), "30d": timedelta(days=30)}


def _opt(params: dict[str, str], name: str) -> str | None:
    value = params.get(name, "").strip()
    return value or None


def list_filter(params: dict[str, str]) -> ListFilter:
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


async def fetch_page(console: Console, flt: ListFilter, params: dict[str, str]) -> tuple[Page, Any]:
    reader = console.reader
    reviews = await run_in_threadpool(reader.reviews)
    page = await run_in_threadpool(
        lambda: reader.page(flt, list(reviews), before=_cursor(params, "before"),
                            after=_cursor(params, "after"), limit=console.config.page_size))
    return page, reviews


def register(app: FastAPI, console: Console) -> None:
    @app.get("/", response_class=HTMLResponse)
    async def overview(request: Request, window: str = "7d") -> Response:
        session = session_of(console, request)
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
        return render(request, "overview.html", session, data=data, window=window,
                       windows=list(WINDOWS), reviews=reviews, verify=console.verify_status,
                       title="Overview")

    @app.get("/decisions", response_class=HTMLResponse)
    async def decisions(request: Request) -> Response:
        session = session_of(console, request)
        params = dict(request.query_params)
        page, reviews = await fetch_page(console, list_filter(params), params)
        return render(request, "decisions.html", session, page=page, reviews=reviews,
                       params=params, actions=ACTIONS, queue=False, title="Decisions",
                       queue_actions=(),
                       keep=_keep(params))

    @app.get("/queue", response_class=HTMLResponse)
    async def queue(request: Request) -> Response:
        session = session_of(console, request)
        params = dict(request.query_params)
        actions = ("flag", "block") if console.config.review_blocked else ("flag",)
        flt = ListFilter(actions=actions, reviewed=False, tenant=_opt(params, "tenant"))
        page, reviews = await fetch_page(console, flt, params)
        return render(request, "decisions.html", session, page=page, reviews=reviews,
                       params=params, actions=ACTIONS, queue=True, title="Review queue",
                       queue_actions=actions,
                       keep=_keep(params))

    @app.get("/decisions/{decision_id}", response_class=HTMLResponse)
    async def decision(request: Request, decision_id: str) -> Response:
        session = session_of(console, request)
        reader = console.reader
        record = await run_in_threadpool(reader.decision, decision_id)
        if record is None:
            raise Refused(404, f"no decision {decision_id!r} in the log")
        if is_review(record):  # a review record: show the decision it judged
            target = record["review"]["decision_id"]
            return RedirectResponse(f"{base(request)}/decisions/{target}#reviews", 303)
        seq = int(record["seq"])
        around = await run_in_threadpool(reader.at_seqs, [seq - 1, seq + 1])
        history = await run_in_threadpool(reader.review_history, decision_id)
        chain = check_record(record, around.get(seq - 1), around.get(seq + 1), console.hmac_key)
        return render(request, "decision.html", session, r=record,
                       segments=segment_views(record), chain=chain, history=history,
                       verdicts=VERDICTS, verify=console.verify_status,
                       can_record=console.can_record, title=f"Decision {decision_id[:12]}")

    @app.get("/replay", response_class=HTMLResponse)
    async def replay_form(request: Request) -> Response:
        session = session_of(console, request)
        return render(request, "replay.html", session, candidates=console.candidate_policies(),
                       policies_dir=console.config.policies_dir, result=None, title="Replay")


def _keep(params: dict[str, str]) -> str:
    """The query string of the current filters, without the page cursors."""
    return urlencode({k: v for k, v in params.items() if k not in ("before", "after") and v})


