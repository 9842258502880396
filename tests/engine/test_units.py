"""Unit tests of the engine's pure parts: segments, rewrite, decide, plan and the runner."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from pathlib import Path

import pytest

from guard.engine.decide import combine, evaluate_rule
from guard.engine.plan import plan
from guard.engine.rewrite import Edit, apply_edits, merge_edits, pseudonym
from guard.engine.runner import DetectorJob, DetectorResult, run_detectors
from guard.engine.segments import Segment, extract, replace, to_messages
from guard.policy.compiled import Policy, load_policy
from guard.policy.schema import RewriteSpec
from guard.types import Action, Finding, Message, Mode, RuleOutcome, SegmentRef, Stage

POLICY = """name: unit
version: 1
rules:
  - id: kw-block
    stages: [input, output]
    detector: keywords
    settings: {words: [forbidden], category: bad}
    action: block
  - id: kw-flag
    stages: [input]
    detector: keywords
    settings: {words: [forbidden], category: bad}
    action: flag
    mode: shadow
    scope: {roles: [system]}
  - id: secrets
    stages: [input]
    detector: secrets
    action: rewrite
    on_error: allow
"""


@pytest.fixture(scope="module")
def policy(tmp_path_factory: pytest.TempPathFactory) -> Policy:
    path = tmp_path_factory.mktemp("units") / "unit.yaml"
    path.write_text(POLICY)
    return load_policy(path)


# --- segments -------------------------------------------------------------------------------

def test_extract_and_replace_cover_content_parts_and_tool_arguments() -> None:
    msgs = to_messages([
        {"role": "user", "content": "hello"},
        {"role": "user", "content": [{"type": "text", "text": "part"},
                                     {"type": "image_url", "image_url": {"url": "x"}}]},
        {"role": "assistant", "content": None, "tool_calls": [
            {"id": "c", "type": "function", "function": {"name": "f", "arguments": "{}"}}]},
    ], default_role="user")
    segments = extract(msgs)
    assert [(s.ref.message_index, s.ref.part, s.text) for s in segments] == [
        (0, "content", "hello"), (1, "content[0]", "part"),
        (1, "content[1].image_url.url", "x"),  # a URL is text the model reads
        (2, "tool_calls[0].arguments", "{}")]
    out = replace(msgs, {s.ref: s.text.upper() for s in segments})
    assert out[0].content == "HELLO" and out[1].content[0]["text"] == "PART"  # type: ignore[index]
    assert out[2].extra["tool_calls"][0]["function"]["arguments"] == "{}"
    assert out[1].content[1]["type"] == "image_url"  # type: ignore[index]


def test_segments_scrub_lone_surrogates_one_for_one() -> None:
    seg = Segment(SegmentRef(0, "content", "user"), "a\ud800b")
    assert seg.text == "a\ufffdb"


def test_to_messages_rejects_other_types() -> None:
    with pytest.raises(TypeError):
        to_messages([42], default_role="user")  # type: ignore[list-item]


# --- rewrite --------------------------------------------------------------------------------

@pytest.mark.parametrize(("method", "expected"), [
    ("mask", "mail <EMAIL> now"), ("redact", "mail  now"), ("replace", "mail [x] now")])
def test_apply_edits_methods(method: str, expected: str) -> None:
    spec = RewriteSpec(method=method, replacement="[x]" if method == "replace" else None)
    assert apply_edits("mail a@b.co now", [Edit(5, 11, "EMAIL", spec)], b"") == expected


def test_overlapping_edits_merge_into_one() -> None:
    spec = RewriteSpec()
    merged = merge_edits([Edit(2, 6, "A", spec), Edit(0, 4, "B", spec), Edit(8, 9, "C", spec)])
    assert [(e.start, e.end, e.category) for e in merged] == [(0, 6, "B"), (8, 9, "C")]


def test_pseudonym_is_keyed_and_stable() -> None:
    assert pseudonym("id-1", "ID", b"k") == pseudonym("id-1", "ID", b"k")
    assert pseudonym("id-1", "ID", b"k") != pseudonym("id-1", "ID", b"other")
    assert pseudonym("id-1", "ID", b"k") != pseudonym("id-2", "ID", b"k")


# --- decide ---------------------------------------------------------------------------------

def _finding(start: int, end: int, score: float = 1.0) -> Finding:
    return Finding(detector="keywords", category="bad", score=score, start=start, end=end)


def test_evaluate_rule_thresholds_roles_and_errors(policy: Policy) -> None:
    block, flag, secrets = policy.rules
    segments = [Segment(SegmentRef(0, "content", "user"), "a forbidden word"),
                Segment(SegmentRef(1, "content", "system"), "forbidden too")]
    result = DetectorResult(findings={0: [_finding(2, 11)], 1: [_finding(0, 9)]})
    out = evaluate_rule(block, Stage.INPUT, result, segments)
    assert out.fired and [f.segment.role for f in out.findings if f.segment] == ["user"]
    shadow = evaluate_rule(flag, Stage.INPUT, result, segments)
    assert shadow.fired and shadow.mode is Mode.SHADOW
    assert [f.segment.role for f in shadow.findings if f.segment] == ["system"]
    failed = evaluate_rule(block, Stage.INPUT, DetectorResult(error="boom"), segments)
    assert failed.fired and failed.action is Action.BLOCK and not failed.failed_open
    opened = evaluate_rule(secrets, Stage.INPUT, DetectorResult(error="boom"), segments)
    assert not opened.fired and opened.failed_open and opened.error == "boom"


def test_combine_precedence_and_shadow() -> None:
    def outcome(action: Action, mode: Mode = Mode.ENFORCE, fired: bool = True) -> RuleOutcome:
        return RuleOutcome(rule_id=str(action), action=action, mode=mode, fired=fired)

    assert combine([]) == (Action.ALLOW, Action.ALLOW)
    assert combine([outcome(Action.FLAG), outcome(Action.REWRITE)]) == (
        Action.REWRITE, Action.REWRITE)
    assert combine([outcome(Action.FLAG), outcome(Action.BLOCK, Mode.SHADOW)]) == (
        Action.FLAG, Action.BLOCK)
    assert combine([outcome(Action.BLOCK, fired=False)]) == (Action.ALLOW, Action.ALLOW)


# --- plan and runner ------------------------------------------------------------------------

def test_plan_shares_one_job_per_detector_over_the_union_of_roles(policy: Policy) -> None:
    segments = extract((Message("system", "s"), Message("user", "u"), Message("assistant", "a")))
    jobs, job_of_rule = plan(policy.rules, segments, Stage.INPUT, 1.0)
    assert job_of_rule["kw-block"] == job_of_rule["kw-flag"] != job_of_rule["secrets"]
    assert jobs[job_of_rule["kw-block"]].segment_ids == [0, 1]  # system + user, not assistant
    assert len(jobs) == 2


class _Scripted:
    """A detector whose behaviour the runner test chooses (the runner is what is tested)."""

    def __init__(self, name: str, delay: float = 0.0, fail: bool = False) -> None:
        self.name = name
        self.delay = delay
        self.fail = fail

    async def detect(self, texts: Sequence[str]) -> list[list[Finding]]:
        await asyncio.sleep(self.delay)
        if self.fail:
            raise RuntimeError("broken")
        return [[_finding(0, len(t))] for t in texts]


@pytest.mark.asyncio
async def test_runner_isolates_failures_and_timeouts() -> None:
    segments = extract((Message("user", "abc"),))
    jobs = [DetectorJob(_Scripted("ok"), [0], 1.0),  # type: ignore[arg-type]
            DetectorJob(_Scripted("slow", delay=1.0), [0], 0.05),  # type: ignore[arg-type]
            DetectorJob(_Scripted("bad", fail=True), [0], 1.0)]  # type: ignore[arg-type]
    ok, slow, bad = await run_detectors(jobs, segments)
    assert ok.error is None and ok.findings[0][0].end == 3
    assert slow.error is not None and "timed out" in slow.error
    assert bad.error == "RuntimeError: broken"


def test_policy_fixture_path_exists(policy: Policy) -> None:
    assert policy.path is not None and Path(policy.path).exists()
