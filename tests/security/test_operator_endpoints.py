"""Threat: operator endpoints leak configuration and traffic data (issue 11, item 20).

``/metrics`` names tenants and shows their traffic and limits, ``/readyz`` details list the
upstreams and policy hashes, ``/docs`` and ``/openapi.json`` map the attack surface. When keys
are required, these need a key (a tenant key or an admin key). ``/healthz`` and the bare
``/readyz`` status stay open: orchestrator probes carry no credentials.
"""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from guard.detectors.registry import DetectorRegistry
from guard.sidecar.app import create_app
from guard.sidecar.config import (
    AdminConfig,
    ServerConfig,
    SidecarConfig,
    TenantConfig,
    UpstreamConfig,
    hash_key,
)
from tests.sidecar.conftest import POLICIES, ServerThread, registry, stub, stub_server
from tests.support.stub_upstream import StubUpstream

__all__ = ["registry", "stub", "stub_server"]
TENANT = {"authorization": "Bearer tenant-key"}
ADMIN = {"authorization": "Bearer admin-key"}


@pytest.fixture
def url(stub: StubUpstream, registry: DetectorRegistry) -> Iterator[str]:
    config = SidecarConfig(
        policy=str(POLICIES / "input-only.yaml"),
        upstreams={"stub": UpstreamConfig(base_url=stub.base_url)},
        tenants={"team": TenantConfig(key_hashes=(hash_key("tenant-key"),))},
        admin=AdminConfig(key_hashes=(hash_key("admin-key"),)),
        server=ServerConfig(warm_moderation=False))
    server = ServerThread(create_app(config, audit=False, registry=registry)).start()
    yield server.url
    server.stop()


@pytest.mark.parametrize("path", ["/metrics", "/docs", "/openapi.json", "/redoc"])
def test_operator_endpoints_need_a_key(url: str, path: str) -> None:
    anonymous = httpx.get(f"{url}{path}")
    assert anonymous.status_code == 401
    assert anonymous.json()["error"]["code"] == "invalid_api_key"
    assert httpx.get(f"{url}{path}", headers={"authorization": "Bearer wrong"}
                     ).status_code == 401
    assert httpx.get(f"{url}{path}", headers=TENANT).status_code == 200
    assert httpx.get(f"{url}{path}", headers=ADMIN).status_code == 200


def test_probes_stay_open_but_readiness_details_need_a_key(url: str) -> None:
    assert httpx.get(f"{url}/healthz").status_code == 200
    bare = httpx.get(f"{url}/readyz")
    assert set(bare.json()) == {"status"}  # no upstream, policy or hash for strangers
    detailed = httpx.get(f"{url}/readyz", headers=TENANT).json()
    assert "upstreams" in detailed and "policies" in detailed
    assert bare.json()["status"] == detailed["status"]


def test_without_keys_required_operator_endpoints_are_open(stub: StubUpstream,
                                                           registry: DetectorRegistry) -> None:
    """On loopback with no tenants (the developer default) nothing asks for a key."""
    config = SidecarConfig(policy=str(POLICIES / "input-only.yaml"),
                           upstreams={"stub": UpstreamConfig(base_url=stub.base_url)},
                           server=ServerConfig(warm_moderation=False))
    server = ServerThread(create_app(config, audit=False, registry=registry)).start()
    try:
        assert httpx.get(f"{server.url}/metrics").status_code == 200
        assert "policies" in httpx.get(f"{server.url}/readyz").json()
    finally:
        server.stop()
