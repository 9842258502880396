"""Sidecar configuration: upstreams, tenants, policy routing and server limits.

The file is YAML validated by pydantic (unknown keys are errors: a typo must not silently open
a hole). ``${VAR}`` and ``${VAR:-default}`` in string values are interpolated from the
environment (after parsing, so a value cannot inject YAML). API keys themselves are never in
the config: an upstream names the env var that holds its key, and tenants are
identified by SHA-256 hashes of their keys (``guard serve --hash-key KEY`` prints one).

Example::

    policy: default                          # a shipped policy by name, or a file
    upstreams:
      openai:
        base_url: https://api.openai.com/v1
        api_key_env: OPENAI_API_KEY
        timeout_s: 60
        headers: {OpenAI-Organization: "${OPENAI_ORG:-}"}
        models: ["gpt-4o*"]                  # glob patterns; "*" is a catch-all
    tenants:
      team-a:
        key_hashes: ["sha256:9f86d08..."]
        policy: policies/strict.yaml
    routes:                                   # first match wins, then tenant policy, then default
      - match: {model: "gpt-4o-mini", tenant: "team-*"}
        policy: policies/cheap.yaml
    server: {max_in_flight: 64, max_body_bytes: 4194304}
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from guard.errors import ConfigError
from guard.policy.scope import matches

DEFAULT_POLICY = "default"
_VAR = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}")


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class UpstreamConfig(_Model):
    """One OpenAI-compatible upstream and the models it serves."""

    base_url: str = Field(description="OpenAI base URL, normally ending in /v1.")
    api_key_env: str | None = Field(
        default=None, description="Env var holding the upstream API key (never the key).")
    timeout_s: float = Field(default=60.0, gt=0, le=3600)
    connect_timeout_s: float = Field(default=5.0, gt=0, le=600)
    headers: dict[str, str] = Field(default_factory=dict)
    models: tuple[str, ...] = Field(default=("*",), description="Model name globs.")
    forward_client_auth: bool = Field(
        default=False,
        description="Pass the client's Authorization header on when no api_key_env is set.")
    stream_upstream: bool = Field(
        default=True,
        description="With output rules, ask this upstream to stream even when the client did "
        "not (usage via stream_options.include_usage), check windows as tokens arrive and "
        "assemble the JSON answer at the end. Off for upstreams that cannot stream.")

    @field_validator("base_url")
    @classmethod
    def _http(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("base_url must start with http:// or https://")
        return value.rstrip("/")

    def api_key(self) -> str | None:
        return os.environ.get(self.api_key_env) if self.api_key_env else None

    def serves(self, model: str) -> bool:
        return bool(self.models) and matches(self.models, model)


class TenantConfig(_Model):
    """A tenant: the hashes of its API keys and, optionally, its own policy."""

    key_hashes: tuple[str, ...] = Field(min_length=1)
    policy: str | None = None

    @field_validator("key_hashes")
    @classmethod
    def _hashes(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for h in value:
            if not re.fullmatch(r"sha256:[0-9a-f]{64}", h):
                raise ValueError("key hashes look like 'sha256:<64 hex>' (guard serve --hash-key)")
        return value


class RouteMatch(_Model):
    tenant: str | None = None
    model: str | None = None
    route: str | None = None


class PolicyRoute(_Model):
    """Use ``policy`` for requests matching every given glob."""

    match: RouteMatch
    policy: str


class ServerConfig(_Model):
    host: str = "127.0.0.1"
    port: int = Field(default=8080, ge=0, le=65535)
    max_in_flight: int = Field(default=64, ge=1, le=100_000)
    retry_after_s: int = Field(default=1, ge=0, le=3600)
    max_body_bytes: int = Field(default=4 * 1024 * 1024, ge=1024)
    moderation_threshold: float = Field(default=0.5, ge=0.0, le=1.0)
    warm_moderation: bool = Field(
        default=False, description="Load the /v1/moderations classifier at startup (after "
        "readiness) instead of on its first call.")
    stream_lookbehind_chars: int = Field(
        default=128, ge=0, le=65536,
        description="Context re-checked before the release point, so a span split across "
        "chunks is seen whole.")
    stream_max_check_chars: int = Field(
        default=256, ge=0, le=1_000_000,
        description="Most new characters the first streaming check covers, doubling after "
        "each release (0: all that arrived); bounds TTFT when the upstream sends a burst.")
    stream_check_chars: int = Field(
        default=256, ge=0, le=65536,
        description="After the first release, check a streamed answer again once this many "
        "new characters wait beyond the hold-back window (0: after every upstream read). "
        "Each check encodes the classifier's growing last window again, so fewer, larger "
        "checks cost less CPU; the client sees text in steps of about this size.")
    assembled_check_chars: int = Field(
        default=512, ge=0, le=65536,
        description="The same for a non-streamed answer read from a streamed upstream: the "
        "client sees nothing before the end, so checks only keep the last one small.")
    detector_lookbehind_chars: dict[str, int] = Field(
        default_factory=lambda: {"content_safety": 1024, "prompt_attack": 1024},
        description="Per-detector look-behind; the largest among active rules applies.")


class SidecarConfig(_Model):
    """The whole sidecar configuration (see the module docstring for an example)."""

    policy: str = DEFAULT_POLICY
    upstreams: dict[str, UpstreamConfig] = Field(default_factory=dict)
    tenants: dict[str, TenantConfig] = Field(default_factory=dict)
    routes: tuple[PolicyRoute, ...] = ()
    server: ServerConfig = ServerConfig()
    audit_url: str | None = None
    require_auth: bool | None = Field(
        default=None, description="Reject unknown keys; default: on when tenants are set.")

    @property
    def auth_required(self) -> bool:
        return bool(self.tenants) if self.require_auth is None else self.require_auth

    def policy_files(self) -> list[str]:
        """Every policy file referenced, default first, without duplicates."""
        files = [self.policy, *(t.policy for t in self.tenants.values() if t.policy),
                 *(r.policy for r in self.routes)]
        return list(dict.fromkeys(files))

    def tenant_for_key(self, key: str) -> str | None:
        digest = hash_key(key)
        for name, tenant in self.tenants.items():
            if any(hmac.compare_digest(digest, h) for h in tenant.key_hashes):
                return name
        return None

    def policy_for(self, *, tenant: str | None, model: str | None, route: str) -> str:
        for r in self.routes:
            m = r.match
            if matches(m.tenant, tenant) and matches(m.model, model) and matches(m.route, route):
                return r.policy
        if tenant is not None and tenant in self.tenants and self.tenants[tenant].policy:
            return self.tenants[tenant].policy or self.policy
        return self.policy

    def with_overrides(
        self, *, policy: str | None = None, upstream: str | None = None,
        host: str | None = None, port: int | None = None, audit_url: str | None = None,
    ) -> SidecarConfig:
        """Apply command-line flags (``--upstream`` puts every model behind one base URL)."""
        update: dict[str, Any] = {}
        if policy is not None:
            update["policy"] = policy
        if upstream is not None:
            update["upstreams"] = {"default": UpstreamConfig(
                base_url=upstream, api_key_env="GUARD_UPSTREAM_API_KEY",
                forward_client_auth=True)}
        server = self.server.model_copy(update={k: v for k, v in
                                                (("host", host), ("port", port))
                                                if v is not None})
        update["server"] = server
        if audit_url is not None:
            update["audit_url"] = audit_url
        return self.model_copy(update=update)


def hash_key(key: str) -> str:
    """The form in which tenant API keys are stored: ``sha256:<hex>``."""
    return "sha256:" + hashlib.sha256(key.encode()).hexdigest()


def interpolate(text: str, env: Mapping[str, str] | None = None) -> str:
    """Replace ``${VAR}`` / ``${VAR:-default}``; an unset variable without default is an error."""
    env = os.environ if env is None else env

    def sub(match: re.Match[str]) -> str:
        name, default = match.group(1), match.group(2)
        if name in env:
            return env[name]
        if default is not None:
            return default
        raise ConfigError(f"environment variable {name} is not set (used as ${{{name}}})")

    return _VAR.sub(sub, text)


def _interpolate_tree(node: Any, env: Mapping[str, str] | None) -> Any:
    """Interpolate string *values* after parsing: comments are left alone, and a secret with
    YAML syntax in it (``#``, ``: ``) cannot change the document's structure."""
    if isinstance(node, str):
        return interpolate(node, env)
    if isinstance(node, dict):
        return {k: _interpolate_tree(v, env) for k, v in node.items()}
    if isinstance(node, list):
        return [_interpolate_tree(v, env) for v in node]
    return node


def load_config(path: str | Path | None, env: Mapping[str, str] | None = None) -> SidecarConfig:
    """Read and validate a config file; ``None`` gives the embedded defaults."""
    if path is None:
        return SidecarConfig()
    path = Path(path)
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError(f"{path}: {exc}") from exc
    if not isinstance(raw, dict):
        raise ConfigError(f"{path}: the config must be a mapping")
    raw = _interpolate_tree(raw, env)
    try:
        config = SidecarConfig.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise ConfigError(f"{path}: {where}: {first['msg']}") from None
    base = path.parent
    return config.model_copy(update={
        "policy": _rel(config.policy, base),
        "tenants": {n: t.model_copy(update={"policy": _rel(t.policy, base) if t.policy else None})
                    for n, t in config.tenants.items()},
        "routes": tuple(r.model_copy(update={"policy": _rel(r.policy, base)})
                        for r in config.routes),
    })


def _rel(policy: str, base: Path) -> str:
    """Policy paths in a config file are relative to that file (unless they exist as given)."""
    p = Path(policy)
    if p.is_absolute() or p.exists():
        return str(p)
    return str(base / p)
