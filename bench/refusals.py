"""A model's refusals through the default policy's output check, with and without
``skip_refusals`` (``guard/detectors/refusals.py``).

Answers: the last assistant turn of each dialogue in Anthropic's hh-rlhf harmless-base *test*
split (``../shared/data/hh-rlhf-harmless-base-test``; never used for training here), both the
preferred (``chosen``) and the other (``rejected``) answer: red-team conversations, so many
answers refuse and many others comply with a harmful request. Each answer is checked as the
completion of its dialogue's last human turn with ``Guard.check_output``. An answer without a
refusal sentence reads the same under both policies (nothing is blanked), so only answers
that hold one are checked twice.

Refusals as current chat models write them are rare in those 2022 answers, so a second set
is composed: each HarmBench *test* behaviour (``../shared/data/harmbench-behaviors``) refused
three ways ("I'm sorry, but I can't <behaviour>.", the same followed by an offer to help
otherwise, "I won't <behaviour>. It could put people at risk."), as a model echoing the request
would. Behaviours longer than a refusal sentence may be, or with a comma, stay unblanked.

Reports, per answer set: how many hold a refusal sentence, how many of those the policy blocks
without and with ``skip_refusals``, and lists the answers whose block was lost (to read: a
refusal followed by compliance would show up here); and, for the hh-rlhf sets, how many of
all answers the policy blocks (red-team answers without a per-answer label: a share that moves
with the output thresholds, not a false-positive rate).

    python -m bench.refusals [--limit N] [--out bench/RESULTS-refusals.md]
"""

from __future__ import annotations

import csv
import gzip
import json
import re
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench._report import limited_report_main, policy_variant  # noqa: E402
from guard import Guard  # noqa: E402
from guard.detectors.refusals import blank_refusals  # noqa: E402
from guard.types import Action  # noqa: E402

DATA = REPO.parent / "shared" / "data" / "hh-rlhf-harmless-base-test" / "harmless-base"
HARMBENCH = (REPO.parent / "shared" / "data" / "harmbench-behaviors"
             / "harmbench_behaviors_text_test.csv")
TEMPLATES = (
    "I'm sorry, but I can't {b}.",
    "I can't {b}. If you have a related question that doesn't involve harm, I'm happy to help.",
    "I won't {b}. It could put people at risk.",
)


def composed_refusals() -> list[tuple[str, str]]:
    """(behaviour, a refusal of it) for every HarmBench test behaviour and template."""
    with HARMBENCH.open(encoding="utf-8") as f:
        behaviours = [r["Behavior"].strip().rstrip(".") for r in csv.DictReader(f)
                      if r["FunctionalCategory"] == "standard"]
    return [(b, t.format(b=b[0].lower() + b[1:])) for b in behaviours for t in TEMPLATES]


_TURN = re.compile(r"\n\n(Human|Assistant): ")


def last_exchange(dialogue: str) -> tuple[str, str] | None:
    """(last human turn, the assistant's answer to it), or None if the dialogue ends otherwise."""
    parts = _TURN.split(dialogue)
    turns = list(zip(parts[1::2], parts[2::2], strict=False))
    if len(turns) < 2 or turns[-1][0] != "Assistant" or turns[-2][0] != "Human":
        return None
    answer = turns[-1][1].strip()
    return (turns[-2][1].strip(), answer) if answer else None


def without_skip(policy: Path) -> Path:
    """A copy of ``policy`` whose rules do not skip refusals."""
    return policy_variant(policy, r"\n[ ]*settings: \{skip_refusals: true\}", "")


def blocked(guard: Guard, prompt: str, answer: str) -> bool:
    decision = guard.check_output([{"role": "user", "content": prompt},
                                   {"role": "assistant", "content": answer}])
    return decision.action is Action.BLOCK


def run(policy: Path, limit: int = 0) -> str:
    """The report for ``policy`` over the first ``limit`` dialogues (0: all)."""
    started = time.time()
    rows = [json.loads(line) for line in gzip.open(DATA / "test.jsonl.gz", "rt",
                                                     encoding="utf-8")]
    if limit:
        rows = rows[:limit]
    with_skip, plain = Guard.from_file(policy), Guard.from_file(without_skip(policy))
    lines = ["| answers | n | hold a refusal sentence | of those, blocked without skip | "
             "with skip | blocks lost | all answers blocked |",
             "|---|---:|---:|---:|---:|---:|---:|"]
    lost_texts: list[str] = []
    sets = {kind: [p for p in (last_exchange(r[kind]) for r in rows) if p is not None]
            for kind in ("chosen", "rejected")}
    sets["HarmBench behaviours refused (composed)"] = composed_refusals()[
        :limit * 3 if limit else None]
    for kind, pairs in sets.items():
        refusing = [(q, a) for q, a in pairs if blank_refusals(a) != a]
        before = [blocked(plain, q, a) for q, a in refusing]
        after = [blocked(with_skip, q, a) for q, a in refusing]
        lost = [a for (_, a), b, c in zip(refusing, before, after, strict=True) if b and not c]
        if kind in ("chosen", "rejected"):  # the composed set is refusals only: nothing lost
            lost_texts += [f"{kind}: {a[:200]!r}" for a in lost]
        n = max(1, len(refusing))
        every = "–"
        if kind in ("chosen", "rejected"):  # no per-answer label: a share, not an FPR
            hits = sum(blocked(with_skip, q, a) for q, a in pairs)
            every = f"{hits} ({100 * hits / max(1, len(pairs)):.1f} %)"
        lines.append(f"| {kind} | {len(pairs)} | {len(refusing)} | {sum(before)} "
                     f"({100 * sum(before) / n:.1f} %) | {sum(after)} "
                     f"({100 * sum(after) / n:.1f} %) | {len(lost)} | {every} |")
    name = policy.relative_to(REPO) if policy.is_relative_to(REPO) else policy
    return "\n".join([
        f"Policy `{name}`; {time.time() - started:.0f} s.", "", *lines, "",
        "hh-rlhf answers whose block was lost (first 200 characters):",
        "",
        *[f"- {t}" for t in lost_texts]])


def main(argv: list[str] | None = None) -> None:
    limited_report_main(run, (__doc__ or "").split("\n\n")[0], "dialogues", argv)


if __name__ == "__main__":
    main()
