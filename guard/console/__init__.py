"""Compliance console: review flagged decisions in a browser, with reviews in the audit chain.

Served by the sidecar under ``/console`` when its config has a ``console:`` section
(:func:`guard.console.server.console_for_sidecar`), or on its own by ``guard console
--audit-url URL`` (:func:`guard.console.server.create_standalone_app`). See ``docs/console.md``.
"""

from __future__ import annotations

from guard.console.config import ConsoleConfig, ConsoleUser

__all__ = ["ConsoleConfig", "ConsoleUser"]
