"""Policies shipped inside the package (``guard/policies/*.yaml``), found by name.

``guard check --policy default``, ``guard serve`` and ``Guard.from_file("strict")`` resolve a
bare name to the shipped file through :mod:`importlib.resources`, so an installed wheel finds
its defaults wherever it lives; anything that exists as a path is used as given.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

_SUFFIX = ".yaml"


def shipped_names() -> list[str]:
    """Names of the shipped policies (without their ``.cases.yaml`` test files)."""
    folder = resources.files("guard") / "policies"
    return sorted(e.name.removesuffix(_SUFFIX) for e in folder.iterdir()
                  if e.name.endswith(_SUFFIX) and not e.name.endswith(".cases" + _SUFFIX))


def shipped_path(name: str) -> Path | None:
    """The file of shipped policy ``name`` (``default`` or ``default.yaml``), or None."""
    if "/" in name or "\\" in name:
        return None
    stem = name.removesuffix(_SUFFIX)
    if stem not in shipped_names():
        return None
    return Path(str(resources.files("guard") / "policies" / f"{stem}{_SUFFIX}"))


def resolve_policy(ref: str | Path) -> Path:
    """``ref`` as a path when it exists (or is absolute), else the shipped policy it names."""
    path = Path(ref)
    if path.exists() or path.is_absolute():
        return path
    return shipped_path(str(ref)) or path


def shipped_dir() -> Path:
    """The folder of the shipped policies (inside the installed package)."""
    return Path(str(resources.files("guard") / "policies"))
