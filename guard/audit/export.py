"""``guard audit export``: the log as CSV, JSONL or Parquet for auditors and data tools.

CSV and Parquet flatten each record into scalar columns (lists joined with ``;``, maps as
JSON text) and keep the complete record in a ``record`` column, so nothing is lost and the
export can still be re-verified against the hashes.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any, Literal, TextIO

from guard.audit.chain import canonical

ExportFormat = Literal["csv", "jsonl", "parquet"]

FLAT_COLUMNS = (
    "seq", "ts", "decision_id", "request_id", "tenant", "route", "model", "upstream", "user",
    "stage", "action", "shadow_action", "policy_name", "policy_version", "policy_hash",
    "rule_ids", "shadow_rule_ids", "detector_scores", "latency_ms", "stream_chars_released",
    "upstream_status", "http_status", "retention", "hash", "prev_hash", "sig", "record",
)
_INT_COLUMNS = {"seq", "policy_version", "stream_chars_released", "upstream_status",
                "http_status"}


def flatten(record: dict[str, Any]) -> dict[str, Any]:
    """One record as scalar columns (see :data:`FLAT_COLUMNS`)."""
    flat: dict[str, Any] = {}
    for name in FLAT_COLUMNS:
        if name == "record":
            flat[name] = canonical(record)
            continue
        value = record.get(name)
        if isinstance(value, list):
            value = ";".join(str(v) for v in value)
        elif isinstance(value, dict):
            value = json.dumps(value, sort_keys=True)
        flat[name] = value
    return flat


def write_csv(records: Iterable[dict[str, Any]], out: TextIO) -> int:
    writer = csv.DictWriter(out, fieldnames=list(FLAT_COLUMNS))
    writer.writeheader()
    count = 0
    for record in records:
        writer.writerow(flatten(record))
        count += 1
    return count


def write_parquet(records: Iterable[dict[str, Any]], path: str | Path) -> int:
    """Write a Parquet file (pyarrow); integer columns stay integers, the rest strings."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    rows = [flatten(r) for r in records]
    fields = [
        pa.field(name, pa.int64() if name in _INT_COLUMNS else pa.string())
        for name in FLAT_COLUMNS
    ]
    schema = pa.schema(fields)
    columns = {
        name: [None if r[name] is None else (r[name] if name in _INT_COLUMNS else str(r[name]))
               for r in rows]
        for name in FLAT_COLUMNS
    }
    pq.write_table(pa.table(columns, schema=schema), str(path))
    return len(rows)
