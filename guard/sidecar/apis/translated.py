"""One guarded round trip for the APIs whose wire format is translated to messages (Responses,
Anthropic Messages): check the input, call the upstream or open its event stream, check the
output, write each rewrite back in the API's own shape. Only the format differs per route."""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import ExitStack
from dataclasses import replace
from typing import Any, Protocol

from fastapi.responses import Response

from guard.sidecar.apis import flow
from guard.sidecar.apis.events import EventAdapter, relay_events
from guard.sidecar.jsonutil import SafeJSONResponse
from guard.sidecar.responses import decision_headers
from guard.sidecar.stream import OpenedStream, open_upstream_stream
from guard.sidecar.upstream import UpstreamReply
from guard.types import Action, Decision, Message


class WireFormat(Protocol):
    """The four translations a format module provides (``guard.formats.*``)."""

    def request_messages(self, raw: dict[str, Any]) -> tuple[tuple[Message, ...], Any]: ...

    def rewrite_request(self, raw: dict[str, Any], messages: Sequence[Message],
                        places: Any) -> dict[str, Any]: ...

    def response_messages(self, data: dict[str, Any]) -> tuple[tuple[Message, ...], Any]: ...

    def rewrite_response(self, data: dict[str, Any], messages: Sequence[Message],
                         places: Any) -> None: ...


async def round_trip(exchange: flow.Exchange, raw: dict[str, Any], *, wire: WireFormat,
                     events: EventAdapter, operation: str, stream: bool,
                     blocked: flow.Blocked, span: ExitStack) -> Response:
    """The guarded exchange; a stream keeps ``span`` open until its last byte is sent."""
    state, caller, target, guard, context = exchange
    messages, places = wire.request_messages(raw)
    headers = flow.forward_headers(caller)

    def prepared(decision: Decision) -> dict[str, Any]:
        if decision.action is Action.REWRITE:
            return wire.rewrite_request(raw, decision.messages, places)
        return raw

    if stream:
        async def open_stream(decision: Decision) -> OpenedStream:
            return await open_upstream_stream(state, target, prepared(decision), headers,
                                              operation=operation)

        input_decision, opened = await flow.checked_call(exchange, messages, blocked,
                                                         open_stream)
        if isinstance(opened, Response):
            return opened
        return relay_events(state, guard, context, target, raw, opened, input_decision, events,
                            close_after=span.pop_all())

    async def call(decision: Decision) -> UpstreamReply:
        return await flow.upstream_reply(state, target, prepared(decision), headers, operation)

    input_decision, reply = await flow.checked_call(exchange, messages, blocked, call)
    if isinstance(reply, Response):
        return reply
    data = reply.data
    if not guard.has_output_rules(context):
        # Nothing to check, but the record still says how the request ended and who answered.
        await guard.arecord_unchecked(context, replace(reply.facts, upstream_status=200,
                                                       http_status=200))
        return SafeJSONResponse(data, headers={**reply.headers,
                                               **decision_headers(input_decision)})
    out_messages, out_places = wire.response_messages(data)
    decision, refused = await flow.screen_output(state, guard, context, out_messages, reply,
                                                 blocked)
    if refused is not None:
        return refused
    if decision.action is Action.REWRITE:
        wire.rewrite_response(data, decision.messages, out_places)
    return SafeJSONResponse(data, headers={
        **reply.headers, **decision_headers(flow.strongest(input_decision, decision))})
