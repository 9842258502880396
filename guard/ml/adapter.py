"""Encoder adapters: a committed low-rank delta (LoRA) and an optional layer cut.

A frozen sentence encoder with shallow heads learns each data source's style; fine-tuning the
encoder carries further to unseen text but a full copy of the weights (90 MB) is too big to
commit. A LoRA delta (``W += scale * B @ A`` on the attention and feed-forward projections) is
about 1 MB, and is merged into the base weights once at load time, so inference costs exactly
what the base encoder costs. ``layers`` keeps only the first N transformer layers: half the
layers is about half the latency, and the adapter was trained on that cut model.

File format (``.npz``): ``layers`` (int, 0 = all), ``scale`` (float), and for every adapted
linear ``<module name>.A`` (r x in) and ``<module name>.B`` (out x r).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float32]

# The BERT projections a LoRA adapter may touch (suffixes of module names).
TARGET_SUFFIXES = (
    "attention.self.query",
    "attention.self.key",
    "attention.self.value",
    "attention.output.dense",
    "intermediate.dense",
    "output.dense",
)


@dataclass(frozen=True)
class Adapter:
    layers: int  # 0 = keep every layer
    scale: float
    lora: dict[str, tuple[FloatArray, FloatArray]]  # module name -> (A, B)

    @cached_property
    def digest(self) -> str:
        """Content hash (part of the ONNX and embedding cache keys), over the values as saved
        (float16), so an adapter hashes the same in memory and after a save/load round trip."""
        h = hashlib.sha256(f"{self.layers}|{self.scale!r}".encode())
        for name in sorted(self.lora):
            a, b = self.lora[name]
            h.update(name.encode())
            h.update(a.astype(np.float16).tobytes() + b.astype(np.float16).tobytes())
        return h.hexdigest()[:16]

    @classmethod
    def load(cls, path: str | Path) -> Adapter:
        with np.load(path, allow_pickle=False) as z:
            layers = int(z["layers"])
            scale = float(z["scale"])
            names = sorted({k[: -len(".A")] for k in z.files if k.endswith(".A")})
            lora = {
                n: (z[f"{n}.A"].astype(np.float32), z[f"{n}.B"].astype(np.float32)) for n in names
            }
        for n, (a, b) in lora.items():
            if not n.endswith(TARGET_SUFFIXES) or a.shape[0] != b.shape[1]:
                raise ValueError(f"{path}: bad adapter entry {n!r} {a.shape} {b.shape}")
        return cls(layers, scale, lora)

    def save(self, path: str | Path) -> None:
        arrays: dict[str, Any] = {"layers": np.array(self.layers), "scale": np.array(self.scale)}
        for n, (a, b) in self.lora.items():
            arrays[f"{n}.A"] = a.astype(np.float16)
            arrays[f"{n}.B"] = b.astype(np.float16)
        np.savez_compressed(path, **arrays)


def cut_layers(model: Any, layers: int) -> None:
    """Keep the first ``layers`` transformer layers of a BERT-style model (in place)."""
    if layers <= 0:
        return
    import torch

    enc = model.encoder if hasattr(model, "encoder") else model.bert.encoder
    if layers > len(enc.layer):
        raise ValueError(f"adapter wants {layers} layers, the encoder has {len(enc.layer)}")
    enc.layer = torch.nn.ModuleList(list(enc.layer)[:layers])
    model.config.num_hidden_layers = layers


def apply_adapter(model: Any, adapter: Adapter) -> None:
    """Cut layers and merge the LoRA delta into the weights (in place, no grad)."""
    import torch

    cut_layers(model, adapter.layers)
    modules = dict(model.named_modules())
    with torch.no_grad():
        for name, (a, b) in adapter.lora.items():
            mod = modules.get(name)
            if mod is None:
                raise ValueError(f"adapter targets {name!r}, which the encoder does not have")
            delta = torch.from_numpy(b @ a) * adapter.scale
            if tuple(delta.shape) != tuple(mod.weight.shape):
                raise ValueError(f"adapter {name!r}: {tuple(delta.shape)} != weight shape")
            mod.weight.add_(delta.to(mod.weight.dtype))
