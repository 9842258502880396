"""The one streaming guard: what may leave a streamed chat completion, choice by choice.

Both edges use it: the sidecar frames its chunks as SSE, the library hook turns them into the
``openai`` client's chunk objects. Everything that decides *what* is sent lives here:

- every choice (``n > 1``) has its own :class:`~guard.engine.holdback.HoldBack` (window plus
  look-behind, rewrite alignment), so choices are checked and released separately;
- tool-call deltas are assembled per choice and checked whole when the upstream finishes
  (half a JSON object cannot be judged), like refusals;
- reasoning text (DeepSeek R1's ``reasoning_content`` delta) has a hold-back of its own, so it
  is checked and released like content; ``logprobs`` go out with the text they cover (dropped
  where a rewrite changed it: token strings would leak it); delta fields Guard does not know
  are passed on at once, unchecked;
- the decisive decision and the number of characters sent before it go to ``record`` once.

Chunks in and out are OpenAI ``chat.completion.chunk`` dicts; each released chunk carries one
choice. The caller drives the loop: :meth:`StreamGuard.ingest` each upstream chunk,
:meth:`StreamGuard.release` when it wants text released (after every chunk, or after a batch),
:meth:`StreamGuard.finish` when the upstream is done, and reads :attr:`StreamStep.blocked`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from guard.engine.holdback import HoldBack, HoldFrom
from guard.types import Action, Decision, Message

MessageChecker = Callable[[Sequence[Message]], Awaitable[Decision]]
"""Runs the output policy on assistant messages (no audit): the core's decision."""

StreamRecorder = Callable[["Decision | None", Message, int, "str | None", str], Awaitable[None]]
"""Audits the stream's decisive decision: (decision, or None when no check ran yet; checked
message; characters released; upstream error that ended the stream or None; how the stream
ended: ``completed``, ``blocked``, ``upstream_failed``, ``client_disconnected``)."""

Chunk = dict[str, Any]


CLASSIFIER_LOOKBEHIND_CHARS = 512
"""Context a window classifier needs before the release point: its sentence windows are at
most 34 tokens (~160 characters) and start on sentence boundaries, so a window ending at the
release point starts within this many characters of it (a shorter checked text would fit one
128-token window and dilute a hostile sentence); more context only re-checks released text."""


def default_detector_lookbehind() -> dict[str, int]:
    """Per-detector look-behind defaults (the sidecar's ``detector_lookbehind_chars``)."""
    return {"content_safety": CLASSIFIER_LOOKBEHIND_CHARS,
            "prompt_attack": CLASSIFIER_LOOKBEHIND_CHARS}


@dataclass(frozen=True, slots=True)
class StreamLimits:
    """How much text a streaming check holds back and looks behind.

    ``window`` comes from the policy (``stream_window_chars``); the rest are defaults shared by
    the sidecar (which may override them in its server config) and the library hook.
    """

    window: int = 64
    lookbehind_chars: int = 128
    max_check_chars: int = 256
    detector_lookbehind_chars: Mapping[str, int] = field(
        default_factory=default_detector_lookbehind)

    def lookbehind(self, detectors: Sequence[str]) -> int:
        """Look-behind for the active output detectors: the largest that any of them needs."""
        return max([self.lookbehind_chars, self.window,
                    *(self.detector_lookbehind_chars.get(d, 0) for d in detectors)])


@dataclass(frozen=True, slots=True)
class StreamStep:
    """Chunks that may be sent now, and the blocking decision when the stream must end."""

    chunks: list[Chunk]
    blocked: Decision | None = None


_KNOWN_DELTA = frozenset({"content", "reasoning_content", "refusal", "tool_calls", "role"})


@dataclass
class _Choice:
    hold: HoldBack
    reasoning: HoldBack
    logprobs: list[Any] = field(default_factory=list)
    logprobs_at: int = 0       # characters of ``hold.text`` the released/dropped entries cover
    tool_calls: dict[int, dict[str, Any]] = field(default_factory=dict)
    refusal: str = ""
    finish_reason: str | None = None
    finished: bool = False


class StreamGuard:
    """Guard state of one streamed completion (see the module docstring).

    Args:
        check: runs the output policy on messages, without auditing.
        record: audits the decisive decision once, when the stream ends or is blocked.
        window: characters held back at the end of each choice.
        lookbehind: released characters re-checked as context.
        max_check_chars: most unreleased characters the first check of a burst covers.
        hold_from: where open pattern matches start, held back beyond ``window``.
    """

    def __init__(self, check: MessageChecker, record: StreamRecorder | None, *, window: int,
                 lookbehind: int, max_check_chars: int = 0,
                 hold_from: HoldFrom | None = None) -> None:
        self._check_messages = check
        self._hold_from = hold_from
        self._record = record
        self.window = window
        self.lookbehind = lookbehind
        self.max_check_chars = max_check_chars
        self.choices: dict[int, _Choice] = {}
        self.template: Chunk = {}
        self.tail: list[Chunk] = []
        self.done = False
        self._recorded = False

    # --- state -------------------------------------------------------------------------------

    @property
    def released_chars(self) -> int:
        """Characters of content sent to the client so far, all choices together."""
        return sum(c.hold.sent_chars + c.reasoning.sent_chars for c in self.choices.values())

    @property
    def checks(self) -> list[int]:
        """Checks run per choice (a gauge of how the window batched the stream)."""
        return [c.hold.checks + c.reasoning.checks for c in self.choices.values()]

    def _choice(self, index: int) -> _Choice:
        if index not in self.choices:
            def hold() -> HoldBack:
                return HoldBack(self._check_text, window=self.window,
                                lookbehind=self.lookbehind, max_check_chars=self.max_check_chars,
                                hold_from=self._hold_from)
            self.choices[index] = _Choice(hold(), hold())
        return self.choices[index]

    async def _check_text(self, text: str) -> Decision:
        return await self._check_messages([Message("assistant", text)])

    def chunk(self, index: int, delta: Mapping[str, Any], finish: str | None = None,
              logprobs: Any = None, **extra: Any) -> Chunk:
        """One outgoing chunk for choice ``index``, shaped like the upstream's chunks."""
        return {**self.template, **extra, "choices": [
            {"index": index, "delta": dict(delta), "logprobs": logprobs,
             "finish_reason": finish}]}

    # --- the loop ----------------------------------------------------------------------------

    def ingest(self, event: Mapping[str, Any]) -> list[Chunk]:
        """Take one upstream chunk in; return what may be sent at once (never content)."""
        self.template = {k: v for k, v in event.items() if k not in ("choices", "usage")}
        out: list[Chunk] = []
        choices = event.get("choices")
        if not choices:
            if event.get("usage") is not None:
                self.tail.append(dict(event))
            return out
        for raw in choices:
            if not isinstance(raw, Mapping):
                continue
            index = raw.get("index", 0) if isinstance(raw.get("index"), int) else 0
            choice = self._choice(index)
            delta = raw.get("delta") or {}
            content = delta.get("content")
            if isinstance(content, str) and content:
                choice.hold.feed(content)
            reasoning = delta.get("reasoning_content")
            if isinstance(reasoning, str) and reasoning:
                choice.reasoning.feed(reasoning)
            logprobs = raw.get("logprobs")
            if isinstance(logprobs, Mapping) and isinstance(logprobs.get("content"), list):
                choice.logprobs.extend(logprobs["content"])
            if isinstance(delta.get("refusal"), str):
                choice.refusal += delta["refusal"]
            for call in delta.get("tool_calls") or []:
                _merge_tool_call(choice.tool_calls, call)
            if delta.get("role"):
                out.append(self.chunk(index, {"role": delta["role"], "content": ""}))
            unknown = {k: v for k, v in delta.items() if k not in _KNOWN_DELTA and v is not None}
            if unknown:
                out.append(self.chunk(index, unknown))
            if raw.get("finish_reason"):
                choice.finish_reason = raw["finish_reason"]
        return out

    def releasable(self, *, final: bool = False) -> bool:
        """Whether :meth:`release` has text to check."""
        return any(h.releasable(final=final) for c in self.choices.values()
                   for h in (c.reasoning, c.hold))

    async def release(self, *, final: bool = False,
                      interrupted: Callable[[], bool] = lambda: False,
                      only: int | None = None) -> StreamStep:
        """Check and release what each choice's hold-back allows.

        ``interrupted`` is asked between checks; when it says True (new upstream chunks wait)
        the caller takes them in first, since they may change the picture. ``only`` limits it
        to one choice: with ``final``, APIs whose output is a sequence of blocks (Responses,
        Anthropic) close one block before the next starts.
        """
        out: list[Chunk] = []
        for index, choice in sorted(self.choices.items()):
            if only is not None and index != only:
                continue
            for hold, key in ((choice.reasoning, "reasoning_content"), (choice.hold, "content")):
                while hold.releasable(final=final):
                    step = await hold.advance(final=final)
                    if step.blocked and step.decision is not None:
                        return StreamStep(out, await self._block(
                            step.decision, Message("assistant", hold.segment)))
                    if step.text:
                        logprobs = None
                        if key == "content":
                            logprobs = _take_logprobs(choice, step.text)
                        out.append(self.chunk(index, {key: step.text}, logprobs=logprobs))
                    if not final and interrupted():
                        return StreamStep(out)
        return StreamStep(out)

    async def finish(self) -> StreamStep:
        """Upstream done: release every tail, check held tool calls and refusals, close every
        choice (finish reasons, then usage chunks), and audit."""
        self.done = True
        released = await self.release(final=True)
        if released.blocked is not None:
            return released
        out = released.chunks
        for index, choice in sorted(self.choices.items()):
            if choice.tool_calls or choice.refusal:
                message: dict[str, Any] = {"role": "assistant", "content": choice.refusal or None}
                if choice.tool_calls:
                    calls = choice.tool_calls
                    message["tool_calls"] = [calls[i] for i in sorted(calls)]
                decision = await self._check_messages([Message.from_dict(message)])
                choice.hold.remember(decision, str(message.get("content") or ""))
                if decision.action is Action.BLOCK:
                    return StreamStep(out, await self._block(decision, Message.from_dict(message)))
                final = decision.messages[0].to_dict() if decision.messages else message
                for i, call in enumerate(final.get("tool_calls") or []):
                    out.append(self.chunk(index, {"tool_calls": [{"index": i, **call}]}))
                if choice.refusal:
                    out.append(self.chunk(index, {"refusal": final.get("content") or ""}))
            out.append(self.chunk(index, {}, choice.finish_reason or "stop"))
            choice.finished = True
        out.extend(self.tail)
        await self.audit()
        return StreamStep(out)

    def open_choices(self) -> list[int]:
        """Choices not yet closed (a block closes them with ``content_filter``)."""
        return [i for i, c in sorted(self.choices.items()) if not c.finished]

    async def _block(self, decision: Decision, original: Message) -> Decision:
        await self.audit(decision, original, end="blocked")
        return decision

    @property
    def recorded(self) -> bool:
        """Whether the stream's audit record was written (else the edge must say why not)."""
        return self._recorded

    async def audit(self, decision: Decision | None = None, original: Message | None = None,
                    *, upstream_error: str | None = None, end: str = "completed") -> None:
        """Record the stream once: the decisive check (the given one, else the strongest of
        any choice, else none when nothing was checked yet), the characters sent before it,
        and how the stream ended."""
        if self._recorded or self._record is None:
            return
        if decision is None:
            holds = [h for c in self.choices.values() for h in (c.reasoning, c.hold)
                     if h.decision is not None]
            if holds:
                best = max(holds, key=lambda h: h.decision.action.severity if h.decision else 0)
                decision, original = best.decision, Message("assistant", best.segment)
        self._recorded = True
        await self._record(decision, original or Message("assistant", ""), self.released_chars,
                           upstream_error, end)


def _take_logprobs(choice: _Choice, released: str) -> dict[str, Any] | None:
    """The logprob entries whose tokens the content released so far covers. An entry goes out
    only if its token is found, in order, in the text just released: a token a rewrite changed
    is dropped (its string would leak the original)."""
    taken: list[Any] = []
    cursor = 0
    while choice.logprobs:
        entry = choice.logprobs[0]
        token = entry.get("token") if isinstance(entry, Mapping) else None
        size = len(token) if isinstance(token, str) else 0
        if choice.logprobs_at + size > choice.hold.released:
            break
        choice.logprobs.pop(0)
        choice.logprobs_at += size
        found = released.find(token, cursor) if isinstance(token, str) else -1
        if found >= 0:
            taken.append(entry)
            cursor = found + size
    return {"content": taken, "refusal": None} if taken else None


def _merge_tool_call(calls: dict[int, dict[str, Any]], delta: Any) -> None:
    """Accumulate one streamed tool-call delta (arguments arrive in pieces)."""
    if not isinstance(delta, Mapping):
        return
    index = delta.get("index", 0) if isinstance(delta.get("index"), int) else 0
    call = calls.setdefault(index, {"id": None, "type": "function",
                                    "function": {"name": "", "arguments": ""}})
    if delta.get("id"):
        call["id"] = delta["id"]
    if delta.get("type"):
        call["type"] = delta["type"]
    fn = delta.get("function") or {}
    if fn.get("name"):
        call["function"]["name"] += fn["name"]
    if isinstance(fn.get("arguments"), str):
        call["function"]["arguments"] += fn["arguments"]
