"""Dilution bench: a short hostile sentence hidden among short benign ones, the sentence
rescoring that finds it (``sentence_rescore_from``), and the window-count correction for long
texts (``window_count_correction``), with what each costs on benign text.

    HF_HUB_OFFLINE=1 python -m bench.dilution --split val     # choose the setting (~10 min)
    HF_HUB_OFFLINE=1 python -m bench.dilution --split test    # report it (~10 min)
    HF_HUB_OFFLINE=1 python -m bench.dilution --policy strict --settings none,0.15
    HF_HUB_OFFLINE=1 python -m bench.dilution --settings none --corrections none,0,0.5

Packed sentence windows (34 tokens) hold several short sentences; mean pooling over them
dilutes a short hostile one. For each policy variant, on one split of ``../shared/data``
(``training.data``; nothing here is trained on, the shipped heads are):

* **hostile**: single-sentence rows (at most 24 tokens) with a positive content-safety or
  prompt-attack label that ``default`` blocks when sent alone; each is hidden at a random place
  among short single-sentence rows of benign sources in its language (about 150 tokens in all,
  ``--compose-tokens``: packed windows; at 80, with at most 24 + 15 more, every text fits one
  124-token window and is scored whole)
  and sent as one user message: the share of them the policy still blocks;
* **benign, composed**: the same construction without the hostile sentence: the share blocked;
* **benign, long**: real prompts of benign sources longer than one encoder window: the share
  blocked (false blocks on long ordinary prompts);
* **hostile, long**: real rows with a positive label longer than one window (jailbreak
  templates, injection carriers, long harmful requests): the share blocked;
* **CPU**: process time per check over all of the above.

Variants: the policy (``--policy``) with ``sentence_rescore_from`` (``--settings``) and
``window_count_correction`` (``--corrections``, on both detectors) set on its input classifier
block rules. Writes ``bench/RESULTS-dilution.md`` (one section per policy, split and size).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import re
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from guard import Guard
from guard.policy.loader import load_spec
from guard.policy.shipped import shipped_dir
from training.data import Example, load_all

OUT_DIR = Path(__file__).resolve().parent
BENIGN_SOURCES = frozenset({
    "banking77", "clinc150", "nq-open", "benign-mtbench", "benign-mtbench-x",
    "benign-arena-hard", "medquad", "piaf-fr", "frenchmedmcqa", "generated-benign",
    "counsel-chat", "coconot", "cyberseceval-frr"})
HOSTILE_LABELS = frozenset({
    "harmful", "hate", "harassment", "self-harm", "sexual/minors", "sexual", "violence",
    "illicit", "attack", "injection", "jailbreak"})
RULES = ("prompt-attack.classifier", "harmful-request.block", "abuse.block")
LANGS = ("en", "fr")
_INNER_BREAK = re.compile(r"[.!?;:\u2026\n]")


Variant = tuple[float | None, float | None]
"""(sentence_rescore_from, window_count_correction) on the input block rules; None: rescoring
off, the policy's own correction (the manifest's unless the rule sets one)."""


@dataclass
class Case:
    text: str
    lang: str
    kind: str  # hostile / composed / long / long-hostile
    sentence: str = ""  # a hostile case's sentence alone


def variant_policy(tmp: Path, policy: str, variant: Variant) -> Path:
    """A shipped policy (detector timeouts raised: this bench measures what is found, not how
    fast) with its input classifier block rules set to ``variant`` (their other settings
    kept)."""
    rescore_from, correction = variant
    shipped = shipped_dir() / (policy + ".yaml")
    spec, _ = load_spec(shipped)
    own = {rule.id: dict(rule.settings) for rule in spec.rules}
    path = tmp / f"{policy}-{rescore_from}-{correction}.yaml"
    if not (tmp / "wordlists").exists():  # the shipped policies name their word lists relatively
        (tmp / "wordlists").symlink_to(shipped_dir() / "wordlists")
    rules = ""
    for rule in RULES:
        settings = own[rule]
        settings.pop("sentence_rescore_from", None)
        if rescore_from is not None:
            settings["sentence_rescore_from"] = rescore_from
        if correction is not None:
            settings["window_count_correction"] = correction
        rules += f"  - id: {rule}\n    settings: {json.dumps(settings)}\n"
    path.write_text(f"name: variant\nversion: 1\nextends: {shipped}\n"
                    f"settings: {{detector_timeout_ms: 120000}}\nrules:\n{rules}")
    return path


def variant_name(policy: str, variant: Variant) -> str:
    rescore_from, correction = variant
    name = f"`{policy}`"
    if rescore_from is not None:
        name += f", sentence_rescore_from {rescore_from}"
    return name + ("" if correction is None else f", window_count_correction {correction}")


def single_sentence(text: str) -> bool:
    return not _INNER_BREAK.search(text.strip().rstrip(".!?"))


def ended(text: str) -> str:
    text = text.strip()
    return text if text[-1] in ".!?" else text + "."


def build_cases(rows: Sequence[Example], count: Callable[[str], int], rng: random.Random,
                size: int) -> tuple[list[Case], list[Case]]:
    """Hostile candidates (not yet filtered by the policy) and benign cases."""
    fillers: dict[str, list[str]] = {lang: [] for lang in LANGS}
    hostile: list[Case] = []
    longs: list[Case] = []
    for ex in rows:
        if ex.lang not in LANGS:
            continue
        positive = any(v == 1 and k in HOSTILE_LABELS for k, v in ex.labels.items())
        benign = ex.source in BENIGN_SOURCES and not any(v == 1 for v in ex.labels.values())
        n = count(ex.text)
        if positive and single_sentence(ex.text) and n <= 24:
            hostile.append(Case(ended(ex.text), ex.lang, "hostile", ended(ex.text)))
        elif benign and single_sentence(ex.text) and 4 <= n <= 16:
            fillers[ex.lang].append(ended(ex.text))
        elif benign and n > 124:
            longs.append(Case(ex.text, ex.lang, "long"))
        elif positive and n > 124:
            longs.append(Case(ex.text, ex.lang, "long-hostile"))

    def padding(lang: str) -> list[str]:
        parts: list[str] = []
        while sum(count(p) for p in parts) < size:
            parts.append(rng.choice(fillers[lang]))
        return parts

    for case in hostile:
        parts = padding(case.lang)
        parts.insert(rng.randrange(len(parts) + 1), case.text)
        case.text = " ".join(parts)
    composed = [Case(" ".join(padding(lang)), lang, "composed")
                for lang in LANGS for _ in range(200) if fillers[lang]]
    return hostile, composed + longs


DEFAULT_SIZE = 150
"""Tokens of a composed text: over one 124-token window, so it is cut into packed windows."""

CONCURRENCY = 4
"""Checks in flight at once: enough for the micro-batcher, few enough that no detector runs
past its timeout on 2 cores (a timed-out rule fails closed, which would count as a block)."""


async def blocked(guard: Guard, texts: Sequence[str]) -> tuple[list[bool], float]:
    """Whether each text, sent as one user message, is blocked; CPU seconds per check.
    Raises if a detector failed (a timeout would be a block for the wrong reason)."""
    out: list[bool] = []
    started = time.process_time()
    for i in range(0, len(texts), CONCURRENCY):
        decisions = await asyncio.gather(*(
            guard.acheck_input([{"role": "user", "content": t}])
            for t in texts[i:i + CONCURRENCY]))
        failed = [r.error for d in decisions for r in d.rules if r.error]
        if failed:
            raise RuntimeError(f"detector failed during the bench: {failed[0]}")
        out.extend(d.blocked for d in decisions)
    return out, (time.process_time() - started) / max(1, len(texts))


def share(flags: Sequence[bool]) -> str:
    return f"{sum(flags) / len(flags):.3f} ({sum(flags)}/{len(flags)})" if flags else "-"


async def run(split: str, policy: str, settings: Sequence[Variant], seed: int,
              limit: int, size: int, flags: str = "") -> str:
    """One section of the results file; ``flags``: the variant options, for its header."""
    rng = random.Random(seed)
    rows = [ex for ex in load_all(capped=False) if ex.split == split]
    tmp = Path(tempfile.mkdtemp(prefix="guard-dilution-"))
    base = Guard.from_file(variant_policy(tmp, policy, (None, None)))
    from guard.ml.classifier import EmbeddingHeadClassifier, load_classifier

    clf = load_classifier(None, task="content_safety")
    assert isinstance(clf, EmbeddingHeadClassifier)
    tokenizer = clf.encoder.tokenizer

    def count(text: str) -> int:
        return len(tokenizer(text, add_special_tokens=False)["input_ids"])

    candidates, benign = build_cases(rows, count, rng, size)
    # Keep hostile sentences that default blocks alone (before they were hidden).
    kept_flags, _ = await blocked(base, [c.sentence for c in candidates])
    hostile = [c for c, ok in zip(candidates, kept_flags, strict=True) if ok]
    rng.shuffle(hostile)
    hostile = hostile[:limit]
    lines = [f"## `{policy}`, `{split}` split, {size}-token texts", "",
             f"`python -m bench.dilution --policy {policy} --split {split}"
             + ("" if size == DEFAULT_SIZE else f" --compose-tokens {size}") + flags + "`, "
             f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; seed {seed}. Hostile: "
             f"{len(hostile)} single sentences `{policy}` blocks alone (without rescoring), each "
             f"hidden among ~{size} tokens of short benign sentences. Shares blocked (user "
             "message); variants set on "
             + ", ".join(f"`{r}`" for r in RULES) + ".", "",
             "| policy | lang | hostile hidden: blocked | benign composed: blocked | "
             "benign long prompts: blocked | hostile long prompts: blocked | CPU / check |",
             "|---|---|---:|---:|---:|---:|---:|"]
    for setting in settings:
        guard = Guard.from_file(variant_policy(tmp, policy, setting))
        cases = hostile + benign
        outcome, cpu = await blocked(guard, [c.text for c in cases])
        name = variant_name(policy, setting)
        for lang in LANGS:
            pick = [f for c, f in zip(cases, outcome, strict=True) if c.lang == lang]
            kinds = [c.kind for c in cases if c.lang == lang]
            cell = [share([f for f, k in zip(pick, kinds, strict=True) if k == kind])
                    for kind in ("hostile", "composed", "long", "long-hostile")]
            lines.append(f"| {name} | {lang} | {' | '.join(cell)} | {cpu * 1000:.1f} ms |")
        print(lines[-2], lines[-1], sep="\n", flush=True)
    shutil.rmtree(tmp, ignore_errors=True)
    return "\n".join(lines) + "\n"


HEADER = """# Dilution: short hostile sentences hidden among short benign ones

What `sentence_rescore_from` and `window_count_correction` catch and cost (`bench/dilution.py`;
one section per policy, split and size, each rewritten by its own run, keeping the rows of
variants it did not rerun). Settings were chosen on `val`; `test` reports them. Rows from runs
before 2026-12-01 12:00 UTC predate `window_count_correction`: `default` then scored long texts
by the plain max (today's `window_count_correction 0`), and they have no long hostile column.
"""


def parse_sections(text: str) -> dict[tuple[str, str, int], str]:
    """The sections of an earlier results file, by (policy, split, composed tokens)."""
    out: dict[tuple[str, str, int], str] = {}
    for block in text.split("\n## ")[1:]:
        head = block.split("\n", 1)[0]  # `policy`, `split` split
        parts = [p.strip(" `") for p in head.split(",")]
        size = int(parts[2].split("-")[0]) if len(parts) > 2 else DEFAULT_SIZE
        out[(parts[0], parts[1].split()[0].strip("`"), size)] = "## " + block.rstrip() + "\n"
    return out


def widened(row: str) -> str:
    """A row of a run before the long hostile prompts column, with that cell empty."""
    cells = row.strip().strip("|").split(" | ")
    if len(cells) == 6:
        cells.insert(5, "-")
    return "| " + " | ".join(c.strip() for c in cells) + " |"


def merged(earlier: str | None, report: str) -> str:
    """``report``, plus the rows of an earlier run of the same section for variants this run
    did not measure (its header says when each run was made)."""
    if earlier is None:
        return report
    rows = [row for row in report.splitlines() if row.startswith("| `")]
    names = {row.split(" | ")[0] for row in rows}
    kept = [widened(row) for row in earlier.splitlines()
            if row.startswith("| `") and row.split(" | ")[0] not in names]
    if not kept:
        return report
    stamp = earlier.splitlines()[2].split(";")[0]
    head, _, tail = report.rstrip("\n").partition("\n|---")
    return (head + "\n|---" + tail + "\n" + "\n".join(kept) + "\n\n"
            f"Rows after the first {len(rows)}: an earlier run, {stamp}.\n")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--split", default="test", choices=("val", "test"))
    parser.add_argument("--policy", default="default", choices=("default", "strict", "fr"))
    parser.add_argument("--settings", default="none,0.15,0.2,0.3",
                        help="comma-separated sentence_rescore_from values; none = off")
    parser.add_argument("--corrections", default="none",
                        help="comma-separated window_count_correction values; none = the "
                             "manifest's (each is run with each --settings value)")
    parser.add_argument("--compose-tokens", type=int, default=DEFAULT_SIZE,
                        help="length of the composed texts (tokens)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--limit", type=int, default=400, help="most hostile sentences")
    args = parser.parse_args(argv)
    settings = [(None if s == "none" else float(s), None if c == "none" else float(c))
                for c in args.corrections.split(",") for s in args.settings.split(",")]
    flags = "".join(f" --{name} {value}" for name, value, default in (
        ("settings", args.settings, parser.get_default("settings")),
        ("corrections", args.corrections, parser.get_default("corrections"))) if value != default)
    report = asyncio.run(run(args.split, args.policy, settings, args.seed, args.limit,
                             args.compose_tokens, flags))
    out = OUT_DIR / "RESULTS-dilution.md"
    sections = parse_sections(out.read_text()) if out.exists() else {}
    key = (args.policy, args.split, args.compose_tokens)
    sections[key] = merged(sections.get(key), report)
    order = sorted(sections, key=lambda k: (k[0], -k[2], k[1] != "val"))  # val, then test
    out.write_text(HEADER + "\n" + "\n".join(sections[k] for k in order))
    print(report)
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
