"""Does ONNX Runtime's BERT operator fusion make the shipped encoder cheaper? (issue 10)

    HF_HUB_OFFLINE=1 python -m bench.onnx_fusion

The encoder costs most of the guard's CPU. Three encoder graphs of the same weights, run the
way the guard runs them (2 intra-op threads, no spinning, ORT_ENABLE_ALL): the guard's own
export (``guard/ml/encoder.py``), the same graph through ``onnxruntime.transformers.optimizer``
(fuses LayerNorm, GELU), and an eager-attention export through the optimizer (fuses attention
and the embedding LayerNorm too). Inputs: the stub upstream's 300-word answer cut into its
sentence windows, batched (as a check sends them) and one window at a time. Reports CPU ms per
run (median ``process_time``) and the largest difference to the guard's graph in the pooled
embedding. Prints markdown; writes nothing.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.cascade import cpu_ms
from guard.ml.classifier import EmbeddingHeadClassifier, load_classifier
from guard.ml.encoder import _export
from guard.ml.windows import pad_batch
from tests.support.stub_upstream import prose


def _session(path: str, threads: int) -> Any:
    import onnxruntime as ort

    opts = ort.SessionOptions()
    opts.intra_op_num_threads = threads
    opts.inter_op_num_threads = 1
    opts.add_session_config_entry("session.intra_op.allow_spinning", "0")
    opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    return ort.InferenceSession(path, opts, providers=["CPUExecutionProvider"])


def _graphs(encoder_ref: str, plain: str, out: Path) -> dict[str, str]:
    """{name: onnx path}: the guard's export, it fused, an eager-attention export fused."""
    import torch
    from onnxruntime.transformers.optimizer import optimize_model
    from transformers import AutoModel

    model = AutoModel.from_pretrained(encoder_ref, attn_implementation="eager").eval()

    class Hidden(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.inner = model

        def forward(self, input_ids: Any, attention_mask: Any, token_type_ids: Any) -> Any:
            return self.inner(input_ids=input_ids, attention_mask=attention_mask,
                              token_type_ids=token_type_ids).last_hidden_state

    eager = out / "eager.onnx"
    _export(torch, Hidden().eval(), torch.ones((1, 8), dtype=torch.long),
            {0: "batch", 1: "seq"}, eager)
    paths = {"guard export": plain}
    hidden = model.config.hidden_size
    heads = model.config.num_attention_heads
    for name, src in (("guard export, fused", plain), ("eager attention, fused", str(eager))):
        opt = optimize_model(src, model_type="bert", num_heads=heads, hidden_size=hidden)
        fused = {k: v for k, v in opt.get_fused_operator_statistics().items() if v}
        dst = out / f"{len(paths)}.onnx"
        opt.save_model_to_file(str(dst))
        paths[f"{name} ({', '.join(f'{k} {v}' for k, v in sorted(fused.items()))})"] = str(dst)
    return paths


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    ap.add_argument("--reps", type=int, default=20)
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args(argv)
    clf = load_classifier(None, task="content_safety")
    assert isinstance(clf, EmbeddingHeadClassifier)
    enc = clf.encoder
    if enc._ort is None:
        raise SystemExit("onnxruntime is not available")
    text = prose(300)
    windows = clf.windows([text])
    tok = enc.tokenizer
    ids, mask = pad_batch([[tok.cls_token_id, *w.ids, tok.sep_token_id] for w in windows])
    feed = {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
    one = {k: v[:1] for k, v in feed.items()}
    m = mask[:, :, None].astype(np.float32)
    with tempfile.TemporaryDirectory() as tmp:
        graphs = _graphs(enc.ref, enc._ort._model_path, Path(tmp))
        base = None
        print(f"{len(windows)} windows of the stub's 300-word answer, padded to {ids.shape[1]} "
              f"tokens; {args.threads} threads; CPU ms per run (median of {args.reps}).\n")
        print("| graph | batch of all windows | one window | max abs diff, pooled |")
        print("|---|---:|---:|---:|")
        for name, path in graphs.items():
            s = _session(path, args.threads)
            hidden = s.run(None, feed)[0]
            pooled = (hidden * m).sum(1) / m.sum(1)
            base = pooled if base is None else base
            batch_ms = cpu_ms(lambda s=s: s.run(None, feed), args.reps)
            one_ms = cpu_ms(lambda s=s: s.run(None, one), args.reps * 4)
            diff = float(np.abs(pooled - base).max())
            print(f"| {name} | {batch_ms:.1f} | {one_ms:.2f} | {diff:.1e} |")


if __name__ == "__main__":
    main()
