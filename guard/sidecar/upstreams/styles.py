"""How each upstream API style spells its URLs and carries its key.

URLs are built with :class:`httpx.URL` (path and query parameters as separate parts), never by
string concatenation: a ``base_url`` that carries a query string (``?api-version=...``) keeps
it *after* the path, and a deployment name cannot smuggle path segments.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

import httpx

from guard.sidecar.config import UpstreamConfig
from guard.sidecar.errors import SidecarError

# Azure deployment names: letters, digits, '-', '_', '.'; never '/' or a leading '.'.
_DEPLOYMENT = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,127}")


def _with_path(config: UpstreamConfig, *segments: str) -> httpx.URL:
    base = httpx.URL(config.base_url)
    path = "/".join([base.path.rstrip("/"), *segments])
    params = base.params
    if config.api_version:
        params = params.set("api-version", config.api_version)
    return base.copy_with(path=path, params=params)


def deployment(config: UpstreamConfig, upstream_model: str) -> str:
    """The Azure deployment a request goes to; refuses names that are not deployment names."""
    name = config.deployment or upstream_model
    if not _DEPLOYMENT.fullmatch(name):
        raise SidecarError(400, f"The model '{upstream_model}' is not a valid deployment name "
                           "for this upstream.", code="invalid_model", param="model")
    return name


def endpoint_url(config: UpstreamConfig, operation: str, upstream_model: str) -> httpx.URL:
    """The URL of an OpenAI operation (``chat/completions``, ``completions``, ``embeddings``)
    on ``config`` for ``upstream_model`` (after aliases); Azure puts it under the deployment."""
    segments = [s for s in operation.split("/") if s]
    if any(s in (".", "..") for s in segments):
        raise ValueError(f"not an operation path: {operation!r}")
    if config.style == "azure":
        return _with_path(config, "openai", "deployments", deployment(config, upstream_model),
                          *segments)
    return _with_path(config, *segments)


def chat_url(config: UpstreamConfig, upstream_model: str) -> httpx.URL:
    """The chat-completions URL of ``config`` for ``upstream_model`` (after aliases)."""
    return endpoint_url(config, "chat/completions", upstream_model)


def models_url(config: UpstreamConfig) -> httpx.URL:
    """A cheap GET for readiness probes (and, for ``openai`` style, the model list)."""
    if config.style == "azure":
        return _with_path(config, "openai", "models")
    if config.style == "azure_foundry":
        return _with_path(config, "info")
    return _with_path(config, "models")


def lists_models(config: UpstreamConfig) -> bool:
    """Whether ``models_url`` lists the names clients use (Azure lists base models, not
    deployments, so only configured names are announced for Azure styles)."""
    return config.style == "openai"


def auth_headers(config: UpstreamConfig, key: str | None) -> dict[str, str]:
    """The header carrying ``key``: ``Authorization: Bearer KEY`` or e.g. ``api-key: KEY``."""
    if not key:
        return {}
    header = config.key_header
    return {header: f"Bearer {key}" if header == "authorization" else key}


def bearer(headers: Mapping[str, str]) -> str | None:
    """The client's bearer token, if it sent one."""
    auth = headers.get("authorization", "")
    return auth[7:].strip() or None if auth.lower().startswith("bearer ") else None
