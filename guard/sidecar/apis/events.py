"""Guarded relay of typed event streams (Responses API, Anthropic Messages): the upstream's
events in, ``event: <type>`` SSE out, with text released only as the core stream guard allows.

An API module supplies an :class:`EventAdapter`. It turns each upstream event into steps for
the core: chat-shaped chunks carrying the event's text (one core "choice" per output block,
so each block has its own hold-back), ``settle`` (the block ended: check and release its
tail now, so blocks go out in order), or an event to send once everything before it was
released (the adapter rewrites any text it repeats, e.g. ``*.done`` events). Released chunks
go back through the adapter, which frames them as that API's delta events.
"""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import ExitStack
from dataclasses import replace
from typing import Any, Protocol

from guard.engine.stream import StreamLimits
from guard.formats.events import Chunk, Emit, Settle, Step
from guard.guard import Guard
from guard.sidecar.errors import UpstreamFailure
from guard.sidecar.responses import SSE_HEADERS, decision_headers
from guard.sidecar.state import SidecarState
from guard.sidecar.stream import GuardStreamingResponse, OpenedStream
from guard.sidecar.upstream import Target
from guard.types import CheckContext, Decision, Message, Stage

log = logging.getLogger("guard.sidecar.apis")

__all__ = ["Chunk", "Emit", "EventAdapter", "Settle", "Step", "frame", "relay_events"]


class EventAdapter(Protocol):
    def inbound(self, event: dict[str, Any]) -> list[Step]: ...

    def released(self, chunk: dict[str, Any]) -> list[dict[str, Any]]:
        """Events for one released core chunk (text of one block)."""
        ...

    def emit(self, event: dict[str, Any]) -> list[dict[str, Any]]:
        """Events for an :class:`Emit` (its text rewritten to what was released)."""
        ...

    def blocked(self, decision: Decision, mode: str, message: str) -> list[dict[str, Any]]:
        """The API's own ending for a stream blocked mid-way (``mode``: error | refusal)."""
        ...

    def failed(self, exc: UpstreamFailure) -> list[dict[str, Any]]:
        """The API's own error event for an upstream that failed mid-stream."""
        ...


def frame(event: Mapping[str, Any]) -> bytes:
    kind = event.get("type")
    head = f"event: {kind}\n".encode() if isinstance(kind, str) else b""
    return head + b"data: " + json.dumps(event, separators=(",", ":")).encode() + b"\n\n"


def relay_events(state: SidecarState, guard: Guard, context: CheckContext, target: Target,
                 body: Mapping[str, Any], opened: OpenedStream, input_decision: Decision | None,
                 adapter: EventAdapter, *, close_after: ExitStack | None = None
                 ) -> GuardStreamingResponse:
    """Relay an opened upstream event stream (:func:`~guard.sidecar.stream.open_upstream_stream`),
    guarded when output rules are active."""
    stack, events = opened
    guarded = guard.has_output_rules(context)
    client_model = str(body.get("model", ""))
    server = state.config.server
    limits = StreamLimits(lookbehind_chars=server.stream_lookbehind_chars,
                          max_check_chars=server.stream_max_check_chars,
                          detector_lookbehind_chars=server.detector_lookbehind_chars)

    async def check(messages: Sequence[Message]) -> Decision:
        return await state.check(guard, messages, Stage.OUTPUT, context, record=False)

    core = guard.open_stream(context, limits=limits, check=check, facts=replace(
        events.facts, upstream_status=200, http_status=200))

    async def relay() -> AsyncIterator[bytes]:
        try:
            async for batch in events:
                out: list[dict[str, Any]] = []
                for item in batch:
                    event = _client_model(item.data, client_model)
                    if not guarded:
                        out.append(event)
                        continue
                    for step in adapter.inbound(event):
                        if isinstance(step, Chunk):
                            core.ingest(step.chunk)
                        elif isinstance(step, Emit):
                            out.extend(adapter.emit(step.event))
                        else:
                            released = await core.release(final=True, only=step.index)
                            for chunk in released.chunks:
                                out.extend(adapter.released(chunk))
                            if released.blocked is not None:
                                yield _join(out + _block(adapter, guard, released.blocked))
                                return
                if guarded:
                    released = await core.release()
                    for chunk in released.chunks:
                        out.extend(adapter.released(chunk))
                    if released.blocked is not None:
                        yield _join(out + _block(adapter, guard, released.blocked))
                        return
                if out:
                    yield _join(out)
            if guarded:
                await core.finish()  # every block was settled; this audits
        except UpstreamFailure as exc:
            state.metrics.upstream_errors.labels(target.name, str(exc.status)).inc()
            yield _join(adapter.failed(exc))
            if guarded:
                await core.audit(upstream_error=exc.message)
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            # An event this relay cannot read: end with the API's error event, never a cut
            # connection; nothing unchecked was sent.
            log.warning("unreadable stream event from %s: %r", target.name, exc)
            failure = UpstreamFailure(502, f"Upstream '{target.name}' sent an unreadable "
                                      "stream event.", code="upstream_bad_response")
            yield _join(adapter.failed(failure))
            if guarded:
                await core.audit(upstream_error=failure.message)

    async def body_iter() -> AsyncIterator[bytes]:
        try:
            async for chunk in relay():
                yield chunk
        finally:
            await stack.aclose()

    response = GuardStreamingResponse(body_iter(), media_type="text/event-stream", headers={
        **SSE_HEADERS, **events.headers, **decision_headers(input_decision)})
    response.close_after = close_after
    return response


def _client_model(event: dict[str, Any], model: str) -> dict[str, Any]:
    """An alias answers under the client's name also inside ``response`` / ``message``
    objects of stream events (the upstream client renames only top-level fields)."""
    for key in ("response", "message"):
        inner = event.get(key)
        if isinstance(inner, dict) and "model" in inner and model:
            event[key] = {**inner, "model": model}
    return event


def _block(adapter: EventAdapter, guard: Guard, decision: Decision) -> list[dict[str, Any]]:
    return adapter.blocked(decision, guard.block_response, guard.refusal_message)


def _join(events: list[dict[str, Any]]) -> bytes:
    return b"".join(frame(e) for e in events)
