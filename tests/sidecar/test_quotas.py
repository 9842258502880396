"""Per-tenant limits (issue 14): 429 with Retry-After and x-ratelimit-* for the tenant over
its limit, nobody else; token usage from the upstream; counters shared through PostgreSQL."""

from __future__ import annotations

import asyncio
import json
import os
import time
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import openai
import pytest

from guard.detectors.registry import DetectorRegistry
from guard.sidecar.app import create_app
from guard.sidecar.config import (
    ServerConfig,
    SidecarConfig,
    TenantConfig,
    TenantLimits,
    UpstreamConfig,
    hash_key,
)
from guard.sidecar.quota_store import MemoryQuotaStore, PostgresQuotaStore
from guard.sidecar.quotas import UsageMeter
from tests.sidecar.conftest import POLICIES, MemoryRecorder, ServerThread
from tests.support.stub_upstream import StubUpstream

USER = [{"role": "user", "content": "hello there"}]


def tenants(**limits: TenantLimits | None) -> dict[str, TenantConfig]:
    return {name: TenantConfig(key_hashes=(hash_key(f"key-{name}"),), limits=lim)
            for name, lim in limits.items()}


def auth(name: str) -> dict[str, str]:
    return {"authorization": f"Bearer key-{name}"}


@pytest.fixture
def serve(stub: StubUpstream, registry: DetectorRegistry) -> Iterator[Any]:
    servers: list[ServerThread] = []

    def make(config_tenants: dict[str, TenantConfig], audit_url: str | None = None) -> str:
        config = SidecarConfig(policy=str(POLICIES / "input-only.yaml"),
                               upstreams={"stub": UpstreamConfig(base_url=stub.base_url)},
                               tenants=config_tenants, audit_url=audit_url,
                               server=ServerConfig(warm_moderation=False))
        server = ServerThread(create_app(config, recorder=MemoryRecorder(),
                                         registry=registry)).start()
        servers.append(server)
        return server.url

    yield make
    for server in servers:
        server.stop()


def chat(url: str, tenant: str, **kw: Any) -> httpx.Response:
    return httpx.post(f"{url}/v1/chat/completions", headers=auth(tenant),
                      json={"model": "stub-model", "messages": USER, **kw}, timeout=30)


def test_tenant_over_its_rpm_gets_429_and_another_is_unaffected(serve: Any) -> None:
    url = serve(tenants(small=TenantLimits(requests_per_minute=2), big=None))
    first = chat(url, "small")
    assert first.status_code == 200
    assert first.headers["x-ratelimit-limit-requests"] == "2"
    assert first.headers["x-ratelimit-remaining-requests"] == "1"
    assert first.headers["x-ratelimit-reset-requests"].endswith("s")
    assert chat(url, "small").status_code == 200
    refused = chat(url, "small")
    assert refused.status_code == 429
    assert refused.json()["error"]["code"] == "rate_limit_exceeded"
    assert 1 <= int(refused.headers["retry-after"]) <= 60
    assert refused.headers["x-ratelimit-remaining-requests"] == "0"
    for _ in range(4):  # the other tenant (no limits) is not touched
        assert chat(url, "big").status_code == 200
    metrics = httpx.get(f"{url}/metrics", headers=auth("big")).text
    assert 'guard_sidecar_quota_rejected_total{limit="requests",tenant="small"} 1.0' in metrics
    assert 'guard_sidecar_quota_requests_total{tenant="small"} 2.0' in metrics


def test_openai_client_sees_a_rate_limit_error(serve: Any) -> None:
    url = serve(tenants(one=TenantLimits(requests_per_minute=1)))
    client = openai.OpenAI(base_url=f"{url}/v1", api_key="key-one", max_retries=0)
    client.chat.completions.create(model="stub-model", messages=USER)  # type: ignore[arg-type]
    with pytest.raises(openai.RateLimitError) as info:
        client.chat.completions.create(model="stub-model", messages=USER)  # type: ignore[arg-type]
    assert info.value.response.headers["retry-after"]


def test_tokens_per_day_use_the_upstreams_usage(serve: Any, stub: StubUpstream) -> None:
    stub.reply = " ".join(["word"] * 60)  # the stub reports usage: prompt 2 + completion 60
    url = serve(tenants(t=TenantLimits(tokens_per_day=100), other=TenantLimits(
        tokens_per_day=100)))
    first = chat(url, "t")
    assert first.status_code == 200
    assert first.headers["x-ratelimit-limit-tokens"] == "100"
    # Before the call only the prompt estimate (a few tokens) was charged ...
    assert int(first.headers["x-ratelimit-remaining-tokens"]) > 90
    # ... after it, the reported 62 tokens; the streamed second call reports 62 more, so the
    # third does not fit any more.
    second = chat(url, "t", stream=True, stream_options={"include_usage": True})
    assert second.status_code == 200
    assert int(second.headers["x-ratelimit-remaining-tokens"]) < 40
    refused = chat(url, "t")
    assert refused.status_code == 429, refused.headers
    assert "Token limit" in refused.json()["error"]["message"]
    assert int(refused.headers["retry-after"]) > 60  # the day's window
    assert chat(url, "other").status_code == 200


def test_usage_meter_reads_every_api_shape() -> None:
    meter = UsageMeter()
    meter.feed(json.dumps({"usage": {"prompt_tokens": 3, "completion_tokens": 4,
                                     "total_tokens": 7}}).encode())
    meter.finish()
    assert meter.tokens() == 7
    anthropic = UsageMeter()
    anthropic.sse = True
    anthropic.feed(b'event: message_start\ndata: {"type": "message_start", "message": '
                   b'{"usage": {"input_tokens": 11, "output_tokens": 1}}}\n\n'
                   b'data: {"type": "content_block_delta", "delta": {"text": "hi"}}\n\n'
                   b'data: {"type": "message_delta", "usage": {"output_tokens": 9}}\n\n')
    assert anthropic.tokens() == 20
    bare = UsageMeter()  # a stream without usage: the delta text is estimated
    bare.sse = True
    bare.feed(b'data: {"choices": [{"delta": {"content": "' + b"x" * 40 + b'"}}]}\n\n')
    assert bare.tokens() is None and bare.delta_chars == 40


def test_memory_store_take_is_bounded() -> None:
    store = MemoryQuotaStore()

    async def run() -> list[tuple[bool, int]]:
        return [await store.take("s", "requests", 0, 1, 2) for _ in range(3)]

    assert asyncio.run(run()) == [(True, 1), (True, 2), (False, 2)]


PG_URL = os.environ.get("GUARD_TEST_POSTGRES_URL")


@pytest.mark.skipif(not PG_URL, reason="GUARD_TEST_POSTGRES_URL not set (.ci/services.env)")
def test_postgres_counters_are_shared_by_two_replicas(serve: Any) -> None:
    assert PG_URL is not None
    name = f"shared{uuid.uuid4().hex[:8]}"  # fresh counters for this run
    config_tenants = tenants(**{name: TenantLimits(requests_per_minute=3), "free": None})
    a, b = serve(config_tenants, audit_url=PG_URL), serve(config_tenants, audit_url=PG_URL)
    codes = [chat(url, name).status_code for url in (a, b, a, b)]
    assert codes == [200, 200, 200, 429]  # one budget across both replicas
    assert chat(a, "free").status_code == 200 and chat(b, "free").status_code == 200


@pytest.mark.skipif(not PG_URL, reason="GUARD_TEST_POSTGRES_URL not set (.ci/services.env)")
def test_postgres_take_is_atomic_under_concurrency() -> None:
    assert PG_URL is not None
    scope = f"race-{uuid.uuid4().hex}"
    window = int(time.time()) // 60 * 60

    async def run() -> int:
        stores = [PostgresQuotaStore(PG_URL) for _ in range(4)]
        try:
            results = await asyncio.gather(*(s.take(scope, "requests", window, 1, 10)
                                             for s in stores for _ in range(10)))
        finally:
            for s in stores:
                await s.aclose()
        return sum(ok for ok, _ in results)

    assert asyncio.run(run()) == 10  # 40 attempts from 4 connections, exactly 10 granted


def test_per_key_limits_give_each_key_its_own_budget(serve: Any) -> None:
    team = TenantConfig(key_hashes=(hash_key("key-one"), hash_key("key-two")),
                        limits=TenantLimits(requests_per_minute=1, per_key=True))
    url = serve({"team": team})
    assert chat(url, "one").status_code == 200
    assert chat(url, "one").status_code == 429
    assert chat(url, "two").status_code == 200  # same tenant, other key: its own minute


def test_new_api_routes_are_counted(serve: Any, stub: StubUpstream) -> None:
    """Responses (streamed) and embeddings draw from the same budget as chat; a tenant key in
    ``x-api-key`` (the anthropic client's header) is recognised."""
    stub.reply = " ".join(["word"] * 60)  # Responses usage: input 2 + output 60
    url = serve(tenants(t=TenantLimits(tokens_per_day=100, requests_per_minute=4)))
    streamed = httpx.post(f"{url}/v1/responses", headers=auth("t"), timeout=30, json={
        "model": "stub-model", "input": "hello there", "stream": True})
    assert streamed.status_code == 200 and "response.completed" in streamed.text
    embedded = httpx.post(f"{url}/v1/embeddings", headers={"x-api-key": "key-t"}, timeout=30,
                          json={"model": "stub-model", "input": "hello"})
    assert embedded.status_code == 200
    assert embedded.headers["x-ratelimit-remaining-requests"] == "2"
    assert int(embedded.headers["x-ratelimit-remaining-tokens"]) < 40  # the stream's usage
    assert httpx.post(f"{url}/v1/embeddings", json={"model": "stub-model", "input": "x"},
                      headers={"x-api-key": "wrong"}, timeout=30).status_code == 401
