"""Operational endpoints: ``/healthz`` (alive), ``/readyz`` (serving), ``/metrics``, models."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from guard.sidecar.jsonutil import SafeJSONResponse
from guard.sidecar.schemas import ERROR_RESPONSES, Health, ModelList
from guard.sidecar.state import SidecarState

router = APIRouter()


@router.get("/healthz", response_model=Health, summary="Liveness: the process answers.")
async def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/readyz", response_model=Health,
            responses={503: {"model": Health, "description": "Not ready yet."}},
            summary="Readiness: detectors loaded and every upstream reachable.")
async def readyz(request: Request) -> SafeJSONResponse:
    state: SidecarState = request.app.state.sidecar
    upstreams = await state.upstreams.probe()
    reachable = all(u.get("reachable") for u in upstreams.values())
    ready = state.ready and reachable
    body = {
        "status": "ready" if ready else "not_ready",
        "detectors_loaded": state.ready,
        "upstreams": upstreams,
        "policies": {p: {"name": g.policy.name, "version": g.policy.version,
                         "hash": g.policy.hash} for p, g in state.guards.items()},
    }
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
