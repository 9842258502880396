"""View models of the console pages: highlighted spans, a record's chain check, the charts.

Spans are drawn only on what the log kept, and only as the policy's retention allowed:
``full`` text gets its finding spans highlighted in place; ``redacted`` text is shown as stored
(every span already masked as ``[CATEGORY]``, so offsets no longer apply and nothing more is
revealed); ``none`` shows no text at all.
"""

from __future__ import annotations

import hmac
import re
import statistics
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from guard.audit import report_svg as svg
from guard.audit.chain import record_hash, sign
from guard.console.store import Counts

_PART = re.compile(r"^content\[(\d+)\]$")
_TOOL = re.compile(r"^tool_calls\[(\d+)\]\.arguments$")


@dataclass(frozen=True, slots=True)
class Chunk:
    text: str
    category: str | None = None
    label: str = ""


@dataclass(slots=True)
class SegmentView:
    """One stored text segment of a message, cut into plain and highlighted chunks."""

    role: str
    part: str
    chunks: list[Chunk]


def segment_views(record: dict[str, Any]) -> list[SegmentView]:
    """The retained text of ``record`` with its findings highlighted (``full`` only)."""
    messages = record.get("messages") or []
    highlight = record.get("retention") == "full"
    spans: dict[tuple[int, str], list[dict[str, Any]]] = defaultdict(list)
    if highlight:
        for f in record.get("findings") or []:
            if f.get("message_index") is not None and f.get("part"):
                spans[(int(f["message_index"]), str(f["part"]))].append(f)
    out: list[SegmentView] = []
    for index, message in enumerate(messages):
        role = str(message.get("role", "?"))
        for part, text in _texts(message):
            out.append(SegmentView(role, part, _chunks(text, spans.get((index, part), []))))
    return out


def _texts(message: dict[str, Any]) -> list[tuple[str, str]]:
    content = message.get("content")
    texts: list[tuple[str, str]] = []
    if isinstance(content, str):
        texts.append(("content", content))
    elif isinstance(content, list):
        for i, part in enumerate(content):
            if isinstance(part, dict) and isinstance(part.get("text"), str):
                texts.append((f"content[{i}]", part["text"]))
    for i, call in enumerate(message.get("tool_calls") or []):
        args = (call.get("function") or {}).get("arguments") if isinstance(call, dict) else None
        if isinstance(args, str):
            texts.append((f"tool_calls[{i}].arguments", args))
    return texts


def _chunks(text: str, findings: list[dict[str, Any]]) -> list[Chunk]:
    """``text`` split at the finding spans; overlapping spans are merged, bad offsets skipped."""
    spans = sorted((int(f["start"]), int(f["end"]), f) for f in findings
                   if 0 <= int(f["start"]) <= int(f["end"]) <= len(text))
    chunks: list[Chunk] = []
    pos = 0
    for start, end, f in spans:
        if start < pos:
            continue
        if start > pos:
            chunks.append(Chunk(text[pos:start]))
        label = f"{f.get('rule') or ''} · {f['detector']}/{f['category']} {float(f['score']):.2f}"
        chunks.append(Chunk(text[start:end], str(f["category"]), label))
        pos = end
    if pos < len(text) or not chunks:
        chunks.append(Chunk(text[pos:]))
    return chunks


@dataclass(slots=True)
class ChainCheck:
    """A record's own place in the chain: its hash, its links to both neighbours, its HMAC."""

    ok: bool = True
    checks: list[tuple[str, bool]] = field(default_factory=list)

    def add(self, what: str, passed: bool) -> None:
        self.checks.append((what, passed))
        self.ok = self.ok and passed


def check_record(
    record: dict[str, Any], prev: dict[str, Any] | None, nxt: dict[str, Any] | None,
    key: bytes | None,
) -> ChainCheck:
    seq = int(record.get("seq", 0))
    result = ChainCheck()
    result.add("hash matches the record's content", record_hash(record) == record.get("hash"))
    if seq == 1:
        result.add("first record links to the genesis hash", record.get("prev_hash") == "0" * 64)
    elif prev is None:
        result.add(f"previous record (seq {seq - 1}) present", False)
    else:
        result.add(f"links to seq {seq - 1}", record.get("prev_hash") == prev.get("hash"))
    if nxt is not None:
        result.add(f"seq {seq + 1} links to it", nxt.get("prev_hash") == record.get("hash"))
    if key is not None:
        sig = record.get("sig")
        result.add("HMAC signature valid", bool(sig) and hmac.compare_digest(
            str(sig), sign(str(record.get("hash")), key)))
    return result


# --- charts ---------------------------------------------------------------------------------


@dataclass(slots=True)
class Overview:
    """What the overview page draws (SVG strings are produced by trusted code, not input)."""

    total: int
    by_action: Counter[str]
    charts: list[tuple[str, str]]
    sample: int
    shadow: list[tuple[str, int, int]]
    latency: list[tuple[str, float, float, int]]


def build_overview(counts: Counts, sample: Sequence[dict[str, Any]], since: datetime,
                   until: datetime, hourly: bool) -> Overview:
    labels = _buckets(since, until, hourly)
    series = {a: [counts.by_bucket.get(lbl, Counter())[a] for lbl in labels]
              for a in ("allow", "flag", "rewrite", "block")}
    shown = [lbl[5:13].replace("T", " ") + (":00" if hourly else "") for lbl in labels]
    shadow_eval: Counter[str] = Counter()
    shadow_fired: Counter[str] = Counter()
    latency: dict[str, list[float]] = defaultdict(list)
    for r in sample:
        for rule in r.get("rules") or []:
            if rule.get("mode") == "shadow":
                shadow_eval[rule["id"]] += 1
                shadow_fired[rule["id"]] += bool(rule.get("fired"))
        for name, ms in (r.get("latency_ms") or {}).items():
            latency[name].append(float(ms))
    shadow = sorted(((rid, n, shadow_fired[rid]) for rid, n in shadow_eval.items()),
                    key=lambda t: -t[2] / max(t[1], 1))
    lat = sorted(((name, statistics.median(v), _p95(v), len(v)) for name, v in latency.items()),
                 key=lambda t: -t[2])
    charts = [
        ("Decisions over time, by action", svg.stacked_bars(shown, series,
                                                            title="decisions over time")),
        ("Top fired rules (enforced)", svg.hbars(counts.rules.most_common(12), title="top rules")),
        ("By tenant", svg.grouped_by_action(counts.by_tenant, title="by tenant")),
        ("By model", svg.grouped_by_action(counts.by_model, title="by model")),
        ("Shadow-rule hit rates", svg.hbars([(rid, f / n) for rid, n, f in shadow if n],
                                            fmt="{:.1%}", max_value=1.0, color="#8e24aa",
                                            title="shadow rules")),
        ("Latency per detector (p95, ms)", svg.hbars([(n, round(p95, 2)) for n, _, p95, _ in lat],
                                                     color="#00897b", title="latency p95")),
    ]
    return Overview(sum(counts.by_action.values()), counts.by_action, charts, len(sample),
                    shadow, lat)


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]


def _buckets(since: datetime, until: datetime, hourly: bool) -> list[str]:
    step = timedelta(hours=1) if hourly else timedelta(days=1)
    t = since.replace(minute=0, second=0, microsecond=0)
    if not hourly:
        t = t.replace(hour=0)
    labels: list[str] = []
    while t < until and len(labels) < 1000:
        labels.append(t.strftime("%Y-%m-%dT%H") if hourly else t.strftime("%Y-%m-%d"))
        t += step
    return labels
