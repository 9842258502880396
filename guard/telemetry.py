"""OpenTelemetry spans and metrics for guarded requests, from *injected* providers.

Guard never reaches for the global tracer/meter provider unless asked (``use_global=True``):
a library that silently reports into whatever the host configured surprises people, and tests
that need ``patch(...)`` to silence telemetry are a smell (see docs/style.md, rule 8). With no
provider at all every helper is a cheap no-op.

Span tree of one guarded request (attribute set documented in ``docs/telemetry.md``)::

    guard.request            request_span()   continues the caller's ``traceparent``
    ├── guard.check input    stage_span()     record_decision() sets guard.* attributes
    │   ├── guard.detect regex.secrets        detector_span()
    │   └── guard.detect pii.presidio
    └── guard.check output

No prompt or completion text is ever put on a span unless ``capture_content=True``; even then
only :meth:`Telemetry.record_content` writes it. Telemetry failures are swallowed and logged:
an exporter bug must not turn into a failed request.
"""

from __future__ import annotations

import contextvars
import json
import logging
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from opentelemetry import metrics, trace
from opentelemetry.context import Context
from opentelemetry.trace import Span, SpanKind, Status, StatusCode

from guard.redaction import redact_text
from guard.types import Action, Decision, Message, Stage

log = logging.getLogger(__name__)

INSTRUMENTATION_NAME = "guard"
INSTRUMENTATION_VERSION = "0.1.0"

# --- attribute names: the documented contract (docs/telemetry.md) -------------------------
GEN_AI_OPERATION_NAME = "gen_ai.operation.name"
GEN_AI_REQUEST_MODEL = "gen_ai.request.model"
GEN_AI_PROVIDER_NAME = "gen_ai.provider.name"
GEN_AI_INPUT_MESSAGES = "gen_ai.input.messages"
GEN_AI_OUTPUT_MESSAGES = "gen_ai.output.messages"
ERROR_TYPE = "error.type"

GUARD_TENANT = "guard.tenant"
GUARD_ROUTE = "guard.route"
GUARD_STAGE = "guard.stage"
GUARD_REQUEST_ID = "guard.request.id"
GUARD_DECISION_ID = "guard.decision.id"
GUARD_DECISION_ACTION = "guard.decision.action"
GUARD_DECISION_SHADOW_ACTION = "guard.decision.shadow_action"
GUARD_POLICY_NAME = "guard.policy.name"
GUARD_POLICY_VERSION = "guard.policy.version"
GUARD_POLICY_HASH = "guard.policy.hash"
GUARD_RULE_IDS = "guard.rule.ids"
GUARD_SHADOW_RULE_IDS = "guard.shadow.rule.ids"
GUARD_RULES_EVALUATED = "guard.rules.evaluated"
GUARD_RULE_ERROR_IDS = "guard.rule.error.ids"
GUARD_FINDING_CATEGORIES = "guard.finding.categories"
GUARD_FINDING_COUNT = "guard.finding.count"
GUARD_DETECTOR_NAME = "guard.detector.name"
GUARD_DETECTOR_FINDINGS = "guard.detector.findings"
GUARD_DETECTOR_MAX_SCORE = "guard.detector.max_score"
GUARD_STREAM_CHARS_RELEASED = "guard.stream.chars_released"
GUARD_CHECK_PHASE = "guard.check.phase"

# --- request span events: when the upstream call moved (the sidecar's timeline) -----------
UPSTREAM_CALL = "guard.upstream.call"
UPSTREAM_FIRST_CHUNK = "guard.upstream.first_chunk"
UPSTREAM_END = "guard.upstream.end"



@dataclass(slots=True)
class _RequestState:
    """What the request span accumulates from its stages (strongest action, rule ids)."""

    span: Span
    action: Action = Action.ALLOW
    shadow_action: Action = Action.ALLOW
    rule_ids: list[str] = field(default_factory=list)
    shadow_rule_ids: list[str] = field(default_factory=list)


_current_request: contextvars.ContextVar[_RequestState | None] = contextvars.ContextVar(
    "guard_request_state", default=None
)


class Telemetry:
    """Spans and metrics for Guard, built from injected providers.

    Args:
        tracer_provider: where spans go; ``None`` means no-op (unless ``use_global``).
        meter_provider: where metrics go; ``None`` means no-op (unless ``use_global``).
        capture_content: allow :meth:`record_content` to put message text on spans.
        use_global: fall back to the globally configured providers instead of no-op ones.
    """

    def __init__(
        self,
        *,
        tracer_provider: trace.TracerProvider | None = None,
        meter_provider: metrics.MeterProvider | None = None,
        capture_content: bool = False,
        use_global: bool = False,
    ) -> None:
        if tracer_provider is None:
            tracer_provider = (
                trace.get_tracer_provider() if use_global else trace.NoOpTracerProvider()
            )
        if meter_provider is None:
            meter_provider = (
                metrics.get_meter_provider() if use_global else metrics.NoOpMeterProvider()
            )
        self.capture_content = capture_content
        self.tracer = tracer_provider.get_tracer(INSTRUMENTATION_NAME, INSTRUMENTATION_VERSION)
        self.meter = meter_provider.get_meter(INSTRUMENTATION_NAME, INSTRUMENTATION_VERSION)
        self._decisions = self.meter.create_counter(
            "guard.decisions", unit="{decision}", description="Guarded checks by outcome."
        )
        self._rule_hits = self.meter.create_counter(
            "guard.rule.hits", unit="{hit}", description="Rules that fired (enforce and shadow)."
        )
        self._check_duration = self.meter.create_histogram(
            "guard.check.duration", unit="s", description="Wall time of one guarded check."
        )
        self._detector_duration = self.meter.create_histogram(
            "guard.detector.duration", unit="s", description="Wall time of one detector call."
        )

    # --- spans ------------------------------------------------------------------------------

    @contextmanager
    def request_span(
        self,
        *,
        parent: Context | None = None,
        operation: str = "chat",
        model: str | None = None,
        tenant: str | None = None,
        route: str | None = None,
        request_id: str | None = None,
        provider: str | None = None,
        name: str = "guard.request",
    ) -> Iterator[Span]:
        """Span around one guarded request, continuing the caller's trace.

        Args:
            parent: the caller's trace context (the sidecar reads it from ``traceparent``,
                :func:`guard.sidecar.otel.trace_parent`); ``None``: the current context.
            operation: the GenAI operation being guarded (``chat``, ``text_completion``...).
            model: requested model (``gen_ai.request.model``).
            tenant: tenant label, also used as a metric attribute.
            route: logical route or endpoint.
            request_id: the sidecar's request id.
            provider: upstream provider (``gen_ai.provider.name``), when known.
            name: span name.

        Yields:
            The request span (also the current span inside the block).
        """
        attributes = _clean(
            {
                GEN_AI_OPERATION_NAME: operation,
                GEN_AI_REQUEST_MODEL: model,
                GEN_AI_PROVIDER_NAME: provider,
                GUARD_TENANT: tenant,
                GUARD_ROUTE: route,
                GUARD_REQUEST_ID: request_id,
            }
        )
        with self.tracer.start_as_current_span(
            name, context=parent, kind=SpanKind.SERVER, attributes=attributes,
            record_exception=False, set_status_on_exception=False,
        ) as span:
            token = _current_request.set(_RequestState(span))
            try:
                yield span
            except Exception as exc:
                self.record_error(span, exc)
                raise
            finally:
                _current_request.reset(token)

    @contextmanager
    def stage_span(self, stage: Stage | str, *, model: str | None = None,
                   phase: str | None = None) -> Iterator[Span]:
        """Child span for one stage (``guard.check input`` / ``guard.check output``).

        ``phase`` (input only) says which rules ran: ``before`` the upstream call (rules that
        rewrite, or ``input_mode: sequential``) or ``during`` it. Also records
        ``guard.check.duration`` (seconds) with the stage as attribute.
        """
        stage_name = str(stage)
        attributes = _clean({GUARD_STAGE: stage_name, GEN_AI_REQUEST_MODEL: model,
                             GUARD_CHECK_PHASE: phase})
        started = time.perf_counter()
        with self.tracer.start_as_current_span(
            f"guard.check {stage_name}", kind=SpanKind.INTERNAL, attributes=attributes
        ) as span:
            try:
                yield span
            finally:
                _failsafe(
                    self._check_duration.record,
                    time.perf_counter() - started,
                    {GUARD_STAGE: stage_name},
                )

    @contextmanager
    def detector_span(self, detector: str, *, stage: Stage | str | None = None) -> Iterator[Span]:
        """Child span for one detector call; records ``guard.detector.duration``.

        An exception escaping the block marks the span as an error (``error.type``) and is
        re-raised: deciding what a failure means is the rule's ``on_error``, not telemetry's.
        """
        attributes = _clean({GUARD_DETECTOR_NAME: detector, GUARD_STAGE: _opt_str(stage)})
        started = time.perf_counter()
        error: str | None = None
        with self.tracer.start_as_current_span(
            f"guard.detect {detector}",
            kind=SpanKind.INTERNAL,
            attributes=attributes,
            record_exception=False,
            set_status_on_exception=False,
        ) as span:
            try:
                yield span
            except BaseException as exc:
                error = type(exc).__qualname__
                self.record_error(span, exc)
                raise
            finally:
                metric_attrs = dict(attributes)
                if error is not None:
                    metric_attrs[ERROR_TYPE] = error
                _failsafe(
                    self._detector_duration.record, time.perf_counter() - started, metric_attrs
                )

    # --- recording --------------------------------------------------------------------------

    def record_detector_result(self, span: Span, findings: Sequence[Any]) -> None:
        """Put a detector's finding count and max score (never the matched text) on its span."""
        if not span.is_recording():
            return
        scores = [float(getattr(f, "score", 0.0)) for f in findings]
        attrs = {
            GUARD_DETECTOR_FINDINGS: len(scores),
            GUARD_DETECTOR_MAX_SCORE: max(scores, default=0.0),
        }
        _failsafe(span.set_attributes, attrs)

    def record_decision(self, span: Span | None, decision: Decision) -> None:
        """Set the ``guard.*`` decision attributes on ``span`` and count the decision.

        Call it once per decision (it increments ``guard.decisions`` and ``guard.rule.hits``).
        When called inside :meth:`request_span`, the request span is updated too: its action is
        the strongest of its stages and its rule ids the union.
        """
        _failsafe(self._record_decision, span, decision)

    def _record_decision(self, span: Span | None, decision: Decision) -> None:
        attrs = decision_attributes(decision)
        if span is not None and span.is_recording():
            span.set_attributes(attrs)
            if decision.action is Action.BLOCK:
                span.add_event("guard.blocked", {GUARD_RULE_IDS: attrs[GUARD_RULE_IDS]})
        state = _current_request.get()
        if state is not None and state.span is not span:
            _roll_up(state, decision)
        self._count(decision)

    def _count(self, decision: Decision) -> None:
        ctx = decision.context
        common = _clean(
            {
                GUARD_STAGE: str(decision.stage),
                GUARD_TENANT: ctx.tenant,
                GEN_AI_REQUEST_MODEL: ctx.model,
                GUARD_POLICY_NAME: decision.policy.name,
            }
        )
        self._decisions.add(1, {**common, GUARD_DECISION_ACTION: str(decision.action)})
        for rule in decision.rules:
            if rule.fired:
                rule_attrs = {
                    "guard.rule.id": rule.rule_id,
                    "guard.rule.mode": str(rule.mode),
                    "guard.rule.action": str(rule.action),
                }
                self._rule_hits.add(1, {**common, **rule_attrs})

    def record_content(
        self,
        span: Span,
        *,
        input: Sequence[Message] | None = None,
        output: Sequence[Message] | None = None,
    ) -> None:
        """Put message content on ``span`` — only when built with ``capture_content=True``."""
        if not self.capture_content or not span.is_recording():
            return
        if input is not None:
            _failsafe(span.set_attribute, GEN_AI_INPUT_MESSAGES, _messages_json(input))
        if output is not None:
            _failsafe(span.set_attribute, GEN_AI_OUTPUT_MESSAGES, _messages_json(output))

    def record_stream_released(self, span: Span | None, chars: int) -> None:
        """How many completion characters reached the client before the output decision
        (on ``span``, by default the current one)."""
        span = span or trace.get_current_span()
        if span.is_recording():
            _failsafe(span.set_attribute, GUARD_STREAM_CHARS_RELEASED, chars)

    def mark(self, event: str, **attributes: str | int | float | bool) -> None:
        """Put a timestamped event on the current request span (no-op outside one, or when
        nothing records): the sidecar marks the upstream call's steps
        (:data:`UPSTREAM_CALL` ...), so a trace shows where a request's time went."""
        state = _current_request.get()
        if state is not None and state.span.is_recording():
            _failsafe(state.span.add_event, event, attributes)

    def record_error(self, span: Span, exc: BaseException) -> None:
        """Mark ``span`` failed with ``exc`` (e.g. an upstream error) without raising.

        The exception event carries the message with secrets, e-mail addresses and phone
        numbers redacted (an upstream error can echo them), and no stack trace.
        """
        if span.is_recording():
            kind = type(exc).__qualname__
            message = redact_text(str(exc))
            _failsafe(span.add_event, "exception", {
                "exception.type": kind, "exception.message": message})
            _failsafe(span.set_attribute, ERROR_TYPE, kind)
            _failsafe(span.set_status, Status(StatusCode.ERROR, f"{kind}: {message}"))


def _roll_up(state: _RequestState, decision: Decision) -> None:
    """Fold a stage decision into its request span: strongest action, union of rule ids."""
    state.action = Action.strongest([state.action, decision.action])
    state.shadow_action = Action.strongest([state.shadow_action, decision.shadow_action])
    for rule in decision.fired_rules:
        if rule.rule_id not in state.rule_ids:
            state.rule_ids.append(rule.rule_id)
    for rule in decision.shadow_rules:
        if rule.rule_id not in state.shadow_rule_ids:
            state.shadow_rule_ids.append(rule.rule_id)
    if state.span.is_recording():
        state.span.set_attributes(
            {
                GUARD_DECISION_ACTION: str(state.action),
                GUARD_DECISION_SHADOW_ACTION: str(state.shadow_action),
                GUARD_RULE_IDS: list(state.rule_ids),
                GUARD_SHADOW_RULE_IDS: list(state.shadow_rule_ids),
                GUARD_POLICY_NAME: decision.policy.name,
                GUARD_POLICY_VERSION: decision.policy.version,
            }
        )


def decision_attributes(decision: Decision) -> dict[str, Any]:
    """The ``guard.*`` span attributes of one decision (no content, no matched text)."""
    rules = decision.rules
    categories = sorted({f.category for f in decision.findings})
    return _clean(
        {
            GUARD_DECISION_ID: decision.id,
            GUARD_STAGE: str(decision.stage),
            GUARD_DECISION_ACTION: str(decision.action),
            GUARD_DECISION_SHADOW_ACTION: str(decision.shadow_action),
            GUARD_POLICY_NAME: decision.policy.name,
            GUARD_POLICY_VERSION: decision.policy.version,
            GUARD_POLICY_HASH: decision.policy.hash,
            GUARD_RULE_IDS: [r.rule_id for r in decision.fired_rules],
            GUARD_SHADOW_RULE_IDS: [r.rule_id for r in decision.shadow_rules],
            GUARD_RULES_EVALUATED: len(rules),
            GUARD_RULE_ERROR_IDS: [r.rule_id for r in rules if r.error is not None] or None,
            GUARD_FINDING_CATEGORIES: categories,
            GUARD_FINDING_COUNT: len(decision.findings),
            GUARD_TENANT: decision.context.tenant,
            GEN_AI_REQUEST_MODEL: decision.context.model,
        }
    )


def _clean(attrs: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in attrs.items() if v is not None}


def _opt_str(value: object | None) -> str | None:
    return None if value is None else str(value)


def _messages_json(messages: Sequence[Message]) -> str:
    return json.dumps([m.to_dict() for m in messages], ensure_ascii=False, default=str)


def _failsafe(func: Callable[..., Any], *args: Any) -> None:
    """Run a telemetry call; log instead of raising (telemetry must never fail a request)."""
    try:
        func(*args)
    except Exception:  # deliberately broad, see docstring
        log.exception("guard telemetry call %s failed", getattr(func, "__name__", func))


__all__ = ["Telemetry", "decision_attributes"]
