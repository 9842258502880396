"""The command line shared by benches that print one markdown report for one policy."""

from __future__ import annotations

import argparse
from collections.abc import Callable, Sequence
from pathlib import Path

from guard.policy.shipped import resolve_policy


def _parser(description: str) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--policy", default="default",
                        help="a shipped policy by name, or a policy file")
    parser.add_argument("--out", type=Path, help="also write the table to this file")
    return parser


def _emit(text: str, out: Path | None) -> None:
    print(text)
    if out:
        out.write_text(text + "\n", encoding="utf-8")


def policy_report_main(run: Callable[[Path], str], description: str,
                       argv: Sequence[str] | None = None) -> None:
    """``--policy`` (a shipped policy by name, or a file) and ``--out``: print ``run``'s
    report for that policy and also write it to ``--out`` when given."""
    args = _parser(description).parse_args(argv)
    _emit(run(resolve_policy(args.policy).resolve()), args.out)


def limited_report_main(run: Callable[[Path, int], str], description: str, unit: str,
                        argv: Sequence[str] | None = None) -> None:
    """:func:`policy_report_main` with ``--limit N``: ``run`` reads only the first N
    ``unit`` (0: all), for a quick look at a bench that takes minutes."""
    parser = _parser(description)
    parser.add_argument("--limit", type=int, default=0, help=f"{unit} (0: all)")
    args = parser.parse_args(argv)
    _emit(run(resolve_policy(args.policy).resolve(), args.limit), args.out)


def policy_variant(policy: Path, pattern: str, replacement: str) -> Path:
    """A temporary copy of ``policy`` with ``pattern`` replaced (``re.sub``): the same policy
    with one setting as it was, for a bench's before/after columns."""
    import re
    import tempfile

    text = re.sub(pattern, replacement, policy.read_text(encoding="utf-8"))
    out = Path(tempfile.mkdtemp()) / policy.name
    out.write_text(text, encoding="utf-8")
    return out
