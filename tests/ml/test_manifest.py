from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from guard.ml.manifest import default_manifest_path, load_manifest


def test_default_manifests_load() -> None:
    for task in ("content_safety", "prompt_attack"):
        m = load_manifest(default_manifest_path(task))
        assert m.task == task and m.primary in m.labels
        assert m.head_path.exists()


def test_unknown_key_rejected(tmp_path: Path) -> None:
    p = tmp_path / "m.yaml"
    text = default_manifest_path("prompt_attack").read_text() + "\nthreshold_typo: 0.3\n"
    p.write_text(text)
    with pytest.raises(ValidationError, match="threshold_typo"):
        load_manifest(p)


def test_hub_id_must_pin_revision(tmp_path: Path) -> None:
    p = tmp_path / "m.yaml"
    p.write_text(
        "task: prompt_attack\nkind: hf_sequence_classification\n"
        "model: {ref: some-org/some-model, revision: main}\nlabels: [attack]\nprimary: attack\n"
    )
    with pytest.raises(ValidationError, match="revision"):
        load_manifest(p)


def test_artifacts_are_small() -> None:
    art = default_manifest_path("prompt_attack").parent
    total = sum(f.stat().st_size for f in art.rglob("*") if f.is_file())
    assert 0 < total < 25 * 1024 * 1024
