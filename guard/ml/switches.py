"""Operator switches in the environment for the classifiers' optional stages."""

from __future__ import annotations

import os

_OFF = ("off", "0", "false", "no")


def switched_on(variable: str) -> bool:
    """False when ``variable`` is ``off`` (or ``0``/``false``/``no``); on when unset."""
    return os.environ.get(variable, "").strip().lower() not in _OFF
