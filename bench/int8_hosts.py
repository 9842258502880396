"""Do int8 scores depend on the host's CPU? Emulate the other kind of x86 host and compare.

ONNX Runtime's dynamic int8 matrix product multiplies uint8 activations by int8 weights. On
x86 CPUs with VNNI it sums the products into int32 exactly; on those without (AVX2, plain
AVX-512) it first adds each adjacent pair of products into an int16 that saturates
(``vpmaddubsw``), then sums the pairs. A host cannot run the other host's kernel, so this
rewrites a quantised model: every ``MatMulInteger`` becomes the same product computed in
float64 with each pair clipped to [-32768, 32767], which is what the saturating kernel
computes (it reproduced, on a VNNI host, the scores seen on a host without VNNI: ``hate`` 0.503
against 0.477 exact, ``harmful`` 0.452 against 0.394). Then it scores a sample of corpus rows
with the exact and the clipped model of each weight scheme, and with fp32 ONNX.

    python -m bench.int8_hosts [--rows 120]

It prints, per scheme: how far the two kinds of host are apart (mean and largest change in
logits over every label of both heads, and how many scores cross 0.5), and how far each is
from fp32. 8-bit weights (the scheme before 2026-12-02) differ between hosts; 7-bit weights
(``reduce_range``, shipped) cannot saturate (2 x 255 x 64 < 32,768) and give the same scores.
The clipped model is slow (float64, one product per pair): ~1 s of CPU per row.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

REPO = Path(__file__).resolve().parent.parent
INT16 = (-32768.0, 32767.0)
SCHEMES = {"int8 weights (before)": 8, "7-bit weights (shipped)": 7}


def saturating_copy(src: Path, dst: Path, limits: tuple[float, float] = INT16) -> int:
    """Write ``src`` with every MatMulInteger computed as a kernel without VNNI does.

    Returns how many products were rewritten. Weights must be constant initialisers with
    zero zero-points (ONNX Runtime's symmetric int8 weights); the activations' zero point is
    applied after the clipped sum, as the kernel does (raw products, then a column-sum
    correction).
    """
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    model = onnx.load(str(src))
    graph = model.graph
    inits = {i.name: i for i in graph.initializer}
    nodes: list[Any] = []
    extra: list[Any] = []
    done = 0
    for node in graph.node:
        if node.op_type != "MatMulInteger":
            nodes.append(node)
            continue
        a, b, a_zero = node.input[0], node.input[1], node.input[2]
        weights = numpy_helper.to_array(inits[b]).astype(np.int64)
        if len(node.input) > 3 and node.input[3]:
            if numpy_helper.to_array(inits[node.input[3]]).any():
                raise ValueError(f"{node.name}: weight zero point is not zero")
        k, n = weights.shape
        if k % 2:
            raise ValueError(f"{node.name}: odd inner dimension {k}")
        p = f"sat{done}_"

        def const(name: str, value: Any, p: str = p) -> str:
            extra.append(numpy_helper.from_array(np.asarray(value), p + name))
            return p + name

        pairs = const("pairs", weights.reshape(k // 2, 2, n).astype(np.float64))
        colsum = const("colsum", weights.sum(0).astype(np.float64))
        nodes += [
            helper.make_node("Shape", [a], [p + "shape"]),
            helper.make_node("Cast", [a], [p + "af"], to=TensorProto.DOUBLE),
            helper.make_node(
                "Reshape", [p + "af", const("rows", np.array([-1, k // 2, 1, 2]))], [p + "a4"]
            ),
            helper.make_node("MatMul", [p + "a4", pairs], [p + "prod"]),
            helper.make_node(
                "Clip",
                [p + "prod", const("lo", np.float64(limits[0])),
                 const("hi", np.float64(limits[1]))],
                [p + "clipped"],
            ),
            helper.make_node(
                "ReduceSum", [p + "clipped", const("axis", np.array([1]))], [p + "sum"], keepdims=0
            ),
            helper.make_node("Cast", [a_zero], [p + "zf"], to=TensorProto.DOUBLE),
            helper.make_node("Mul", [p + "zf", colsum], [p + "corr"]),
            helper.make_node("Sub", [p + "sum", p + "corr"], [p + "flat"]),
            helper.make_node(
                "Slice",
                [p + "shape", const("start", np.array([0])), const("end", np.array([-1]))],
                [p + "lead"],
            ),
            helper.make_node("Concat", [p + "lead", const("n", np.array([n]))], [p + "out_shape"],
                             axis=0),
            helper.make_node("Reshape", [p + "flat", p + "out_shape"], [p + "out"]),
            helper.make_node("Cast", [p + "out"], [node.output[0]], to=TensorProto.INT32),
        ]
        done += 1
    del graph.node[:]
    graph.node.extend(nodes)
    graph.initializer.extend(extra)
    onnx.save(model, str(dst))
    return done


def _worker(args: argparse.Namespace) -> None:
    """Score rows with one model file in place of the int8 copy (a fresh process: encoders
    are built once per process)."""
    import guard.ml.encoder as encoder

    if args.bits:
        work = Path(args.work)

        def variant(fp32: Path) -> Path:
            exact = work / f"w{args.bits}.onnx"
            if not exact.exists():
                encoder.quantize_weights(fp32, exact, seven_bit=args.bits == 7)
            if not args.clip:
                return exact
            clipped = work / f"w{args.bits}-clip.onnx"
            if not clipped.exists():
                saturating_copy(exact, clipped)
            return clipped

        encoder._quantized = variant  # type: ignore[assignment]  # this process only
    from guard.ml.classifier import load_classifier

    texts = json.loads(Path(args.texts).read_text())
    content, attack = load_classifier(task="content_safety"), load_classifier(task="prompt_attack")
    pairs = zip(content.predict(texts), attack.predict(texts), strict=True)
    scores = [{**c.scores, **a.scores} for c, a in pairs]
    Path(args.out).write_text(json.dumps(scores))


def _sample(rows: int, seed: int) -> list[str]:
    sys.path.insert(0, str(REPO))
    from training.data import load_all

    pool = [e.text for e in load_all() if e.split == "test" and len(e.text) <= 2000]
    return random.Random(seed).sample(pool, min(rows, len(pool)))


def _logit(p: float) -> float:
    p = min(max(p, 1e-6), 1 - 1e-6)
    return math.log(p / (1 - p))


def compare(a: list[dict[str, float]], b: list[dict[str, float]]) -> tuple[float, float, int]:
    """Mean and largest |logit change| over every score, and how many cross 0.5."""
    moves = np.array(
        [abs(_logit(x[k]) - _logit(y[k])) for x, y in zip(a, b, strict=True) for k in x]
    )
    crossed = sum((x[k] >= 0.5) != (y[k] >= 0.5) for x, y in zip(a, b, strict=True) for k in x)
    return float(moves.mean()), float(moves.max()), crossed


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=120, help="test-split corpus rows to score")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--bits", type=int, default=0, help=argparse.SUPPRESS)
    ap.add_argument("--clip", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--texts", help=argparse.SUPPRESS)
    ap.add_argument("--out", help=argparse.SUPPRESS)
    ap.add_argument("--work", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.worker:
        _worker(args)
        return
    with tempfile.TemporaryDirectory(prefix="guard-int8-hosts-") as tmp:
        work = Path(tmp)
        texts = work / "texts.json"
        texts.write_text(json.dumps(_sample(args.rows, args.seed)))

        def run(name: str, bits: int = 0, clip: bool = False) -> list[dict[str, float]]:
            out = work / f"{name}.json"
            cmd = [sys.executable, "-m", "bench.int8_hosts", "--worker", "--texts", str(texts),
                   "--out", str(out), "--work", tmp, "--bits", str(bits)]
            env = dict(os.environ, GUARD_ML_BACKEND="onnx" if not bits else "onnx-int8")
            subprocess.run(cmd + (["--clip"] if clip else []), check=True, cwd=REPO, env=env)
            scores: list[dict[str, float]] = json.loads(out.read_text())
            return scores

        fp32 = run("fp32")
        labels = len(fp32[0])
        print(f"{len(fp32)} test-split rows x {labels} scores (content_safety + prompt_attack)\n")
        print("| weights | VNNI vs no VNNI: mean / max logit move, scores crossing 0.5 "
              "| VNNI vs fp32 | no VNNI vs fp32 |")
        print("|---|---|---|---|")
        for name, bits in SCHEMES.items():
            exact, clipped = run(f"w{bits}", bits), run(f"w{bits}-clip", bits, clip=True)
            hosts, to_fp32, clip_fp32 = compare(exact, clipped), compare(exact, fp32), compare(
                clipped, fp32)
            print(f"| {name} | {hosts[0]:.3f} / {hosts[1]:.3f}, {hosts[2]} "
                  f"| {to_fp32[0]:.3f} / {to_fp32[1]:.3f}, {to_fp32[2]} "
                  f"| {clip_fp32[0]:.3f} / {clip_fp32[1]:.3f}, {clip_fp32[2]} |")


if __name__ == "__main__":
    main()
