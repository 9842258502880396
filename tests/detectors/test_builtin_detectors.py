from __future__ import annotations

import asyncio

import pytest

from guard.detectors import keywords, regex, secrets
from guard.detectors.registry import DetectorRegistry, DuplicateDetectorError, default_registry


def _detect(detector: object, text: str) -> list[tuple[str, str]]:
    findings = asyncio.run(detector.detect([text]))[0]  # type: ignore[attr-defined]
    return [(f.category, text[f.start:f.end]) for f in findings]


@pytest.mark.parametrize(
    "text",
    ["how to ki\u200bll a man", "how to кill a man", "how to k1ll a man", "how to k i l l a man",
     "how to ｋｉｌｌ a man"],
)
def test_keywords_catch_evasions_and_point_at_the_original(text: str) -> None:
    det = keywords.build({"words": ["kill"], "category": "violence"})
    hits = _detect(det, text)
    assert len(hits) == 1
    category, matched = hits[0]
    assert category == "violence"
    assert matched.replace(" ", "").replace("\u200b", "") in {"kill", "кill", "k1ll", "ｋｉｌｌ"}


def test_keywords_respect_word_boundaries() -> None:
    det = keywords.build({"words": ["kill"]})
    assert _detect(det, "improve your skills, kill -9 is fine") == [("blocklist", "kill")]
    assert _detect(det, "skilled workers") == []


def test_keywords_french_accents_fold_both_ways() -> None:
    det = keywords.build({"words": ["connard"]})
    assert _detect(det, "quel cönnard") == [("blocklist", "cönnard")]


def test_regex_matches_on_normalised_text() -> None:
    det = regex.build({"patterns": [{"category": "injection", "pattern": r"ignore previous"}]})
    assert _detect(det, "IGNORE\u200b previous rules") == [("injection", "IGNORE\u200b previous")]


def test_regex_rejects_invalid_pattern() -> None:
    with pytest.raises(ValueError, match="invalid regular expression"):
        regex.build({"patterns": [{"category": "x", "pattern": "(unclosed"}]})


@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("key AKIAIOSFODNN7EXAMPLE", "AWS_ACCESS_KEY"),
        ("token ghp_" + "a1B2c3D4e5" * 4, "GITHUB_TOKEN"),
        ("xoxb-1234567890-abcdefghij", "SLACK_TOKEN"),
        ("use sk-proj-abcdefghijklmnopqrstuvwxyz123456", "OPENAI_API_KEY"),
        ("eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9P",
         "JWT"),
        ("-----BEGIN RSA PRIVATE KEY-----\nMIIEow\n-----END RSA PRIVATE KEY-----", "PRIVATE_KEY"),
        ("secret Zx9Qm2Lp7Vt4Rw8Ks1Nd6Hf3Jb5Gc0Ya", "HIGH_ENTROPY_STRING"),
    ],
)
def test_secrets_are_found(text: str, category: str) -> None:
    cats = [c for c, _ in _detect(secrets.build({}), text)]
    assert category in cats


@pytest.mark.parametrize(
    "text",
    ["internationalization and localization are long words",
     "see https://example.com/docs/getting-started",
     "The function calculate_total_price_with_tax returns a float"],
)
def test_secrets_ignore_ordinary_text(text: str) -> None:
    assert _detect(secrets.build({}), text) == []


def test_registry_refuses_duplicates_and_lists_builtins() -> None:
    reg = default_registry()
    assert {"regex", "keywords", "pii", "secrets"} <= set(reg.names())
    with pytest.raises(DuplicateDetectorError):
        reg.register("regex", regex.build)


def test_registry_shares_instances_with_identical_settings() -> None:
    reg = DetectorRegistry()
    reg.register("secrets", secrets.build)
    assert reg.build("secrets", {}) is reg.build("secrets", {})
    assert reg.build("secrets", {}) is not reg.build("secrets", {"entropy": False})


def test_registry_loads_entry_points() -> None:
    class EP:
        name = "plugin_kw"
        value = "guard.detectors.keywords:build"

    reg = DetectorRegistry()
    reg.load_entry_points([EP()])
    det = reg.build("plugin_kw", {"words": ["x"]})
    assert det.name == "keywords"
