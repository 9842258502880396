"""LiteLLM's Generic Guardrail API, so a LiteLLM proxy can use Guard as its guardrail.

LiteLLM config::

    guardrails:
      - guardrail_name: guard
        litellm_params:
          guardrail: generic_guardrail_api
          mode: [pre_call, post_call]
          api_base: http://guard:8080          # LiteLLM appends /beta/litellm_basic_guardrail_api

Contract (docs.litellm.ai, "Generic Guardrail API"): ``input_type`` request|response with
``texts`` (and ``tool_calls``); answer ``NONE``, ``BLOCKED`` with ``blocked_reason``, or
``GUARDRAIL_INTERVENED`` with the rewritten ``texts`` (same count and order).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from guard.sidecar.jsonutil import scrub
from guard.sidecar.schemas import (
    ERROR_RESPONSES,
    LiteLLMGuardrailRequest,
    LiteLLMGuardrailResponse,
)
from guard.sidecar.state import SidecarState
from guard.types import Action, Stage

ROUTE = "/beta/litellm_basic_guardrail_api"
router = APIRouter()


@router.post(ROUTE, response_model=LiteLLMGuardrailResponse, response_model_exclude_none=True,
             responses=ERROR_RESPONSES, summary="LiteLLM generic guardrail API.")
async def litellm_guardrail(body: LiteLLMGuardrailRequest, request: Request) -> dict[str, Any]:
    state: SidecarState = request.app.state.sidecar
    caller = state.caller(request.headers)
    stage = Stage.INPUT if body.input_type == "request" else Stage.OUTPUT
    role = "user" if stage is Stage.INPUT else "assistant"
    texts: list[str] = scrub(list(body.texts or []))
    messages: list[dict[str, Any]] = [{"role": role, "content": t} for t in texts]
    if body.tool_calls:
        messages.append({"role": "assistant" if stage is Stage.OUTPUT else "user",
                         "content": None, "tool_calls": scrub(body.tool_calls)})
    if not messages:
        return {"action": "NONE"}
    route = "/v1/chat/completions"
    guard = state.guard_for(caller, model=body.model, route=route)
    context = state.context(caller, model=body.model, route=route)
    decision = await state.check(guard, messages, stage, context,
                                 extra={"request_id": body.litellm_call_id or caller.request_id})
    holdback = guard.policy.settings.stream_window_chars if stage is Stage.OUTPUT else None
    if decision.action is Action.BLOCK:
        rules = ", ".join(r.rule_id for r in decision.fired_rules) or "policy"
        return {"action": "BLOCKED",
                "blocked_reason": f"Blocked by guard (rules: {rules}; decision {decision.id})"}
    if decision.action is Action.REWRITE:
        rewritten = [m.content if isinstance(m.content, str) else t
                     for m, t in zip(decision.messages, texts, strict=False)]
        return {"action": "GUARDRAIL_INTERVENED", "texts": rewritten,
                "stream_holdback_chars": holdback}
    return {"action": "NONE", "stream_holdback_chars": holdback}
