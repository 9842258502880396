"""Broken policies are rejected at load with file, line and field."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from guard import Action, Guard
from guard.errors import PolicyError, UnknownDetectorError
from guard.policy.compiled import load_policy

GOOD = """name: base
version: 3
settings:
  retention: redacted
rules:
  - id: words
    stages: [input]
    detector: keywords
    settings: {words: [alpha]}
    threshold: 0.5
    action: block
  - id: secrets
    stages: [input, output]
    detector: secrets
    action: rewrite
"""


def _error(write_policy: Callable[..., Path], text: str) -> PolicyError:
    path = write_policy(text)
    with pytest.raises(PolicyError) as info:
        load_policy(path)
    assert info.value.file == str(path)
    return info.value


def test_typo_key_names_file_line_and_field(write_policy: Callable[..., Path]) -> None:
    err = _error(write_policy, GOOD.replace("    threshold: 0.5", "    treshold: 0.5"))
    assert (err.line, err.field) == (10, "rules.0.treshold")
    assert "unknown key" in str(err) and ":10:" in str(err)


def test_threshold_out_of_range(write_policy: Callable[..., Path]) -> None:
    err = _error(write_policy, GOOD.replace("threshold: 0.5", "threshold: 1.7"))
    assert (err.line, err.field) == (10, "rules.0.threshold")


def test_bad_action_and_stage(write_policy: Callable[..., Path]) -> None:
    assert _error(write_policy, GOOD.replace("action: block", "action: nuke")).line == 11
    err = _error(write_policy, GOOD.replace("stages: [input]", "stages: [inbound]"))
    assert err.field == "rules.0.stages.0" and err.line == 7


def test_unknown_detector(write_policy: Callable[..., Path]) -> None:
    err = _error(write_policy, GOOD.replace("detector: keywords", "detector: keyword"))
    assert isinstance(err, UnknownDetectorError)
    assert (err.line, err.field) == (8, "rules.0.detector")


def test_detector_settings_are_validated(write_policy: Callable[..., Path]) -> None:
    err = _error(write_policy, GOOD.replace("{words: [alpha]}", "{words: [alpha], wrods: 1}"))
    assert err.field == "rules.0.settings.wrods" and err.line == 9


def test_missing_field_and_invalid_yaml(write_policy: Callable[..., Path]) -> None:
    err = _error(write_policy, GOOD.replace("version: 3\n", ""))
    assert err.field == "version"
    err = _error(write_policy, GOOD.replace("stages: [input]", "stages: [input"))
    assert err.line is not None and "invalid YAML" in str(err)


def test_duplicate_rule_ids(write_policy: Callable[..., Path]) -> None:
    assert "duplicate rule id" in str(_error(write_policy, GOOD.replace("id: secrets",
                                                                        "id: words")))


def test_inheritance_overrides_rules_by_id(write_policy: Callable[..., Path]) -> None:
    write_policy(GOOD, name="base.yaml")
    child = write_policy("""name: child
version: 1
extends: base.yaml
settings:
  block_response: refusal
remove_rules: [secrets]
rules:
  - id: words
    action: flag
  - id: more
    stages: [input]
    detector: keywords
    settings: {words: [beta]}
    action: block
""", name="child.yaml")
    g = Guard.from_file(child)
    assert g.policy.settings.retention == "redacted"          # inherited
    assert g.policy.settings.block_response == "refusal"      # overridden
    assert [r.id for r in g.policy.rules] == ["words", "more"]
    assert g.check_input("alpha").action is Action.FLAG       # overridden action
    assert g.check_input("beta").action is Action.BLOCK


def test_error_in_inherited_override_points_at_the_child(
        write_policy: Callable[..., Path]) -> None:
    write_policy(GOOD, name="base.yaml")
    child = write_policy("name: child\nversion: 1\nextends: base.yaml\nrules:\n"
                         "  - id: words\n    threshold: 2\n", name="child.yaml")
    with pytest.raises(PolicyError) as info:
        load_policy(child)
    assert (info.value.file, info.value.line) == (str(child), 6)


def test_content_hash_tracks_effective_content(write_policy: Callable[..., Path]) -> None:
    a = load_policy(write_policy(GOOD, name="a.yaml"))
    b = load_policy(write_policy("# a comment\n" + GOOD, name="b.yaml"))
    c = load_policy(write_policy(GOOD.replace("[alpha]", "[alpha, beta]"), name="c.yaml"))
    assert a.hash == b.hash != c.hash
