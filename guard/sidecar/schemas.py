"""Wire models of the sidecar's endpoints (what the OpenAPI document and schemathesis see).

Request models are strict (``{"stream": 0}`` is not a boolean) but allow extra fields: the
proxy forwards the client's raw JSON, so a field this file does not know (a new OpenAI
parameter, a vendor extension) still reaches the upstream untouched. The models only validate.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

ChatRole = Literal["system", "developer", "user", "assistant", "tool", "function"]


class _Open(BaseModel):
    model_config = ConfigDict(strict=True, extra="allow")


class _Closed(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid")


class ChatMessage(_Open):
    role: ChatRole
    content: str | list[dict[str, Any]] | None = None
    name: str | None = None
    tool_calls: list[dict[str, Any]] | None = None
    tool_call_id: str | None = None


class StreamOptions(_Open):
    include_usage: bool | None = None


class ChatCompletionRequest(_Open):
    """``POST /v1/chat/completions``; every field not listed here is forwarded as sent."""

    model: str = Field(min_length=1, max_length=256)
    messages: list[ChatMessage] = Field(min_length=1)
    stream: bool | None = False
    stream_options: StreamOptions | None = None
    n: int | None = Field(default=None, ge=1, le=128)
    temperature: float | None = Field(default=None, ge=0, le=2)
    top_p: float | None = Field(default=None, ge=0, le=1)
    max_tokens: int | None = Field(default=None, ge=1)
    max_completion_tokens: int | None = Field(default=None, ge=1)
    tools: list[dict[str, Any]] | None = None
    tool_choice: str | dict[str, Any] | None = None
    response_format: dict[str, Any] | None = None
    user: str | None = None


class ErrorBody(BaseModel):
    message: str
    type: str
    param: str | None = None
    code: str | None = None
    model_config = ConfigDict(extra="allow")


class ErrorEnvelope(BaseModel):
    """OpenAI's error shape; ``code`` is ``content_filter`` for a block."""

    error: ErrorBody


class ChatCompletionResponse(BaseModel):
    """The upstream's completion, passed through with every field it returned."""

    model_config = ConfigDict(extra="allow")
    id: str | None = None
    object: str | None = None
    created: int | None = None
    model: str | None = None
    choices: list[dict[str, Any]]


class ModerationRequest(_Open):
    input: str | list[str] = Field(description="Text or texts to classify.")
    model: str | None = None


class ModerationResult(BaseModel):
    flagged: bool
    categories: dict[str, bool]
    category_scores: dict[str, float]
    category_applied_input_types: dict[str, list[str]] | None = None


class ModerationResponse(BaseModel):
    id: str
    model: str
    results: list[ModerationResult]


class GuardCheckRequest(_Closed):
    """``POST /v1/guard/check``: run the policy on messages without calling a model."""

    messages: list[ChatMessage] | None = Field(default=None, min_length=1)
    input: str | None = Field(default=None, description="Shorthand for one user message.")
    stage: Literal["input", "output"] = "input"
    model: str | None = None
    tenant: str | None = Field(default=None, description="Ignored when the key names one.")
    route: str | None = None
    record: bool = True


class GuardCheckResponse(BaseModel):
    """A ``Decision.to_dict()``."""

    model_config = ConfigDict(extra="allow")
    id: str
    stage: str
    action: str
    fired_rules: list[str]


class LiteLLMGuardrailRequest(_Open):
    """LiteLLM's Generic Guardrail API request (``/beta/litellm_basic_guardrail_api``)."""

    input_type: Literal["request", "response"]
    texts: list[str] | None = None
    images: list[Any] | None = None
    tools: list[dict[str, Any]] | None = None
    tool_calls: list[dict[str, Any]] | None = None
    structured_messages: list[dict[str, Any]] | None = None
    model: str | None = None
    litellm_call_id: str | None = None
    litellm_trace_id: str | None = None
    request_data: dict[str, Any] | None = None
    additional_provider_specific_params: dict[str, Any] | None = None


class LiteLLMGuardrailResponse(BaseModel):
    action: Literal["NONE", "BLOCKED", "GUARDRAIL_INTERVENED"]
    blocked_reason: str | None = None
    texts: list[str] | None = None
    stream_holdback_chars: int | None = None


class ModelCard(BaseModel):
    model_config = ConfigDict(extra="allow")
    id: str
    object: str = "model"
    created: int = 0
    owned_by: str = "upstream"


class ModelList(BaseModel):
    object: str = "list"
    data: list[ModelCard]


class Health(BaseModel):
    model_config = ConfigDict(extra="allow")
    status: str


ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    code: {"model": ErrorEnvelope, "description": desc} for code, desc in [
        (400, "Invalid request, or blocked by the guard (code content_filter)."),
        (401, "Missing or unknown API key."),
        (404, "Unknown model."),
        (413, "Request body too large."),
        (429, "Too many requests in flight; see Retry-After."),
        (502, "Upstream failed."),
        (503, "Not ready (detector unavailable)."),
        (504, "Upstream timed out."),
    ]
}
