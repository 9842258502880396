"""Load policy files: YAML -> merged mapping -> validated spec, with errors that point home.

Every error names the file, the line and the field, including errors in a rule inherited
through ``extends`` (reported where the offending key was written) and errors in a detector's
own settings.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from guard.errors import PolicyError
from guard.policy.schema import PolicySpec

Loc = tuple[str | int, ...]
MAX_EXTENDS_DEPTH = 8


@dataclass
class SourceMap:
    """Remembers, for each path in the merged mapping, which file and line it came from."""

    entries: dict[Loc, tuple[str, int]] = field(default_factory=dict)
    default_file: str = "<policy>"

    def locate(self, loc: Loc) -> tuple[str, int | None]:
        for end in range(len(loc), -1, -1):
            hit = self.entries.get(tuple(loc[:end]))
            if hit is not None:
                return hit
        return self.default_file, None


def _compose(path: Path) -> tuple[Any, dict[Loc, int]]:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise PolicyError(f"cannot read policy: {exc.strerror}", file=str(path)) from exc
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        raise PolicyError(f"invalid YAML: {getattr(exc, 'problem', exc)}", file=str(path),
                          line=line) from exc
    lines: dict[Loc, int] = {}
    if node is not None:
        _walk(node, (), lines)
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise PolicyError("a policy must be a mapping at the top level", file=str(path), line=1)
    return data, lines


def _walk(node: yaml.Node, loc: Loc, lines: dict[Loc, int]) -> None:
    lines.setdefault(loc, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            key = key_node.value
            lines[(*loc, key)] = key_node.start_mark.line + 1
            _walk(value_node, (*loc, key), lines)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            lines[(*loc, i)] = item.start_mark.line + 1
            _walk(item, (*loc, i), lines)


def _record(source: SourceMap, file: str, lines: Mapping[Loc, int], src: Loc, dst: Loc) -> None:
    """Copy the line entries under ``src`` in one file to ``dst`` in the merged mapping."""
    n = len(src)
    for loc, line in lines.items():
        if loc[:n] == src:
            source.entries[(*dst, *loc[n:])] = (file, line)


def _load_merged(path: Path, depth: int = 0) -> tuple[dict[str, Any], SourceMap]:
    data, lines = _compose(path)
    file = str(path)
    base_ref = data.get("extends")
    if base_ref is None:
        source = SourceMap(default_file=file)
        _record(source, file, lines, (), ())
        return data, source
    if not isinstance(base_ref, str):
        raise PolicyError("must be a path to the base policy", file=file,
                          line=lines.get(("extends",)), field="extends")
    if depth >= MAX_EXTENDS_DEPTH:
        raise PolicyError("'extends' chain is too deep (a cycle?)", file=file,
                          line=lines.get(("extends",)), field="extends")
    base_path = (path.parent / base_ref).resolve()
    if not base_path.is_file():
        raise PolicyError(f"base policy not found: {base_ref}", file=file,
                          line=lines.get(("extends",)), field="extends")
    merged, source = _load_merged(base_path, depth + 1)
    source.default_file = file
    return _overlay(merged, source, data, lines, file), source


def _overlay(base: dict[str, Any], source: SourceMap, child: dict[str, Any],
             lines: Mapping[Loc, int], file: str) -> dict[str, Any]:
    """Child keys override base keys; rules override by id, field by field."""
    merged = dict(base)
    for key, value in child.items():
        if key == "rules":
            continue
        if key == "settings" and isinstance(value, dict) and isinstance(base.get(key), dict):
            merged[key] = {**base[key], **value}
            for sub in value:
                _record(source, file, lines, (key, sub), (key, sub))
        else:
            merged[key] = value
            _record(source, file, lines, (key,), (key,))
    rules = [dict(r) if isinstance(r, dict) else r for r in base.get("rules", []) or []]
    index = {r.get("id"): i for i, r in enumerate(rules) if isinstance(r, dict)}
    child_rules = child.get("rules", []) or []
    if not isinstance(child_rules, list):
        raise PolicyError("must be a list of rules", file=file, line=lines.get(("rules",)),
                          field="rules")
    for k, rule in enumerate(child_rules):
        rule_id = rule.get("id") if isinstance(rule, dict) else None
        if rule_id in index and isinstance(rule, dict):
            i = index[rule_id]
            rules[i] = {**rules[i], **rule}
            for key in rule:
                _record(source, file, lines, ("rules", k, key), ("rules", i, key))
        else:
            index[rule_id] = len(rules)
            _record(source, file, lines, ("rules", k), ("rules", len(rules)))
            rules.append(rule)
    removed = set(merged.get("remove_rules", []) or [])
    merged["rules"] = [r for r in rules if not (isinstance(r, dict) and r.get("id") in removed)]
    return merged


def content_hash(spec: PolicySpec) -> str:
    """A stable hash of the *effective* policy (after inheritance), for the audit trail."""
    canonical = json.dumps(spec.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()[:16]


def error_from_validation(exc: ValidationError, source: SourceMap,
                          prefix: Loc = ()) -> PolicyError:
    """Turn the first pydantic error into a PolicyError with file, line and dotted field."""
    err = exc.errors()[0]
    loc = (*prefix, *err["loc"])
    file, line = source.locate(loc)
    dotted = ".".join(str(p) for p in loc) or "<root>"
    message = err["msg"]
    if err["type"] == "extra_forbidden":
        message = f"unknown key {loc[-1]!r}"
    elif err["type"] == "missing":
        message = "required field is missing"
    more = len(exc.errors()) - 1
    if more:
        message += f" (and {more} more error{'s' if more > 1 else ''})"
    return PolicyError(message, file=file, line=line, field=dotted)


def load_spec(path: str | Path) -> tuple[PolicySpec, SourceMap]:
    """Read, merge and validate a policy file. Raises PolicyError."""
    path = Path(path)
    data, source = _load_merged(path)
    try:
        spec = PolicySpec.model_validate(data)
    except ValidationError as exc:
        raise error_from_validation(exc, source) from None
    return spec, source
