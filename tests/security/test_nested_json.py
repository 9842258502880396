"""Threat: a request nested ~900 levels deep (in a content part or in ``tool_calls``).

Every JSON parser, validator and walker on the request path is recursive: such a body used
to end in a ``RecursionError``, a 500 and thousands of log lines per request, a cheap way to
flood logs and burn CPU. The sidecar now measures nesting iteratively before parsing and
answers 400 ``nesting_too_deep`` (OpenAI envelope) with one log line.
"""

from __future__ import annotations

import json
import logging

import httpx
import pytest

from guard.sidecar.depth import MAX_JSON_DEPTH, json_depth
from tests.sidecar.conftest import SidecarFactory


def nested(levels: int) -> dict[str, object]:
    inner: dict[str, object] = {}
    root = inner
    for _ in range(levels):
        inner["a"] = {}
        inner = inner["a"]  # type: ignore[assignment]
    return root


def deep_part(levels: int) -> dict[str, object]:
    return {"model": "stub-model", "messages": [{"role": "user", "content": [
        {"type": "text", "text": "hi", "meta": nested(levels)}]}]}


def deep_tool_calls(levels: int) -> dict[str, object]:
    return {"model": "stub-model", "messages": [
        {"role": "user", "content": "hi"},
        {"role": "assistant", "tool_calls": [{"id": "1", "type": "function", "function": {
            "name": "f", "arguments": "{}"}, "x": json.loads("[" * levels + "]" * levels)}]}]}


@pytest.mark.parametrize("body", [deep_part(900), deep_tool_calls(900)],
                         ids=["content part", "tool_calls"])
def test_deep_nesting_is_a_400_with_one_log_line(
        sidecar_factory: SidecarFactory, body: dict[str, object],
        caplog: pytest.LogCaptureFixture) -> None:
    sidecar = sidecar_factory("empty.yaml")
    with caplog.at_level(logging.INFO):
        resp = httpx.post(f"{sidecar.base_url}/chat/completions",
                          content=json.dumps(body).encode(),
                          headers={"content-type": "application/json"}, timeout=30)
    assert resp.status_code == 400, resp.text
    assert resp.json()["error"]["code"] == "nesting_too_deep"
    errors = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(errors) == 1, [r.getMessage() for r in errors]


def test_ordinary_nesting_passes(sidecar_factory: SidecarFactory) -> None:
    sidecar = sidecar_factory("empty.yaml")
    resp = httpx.post(f"{sidecar.base_url}/chat/completions", json=deep_part(20), timeout=30)
    assert resp.status_code == 200, resp.text


def test_depth_scan_ignores_brackets_inside_strings() -> None:
    assert json_depth(b'{"a": "[[[[{{{{", "b": [1, {"c": "\\"]]]"}]}', 100) == 3
    assert json_depth(b"[" * 5000, MAX_JSON_DEPTH) == MAX_JSON_DEPTH + 1


def test_depth_scan_of_a_huge_string_and_an_unterminated_one() -> None:
    body = b'{"messages": [{"content": "' + b"a \\\" [ { " * 400_000 + b'"}]}'
    assert json_depth(body, MAX_JSON_DEPTH) == 3  # escaped quotes and brackets skipped
    assert json_depth(b'{"a": [1, "' + b"x" * 1_000_000, MAX_JSON_DEPTH) == 2
