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
        aliases: {fast: gpt-4o-mini}         # client-facing name -> upstream model
      azure-east:                            # reached only through the group below
        style: azure                         # {base_url}/openai/deployments/{d}/chat/completions
        base_url: https://east.openai.azure.com
        api_version: "2024-10-21"
        api_key_env: AZURE_EAST_KEY          # sent as the api-key header
        aliases: {gpt-4.1: gpt41-east}       # client model -> deployment name
      azure-west: {style: azure, base_url: "https://west.openai.azure.com",
                   api_version: "2024-10-21", api_key_env: AZURE_WEST_KEY,
                   aliases: {gpt-4.1: gpt41-west}}
    upstream_groups:                         # matched before single upstreams
      gpt41:
        members: [azure-east, azure-west]    # or [{upstream: azure-east, weight: 3}, ...]
        strategy: priority                   # or weighted
        models: ["gpt-4.1"]
        max_attempts: 2
        deadline_s: 60
    tenants:
      team-a:
        key_hashes: ["sha256:9f86d08..."]
        policy: policies/strict.yaml
        limits: {requests_per_minute: 600, tokens_per_day: 2000000}
    admin: {key_hashes: ["sha256:..."]}       # POST /admin/reload
    routes:                                   # first match wins, then tenant policy, then default
      - match: {model: "gpt-4o-mini", tenant: "team-*"}
        policy: policies/cheap.yaml
    server: {max_in_flight: 64, max_body_bytes: 4194304, shutdown_grace_s: 25}
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from guard.console.config import ConsoleConfig
from guard.engine.stream import default_detector_lookbehind
from guard.errors import ConfigError
from guard.policy.loader import load_yaml
from guard.policy.scope import matches

DEFAULT_POLICY = "default"
_VAR = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}")


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


UrlStyle = Literal["openai", "azure", "azure_foundry", "anthropic"]
_AZURE_STYLES = ("azure", "azure_foundry")


class BreakerConfig(_Model):
    """Circuit breaker of one upstream: open after ``failure_threshold`` consecutive failures
    (connect errors, timeouts, 429, 5xx), then let one probe request through after
    ``cooldown_s``; the probe's success closes it, its failure opens it again."""

    failure_threshold: int = Field(default=5, ge=1, le=1000)
    cooldown_s: float = Field(default=30.0, gt=0, le=3600)


class UpstreamConfig(_Model):
    """One upstream model API, how its URLs are built, and the models it serves."""

    base_url: str = Field(description="openai: the OpenAI base URL (normally ending in /v1); "
                          "azure: the resource endpoint; azure_foundry: the endpoint ending "
                          "in /models. A query string here is kept on every call.")
    style: UrlStyle = Field(
        default="openai", description="openai: {base_url}/chat/completions; azure: "
        "{base_url}/openai/deployments/{deployment}/chat/completions?api-version=...; "
        "azure_foundry: {base_url}/chat/completions?api-version=...; anthropic: "
        "{base_url}/messages with x-api-key and anthropic-version headers (for /v1/messages)")
    api_version: str | None = Field(
        default=None, description="The api-version query parameter (required for azure).")
    deployment: str | None = Field(
        default=None, description="azure: one fixed deployment; default: the upstream model "
        "name (after aliases) is the deployment name.")
    api_key_env: str | None = Field(
        default=None, description="Env var holding the upstream API key (never the key).")
    api_key_header: str | None = Field(
        default=None, description="Header that carries the key: 'authorization' (sent as "
        "'Bearer KEY'; default for openai) or a header name such as 'api-key' (default for "
        "azure styles).")
    timeout_s: float = Field(default=60.0, gt=0, le=3600)
    connect_timeout_s: float = Field(default=5.0, gt=0, le=600)
    headers: dict[str, str] = Field(default_factory=dict)
    models: tuple[str, ...] = Field(default=("*",), description="Model name globs.")
    aliases: dict[str, str] = Field(
        default_factory=dict, description="Client-facing model name -> upstream model name "
        "(azure: deployment). Aliased names are served even when no glob matches them.")
    forward_client_auth: bool = Field(
        default=False,
        description="Use the client's own bearer key upstream when no api_key_env is set. "
        "Off unless set: a sidecar never relays a client's credentials implicitly.")
    breaker: BreakerConfig = BreakerConfig()
    stream_upstream: bool = Field(
        default=True,
        description="With output rules, ask this upstream to stream even when the client did "
        "not (usage via stream_options.include_usage), check windows as tokens arrive and "
        "assemble the JSON answer at the end, so only the last window's check is added to "
        "the answer (bench/latency.py, 300-token answer: README, 'Sidecar latency'). An "
        "upstream that rejects the streamed request (a 4xx of its own) is asked again as the "
        "client sent it and read as JSON from then on. Off: one JSON body costs the sidecar "
        "less CPU than ~300 SSE chunks (more answers/s at saturation), at the full output "
        "check's latency on every answer.")

    @field_validator("base_url")
    @classmethod
    def _http(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("base_url must start with http:// or https://")
        return value.rstrip("/")

    @field_validator("api_key_header")
    @classmethod
    def _header_name(cls, value: str | None) -> str | None:
        if value is not None and not re.fullmatch(r"[A-Za-z0-9-]+", value):
            raise ValueError("api_key_header must be a header name such as 'api-key'")
        return None if value is None else value.lower()

    @model_validator(mode="after")
    def _style(self) -> UpstreamConfig:
        if self.style in _AZURE_STYLES and not self.api_version:
            raise ValueError(f"style {self.style!r} needs api_version (e.g. '2024-10-21')")
        if self.deployment is not None and self.style != "azure":
            raise ValueError("deployment applies to style 'azure' only")
        return self

    @property
    def key_header(self) -> str:
        if self.api_key_header:
            return self.api_key_header
        if self.style == "anthropic":
            return "x-api-key"
        return "api-key" if self.style in _AZURE_STYLES else "authorization"

    def api_key(self) -> str | None:
        return os.environ.get(self.api_key_env) if self.api_key_env else None

    def serves(self, model: str) -> bool:
        return model in self.aliases or (bool(self.models) and matches(self.models, model))

    def upstream_model(self, model: str) -> str:
        """The name the upstream knows ``model`` by (its alias target, else itself)."""
        return self.aliases.get(model, model)


class GroupMember(_Model):
    """One member of an upstream group: an upstream's name and its weight."""

    upstream: str
    weight: float = Field(default=1.0, gt=0, le=1_000_000)


class UpstreamGroupConfig(_Model):
    """Several upstreams serving the same models, tried in turn.

    A connect error, a connection dropped before the answer, 429 or 5xx moves on to the next
    member, as long as nothing was sent to the client yet (for streams: before the first
    chunk), at most ``max_attempts`` tries in all and within ``deadline_s``.
    """

    members: tuple[GroupMember, ...] = Field(min_length=1)
    strategy: Literal["priority", "weighted"] = Field(
        default="priority", description="priority: members in the order given; weighted: a "
        "random order drawn by weight for each request.")
    models: tuple[str, ...] = Field(default=("*",), description="Model name globs.")
    max_attempts: int | None = Field(
        default=None, ge=1, le=10, description="Tries in all (default: one per member).")
    deadline_s: float = Field(
        default=120.0, gt=0, le=3600, description="Time for all tries until the answer (for "
        "streams: until the first chunk).")

    @field_validator("members", mode="before")
    @classmethod
    def _names(cls, value: Any) -> Any:
        if isinstance(value, list | tuple):
            return [{"upstream": v} if isinstance(v, str) else v for v in value]
        return value

    @property
    def attempts(self) -> int:
        return self.max_attempts or len(self.members)

    def serves(self, model: str, upstreams: Mapping[str, UpstreamConfig]) -> bool:
        return (matches(self.models, model)
                or any(model in upstreams[m.upstream].aliases for m in self.members
                       if m.upstream in upstreams))



def _check_hashes(value: tuple[str, ...]) -> tuple[str, ...]:
    for h in value:
        if not re.fullmatch(r"sha256:[0-9a-f]{64}", h):
            raise ValueError("key hashes look like 'sha256:<64 hex>' (guard serve --hash-key)")
    return value


class TenantLimits(_Model):
    """Quotas of one tenant (or of each of its keys, with ``per_key``); unset: unlimited."""

    requests_per_minute: int | None = Field(default=None, ge=1)
    tokens_per_day: int | None = Field(
        default=None, ge=1, description="Prompt estimate charged before the call, corrected "
        "by the upstream's reported usage after it.")
    per_key: bool = Field(default=False, description="One counter per API key, not per tenant.")


class TenantConfig(_Model):
    """A tenant: the hashes of its API keys, optionally its own policy and limits."""

    key_hashes: tuple[str, ...] = Field(min_length=1)
    policy: str | None = None
    limits: TenantLimits | None = None

    @field_validator("key_hashes")
    @classmethod
    def _hashes(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        return _check_hashes(value)


class AdminConfig(_Model):
    """Who may call ``/admin/*`` (reload): SHA-256 hashes of admin keys, never the keys."""

    key_hashes: tuple[str, ...] = Field(min_length=1)

    @field_validator("key_hashes")
    @classmethod
    def _hashes(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        return _check_hashes(value)


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
    max_detector_backlog: int = Field(
        default=128, ge=1, le=100_000,
        description="Detector work items running or queued (including work abandoned by a "
        "timed-out request) above which /readyz reports not ready: a saturated replica "
        "leaves the load balancer instead of failing every request closed.")
    warm_moderation: bool = Field(
        default=False, description="Load the /v1/moderations classifier at startup (after "
        "readiness) instead of on its first call.")
    http_client: Literal["httpx", "aiohttp"] = Field(
        default="aiohttp", description="HTTP client for upstream calls: 'aiohttp' (default) "
        "parses responses in C (5-14 % less sidecar CPU per exchange than 'httpx', whose own "
        "transport parses in Python); both trust the same CAs (certifi, or SSL_CERT_FILE).")
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
        default=768, ge=0, le=65536,
        description="The same for a non-streamed answer read from a streamed upstream: the "
        "client sees nothing before the end, so checks only keep the last one small (the "
        "first waits for this many characters too: a shorter text is one classifier window "
        "that the final check could not reuse).")
    assembled_lookbehind_chars: int = Field(
        default=4096, ge=0, le=1_000_000,
        description="Look-behind of those checks: each one re-reads the answer from its start "
        "(up to this many characters back), so its classifier windows are the ones the final "
        "check sees and the encoder's window cache serves them: each window is encoded once "
        "and the final check costs about its new windows only.")
    detector_lookbehind_chars: dict[str, int] = Field(
        default_factory=default_detector_lookbehind,
        description="Per-detector look-behind; the largest among active rules applies.")
    allow_unauthenticated: bool = Field(
        default=False, description="Serve a non-loopback host without tenant keys (an open "
        "relay to the upstream's key); refused at startup unless set, and logged loudly.")
    shutdown_grace_s: float = Field(
        default=25.0, gt=0, le=3600, description="Seconds open requests get at shutdown; keep "
        "it below the pod's terminationGracePeriodSeconds (30 in deploy/k8s). Streams still "
        "open one second before it ends get an error event and [DONE].")


class SidecarConfig(_Model):
    """The whole sidecar configuration (see the module docstring for an example)."""

    policy: str = DEFAULT_POLICY
    upstreams: dict[str, UpstreamConfig] = Field(default_factory=dict)
    upstream_groups: dict[str, UpstreamGroupConfig] = Field(
        default_factory=dict, description="Failover groups, matched before single upstreams.")
    tenants: dict[str, TenantConfig] = Field(default_factory=dict)
    routes: tuple[PolicyRoute, ...] = ()
    server: ServerConfig = ServerConfig()
    audit_url: str | None = None
    require_auth: bool | None = Field(
        default=None, description="Reject unknown keys; default: on when tenants are set.")
    console: ConsoleConfig | None = Field(
        default=None, description="Compliance console at /console (docs/console.md).")

    admin: AdminConfig | None = Field(
        default=None, description="Admin keys for /admin/reload (absent: admin API disabled).")

    @model_validator(mode="after")
    def _upstream_groups(self) -> SidecarConfig:
        for name, group in self.upstream_groups.items():
            if name in self.upstreams:
                raise ValueError(f"upstream_groups.{name}: an upstream has the same name")
            for i, member in enumerate(group.members):
                upstream = self.upstreams.get(member.upstream)
                if upstream is None:
                    raise ValueError(f"upstream_groups.{name}.members.{i}: no upstream "
                                     f"named {member.upstream!r}")
                if "models" in upstream.model_fields_set:
                    raise ValueError(f"upstreams.{member.upstream}.models: a member of group "
                                     f"{name!r} is routed by the group's models")
        if self.tenants:
            for name, upstream in self.upstreams.items():
                if upstream.forward_client_auth:
                    raise ValueError(f"upstreams.{name}.forward_client_auth: with tenants, "
                                     "the client's key is a Guard key and never goes upstream")
        return self

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

    def is_admin_key(self, key: str) -> bool:
        if self.admin is None or not key:
            return False
        digest = hash_key(key)
        return any(hmac.compare_digest(digest, h) for h in self.admin.key_hashes)

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
        forward_client_auth: bool = False,
    ) -> SidecarConfig:
        """Apply command-line flags (``--upstream`` puts every model behind one base URL;
        the client's key goes upstream only with ``--forward-client-auth``)."""
        if forward_client_auth and self.tenants:
            raise ConfigError("--forward-client-auth: with tenants, the client's key is a "
                              "Guard key and never goes upstream")
        update: dict[str, Any] = {}
        if policy is not None:
            update["policy"] = policy
        if upstream is not None:
            update["upstreams"] = {"default": UpstreamConfig(
                base_url=upstream, api_key_env="GUARD_UPSTREAM_API_KEY",
                forward_client_auth=forward_client_auth)}
            update["upstream_groups"] = {}
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
        text = path.read_text(encoding="utf-8")
        raw, _ = load_yaml(text, file=str(path))
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: not UTF-8 text") from None
    raw = raw or {}
    if not isinstance(raw, dict):
        raise ConfigError(f"{path}: the config must be a mapping")
    raw = _interpolate_tree(raw, env)
    try:
        config = SidecarConfig.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        line = _line_of(text, tuple(first["loc"]))
        at = f"{path}:{line}" if line else str(path)
        message = str(first["msg"]).removeprefix("Value error, ")
        raise ConfigError(f"{at}: {where}: {message}" if where else f"{at}: {message}"
                          ) from None
    base = path.parent
    return config.model_copy(update={
        "policy": _rel(config.policy, base),
        "tenants": {n: t.model_copy(update={"policy": _rel(t.policy, base) if t.policy else None})
                    for n, t in config.tenants.items()},
        "routes": tuple(r.model_copy(update={"policy": _rel(r.policy, base)})
                        for r in config.routes),
    })


def _line_of(text: str, loc: tuple[Any, ...]) -> int | None:
    """The line of the deepest key of ``loc`` found in the YAML text (1-based)."""
    try:
        node: Any = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        return None
    line = None
    for part in loc:
        if isinstance(node, yaml.MappingNode):
            hit = next(((k, v) for k, v in node.value if k.value == str(part)), None)
            if hit is None:
                break
            line, node = hit[0].start_mark.line + 1, hit[1]
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) \
                and part < len(node.value):
            node = node.value[part]
            line = node.start_mark.line + 1
        else:
            break
    return line


def _rel(policy: str, base: Path) -> str:
    """Policy paths in a config file are relative to that file (unless they exist as given)."""
    p = Path(policy)
    if p.is_absolute() or p.exists():
        return str(p)
    return str(base / p)
