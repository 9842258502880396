"""Hot reload (issue 14): validated, atomic, audited; in-flight requests finish on their version.

Real parts throughout: the sidecar served by uvicorn on 127.0.0.1, the stub upstream over HTTP,
the real audit recorder writing a JSONL chain, and ``guard serve`` as a process for SIGHUP.
"""

from __future__ import annotations

import json
import signal
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from guard.detectors.registry import DetectorRegistry
from guard.sidecar.app import create_app
from guard.sidecar.config import (
    AdminConfig,
    ServerConfig,
    SidecarConfig,
    UpstreamConfig,
    hash_key,
    load_config,
)
from tests.sidecar.conftest import ServerThread
from tests.sidecar.test_cli_and_config import start_serve, stopper, wait_ready
from tests.support.stub_upstream import StubUpstream

__all__ = ["stopper"]  # fixture re-exported for the SIGHUP test

ADMIN_KEY = "admin-secret-for-tests"
ADMIN = {"authorization": f"Bearer {ADMIN_KEY}"}


def policy_text(word: str, version: int) -> str:
    return f"""name: reloadable
version: {version}
rules:
  - id: banned.word
    stages: [input]
    detector: regex
    settings:
      patterns:
        - {{category: banned, pattern: '\\b{word}\\b'}}
    action: block
"""


def audit_records(directory: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for f in sorted(directory.glob("*.jsonl"))
            for line in f.read_text().splitlines() if line.strip()]


class Served:
    def __init__(self, url: str, policy: Path, audit_dir: Path, config_file: Path) -> None:
        self.url = url
        self.policy = policy
        self.audit_dir = audit_dir
        self.config_file = config_file

    def chat(self, text: str, **kw: Any) -> httpx.Response:
        return httpx.post(f"{self.url}/v1/chat/completions", json={
            "model": "stub-model", "messages": [{"role": "user", "content": text}], **kw},
            timeout=30)


@pytest.fixture
def served(tmp_path: Path, stub: StubUpstream, registry: DetectorRegistry) -> Iterator[Served]:
    policy = tmp_path / "policy.yaml"
    policy.write_text(policy_text("alpha", 1))
    config_file = tmp_path / "guard.yaml"
    audit_dir = tmp_path / "audit"
    config_file.write_text(json.dumps({
        "policy": str(policy), "upstreams": {"stub": {"base_url": stub.base_url}},
        "admin": {"key_hashes": [hash_key(ADMIN_KEY)]}, "audit_url": f"jsonl://{audit_dir}",
        "server": {"warm_moderation": False}}))
    # The app opens (and starts, in its own loop) the real recorder from audit_url.
    app = create_app(load_config(config_file), registry=registry,
                     config_source=lambda: load_config(config_file))
    server = ServerThread(app).start()
    try:
        yield Served(server.url, policy, audit_dir, config_file)
    finally:
        server.stop()


def test_reload_under_load_fails_no_request_and_is_audited(served: Served,
                                                           stub: StubUpstream) -> None:
    stub.chunk_delay = 0.01
    assert served.chat("say alpha").status_code == 400  # v1 blocks "alpha"
    old_hash = httpx.get(f"{served.url}/readyz").json()["policies"][str(served.policy)]["hash"]
    statuses: list[int] = []
    errors: list[BaseException] = []
    stop = threading.Event()

    def client() -> None:
        with httpx.Client(timeout=30) as http:
            while not stop.is_set():
                try:
                    stream = len(statuses) % 2 == 0
                    resp = http.post(f"{served.url}/v1/chat/completions", json={
                        "model": "stub-model", "stream": stream,
                        "messages": [{"role": "user", "content": "an ordinary question"}]})
                    statuses.append(resp.status_code)
                    if stream:
                        assert resp.text.endswith("data: [DONE]\n\n")
                except BaseException as exc:  # reported below
                    errors.append(exc)

    threads = [threading.Thread(target=client) for _ in range(6)]
    for t in threads:
        t.start()
    time.sleep(0.5)
    served.policy.write_text(policy_text("beta", 2))
    reload = httpx.post(f"{served.url}/admin/reload", headers=ADMIN, timeout=30)
    time.sleep(0.5)
    stop.set()
    for t in threads:
        t.join(timeout=30)
    assert reload.status_code == 200, reload.text
    body = reload.json()
    assert body["version"] == 2 and body["changed"] is True
    new_hash = body["policies"][str(served.policy)]["new"]
    assert body["policies"][str(served.policy)]["old"] == old_hash != new_hash
    assert not errors and len(statuses) > 20
    assert set(statuses) == {200}, statuses
    # The new version is live: "beta" is blocked, "alpha" passes.
    assert served.chat("say beta").status_code == 400
    assert served.chat("say alpha").status_code == 200
    metrics = httpx.get(f"{served.url}/metrics").text
    assert 'guard_sidecar_reloads_total{result="ok",trigger="admin"} 1.0' in metrics
    time.sleep(0.5)  # the recorder writes in the background
    records = audit_records(served.audit_dir)
    switch = [r for r in records if r["stage"] == "reload"]
    assert len(switch) == 1 and switch[0]["action"] == "reload"
    assert switch[0]["reload"]["policies"][str(served.policy)] == {"old": old_hash,
                                                                  "new": new_hash}
    assert switch[0]["policy_hash"] == new_hash
    # Requests before the switch carry the old hash, after it the new one.
    hashes = [r["policy_hash"] for r in records if r["stage"] == "input"]
    assert hashes[0] == old_hash and hashes[-1] == new_hash


def test_broken_policy_is_refused_and_the_old_one_keeps_serving(served: Served) -> None:
    served.policy.write_text(policy_text("alpha", 1).replace("detector: regex",
                                                             "detector: no_such_detector"))
    resp = httpx.post(f"{served.url}/admin/reload", headers=ADMIN, timeout=30)
    assert resp.status_code == 422
    error = resp.json()["error"]
    assert error["code"] == "invalid_config"
    assert error["file"] == str(served.policy) and error["line"] == 6
    assert "no_such_detector" in error["message"] and str(served.policy) in error["message"]
    assert served.chat("say alpha").status_code == 400  # the old policy still blocks
    assert served.chat("hello").status_code == 200
    ready = httpx.get(f"{served.url}/readyz").json()
    assert ready["config_version"] == 1
    metrics = httpx.get(f"{served.url}/metrics").text
    assert 'guard_sidecar_reloads_total{result="failed",trigger="admin"} 1.0' in metrics
    time.sleep(0.5)
    failed = [r for r in audit_records(served.audit_dir) if r["stage"] == "reload"]
    assert failed and failed[0]["action"] == "reload_failed"
    assert "no_such_detector" in failed[0]["reload"]["error"]


def test_broken_config_names_file_line_and_field(served: Served) -> None:
    config = json.loads(served.config_file.read_text())
    config["server"]["max_in_fligth"] = 3  # a typo must not be silently ignored
    served.config_file.write_text(json.dumps(config, indent=1))
    resp = httpx.post(f"{served.url}/admin/reload", headers=ADMIN, timeout=30)
    assert resp.status_code == 422
    message = resp.json()["error"]["message"]
    assert f"{served.config_file}:" in message and "server.max_in_fligth" in message
    assert served.chat("hello").status_code == 200


def test_restart_only_changes_are_reported_not_applied(served: Served) -> None:
    config = json.loads(served.config_file.read_text())
    config["server"]["max_in_flight"] = 7
    served.config_file.write_text(json.dumps(config))
    resp = httpx.post(f"{served.url}/admin/reload", headers=ADMIN, timeout=30)
    assert resp.status_code == 200
    assert resp.json()["restart_required"] == ["server.max_in_flight"]
    assert httpx.get(f"{served.url}/readyz").json()["max_in_flight"] == 64


def test_admin_endpoint_needs_the_admin_key(served: Served, stub: StubUpstream,
                                            registry: DetectorRegistry) -> None:
    wrong = httpx.post(f"{served.url}/admin/reload", headers={"authorization": "Bearer nope"})
    assert wrong.status_code == 401 and wrong.json()["error"]["code"] == "invalid_api_key"
    assert httpx.post(f"{served.url}/admin/reload").status_code == 401
    config = SidecarConfig(policy=str(served.policy),
                           upstreams={"stub": UpstreamConfig(base_url=stub.base_url)},
                           server=ServerConfig(warm_moderation=False))
    server = ServerThread(create_app(config, audit=False, registry=registry)).start()
    try:
        off = httpx.post(f"{server.url}/admin/reload", headers=ADMIN)
        assert off.status_code == 403 and off.json()["error"]["code"] == "admin_disabled"
    finally:
        server.stop()
    assert AdminConfig(key_hashes=(hash_key(ADMIN_KEY),)).key_hashes[0].startswith("sha256:")


def test_in_flight_stream_finishes_on_its_version(served: Served, stub: StubUpstream) -> None:
    """A stream that started under v1 ends under v1 even though v2 is live meanwhile."""
    served.policy.write_text(policy_text("alpha", 1).replace("stages: [input]",
                                                             "stages: [input, output]"))
    assert httpx.post(f"{served.url}/admin/reload", headers=ADMIN).status_code == 200
    stub.reply = "one two three four five six seven eight nine ten gamma"
    stub.chunk_delay = 0.05
    result: dict[str, str] = {}

    def stream() -> None:
        result["text"] = served.chat("tell me", stream=True).text

    t = threading.Thread(target=stream)
    t.start()
    time.sleep(0.2)
    served.policy.write_text(policy_text("gamma", 3).replace("stages: [input]",
                                                             "stages: [input, output]"))
    assert httpx.post(f"{served.url}/admin/reload", headers=ADMIN).status_code == 200
    t.join(timeout=30)
    assert "gamma" in result["text"] and "content_filter" not in result["text"]
    assert "content_filter" in served.chat("tell me", stream=True).text  # v3 blocks it


def test_sighup_reloads_guard_serve(stub: StubUpstream, tmp_path: Path,
                                    stopper: list[Any]) -> None:
    policy = tmp_path / "policy.yaml"
    policy.write_text(policy_text("alpha", 1))
    config = tmp_path / "guard.yaml"
    config.write_text(f"policy: {policy}\nupstreams:\n  stub:\n    base_url: {stub.base_url}\n")
    proc, url = start_serve(["--config", str(config), "--no-audit"], tmp_path)
    stopper.append(proc)
    wait_ready(proc, url)
    chat = {"model": "m", "messages": [{"role": "user", "content": "say beta"}]}
    assert httpx.post(f"{url}/v1/chat/completions", json=chat).status_code == 200
    policy.write_text(policy_text("beta", 2))
    proc.send_signal(signal.SIGHUP)
    deadline = time.monotonic() + 30
    while httpx.get(f"{url}/readyz").json()["config_version"] != 2:
        assert time.monotonic() < deadline and proc.poll() is None
        time.sleep(0.1)
    assert httpx.post(f"{url}/v1/chat/completions", json=chat).status_code == 400
    policy.write_text("rules: [")  # broken YAML: refused, v2 keeps serving
    proc.send_signal(signal.SIGHUP)
    time.sleep(1.0)
    assert proc.poll() is None
    assert httpx.post(f"{url}/v1/chat/completions", json=chat).status_code == 400
    metrics = httpx.get(f"{url}/metrics").text
    assert 'guard_sidecar_reloads_total{result="failed",trigger="sighup"} 1.0' in metrics
