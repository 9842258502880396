"""Threat: a slow detector silently lets traffic through, or keeps burning the cores.

A rule's ``timeout_ms`` is the operator's promise of how long a check may take and what
happens when it does not finish (``on_error``). If the policy-wide default silently overrode a
shorter rule budget, a detector that hangs (crafted input, overloaded model) would run its full
course and the rule would come out ``allow`` with no error: a fail-open nobody chose. And work
that outlives its timeout in a worker thread must really stop, or one request's abandoned work
starves every other request.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pytest

from guard import Action, Guard
from guard.budget import LOAD, checkpoint
from guard.detectors.base import SyncDetector
from guard.detectors.registry import DetectorRegistry, default_registry
from guard.types import Finding


class _Sleeper(SyncDetector):
    """Blocks its worker thread for ``seconds`` and finds nothing."""

    name = "sleeper"

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds

    def detect_one(self, text: str) -> list[Finding]:
        time.sleep(self.seconds)
        return []


class _Spinner(SyncDetector):
    """CPU-style work in chunks, with a checkpoint between chunks (as the built-ins do)."""

    name = "spinner"
    chunks_after_return = 0
    returned = threading.Event()

    def detect_one(self, text: str) -> list[Finding]:
        for _ in range(1000):  # ~10 s if never cancelled
            checkpoint(self.name)
            time.sleep(0.01)
            if _Spinner.returned.is_set():
                _Spinner.chunks_after_return += 1
        return []


def _registry() -> DetectorRegistry:
    reg = default_registry()

    def sleeper(settings: Mapping[str, Any]) -> _Sleeper:
        return _Sleeper(float(settings.get("seconds", 1.0)))

    reg.register("sleeper", sleeper)
    reg.register("spinner", lambda _s: _Spinner())
    return reg


def _policy(*rules: str) -> str:
    return "name: t\nversion: 1\nrules:\n" + "".join(rules)


def _rule(rid: str, detector: str = "sleeper", *, timeout: int | None = 200,
          on_error: str = "block", settings: str = "{seconds: 1.0}") -> str:
    budget = f"\n    timeout_ms: {timeout}" if timeout is not None else ""
    return (f"  - id: {rid}\n    stages: [input]\n    detector: {detector}\n"
            f"    settings: {settings}\n    action: block\n    on_error: {on_error}{budget}\n")


@pytest.fixture
def make_guard(write_policy: Callable[..., Path]) -> Callable[[str], Guard]:
    def _make(text: str) -> Guard:
        return Guard.from_file(write_policy(text), registry=_registry())

    return _make


def test_rule_timeout_lower_than_policy_default_applies(make_guard: Callable[[str], Guard]
                                                        ) -> None:
    decision = make_guard(_policy(_rule("slow", timeout=200))).check_input("hello")
    outcome = decision.rules[0]
    assert outcome.error is not None and "timed out after 200 ms" in outcome.error
    assert decision.action is Action.BLOCK  # on_error: block fails closed


def test_rule_timeout_fail_open_is_visible(make_guard: Callable[[str], Guard]) -> None:
    g = make_guard(_policy(_rule("slow", timeout=200, on_error="allow")))
    decision = g.check_input("hello")
    outcome = decision.rules[0]
    assert decision.action is Action.ALLOW
    assert outcome.error is not None and outcome.failed_open


def test_shared_detector_each_rule_keeps_its_own_budget(make_guard: Callable[[str], Guard]
                                                         ) -> None:
    """Two rules on one detector instance run it once; the impatient one still times out."""
    g = make_guard(_policy(_rule("impatient", timeout=200, settings="{seconds: 0.6}"),
                           _rule("patient", timeout=3000, settings="{seconds: 0.6}")))
    by_id = {o.rule_id: o for o in g.check_input("hello").rules}
    assert by_id["impatient"].error is not None and by_id["impatient"].fired
    assert by_id["patient"].error is None and not by_id["patient"].fired


def test_timed_out_thread_work_stops_at_its_next_checkpoint(
        make_guard: Callable[[str], Guard]) -> None:
    g = make_guard(_policy(_rule("spin", "spinner", timeout=150, settings="{}")))
    _Spinner.returned.clear()
    _Spinner.chunks_after_return = 0
    decision = g.check_input("hello")
    _Spinner.returned.set()
    assert decision.rules[0].error is not None
    deadline = time.monotonic() + 5
    while LOAD.running and time.monotonic() < deadline:
        time.sleep(0.02)
    assert LOAD.running == 0, "abandoned detector work is still running"
    assert _Spinner.chunks_after_return <= 3




def test_default_budget_grows_with_the_text_a_rule_timeout_does_not(
        make_guard: Callable[[str], Guard]) -> None:
    """Ten pages of ordinary prose must not fail closed on a budget sized for a chat turn."""
    head = ("name: t\nversion: 1\nsettings: {detector_timeout_ms: 300, "
            "detector_timeout_ms_per_1k_chars: 200}\nrules:\n")
    g = make_guard(head + _rule("scaled", timeout=None, settings="{seconds: 0.5}"))
    assert g.check_input("short").rules[0].error is not None       # 0.3 s budget
    assert g.check_input("word " * 600).rules[0].error is None      # 0.3 + 0.6 s budget
    fixed = make_guard(head + _rule("fixed", timeout=300, settings="{seconds: 0.5}"))
    assert fixed.check_input("word " * 600).rules[0].error is not None
