"""``POST /v1/moderations``: OpenAI's moderation API backed by Guard's content classifier.

The ``content_safety`` detector is built through the registry (so a plugin can replace it)
and its per-category scores are mapped onto OpenAI's category names; categories the detector
does not score are reported as ``false`` / ``0.0`` so strict clients still find every key.
"""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter, Request

from guard.detectors.base import Detector, run_sync
from guard.sidecar.errors import SidecarError
from guard.sidecar.jsonutil import scrub
from guard.sidecar.schemas import ERROR_RESPONSES, ModerationRequest, ModerationResponse
from guard.sidecar.state import SidecarState

router = APIRouter()
MODEL_NAME = "guard-content-safety"
OPENAI_CATEGORIES = (
    "harassment", "harassment/threatening", "hate", "hate/threatening", "illicit",
    "illicit/violent", "self-harm", "self-harm/instructions", "self-harm/intent", "sexual",
    "sexual/minors", "violence", "violence/graphic",
)
MAX_INPUTS = 64


_UNAVAILABLE = (ImportError, KeyError, OSError, ValueError, RuntimeError)


async def _detector(state: SidecarState) -> Detector:
    """Build (once, off the event loop: it may load a model) the shared classifier."""
    try:
        return await run_sync(state.registry.build, "content_safety", {})
    except _UNAVAILABLE as exc:
        raise _unavailable(exc) from exc


def _unavailable(exc: Exception) -> SidecarError:
    return SidecarError(503, f"The content safety classifier is not available: {exc}",
                        type="server_error", code="model_unavailable")


@router.post("/v1/moderations", response_model=ModerationResponse, responses=ERROR_RESPONSES,
             summary="OpenAI-compatible moderation, scored by Guard's content classifier.")
async def moderations(body: ModerationRequest, request: Request) -> dict[str, Any]:
    state: SidecarState = request.app.state.sidecar
    state.caller(request.headers)
    texts = scrub([body.input] if isinstance(body.input, str) else list(body.input))
    if not texts or len(texts) > MAX_INPUTS:
        raise SidecarError(400, f"'input' must hold 1 to {MAX_INPUTS} texts.", param="input",
                           code="invalid_request")
    detector = await _detector(state)
    try:
        findings = await detector.detect(texts)
    except _UNAVAILABLE as exc:
        raise _unavailable(exc) from exc
    threshold = state.config.server.moderation_threshold
    results = []
    for per_text in findings:
        scores = dict.fromkeys(OPENAI_CATEGORIES, 0.0)
        for f in per_text:
            name = f.category.replace("_", "-")  # self_harm -> OpenAI's self-harm
            scores[name] = max(scores.get(name, 0.0), float(f.score))
        categories = {c: s >= threshold for c, s in scores.items()}
        results.append({
            "flagged": any(categories.values()),
            "categories": categories,
            "category_scores": {c: round(s, 6) for c, s in scores.items()},
            "category_applied_input_types": {c: ["text"] for c in scores},
        })
    return {"id": f"modr-{uuid.uuid4().hex}", "model": body.model or MODEL_NAME,
            "results": results}
