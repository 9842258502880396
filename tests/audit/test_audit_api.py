"""The public surface the core and the sidecar build on."""

from __future__ import annotations

import inspect
from pathlib import Path

import pytest

import guard.audit
from guard.audit import AuditRecorder, open_recorder
from guard.audit.sinks import AuditUrlError, open_store
from guard.recording import DecisionRecorder


def test_exports_are_sorted_and_importable() -> None:
    assert guard.audit.__all__ == sorted(guard.audit.__all__)
    for name in guard.audit.__all__:
        assert hasattr(guard.audit, name), name


def test_recorder_satisfies_the_core_protocol(tmp_path: Path) -> None:
    recorder: DecisionRecorder = open_recorder(f"sqlite:///{tmp_path}/a.db")  # mypy checks
    assert isinstance(recorder, AuditRecorder)
    params = inspect.signature(AuditRecorder.record).parameters
    assert {"decision", "original", "retention", "facts"} <= set(params)


def test_default_url_and_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GUARD_AUDIT_URL", raising=False)
    assert open_store().url == "sqlite:///./guard-audit.db"
    monkeypatch.setenv("GUARD_AUDIT_URL", f"jsonl://{tmp_path}/x")
    assert type(open_store()).__name__ == "JsonlStore"


@pytest.mark.parametrize(
    ("url", "kind"),
    [
        ("sqlite:///rel/a.db", "SqliteStore"),
        ("sqlite:////abs/a.db", "SqliteStore"),
        ("jsonl:///var/log/guard?max_bytes=100", "JsonlStore"),
        ("postgresql://u:p@h/db", "PostgresStore"),
        ("postgres://u@h/db", "PostgresStore"),
        ("otel:", "OtelLogStore"),
    ],
)
def test_url_schemes(url: str, kind: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:4318")  # for otel:
    store = open_store(url)
    assert type(store).__name__ == kind
    if kind == "SqliteStore":
        assert str(store.path) == ("rel/a.db" if "////" not in url else "/abs/a.db")  # type: ignore[attr-defined]


@pytest.mark.parametrize("url", ["mysql://x", "sqlite://", "jsonl://?max_bytes=1",
                                 "jsonl:///d?max_bytes=ten"])
def test_bad_urls_are_refused(url: str) -> None:
    with pytest.raises(AuditUrlError):
        open_store(url)


def test_bad_fail_policy_is_refused() -> None:
    with pytest.raises(ValueError, match="on_full"):
        open_recorder("sqlite:///x.db", on_full="maybe")  # type: ignore[arg-type]
