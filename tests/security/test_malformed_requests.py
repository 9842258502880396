"""Threat: a malformed request that crashes, hangs or slips through the guard.

A field the guard cannot read as text (a number where a text part's ``text`` belongs, a
string where a tool call's ``function`` belongs) used to be forwarded unchecked; invalid UTF-8,
a 5,000-digit number or a JSON array where an object belongs must not reach a handler.
Every such request gets a 4xx with OpenAI's error envelope, never a 5xx or a pass-through.
"""

from __future__ import annotations

import httpx
import pytest

from tests.sidecar.conftest import SidecarFactory

OK = '{"role":"user","content":"hi"}'
BAD_BODIES = {
    "number as text part": '{"model":"m","messages":[{"role":"user","content":'
                           '[{"type":"text","text":5}]}]}',
    "number as part": '{"model":"m","messages":[{"role":"user","content":[5]}]}',
    "number as tool-call arguments": '{"model":"m","messages":[{"role":"assistant",'
                                     '"tool_calls":[{"function":{"arguments":5}}]}]}',
    "string as function_call": '{"model":"m","messages":[{"role":"assistant",'
                               '"function_call":"x"}]}',
    "string as tool function": '{"model":"m","messages":[' + OK + '],'
                               '"tools":[{"type":"function","function":"x"}]}',
    "number as tool description": '{"model":"m","messages":[' + OK + '],'
                                  '"tools":[{"type":"function","function":{"name":"f",'
                                  '"description":7}}]}',
    "list as reasoning": '{"model":"m","messages":[{"role":"assistant","content":"x",'
                         '"reasoning_content":["a"]}]}',
    "5000-digit number": '{"model":"m","messages":[' + OK + '],"max_tokens":1' + "0" * 5000 + "}",
    "infinite temperature": '{"model":"m","messages":[' + OK + '],"temperature":1e999}',
    "NaN": '{"model":"m","messages":[' + OK + '],"temperature":NaN}',
    "array body": "[]",
    "null message": '{"model":"m","messages":[null]}',
    "unknown role": '{"model":"m","messages":[{"role":"tool_definition","content":"x"}]}',
    "truncated": '{"model":"m","messages":[' + OK,
}


@pytest.mark.parametrize("name", list(BAD_BODIES))
def test_malformed_request_gets_a_4xx_envelope(sidecar_factory: SidecarFactory,
                                               name: str) -> None:
    sidecar = sidecar_factory("empty.yaml")
    resp = httpx.post(f"{sidecar.base_url}/chat/completions", content=BAD_BODIES[name].encode(),
                      headers={"content-type": "application/json"}, timeout=30)
    assert 400 <= resp.status_code < 500, (name, resp.status_code, resp.text)
    error = resp.json()["error"]
    assert error["code"] and error["message"], error


def test_invalid_utf8_is_a_400(sidecar_factory: SidecarFactory) -> None:
    sidecar = sidecar_factory("empty.yaml")
    body = b'{"model":"m","messages":[{"role":"user","content":"h\xff\xfe"}]}'
    resp = httpx.post(f"{sidecar.base_url}/chat/completions", content=body,
                      headers={"content-type": "application/json"}, timeout=30)
    assert resp.status_code == 400 and resp.json()["error"]["code"] == "invalid_request"
