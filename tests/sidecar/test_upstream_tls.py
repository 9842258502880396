"""HTTPS upstreams: both upstream clients trust the same certificate authorities.

Switching ``server.http_client`` must not change which servers the sidecar trusts. The
default aiohttp transport is given the SSL context ``httpx`` builds for itself (certifi's
bundle, or ``SSL_CERT_FILE``), so an upstream signed by a private CA is reached once that CA
is named in ``SSL_CERT_FILE``, and refused (502, never a plain-text fallback) while it is not,
over either client.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import trustme

from guard.sidecar.config import SidecarConfig, UpstreamConfig
from tests.sidecar.conftest import POLICIES, SidecarFactory
from tests.support.stub_upstream import StubUpstream

BODY = {"model": "stub-model", "messages": [{"role": "user", "content": "hello"}]}
CLIENTS = ("aiohttp", "httpx")


@pytest.fixture(scope="module")
def private_ca() -> trustme.CA:
    return trustme.CA()


@pytest.fixture(scope="module")
def tls_stub(private_ca: trustme.CA, tmp_path_factory: pytest.TempPathFactory
             ) -> Iterator[StubUpstream]:
    folder = tmp_path_factory.mktemp("tls")
    cert = private_ca.issue_cert("127.0.0.1")
    chain, key = folder / "chain.pem", folder / "key.pem"
    cert.private_key_and_cert_chain_pem.write_to_path(str(key))
    with chain.open("wb") as out:
        for blob in cert.cert_chain_pems:
            out.write(blob.bytes())
    with StubUpstream(tls=(str(chain), str(key))) as stub:
        yield stub


def _sidecar(factory: SidecarFactory, stub: StubUpstream, client: str) -> str:
    config = SidecarConfig(policy=str(POLICIES / "strict.yaml"), upstreams={
        "tls": UpstreamConfig(base_url=stub.base_url, timeout_s=5, connect_timeout_s=2)})
    return factory(config=config, http_client=client).base_url


@pytest.mark.parametrize("client", CLIENTS)
def test_an_upstream_signed_by_a_ca_named_in_ssl_cert_file_is_reached(
        client: str, private_ca: trustme.CA, tls_stub: StubUpstream,
        sidecar_factory: SidecarFactory, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert tls_stub.base_url.startswith("https://")
    bundle = tmp_path / "ca.pem"
    private_ca.cert_pem.write_to_path(str(bundle))
    monkeypatch.setenv("SSL_CERT_FILE", str(bundle))
    tls_stub.reset()
    tls_stub.reply = "Signed and sealed."
    for stream in (False, True):
        resp = httpx.post(f"{_sidecar(sidecar_factory, tls_stub, client)}/chat/completions",
                          json={**BODY, "stream": stream}, timeout=30)
        assert resp.status_code == 200, resp.text
        assert "sealed" in resp.text
    assert len(tls_stub.requests) == 2


@pytest.mark.parametrize("client", CLIENTS)
def test_an_upstream_with_an_untrusted_certificate_is_refused(
        client: str, tls_stub: StubUpstream, sidecar_factory: SidecarFactory,
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SSL_CERT_FILE", raising=False)
    monkeypatch.delenv("SSL_CERT_DIR", raising=False)
    tls_stub.reset()
    resp = httpx.post(f"{_sidecar(sidecar_factory, tls_stub, client)}/chat/completions",
                      json=BODY, timeout=30)
    assert resp.status_code == 502, resp.text
    assert resp.json()["error"]["type"]
    assert tls_stub.requests == []  # the handshake failed: no request reached the upstream
