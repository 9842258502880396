"""The policy file format, as pydantic models: the contract a policy author writes against.

Unknown keys are rejected everywhere (``extra="forbid"``): a typo such as ``treshold`` must
fail loudly at load, not silently fall back to a default that lets traffic through.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from guard.types import ROLES, Action, Mode, Retention, Stage

RULE_ID = r"^[A-Za-z0-9][A-Za-z0-9_.:\-]*$"

InputMode = Literal["parallel", "sequential"]
"""When an input rule runs relative to the upstream call: ``parallel`` (while the upstream
request is in flight; nothing of its answer is released before the rule decided) or
``sequential`` (before the upstream is called). Rewrite rules are always sequential: the
upstream must only ever see the rewritten prompt."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Scope(_Strict):
    """Which traffic a rule applies to. An empty list means "any"; entries may use globs."""

    tenants: tuple[str, ...] = ()
    models: tuple[str, ...] = ()
    routes: tuple[str, ...] = ()
    roles: tuple[str, ...] = Field(
        default=(), description="Message roles to check; default: user+tool on input, "
        "assistant on output.")

    @field_validator("roles")
    @classmethod
    def _known_roles(cls, roles: tuple[str, ...]) -> tuple[str, ...]:
        unknown = [r for r in roles if r not in ROLES]
        if unknown:
            raise ValueError(f"unknown role(s) {unknown}; expected any of {list(ROLES)}")
        return roles


class RewriteSpec(_Strict):
    """How a ``rewrite`` rule changes the spans it found.

    - ``mask``: replace with ``<CATEGORY>`` (e.g. ``<EMAIL_ADDRESS>``)
    - ``redact``: remove the span
    - ``replace``: replace with ``replacement``
    - ``hash``: replace with a stable pseudonym ``<CATEGORY:1a2b3c4d>`` (HMAC with a secret salt)
    """

    method: Literal["mask", "redact", "replace", "hash"] = "mask"
    replacement: str | None = None

    @model_validator(mode="after")
    def _replacement_given(self) -> RewriteSpec:
        if self.method == "replace" and self.replacement is None:
            raise ValueError("method 'replace' needs a 'replacement' text")
        return self


class RuleSpec(_Strict):
    """One rule: run a detector on a stage, compare scores to thresholds, act."""

    id: str = Field(pattern=RULE_ID)
    description: str = ""
    enabled: bool = True
    stages: tuple[Stage, ...] = Field(min_length=1)
    detector: str = Field(min_length=1)
    settings: dict[str, Any] = Field(default_factory=dict)
    threshold: float = Field(default=0.5, ge=0.0, le=1.0)
    categories: tuple[str, ...] = Field(
        default=(), description="Only these categories count; empty means all.")
    thresholds: dict[str, float] = Field(
        default_factory=dict, description="Per-category thresholds overriding 'threshold'.")
    action: Literal["block", "rewrite", "flag"]
    rewrite: RewriteSpec = RewriteSpec()
    mode: Mode = Mode.ENFORCE
    on_error: Literal["block", "allow"] = "block"
    timeout_ms: int | None = Field(default=None, gt=0, le=120_000)
    input_mode: InputMode | None = Field(
        default=None, description="parallel | sequential; default: the policy's input_mode. "
        "Rewrite rules always run before the upstream is called.")
    scope: Scope = Scope()
    spare_support_requests: bool = Field(
        default=False, description="Do not act on the model's self-harm, harmful and violence "
        "scores of a short message asking for support about self-harm "
        "(guard/detectors/support.py); precise pattern scores still count.")
    spare_definition_questions: bool = Field(
        default=False, description="Do not act on the model's harmful, illicit and violence "
        "scores of a message that only asks what a term means ('What is money laundering?', "
        "guard/detectors/definitions.py); precise pattern scores still count.")

    @property
    def outcome(self) -> Action:
        """The rule's action as an :class:`Action`."""
        return Action(self.action)

    @field_validator("thresholds")
    @classmethod
    def _thresholds_in_range(cls, value: dict[str, float]) -> dict[str, float]:
        for category, threshold in value.items():
            if not 0.0 <= threshold <= 1.0:
                raise ValueError(
                    f"threshold for {category!r} must be between 0 and 1, got {threshold}")
        return value


class PolicySettings(_Strict):
    """Policy-wide behaviour: what a block looks like, what the audit log keeps."""

    retention: Retention = Field(
        default="none", description="Content kept in the audit log: none, redacted or full.")
    block_response: Literal["error", "refusal"] = Field(
        default="error", description="Sidecar: HTTP 400 error envelope, or 200 refusal.")
    refusal_message: str = "I can't help with that request."
    stream_window_chars: int = Field(
        default=64, ge=0, le=4096,
        description="Characters of a streamed answer held back beyond any pattern match in "
        "progress: the output classifiers have read this many characters past any text "
        "released. 0 releases the answer word by word (patterns are still held whole).")
    detector_timeout_ms: int = Field(default=5000, gt=0, le=120_000)
    detector_timeout_ms_per_1k_chars: int = Field(
        default=200, ge=0, le=60_000,
        description="Added to detector_timeout_ms per 1,000 characters a detector scans (up "
        "to max_scan_chars): long ordinary texts get a budget that fits their size.")
    max_scan_chars: int = Field(
        default=100_000, ge=1_000, le=10_000_000,
        description="Characters one detector scans per check (all its segments together).")
    max_messages: int = Field(default=1_000, ge=1, le=1_000_000,
                              description="Messages checked per request.")
    on_limit: Literal["block", "scan_prefix"] = Field(
        default="block", description="Over a limit: block the request, or check only the "
        "first max_scan_chars characters (and the last max_messages messages). Audited as "
        "rule 'guard.limits' either way.")
    hash_salt_env: str = "GUARD_HASH_SALT"
    hash_user_ids: bool = True
    input_mode: InputMode = Field(
        default="parallel", description="Block/flag input rules run while the upstream call "
        "is in flight (parallel) or before it (sequential).")


class PolicySpec(_Strict):
    """A whole policy file, after ``extends`` has been resolved."""

    name: str = Field(min_length=1, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$")
    version: int = Field(ge=1)
    description: str = ""
    extends: str | None = None
    remove_rules: tuple[str, ...] = ()
    settings: PolicySettings = PolicySettings()
    rules: tuple[RuleSpec, ...] = ()

    @model_validator(mode="after")
    def _unique_rule_ids(self) -> PolicySpec:
        seen: set[str] = set()
        for rule in self.rules:
            if rule.id in seen:
                raise ValueError(f"duplicate rule id {rule.id!r}")
            seen.add(rule.id)
        return self
