"""How far each shipped policy case sits from the thresholds that decide it.

A policy case passes or fails on a score compared with a threshold. The classifiers' scores
move by a few hundredths between hosts (README, "Scores move between hosts"), so a case whose
score sits that close to a threshold it is tested against passes on one machine and fails on
another. This lists, for every case given as ``text``, every rule that applies to it and every
category that rule reads, the distance between the score the rule's detector gives and the
rule's threshold in logit space (model scores only: a precise pattern's fixed score does not
move), and prints the cases that a move of less than ``--margin`` in one rule's best logit
would fail: the cases to move away from their thresholds, or to accept as fragile. Moves seen
between two hosts: 0.08 logit (0.48 on one, at least 0.50 on the other) and 0.23 (0.45 and
0.394); the default 0.2 lists the cases such a move would flip, 0.3 casts a wider net.

    python -m bench.case_margins [--margin 0.2] [--policy default --policy fr ...]
"""

from __future__ import annotations

import argparse
import asyncio
import math
import sys
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from guard import Guard  # noqa: E402
from guard.detectors.support import PATTERN_MARK  # noqa: E402
from guard.engine.segments import extract  # noqa: E402
from guard.policy.compiled import Rule  # noqa: E402
from guard.policy.shipped import resolve_policy  # noqa: E402
from guard.policy_cases import Case, cases_path_for, load_cases  # noqa: E402
from guard.types import Action, CheckContext, Finding, Message, Mode, Stage  # noqa: E402

SHIPPED = ("default", "fr", "strict")


@dataclass(frozen=True)
class Margin:
    """One (rule, category) reading of a case: the score minus the rule's threshold."""

    rule: str
    category: str
    score: float
    threshold: float
    fixed: bool = False
    """A precise pattern's score: the same on every host."""

    @property
    def distance(self) -> float:
        """In logit space: scores near 0 or 1 move less than scores near 0.5 for the same
        change of the model's logit (0.48 -> 0.50 is 0.08; 0.946 -> 0.92 is 0.42)."""
        return _logit(self.score) - _logit(self.threshold)


def _logit(p: float) -> float:
    p = min(max(p, 1e-6), 1 - 1e-6)
    return math.log(p / (1 - p))


def case_margins(guard: Guard, case: Case) -> list[Margin]:
    """Every (rule, category) distance for a ``text`` case (none for ``messages`` cases)."""
    if case.text is None:
        return []
    stage = Stage(case.stage)
    role = "user" if stage is Stage.INPUT else "assistant"
    rules: list[Rule] = [r for r in guard.policy.rules_for(stage, CheckContext(**case.context))
                         if role in r.roles(stage)]
    # The text as sent and the text decoded from it (base64, upside-down ...): the engine
    # checks both, so a case decided on decoded text has its margins there.
    texts = [s.text for s in extract([Message(role, case.text)])]
    by_detector: dict[int, list[list[Finding]]] = {}  # rules sharing a detector read one run
    out = []
    for rule in rules:
        detector = rule.detector_at(stage)
        if id(detector) not in by_detector:
            by_detector[id(detector)] = asyncio.run(detector.detect(texts))
        for text, findings in zip(texts, by_detector[id(detector)], strict=True):
            for f in findings:
                threshold = rule.threshold_for(f.category)
                if threshold is not None and rule.acts_on(f, text):
                    out.append(Margin(rule.id, f.category, f.score, threshold,
                                      fixed=PATTERN_MARK in f.explanation))
    return out


def flips(guard: Guard, case: Case, margins: list[Margin], margin: float) -> list[str]:
    """The rules whose firing a move of less than ``margin`` would change *and* with it the
    case's verdict: a listed rule that would stop firing, a ``not_rules`` one that would fire,
    or a change of the enforced action."""
    rules = {r.id: r for r in guard.policy.rules}
    fired = {m.rule for m in margins if m.distance >= 0}
    fired_fixed = {m.rule for m in margins if m.fixed and m.distance >= 0}
    best: dict[str, float] = {}  # each rule's best model (movable) distance
    for m in margins:
        if not m.fixed:
            best[m.rule] = max(best.get(m.rule, -math.inf), m.distance)
    expect = case.expect
    decisive = []
    for rule, d in best.items():
        if abs(d) >= margin or rule in fired_fixed:
            continue
        moved = fired ^ {rule}
        enforced = [rules[r] for r in moved if rules[r].spec.mode is Mode.ENFORCE]
        action = Action.strongest(r.spec.outcome for r in enforced)
        if ((expect.action is not None and action is not expect.action)
                or not set(expect.rules) <= moved
                or moved & set(expect.not_rules)):
            decisive.append(f"{rule} {'fires' if d >= 0 else 'misses'} by {abs(d):.2f} logit")
    return decisive


def report(policies: tuple[str, ...], margin: float) -> list[str]:
    lines = [f"Cases a move of less than {margin} in one model logit would fail (text cases; "
             "patterns, regexes and the other fixed scores as they are):", ""]
    for name in policies:
        path = resolve_policy(name)
        guard = Guard.from_file(path)
        try:
            cases = load_cases(cases_path_for(path)).cases
            fragile = 0
            for case in cases:
                decisive = flips(guard, case, case_margins(guard, case), margin)
                if decisive:
                    fragile += 1
                    lines.append(f"- {name} :: {case.id}: " + "; ".join(decisive))
            lines.append(f"{name}: {fragile} of {len(cases)} cases")
        finally:
            guard.close()
    return lines


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--margin", type=float, default=0.2, help="in logits")
    ap.add_argument("--policy", action="append", default=None)
    args = ap.parse_args()
    print("\n".join(report(tuple(args.policy or SHIPPED), args.margin)))


if __name__ == "__main__":
    main()
