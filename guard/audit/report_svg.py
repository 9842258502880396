"""Tiny inline-SVG chart helpers for the HTML report (no JavaScript, no CDN).

Inline SVG keeps the report one self-contained file that opens offline, prints, and can be
attached to a compliance ticket as is.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from html import escape

ACTION_COLORS = {"allow": "#43a047", "flag": "#fbc02d", "rewrite": "#1e88e5", "block": "#e53935"}
_FONT = 'font-family="system-ui, sans-serif" font-size="11"'


def stacked_bars(
    labels: Sequence[str], series: Mapping[str, Sequence[int]], *, width: int = 860,
    height: int = 260, title: str = "",
) -> str:
    """Vertical stacked bars: one bar per label, one colour per series (action)."""
    left, bottom, top = 48, 46, 24
    plot_w, plot_h = width - left - 12, height - bottom - top
    totals = [sum(s[i] for s in series.values()) for i in range(len(labels))]
    peak = max(totals, default=0) or 1
    step = plot_w / max(len(labels), 1)
    bar_w = max(step * 0.8, 1.0)
    parts = [_svg_open(width, height, title)]
    for frac in (0.0, 0.5, 1.0):
        y = top + plot_h * (1 - frac)
        parts.append(f'<line x1="{left}" x2="{width - 12}" y1="{y:.1f}" y2="{y:.1f}" '
                     'stroke="#ddd"/>')
        parts.append(f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" {_FONT}>'
                     f"{round(peak * frac)}</text>")
    label_every = max(1, len(labels) // 12)
    for i, label in enumerate(labels):
        x = left + i * step + (step - bar_w) / 2
        y = top + plot_h
        for name, values in series.items():
            h = plot_h * values[i] / peak
            if h <= 0:
                continue
            y -= h
            parts.append(
                f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar_w:.1f}" height="{h:.1f}" '
                f'fill="{ACTION_COLORS.get(name, "#888")}"><title>{escape(label)} '
                f"{escape(name)}: {values[i]}</title></rect>"
            )
        if i % label_every == 0:
            parts.append(f'<text x="{x + bar_w / 2:.1f}" y="{top + plot_h + 14}" '
                         f'text-anchor="middle" {_FONT}>{escape(label)}</text>')
    parts.append(_legend(list(series), left, height - 12))
    parts.append("</svg>")
    return "".join(parts)


def hbars(
    items: Sequence[tuple[str, float]], *, width: int = 860, color: str = "#5c6bc0",
    fmt: str = "{:g}", title: str = "", max_value: float | None = None,
) -> str:
    """Horizontal bars, one row per ``(label, value)``, values printed at the bar end."""
    row, left = 22, 260
    height = max(len(items), 1) * row + 16
    peak = max_value or max((v for _, v in items), default=0) or 1
    plot_w = width - left - 80
    parts = [_svg_open(width, height, title)]
    if not items:
        parts.append(f'<text x="8" y="20" {_FONT}>(none)</text>')
    for i, (label, value) in enumerate(items):
        y = 8 + i * row
        w = plot_w * value / peak
        parts.append(f'<text x="{left - 8}" y="{y + 14}" text-anchor="end" {_FONT}>'
                     f"{escape(_cut(label, 40))}</text>")
        parts.append(f'<rect x="{left}" y="{y + 3}" width="{max(w, 1):.1f}" height="{row - 6}" '
                     f'fill="{color}"><title>{escape(label)}: {fmt.format(value)}</title></rect>')
        parts.append(f'<text x="{left + w + 6:.1f}" y="{y + 14}" {_FONT}>'
                     f"{escape(fmt.format(value))}</text>")
    parts.append("</svg>")
    return "".join(parts)


def grouped_by_action(
    counts: Mapping[str, Mapping[str, int]], *, width: int = 860, title: str = ""
) -> str:
    """One horizontal stacked bar per key (tenant, model), split by action."""
    row, left = 22, 200
    keys = sorted(counts, key=lambda k: -sum(counts[k].values()))[:20]
    height = max(len(keys), 1) * row + 40
    peak = max((sum(counts[k].values()) for k in keys), default=0) or 1
    plot_w = width - left - 80
    parts = [_svg_open(width, height, title)]
    for i, key in enumerate(keys):
        y = 8 + i * row
        x = float(left)
        parts.append(f'<text x="{left - 8}" y="{y + 14}" text-anchor="end" {_FONT}>'
                     f"{escape(_cut(key, 30))}</text>")
        for action, color in ACTION_COLORS.items():
            n = counts[key].get(action, 0)
            if not n:
                continue
            w = plot_w * n / peak
            parts.append(f'<rect x="{x:.1f}" y="{y + 3}" width="{w:.1f}" height="{row - 6}" '
                         f'fill="{color}"><title>{escape(key)} {action}: {n}</title></rect>')
            x += w
        parts.append(f'<text x="{x + 6:.1f}" y="{y + 14}" {_FONT}>'
                     f"{sum(counts[key].values())}</text>")
    parts.append(_legend(list(ACTION_COLORS), left, height - 10))
    parts.append("</svg>")
    return "".join(parts)


def _svg_open(width: int, height: int, title: str) -> str:
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
            f'viewBox="0 0 {width} {height}" role="img" aria-label="{escape(title)}">')


def _legend(names: Sequence[str], x: int, y: int) -> str:
    parts = []
    for name in names:
        parts.append(f'<rect x="{x}" y="{y - 9}" width="10" height="10" '
                     f'fill="{ACTION_COLORS.get(name, "#888")}"/>')
        parts.append(f'<text x="{x + 14}" y="{y}" {_FONT}>{escape(name)}</text>')
        x += 24 + 7 * len(name)
    return "".join(parts)


def _cut(text: str, n: int) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"
