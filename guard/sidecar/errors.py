"""The one error shape the sidecar emits: OpenAI's ``{"error": {message, type, param, code}}``.

Every client in clients.md (the ``openai`` SDK, garak, promptfoo, LiteLLM) reads this envelope;
FastAPI's default ``{"detail": ...}`` makes the SDK report ``code=None``. So validation errors,
bad JSON, unknown routes, auth failures, upstream failures and blocks all go through
:func:`error_response`, and :func:`install_handlers` replaces every FastAPI default.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException

from guard.audit.recorder import AuditUnavailable
from guard.sidecar.jsonutil import SafeJSONResponse

log = logging.getLogger(__name__)

NO_RETRY = {"x-should-retry": "false"}


class SidecarError(Exception):
    """An error with its HTTP status and envelope fields; raised anywhere, rendered once."""

    def __init__(
        self, status: int, message: str, *, type: str = "invalid_request_error",
        code: str | None = None, param: str | None = None,
        headers: Mapping[str, str] | None = None, extra: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.type = type
        self.code = code
        self.param = param
        self.headers = dict(headers or {})
        self.extra = dict(extra or {})

    def envelope(self) -> dict[str, Any]:
        return envelope(self.message, type=self.type, code=self.code, param=self.param,
                        **self.extra)

    def response(self) -> SafeJSONResponse:
        return SafeJSONResponse(self.envelope(), status_code=self.status, headers=self.headers)


class UpstreamFailure(SidecarError):
    """The upstream failed: 502 (error, bad response) or 504 (timeout), never retried by SDKs.

    ``x-should-retry: false`` stops the openai SDK's default 2 retries, which would triple the
    load on an upstream that is already failing.
    """

    def __init__(self, status: int, message: str, *, code: str = "upstream_error",
                 upstream_status: int | None = None) -> None:
        super().__init__(status, message, type="upstream_error", code=code, headers=NO_RETRY)
        self.upstream_status = upstream_status


def envelope(message: str, *, type: str = "invalid_request_error", code: str | None = None,
             param: str | None = None, **extra: Any) -> dict[str, Any]:
    return {"error": {"message": message, "type": type, "param": param, "code": code, **extra}}


def error_response(status: int, message: str, **fields: Any) -> SafeJSONResponse:
    headers = fields.pop("headers", None)
    return SafeJSONResponse(envelope(message, **fields), status_code=status, headers=headers)


def blocked_error(decision_id: str, rule_ids: Sequence[str], stage: str) -> dict[str, Any]:
    """The ``content_filter`` envelope for a blocked input or output."""
    where = "prompt" if stage == "input" else "completion"
    rules = ", ".join(rule_ids) or "policy"
    return envelope(
        f"The {where} was blocked by the guard policy (rules: {rules}; decision {decision_id}).",
        type="invalid_request_error", code="content_filter",
        param="messages" if stage == "input" else None,
        rule_ids=list(rule_ids), decision_id=decision_id, stage=stage,
    )


def _validation_message(errors: Sequence[Any]) -> tuple[str, str | None]:
    if not errors:
        return "Invalid request.", None
    first = errors[0]
    loc = [str(p) for p in first.get("loc", ()) if p != "body"]
    param = ".".join(loc) or None
    if first.get("type") == "json_invalid":
        return "We could not parse the JSON body of your request.", None
    msg = str(first.get("msg", "invalid value"))
    return (f"Invalid value for '{param}': {msg}." if param else f"Invalid request: {msg}."), param


def install_handlers(app: FastAPI) -> None:
    """Replace FastAPI's ``{"detail": ...}`` responses with the OpenAI envelope."""

    async def sidecar_error(request: Request, exc: Exception) -> SafeJSONResponse:
        assert isinstance(exc, SidecarError)
        return exc.response()

    async def validation_error(request: Request, exc: Exception) -> SafeJSONResponse:
        assert isinstance(exc, RequestValidationError)
        message, param = _validation_message(exc.errors())
        return error_response(400, message, param=param, code="invalid_request")

    async def http_error(request: Request, exc: Exception) -> SafeJSONResponse:
        assert isinstance(exc, StarletteHTTPException)
        code = {404: "not_found", 405: "method_not_allowed",
                413: "request_too_large"}.get(exc.status_code)
        kind = "invalid_request_error" if exc.status_code < 500 else "server_error"
        return error_response(exc.status_code, str(exc.detail), type=kind, code=code,
                              headers=exc.headers)

    async def audit_unavailable(request: Request, exc: Exception) -> SafeJSONResponse:
        # The audit queue stayed full (fail-closed policy): refuse rather than serve unaudited.
        log.error("audit store unavailable, failing closed: %s", exc)
        return error_response(503, "The guard's audit log is unavailable; request refused.",
                              type="server_error", code="audit_unavailable",
                              headers={"Retry-After": "1"})

    async def unexpected(request: Request, exc: Exception) -> SafeJSONResponse:
        log.exception("unhandled error on %s", request.url.path)
        return error_response(500, "Internal error in the guard sidecar.", type="server_error",
                              code="internal_error", headers=NO_RETRY)

    app.add_exception_handler(SidecarError, sidecar_error)
    app.add_exception_handler(RequestValidationError, validation_error)
    app.add_exception_handler(StarletteHTTPException, http_error)
    app.add_exception_handler(AuditUnavailable, audit_unavailable)
    app.add_exception_handler(Exception, unexpected)
