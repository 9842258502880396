"""The console's POST actions besides login: record a review, verify the chain, replay."""

from __future__ import annotations

import asyncio
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from guard.audit.review import ReviewError, build_review_event
from guard.console.state import Console
from guard.console.web import Refused, base, check_csrf, read_form, render, safe_next, session_of
from guard.errors import GuardError


def register(app: FastAPI, console: Console) -> None:
    @app.post("/decisions/{decision_id}/review")
    async def review(request: Request, decision_id: str) -> Response:
        session = session_of(console, request)
        form = await read_form(request)
        check_csrf(console, session, form)
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
        return RedirectResponse(f"{base(request)}/decisions/{decision_id}#reviews", 303)

    @app.post("/verify")
    async def verify(request: Request) -> Response:
        session = session_of(console, request)
        form = await read_form(request)
        check_csrf(console, session, form)
        console.start_verify()
        await console.wait_verify(2.0)  # small logs: the result is there on reload
        return RedirectResponse(safe_next(request, form.get("next")), 303)

    @app.post("/replay", response_class=HTMLResponse)
    async def replay(request: Request) -> Response:
        session = session_of(console, request)
        form = await read_form(request)
        check_csrf(console, session, form)
        name = form.get("policy", "")
        path = console.candidate_path(name)
        if path is None:
            raise Refused(400, f"{name!r} is not a policy in the replay directory")
        result = await _replay(console, str(path))
        return render(request, "replay.html", session, candidates=console.candidate_policies(),
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


