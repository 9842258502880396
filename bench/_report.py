"""The command line shared by benches that print one markdown report for one policy."""

from __future__ import annotations

import argparse
from collections.abc import Callable, Sequence
from pathlib import Path

from guard.policy.shipped import resolve_policy


def policy_report_main(run: Callable[[Path], str], description: str,
                       argv: Sequence[str] | None = None) -> None:
    """``--policy`` (a shipped policy by name, or a file) and ``--out``: print ``run``'s
    report for that policy and also write it to ``--out`` when given."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--policy", default="default",
                        help="a shipped policy by name, or a policy file")
    parser.add_argument("--out", type=Path, help="also write the table to this file")
    args = parser.parse_args(argv)
    text = run(resolve_policy(args.policy).resolve())
    print(text)
    if args.out:
        args.out.write_text(text + "\n", encoding="utf-8")


def policy_variant(policy: Path, pattern: str, replacement: str) -> Path:
    """A temporary copy of ``policy`` with ``pattern`` replaced (``re.sub``): the same policy
    with one setting as it was, for a bench's before/after columns."""
    import re
    import tempfile

    text = re.sub(pattern, replacement, policy.read_text(encoding="utf-8"))
    out = Path(tempfile.mkdtemp()) / policy.name
    out.write_text(text, encoding="utf-8")
    return out
