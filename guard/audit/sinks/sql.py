"""Pieces shared by the SQL sinks (SQLite and PostgreSQL): columns and filter SQL."""

from __future__ import annotations

from typing import Any

from guard.audit.chain import Linked, join_ids
from guard.audit.sinks.base import QueryFilter

COLUMNS = (
    "seq", "ts", "decision_id", "tenant", "route", "model", "stage", "action",
    "policy_name", "policy_version", "rule_ids", "shadow_rule_ids", "hash", "record",
)
INDEXES = ("ts", "tenant", "model", "action", "policy_version", "decision_id")


def row(item: Linked) -> tuple[Any, ...]:
    """The column values of one linked record, in :data:`COLUMNS` order."""
    r = item.record
    return (
        item.seq, r["ts"], r["decision_id"], r.get("tenant"), r.get("route"), r.get("model"),
        r["stage"], r["action"], r["policy_name"], r["policy_version"],
        join_ids(r.get("rule_ids") or ()), join_ids(r.get("shadow_rule_ids") or ()),
        item.hash, item.text,
    )


def where(flt: QueryFilter, placeholder: str) -> tuple[str, list[Any]]:
    """A ``WHERE`` clause pre-filtering on indexed columns (exact match is re-checked)."""
    clauses: list[str] = []
    params: list[Any] = []
    for name in ("tenant", "model", "action", "stage", "policy_name", "policy_version"):
        value = getattr(flt, name)
        if value is not None:
            clauses.append(f"{name} = {placeholder}")
            params.append(value)
    if flt.since is not None:
        clauses.append(f"ts >= {placeholder}")
        params.append(flt.since)
    if flt.until is not None:
        clauses.append(f"ts < {placeholder}")
        params.append(flt.until)
    if flt.rule is not None:
        clauses.append(f"(rule_ids LIKE {placeholder} OR shadow_rule_ids LIKE {placeholder})")
        params += [f"%,{flt.rule},%"] * 2
    sql = (" WHERE " + " AND ".join(clauses)) if clauses else ""
    return sql, params
