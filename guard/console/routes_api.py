"""JSON for scripts, behind the same session as the pages (401 without one)."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response
from starlette.concurrency import run_in_threadpool

from guard.console.routes_pages import fetch_page, list_filter
from guard.console.state import Console
from guard.console.web import Refused, session_of


def register(app: FastAPI, console: Console) -> None:
    @app.get("/api/decisions")
    async def api_decisions(request: Request) -> Response:
        session_of(console, request)
        params = dict(request.query_params)
        page, reviews = await fetch_page(console, list_filter(params), params)
        items = [{**r, "messages": None, "review": reviews[r["decision_id"]].verdict
                  if r["decision_id"] in reviews else None} for r in page.records]
        return JSONResponse({"decisions": items, "older": page.older, "newer": page.newer})

    @app.get("/api/decisions/{decision_id}")
    async def api_decision(request: Request, decision_id: str) -> Response:
        session_of(console, request)
        record = await run_in_threadpool(console.reader.decision, decision_id)
        if record is None:
            raise Refused(404, f"no decision {decision_id!r}")
        history = await run_in_threadpool(console.reader.review_history, decision_id)
        return JSONResponse({"decision": record, "reviews": [
            {"seq": h.seq, "ts": h.ts, "verdict": h.verdict, "comment": h.comment,
             "reviewer": h.reviewer, "role": h.role} for h in history]})

    @app.get("/api/verify")
    async def api_verify(request: Request) -> Response:
        session_of(console, request)
        s = console.verify_status
        r = s.result
        return JSONResponse({"running": s.running, "finished": s.finished, "error": s.error,
                             "ok": r.ok if r else None, "records": r.count if r else None,
                             "problem": r.problem if r else None})
