"""The public surface (``guard.__all__``) is pinned, and every exception Guard defines sits
in the one ``GuardError`` tree documented in ``guard.errors``."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from pathlib import Path

import pytest

import guard
from guard.errors import ConfigError, GuardError, PolicyError

PUBLIC = [
    "Action", "CheckContext", "ConfigError", "Decision", "DecisionRecorder", "Finding", "Guard",
    "GuardBlocked", "GuardError", "Message", "Mode", "PolicyError", "PolicyRef",
    "RequestFacts", "RuleOutcome", "Stage", "UnguardedCallError",
]
GUARD_METHODS = {
    "acheck", "acheck_input", "acheck_output", "aclose", "arecord",
    "arecord_unchecked", "block_response", "call_sync", "check", "check_input",
    "check_output", "close", "from_file", "has_concurrent_input", "has_output_rules",
    "merge_phases", "open_stream",
    "refusal_message", "stream_window", "warmup", "wrap",
}
# Control-flow signals caught inside the module that raises them; no caller ever sees one.
INTERNAL = {"guard.sidecar.limits.TooLarge", "guard.sidecar.upstream._AttemptFailed"}


def test_public_surface_is_pinned() -> None:
    assert guard.__all__ == PUBLIC
    for name in guard.__all__:
        assert getattr(guard, name) is not None


def test_guard_public_methods_are_pinned() -> None:
    public = {n for n, _ in inspect.getmembers(guard.Guard) if not n.startswith("_")}
    assert public == GUARD_METHODS


def _exception_classes() -> dict[str, type[BaseException]]:
    found: dict[str, type[BaseException]] = {}
    for info in pkgutil.walk_packages(guard.__path__, "guard."):
        if info.name.startswith("guard.console"):
            continue  # optional UI helper, not part of the library
        module = importlib.import_module(info.name)
        for _, obj in inspect.getmembers(module, inspect.isclass):
            if issubclass(obj, BaseException) and obj.__module__ == info.name:
                found[f"{info.name}.{obj.__qualname__}"] = obj
    return found


def test_every_exception_guard_defines_is_a_guard_error_and_documented() -> None:
    doc = inspect.getdoc(importlib.import_module("guard.errors")) or ""
    classes = _exception_classes()
    assert "guard.errors.GuardBlocked" in classes  # the walk sees the package
    for name, cls in classes.items():
        if name in INTERNAL:
            continue
        assert issubclass(cls, GuardError), name
        assert cls.__name__ in doc, f"{name} missing from the tree in guard/errors.py"


def test_public_entry_points_raise_inside_the_tree(tmp_path: Path) -> None:
    from guard.audit.sinks import open_store
    from guard.detectors.registry import DetectorRegistry
    from guard.sidecar.config import load_config

    with pytest.raises(PolicyError):
        guard.Guard.from_file(tmp_path / "missing.yaml")
    broken = tmp_path / "broken.yaml"
    broken.write_text("name: x\nversion: 1\nrules:\n  - id: r\n    detector: nope\n")
    with pytest.raises(PolicyError):
        guard.Guard.from_file(broken)
    with pytest.raises(ConfigError):
        open_store("bogus://x")
    registry = DetectorRegistry()
    registry.register("x", lambda settings: None)  # type: ignore[arg-type,return-value]
    with pytest.raises(ConfigError):
        registry.register("x", lambda settings: None)  # type: ignore[arg-type,return-value]
    bad_config = tmp_path / "guard.yaml"
    bad_config.write_text("nonsense_key: 1\n")
    with pytest.raises(ConfigError):
        load_config(bad_config)
