"""Which detector runs on which segments: one job per distinct detector instance.

Rules that share a detector (same name and settings, hence the same instance) share its job,
over the union of the segments their roles select, so a policy with three PII rules at
different thresholds runs Presidio once; a rule with output-only settings (``skip_refusals``)
runs its input-stage twin at the input stage (``Rule.detector_at``). A job carries
the lowest threshold its rules apply (detectors that can skip work below it, such as a
classifier cascade, are told so). A shared job runs as long as its most patient rule
allows; a rule with a shorter ``timeout_ms`` still times out at its own budget (the engine
compares the job's latency with each rule's budget).
"""

from __future__ import annotations

from collections.abc import Sequence

from guard.engine.runner import DetectorJob
from guard.engine.segments import Segment
from guard.policy.compiled import Rule
from guard.types import Stage


def rule_timeout_s(rule: Rule, default_timeout_s: float) -> float:
    """A rule's own time budget: its ``timeout_ms`` when set (lower *or* higher than the
    policy's ``detector_timeout_ms``), else the policy default."""
    return rule.spec.timeout_ms / 1000 if rule.spec.timeout_ms is not None else default_timeout_s


def plan(rules: Sequence[Rule], segments: Sequence[Segment], stage: Stage,
         default_timeout_s: float, *, per_kchar_s: float = 0.0,
         max_chars: int | None = None) -> tuple[list[DetectorJob], dict[str, int]]:
    """(jobs, index of the job each rule id reads its findings from).

    The policy-default budget grows by ``per_kchar_s`` per 1,000 characters the job scans
    (at most ``max_chars``), so a long but ordinary text is not failed by a timeout sized for
    a chat turn; a rule's own ``timeout_ms`` stays absolute.
    """
    jobs: list[DetectorJob] = []
    by_detector: dict[int, int] = {}
    job_of_rule: dict[str, int] = {}
    for rule in rules:
        detector = rule.detector_at(stage)
        key = id(detector)
        lowest = rule.lowest_threshold()
        if key not in by_detector:
            by_detector[key] = len(jobs)
            jobs.append(DetectorJob(detector, [], default_timeout_s, min_score=lowest))
        job = jobs[by_detector[key]]
        job.min_score = min(job.min_score, lowest)
        job.rule_timeouts_s[rule.id] = rule_timeout_s(rule, default_timeout_s)
        job.timeout_s = max(job.rule_timeouts_s.values())
        roles = rule.roles(stage)
        wanted = {i for i, s in enumerate(segments) if s.ref.role in roles}
        job.segment_ids = sorted(set(job.segment_ids) | wanted)
        job_of_rule[rule.id] = by_detector[key]
    if per_kchar_s > 0:
        for job in jobs:
            chars = sum(len(segments[i].text) for i in job.segment_ids)
            extra = per_kchar_s * min(chars, max_chars or chars) / 1000
            for rule in rules:
                if jobs[job_of_rule[rule.id]] is job and rule.spec.timeout_ms is None:
                    job.rule_timeouts_s[rule.id] = default_timeout_s + extra
            job.timeout_s = max(job.rule_timeouts_s.values())
    return jobs, job_of_rule
