"""Who can reach what: no open relay by default, operator endpoints behind a key.

A sidecar that listens beyond loopback with no tenant keys lets anyone who reaches the port
spend the upstream API key it holds. :func:`check_exposure` refuses that configuration at
startup (and on reload) unless ``server.allow_unauthenticated: true`` says it is intended, and
then logs it loudly. When keys are required, the operator endpoints (``/metrics``, ``/docs``,
``/openapi.json``, ``/redoc`` and the details of ``/readyz``) want a key too: a tenant key or
an admin key. ``/healthz`` and the bare ``/readyz`` status stay open for probes.
"""

from __future__ import annotations

import ipaddress
import json
import logging
from collections.abc import Awaitable, Callable, Mapping, MutableMapping
from typing import Any

from guard.errors import ConfigError
from guard.sidecar.config import SidecarConfig
from guard.sidecar.errors import envelope

log = logging.getLogger("guard.sidecar")
Scope = MutableMapping[str, Any]
ASGIApp = Callable[[Scope, Any, Any], Awaitable[None]]

OPERATOR_PATHS = ("/metrics", "/docs", "/openapi.json", "/redoc")


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False  # a hostname: assume it resolves beyond loopback


def check_exposure(config: SidecarConfig) -> None:
    """Raise :class:`ConfigError` for an unauthenticated non-loopback listener (see above)."""
    host = config.server.host
    if is_loopback(host) or config.auth_required:
        return
    if config.server.allow_unauthenticated:
        log.warning("SECURITY: listening on %s WITHOUT tenant keys (server.allow_unauthenticated"
                    ": true): anyone who reaches this port can use the upstream's API key", host)
        return
    raise ConfigError(
        f"refusing to listen on {host} without tenant keys: anyone reaching the port could use "
        "the upstream's API key. Add tenants with key_hashes (guard serve --hash-key KEY), "
        "listen on 127.0.0.1, or set server.allow_unauthenticated: true to accept the risk")


def bearer_key(headers: Mapping[str, str]) -> str:
    """The caller's key: ``Authorization: Bearer KEY``, else ``x-api-key`` (the anthropic
    client's header), so quotas and operator checks see every client's key."""
    auth = headers.get("authorization", "")
    key = auth[7:].strip() if auth.lower().startswith("bearer ") else ""
    return key or headers.get("x-api-key", "").strip()


def operator_allowed(config: SidecarConfig, headers: Mapping[str, str]) -> bool:
    """True when operator data may be shown: no keys required, or a valid tenant/admin key."""
    if not config.auth_required:
        return True
    key = bearer_key(headers)
    return bool(key) and (config.tenant_for_key(key) is not None or config.is_admin_key(key))


class OperatorAuthMiddleware:
    """401 on the operator endpoints without a valid key (when keys are required)."""

    def __init__(self, app: ASGIApp, *, config: Callable[[], SidecarConfig]) -> None:
        self.app = app
        self.config = config

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] == "http" and scope["path"].startswith(OPERATOR_PATHS):
            headers = {k.decode("latin-1").lower(): v.decode("latin-1")
                       for k, v in scope["headers"]}
            if not operator_allowed(self.config(), headers):
                body = json.dumps(envelope(
                    "This endpoint needs an API key (Authorization: Bearer ...): a tenant or "
                    "admin key.", code="invalid_api_key")).encode()
                await send({"type": "http.response.start", "status": 401, "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode())]})
                await send({"type": "http.response.body", "body": body})
                return
        await self.app(scope, receive, send)
