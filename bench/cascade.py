"""Cascade bench: what the window screen saves and what it loses.

    HF_HUB_OFFLINE=1 python -m bench.cascade            # LOSO + in-distribution + CPU (~35 min)
    python -m bench.cascade --no-loso                   # shipped screen only (~3 min)

The screen (``guard/ml/screen.py``) clears windows before the transformer. For each source
family held out (the quality bench's LOSO families, ``training.data.loso_families``), a screen
is trained without that family (``training.screen``: fit on the other families' rows,
threshold on their out-of-fold scores) and applied to the held-out family:

* **benign cleared**: share of the windows of benign rows (no positive label) the screen
  clears = the transformer work saved on that kind of traffic;
* **flags lost**: of the rows on which a rule of the default policy's *output* stage would fire
  (flag or block; heads' max over windows, as at run time), the share on which none fires once
  cleared windows score 0 = recall lost; **blocks lost**: the same for its block rules;
* **label positives cleared**: rows with a positive content-safety label whose every window is
  cleared (their score becomes 0 even where the full model scored them below every threshold).

Every row is scored as a completion would be: the screen applies to checks whose rules act on
no score below its floor (0.5), i.e. ``default``'s output rules; prompts are never screened.

The full model's scores are the *shipped* heads' (encoder embeddings from the training cache):
only the screen is held out. Then the shipped screen on the in-distribution test split, its
trade-off curve, and CPU per text (``time.process_time``) of the screen against the encoder,
and of ``predict_many`` on both classifiers with ``GUARD_ML_SCREEN`` on and off. Prints
markdown and writes ``bench/RESULTS-cascade.md``.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from functools import partial
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from guard.ml.screen import Screen
from training import screen as S
from training.data import loso_families, loso_split

LANGS = ("en", "fr")
OUT = Path(__file__).resolve().parent / "RESULTS-cascade.md"


def _benign(ws: S.WindowSet) -> np.ndarray:
    return ~np.array([any(v == 1 for v in e.labels.values()) for e in ws.examples])


def _label_pos(ws: S.WindowSet) -> np.ndarray:
    out: np.ndarray = S.label_positive(ws)["content_safety"]
    return out


class Tally:
    """Counts per language: benign windows (cleared/all), flagged rows (lost/all), blocked rows
    (lost/all), label positives (fully cleared/all)."""

    def __init__(self) -> None:
        self.c: dict[str, np.ndarray] = {lg: np.zeros(8, np.int64) for lg in LANGS}

    def add(self, ws: S.WindowSet, rows: Sequence[int], cleared: np.ndarray) -> None:
        in_rows = np.zeros(len(ws.examples), bool)
        in_rows[np.asarray(rows, dtype=np.int64)] = True
        lang = np.array([e.lang for e in ws.examples])
        flag, after = S.flagged(ws), S.flagged(ws, ~cleared)
        block, after_b = S.flagged(ws, action="block"), S.flagged(ws, ~cleared, action="block")
        all_cleared = ws.text_max((~cleared).astype(np.float32), fill=0.0) == 0
        benign, pos = _benign(ws), _label_pos(ws)
        for lg in LANGS:
            r = in_rows & (lang == lg)
            bw = (r & benign)[ws.owner]
            self.c[lg] += [
                int(cleared[bw].sum()),
                int(bw.sum()),
                int((r & flag & ~after).sum()),
                int((r & flag).sum()),
                int((r & block & ~after_b).sum()),
                int((r & block).sum()),
                int((r & pos & all_cleared).sum()),
                int((r & pos).sum()),
            ]

    def cells(self, lg: str) -> list[str]:
        a = self.c[lg]

        def pct(k: int, n: int) -> str:
            return f"{100 * k / n:.1f} % ({k}/{n})" if n else "-"

        return [pct(a[0], a[1]), pct(a[2], a[3]), pct(a[4], a[5]), pct(a[6], a[7])]


def _table(title: str, rows: list[tuple[str, Tally]]) -> list[str]:
    out = [
        f"### {title}",
        "",
        "| rows | lang | benign windows cleared | flags lost | blocks lost "
        "| label positives cleared |",
        "|---|---|---|---|---|---|",
    ]
    for name, t in rows:
        for lg in LANGS:
            if t.c[lg][1] or t.c[lg][3] or t.c[lg][7]:
                out.append(f"| {name} | {lg.upper()} | " + " | ".join(t.cells(lg)) + " |")
    return out + [""]


def loso(ws: S.WindowSet, log: Callable[[str], None]) -> list[str]:
    rows = list(range(len(ws.examples)))
    fams = loso_families(ws.examples)
    total = Tally()
    per: list[tuple[str, Tally]] = []
    thresholds = []
    for fam in fams:
        t0 = time.time()
        train, val, test = loso_split(ws.examples, rows, fam)
        screen, _ = S.train(ws, [*train, *val])
        thresholds.append(screen.threshold)
        cleared = S.window_scores(screen, ws) < screen.threshold
        t = Tally()
        t.add(ws, test, cleared)
        total.add(ws, test, cleared)
        per.append((fam, t))
        log(
            f"  LOSO {fam}: {len(test)} rows, threshold {screen.threshold:.2f}, "
            f"{time.time() - t0:.0f}s"
        )
    head = _table(
        "Leave-one-source-out (screen trained without the family)", [("all families", total)]
    )
    head.append(
        f"Thresholds picked per fold: median {statistics.median(thresholds):.2f} "
        f"(min {min(thresholds):.2f}, max {max(thresholds):.2f})."
    )
    return head + [""] + _table("LOSO per held-out family", per)


def indist(ws: S.WindowSet, screen: Screen) -> list[str]:
    split = np.array([e.split for e in ws.examples])
    test = list(np.where(split == "test")[0])
    scores = S.window_scores(screen, ws)
    t = Tally()
    t.add(ws, test, scores < screen.threshold)
    out = _table(
        f"In-distribution test split, shipped screen (threshold {screen.threshold:.3f})",
        [("test split", t)],
    )
    out += [
        "### Trade-off of the shipped screen (test split, threshold moved)",
        "",
        "| threshold | benign cleared EN | flags lost EN | blocks lost EN | benign cleared FR "
        "| flags lost FR | blocks lost FR |",
        "|---|---|---|---|---|---|---|",
    ]
    for delta in (-2.0, -1.0, 0.0, 1.0, 2.0, 3.0, 4.0):
        thr = screen.threshold + delta
        tt = Tally()
        tt.add(ws, test, scores < thr)
        en, fr = tt.cells("en"), tt.cells("fr")
        mark = " (shipped)" if delta == 0 else ""
        out.append(
            f"| {thr:.2f}{mark} | {en[0]} | {en[1]} | {en[2]} | {fr[0]} | {fr[1]} | {fr[2]} |"
        )
    return out + [""]


def cpu_ms(fn: Callable[[], object], reps: int) -> float:
    """Median CPU ms (``time.process_time``) of ``reps`` calls, after one warm-up call."""
    fn()  # warm
    samples = []
    for _ in range(reps):
        t0 = time.process_time()
        fn()
        samples.append(time.process_time() - t0)
    return 1000 * statistics.median(samples)


def cpu(reps: int) -> list[str]:
    from guard.ml import load_classifier
    from guard.ml.classifier import EmbeddingHeadClassifier
    from tests.support.stub_upstream import prose, vary

    cs = load_classifier(None, task="content_safety")
    assert isinstance(cs, EmbeddingHeadClassifier)
    enc = cs.encoder
    screen = cs.screen or Screen.load(S.OUT, enc.ref)
    out = [
        "### CPU per text (ms, median of process_time, windows as at run time)",
        "",
        f"| text | windows | screen | encoder ({enc.backend}, all windows) |",
        "|---|---|---|---|",
    ]
    words = prose(2000).split()
    saved_cache = enc.cache_size
    enc.cache_size = 0  # every call really encodes
    try:
        for n_tok in (30, 128, 512):
            lo, hi = 1, len(words)
            while lo < hi:  # fewest words with >= n_tok tokens
                mid = (lo + hi) // 2
                if (
                    len(enc.tokenizer(" ".join(words[:mid]), add_special_tokens=False)["input_ids"])
                    >= n_tok
                ):
                    hi = mid
                else:
                    lo = mid + 1
            text = " ".join(words[:lo])
            wins = cs.windows([text])
            t_screen = cpu_ms(partial(screen.cleared, [text], wins), reps)
            t_enc = cpu_ms(partial(enc.embed, wins), max(3, reps // 5))
            out.append(f"| {n_tok} tokens | {len(wins)} | {t_screen:.2f} | {t_enc:.1f} |")
        plain = EmbeddingHeadClassifier(cs.manifest, enc, cs.head, None)
        screened = EmbeddingHeadClassifier(cs.manifest, enc, cs.head, screen)
        out += [
            "",
            "`content_safety` on a completion as `default`'s output rules ask for it (from "
            f"{screen.floor}), CPU ms per call, without and with the shipped screen:",
            "",
            "| text | chars | windows | no screen | screen | windows encoded with screen |",
            "|---|---|---|---|---|---|",
        ]
        for name, text in (
            ("stub upstream answer, `--reply-words 300`", prose(300)),
            ("the same, `--vary-reply` (as bench/latency.py)", vary(prose(300))),
            ("service questions (tests/ml/test_cascade.py)", S.SERVICE_QUESTIONS),
        ):
            wins = cs.windows([text])
            sent = int((~screen.cleared([text], wins)).sum())
            ms_off = cpu_ms(partial(plain.predict, [text], screen.floor), max(3, reps // 5))
            ms_on = cpu_ms(partial(screened.predict, [text], screen.floor), max(3, reps // 5))
            out.append(
                f"| {name} | {len(text)} | {len(wins)} | {ms_off:.1f} | {ms_on:.1f} "
                f"| {sent}/{len(wins)} |"
            )
    finally:
        enc.cache_size = saved_cache
    return out + [""]


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    ap.add_argument("--no-loso", action="store_true")
    ap.add_argument("--reps", type=int, default=50)
    ap.add_argument("--backend", choices=("auto", "onnx", "onnx-int8"), default="auto",
                    help="encoder weights of the full model's scores (training caches; auto: "
                    "fp32, which the screen was trained on)")
    ap.add_argument("--out", type=Path, default=OUT)
    args = ap.parse_args(argv)

    def log(msg: str) -> None:
        print(msg, file=sys.stderr, flush=True)

    t0 = time.time()
    ws = S.load_windows(args.backend)
    from guard.ml.encoder import default_encoder_path

    shipped = Screen.load(S.OUT, default_encoder_path())
    lines = [
        "# Cascade bench (`python -m bench.cascade`)",
        "",
        "Full-model scores are the shipped heads' on every row (training-cache embeddings, "
        f"encoder weights: {'fp32' if args.backend in ('auto', 'onnx') else 'int8'}); the "
        "screen is what is held out. Flags: the default policy's output rules' lowest firing "
        "threshold per label "
        "("
        + ", ".join(f"{lab} >= {t}" for d in S.policy_thresholds().values() for lab, t in d.items())
        + "); blocks: its output block rules'. Benign rows: no positive label. A window the "
        f"screen clears scores 0 on every label. Screen floor {shipped.floor}, target: full "
        f"model >= {S.TARGET} on any content-safety label.",
        "",
    ]
    if not args.no_loso:
        lines += loso(ws, log)
    lines += indist(ws, shipped)
    lines += cpu(args.reps)
    lines.append(f"_{len(ws.examples)} rows, {len(ws.windows)} windows; {time.time() - t0:.0f}s._")
    text = "\n".join(lines) + "\n"
    print(text)
    args.out.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
