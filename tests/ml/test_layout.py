"""Where the ML code and data live (issue 12): runtime data in the package, training outside."""

from __future__ import annotations

import ast
from pathlib import Path

import guard
from guard.ml.manifest import ARTIFACTS_DIR, default_manifest_path, load_manifest

PKG = Path(guard.__file__).resolve().parent


def _imports(path: Path) -> set[str]:
    out: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            out.add(node.module)
    return out


def test_runtime_never_imports_training_code() -> None:
    for path in PKG.rglob("*.py"):
        bad = {m for m in _imports(path) if m.split(".")[0] in ("training", "classifiers", "bench")}
        assert not bad, f"{path.relative_to(PKG)} imports {bad}"


def test_ml_does_not_import_detectors() -> None:
    for path in (PKG / "ml").rglob("*.py"):
        bad = {m for m in _imports(path) if m.startswith("guard.detectors")}
        assert not bad, f"{path.relative_to(PKG)} imports {bad}"


def test_shipped_manifests_and_heads_are_package_data() -> None:
    assert ARTIFACTS_DIR.is_relative_to(PKG)
    for task in ("content_safety", "prompt_attack"):
        m = load_manifest(default_manifest_path(task))
        assert m.head_path.is_file() and m.head_path.is_relative_to(PKG)
        assert m.window.sentence_tokens is not None
    total = sum(p.stat().st_size for p in ARTIFACTS_DIR.rglob("*") if p.is_file())
    assert total <= 60 * 1024 * 1024
