"""The ``Guard`` facade: one async core that every entry point (hook, sidecar, CLI) calls.

The sync methods are a thin layer over the async core, run on one private event loop in a
background thread, so detectors that keep per-loop state (micro-batchers) work the same way
from sync and async callers, and there is only one implementation to test.
"""

from __future__ import annotations

import asyncio
import functools
import threading
import time
import uuid
from collections.abc import Coroutine, Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, TypeVar

from guard.detectors.base import run_sync
from guard.detectors.registry import DetectorRegistry
from guard.detectors.spans import hold_start
from guard.engine.cache import VerdictCache, run_cached, shared_cache
from guard.engine.decide import combine, evaluate_rule, rewrite_messages
from guard.engine.limits import limit_chars, limit_messages, limit_outcome
from guard.engine.plan import plan
from guard.engine.runner import DetectorJob, DetectorResult
from guard.engine.segments import extract, to_messages
from guard.engine.stream import MessageChecker, StreamGuard, StreamLimits
from guard.policy.compiled import Policy, Rule, load_policy, output_span_chars
from guard.recording import DecisionRecorder
from guard.secret import REWRITE_HASH, Secret, secret_from_env
from guard.telemetry import Telemetry
from guard.types import (
    Action,
    CheckContext,
    Decision,
    Message,
    Mode,
    RequestFacts,
    RuleOutcome,
    Stage,
)

if TYPE_CHECKING:
    from opentelemetry.metrics import MeterProvider
    from opentelemetry.trace import TracerProvider

_T = TypeVar("_T")
MessagesLike = str | Sequence[Message | Mapping[str, Any]]
InputPhase = Literal["before", "during"]
"""Which input rules a check runs: ``before`` the upstream is called (rewrite rules and
``input_mode: sequential``) or ``during`` the upstream call (block/flag rules in
``input_mode: parallel``); None runs them all."""


class Guard:
    """Checks prompts and completions against one policy.

    Args:
        policy: a loaded policy (see :meth:`from_file`).
        recorder: where decisions are audited (e.g. ``guard.audit.open_recorder()``);
            None records nothing.
        telemetry: span/metric helpers; by default built from the given providers
            (no-op when none are given).
        hash_salt: salt of the ``hash`` rewrite; by default the variable the policy names
            (``hash_salt_env``, ``GUARD_HASH_SALT``), read once here.
        verdict_cache: detector verdicts by content hash (guard/engine/cache.py); by default
            the process-wide one (``GUARD_VERDICT_CACHE_ENTRIES``), ``VerdictCache(0)``: none.
    """

    def __init__(
        self,
        policy: Policy,
        *,
        recorder: DecisionRecorder | None = None,
        telemetry: Telemetry | None = None,
        tracer_provider: TracerProvider | None = None,
        meter_provider: MeterProvider | None = None,
        hash_salt: str | None = None,
        verdict_cache: VerdictCache | None = None,
    ) -> None:
        self.policy = policy
        self.verdicts = verdict_cache if verdict_cache is not None else shared_cache()
        self._hash_salt = _hash_key(policy, hash_salt)
        self.recorder = recorder
        self.telemetry = telemetry or Telemetry(
            tracer_provider=tracer_provider, meter_provider=meter_provider)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._loop_lock = threading.Lock()
        self._warm = False
        self._warm_lock = asyncio.Lock()

    @classmethod
    def from_file(cls, path: str | Path, *, registry: DetectorRegistry | None = None,
                  **kwargs: Any) -> Guard:
        """Load a policy file (raises PolicyError with file, line and field)."""
        return cls(load_policy(path, registry=registry), **kwargs)

    # --- async core ---------------------------------------------------------------------------

    async def acheck(
        self,
        messages: MessagesLike,
        *,
        stage: Stage | str,
        context: CheckContext | None = None,
        record: bool = True,
        facts: RequestFacts | None = None,
        phase: InputPhase | None = None,
    ) -> Decision:
        """Check ``messages`` (a text, Message objects or OpenAI dicts) at ``stage``.

        With ``record`` the decision is sent to the recorder (audit) with ``facts``; an edge
        that learns more before it can record (block response, stream) passes False and
        calls :meth:`arecord` itself. ``phase`` (input only) runs just the rules of that
        phase; :meth:`merge_phases` joins the two decisions into one.
        """
        stage = Stage(stage)
        context = context or CheckContext()
        default_role = "user" if stage is Stage.INPUT else "assistant"
        msgs = to_messages(messages, default_role=default_role)
        if not self._warm:
            await self.warmup()
        with self.telemetry.stage_span(stage, model=context.model,
                                       phase=phase if stage is Stage.INPUT else None) as span:
            rules = self.policy.rules_for(stage, context)
            if phase is not None and stage is Stage.INPUT:
                rules = [r for r in rules if self._runs_during(r) == (phase == "during")]
            decision = await self._evaluate(msgs, stage, context, rules)
            self.telemetry.record_decision(span, decision)
        if record:
            await self.arecord(decision, msgs, facts)
        return decision

    async def arecord(self, decision: Decision, original: Sequence[Message],
                      facts: RequestFacts | None = None) -> None:
        """Audit a decision made with ``record=False``: the one way decisions reach the
        recorder, with the policy's retention."""
        if self.recorder is not None:
            await self.recorder.record(decision, original=original,
                                       retention=self.policy.settings.retention, facts=facts)

    async def arecord_unchecked(self, context: CheckContext, facts: RequestFacts) -> None:
        """Audit an output nothing was checked on (no output rules, or the upstream failed
        first): the record still says how the request ended (``facts``)."""
        await self.arecord(self._unchecked(context, Stage.OUTPUT), (), facts)

    def _unchecked(self, context: CheckContext, stage: Stage) -> Decision:
        """A record-only decision for a request part nothing was checked on (``allow``,
        no rules): what the audit trail gets when the upstream failed or a stream ended
        before its first check."""
        return Decision(id=uuid.uuid4().hex, stage=stage, action=Action.ALLOW,
                        policy=self.policy.ref, rules=(), messages=(), context=context,
                        latency_ms={})

    # --- policy questions the edges ask -------------------------------------------------------

    def has_output_rules(self, context: CheckContext) -> bool:
        """Whether any output rule applies to this request (else a stream passes through)."""
        return self.policy.has_rules(Stage.OUTPUT, context)

    @property
    def stream_window(self) -> int:
        """Most characters a stream holds back: the policy's ``stream_window_chars``, raised to
        the longest span any output rule can match, so no forbidden span is ever partly sent.
        (Streams hold back less when no match is in progress: ``spans.hold_start``.)"""
        return max(self.policy.settings.stream_window_chars, output_span_chars(self.policy))

    @property
    def block_response(self) -> str:
        """How a block looks to the client: ``error`` (400 envelope) or ``refusal``."""
        return self.policy.settings.block_response

    @property
    def refusal_message(self) -> str:
        """The text of a ``refusal`` block response."""
        return self.policy.settings.refusal_message

    def open_stream(self, context: CheckContext, *, limits: StreamLimits | None = None,
                    check: MessageChecker | None = None,
                    facts: RequestFacts | None = None,
                    blocked_facts: RequestFacts | None = None,
                    client_streams: bool = True) -> StreamGuard:
        """A :class:`StreamGuard` for one streamed completion of this request.

        ``check`` replaces the plain output check (the sidecar times and counts it); ``facts``
        go into the stream's audit record (``blocked_facts`` instead when the decisive decision
        is a block), with the characters released unless the client does not stream (the
        sidecar assembling a JSON answer from a streamed upstream: nothing is released early).
        """
        limits = limits or StreamLimits()
        rules = self.policy.rules_for(Stage.OUTPUT, context)
        detectors = [r.spec.detector for r in rules]
        # The policy's window holds text back for the classifiers' context; pattern detectors
        # hold back only a match still in progress (``hold_start``), up to their longest span,
        # which the look-behind covers so a span split across checks is seen whole.
        window = self.policy.settings.stream_window_chars
        limits = replace(limits, window=window)
        lookbehind = max(limits.lookbehind(detectors), output_span_chars(self.policy))
        patterned = [d for d in {id(r.detector): r.detector for r in rules}.values()
                     if getattr(d, "max_match_chars", None)]
        hold_from = functools.partial(hold_start, patterned) if patterned else None

        async def output_check(messages: Sequence[Message]) -> Decision:
            return await self.acheck(messages, stage=Stage.OUTPUT, context=context, record=False)

        async def record(decision: Decision | None, original: Message, released: int,
                         upstream_error: str | None, end: str) -> None:
            blocked = decision is not None and decision.blocked
            base = blocked_facts if blocked and blocked_facts is not None else facts
            if client_streams:
                self.telemetry.record_stream_released(None, released)
            await self.arecord(decision or self._unchecked(context, Stage.OUTPUT),
                               [original] if decision else [],
                               replace(base or RequestFacts(), stream_chars_released=released
                                       if client_streams else None,
                                       upstream_error=upstream_error, stream_end=end))

        return StreamGuard(check or output_check, record, window=window,
                           lookbehind=lookbehind, max_check_chars=limits.max_check_chars,
                           hold_from=hold_from)

    def _runs_during(self, rule: Rule) -> bool:
        """Whether an input rule may run while the upstream call is in flight: it can only
        block or flag (a rewrite must reach the upstream first) and its mode is parallel."""
        spec = rule.spec
        if spec.outcome is Action.REWRITE:
            return False
        return (spec.input_mode or self.policy.settings.input_mode) == "parallel"

    def has_concurrent_input(self, context: CheckContext) -> bool:
        """Whether some input rule of this request runs during the upstream call."""
        return any(self._runs_during(r) for r in self.policy.rules_for(Stage.INPUT, context))

    def merge_phases(self, before: Decision, during: Decision) -> Decision:
        """One input decision from the two phases (``before`` holds any rewrite)."""
        order = {r.id: i for i, r in enumerate(self.policy.rules)}
        # A limit outcome (not a policy rule) is made by both phases: keep it once.
        unique = {o.rule_id: o for o in (*during.rules, *before.rules)}
        outcomes = tuple(sorted(unique.values(),
                                key=lambda o: order.get(o.rule_id, len(order))))
        action, shadow_action = combine(outcomes)
        latency = dict(before.latency_ms)
        for name, ms in during.latency_ms.items():
            latency[name] = latency.get(name, 0.0) + ms if name != "total" else max(
                latency.get(name, 0.0), ms)
        return replace(
            before, action=action, shadow_action=shadow_action, rules=outcomes,
            latency_ms=latency, messages=before.messages,
            block_message=_block_message(self.policy, outcomes)
            if action is Action.BLOCK else None)

    async def _evaluate(self, msgs: tuple[Message, ...], stage: Stage,
                        context: CheckContext, rules: Sequence[Rule]) -> Decision:
        started = time.perf_counter()
        settings = self.policy.settings
        segments, over_messages = limit_messages(
            extract(msgs, decode_chars=settings.max_scan_chars), len(msgs), settings)
        jobs, job_of_rule = plan(rules, segments, stage, settings.detector_timeout_ms / 1000,
                                 per_kchar_s=settings.detector_timeout_ms_per_1k_chars / 1000,
                                 max_chars=settings.max_scan_chars)
        limits = [r for r in (over_messages, limit_chars(jobs, segments, settings)) if r]
        if limits and settings.on_limit == "block":
            # Nothing is scanned: the cheapest answer to a request built to exhaust us.
            rules, jobs, results = [], [], []
            outcomes: tuple[RuleOutcome, ...] = (limit_outcome(limits, settings),)
        else:
            # Only input checks use the verdict cache: what repeats is the conversation sent
            # back every turn; completions are new, and each streaming check sees another text.
            results = await run_cached(
                self.verdicts if stage is Stage.INPUT else None, self.policy.hash, jobs,
                segments, lambda name: self.telemetry.detector_span(name, stage=stage))
            outcomes = tuple(
                evaluate_rule(rule, stage, results[job_of_rule[rule.id]], segments,
                              jobs[job_of_rule[rule.id]].rule_timeouts_s.get(rule.id))
                for rule in rules)
            if limits:
                outcomes += (limit_outcome(limits, settings),)
        action, shadow_action = combine(outcomes)
        out_msgs = msgs
        if action is Action.REWRITE:
            out_msgs = rewrite_messages(msgs, {r.id: r for r in rules}, outcomes, segments,
                                        self._hash_salt)
        latency = _latencies(jobs, results)
        latency["total"] = (time.perf_counter() - started) * 1000
        return Decision(
            id=uuid.uuid4().hex,
            stage=stage,
            action=action,
            policy=self.policy.ref,
            rules=outcomes,
            messages=out_msgs,
            context=context,
            latency_ms=latency,
            shadow_action=shadow_action,
            block_message=_block_message(self.policy, outcomes) if action is Action.BLOCK else None,
        )

    async def acheck_input(self, messages: MessagesLike, *, context: CheckContext | None = None,
                           **kwargs: Any) -> Decision:
        return await self.acheck(messages, stage=Stage.INPUT, context=_ctx(context, kwargs))

    async def acheck_output(self, messages: MessagesLike, *, context: CheckContext | None = None,
                            **kwargs: Any) -> Decision:
        return await self.acheck(messages, stage=Stage.OUTPUT, context=_ctx(context, kwargs))

    async def warmup(self) -> None:
        """Load every detector's models now rather than inside a request's time budget.

        Detector timeouts are meant for inference, not for a 5-second model load, so the first
        check waits for this to finish (once) before it starts the clock.
        """
        async with self._warm_lock:
            if self._warm:
                return
            for detector in self.policy.detectors():
                warm = getattr(detector, "warmup", None)
                if warm is None:
                    continue
                if asyncio.iscoroutinefunction(warm):
                    await warm()
                else:
                    await run_sync(warm)
            self._warm = True

    async def aclose(self) -> None:
        self.close()

    # --- sync layer ---------------------------------------------------------------------------

    def check(self, messages: MessagesLike, *, stage: Stage | str,
              context: CheckContext | None = None, **kwargs: Any) -> Decision:
        return self.call_sync(self.acheck(messages, stage=stage, context=_ctx(context, kwargs)))

    def check_input(self, messages: MessagesLike, *, context: CheckContext | None = None,
                    **kwargs: Any) -> Decision:
        return self.call_sync(self.acheck_input(messages, context=_ctx(context, kwargs)))

    def check_output(self, messages: MessagesLike, *, context: CheckContext | None = None,
                     **kwargs: Any) -> Decision:
        return self.call_sync(self.acheck_output(messages, context=_ctx(context, kwargs)))

    def close(self) -> None:
        """Stop the background loop used by the sync methods."""
        loop, self._loop = self._loop, None
        if loop is not None:
            loop.call_soon_threadsafe(loop.stop)

    def wrap(self, client: Any, **context: Any) -> Any:
        """Return ``client`` with its model-calling methods guarded and every other one
        refused with :class:`~guard.errors.UnguardedCallError` (see guard.hook).

        ``context`` (tenant, route, user) applies to every call; the model comes from the call.
        """
        from guard.hook import wrap_client

        return wrap_client(self, client, **context)

    def call_sync(self, coro: Coroutine[Any, Any, _T]) -> _T:
        """Run ``coro`` on the guard's own loop and wait (the sync layer; streaming hooks)."""
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        loop = self._background_loop()
        if running is loop:
            coro.close()
            raise RuntimeError("sync Guard methods cannot be called from Guard's own loop")
        return asyncio.run_coroutine_threadsafe(coro, loop).result()

    def _background_loop(self) -> asyncio.AbstractEventLoop:
        with self._loop_lock:
            if self._loop is None:
                loop = asyncio.new_event_loop()
                thread = threading.Thread(target=loop.run_forever, name="guard-sync-loop",
                                          daemon=True)
                thread.start()
                self._loop = loop
            return self._loop


def _ctx(context: CheckContext | None, kwargs: Mapping[str, Any]) -> CheckContext:
    if context is not None and kwargs:
        raise TypeError("pass either context= or tenant=/model=/route=/user=, not both")
    return context or CheckContext(**kwargs)


def _latencies(jobs: Sequence[DetectorJob],
               results: Sequence[DetectorResult]) -> dict[str, float]:
    latency: dict[str, float] = {}
    for job, result in zip(jobs, results, strict=True):
        name = job.detector.name
        latency[name] = latency.get(name, 0.0) + result.latency_ms
    return latency


def _block_message(policy: Policy, outcomes: Sequence[RuleOutcome]) -> str:
    fired = [o.rule_id for o in outcomes if o.fired and o.action is Action.BLOCK
             and o.mode is Mode.ENFORCE]
    return f"Blocked by policy {policy.name!r} (rules: {', '.join(fired)})"


def _hash_key(policy: Policy, explicit: str | None) -> bytes:
    """The ``hash`` rewrite's key, resolved once: the given secret, else the installation
    secret (created at first use) — but only for a policy that hashes, so a library host
    whose policy never hashes gets no secret file written on its behalf."""
    if explicit is not None:
        return Secret(explicit.encode(), "argument").derive(REWRITE_HASH)
    if not any(rule.spec.action == "rewrite" and rule.spec.rewrite.method == "hash"
               for rule in policy.rules):
        return b""
    return secret_from_env(policy.settings.hash_salt_env).derive(REWRITE_HASH)
