"""The verdict cache: earlier turns are not re-checked, and nothing crosses policy versions."""

from __future__ import annotations

from pathlib import Path

from guard.detectors.registry import default_registry
from guard.engine.cache import VerdictCache
from guard.engine.segments import extract
from guard.guard import Guard
from guard.policy.compiled import load_policy
from guard.types import Message

POLICY = """
name: cached
version: {version}
rules:
  - id: contact.mask
    stages: [input, output]
    detector: regex
    settings:
      patterns:
        - {{category: EMAIL_ADDRESS, pattern: '[a-z.]+@[a-z.]+\\.[a-z]{{2,}}'}}
      max_match_chars: 64
    action: {action}
  - id: keys.mask
    stages: [input]
    detector: secrets
    action: rewrite
"""
REGISTRY = default_registry()  # one registry: both policy versions share detector instances
SECRET = "sk-proj-" + "Q7vX2kL9mN4pR8sT1wY6zA3bC5dE0fGh"


def _guard(tmp_path: Path, cache: VerdictCache, version: int = 1,
           action: str = "rewrite") -> Guard:
    path = tmp_path / f"cached-{version}-{action}.yaml"
    path.write_text(POLICY.format(version=version, action=action))
    return Guard(load_policy(path, registry=REGISTRY), verdict_cache=cache)


def test_earlier_turns_are_not_checked_again(tmp_path: Path) -> None:
    cache = VerdictCache(100)
    guard = _guard(tmp_path, cache)
    turn1 = [{"role": "system", "content": "be nice"},
             {"role": "user", "content": "mail jane@example.com"}]
    first = guard.check_input(turn1)
    misses = cache.stats().misses
    turn2 = [*turn1, {"role": "assistant", "content": "done"},
             {"role": "user", "content": "and bob@example.org too"}]
    second = guard.check_input(turn2)
    stats = cache.stats()
    assert stats.hits == 2  # the first user message, for both detectors
    assert stats.misses == misses + 2  # only the new user message ran
    assert second.messages[1].content == first.messages[1].content == "mail <EMAIL_ADDRESS>"
    assert second.messages[3].content == "and <EMAIL_ADDRESS> too"
    uncached = _guard(tmp_path, VerdictCache(0)).check_input(turn2)
    assert [f.to_dict() for f in uncached.findings] == [f.to_dict() for f in second.findings]


def test_never_serves_a_verdict_across_policy_versions(tmp_path: Path) -> None:
    cache = VerdictCache(100)
    v1 = _guard(tmp_path, cache, version=1)
    v2 = _guard(tmp_path, cache, version=2, action="block")
    rule_v1 = next(r for r in v1.policy.rules if r.id == "contact.mask")
    rule_v2 = next(r for r in v2.policy.rules if r.id == "contact.mask")
    assert rule_v1.detector is rule_v2.detector  # one detector instance: only the hash differs
    text = "write to jane@example.com"
    assert v1.check_input(text).action == "rewrite"
    before = cache.stats()
    assert v2.check_input(text).action == "block"
    after = cache.stats()
    assert after.hits == before.hits and after.misses == before.misses + 2
    assert v1.check_input(text).action == "rewrite"  # and each version hits its own entries
    assert cache.stats().hits == after.hits + 2


def test_holds_hashes_and_findings_only(tmp_path: Path) -> None:
    cache = VerdictCache(100)
    guard = _guard(tmp_path, cache)
    text = f"my key is {SECRET}, mail jane@example.com"
    decision = guard.check_input(text)
    assert decision.action == "rewrite"
    # One entry per (detector, segment): the text as sent and its decoded (leetspeak) forms.
    segments = extract((Message("user", text),))
    assert len(segments) > 1
    assert cache.stats().entries == 2 * len(segments)
    stored = repr([(key, cache.get(key)) for key in cache.keys()])
    for needle in (SECRET, SECRET[8:20], "jane", "example.com", "my key"):
        assert needle not in stored
    assert all(len(key) == 32 for key in cache.keys())  # SHA-256 digests


def test_bounded_lru(tmp_path: Path) -> None:
    cache = VerdictCache(3)
    guard = _guard(tmp_path, cache)
    for i in range(5):
        guard.check_input(f"message number {'x' * i}")
    assert cache.stats().entries == 3


def test_a_new_detector_never_inherits_a_collected_ones_verdicts() -> None:
    """Two detectors alive one after the other (the first freed, so the second may reuse its
    address) never share cache keys. A ``Probe`` holds no cycle: dropping the last reference
    frees it at once (no ``gc.collect``, which takes a second per call in a process holding
    the models)."""
    from guard.engine.cache import VerdictCache

    class Probe:
        name = "regex"

        async def detect(self, texts: list[str]) -> list[list[object]]:
            return [[] for _ in texts]

    keys, addresses = set(), set()
    for _ in range(50):
        probe = Probe()
        addresses.add(id(probe))
        keys.add(VerdictCache.key("policy", probe, "user", "same text"))  # type: ignore[arg-type]
        del probe
    assert len(addresses) < 50  # addresses were reused: the case this test is about happened
    assert len(keys) == 50
