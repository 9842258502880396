"""Detectors that ask a model served elsewhere: a GPU-served guard model, a hosted moderation API.

They share :mod:`.http` (one client per event loop, timeouts, retries with backoff on 429/5xx,
a concurrency limit) and :mod:`.base` (settings every remote detector takes, API key read from
the environment variable the policy names, bounded result cache keyed by content hash).
"""
