"""Killing one upstream of a group mid-load: requests that start after the kill never fail.

Bounded load (200 requests, 8 at a time, half of them streams) through a real sidecar to two
real stub upstreams on 127.0.0.1; member ``a`` (first by priority) is stopped after 60
answers. Then ``a`` comes back on the same port and the breaker's half-open probe closes it.
"""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import httpx

from guard.sidecar.config import (
    BreakerConfig,
    GroupMember,
    SidecarConfig,
    UpstreamConfig,
    UpstreamGroupConfig,
)
from tests.sidecar.conftest import POLICIES, SidecarFactory
from tests.sidecar.test_upstream_failover import chat, metric
from tests.support.stub_upstream import StubUpstream

TOTAL, CONCURRENCY, KILL_AFTER = 200, 8, 60


@dataclass
class Outcome:
    started: float
    ok: bool
    detail: str


def test_killing_a_member_mid_load(sidecar_factory: SidecarFactory) -> None:
    a = StubUpstream().start()
    b = StubUpstream().start()
    port = a.port
    revived: StubUpstream | None = None
    try:
        a.chunk_delay = b.chunk_delay = 0.002
        breaker = BreakerConfig(failure_threshold=3, cooldown_s=1.0)
        config = SidecarConfig(
            policy=str(POLICIES / "input-only.yaml"),
            upstreams={name: UpstreamConfig(base_url=s.base_url, timeout_s=5,
                                            connect_timeout_s=1, breaker=breaker)
                       for name, s in (("a", a), ("b", b))},
            upstream_groups={"pool": UpstreamGroupConfig(
                members=(GroupMember(upstream="a"), GroupMember(upstream="b")))})
        sidecar = sidecar_factory(config=config)
        done = 0
        lock = threading.Lock()
        killed = threading.Event()
        kill_started, kill_done = [float("inf")], [float("inf")]

        def one(i: int) -> Outcome:
            nonlocal done
            started = time.monotonic()
            stream = i % 2 == 1
            try:
                resp = chat(sidecar, stream, client)
                ok = resp.status_code == 200 and (
                    resp.text.endswith("data: [DONE]\n\n") and '"error"' not in resp.text
                    if stream else resp.json()["choices"][0]["message"]["content"]
                    == "Echo: hello")
                detail = f"{resp.status_code} {resp.text[-200:]}"
            except httpx.HTTPError as exc:
                ok, detail = False, repr(exc)
            with lock:
                done += 1
                kill_now = done == KILL_AFTER
            if kill_now:
                kill_started[0] = time.monotonic()
                a.stop()  # graceful: a's in-flight answers finish, new connections fail
                kill_done[0] = time.monotonic()
                killed.set()
            return Outcome(started, ok, detail)

        with ThreadPoolExecutor(CONCURRENCY) as pool, httpx.Client(limits=httpx.Limits(
                max_connections=CONCURRENCY)) as client:
            outcomes = list(pool.map(one, range(TOTAL)))
        assert killed.is_set()
        after_kill = [o for o in outcomes if o.started >= kill_started[0]]
        assert len(after_kill) > 50
        failed = [o.detail for o in after_kill if not o.ok]
        assert failed == []
        assert sum(not o.ok for o in outcomes) == 0  # in-flight ones finished gracefully

        assert metric(sidecar, "guard_sidecar_upstream_breaker_state", upstream="a") == 2
        assert metric(sidecar, "guard_sidecar_upstream_breaker_transitions_total",
                      upstream="a", state="open") >= 1
        assert metric(sidecar, "guard_sidecar_upstream_failovers_total",
                      target="pool", from_upstream="a") >= 1
        members = [r.facts.upstream_member for r in sidecar.recorder.records]
        assert members.count("a") <= TOTAL - sum(o.started >= kill_done[0] for o in outcomes)
        assert members.count("a") >= KILL_AFTER - CONCURRENCY
        assert any(r.facts.upstream_attempts == 2 for r in sidecar.recorder.records)

        revived = StubUpstream(port=port).start()  # a is back, on its old address
        deadline = time.monotonic() + 5
        while not revived.requests and time.monotonic() < deadline:
            assert chat(sidecar).status_code == 200
            time.sleep(0.1)
        assert revived.requests, "the half-open probe never reached the revived member"
        assert metric(sidecar, "guard_sidecar_upstream_breaker_transitions_total",
                      upstream="a", state="half_open") >= 1
        assert metric(sidecar, "guard_sidecar_upstream_breaker_state", upstream="a") == 0
        assert sidecar.recorder.records[-1].facts.upstream_member == "a"
    finally:
        for stub in (a, b, revived):
            if stub is not None:
                stub.stop()
