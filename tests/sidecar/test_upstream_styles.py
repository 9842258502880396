"""Upstream URL styles, model aliases, key headers, client-auth forwarding and header relay.

Every case goes over real HTTP: the ``openai`` client (or httpx) -> sidecar -> stub upstream,
and asserts what the upstream actually received (path, query, headers, body).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import httpx
import openai
import pytest

from guard.errors import ConfigError
from guard.sidecar.config import SidecarConfig, UpstreamConfig, load_config
from tests.sidecar.conftest import POLICIES, SidecarFactory
from tests.support.stub_upstream import StubUpstream

USER = [{"role": "user", "content": "hello"}]
POLICY = str(POLICIES / "input-only.yaml")


def _config(**upstream: Any) -> SidecarConfig:
    return SidecarConfig(policy=POLICY, upstreams={"up": UpstreamConfig(**upstream)})


def _stream_text(client: openai.OpenAI, model: str) -> tuple[str, set[str]]:
    chunks = list(client.chat.completions.create(model=model, messages=USER,  # type: ignore[arg-type]
                                                 stream=True))
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    return text, {c.model for c in chunks}


def test_azure_deployment_gets_path_query_and_api_key(
    sidecar_factory: SidecarFactory, stub: StubUpstream, monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("TEST_AZURE_KEY", "az-secret")
    sidecar = sidecar_factory(config=_config(
        style="azure", base_url=stub.url, api_version="2024-10-21",
        api_key_env="TEST_AZURE_KEY", aliases={"gpt-4.1": "gpt41-prod"}))
    client = openai.OpenAI(base_url=sidecar.base_url, api_key="sk-client", max_retries=0)
    answer = client.chat.completions.create(model="gpt-4.1", messages=USER)  # type: ignore[arg-type]
    for request in (stub.requests[-1], None):
        if request is None:  # the same for a stream
            text, models = _stream_text(client, "gpt-4.1")
            assert text == "Echo: hello" and models == {"gpt-4.1"}
            request = stub.requests[-1]
        assert request.path == "/openai/deployments/gpt41-prod/chat/completions"
        assert request.query == "api-version=2024-10-21"
        assert request.headers["api-key"] == "az-secret"
        assert "authorization" not in request.headers  # neither the client's key nor a bearer
        assert request.json["model"] == "gpt41-prod"
    assert answer.choices[0].message.content == "Echo: hello"
    assert answer.model == "gpt-4.1"  # the name the client asked for, not the deployment


def test_azure_refuses_a_model_name_that_is_not_a_deployment(
    sidecar_factory: SidecarFactory, stub: StubUpstream,
) -> None:
    sidecar = sidecar_factory(config=_config(style="azure", base_url=stub.url,
                                             api_version="2024-10-21"))
    resp = httpx.post(f"{sidecar.base_url}/chat/completions",
                      json={"model": "../../admin", "messages": USER})
    assert resp.status_code == 400 and resp.json()["error"]["code"] == "invalid_model"
    assert stub.requests == []


def test_azure_foundry_models_endpoint(sidecar_factory: SidecarFactory, stub: StubUpstream,
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TEST_FOUNDRY_KEY", "fd-secret")
    sidecar = sidecar_factory(config=_config(
        style="azure_foundry", base_url=f"{stub.url}/models",
        api_version="2024-05-01-preview", api_key_env="TEST_FOUNDRY_KEY"))
    client = openai.OpenAI(base_url=sidecar.base_url, api_key="sk-client", max_retries=0)
    client.chat.completions.create(model="DeepSeek-R1", messages=USER)  # type: ignore[arg-type]
    request = stub.requests[-1]
    assert request.path == "/models/chat/completions"
    assert request.query == "api-version=2024-05-01-preview"
    assert request.headers["api-key"] == "fd-secret" and "authorization" not in request.headers
    assert request.json["model"] == "DeepSeek-R1"


def test_query_in_base_url_stays_after_the_path(sidecar_factory: SidecarFactory,
                                                stub: StubUpstream) -> None:
    """The reported bug: ``?api-version=`` in base_url used to land before /chat/completions."""
    sidecar = sidecar_factory(config=_config(
        base_url=f"{stub.url}/openai/deployments/dep-1?api-version=2024-02-01"))
    httpx.post(f"{sidecar.base_url}/chat/completions", json={"model": "m", "messages": USER})
    assert stub.requests[-1].path == "/openai/deployments/dep-1/chat/completions"
    assert stub.requests[-1].query == "api-version=2024-02-01"


def test_openai_style_bearer_key_and_alias(sidecar_factory: SidecarFactory, stub: StubUpstream,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    """xAI, Mistral, DeepSeek, vLLM: OpenAI style, key as a bearer; an alias renames."""
    monkeypatch.setenv("TEST_XAI_KEY", "xai-secret")
    sidecar = sidecar_factory(config=_config(
        base_url=stub.base_url, api_key_env="TEST_XAI_KEY", models=["grok-*"],
        aliases={"fast": "grok-3-mini"}))
    client = openai.OpenAI(base_url=sidecar.base_url, api_key="sk-client", max_retries=0)
    answer = client.chat.completions.create(model="fast", messages=USER)  # type: ignore[arg-type]
    assert answer.model == "fast"
    request = stub.requests[-1]
    assert request.path == "/v1/chat/completions" and request.query == ""
    assert request.headers["authorization"] == "Bearer xai-secret"
    assert request.json["model"] == "grok-3-mini"
    direct = client.chat.completions.create(model="grok-4", messages=USER)  # type: ignore[arg-type]
    assert direct.model == "grok-4" and stub.requests[-1].json["model"] == "grok-4"
    with pytest.raises(openai.NotFoundError):
        client.chat.completions.create(model="gpt-4o", messages=USER)  # type: ignore[arg-type]
    ids = {m.id for m in client.models.list()}
    assert "fast" in ids and "stub-model" in ids


@pytest.mark.parametrize(("forward", "style", "expected"), [
    (False, "openai", {}),
    (True, "openai", {"authorization": "Bearer sk-client"}),
    (True, "azure", {"api-key": "sk-client"}),
])
def test_client_key_goes_upstream_only_when_configured(
    sidecar_factory: SidecarFactory, stub: StubUpstream, forward: bool, style: str,
    expected: dict[str, str],
) -> None:
    base = stub.url if style == "azure" else stub.base_url
    sidecar = sidecar_factory(config=_config(
        base_url=base, style=style, api_version="2024-10-21" if style == "azure" else None,
        forward_client_auth=forward))
    resp = httpx.post(f"{sidecar.base_url}/chat/completions", json={"model": "m",
                      "messages": USER}, headers={"authorization": "Bearer sk-client",
                                                  "api-key": "sk-other"})
    assert resp.status_code == 200
    got = {k: v for k, v in stub.requests[-1].headers.items()
           if k in ("authorization", "api-key")}
    assert got == expected


RELAYED = {"x-ratelimit-remaining-requests": "99", "x-ratelimit-reset-tokens": "6ms",
           "x-request-id": "up-req-1", "openai-processing-ms": "12",
           "apim-request-id": "apim-1"}
KEPT_BACK = {"set-cookie": "session=1", "openai-organization": "org-operator",
             "server": "stub"}


@pytest.mark.parametrize("stream", [False, True])
def test_rate_limit_and_request_id_headers_are_relayed(
    sidecar_factory: SidecarFactory, stub: StubUpstream, stream: bool,
) -> None:
    sidecar = sidecar_factory(config=_config(base_url=stub.base_url))
    stub.response_headers = {**RELAYED, **KEPT_BACK}
    with httpx.stream("POST", f"{sidecar.base_url}/chat/completions",
                      json={"model": "m", "messages": USER, "stream": stream}) as resp:
        resp.read()
    assert resp.status_code == 200
    for name, value in RELAYED.items():
        assert resp.headers.get(name) == value, name
    assert "set-cookie" not in resp.headers and "openai-organization" not in resp.headers
    assert resp.headers.get("server") != "stub"


@pytest.mark.parametrize("stream", [False, True])
def test_upstream_429_is_passed_on_with_retry_after(
    sidecar_factory: SidecarFactory, stub: StubUpstream, stream: bool,
) -> None:
    sidecar = sidecar_factory(config=_config(base_url=stub.base_url))
    stub.fault = "error"
    stub.error_status = 429
    stub.error_headers = {"retry-after": "7", "x-ratelimit-remaining-requests": "0",
                          "x-request-id": "up-req-2"}
    client = openai.OpenAI(base_url=sidecar.base_url, api_key="sk", max_retries=0)
    with pytest.raises(openai.RateLimitError) as info:
        if stream:
            _stream_text(client, "m")
        else:
            client.chat.completions.create(model="m", messages=USER)  # type: ignore[arg-type]
    headers = info.value.response.headers
    assert headers["retry-after"] == "7" and headers["x-ratelimit-remaining-requests"] == "0"
    assert headers["x-request-id"] == "up-req-2"
    assert info.value.code == "rate_limit_exceeded"
    assert "x-should-retry" not in headers  # the SDK may retry after Retry-After
    assert sidecar.recorder.records[-1].facts.upstream_status == 429


def test_upstream_400_is_passed_on_with_its_headers(sidecar_factory: SidecarFactory,
                                                    stub: StubUpstream) -> None:
    sidecar = sidecar_factory(config=_config(base_url=stub.base_url))
    stub.fault = "error"
    stub.error_status = 400
    stub.error_headers = {"x-request-id": "up-req-3"}
    resp = httpx.post(f"{sidecar.base_url}/chat/completions", json={"model": "m",
                      "messages": USER})
    assert resp.status_code == 400 and resp.headers["x-request-id"] == "up-req-3"
    assert resp.json()["error"]["message"] == "stub upstream failure"


@pytest.mark.parametrize(("text", "where"), [
    ("upstreams: {a: {style: azure, base_url: 'https://x.openai.azure.com'}}",
     "upstreams.a: style 'azure' needs api_version"),
    ("upstreams: {a: {base_url: 'http://x/v1', deployment: d}}",
     "upstreams.a: deployment applies to style 'azure' only"),
    ("upstreams: {a: {base_url: 'http://x/v1', style: bedrock}}", "upstreams.a.style"),
    ("upstreams: {a: {base_url: 'http://x/v1'}}\nupstream_groups: {g: {members: [b]}}",
     "upstream_groups.g.members.0: no upstream named 'b'"),
    ("upstreams: {a: {base_url: 'http://x/v1', models: [m]}}\n"
     "upstream_groups: {g: {members: [a]}}", "upstreams.a.models: a member of group 'g'"),
    ("upstreams: {a: {base_url: 'http://x/v1', forward_client_auth: true}}\n"
     "tenants: {t: {key_hashes: ['sha256:" + "0" * 64 + "']}}",
     "upstreams.a.forward_client_auth: with tenants"),
    ("upstreams: {a: {base_url: 'http://x/v1'}}\n"
     "upstream_groups: {g: {members: [{upstream: a, weight: 0}]}}",
     "upstream_groups.g.members.0.weight"),
])
def test_bad_upstream_config_names_the_field(tmp_path: Path, text: str, where: str) -> None:
    path = tmp_path / "guard.yaml"
    path.write_text(text)
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert re.match(rf"{re.escape(str(path))}(:\d+)?: {re.escape(where)}", str(info.value)), \
        str(info.value)


def test_group_config_accepts_names_or_weighted_members(tmp_path: Path) -> None:
    path = tmp_path / "guard.yaml"
    path.write_text("upstreams: {a: {base_url: 'http://a/v1'}, b: {base_url: 'http://b/v1'}}\n"
                    "upstream_groups:\n  g: {members: [a, {upstream: b, weight: 3}], "
                    "strategy: weighted, models: ['gpt-*']}\n")
    group = load_config(path).upstream_groups["g"]
    assert [(m.upstream, m.weight) for m in group.members] == [("a", 1.0), ("b", 3.0)]
    assert group.attempts == 2


def test_deploy_example_catalogue_routes_each_seed_model() -> None:
    from guard.sidecar.upstream import Upstreams
    from guard.sidecar.upstreams.styles import chat_url

    config = load_config(Path(__file__).resolve().parents[2] / "deploy" /
                         "upstreams.example.yaml", env={})
    upstreams = Upstreams(config)
    expected = {
        "gpt-4.1": ("gpt", "https://east.openai.azure.com/openai/deployments/gpt41-east/"
                    "chat/completions?api-version=2024-10-21"),
        "DeepSeek-R1": ("foundry", "https://my-resource.services.ai.azure.com/models/"
                        "chat/completions?api-version=2024-05-01-preview"),
        "grok-3": ("xai", "https://api.x.ai/v1/chat/completions"),
        "mistral-large-latest": ("mistral", "https://api.mistral.ai/v1/chat/completions"),
        "deepseek-reasoner": ("deepseek", "https://api.deepseek.com/v1/chat/completions"),
        "llama": ("vllm", "http://vllm.models.svc:8000/v1/chat/completions"),
    }
    for model, (target_name, url) in expected.items():
        target = upstreams.resolve(model)
        member = target.members[0]
        assert target.name == target_name
        assert str(chat_url(member.config, member.config.upstream_model(model))) == url
    assert [m.name for m in upstreams.resolve("gpt-4o-mini").members] == [
        "azure-east", "azure-west"]
    assert upstreams.members["azure-west"].config.key_header == "api-key"


def test_custom_key_header(sidecar_factory: SidecarFactory, stub: StubUpstream,
                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TEST_CUSTOM_KEY", "k-123")
    sidecar = sidecar_factory(config=_config(base_url=stub.base_url, api_key_env="TEST_CUSTOM_KEY",
                                             api_key_header="X-Api-Key"))
    httpx.post(f"{sidecar.base_url}/chat/completions", json={"model": "m", "messages": USER},
               headers={"x-api-key": "client-value"})
    headers = stub.requests[-1].headers
    assert headers["x-api-key"] == "k-123" and "authorization" not in headers


def test_other_operations_follow_the_same_url_style() -> None:
    from guard.sidecar.upstreams.styles import endpoint_url

    azure = UpstreamConfig(style="azure", base_url="https://r.openai.azure.com",
                           api_version="2024-10-21")
    foundry = UpstreamConfig(style="azure_foundry", api_version="2024-05-01-preview",
                             base_url="https://r.services.ai.azure.com/models")
    openai_style = UpstreamConfig(base_url="https://api.mistral.ai/v1?tier=a")
    assert str(endpoint_url(azure, "embeddings", "emb-3")) == (
        "https://r.openai.azure.com/openai/deployments/emb-3/embeddings"
        "?api-version=2024-10-21")
    assert str(endpoint_url(foundry, "embeddings", "cohere-embed")) == (
        "https://r.services.ai.azure.com/models/embeddings?api-version=2024-05-01-preview")
    assert str(endpoint_url(openai_style, "completions", "m")) == (
        "https://api.mistral.ai/v1/completions?tier=a")
    with pytest.raises(ValueError):
        endpoint_url(openai_style, "../admin", "m")
