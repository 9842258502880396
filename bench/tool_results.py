"""Benign long texts as tool results: how often a policy blocks a document an agent fetched.

Why: `default` scores each sentence of a tool or function result alone as well
(`prompt-attack.tool-sentences`), which catches one injected sentence beside benign ones but
can also block a benign sentence that reads like an attack. This measures that cost on texts
no rule was written from: therapists' answers (counsel-chat) and the assistant turns of
hh-rlhf's *chosen* dialogues (harmless-base test), each passed as the result of a tool call
after "Summarise this document.".

    python -m bench.tool_results [--policy default] [--per-pool 150] [--seed 7]

Reports, per pool, the texts blocked by `prompt-attack.classifier` (the plain windows) and
the texts blocked only by `prompt-attack.tool-sentences`, with the first characters of each.
"""

from __future__ import annotations

import argparse
import gzip
import json
import random
import re
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DATA = REPO.parent / "shared" / "data"


def chosen_answers() -> list[str]:
    path = DATA / "hh-rlhf-harmless-base-test" / "harmless-base" / "test.jsonl.gz"
    out = []
    with gzip.open(path, "rt", encoding="utf-8") as f:
        for line in f:
            for turn in re.split(r"\n\n(?=Human:|Assistant:)", json.loads(line)["chosen"]):
                if turn.startswith("Assistant:") and len(turn) > 200:
                    out.append(turn.split(":", 1)[1].strip())
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--policy", default="default")
    parser.add_argument("--per-pool", type=int, default=150)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    sys.path.insert(0, str(REPO))
    from bench.support_answers import answers
    from guard import Guard

    policy = Path(args.policy)
    if not policy.exists():
        policy = REPO / "guard" / "policies" / f"{args.policy}.yaml"
    guard = Guard.from_file(policy)
    rng = random.Random(args.seed)
    pools = {"counsel-chat answers": [a for _, _, a in answers() if len(a) > 200],
             "hh-rlhf chosen answers": chosen_answers()}
    t0 = time.time()
    for name, texts in pools.items():
        sample = rng.sample(texts, min(args.per_pool, len(texts)))
        plain: list[str] = []
        sentences: list[str] = []
        for text in sample:
            decision = guard.check_input([
                {"role": "user", "content": "Summarise this document."},
                {"role": "tool", "tool_call_id": "call_1", "content": text}])
            fired = {r.rule_id for r in decision.rules if r.fired}
            if "prompt-attack.classifier" in fired:
                plain.append(text)
            elif "prompt-attack.tool-sentences" in fired:
                sentences.append(text)
        print(f"{name}: {len(sample)} texts; blocked by prompt-attack.classifier {len(plain)}, "
              f"only by prompt-attack.tool-sentences {len(sentences)}")
        for text in sentences:
            print(f"    tool-sentences: {text[:110]!r}")
    print(f"_{time.time() - t0:.0f} s_")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
