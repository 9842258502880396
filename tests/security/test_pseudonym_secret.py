"""Threat: reversing pseudonyms by brute force.

User ids in the audit log and ``hash`` rewrites of PII are keyed hashes. Phone numbers and
national ids (NIR) are few enough to enumerate: with no key, or a key printed in the source
(``guard-default-salt`` before issue 11, item 10), anyone holding the log or the rewritten text
hashes every candidate and reads the real value back. These tests prove that:

- with no key configured, a random per-installation secret is created at first use (file mode
  0600) and keys both pseudonyms; the old public constant and the unkeyed hash no longer
  reproduce them, so a dictionary attack over all candidates finds nothing;
- two installations give different pseudonyms, one installation stable ones;
- a secret file readable by others, too short, or impossible to create makes the start fail
  with a clear error (no silent fallback).
"""

from __future__ import annotations

import hashlib
import hmac
import stat
from collections.abc import Callable
from pathlib import Path

import pytest

from guard import Guard
from guard.audit import open_recorder
from guard.audit.event import build_event
from guard.secret import SecretError, load_or_create_secret, secret_from_env
from tests.audit.audit_helpers import make_decision

PHONE = "06 12 34 56 78"
POLICY = """\
name: pseudo
version: 1
rules:
  - id: phone.hash
    stages: [input]
    detector: regex
    settings: {patterns: [{category: PHONE, pattern: '0\\d( \\d\\d){4}'}]}
    action: rewrite
    rewrite: {method: hash}
"""


def _candidates() -> list[str]:
    """The attacker's dictionary: a slice of French mobile numbers around the real one."""
    return [f"06 12 34 {a:02d} {b:02d}" for a in range(100) for b in range(100)]


@pytest.fixture
def installation(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.delenv("GUARD_HASH_SALT", raising=False)
    secret_file = tmp_path / "state" / "secret"
    monkeypatch.setenv("GUARD_SECRET_FILE", str(secret_file))
    return secret_file


def _pseudonym(write_policy: Callable[..., Path]) -> str:
    guard = Guard.from_file(write_policy(POLICY))
    try:
        text = guard.check_input(f"call me at {PHONE}").output_text or ""
    finally:
        guard.close()
    token = text.removeprefix("call me at ")
    assert token.startswith("<PHONE:") and PHONE not in text
    return token


def test_hash_rewrite_uses_a_generated_private_secret(
    installation: Path, write_policy: Callable[..., Path]
) -> None:
    token = _pseudonym(write_policy)
    assert installation.exists()
    assert stat.S_IMODE(installation.stat().st_mode) == 0o600
    assert len(installation.read_text().strip()) >= 32
    old_key = b"guard-default-salt"
    public = {f"<PHONE:{hmac.new(old_key, c.encode(), hashlib.sha256).hexdigest()[:10]}>"
              for c in _candidates()}
    assert token not in public  # the pre-fix pseudonym was in this dictionary
    assert _pseudonym(write_policy) == token  # stable within one installation


def test_two_installations_give_different_pseudonyms(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, write_policy: Callable[..., Path]
) -> None:
    monkeypatch.delenv("GUARD_HASH_SALT", raising=False)
    tokens = set()
    for name in ("a", "b"):
        monkeypatch.setenv("GUARD_SECRET_FILE", str(tmp_path / name / "secret"))
        tokens.add(_pseudonym(write_policy))
    assert len(tokens) == 2


def test_audit_user_ids_resist_a_dictionary_attack(installation: Path) -> None:
    recorder = open_recorder(f"sqlite:///{installation.parent}/audit.db")
    assert installation.exists()  # created at start, before any request
    decision, msgs = make_decision(user=PHONE)
    event = build_event(decision, original=msgs, retention="none", options=recorder.options)
    stored = event.user or ""
    assert PHONE not in stored
    unkeyed = {f(c) for c in _candidates() for f in (
        lambda c: "sha256:" + hashlib.sha256(f"\x00{c}".encode()).hexdigest()[:32],
        lambda c: "sha256:" + hashlib.sha256(c.encode()).hexdigest()[:32])}
    assert "sha256:" + hashlib.sha256(f"\x00{PHONE}".encode()).hexdigest()[:32] in unkeyed
    assert stored not in unkeyed and stored.removeprefix("hmac:") not in {
        u.removeprefix("sha256:") for u in unkeyed}
    again = build_event(decision, original=msgs, retention="none", options=recorder.options)
    assert again.user == stored  # the log can still group by user


def test_exposed_secret_file_refuses_to_start(installation: Path) -> None:
    load_or_create_secret(installation)
    installation.chmod(0o644)
    with pytest.raises(SecretError, match="chmod 600"):
        open_recorder(f"sqlite:///{installation.parent}/audit.db")


def test_short_secret_file_is_refused(installation: Path) -> None:
    installation.parent.mkdir(parents=True)
    installation.write_text("guard-default-salt")
    installation.chmod(0o600)
    with pytest.raises(SecretError, match="fewer than 32"):
        secret_from_env()


def test_uncreatable_secret_fails_at_start_with_a_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("")
    monkeypatch.delenv("GUARD_HASH_SALT", raising=False)
    monkeypatch.setenv("GUARD_SECRET_FILE", str(blocker / "secret"))
    with pytest.raises(SecretError, match="cannot create the Guard secret file"):
        open_recorder(f"sqlite:///{tmp_path}/audit.db")


def test_operator_salt_from_the_environment_wins(
    installation: Path, monkeypatch: pytest.MonkeyPatch, write_policy: Callable[..., Path]
) -> None:
    monkeypatch.setenv("GUARD_HASH_SALT", "a-secret-from-the-vault-0123456789")
    token = _pseudonym(write_policy)
    assert not installation.exists()
    monkeypatch.setenv("GUARD_HASH_SALT", "another-secret-from-the-vault-0123")
    assert _pseudonym(write_policy) != token
