"""Threat: a policy or config file that exhausts the machine or reads files outside its place.

Policies are code: whoever can write one controls the guard, so loading must be safe even
for a hostile file. A 600-byte YAML "billion laughs" (nested aliases) took 20 s and 2.5 GB,
a deeper one ended in MemoryError, a recursive anchor never returned, and a config file bomb
hung ``guard serve``. ``extends:`` accepted any path on the machine (``/etc/passwd``) and
could echo the target's content in its error. Aliases are now bounded (expanded node
budget, no recursive anchor) with a file:line error, and ``extends`` resolves only inside
the policy's own directory or the shipped policies.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import pytest

from guard.errors import ConfigError, PolicyError
from guard.policy.compiled import load_policy
from guard.sidecar.config import load_config


def alias_bomb(levels: int = 9) -> str:
    lines = ['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    lines += [f"a{i}: &a{i} [" + ",".join([f"*a{i - 1}"] * 9) + "]" for i in range(1, levels)]
    return "\n".join(lines) + "\n"


def test_policy_alias_bomb_is_refused_fast(write_policy: Callable[..., Path]) -> None:
    text = "name: bomb\nversion: 1\n" + alias_bomb() + "rules: []\n"
    assert len(text.encode()) < 700
    path = write_policy(text)
    started = time.perf_counter()
    with pytest.raises(PolicyError) as err:
        load_policy(path)
    assert time.perf_counter() - started < 2
    assert err.value.file == str(path) and err.value.line is not None
    assert "alias" in str(err.value)


def test_recursive_anchor_is_refused(write_policy: Callable[..., Path]) -> None:
    path = write_policy("name: r\nversion: 1\nrules: &r [*r]\n")
    with pytest.raises(PolicyError, match="refers to itself"):
        load_policy(path)


def test_config_alias_bomb_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "guard.yaml"
    path.write_text(alias_bomb(12), encoding="utf-8")
    started = time.perf_counter()
    with pytest.raises(ConfigError, match="alias"):
        load_config(path)
    assert time.perf_counter() - started < 2


def test_small_aliases_still_work(write_policy: Callable[..., Path]) -> None:
    path = write_policy("""
name: anchors
version: 1
rules:
  - &rule {id: a, stages: [input], detector: secrets, threshold: 0.6, action: block}
  - {<<: *rule, id: b}
""")
    assert [r.id for r in load_policy(path).rules] == ["a", "b"]


@pytest.mark.parametrize("target", ["/etc/passwd", "../../../../../../etc/hostname"])
def test_extends_outside_the_policy_directory_is_refused(
        write_policy: Callable[..., Path], target: str) -> None:
    path = write_policy(f"name: x\nversion: 1\nextends: {target}\nrules: []\n")
    with pytest.raises(PolicyError) as err:
        load_policy(path)
    assert err.value.field == "extends" and err.value.line == 3
    first_line = Path("/etc/passwd").read_text(encoding="utf-8").splitlines()[0]
    assert first_line not in str(err.value)


def test_extends_through_a_symlink_out_is_refused(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "base.yaml").write_text("name: b\nversion: 1\nrules: []\n", encoding="utf-8")
    inside = tmp_path / "policies"
    inside.mkdir()
    (inside / "base.yaml").symlink_to(outside / "base.yaml")
    (inside / "p.yaml").write_text("name: p\nversion: 1\nextends: base.yaml\n", encoding="utf-8")
    with pytest.raises(PolicyError, match="not found"):
        load_policy(inside / "p.yaml")


def test_extends_a_shipped_policy_by_name(write_policy: Callable[..., Path]) -> None:
    path = write_policy("name: mine\nversion: 1\nextends: default.yaml\nrules: []\n")
    policy = load_policy(path)
    assert any(r.id == "prompt-attack.patterns" for r in policy.rules)
