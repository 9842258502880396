"""Keyset-paginated reads of the SQLite and PostgreSQL audit tables (see
:mod:`guard.console.store`): the dialects differ only in placeholders, the table name, how a
list of ids is passed, and how a timestamp is bucketed."""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any, Protocol

from guard.audit.event import REVIEW_STAGE, format_ts
from guard.audit.review import Review, latest_reviews
from guard.console.store import Counts, ListFilter, Page

SEQ_SLACK = timedelta(hours=1)


class _Db(Protocol):
    table: str
    ph: str
    ts_column_no_index: str

    def rows(self, sql: str, params: Sequence[Any]) -> list[tuple[Any, ...]]: ...
    def ts(self, value: datetime) -> Any: ...
    def in_list(self, column: str, negate: bool) -> str: ...
    def ids_param(self, ids: Sequence[str]) -> Any: ...
    def bucket(self, hourly: bool) -> str: ...
    def close(self) -> None: ...


class SqliteDb:
    table, ph = "audit_events", "?"
    ts_column_no_index = "+ts"  # SQLite: keep the seq order, do not pick the ts index

    def __init__(self, path: str) -> None:
        self.path = path

    def rows(self, sql: str, params: Sequence[Any]) -> list[tuple[Any, ...]]:
        # One read-only connection per call: cheap for SQLite, and never shared across threads.
        conn = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True, timeout=30.0)
        try:
            return conn.execute(sql, list(params)).fetchall()
        finally:
            conn.close()

    def ts(self, value: datetime) -> Any:
        return format_ts(value)

    def in_list(self, column: str, negate: bool) -> str:
        return f"{column} {'NOT IN' if negate else 'IN'} (SELECT value FROM json_each(?))"

    def ids_param(self, ids: Sequence[str]) -> Any:
        return json.dumps(list(ids))

    def bucket(self, hourly: bool) -> str:
        return "substr(ts, 1, 13)" if hourly else "substr(ts, 1, 10)"

    def close(self) -> None:
        return None


class PostgresDb:
    table, ph = "guard_audit_events", "%s"
    ts_column_no_index = "ts"

    def __init__(self, url: str) -> None:
        import psycopg

        from guard.audit.sinks.postgres import with_connection_defaults

        self._conn = psycopg.connect(with_connection_defaults(url), autocommit=True)
        self._lock = threading.Lock()

    def rows(self, sql: str, params: Sequence[Any]) -> list[tuple[Any, ...]]:
        with self._lock:
            return self._conn.execute(sql, list(params)).fetchall()

    def ts(self, value: datetime) -> Any:
        return value

    def in_list(self, column: str, negate: bool) -> str:
        return f"{column} <> ALL(%s)" if negate else f"{column} = ANY(%s)"

    def ids_param(self, ids: Sequence[str]) -> Any:
        return list(ids)

    def bucket(self, hourly: bool) -> str:
        fmt = "YYYY-MM-DD\"T\"HH24" if hourly else "YYYY-MM-DD"
        return f"to_char(ts AT TIME ZONE 'UTC', '{fmt}')"

    def close(self) -> None:
        self._conn.close()


class SqlReader:
    """Keyset-paginated reads of a SQLite or PostgreSQL audit table."""

    def __init__(self, db: _Db) -> None:
        self.db = db

    def _where(self, flt: ListFilter, reviewed_ids: Sequence[str]) -> tuple[list[str], list[Any]]:
        ph = self.db.ph
        clauses: list[str] = []
        params: list[Any] = []
        if flt.stage is not None:
            clauses.append(f"stage = {ph}")
            params.append(flt.stage)
        else:
            clauses.append(f"stage <> '{REVIEW_STAGE}'")
        for name in ("tenant", "model", "policy_version"):
            value = getattr(flt, name)
            if value is not None:
                clauses.append(f"{name} = {ph}")
                params.append(value)
        if flt.actions:
            clauses.append(f"action IN ({', '.join([ph] * len(flt.actions))})")
            params.extend(flt.actions)
        if flt.rule:
            clauses.append(f"(rule_ids LIKE {ph} OR shadow_rule_ids LIKE {ph})")
            params += [f"%,{flt.rule},%"] * 2
        ts = self.db.ts_column_no_index
        if flt.since is not None:
            clauses.append(f"{ts} >= {ph}")
            params.append(self.db.ts(flt.since))
        if flt.until is not None:
            clauses.append(f"{ts} < {ph}")
            params.append(self.db.ts(flt.until))
        lo, hi = self._seq_window(flt)
        if lo is not None:
            clauses.append(f"seq > {ph}")
            params.append(lo)
        if hi is not None:
            clauses.append(f"seq < {ph}")
            params.append(hi)
        if flt.reviewed is not None:
            clauses.append(self.db.in_list("decision_id", negate=not flt.reviewed))
            params.append(self.db.ids_param(reviewed_ids))
        return clauses, params

    def _seq_window(self, flt: ListFilter) -> tuple[int | None, int | None]:
        """Exclusive seq bounds of a time window, from two index seeks on ``ts``.

        Pages are ordered by ``seq``; without these bounds a time filter makes the database
        either sort the whole window or walk past it to the start of the log. Records are
        appended within seconds of their timestamp (the recorder fails closed after
        ``block_timeout``), so with :data:`SEQ_SLACK` of margin every record of the window lies
        strictly between the bounds; the ``ts`` conditions still decide exactly.
        """
        ph, table = self.db.ph, self.db.table
        lo = hi = None
        if flt.since is not None:
            rows = self.db.rows(f"SELECT seq FROM {table} WHERE ts < {ph} ORDER BY ts DESC "
                                "LIMIT 1", [self.db.ts(flt.since - SEQ_SLACK)])
            lo = int(rows[0][0]) if rows else None
        if flt.until is not None:
            rows = self.db.rows(f"SELECT seq FROM {table} WHERE ts >= {ph} ORDER BY ts "
                                "LIMIT 1", [self.db.ts(flt.until + SEQ_SLACK)])
            hi = int(rows[0][0]) if rows else None
        return lo, hi

    def page(self, flt: ListFilter, reviewed_ids: Sequence[str], *, before: int | None = None,
             after: int | None = None, limit: int = 50) -> Page:
        if len(flt.actions) > 1:
            # one index-ordered query per action, merged: an IN list over (action, seq) would
            # make the database sort every match before the LIMIT
            parts = [self.page(replace(flt, actions=(a,)), reviewed_ids, before=before,
                               after=after, limit=limit) for a in flt.actions]
            return _merge(parts, limit, before, after)
        clauses, params = self._where(flt, reviewed_ids)
        ph = self.db.ph
        if after is not None:
            clauses.append(f"seq > {ph}")
            params.append(after)
            order = "ASC"
        else:
            if before is not None:
                clauses.append(f"seq < {ph}")
                params.append(before)
            order = "DESC"
        sql = (f"SELECT seq, record FROM {self.db.table} WHERE {' AND '.join(clauses)} "
               f"ORDER BY seq {order} LIMIT {int(limit) + 1}")
        rows = self.db.rows(sql, params)
        more = len(rows) > limit
        rows = rows[:limit]
        if after is not None:
            rows.reverse()
        records = [json.loads(text) for _, text in rows]
        if not records:
            return Page([], None, None)
        first, last = int(rows[0][0]), int(rows[-1][0])
        older = last if (more if after is None else True) else None
        newer = first if (before is not None or (after is not None and more)) else None
        return Page(records, older, newer)

    def decision(self, decision_id: str) -> dict[str, Any] | None:
        rows = self.db.rows(f"SELECT record FROM {self.db.table} WHERE decision_id = "
                            f"{self.db.ph} ORDER BY seq LIMIT 1", [decision_id])
        return json.loads(rows[0][0]) if rows else None

    def at_seqs(self, seqs: Sequence[int]) -> dict[int, dict[str, Any]]:
        if not seqs:
            return {}
        marks = ", ".join([self.db.ph] * len(seqs))
        rows = self.db.rows(f"SELECT seq, record FROM {self.db.table} WHERE seq IN ({marks})",
                            list(seqs))
        return {int(seq): json.loads(text) for seq, text in rows}

    def _review_records(self) -> Iterator[dict[str, Any]]:
        rows = self.db.rows(f"SELECT record FROM {self.db.table} WHERE stage = {self.db.ph} "
                            "ORDER BY seq", [REVIEW_STAGE])
        return (json.loads(text) for (text,) in rows)

    def reviews(self) -> dict[str, Review]:
        return latest_reviews(self._review_records())

    def review_history(self, decision_id: str) -> list[Review]:
        return [Review.from_record(r) for r in self._review_records()
                if (r.get("review") or {}).get("decision_id") == decision_id]

    def by_ids(self, ids: Sequence[str]) -> list[dict[str, Any]]:
        if not ids:
            return []
        rows = self.db.rows(f"SELECT record FROM {self.db.table} WHERE "
                            f"{self.db.in_list('decision_id', negate=False)} ORDER BY seq",
                            [self.db.ids_param(ids)])
        return [json.loads(text) for (text,) in rows]

    def _window(self, since: datetime, until: datetime) -> tuple[str, list[Any]]:
        """``WHERE`` of a time window, bounded by seq so it is read in seq order."""
        ph, ts = self.db.ph, self.db.ts_column_no_index
        where = f"WHERE {ts} >= {ph} AND {ts} < {ph} AND stage <> '{REVIEW_STAGE}'"
        params: list[Any] = [self.db.ts(since), self.db.ts(until)]
        lo, hi = self._seq_window(ListFilter(since=since, until=until))
        if lo is not None:
            where += f" AND seq > {ph}"
            params.append(lo)
        if hi is not None:
            where += f" AND seq < {ph}"
            params.append(hi)
        return where, params

    def counts(self, since: datetime, until: datetime, hourly: bool) -> Counts:
        """One pass over the window's indexed columns (never the JSON records)."""
        where, params = self._window(since, until)
        rows = self.db.rows(
            f"SELECT {self.db.bucket(hourly)} AS k, tenant, model, action, rule_ids, count(*) "
            f"FROM {self.db.table} {where} GROUP BY 1, 2, 3, 4, 5", params)
        out = Counts()
        for bucket, tenant, model, action, rule_ids, n in rows:
            action, n = str(action), int(n)
            out.by_bucket[str(bucket)][action] += n
            out.by_tenant[str(tenant) if tenant is not None else "(none)"][action] += n
            out.by_model[str(model) if model is not None else "(none)"][action] += n
            out.by_action[action] += n
            for rule in str(rule_ids or "").strip(",").split(","):
                if rule:
                    out.rules[rule] += n
        return out

    def recent(self, since: datetime, until: datetime, limit: int) -> list[dict[str, Any]]:
        where, params = self._window(since, until)
        rows = self.db.rows(f"SELECT record FROM {self.db.table} {where} ORDER BY seq DESC "
                            f"LIMIT {int(limit)}", params)
        return [json.loads(text) for (text,) in rows]

    def close(self) -> None:
        self.db.close()


def _merge(parts: list[Page], limit: int, before: int | None, after: int | None) -> Page:
    """Several single-action pages as one page of the union, newest first."""
    records = sorted((r for p in parts for r in p.records), key=lambda r: -int(r["seq"]))
    if after is not None:
        more_newer = len(records) > limit or any(p.newer is not None for p in parts)
        records = records[-limit:]
        if not records:
            return Page([], None, None)
        return Page(records, int(records[-1]["seq"]),
                    int(records[0]["seq"]) if more_newer else None)
    more_older = len(records) > limit or any(p.older is not None for p in parts)
    records = records[:limit]
    if not records:
        return Page([], None, None)
    return Page(records, int(records[-1]["seq"]) if more_older else None,
                int(records[0]["seq"]) if before is not None else None)
