"""Prometheus metrics of the sidecar, on a registry owned by one app instance.

A per-app :class:`~prometheus_client.CollectorRegistry` (not the global one) lets several apps
live in one process (tests, embedded use) without "duplicated timeseries" errors.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric

from guard.engine.cache import VerdictCache
from guard.ml.counters import window_counts

_LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28,
                    2.56, 5.12, 10.24, 30.0)


class SidecarMetrics:
    """The sidecar's counters and histograms (names prefixed ``guard_sidecar_``)."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.requests = Counter("guard_sidecar_requests", "HTTP requests by route and status.",
                                ["route", "status"], registry=r)
        self.latency = Histogram("guard_sidecar_request_seconds",
                                 "Wall time until the response (or stream) ends.", ["route"],
                                 buckets=_LATENCY_BUCKETS, registry=r)
        self.in_flight = Gauge("guard_sidecar_in_flight", "Requests being served.", registry=r)
        self.rejected = Counter("guard_sidecar_rejected",
                                "Requests refused before handling (busy, too large).",
                                ["reason"], registry=r)
        self.decisions = Counter("guard_sidecar_decisions", "Guard decisions by stage and action.",
                                 ["stage", "action"], registry=r)
        self.check_seconds = Histogram("guard_sidecar_check_seconds",
                                       "Time spent in guard checks.", ["stage"],
                                       buckets=_LATENCY_BUCKETS, registry=r)
        self.upstream_seconds = Histogram("guard_sidecar_upstream_seconds",
                                          "Upstream time to response headers.", ["upstream"],
                                          buckets=_LATENCY_BUCKETS, registry=r)
        self.upstream_errors = Counter("guard_sidecar_upstream_errors",
                                       "Upstream failures by upstream and HTTP status sent.",
                                       ["upstream", "status"], registry=r)
        self.upstream_attempts = Counter(
            "guard_sidecar_upstream_attempts",
            "Upstream tries by target (group or upstream), member and outcome (ok, "
            "connect_error, dropped, timeout, deadline, status_429, status_5xx, status_4xx, "
            "bad_response, failed_mid_stream).", ["target", "upstream", "outcome"], registry=r)
        self.upstream_failovers = Counter(
            "guard_sidecar_upstream_failovers",
            "Moves to another try after a failed one, by target and the member that failed.",
            ["target", "from_upstream"], registry=r)
        self.upstream_breaker_state = Gauge(
            "guard_sidecar_upstream_breaker_state",
            "Circuit breaker per upstream: 0 closed, 1 half-open, 2 open.", ["upstream"],
            registry=r)
        self.upstream_breaker_transitions = Counter(
            "guard_sidecar_upstream_breaker_transitions",
            "Circuit breaker transitions per upstream, by the state entered.",
            ["upstream", "state"], registry=r)
        self.stream_held = Histogram("guard_sidecar_stream_checks",
                                     "Hold-back checks per streamed choice.",
                                     buckets=(1, 2, 4, 8, 16, 32, 64, 128, 256), registry=r)
        self.ready = Gauge("guard_sidecar_ready", "1 when detectors are loaded.", registry=r)
        self.reloads = Counter("guard_sidecar_reloads", "Config/policy reloads by result "
                               "(ok, failed) and trigger (sighup, admin).",
                               ["result", "trigger"], registry=r)
        self.config_version = Gauge("guard_sidecar_config_version",
                                    "Version of the config/policies now served (1 at start, "
                                    "+1 per successful reload).", registry=r)
        self.config_version.set(1)
        self.quota_requests = Counter("guard_sidecar_quota_requests",
                                      "Requests counted against tenant limits.", ["tenant"],
                                      registry=r)
        self.quota_tokens = Counter("guard_sidecar_quota_tokens",
                                    "Tokens charged against tenant limits (estimate, then the "
                                    "upstream's usage).", ["tenant"], registry=r)
        self.quota_rejected = Counter("guard_sidecar_quota_rejected",
                                      "Requests refused with 429 by a tenant limit.",
                                      ["tenant", "limit"], registry=r)
        self.quota_errors = Counter("guard_sidecar_quota_errors",
                                    "Quota store failures (the request was let through).",
                                    registry=r)

    def watch_caches(self, caches: Callable[[], Iterable[VerdictCache]]) -> None:
        """Expose the verdict caches' size and hit rate (read at each scrape)."""
        self.registry.register(_CacheCollector(caches))

    def watch_classifiers(self) -> None:
        """Expose the process's classifier window counts (read at each scrape)."""
        self.registry.register(_WindowCollector())

    def render(self) -> bytes:
        return generate_latest(self.registry)


class _CacheCollector:
    """``guard_sidecar_verdict_cache_*``: entries, capacity, hits, misses and hit ratio of the
    verdict caches the sidecar's guards use (usually the one process-wide cache)."""

    def __init__(self, caches: Callable[[], Iterable[VerdictCache]]) -> None:
        self._caches = caches

    def collect(self) -> Iterator[Metric]:
        unique = {id(c): c for c in self._caches()}
        stats = [c.stats() for c in unique.values()]
        hits = sum(s.hits for s in stats)
        misses = sum(s.misses for s in stats)
        name = "guard_sidecar_verdict_cache"
        yield GaugeMetricFamily(f"{name}_entries", "Detector verdicts held (hashes and "
                                "findings only).", value=sum(s.entries for s in stats))
        yield GaugeMetricFamily(f"{name}_max_entries", "Verdict cache capacity.",
                                value=sum(s.max_entries for s in stats))
        yield CounterMetricFamily(f"{name}_hits", "Detector runs saved by the cache.",
                                  value=hits)
        yield CounterMetricFamily(f"{name}_misses", "Detector runs the cache could not save.",
                                  value=misses)
        yield GaugeMetricFamily(f"{name}_hit_ratio", "hits / (hits + misses) since start.",
                                value=hits / (hits + misses) if hits + misses else 0.0)


class _WindowCollector:
    """``guard_sidecar_classifier_windows{outcome}``: classifier windows the cascade's screen
    cleared, the encoder's window cache served, and the encoder ran, since the process
    started (the cascade's saving is cleared / all)."""

    def collect(self) -> Iterator[Metric]:
        counts = window_counts()
        family = CounterMetricFamily("guard_sidecar_classifier_windows",
                                     "Classifier token windows by outcome.", labels=["outcome"])
        for outcome in ("cleared", "cached", "encoded"):
            family.add_metric([outcome], getattr(counts, outcome))
        yield family
