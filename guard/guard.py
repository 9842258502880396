"""The ``Guard`` facade: one async core that every entry point (hook, sidecar, CLI) calls.

The sync methods are a thin layer over the async core, run on one private event loop in a
background thread, so detectors that keep per-loop state (micro-batchers) work the same way
from sync and async callers, and there is only one implementation to test.
"""

from __future__ import annotations

import asyncio
import threading
import time
import uuid
from collections.abc import Coroutine, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from guard.detectors.base import run_sync
from guard.detectors.registry import DetectorRegistry
from guard.engine.decide import combine, evaluate_rule, rewrite_messages
from guard.engine.runner import DetectorJob, DetectorResult, run_detectors
from guard.engine.segments import Segment, extract, to_messages
from guard.observe import DecisionRecorder
from guard.policy.compiled import Policy, Rule, load_policy
from guard.telemetry import Telemetry
from guard.types import Action, CheckContext, Decision, Message, Mode, RuleOutcome, Stage

if TYPE_CHECKING:
    from opentelemetry.metrics import MeterProvider
    from opentelemetry.trace import TracerProvider

_T = TypeVar("_T")
MessagesLike = str | Sequence[Message | Mapping[str, Any]]


class Guard:
    """Checks prompts and completions against one policy.

    Args:
        policy: a loaded policy (see :meth:`from_file`).
        recorder: where decisions are audited (e.g. ``guard.audit.open_recorder()``);
            None records nothing.
        telemetry: span/metric helpers; by default built from the given providers
            (no-op when none are given).
    """

    def __init__(
        self,
        policy: Policy,
        *,
        recorder: DecisionRecorder | None = None,
        telemetry: Telemetry | None = None,
        tracer_provider: TracerProvider | None = None,
        meter_provider: MeterProvider | None = None,
    ) -> None:
        self.policy = policy
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
        extra: Mapping[str, Any] | None = None,
    ) -> Decision:
        """Check ``messages`` (a text, Message objects or OpenAI dicts) at ``stage``.

        With ``record`` the decision is sent to the recorder (audit); the sidecar passes
        False while a stream is still growing and records the final decision itself.
        """
        stage = Stage(stage)
        context = context or CheckContext()
        default_role = "user" if stage is Stage.INPUT else "assistant"
        msgs = to_messages(messages, default_role=default_role)
        if not self._warm:
            await self.warmup()
        with self.telemetry.stage_span(stage, model=context.model) as span:
            decision = await self._evaluate(msgs, stage, context)
            self.telemetry.record_decision(span, decision)
        if record and self.recorder is not None:
            await self.recorder.record(decision, original=msgs,
                                       retention=self.policy.settings.retention, extra=extra)
        return decision

    async def _evaluate(self, msgs: tuple[Message, ...], stage: Stage,
                        context: CheckContext) -> Decision:
        started = time.perf_counter()
        rules = self.policy.rules_for(stage, context)
        segments = extract(msgs)
        jobs, job_of_rule = self._plan(rules, segments, stage)
        results = await run_detectors(
            jobs, segments, lambda name: self.telemetry.detector_span(name, stage=stage))
        outcomes = tuple(
            evaluate_rule(rule, stage, results[job_of_rule[rule.id]], segments) for rule in rules)
        action, shadow_action = combine(outcomes)
        out_msgs = msgs
        if action is Action.REWRITE:
            out_msgs = rewrite_messages(msgs, {r.id: r for r in rules}, outcomes, segments,
                                        self.policy.settings.hash_salt_env)
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

    def _plan(self, rules: Sequence[Rule], segments: Sequence[Segment],
              stage: Stage) -> tuple[list[DetectorJob], dict[str, int]]:
        """One job per distinct detector instance, over the union of its rules' segments."""
        jobs: list[DetectorJob] = []
        by_detector: dict[int, int] = {}
        job_of_rule: dict[str, int] = {}
        default_timeout = self.policy.settings.detector_timeout_ms / 1000
        for rule in rules:
            key = id(rule.detector)
            if key not in by_detector:
                by_detector[key] = len(jobs)
                jobs.append(DetectorJob(rule.detector, [], default_timeout))
            job = jobs[by_detector[key]]
            if rule.spec.timeout_ms is not None:
                job.timeout_s = max(job.timeout_s, rule.spec.timeout_ms / 1000)
            roles = rule.roles(stage)
            wanted = {i for i, s in enumerate(segments) if s.ref.role in roles}
            job.segment_ids = sorted(set(job.segment_ids) | wanted)
            job_of_rule[rule.id] = by_detector[key]
        return jobs, job_of_rule

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
        return self._run(self.acheck(messages, stage=stage, context=_ctx(context, kwargs)))

    def check_input(self, messages: MessagesLike, *, context: CheckContext | None = None,
                    **kwargs: Any) -> Decision:
        return self._run(self.acheck_input(messages, context=_ctx(context, kwargs)))

    def check_output(self, messages: MessagesLike, *, context: CheckContext | None = None,
                     **kwargs: Any) -> Decision:
        return self._run(self.acheck_output(messages, context=_ctx(context, kwargs)))

    def close(self) -> None:
        """Stop the background loop used by the sync methods."""
        loop, self._loop = self._loop, None
        if loop is not None:
            loop.call_soon_threadsafe(loop.stop)

    def wrap(self, client: Any, **context: Any) -> Any:
        """Return ``client`` with ``chat.completions.create`` guarded (see guard.hook).

        ``context`` (tenant, route, user) applies to every call; the model comes from the call.
        """
        from guard.hook import wrap_client

        return wrap_client(self, client, **context)

    def _run(self, coro: Coroutine[Any, Any, _T]) -> _T:
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
