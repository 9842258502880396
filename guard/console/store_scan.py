"""Reads of a JSONL audit directory, which has no index: every call scans the log. Fine for
the small logs JSONL is meant for; SQLite or PostgreSQL for large ones."""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from guard.audit.event import REVIEW_STAGE, format_ts
from guard.audit.review import Review, latest_reviews
from guard.audit.sinks.base import AuditStore, QueryFilter
from guard.console.store import Counts, ListFilter, Page


class ScanReader:
    """Reads by scanning the whole log: for JSONL directories, which have no index."""

    def __init__(self, store: AuditStore) -> None:
        self.store = store
        self._lock = threading.Lock()

    @contextmanager
    def _records(self) -> Iterator[Iterator[dict[str, Any]]]:
        with self._lock:
            yield self.store.query(QueryFilter())

    def _all(self) -> list[dict[str, Any]]:
        with self._records() as records:
            return list(records)

    def page(self, flt: ListFilter, reviewed_ids: Sequence[str], *, before: int | None = None,
             after: int | None = None, limit: int = 50) -> Page:
        ids = set(reviewed_ids)
        rows = [r for r in self._all() if _matches(r, flt, ids)]
        rows.reverse()
        if after is not None:
            newer_rows = [r for r in rows if r["seq"] > after]
            chunk = newer_rows[-limit:]
            more_newer = len(newer_rows) > limit
            return Page(chunk, chunk[-1]["seq"] if chunk else None,
                        chunk[0]["seq"] if chunk and more_newer else None)
        if before is not None:
            rows = [r for r in rows if r["seq"] < before]
        chunk = rows[:limit]
        return Page(chunk, chunk[-1]["seq"] if chunk and len(rows) > limit else None,
                    chunk[0]["seq"] if chunk and before is not None else None)

    def decision(self, decision_id: str) -> dict[str, Any] | None:
        return next((r for r in self._all() if r.get("decision_id") == decision_id), None)

    def at_seqs(self, seqs: Sequence[int]) -> dict[int, dict[str, Any]]:
        wanted = set(seqs)
        return {int(r["seq"]): r for r in self._all() if r.get("seq") in wanted}

    def reviews(self) -> dict[str, Review]:
        return latest_reviews(self._all())

    def review_history(self, decision_id: str) -> list[Review]:
        return [Review.from_record(r) for r in self._all() if r.get("stage") == REVIEW_STAGE
                and (r.get("review") or {}).get("decision_id") == decision_id]

    def by_ids(self, ids: Sequence[str]) -> list[dict[str, Any]]:
        wanted = set(ids)
        return [r for r in self._all() if r.get("decision_id") in wanted]

    def counts(self, since: datetime, until: datetime, hourly: bool) -> Counts:
        out = Counts()
        for r in self._all():
            ts = str(r["ts"])
            if r.get("stage") == REVIEW_STAGE or not format_ts(since) <= ts < format_ts(until):
                continue
            action = str(r["action"])
            out.by_bucket[ts[:13] if hourly else ts[:10]][action] += 1
            out.by_tenant[str(r.get("tenant") or "(none)")][action] += 1
            out.by_model[str(r.get("model") or "(none)")][action] += 1
            out.by_action[action] += 1
            out.rules.update(r.get("rule_ids") or [])
        return out

    def recent(self, since: datetime, until: datetime, limit: int) -> list[dict[str, Any]]:
        lo, hi = format_ts(since), format_ts(until)
        rows = [r for r in self._all() if r.get("stage") != REVIEW_STAGE
                and lo <= str(r["ts"]) < hi]
        return rows[::-1][:limit]

    def close(self) -> None:
        self.store.close()


def _matches(r: dict[str, Any], flt: ListFilter, reviewed: set[str]) -> bool:
    if (r.get("stage") == REVIEW_STAGE) != (flt.stage == REVIEW_STAGE):
        return False
    for name in ("stage", "tenant", "model", "policy_version"):
        wanted = getattr(flt, name)
        if wanted is not None and r.get(name) != wanted:
            return False
    if flt.actions and r.get("action") not in flt.actions:
        return False
    if flt.rule and flt.rule not in [*(r.get("rule_ids") or ()),
                                     *(r.get("shadow_rule_ids") or ())]:
        return False
    ts = str(r["ts"])
    if flt.since is not None and ts < format_ts(flt.since):
        return False
    if flt.until is not None and ts >= format_ts(flt.until):
        return False
    return flt.reviewed is None or (r.get("decision_id") in reviewed) == flt.reviewed
