"""One settings object, read from the environment once; secrets stay out of ``repr``."""

from __future__ import annotations

from guard.settings import Settings, settings


def test_settings_read_the_guard_variables() -> None:
    s = Settings.from_env({"GUARD_AUDIT_URL": "jsonl:///tmp/x", "GUARD_AUDIT_HMAC_KEY": "k3y",
                           "GUARD_LOG_LEVEL": "debug"})
    assert (s.audit_url, s.audit_hmac_key, s.log_level) == ("jsonl:///tmp/x", "k3y", "debug")
    assert "k3y" not in repr(s)
    assert Settings.from_env({}) == Settings()


def test_settings_are_built_once() -> None:
    assert settings() is settings()
