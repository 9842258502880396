"""The audit event: what is stored, what never is."""

from __future__ import annotations

import json

import pytest

from guard.audit.event import build_event, hash_user, safe_url
from guard.secret import AUDIT_USER_ID, secret_from_env
from guard.types import Action, Message, Mode, RequestFacts
from tests.audit.audit_helpers import make_decision


def test_event_carries_policy_rules_scores_and_latency() -> None:
    decision, msgs = make_decision(action=Action.BLOCK, findings=(("secret", 0, 5),),
                                   upstream="https://api.example.com/v1")
    event = build_event(decision, original=msgs, retention="none",
                        facts=RequestFacts(stream_chars_released=42, upstream_status=200))
    assert event.decision_id == decision.id
    assert (event.policy_name, event.policy_version, event.policy_hash) == ("unit", 1, "abc123")
    assert event.rule_ids == ("r1",) and event.shadow_rule_ids == ()
    assert event.rules[0].mode == "enforce" and event.rules[0].fired
    assert event.detector_scores == {"regex": 0.9}
    assert event.latency_ms == {"regex": 0.5, "total": 0.7}
    assert event.stream_chars_released == 42 and event.upstream_status == 200
    assert event.tenant == "acme" and event.model == "gpt-4o" and event.action == "block"


def test_shadow_rule_is_recorded_as_shadow() -> None:
    decision, msgs = make_decision(action=Action.ALLOW, findings=(("x", 0, 1),),
                                   rule_mode=Mode.SHADOW)
    event = build_event(decision, original=msgs, retention="none")
    assert event.rule_ids == () and event.shadow_rule_ids == ("r1",)
    assert event.rules[0].mode == "shadow"


@pytest.mark.parametrize(
    ("retention", "expected"),
    [
        ("none", None),
        ("full", "mail bob@example.com now"),
        ("redacted", "mail [EMAIL] now"),
    ],
)
def test_content_follows_retention(retention: str, expected: str | None) -> None:
    decision, msgs = make_decision(text="mail bob@example.com now", findings=(("email", 5, 20),))
    event = build_event(decision, original=msgs, retention=retention)  # type: ignore[arg-type]
    stored = None if event.messages is None else event.messages[0]["content"]
    assert stored == expected
    if retention != "full":
        assert "bob@example.com" not in event.model_dump_json()


def test_redaction_refuses_unplaceable_finding() -> None:
    decision, _ = make_decision(text="short", findings=(("email", 0, 99),))
    event = build_event(decision, original=(Message(role="user", content="short"),),
                        retention="redacted")
    assert event.messages is None


def test_user_ids_are_hashed_and_secrets_never_stored() -> None:
    decision, msgs = make_decision(
        user="alice@corp.com", upstream="https://user:pw@api.example.com/v1?key=SECRETKEY")
    event = build_event(
        decision, original=msgs, retention="none",
        facts=RequestFacts(upstream_error="401 for Bearer sk-live-abcdefghijkl"),
    )
    text = event.model_dump_json()
    key = secret_from_env().derive(AUDIT_USER_ID)
    assert event.user == hash_user("alice@corp.com", key) and "alice" not in text
    for secret in ("sk-live-abcdefghijkl", "sk-abcdefghijkl", "SECRETKEY", "pw@"):
        assert secret not in text
    assert event.upstream == "https://api.example.com/v1"
    assert json.loads(text)["upstream_error"] == "401 for [REDACTED]"


def test_safe_url_strips_credentials_and_query() -> None:
    assert safe_url("http://k:s@h:8080/p?api_key=1#f") == "http://h:8080/p"
