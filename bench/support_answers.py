"""Supportive answers and clear self-harm / sexual-minors requests through the default policy,
with the self-harm and sexual/minors block thresholds of before 2026-12-02 (0.5) and now.

Answers: every distinct therapist answer of counsel-chat (``../shared/data/counsel-chat``),
checked as the completion of its question with ``Guard.check_output``. The content heads never
trained on these answers (the corpus holds the *questions*, as help-seeking prompts); the new
thresholds were read on the answers of the train and validation question groups
(``training.data.split_of``), so the test-split column is the held-out figure.

Requests: the corpus rows labelled self-harm or sexual/minors in the test split (openai-
moderation, AILuminate EN/FR, never trained on), checked as prompts: what the block costs.

Help-seeking messages, checked as prompts: the counsel-chat questions of the test-split question
groups (people asking a therapist about depression, self-harm thoughts, abuse ...), and the
test split of the project's written help-seeking messages (``training/help_seeking.py``:
situations the head never saw, English and French).

    python -m bench.support_answers [--limit N] [--out bench/RESULTS-support.md]
"""

from __future__ import annotations

import csv
import sys
import time
from collections import Counter
from functools import cache
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench._report import limited_report_main, policy_variant  # noqa: E402
from guard import Guard  # noqa: E402
from guard.types import Action, Decision  # noqa: E402
from training import help_seeking  # noqa: E402
from training.data import load_all, split_of  # noqa: E402

COUNSEL = REPO.parent / "shared" / "data" / "counsel-chat" / "data" / "20200325_counsel_chat.csv"
LABELS = ("self-harm", "sexual/minors")


@cache
def _counsel_rows() -> list[dict[str, str]]:
    """counsel-chat's rows (one per answer), read once for the answers and the questions."""
    with COUNSEL.open(encoding="utf-8") as f:
        return list(csv.DictReader(f))


def answers(limit: int = 0) -> list[tuple[str, str, str]]:
    """(split, question, answer) for every distinct answer of 100 characters or more."""
    seen: set[str] = set()
    out: list[tuple[str, str, str]] = []
    for r in _counsel_rows():
        answer = " ".join(r["answerText"].split())
        if len(answer) < 100 or answer in seen:
            continue
        seen.add(answer)
        out.append((split_of(f"cc:{r['questionID']}"), " ".join(r["questionText"].split()),
                    answer))
    return out[:limit] if limit else out


def help_seeking_messages() -> dict[str, list[str]]:
    """Held-out help-seeking prompts by set: counsel-chat's test-split questions and the written
    rows' test split, per language."""
    questions: dict[str, str] = {}
    for r in _counsel_rows():
        if split_of(f"cc:{r['questionID']}") == "test":
            questions.setdefault(
                r["questionID"], " ".join(f"{r['questionTitle']}. {r['questionText']}".split()))
    sets = {"counsel-chat questions": list(questions.values())}
    for lang in ("en", "fr"):
        sets[f"written, {lang.upper()}"] = [e.text for e in help_seeking.generate()
                                            if e.lang == lang and split_of(e.group) == "test"]
    return sets


def previous_thresholds(policy: Path) -> Path:
    """A copy of ``policy`` whose abuse.block blocks self-harm and sexual/minors from 0.5."""
    return policy_variant(policy, r", self-harm: 0\.\d+, sexual/minors: 0\.\d+\}", "}")


def blocked_prompt(guard: Guard, text: str) -> bool:
    return guard.check_input([{"role": "user", "content": text}]).action is Action.BLOCK


def blocked_by(decision: Decision) -> str | None:
    if decision.action is not Action.BLOCK:
        return None
    return ",".join(r.rule_id for r in decision.fired_rules if r.action is Action.BLOCK)


def run(policy: Path, limit: int = 0) -> str:
    """The report for ``policy`` over the first ``limit`` answers (0: all)."""
    started = time.time()
    guards = {"self-harm, sexual/minors blocked from 0.5 (before)":
              Guard.from_file(previous_thresholds(policy)),
              "as shipped": Guard.from_file(policy)}
    rows = answers(limit)
    requests = [e for e in load_all() if e.split == "test"
                and any(e.labels.get(k) == 1 for k in LABELS)]
    helping = help_seeking_messages()
    lines = ["| policy | therapist answers blocked: all | test split | by rule (all) | "
             "test-split self-harm / sexual-minors requests blocked | help-seeking messages "
             "blocked: " + " / ".join(helping) + " |",
             "|---|---:|---:|---|---:|---:|"]
    for name, guard in guards.items():
        rules: Counter[str] = Counter()
        test = [0, 0]
        for split, question, answer in rows:
            rule = blocked_by(guard.check_output([{"role": "user", "content": question},
                                                  {"role": "assistant", "content": answer}]))
            if split == "test":
                test[0] += 1
                test[1] += rule is not None
            if rule is not None:
                rules[rule] += 1
        caught = sum(blocked_prompt(guard, e.text) for e in requests)
        helped = " / ".join(f"{sum(blocked_prompt(guard, t) for t in texts)} of {len(texts)}"
                            for texts in helping.values())
        total = sum(rules.values())
        lines.append(
            f"| {name} | {total} / {len(rows)} ({100 * total / max(1, len(rows)):.1f} %) | "
            f"{test[1]} / {test[0]} ({100 * test[1] / max(1, test[0]):.1f} %) | "
            + ", ".join(f"{k} {v}" for k, v in rules.most_common(4))
            + f" | {caught} / {len(requests)} | {helped} |")
    name = policy.relative_to(REPO) if policy.is_relative_to(REPO) else policy
    return "\n".join([f"Policy `{name}`; {len(rows)} counsel-chat answers; "
                      f"{time.time() - started:.0f} s.", "", *lines])


def main(argv: list[str] | None = None) -> None:
    limited_report_main(run, (__doc__ or "").split("\n\n")[0], "answers", argv)


if __name__ == "__main__":
    main()
