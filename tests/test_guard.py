"""Decision logic end to end through Guard: actions, precedence, shadow, on_error, scope."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest

from guard import Action, CheckContext, Guard
from guard.detectors.registry import default_registry
from guard.types import Finding

KW_RULE = """
  - id: {id}
    stages: [{stages}]
    detector: keywords
    settings: {{words: [{word}], category: {category}}}
    action: {action}
    mode: {mode}
"""


def policy(*rules: str, name: str = "t", version: int = 1, extra: str = "") -> str:
    return f"name: {name}\nversion: {version}\n{extra}rules:\n" + "".join(rules)


def kw(id: str, word: str, action: str, *, stages: str = "input", mode: str = "enforce",
       category: str = "blocklist") -> str:
    return KW_RULE.format(id=id, word=word, action=action, stages=stages, mode=mode,
                          category=category)


@pytest.fixture
def guard_for(write_policy: Callable[..., Path]) -> Callable[..., Guard]:
    def _make(text: str, **kwargs: Any) -> Guard:
        return Guard.from_file(write_policy(text), **kwargs)

    return _make


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("nothing here", Action.ALLOW),
        ("a bit of alpha", Action.FLAG),
        ("some beta here", Action.REWRITE),
        ("gamma!", Action.BLOCK),
        ("alpha beta gamma", Action.BLOCK),      # block > rewrite > flag
        ("alpha beta", Action.REWRITE),          # rewrite > flag
    ],
)
def test_actions_and_precedence(guard_for: Callable[..., Guard], text: str,
                                expected: Action) -> None:
    g = guard_for(policy(kw("f", "alpha", "flag"), kw("r", "beta", "rewrite"),
                         kw("b", "gamma", "block")))
    assert g.check_input(text).action is expected


def test_rewrite_masks_the_span_in_place(guard_for: Callable[..., Guard]) -> None:
    g = guard_for(policy(kw("r", "beta", "rewrite", category="WORD")))
    decision = g.check_input("x b3ta y")
    assert decision.output_text == "x <WORD> y"
    assert [(f.start, f.end) for f in decision.findings] == [(2, 6)]


@pytest.mark.parametrize(
    ("method", "extra", "expected"),
    [
        ("mask", "", "call <PHONE> now"),
        ("redact", "", "call  now"),
        ("replace", ", replacement: '[hidden]'", "call [hidden] now"),
    ],
)
def test_rewrite_methods(guard_for: Callable[..., Guard], method: str, extra: str,
                         expected: str) -> None:
    rule = f"""
  - id: r
    stages: [input]
    detector: regex
    settings: {{patterns: [{{category: PHONE, pattern: '\\d{{3}}-\\d{{4}}'}}]}}
    action: rewrite
    rewrite: {{method: {method}{extra}}}
"""
    assert guard_for(policy(rule)).check_input("call 555-1234 now").output_text == expected


def test_hash_rewrite_is_a_stable_pseudonym(guard_for: Callable[..., Guard],
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GUARD_HASH_SALT", "s3cret")
    rule = """
  - id: r
    stages: [input]
    detector: regex
    settings: {patterns: [{category: ID, pattern: 'id-\\d+'}]}
    action: rewrite
    rewrite: {method: hash}
"""
    g = guard_for(policy(rule))
    a = g.check_input("user id-42 and id-42 and id-7").output_text or ""
    tokens = a.split(" and ")
    assert tokens[0].endswith(tokens[1]) and tokens[1] != tokens[2]
    assert "id-42" not in a and "id-7" not in a
    monkeypatch.setenv("GUARD_HASH_SALT", "other")  # read at construction, not per call
    assert g.check_input("user id-42").output_text == tokens[0]
    other = Guard(g.policy, hash_salt="other")
    try:
        assert other.check_input("user id-42").output_text != tokens[0]
    finally:
        other.close()


def test_shadow_rules_are_evaluated_but_not_applied(guard_for: Callable[..., Guard]) -> None:
    g = guard_for(policy(kw("b", "gamma", "block", mode="shadow"), kw("f", "alpha", "flag")))
    decision = g.check_input("alpha gamma")
    assert decision.action is Action.FLAG
    assert decision.shadow_action is Action.BLOCK
    assert [r.rule_id for r in decision.shadow_rules] == ["b"]
    assert [r.rule_id for r in decision.fired_rules] == ["f"]


class Broken:
    name = "broken"

    async def detect(self, texts: Sequence[str]) -> list[list[Finding]]:
        raise RuntimeError("model server unreachable")


class Slow:
    name = "slow"

    async def detect(self, texts: Sequence[str]) -> list[list[Finding]]:
        await asyncio.sleep(5)
        return [[] for _ in texts]


def _registry() -> Any:
    reg = default_registry()
    reg.register("broken", lambda _s: Broken())
    reg.register("slow", lambda _s: Slow())
    return reg


@pytest.mark.parametrize(("on_error", "expected"), [("block", Action.BLOCK),
                                                    ("allow", Action.ALLOW)])
@pytest.mark.parametrize("detector", ["broken", "slow"])
def test_on_error_fails_closed_or_open_and_says_so(
        guard_for: Callable[..., Guard], on_error: str, expected: Action, detector: str) -> None:
    rule = f"""
  - id: r
    stages: [input]
    detector: {detector}
    action: block
    on_error: {on_error}
    timeout_ms: 200
"""
    g = guard_for(policy(rule), registry=_registry())
    decision = g.check_input("hello")
    assert decision.action is expected
    (outcome,) = decision.rules
    assert outcome.error is not None
    assert outcome.failed_open is (on_error == "allow")
    assert decision.to_dict()["rules"][0]["failed_open"] is (on_error == "allow")


SCOPED = """
  - id: acme-only
    stages: [input]
    detector: keywords
    settings: {words: [alpha]}
    action: block
    scope: {tenants: [acme], models: ["gpt-*"], routes: [/chat]}
  - id: tool-only
    stages: [input]
    detector: keywords
    settings: {words: [beta]}
    action: block
    scope: {roles: [tool]}
"""


@pytest.mark.parametrize(
    ("context", "expected"),
    [
        (CheckContext(tenant="acme", model="gpt-4o", route="/chat"), Action.BLOCK),
        (CheckContext(tenant="other", model="gpt-4o", route="/chat"), Action.ALLOW),
        (CheckContext(tenant="acme", model="llama-3", route="/chat"), Action.ALLOW),
        (CheckContext(tenant="acme", model="gpt-4o", route="/batch"), Action.ALLOW),
        (CheckContext(), Action.ALLOW),
    ],
)
def test_scope_by_tenant_model_route(guard_for: Callable[..., Guard], context: CheckContext,
                                     expected: Action) -> None:
    assert guard_for(policy(SCOPED)).check_input("alpha", context=context).action is expected


def test_scope_by_role(guard_for: Callable[..., Guard]) -> None:
    g = guard_for(policy(SCOPED))
    user = [{"role": "user", "content": "beta"}]
    tool = [{"role": "user", "content": "summarise"},
            {"role": "tool", "tool_call_id": "1", "content": "beta"}]
    assert g.check_input(user).action is Action.ALLOW
    assert g.check_input(tool).action is Action.BLOCK


def test_stages_are_separate(guard_for: Callable[..., Guard]) -> None:
    g = guard_for(policy(kw("in", "alpha", "block"), kw("out", "beta", "block",
                                                         stages="output")))
    assert g.check_input("beta").action is Action.ALLOW
    assert g.check_output("beta").action is Action.BLOCK
    assert g.check_output("alpha").action is Action.ALLOW


def test_output_checks_tool_call_arguments(guard_for: Callable[..., Guard]) -> None:
    g = guard_for(policy(kw("out", "beta", "rewrite", stages="output", category="W")))
    msg = {"role": "assistant", "content": None, "tool_calls": [
        {"id": "c1", "type": "function", "function": {"name": "f", "arguments": '{"q": "beta"}'}}]}
    decision = g.check_output([msg])
    assert decision.action is Action.REWRITE
    assert decision.messages[0].to_dict()["tool_calls"][0]["function"]["arguments"] == \
        '{"q": "<W>"}'


def test_content_parts_are_checked_and_rewritten(guard_for: Callable[..., Guard]) -> None:
    g = guard_for(policy(kw("r", "beta", "rewrite", category="W")))
    msg: Mapping[str, Any] = {"role": "user", "content": [
        {"type": "text", "text": "one beta"},
        {"type": "image_url", "image_url": {"url": "https://x/y.png"}},
        {"type": "text", "text": "two"}]}
    out = g.check_input([msg]).messages[0].to_dict()["content"]
    assert out == [{"type": "text", "text": "one <W>"},
                   {"type": "image_url", "image_url": {"url": "https://x/y.png"}},
                   {"type": "text", "text": "two"}]


def test_async_and_sync_give_the_same_decision(guard_for: Callable[..., Guard]) -> None:
    g = guard_for(policy(kw("b", "gamma", "block")))
    sync = g.check_input("gamma")
    async_ = asyncio.run(g.acheck_input("gamma"))
    assert (sync.action, sync.policy) == (async_.action, async_.policy)


def test_decision_carries_policy_identity_and_latency(guard_for: Callable[..., Guard]) -> None:
    g = guard_for(policy(kw("b", "gamma", "block"), name="p", version=7))
    d = g.check_input("gamma")
    assert (d.policy.name, d.policy.version) == ("p", 7)
    assert len(d.policy.hash) == 16
    assert "keywords" in d.latency_ms and d.latency_ms["total"] >= d.latency_ms["keywords"]


def test_lone_surrogates_do_not_break_detectors(guard_for: Callable[..., Guard]) -> None:
    g = guard_for(policy(kw("b", "gamma", "block")))
    decision = g.check_input("gamma \ud800 here")
    assert decision.action is Action.BLOCK
    assert decision.errors == ()
