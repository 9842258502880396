"""``guard audit query``: filter the log and print it as a table or JSONL.

Time arguments accept ISO-8601 (``2026-01-31``, ``2026-01-31T12:00:00Z``) or a duration back
from now (``30m``, ``24h``, ``7d``, ``2w``), so the common compliance question "what did we
block for tenant X this week" is one short command.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any, TextIO

from guard.audit.sinks.base import AuditStore, QueryFilter

_DURATION = re.compile(r"^(\d+)\s*([smhdw])$")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


def parse_time(value: str, *, now: datetime | None = None) -> datetime:
    """``7d`` → now minus 7 days; ISO-8601 → that instant (naive means UTC).

    Raises:
        ValueError: neither a duration nor an ISO-8601 timestamp.
    """
    now = now or datetime.now(UTC)
    match = _DURATION.match(value.strip())
    if match:
        return now - timedelta(**{_UNITS[match.group(2)]: int(match.group(1))})
    try:
        parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError as exc:
        raise ValueError(f"{value!r} is neither a duration (7d, 24h) nor ISO-8601") from exc
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def run_query(store: AuditStore, flt: QueryFilter) -> Iterator[dict[str, Any]]:
    """Records matching ``flt``, oldest first."""
    return store.query(flt)


_TABLE = (
    ("seq", 6), ("ts", 19), ("tenant", 10), ("model", 14), ("stage", 6), ("action", 7),
    ("rules", 24), ("shadow", 18), ("policy", 14), ("decision", 12),
)


def table_row(record: dict[str, Any]) -> list[str]:
    return [
        str(record.get("seq", "")),
        str(record.get("ts", ""))[:19].replace("T", " "),
        str(record.get("tenant") or "-"),
        str(record.get("model") or "-"),
        str(record.get("stage", "")),
        str(record.get("action", "")),
        ",".join(record.get("rule_ids") or []) or "-",
        ",".join(record.get("shadow_rule_ids") or []) or "-",
        f"{record.get('policy_name')}@v{record.get('policy_version')}",
        str(record.get("decision_id", ""))[:12],
    ]


def write_table(records: Iterable[dict[str, Any]], out: TextIO) -> int:
    """Aligned text table; long cells are cut with ``…``. Returns the number of rows."""
    out.write("  ".join(name.ljust(width) for name, width in _TABLE).rstrip() + "\n")
    count = 0
    for record in records:
        cells = [_fit(cell, width) for cell, (_, width) in zip(table_row(record), _TABLE,
                                                               strict=True)]
        out.write("  ".join(cells).rstrip() + "\n")
        count += 1
    out.write(f"({count} record{'s' if count != 1 else ''})\n")
    return count


def write_jsonl(records: Iterable[dict[str, Any]], out: TextIO) -> int:
    count = 0
    for record in records:
        out.write(json.dumps(record, sort_keys=True, ensure_ascii=False) + "\n")
        count += 1
    return count


def _fit(text: str, width: int) -> str:
    return text.ljust(width) if len(text) <= width else text[: width - 1] + "…"
