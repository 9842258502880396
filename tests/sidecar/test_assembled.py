"""With ``stream_upstream`` on (the default), a non-streamed request is served from a streamed
upstream answer, checked as it arrives; off, the upstream is asked for JSON."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from guard.ml.encoder import Encoder
from guard.sidecar.config import SidecarConfig, UpstreamConfig
from tests.sidecar.conftest import SidecarFactory
from tests.support.stub_upstream import StubUpstream, prose

BODY = {"model": "stub-model", "messages": [{"role": "user", "content": "hi"}]}


def _post(base_url: str, **extra: object) -> httpx.Response:
    return httpx.post(f"{base_url}/chat/completions", json={**BODY, **extra},
                      timeout=60)  # the first call in a process loads the classifiers (~25 s)


def test_answer_has_the_non_stream_shape(sidecar_factory: SidecarFactory,
                                         stub: StubUpstream) -> None:
    sidecar = sidecar_factory(stream_upstream=True)
    stub.reply = "Write to bob@example.com for the details, thanks."
    stub.extra_fields = {"service_tier": "default"}
    resp = _post(sidecar.base_url)
    assert resp.status_code == 200
    data = resp.json()
    upstream = stub.requests[-1].json
    assert upstream["stream"] is True and upstream["stream_options"] == {"include_usage": True}
    assert data["object"] == "chat.completion" and data["id"].startswith("chatcmpl-")
    assert data["model"] == "stub-model" and data["service_tier"] == "default"
    assert data["system_fingerprint"] == "fp_stub" and isinstance(data["created"], int)
    choice = data["choices"][0]
    assert choice["index"] == 0 and choice["finish_reason"] == "stop"
    assert choice["logprobs"] is None
    assert choice["message"] == {"role": "assistant", "refusal": None,
                                 "content": "Write to <EMAIL_ADDRESS> for the details, thanks."}
    assert data["usage"]["completion_tokens"] > 0
    output = [r for r in sidecar.recorder.records if r.decision.stage == "output"][-1]
    assert output.decision.action == "rewrite"
    assert output.facts.http_status == 200 and output.facts.stream_chars_released is None


def test_tool_calls_and_several_choices_are_assembled(sidecar_factory: SidecarFactory,
                                                      stub: StubUpstream) -> None:
    sidecar = sidecar_factory(stream_upstream=True)
    stub.choices = ["first answer", "second answer"]
    resp = _post(sidecar.base_url, n=2)
    contents = [c["message"]["content"] for c in resp.json()["choices"]]
    assert contents == ["first answer", "second answer"]
    stub.reset()
    stub.tool_calls = [{"id": "call_1", "type": "function",
                        "function": {"name": "lookup", "arguments": '{"q": "a@b.co"}'}}]
    message = _post(sidecar.base_url).json()["choices"][0]
    assert message["finish_reason"] == "tool_calls"
    assert message["message"]["tool_calls"] == [{"id": "call_1", "type": "function", "function": {
        "name": "lookup", "arguments": '{"q": "<EMAIL_ADDRESS>"}'}}]


def test_block_in_the_stream_is_the_normal_block_response(sidecar_factory: SidecarFactory,
                                                          stub: StubUpstream) -> None:
    sidecar = sidecar_factory(stream_upstream=True)
    stub.reply = "Sure. " * 40 + "Here is the FORBIDDEN PHRASE you asked for."
    resp = _post(sidecar.base_url)
    assert resp.status_code == 400
    assert resp.json()["error"]["code"] == "content_filter"
    assert "Sure" not in resp.text
    output = [r for r in sidecar.recorder.records if r.decision.stage == "output"][-1]
    assert output.decision.action == "block" and output.facts.http_status == 400


def test_upstream_is_asked_to_stream_by_default_and_for_json_when_off(
        sidecar_factory: SidecarFactory, stub: StubUpstream) -> None:
    assert UpstreamConfig(base_url=stub.base_url).stream_upstream is True
    stub.reply = "plain answer"
    for setting, asked in ((True, True), (False, None)):
        resp = _post(sidecar_factory(stream_upstream=setting).base_url)
        assert resp.json()["choices"][0]["message"]["content"] == "plain answer"
        assert stub.requests[-1].json.get("stream") is asked


def test_verdict_cache_metrics(sidecar_factory: SidecarFactory, stub: StubUpstream) -> None:
    sidecar = sidecar_factory(stream_upstream=True)
    _post(sidecar.base_url, messages=[{"role": "user", "content": "same prompt, twice"}])
    _post(sidecar.base_url, messages=[{"role": "user", "content": "same prompt, twice"}])
    text = httpx.get(f"{sidecar.url}/metrics").text
    values = {line.split(" ")[0]: float(line.split(" ")[1]) for line in text.splitlines()
              if line.startswith("guard_sidecar_verdict_cache")}
    assert values["guard_sidecar_verdict_cache_hits_total"] >= 2  # the repeated prompt
    assert values["guard_sidecar_verdict_cache_entries"] >= 1
    assert 0 < values["guard_sidecar_verdict_cache_hit_ratio"] <= 1


def test_classifier_window_metrics_show_the_cascade_clearing_a_benign_answer(
        sidecar_factory: SidecarFactory, stub: StubUpstream) -> None:
    """``guard_sidecar_classifier_windows{outcome}``: the default policy's output check skips
    the encoder for windows of an ordinary answer that its screen clears (issue 10)."""
    from training.screen import SERVICE_QUESTIONS

    sidecar = sidecar_factory(config=SidecarConfig(policy="default", upstreams={
        "stub": UpstreamConfig(base_url=stub.base_url, timeout_s=10, stream_upstream=True)}))

    def windows() -> dict[str, float]:
        text = httpx.get(f"{sidecar.url}/metrics").text
        return {line.split('"')[1]: float(line.rsplit(" ", 1)[1]) for line in text.splitlines()
                if line.startswith("guard_sidecar_classifier_windows_total{")}

    before = windows()
    stub.vary_reply = True
    stub.reply = SERVICE_QUESTIONS  # plain questions: every window cleared by the screen
    assert _post(sidecar.base_url).status_code == 200
    after = windows()
    assert after.keys() == {"cleared", "cached", "encoded"}
    assert after["cleared"] - before["cleared"] >= 3
    assert after["encoded"] - before["encoded"] >= 1  # the prompt is never screened


def test_assembled_checks_encode_each_window_about_once(
        sidecar_factory: SidecarFactory, stub: StubUpstream,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The checks of an answer read from a streamed upstream re-read it from its start, so
    their classifier windows are the final check's and the encoder's window cache serves
    them: the answer costs about one encoding, not one per check (issue 10)."""
    encoded: list[int] = []
    forward = Encoder._forward

    def counted(self: Encoder, ids: Any, mask: Any) -> Any:
        encoded.append(int(mask.sum()))
        return forward(self, ids, mask)

    monkeypatch.setattr(Encoder, "_forward", counted)
    # The window cache is what is measured: with the cascade on, a check's partial last window
    # and its final version may differ in being cleared, which moves the ratio either way.
    monkeypatch.setenv("GUARD_ML_SCREEN", "off")
    stub.vary_reply = True          # no window of one answer appears in another
    stub.chunk_delay = 0.002        # a token at a time, as a model sends them
    stub.reply = prose(300)
    config = SidecarConfig(policy="default", upstreams={"stub": UpstreamConfig(
        base_url=stub.base_url, timeout_s=10, stream_upstream=True)})
    streamed = sidecar_factory(config=config)
    json_upstream = sidecar_factory(config=config.model_copy(update={"upstreams": {
        "stub": UpstreamConfig(base_url=stub.base_url, timeout_s=10, stream_upstream=False)}}))
    tokens = {}
    for name, sidecar in (("json", json_upstream), ("streamed", streamed)):
        _post(sidecar.base_url)  # warm: models loaded, prompt's verdicts cached
        encoded.clear()
        resp = _post(sidecar.base_url)
        assert resp.status_code == 200
        assert len(resp.json()["choices"][0]["message"]["content"]) > 1500
        tokens[name] = sum(encoded)
    metrics = dict(line.split(" ") for line in httpx.get(f"{streamed.url}/metrics").text
                   .splitlines() if line.startswith("guard_sidecar_stream_checks_"))
    # Two answers, each checked while it arrived (not only once at the end).
    assert metrics["guard_sidecar_stream_checks_count"] == "2.0"
    assert float(metrics["guard_sidecar_stream_checks_sum"]) >= 4
    # 1.0-1.1x on a quiet machine, up to ~1.16x with the full suite beside it (checks land at
    # other cut points); the old look-behind and cadence gave 1.36x.
    assert 0 < tokens["json"] and tokens["streamed"] <= 1.25 * tokens["json"], tokens


def test_an_upstream_that_refuses_to_stream_is_asked_again_then_read_as_json(
        sidecar_factory: SidecarFactory, stub: StubUpstream) -> None:
    """A JSON-only endpoint rejects the ``stream: true`` the client never sent: the request is
    sent again as the client sent it, checked as a JSON answer, and that upstream is not asked
    to stream again."""
    sidecar = sidecar_factory(stream_upstream=True)
    stub.reject_stream = True
    stub.reply = "Write to bob@example.com for the details, thanks."
    first = _post(sidecar.base_url)
    assert first.status_code == 200
    assert first.json()["choices"][0]["message"]["content"] == (
        "Write to <EMAIL_ADDRESS> for the details, thanks.")
    asked = [r.json for r in stub.requests if r.path.endswith("/chat/completions")]
    assert [b.get("stream") for b in asked] == [True, None]
    assert "stream_options" not in asked[1]
    second = _post(sidecar.base_url)
    assert second.status_code == 200
    asked = [r.json for r in stub.requests if r.path.endswith("/chat/completions")]
    assert [b.get("stream") for b in asked] == [True, None, None]


def test_a_request_the_upstream_rejects_either_way_gets_its_error(
        sidecar_factory: SidecarFactory, stub: StubUpstream) -> None:
    sidecar = sidecar_factory(stream_upstream=True)
    stub.fault = "error"
    stub.error_status = 400
    stub.error_message = "max_tokens is too large"
    resp = _post(sidecar.base_url)
    assert resp.status_code == 400
    assert resp.json()["error"]["message"] == "max_tokens is too large"
    assert len([r for r in stub.requests if r.path.endswith("/chat/completions")]) == 2
    stub.fault = None
    assert _post(sidecar.base_url).status_code == 200
    assert stub.requests[-1].json["stream"] is True  # still streamed: the request was at fault
