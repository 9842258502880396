"""A second classifier blended in for some languages: scores, weight sweep and blended files.

The default ``content_safety`` classifier reads text through an English encoder (MiniLM), so
French requests and French toxicity score low (leave-one-source-out: French harmful-request
recall 0.04, RTP-LX FR AUC 0.68). The ``e5`` variant (multilingual, fine-tuned) ranks French
far better but flags unseen benign chat more often. The detector can mix the two in logit
space for texts in some languages (``blend`` in the manifest, guard/ml/aggregate.py); this
script chooses the weight on the validation split and writes blended score files for
``bench.quality --scores``:

    python -m bench.blend score --split val --out /tmp/blend/val    # run-time scores, both models
    python -m bench.blend sweep --primary /tmp/blend/val-primary.npz \
        --partner /tmp/blend/val-partner.npz
    python -m bench.blend combine --primary bench/results/v2.2-wc-loso.npz \
        --partner bench/results/v3.1-loso.npz --weight 0.6 --out bench/results/blend-loso.npz

    python -m bench.blend speed        # what the blend costs a French check (and an English one)

``score`` runs the shipped classifiers as the detector does (each manifest's window-count
correction applied); ``combine`` blends two score files row by row for the rows whose language
the blend covers and keeps the primary's scores elsewhere.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.quality import _harm_lang, _score, _src
from bench.quality_eval import scores_from_file
from bench.quality_metrics import auc
from guard.ml.aggregate import blended
from guard.ml.classifier import load_classifier
from training.data import ALL_LABELS, BENIGN_SOURCES, CS_LABELS, Example, load_all
from training.finetune import load_scores, save_scores, text_key

TASK = "content_safety"
WEIGHTS = (0.0, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 1.0)


def score(examples: Sequence[Example], manifest: str | None, batch: int = 32) -> np.ndarray:
    """Run-time ``content_safety`` scores (ALL_LABELS columns, NaN for the other task)."""
    clf = load_classifier(manifest, task=TASK)
    beta = clf.manifest.window_count_correction
    out = np.full((len(examples), len(ALL_LABELS)), np.nan, np.float32)
    cols = [ALL_LABELS.index(lab) for lab in clf.labels]
    for s in range(0, len(examples), batch):
        texts = [e.text for e in examples[s : s + batch]]
        for k, pred in enumerate(clf.predict(texts)):
            out[s + k, cols] = [pred.corrected(lab, beta) for lab in clf.labels]
    return out


def _rows(path: Path, examples: Sequence[Example]) -> dict[int, np.ndarray]:
    return scores_from_file(path, examples)[TASK]


def mix(a: np.ndarray, b: np.ndarray, weight: float) -> np.ndarray:
    return np.array([blended(float(x), float(y), weight) for x, y in zip(a, b, strict=True)])


Pred = Callable[[Example], bool]


def _label(vec: np.ndarray, label: str) -> float:
    return _score(vec, TASK, label)


def sweep(examples: list[Example], a: dict[int, np.ndarray], b: dict[int, np.ndarray],
          lang: str, thresholds: dict[str, float]) -> list[str]:
    """Per weight, on rows of ``lang`` both files score: harmful-request recall and benign FPR
    at ``thresholds``, toxicity AUC (RTP-LX), clear-hate recall and its FPR on rows known not
    to be hate, likewise harassment."""
    common = [i for i in a if i in b and examples[i].lang == lang]
    harm: Pred = _harm_lang(lang)
    benign: Pred = lambda e: e.source in BENIGN_SOURCES  # noqa: E731
    rtp: Pred = _src(f"rtp-lx-{lang}")
    not_hate: Pred = lambda e: e.labels.get("hate") == 0  # noqa: E731
    hate: Pred = lambda e: e.labels.get("hate") == 1  # noqa: E731
    lines = [
        f"#### {lang.upper()} ({len(common)} rows)",
        "",
        "| weight | harmful recall (n) | benign FPR `harmful` (n) | RTP-LX toxicity AUC (n) "
        f"| hate rows with hate >= {thresholds['hate']} (n) "
        f"| non-hate rows with hate >= {thresholds['hate']} (n) "
        f"| non-harassment rows with harassment >= {thresholds['harassment']} (n) |",
        "|---|---|---|---|---|---|---|",
    ]
    for w in WEIGHTS:
        vec = {i: mix(a[i], b[i], w) for i in common}

        def rate(pred: Pred, label: str, thr: float, vec: dict[int, np.ndarray] = vec) -> str:
            v = [_label(vec[i], label) >= thr for i in common if pred(examples[i])]
            return f"{np.mean(v):.3f} ({len(v)})" if v else "–"

        ys = [examples[i].tags.get("toxic") for i in common if rtp(examples[i])]
        ss = [_label(vec[i], "tox") for i in common if rtp(examples[i])]
        pairs = [(int(y), s) for y, s in zip(ys, ss, strict=True) if y is not None]
        tox = (f"{auc([p[0] for p in pairs], [p[1] for p in pairs]):.3f} ({len(pairs)})"
               if pairs else "–")
        no_har: Pred = lambda e: e.labels.get("harassment") == 0  # noqa: E731
        lines.append(
            f"| {w:.1f} | {rate(harm, 'harmful', thresholds['harmful'])} "
            f"| {rate(benign, 'harmful', thresholds['harmful'])} | {tox} "
            f"| {rate(hate, 'hate', thresholds['hate'])} "
            f"| {rate(not_hate, 'hate', thresholds['hate'])} "
            f"| {rate(no_har, 'harassment', thresholds['harassment'])} |"
        )
    return lines


def combine(examples: list[Example], primary: Path, partner: Path, weight: float,
            langs: tuple[str, ...], out: Path) -> None:
    """A score file: ``primary``'s rows, blended with ``partner`` on rows of ``langs``."""
    table_a, table_b = load_scores(primary), load_scores(partner)
    cols = [ALL_LABELS.index(lab) for lab in CS_LABELS]
    kept: list[Example] = []
    rows: list[np.ndarray] = []
    mixed = 0
    for e in examples:
        row = table_a.get(text_key(e))
        if row is None:
            continue
        row = row.astype(np.float32).copy()
        other = table_b.get(text_key(e))
        if e.lang in langs and not np.isnan(row[cols]).any():
            if other is None or np.isnan(other[cols]).any():
                continue  # a row the blend covers but the partner never scored: left out
            row[cols] = mix(row[cols], other[cols], weight)
            mixed += 1
        kept.append(e)
        rows.append(row)
    save_scores(out, kept, np.stack(rows), {"blend": weight}, None)
    print(f"{out}: {len(kept)} rows ({mixed} blended)")


SPEED_TEXTS = {
    "en": "Could you help me draft a polite e-mail to my landlord about the broken heating in my "
    "flat? It has been cold for a week and nobody came. Please keep it friendly but firm.",
    "fr": "Pourriez-vous m'aider à rédiger un courriel poli à mon propriétaire au sujet du "
    "chauffage en panne ? Il fait froid depuis une semaine et personne n'est venu. Restez "
    "aimable mais ferme.",
}


def speed(runs: int) -> list[str]:
    """p50 wall time and CPU per ``content_safety`` check of one ~40-token text, blend on and
    off (distinct texts: no window cache hit)."""
    import asyncio
    import statistics

    from guard.detectors.classifier import build

    lines = ["| text | blend | p50 wall ms | CPU ms per check |", "|---|---|---|---|"]
    for lang, base in SPEED_TEXTS.items():
        for label, settings in (("off", {"blend_weight": 0.0}), ("on (manifest)", {})):
            det = build("content_safety", settings)
            asyncio.run(det.detect([base]))  # load and warm
            walls: list[float] = []
            cpu0 = time.process_time()
            for i in range(runs):
                t = time.perf_counter()
                asyncio.run(det.detect([f"[{label} {i}] {base}"]))
                walls.append((time.perf_counter() - t) * 1000)
            cpu = (time.process_time() - cpu0) * 1000 / runs
            lines.append(f"| {lang.upper()} | {label} | {statistics.median(walls):.1f} "
                         f"| {cpu:.1f} |")
    return lines


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("score", help="run-time scores of one split by both classifiers")
    s.add_argument("--split", default="val")
    s.add_argument("--langs", default="fr,en")
    s.add_argument("--partner", default="e5", help="the blended classifier's manifest")
    s.add_argument("--out", type=Path, required=True, help="prefix of the two score files")
    w = sub.add_parser("sweep", help="weights against French and English validation figures")
    w.add_argument("--primary", type=Path, required=True)
    w.add_argument("--partner", type=Path, required=True)
    w.add_argument("--langs", default="fr,en")
    w.add_argument("--thresholds", default="harmful=0.5,hate=0.92,harassment=0.72")
    c = sub.add_parser("combine", help="a blended score file for bench.quality --scores")
    c.add_argument("--primary", type=Path, required=True)
    c.add_argument("--partner", type=Path, required=True)
    c.add_argument("--weight", type=float, required=True)
    c.add_argument("--langs", default="fr")
    c.add_argument("--out", type=Path, required=True)
    p = sub.add_parser("speed", help="what the blend costs one check, French and English")
    p.add_argument("--runs", type=int, default=100)
    args = ap.parse_args()
    t0 = time.time()
    if args.cmd == "speed":
        print("\n".join(speed(args.runs)))
        print(f"_bench.blend speed ran in {time.time() - t0:.0f}s_", file=sys.stderr)
        return
    examples = load_all()
    if args.cmd == "score":
        langs = tuple(args.langs.split(","))
        rows = [e for e in examples if e.split == args.split and e.lang in langs]
        for name, manifest in (("primary", None), ("partner", args.partner)):
            path = Path(f"{args.out}-{name}.npz")
            save_scores(path, rows, score(rows, manifest), {args.split: 0.0}, None)
            print(f"{path}: {len(rows)} rows, {time.time() - t0:.0f} s", flush=True)
    elif args.cmd == "sweep":
        thr = {k: float(v) for k, v in (p.split("=") for p in args.thresholds.split(","))}
        a, b = _rows(args.primary, examples), _rows(args.partner, examples)
        for lang in args.langs.split(","):
            print("\n".join(sweep(examples, a, b, lang, thr)) + "\n")
    else:
        combine(examples, args.primary, args.partner, args.weight,
                tuple(args.langs.split(",")), args.out)
    print(f"_bench.blend {args.cmd} ran in {time.time() - t0:.0f}s_", file=sys.stderr)


if __name__ == "__main__":
    main()
