"""Benign follow-up turns through a policy: how often a conversation's second turn is blocked.

Single prompts are what the quality bench reads; a chat's second turn ("Rewrite your previous
response. Start every sentence with the letter A.") is what users send next. Inputs: MT-Bench's
80 two-turn questions (``shared/data/benign-mtbench``, English) and their French translation
(``shared/data/benign-mtbench-x``, ``mt_bench_FR``); no answers ship with them, so the
assistant turn between is a placeholder. Each conversation is checked twice with
``Guard.check_input``: its first turn alone, and its second turn with the first before it (the
run-time path: every message is checked, and a first turn left unfinished is also read joined
to the second, ``guard.engine.segments.joined_turns``). Reports the shares blocked and blocked
or flagged, the second turns blocked where the first alone was not, and the rule that did it.

    python -m bench.multiturn [--policy default] [--out table.md]
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Sequence
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench._report import policy_report_main  # noqa: E402
from guard import Guard  # noqa: E402
from guard.types import Action, Decision  # noqa: E402

DATA = REPO.parent / "shared" / "data"
SETS = {
    "EN": DATA / "benign-mtbench" / "fastchat" / "llm_judge" / "data" / "mt_bench" /
    "question.jsonl",
    "FR": DATA / "benign-mtbench-x" / "data" / "mt_bench_FR" / "question.jsonl",
}
ANSWER = "(answer)"


def conversations(path: Path) -> list[tuple[str, str]]:
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]
    return [(r["turns"][0], r["turns"][1]) for r in rows if len(r.get("turns", [])) >= 2]


def _share(decisions: Sequence[Decision], actions: tuple[Action, ...]) -> str:
    k = sum(d.action in actions for d in decisions)
    return f"{k / len(decisions):.1%} ({k})"


def _blocking_rules(decision: Decision) -> str:
    return ", ".join(sorted({r.rule_id for r in decision.fired_rules
                             if r.action is Action.BLOCK})) or "?"


def run(policy: Path) -> str:
    guard = Guard.from_file(policy)
    started = time.perf_counter()
    table = ["| set | conversations | first turn blocked | second turn blocked | second turn "
             "blocked or flagged |", "|---|---:|---:|---:|---:|"]
    notes: list[str] = []
    for lang, path in SETS.items():
        pairs = conversations(path)
        first = [guard.check_input([{"role": "user", "content": a}]) for a, _ in pairs]
        second = [guard.check_input([{"role": "user", "content": a},
                                     {"role": "assistant", "content": ANSWER},
                                     {"role": "user", "content": b}]) for a, b in pairs]
        table.append(f"| MT-Bench {lang} | {len(pairs)} | {_share(first, (Action.BLOCK,))} | "
                     f"{_share(second, (Action.BLOCK,))} | "
                     f"{_share(second, (Action.BLOCK, Action.FLAG))} |")
        for (_, b), one, two in zip(pairs, first, second, strict=True):
            if two.action is Action.BLOCK and one.action is not Action.BLOCK:
                notes.append(f"- {lang}: \"{b[:100]}\" ({_blocking_rules(two)})")
    elapsed = time.perf_counter() - started
    guard.close()
    shown = policy.relative_to(REPO) if policy.is_relative_to(REPO) else policy
    return "\n".join([f"Policy `{shown}`; {elapsed:.0f} s.", "", *table, "",
                      "Second turns blocked where the first turn alone was not:", "",
                      *(notes or ["- none"])])


def main(argv: Sequence[str] | None = None) -> None:
    policy_report_main(run, (__doc__ or "").split("\n")[0], argv)


if __name__ == "__main__":
    main()
