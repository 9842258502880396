"""Threat: the sidecar as an open relay to the upstream's API key (issue 11, item 20).

The sidecar holds the upstream key; a client only needs to reach its port. A container that
listens on all interfaces with no tenant keys lets anyone who can reach the pod spend that key
(and read the guard's answers). Guard refuses to start that way unless the config says
``server.allow_unauthenticated: true``, which it then logs as a security warning; a reload
that would remove the last key from such a listener is refused the same way.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest

from guard.errors import ConfigError
from guard.sidecar.app import create_app
from guard.sidecar.config import ServerConfig, SidecarConfig, TenantConfig, hash_key
from guard.sidecar.exposure import check_exposure, is_loopback

REPO = Path(__file__).resolve().parents[2]
POLICY = str(REPO / "tests" / "sidecar" / "policies" / "input-only.yaml")


def config(host: str, **server: object) -> SidecarConfig:
    return SidecarConfig(policy=POLICY, server=ServerConfig(host=host, warm_moderation=False,
                                                            **server))  # type: ignore[arg-type]


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "10.1.2.3", "guard.example.internal"])
def test_non_loopback_without_keys_is_refused(host: str) -> None:
    with pytest.raises(ConfigError, match="refusing to listen"):
        create_app(config(host), audit=False, warmup=False)


@pytest.mark.parametrize("host", ["127.0.0.1", "127.0.0.2", "::1", "localhost"])
def test_loopback_without_keys_is_allowed(host: str) -> None:
    assert is_loopback(host)
    check_exposure(config(host))


def test_keys_or_an_explicit_opt_in_allow_all_interfaces(caplog: pytest.LogCaptureFixture
                                                         ) -> None:
    keyed = config("0.0.0.0").model_copy(update={"tenants": {
        "a": TenantConfig(key_hashes=(hash_key("k"),))}})
    check_exposure(keyed)
    no_auth = keyed.model_copy(update={"require_auth": False})  # keys, but not required
    with pytest.raises(ConfigError):
        check_exposure(no_auth)
    with caplog.at_level(logging.WARNING, logger="guard.sidecar"):
        check_exposure(config("0.0.0.0", allow_unauthenticated=True))
    assert "SECURITY" in caplog.text and "WITHOUT tenant keys" in caplog.text


def test_guard_serve_exits_with_the_reason(tmp_path: Path) -> None:
    """The CLI fails fast (exit 2) and says what to do, before loading any model."""
    proc = subprocess.run(
        [sys.executable, "-m", "guard.cli.main", "serve", "--policy", POLICY, "--host",
         "0.0.0.0", "--port", "0", "--no-audit"], cwd=tmp_path, capture_output=True,
        text=True, timeout=60, env={**os.environ, "PYTHONPATH": str(REPO)})
    assert proc.returncode == 2
    assert "refusing to listen on 0.0.0.0 without tenant keys" in proc.stderr
    assert "--hash-key" in proc.stderr


def test_a_reload_cannot_open_the_relay() -> None:
    """Removing the last tenant from a 0.0.0.0 listener by reload is refused; keys stay."""
    import asyncio

    from guard.sidecar.reload import Reloader, ReloadFailed
    from guard.sidecar.state import SidecarState
    from guard.sidecar.upstream import Upstreams

    keyed = config("0.0.0.0").model_copy(update={"tenants": {
        "a": TenantConfig(key_hashes=(hash_key("k"),))}})
    state = SidecarState(keyed, upstreams=Upstreams(keyed))
    reloader = Reloader(state, source=lambda: config("0.0.0.0"))

    async def run() -> None:
        with pytest.raises(ReloadFailed, match="refusing to listen"):
            await reloader.reload("admin")
        await state.aclose()

    asyncio.run(run())
    assert state.config.tenant_for_key("k") == "a" and state.snapshot.version == 1
