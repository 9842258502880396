"""``guard audit report``: a self-contained HTML compliance report with inline SVG charts.

Sections: totals, decisions over time by action, top fired rules, decisions by tenant and by
model, and shadow-rule hit rates (how often a rule in ``mode: shadow`` *would* have fired: the
number to look at before switching it to enforce). One pass over the records; the HTML has no
scripts and no external resources.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from html import escape
from typing import Any

from guard.audit import report_svg as svg

ACTIONS = ("allow", "flag", "rewrite", "block")


@dataclass(slots=True)
class ReportData:
    """Aggregates of the records in the report window."""

    since: datetime
    until: datetime
    total: int = 0
    by_action: Counter[str] = field(default_factory=Counter)
    by_bucket: dict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    rules: Counter[str] = field(default_factory=Counter)
    by_tenant: dict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    by_model: dict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    shadow_evaluated: Counter[str] = field(default_factory=Counter)
    shadow_fired: Counter[str] = field(default_factory=Counter)
    policies: Counter[str] = field(default_factory=Counter)

    @property
    def hourly(self) -> bool:
        return self.until - self.since <= timedelta(days=2)

    def bucket(self, ts: datetime) -> str:
        return ts.strftime("%m-%d %H:00") if self.hourly else ts.strftime("%Y-%m-%d")

    def buckets(self) -> list[str]:
        """Every bucket label in the window, including empty ones (gaps show as gaps)."""
        step = timedelta(hours=1) if self.hourly else timedelta(days=1)
        start = self.since.replace(minute=0, second=0, microsecond=0)
        if not self.hourly:
            start = start.replace(hour=0)
        labels: list[str] = []
        t = start
        while t <= self.until and len(labels) < 2000:
            labels.append(self.bucket(t))
            t += step
        return labels


def aggregate(records: Iterable[dict[str, Any]], since: datetime, until: datetime) -> ReportData:
    data = ReportData(since=since, until=until)
    for r in records:
        ts = datetime.fromisoformat(str(r["ts"]).replace("Z", "+00:00"))
        action = str(r["action"])
        data.total += 1
        data.by_action[action] += 1
        data.by_bucket[data.bucket(ts)][action] += 1
        data.rules.update(r.get("rule_ids") or [])
        data.by_tenant[str(r.get("tenant") or "(none)")][action] += 1
        data.by_model[str(r.get("model") or "(none)")][action] += 1
        data.policies[f"{r['policy_name']} v{r['policy_version']}"] += 1
        for rule in r.get("rules") or []:
            if rule.get("mode") == "shadow":
                data.shadow_evaluated[rule["id"]] += 1
                if rule.get("fired"):
                    data.shadow_fired[rule["id"]] += 1
    return data


def render(data: ReportData, *, title: str = "Guard audit report") -> str:
    """The report as one HTML document."""
    labels = data.buckets()
    series = {a: [data.by_bucket.get(lbl, Counter())[a] for lbl in labels] for a in ACTIONS}
    shadow = sorted(
        ((rid, data.shadow_fired[rid] / n) for rid, n in data.shadow_evaluated.items() if n),
        key=lambda item: -item[1],
    )
    sections = [
        _section("Decisions over time, by action", svg.stacked_bars(
            labels, series, title="decisions over time")),
        _section("Top fired rules (enforced)", svg.hbars(
            data.rules.most_common(15), title="top rules")),
        _section("By tenant", svg.grouped_by_action(data.by_tenant, title="by tenant")),
        _section("By model", svg.grouped_by_action(data.by_model, title="by model")),
        _section("Shadow-rule hit rates", svg.hbars(
            shadow, fmt="{:.1%}", max_value=1.0, color="#8e24aa", title="shadow rules")
            + _shadow_table(data)),
    ]
    return _PAGE.format(
        title=escape(title),
        window=f"{data.since:%Y-%m-%d %H:%M} – {data.until:%Y-%m-%d %H:%M} UTC",
        generated=f"{datetime.now(UTC):%Y-%m-%d %H:%M:%S} UTC",
        cards=_cards(data),
        policies=escape(", ".join(f"{p} ({n})" for p, n in data.policies.most_common())
                        or "-"),
        sections="\n".join(sections),
    )


def _cards(data: ReportData) -> str:
    items = [("checks", str(data.total))]
    for action in ACTIONS:
        n = data.by_action[action]
        share = f" ({n / data.total:.1%})" if data.total else ""
        items.append((action, f"{n}{share}"))
    return "".join(
        f'<div class="card"><div class="k">{escape(k)}</div><div class="v">{escape(v)}</div>'
        "</div>" for k, v in items
    )


def _shadow_table(data: ReportData) -> str:
    if not data.shadow_evaluated:
        return "<p>No shadow rules were evaluated in this window.</p>"
    rows = "".join(
        f"<tr><td>{escape(rid)}</td><td>{n}</td><td>{data.shadow_fired[rid]}</td>"
        f"<td>{data.shadow_fired[rid] / n:.1%}</td></tr>"
        for rid, n in sorted(data.shadow_evaluated.items())
    )
    return ("<table><tr><th>shadow rule</th><th>evaluated</th><th>would fire</th>"
            f"<th>hit rate</th></tr>{rows}</table>")


def _section(heading: str, body: str) -> str:
    return f"<section><h2>{escape(heading)}</h2>{body}</section>"


_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<style>
body {{ font-family: system-ui, sans-serif; margin: 24px auto; max-width: 900px; color: #222; }}
h1 {{ margin-bottom: 4px; }} .meta {{ color: #666; font-size: 13px; }}
.cards {{ display: flex; gap: 12px; margin: 16px 0; flex-wrap: wrap; }}
.card {{ border: 1px solid #ddd; border-radius: 6px; padding: 8px 14px; min-width: 90px; }}
.card .k {{ color: #666; font-size: 12px; text-transform: uppercase; }}
.card .v {{ font-size: 20px; font-weight: 600; }}
section {{ margin-top: 28px; }} table {{ border-collapse: collapse; margin-top: 8px; }}
td, th {{ border: 1px solid #ddd; padding: 4px 10px; font-size: 13px; text-align: left; }}
</style></head>
<body>
<h1>{title}</h1>
<div class="meta">Window: {window} · generated {generated} · policies: {policies}</div>
<div class="cards">{cards}</div>
{sections}
</body></html>
"""
