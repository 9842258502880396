"""The upstream calls over ``httpx``'s own transport (``server.http_client: httpx``).

The sidecar's default client is an ``httpx.AsyncClient`` over the aiohttp transport
(``guard/sidecar/upstreams/aiohttp_transport.py``), which must make ``aiohttp`` look like
``httpx``'s own transport, failures included; the rest of the sidecar suite runs over it. So
the tests that pin those behaviours run here again over ``httpx``'s own transport: answers
assembled from a stream, an upstream that refuses to stream, timeouts (504), refused, dropped
and malformed answers (502), faults mid-stream, and a blocked prompt whose upstream request is
closed.
"""

from __future__ import annotations

import httpx
import pytest

from guard.sidecar.config import ServerConfig
from guard.sidecar.upstreams.aiohttp_transport import AiohttpTransport
from tests.sidecar import test_assembled as assembled
from tests.sidecar import test_errors as errors
from tests.sidecar import test_parallel_input as parallel_input
from tests.sidecar.conftest import HTTP_CLIENT_ENV, SidecarFactory
from tests.sidecar.test_parallel_input import parallel  # noqa: F401 (fixture)
from tests.support.stub_upstream import StubUpstream


@pytest.fixture(autouse=True)
def _httpx_client(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(HTTP_CLIENT_ENV, "httpx")


def test_aiohttp_is_the_default_client(sidecar_factory: SidecarFactory,
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    assert ServerConfig().http_client == "aiohttp"
    monkeypatch.delenv(HTTP_CLIENT_ENV)
    client = sidecar_factory().app.state.sidecar.upstreams.client
    assert isinstance(client._transport, AiohttpTransport)


def test_the_sidecar_calls_upstreams_through_httpx_when_told(sidecar_factory: SidecarFactory,
                                                             stub: StubUpstream) -> None:
    sidecar = sidecar_factory()
    client = sidecar.app.state.sidecar.upstreams.client
    assert isinstance(client._transport, httpx.AsyncHTTPTransport)
    assert not isinstance(client._transport, AiohttpTransport)
    stub.reply = "Over httpx, word by word."
    for stream in (False, True):
        resp = httpx.post(f"{sidecar.base_url}/chat/completions", timeout=10, json={
            "model": "stub-model", "stream": stream,
            "messages": [{"role": "user", "content": "hello"}]})
        assert resp.status_code == 200
        assert ("Over httpx, word by word." in resp.text) if not stream else (
            "httpx" in resp.text and resp.text.rstrip().endswith("data: [DONE]"))


test_answer_has_the_non_stream_shape = assembled.test_answer_has_the_non_stream_shape
test_tool_calls_and_several_choices_are_assembled = (
    assembled.test_tool_calls_and_several_choices_are_assembled)
test_block_in_the_stream_is_the_normal_block_response = (
    assembled.test_block_in_the_stream_is_the_normal_block_response)
test_an_upstream_that_refuses_to_stream_is_asked_again_then_read_as_json = (
    assembled.test_an_upstream_that_refuses_to_stream_is_asked_again_then_read_as_json)
test_upstream_faults_non_stream = errors.test_upstream_faults_non_stream
test_upstream_down_gets_502 = errors.test_upstream_down_gets_502
test_upstream_faults_mid_stream_end_with_error_event = (
    errors.test_upstream_faults_mid_stream_end_with_error_event)
test_blocked_prompt_never_lets_an_upstream_byte_through = (
    parallel_input.test_blocked_prompt_never_lets_an_upstream_byte_through)
test_cancelled_upstream_request_is_closed = parallel_input.test_cancelled_upstream_request_is_closed
