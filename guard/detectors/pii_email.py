"""E-mail addresses written so a pattern would miss them: ``jane.doe [at] example [dot] com``.

People write addresses this way to keep them from scrapers, and it hides them from Presidio's
e-mail recognizer too, so a masked prompt or answer still carried them. The ``at`` must be
bracketed (``[at]``, ``(at)``, ``{at}``, ``<at>``, French ``[arobase]``), or the ``@`` kept with a
defanged dot (``jane@example[.]com``): a bare "at ... dot com" reads like prose ("look at this
dot com bubble"). The finding is an ``EMAIL_ADDRESS``, masked like any other.

In a stream, these are held by the policy's window (``stream_window_chars``, 64 in the shipped
policies: longer than such an address), not by their own partial match as other identifiers
are: any last word of an answer could be the start of one, so that hold would never release
the answer's last word. A policy with a window shorter than the address can release its first
part before the ``[at]`` arrives.
"""

from __future__ import annotations

import re

from presidio_analyzer import Pattern, PatternRecognizer

from guard.detectors.pii import BRACKETED_AT

_LOCAL = r"(?<![\w.%+-])[A-Za-z0-9][A-Za-z0-9._%+-]{0,63}"
_AT = rf"\s*(?:{BRACKETED_AT})\s*"
_DOT = r"\s*(?:[\[({<]\s*(?:dot|point|\.)\s*[\])}>]|\.|\s(?:dot|point)\s)\s*"
_DEFANGED_DOT = r"\s*[\[({<]\s*(?:dot|point|\.)\s*[\])}>]\s*"
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_TLD = r"[A-Za-z]{2,24}(?![\w-])"

OBFUSCATED_AT = _LOCAL + _AT + rf"(?:{_LABEL}{_DOT}){{1,4}}" + _TLD
DEFANGED_DOT = _LOCAL + r"@" + rf"(?:{_LABEL}(?:{_DEFANGED_DOT}|\.)){{0,3}}{_LABEL}" \
    + _DEFANGED_DOT + _TLD


class ObfuscatedEmailRecognizer(PatternRecognizer):
    def __init__(self, language: str = "en") -> None:
        super().__init__(
            supported_entity="EMAIL_ADDRESS",
            patterns=[Pattern("email_obfuscated_at", OBFUSCATED_AT, 0.8),
                      Pattern("email_defanged_dot", DEFANGED_DOT, 0.8)],
            supported_language=language,
            global_regex_flags=re.IGNORECASE | re.MULTILINE | re.DOTALL,
        )
