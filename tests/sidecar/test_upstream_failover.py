"""Upstream groups: failover on connect errors, 429 and 5xx, circuit breakers, deadlines.

Two real stub upstreams on 127.0.0.1 behind one group; the assertions read what each stub
received, what the client got, the Prometheus text of ``/metrics`` and the audit facts.
"""

from __future__ import annotations

import random
import socket
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from guard.audit.event import build_event
from guard.sidecar.app import create_app
from guard.sidecar.config import (
    BreakerConfig,
    GroupMember,
    SidecarConfig,
    UpstreamConfig,
    UpstreamGroupConfig,
)
from guard.sidecar.upstream import Member, Target
from guard.sidecar.upstreams.breaker import Breaker, BreakerState
from tests.sidecar.conftest import (
    POLICIES,
    MemoryRecorder,
    ServerThread,
    Sidecar,
    SidecarFactory,
)
from tests.support.stub_upstream import StubUpstream

USER = [{"role": "user", "content": "hello"}]


@pytest.fixture(scope="module")
def stubs() -> Iterator[tuple[StubUpstream, StubUpstream]]:
    with StubUpstream() as a, StubUpstream() as b:
        yield a, b


@pytest.fixture
def pair(stubs: tuple[StubUpstream, StubUpstream]) -> tuple[StubUpstream, StubUpstream]:
    for s in stubs:
        s.reset()
    return stubs


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def group_config(a_url: str, b_url: str, *, threshold: int = 5, cooldown_s: float = 30.0,
                 **group: Any) -> SidecarConfig:
    breaker = BreakerConfig(failure_threshold=threshold, cooldown_s=cooldown_s)
    return SidecarConfig(
        policy=str(POLICIES / "input-only.yaml"),
        upstreams={name: UpstreamConfig(base_url=url, timeout_s=5, connect_timeout_s=1,
                                        breaker=breaker)
                   for name, url in (("a", a_url), ("b", b_url))},
        upstream_groups={"pool": UpstreamGroupConfig(
            members=(GroupMember(upstream="a"), GroupMember(upstream="b")), **group)})


def metrics(sidecar: Sidecar) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    text = httpx.get(f"{sidecar.url}/metrics").text
    return {(s.name, frozenset(s.labels.items())): s.value
            for family in text_string_to_metric_families(text) for s in family.samples}


def metric(sidecar: Sidecar, name: str, **labels: str) -> float:
    return metrics(sidecar).get((name, frozenset(labels.items())), 0.0)


def chat(sidecar: Sidecar, stream: bool = False, client: httpx.Client | None = None
         ) -> httpx.Response:
    """One chat request (``client``: a shared pool; a fresh client costs an SSL context)."""
    with (client or httpx).stream(
            "POST", f"{sidecar.base_url}/chat/completions", timeout=10,
            json={"model": "m", "messages": USER, "stream": stream}) as resp:
        resp.read()
    return resp


@pytest.mark.parametrize("stream", [False, True])
@pytest.mark.parametrize("status", [503, 500, 429])
def test_failover_to_next_member_on_5xx_and_429(
    sidecar_factory: SidecarFactory, pair: tuple[StubUpstream, StubUpstream], status: int,
    stream: bool,
) -> None:
    a, b = pair
    sidecar = sidecar_factory(config=group_config(a.base_url, b.base_url))
    a.fault, a.error_status = "error", status
    resp = chat(sidecar, stream)
    assert resp.status_code == 200
    assert ('"content": "hello"' in resp.text and resp.text.endswith("data: [DONE]\n\n")
            if stream else resp.json()["choices"][0]["message"]["content"] == "Echo: hello")
    assert len(a.requests) == 1 and len(b.requests) == 1
    facts = sidecar.recorder.records[-1].facts
    assert facts.upstream_member == "b" and facts.upstream_attempts == 2
    assert facts.upstream == b.base_url
    event = build_event(sidecar.recorder.records[-1].decision, original=(), retention="none",
                        facts=facts)
    assert (event.upstream_member, event.upstream_attempts) == ("b", 2)
    outcome = "status_429" if status == 429 else "status_5xx"
    assert metric(sidecar, "guard_sidecar_upstream_attempts_total",
                  target="pool", upstream="a", outcome=outcome) == 1
    assert metric(sidecar, "guard_sidecar_upstream_attempts_total",
                  target="pool", upstream="b", outcome="ok") == 1
    assert metric(sidecar, "guard_sidecar_upstream_failovers_total",
                  target="pool", from_upstream="a") == 1


def test_failover_on_connection_refused(sidecar_factory: SidecarFactory,
                                        pair: tuple[StubUpstream, StubUpstream]) -> None:
    _, b = pair
    sidecar = sidecar_factory(config=group_config(f"http://127.0.0.1:{free_port()}/v1",
                                                  b.base_url))
    for stream in (False, True):
        assert chat(sidecar, stream).status_code == 200
    assert metric(sidecar, "guard_sidecar_upstream_attempts_total",
                  target="pool", upstream="a", outcome="connect_error") == 2


def test_client_errors_are_not_retried(sidecar_factory: SidecarFactory,
                                       pair: tuple[StubUpstream, StubUpstream]) -> None:
    a, b = pair
    sidecar = sidecar_factory(config=group_config(a.base_url, b.base_url))
    a.fault, a.error_status = "error", 400
    assert chat(sidecar).status_code == 400
    assert len(a.requests) == 1 and b.requests == []


def test_every_member_rate_limited_gives_429_with_retry_after(
    sidecar_factory: SidecarFactory, pair: tuple[StubUpstream, StubUpstream],
) -> None:
    a, b = pair
    sidecar = sidecar_factory(config=group_config(a.base_url, b.base_url))
    for s, wait in ((a, "5"), (b, "9")):
        s.fault, s.error_status, s.error_headers = "error", 429, {"retry-after": wait}
    resp = chat(sidecar)
    assert resp.status_code == 429 and resp.headers["retry-after"] == "9"  # the last answer
    assert resp.json()["error"]["code"] == "rate_limit_exceeded"
    facts = sidecar.recorder.records[-1].facts
    assert facts.upstream_attempts == 2 and facts.upstream_member == "b"


def test_max_attempts_bounds_the_tries(sidecar_factory: SidecarFactory,
                                       pair: tuple[StubUpstream, StubUpstream]) -> None:
    a, b = pair
    sidecar = sidecar_factory(config=group_config(a.base_url, b.base_url, max_attempts=3))
    for s in pair:
        s.fault, s.error_status = "error", 502
    resp = chat(sidecar)
    assert resp.status_code == 502 and resp.json()["error"]["code"] == "upstream_error"
    assert resp.headers["x-should-retry"] == "false"
    assert (len(a.requests), len(b.requests)) == (2, 1)  # a, b, a again


def test_deadline_bounds_the_whole_call(sidecar_factory: SidecarFactory,
                                        pair: tuple[StubUpstream, StubUpstream]) -> None:
    a, b = pair
    sidecar = sidecar_factory(config=group_config(a.base_url, b.base_url, deadline_s=0.5))
    a.fault, a.slow_seconds = "slow", 3.0
    started = time.monotonic()
    resp = chat(sidecar, stream=True)
    assert time.monotonic() - started < 2.5
    assert resp.status_code == 504 and resp.json()["error"]["code"] == "upstream_timeout"
    assert b.requests == []  # the deadline was spent: no second try


def test_breaker_opens_then_half_open_probe_closes_it(
    sidecar_factory: SidecarFactory, pair: tuple[StubUpstream, StubUpstream],
) -> None:
    a, b = pair
    sidecar = sidecar_factory(config=group_config(a.base_url, b.base_url, threshold=2,
                                                  cooldown_s=1.5))  # slack for a busy CI
    a.fault, a.error_status = "error", 503
    for _ in range(2):
        assert chat(sidecar).status_code == 200
    assert metric(sidecar, "guard_sidecar_upstream_breaker_state", upstream="a") == 2  # open
    assert chat(sidecar).status_code == 200
    assert len(a.requests) == 2  # open: a is skipped, b answers at once
    assert sidecar.recorder.records[-1].facts.upstream_attempts == 1
    health = httpx.get(f"{sidecar.url}/readyz").json()["upstreams"]
    assert health["a"]["breaker"] == "open" and health["b"]["breaker"] == "closed"
    time.sleep(1.55)
    a.reset()  # a heals; the next request is its half-open probe
    assert chat(sidecar).status_code == 200
    assert len(a.requests) == 1
    assert sidecar.recorder.records[-1].facts.upstream_member == "a"
    assert metric(sidecar, "guard_sidecar_upstream_breaker_state", upstream="a") == 0
    for state in ("open", "half_open", "closed"):
        assert metric(sidecar, "guard_sidecar_upstream_breaker_transitions_total",
                      upstream="a", state=state) == 1, state


def test_failed_probe_opens_the_breaker_again(sidecar_factory: SidecarFactory,
                                              pair: tuple[StubUpstream, StubUpstream]) -> None:
    a, b = pair
    sidecar = sidecar_factory(config=group_config(a.base_url, b.base_url, threshold=1,
                                                  cooldown_s=0.3))
    a.fault, a.error_status = "error", 500
    assert chat(sidecar).status_code == 200
    time.sleep(0.35)
    assert chat(sidecar).status_code == 200  # probe on a fails, b answers
    assert len(a.requests) == 2
    assert metric(sidecar, "guard_sidecar_upstream_breaker_state", upstream="a") == 2
    assert metric(sidecar, "guard_sidecar_upstream_breaker_transitions_total",
                  upstream="a", state="open") == 2


def test_single_upstream_with_open_breaker_fails_fast(sidecar_factory: SidecarFactory,
                                                      stub: StubUpstream) -> None:
    config = SidecarConfig(policy=str(POLICIES / "input-only.yaml"), upstreams={
        "only": UpstreamConfig(base_url=stub.base_url,
                               breaker=BreakerConfig(failure_threshold=2, cooldown_s=60))})
    sidecar = sidecar_factory(config=config)
    stub.fault, stub.error_status = "error", 500
    assert [chat(sidecar).status_code for _ in range(2)] == [502, 502]
    resp = chat(sidecar)
    assert resp.status_code == 502 and resp.json()["error"]["code"] == "upstream_unavailable"
    assert 1 <= int(resp.headers["retry-after"]) <= 60
    assert len(stub.requests) == 2  # the third call never reached the upstream


def test_weighted_order_follows_the_weights() -> None:
    def member(name: str, weight: float) -> Member:
        return Member(name, UpstreamConfig(base_url=f"http://{name}/v1"),
                      Breaker(BreakerConfig()), weight)

    target = Target("pool", (member("a", 3), member("b", 1)), ("*",), "weighted", 2, 60, True)
    rng = random.Random(7)
    firsts = [target.order(rng)[0].name for _ in range(4000)]
    assert 0.72 < firsts.count("a") / 4000 < 0.78
    priority = Target("pool", target.members, ("*",), "priority", 2, 60, True)
    assert {tuple(m.name for m in priority.order(rng)) for _ in range(50)} == {("a", "b")}


def test_breaker_state_machine() -> None:
    now = [0.0]
    seen: list[BreakerState] = []
    breaker = Breaker(BreakerConfig(failure_threshold=3, cooldown_s=10),
                      on_change=seen.append, clock=lambda: now[0])
    breaker.failure()
    breaker.failure()
    breaker.success()  # a success resets the count: failures must be consecutive
    for _ in range(3):
        assert breaker.allow()
        breaker.failure()
    assert breaker.state is BreakerState.OPEN and not breaker.allow()
    assert breaker.retry_in() == 10
    now[0] = 10.0
    assert breaker.allow() and breaker.state is BreakerState.HALF_OPEN
    assert not breaker.allow()  # one probe at a time
    breaker.abandon()  # the probe's client went away: the slot is free again
    assert breaker.allow()
    breaker.failure()
    assert breaker.state is BreakerState.OPEN and breaker.retry_in() == 10
    now[0] = 25.0
    assert breaker.allow()
    breaker.success()
    assert breaker.state is BreakerState.CLOSED and breaker.allow() and breaker.allow()
    assert seen == [BreakerState.OPEN, BreakerState.HALF_OPEN, BreakerState.OPEN,
                    BreakerState.HALF_OPEN, BreakerState.CLOSED]


class _RacyTransport(httpx.AsyncBaseTransport):
    """Real HTTP, except that calls to host ``racy.invalid`` raise an exception outside
    httpx's error mapping (as a race deep in an HTTP stack would)."""

    def __init__(self) -> None:
        self.real = httpx.AsyncHTTPTransport()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.host == "racy.invalid":
            raise RuntimeError("connection pool race")
        return await self.real.handle_async_request(request)

    async def aclose(self) -> None:
        await self.real.aclose()


def test_unexpected_http_stack_error_is_a_member_failure(
    pair: tuple[StubUpstream, StubUpstream], registry: Any,
) -> None:
    _, b = pair
    config = group_config("http://racy.invalid/v1", b.base_url)
    recorder = MemoryRecorder()
    client = httpx.AsyncClient(transport=_RacyTransport())
    server = ServerThread(create_app(config, recorder=recorder, registry=registry,
                                     http_client=client, warmup=False)).start()
    try:
        sidecar = Sidecar(server.url, None, recorder)
        for stream in (False, True):
            assert chat(sidecar, stream).status_code == 200
        assert metric(sidecar, "guard_sidecar_upstream_attempts_total",
                      target="pool", upstream="a", outcome="error") == 2
    finally:
        server.stop()
