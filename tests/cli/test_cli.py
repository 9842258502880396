"""The ``guard`` console script, run as a real subprocess."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
LIGHT = """name: light
version: 2
rules:
  - id: words
    stages: [input]
    detector: keywords
    settings: {words: [forbidden]}
    action: block
  - id: keys
    stages: [input, output]
    detector: secrets
    action: rewrite
"""


def guard(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "guard.cli.main", *args], input=stdin,
                          capture_output=True, text=True, cwd=REPO, timeout=120)


def test_readme_example_masks_email_and_phone(tmp_path: Path) -> None:
    """Run as a newcomer would: outside the repository (the shipped name resolves inside the
    package) and with a bare environment (the entry point sets its own offline defaults)."""
    text = "Mail me at jane.doe@example.com or call +33 6 12 34 56 78"
    proc = subprocess.run(
        [sys.executable, "-m", "guard.cli.main", "check", "--policy", "default", "--stage",
         "input", "-"], input=text + "\n", cwd=tmp_path, text=True, capture_output=True,
        timeout=300, env={"PYTHONPATH": str(REPO), "PATH": "/usr/bin"})
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert out["action"] == "rewrite"
    assert out["policy"]["name"] == "default" and len(out["policy"]["hash"]) == 16
    spans = {f["category"]: text[f["start"]:f["end"]] for f in out["findings"]}
    assert spans["EMAIL_ADDRESS"] == "jane.doe@example.com"
    assert spans["FR_PHONE_NUMBER"] == "+33 6 12 34 56 78"
    assert out["output"] == "Mail me at <EMAIL_ADDRESS> or call <FR_PHONE_NUMBER>"
    assert "jane.doe" not in proc.stderr


def test_block_exits_3(write_policy: Callable[..., Path]) -> None:
    proc = guard("check", "--policy", str(write_policy(LIGHT)), "this is f0rbidden")
    assert proc.returncode == 3
    assert json.loads(proc.stdout)["action"] == "block"


def test_policy_error_exits_2_with_location(write_policy: Callable[..., Path]) -> None:
    path = write_policy(LIGHT.replace("action: block", "action: block\n    treshold: 0.4"))
    proc = guard("check", "--policy", str(path), "hello")
    assert proc.returncode == 2
    assert f"{path}:9: rules.0.treshold: unknown key" in proc.stderr


def test_usage_error_exits_2() -> None:
    assert guard("check", "--stage", "sideways", "x").returncode == 2


def test_jsonl_batch(write_policy: Callable[..., Path]) -> None:
    lines = [
        {"id": "a", "text": "all good"},
        {"id": "b", "text": "forbidden"},
        {"id": "c", "messages": [{"role": "assistant", "content": "key AKIAIOSFODNN7EXAMPLE"}],
         "stage": "output"},
    ]
    proc = guard("check", "--policy", str(write_policy(LIGHT)), "--jsonl",
                 stdin="\n".join(json.dumps(x) for x in lines) + "\n")
    assert proc.returncode == 3
    out = [json.loads(line) for line in proc.stdout.splitlines()]
    assert [(o["request_id"], o["action"]) for o in out] == [
        ("a", "allow"), ("b", "block"), ("c", "rewrite")]
    assert out[2]["messages"][0]["content"] == "key <AWS_ACCESS_KEY>"


def test_policy_validate_test_explain(write_policy: Callable[..., Path]) -> None:
    proc = guard("policy", "validate", "default", "guard/policies/fr.yaml")
    assert proc.returncode == 0 and proc.stdout.count(": ok") == 2
    # The shipped policies' cases run in process (tests/test_policy_cases.py) and `policy test
    # default` in a fresh process (tests/ml/test_determinism.py); here, the command's contract.
    policy = write_policy(LIGHT, name="p.yaml")
    write_policy("cases:\n  - id: c\n    text: forbidden\n    expect: {action: block}\n"
                 "  - id: d\n    text: hello\n    expect: {action: allow}\n",
                 name="p.cases.yaml")
    proc = guard("policy", "test", str(policy))
    assert proc.returncode == 0, proc.stdout
    assert "2 passed, 0 failed" in proc.stdout
    proc = guard("policy", "explain", "strict", "--tenant", "t", "--model", "m")
    assert proc.returncode == 0
    out = json.loads(proc.stdout)
    assert "pii.financial-block" in [r["id"] for r in out["input"]]
    assert "prompt-attack.patterns" not in [r["id"] for r in out["output"]]


@pytest.mark.parametrize("case_output", ["rewrite", "allow"])
def test_policy_test_fails_on_wrong_expectation(write_policy: Callable[..., Path],
                                                case_output: str) -> None:
    policy = write_policy(LIGHT, name="p.yaml")
    write_policy(f"cases:\n  - id: c\n    text: forbidden\n    expect: {{action: {case_output}}}\n",
                 name="p.cases.yaml")
    proc = guard("policy", "test", str(policy))
    assert proc.returncode == 1
    assert "FAIL" in proc.stdout and "action block != expected" in proc.stdout


@pytest.mark.parametrize(("expect", "ok"), [
    ("{not_rules: [words]}", False), ("{rules: [words]}", True),
    ("{not_rules: [keys]}", True), ("{rules: [keys]}", False),
])
def test_a_case_may_assert_only_which_rules_fire(write_policy: Callable[..., Path], expect: str,
                                                 ok: bool) -> None:
    policy = write_policy(LIGHT, name="p.yaml")
    write_policy(f"cases:\n  - id: c\n    text: forbidden\n    expect: {expect}\n",
                 name="p.cases.yaml")
    proc = guard("policy", "test", str(policy))
    assert proc.returncode == (0 if ok else 1), proc.stdout
    assert "action" not in proc.stdout


def test_a_case_must_assert_something(write_policy: Callable[..., Path]) -> None:
    policy = write_policy(LIGHT, name="p.yaml")
    write_policy("cases:\n  - id: c\n    text: forbidden\n    expect: {output_contains: [x]}\n",
                 name="p.cases.yaml")
    proc = guard("policy", "test", str(policy))
    assert proc.returncode != 0
    assert "give 'action', or the rules" in proc.stdout + proc.stderr
