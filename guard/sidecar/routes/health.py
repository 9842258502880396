"""Operational endpoints: ``/healthz`` (alive), ``/readyz`` (serving), ``/metrics``, models."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from guard.budget import LOAD
from guard.sidecar.exposure import operator_allowed
from guard.sidecar.jsonutil import SafeJSONResponse
from guard.sidecar.schemas import ERROR_RESPONSES, Health, ModelList
from guard.sidecar.state import SidecarState

router = APIRouter()


@router.get("/healthz", response_model=Health, summary="Liveness: the process answers.")
async def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/readyz", response_model=Health,
            responses={503: {"model": Health, "description": "Not ready: detectors not loaded "
                             "yet (or failed), or the in-flight limit is reached."}},
            summary="Readiness: detectors loaded and not saturated (upstreams: reported only).")
async def readyz(request: Request) -> SafeJSONResponse:
    """Ready = detectors loaded and in-flight below the limit. Upstream health is reported
    but does not gate: an upstream outage would otherwise pull every replica out of the
    Service at once, and clients would get connection errors instead of a 502 envelope.
    The details (upstreams, policies) need a key when keys are required; the status does not.
    """
    state: SidecarState = request.app.state.sidecar
    backlog = LOAD.running
    saturated = state.load.saturated or backlog > state.config.server.max_detector_backlog
    ready = state.ready and not saturated
    body: dict[str, Any] = {"status": "ready" if ready else "not_ready"}
    if operator_allowed(state.config, request.headers):
        body.update({
            "detectors_loaded": state.ready,
            "saturated": saturated,
            "detector_backlog": backlog,
            "in_flight": state.load.in_flight,
            "max_in_flight": state.load.limit,
            "config_version": state.snapshot.version,
            "upstreams": await state.upstreams.probe(),
            "policies": {p: {"name": g.policy.name, "version": g.policy.version,
                             "hash": g.policy.hash} for p, g in state.guards.items()},
        })
        if state.warmup_error:
            body["warmup_error"] = state.warmup_error
        if state.moderation_error:
            body["moderation"] = f"unavailable: {state.moderation_error}"
        if state.upstreams.echo:
            body["upstream_mode"] = "echo (built-in test upstream: no upstream configured)"
    return SafeJSONResponse(body, status_code=200 if ready else 503)


@router.get("/metrics", summary="Prometheus metrics.",
            responses={200: {"content": {"text/plain": {"schema": {"type": "string"}}}}})
async def metrics(request: Request) -> Response:
    state: SidecarState = request.app.state.sidecar
    return Response(state.metrics.render(), media_type="text/plain; version=0.0.4")


@router.get("/v1/models", response_model=ModelList, responses=ERROR_RESPONSES,
            summary="Union of the upstreams' models.")
async def models(request: Request) -> dict[str, object]:
    state: SidecarState = request.app.state.sidecar
    state.caller(request.headers)
    return {"object": "list", "data": await state.upstreams.list_models()}
