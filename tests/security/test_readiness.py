"""Threat: one outage takes every replica out of service (issue 11, item 20).

Readiness gated on the upstream turns an upstream blip into a full outage: every replica
fails its probe at once, the Service has no endpoints, and clients get connection errors
instead of a clear 502. Readiness means "this replica can take work": detectors loaded and
the in-flight limit not reached. Upstream health is reported in the details, never gating.
"""

from __future__ import annotations

import socket
import threading
import time

import httpx

from guard.detectors.registry import DetectorRegistry
from guard.sidecar.app import create_app
from guard.sidecar.config import ServerConfig, SidecarConfig, UpstreamConfig
from tests.sidecar.conftest import POLICIES, ServerThread, registry, stub, stub_server
from tests.support.stub_upstream import StubUpstream

__all__ = ["registry", "stub", "stub_server"]


def wait_detectors(url: str) -> dict[str, object]:
    deadline = time.monotonic() + 30
    while True:
        body: dict[str, object] = httpx.get(f"{url}/readyz").json()
        if body.get("detectors_loaded") or time.monotonic() > deadline:
            return body
        time.sleep(0.05)


def test_upstream_down_is_reported_not_gating(registry: DetectorRegistry) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # nothing listens here
    config = SidecarConfig(policy=str(POLICIES / "input-only.yaml"),
                           upstreams={"down": UpstreamConfig(base_url=f"http://127.0.0.1:{port}")},
                           server=ServerConfig(warm_moderation=False))
    server = ServerThread(create_app(config, audit=False, registry=registry)).start()
    try:
        body = wait_detectors(server.url)
        resp = httpx.get(f"{server.url}/readyz")
        assert resp.status_code == 200 and resp.json()["status"] == "ready"
        assert body["upstreams"]["down"]["reachable"] is False
        assert body["upstreams"]["down"]["error"] == "ConnectError"
    finally:
        server.stop()


def test_saturated_replica_is_not_ready(stub: StubUpstream, registry: DetectorRegistry) -> None:
    config = SidecarConfig(policy=str(POLICIES / "input-only.yaml"),
                           upstreams={"stub": UpstreamConfig(base_url=stub.base_url)},
                           server=ServerConfig(warm_moderation=False, max_in_flight=1))
    server = ServerThread(create_app(config, audit=False, registry=registry)).start()
    try:
        wait_detectors(server.url)
        assert httpx.get(f"{server.url}/readyz").status_code == 200
        stub.fault = "slow"
        stub.slow_seconds = 1.5
        slow = threading.Thread(target=lambda: httpx.post(
            f"{server.url}/v1/chat/completions", timeout=10, json={
                "model": "m", "messages": [{"role": "user", "content": "hi"}]}))
        slow.start()
        time.sleep(0.5)
        busy = httpx.get(f"{server.url}/readyz")
        assert busy.status_code == 503
        assert busy.json()["saturated"] is True and busy.json()["in_flight"] == 1
        slow.join(timeout=10)
        assert httpx.get(f"{server.url}/readyz").status_code == 200  # back once drained
    finally:
        server.stop()
