"""Text normalisation that defeats cheap evasions while keeping offsets into the original.

Blocklists are easy to dodge: ``ki\u200bll``, ``кill`` (Cyrillic k), ``k1ll``, ``k i l l``,
fullwidth letters, stray accents. Matching runs on a *normalised* copy of the text, and every
normalised character remembers which original characters it came from, so a match is
reported as a span of the text the user actually sent (and can be masked there).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from enum import StrEnum

# Invisible characters used to split words: zero-width, joiners, bidi controls, BOM, soft hyphen.
_INVISIBLE = {
    "\u00ad", "\u034f", "\u061c", "\u115f", "\u1160", "\u17b4", "\u17b5", "\u180e",
    "\u200b", "\u200c", "\u200d", "\u200e", "\u200f", "\u202a", "\u202b", "\u202c",
    "\u202d", "\u202e", "\u2060", "\u2061", "\u2062", "\u2063", "\u2064", "\u2066",
    "\u2067", "\u2068", "\u2069", "\u206a", "\u206b", "\u206c", "\u206d", "\u206e",
    "\u206f", "\ufeff", "\u3164", "\uffa0",
}

SMALL_CAPITALS = "ᴀʙᴄᴅᴇꜰɢʜɪᴊᴋʟᴍɴᴏᴘʀꜱᴛᴜᴠᴡʏᴢ"
"""Latin small capitals ("fancy text"): no compatibility decomposition, so NFKC keeps them."""

# Letters from other scripts that render like Latin ones (after case folding).
_HOMOGLYPHS = {
    # Cyrillic
    "а": "a", "в": "b", "е": "e", "ё": "e", "к": "k", "м": "m", "н": "h", "о": "o", "р": "p",
    "с": "c", "т": "t", "у": "y", "х": "x", "ѕ": "s", "і": "i", "ї": "i", "ј": "j", "ԁ": "d",
    "ɡ": "g", "ӏ": "l", "ԛ": "q", "ԝ": "w", "ь": "b", "п": "n", "г": "r",
    # Greek
    "α": "a", "β": "b", "ε": "e", "η": "n", "ι": "i", "κ": "k", "ν": "v", "ο": "o", "ρ": "p",
    "τ": "t", "υ": "u", "χ": "x", "ω": "w", "ς": "s", "σ": "o", "μ": "u",
    # Latin lookalikes and IPA
    "ı": "i", "ȷ": "j", "ł": "l", "ø": "o", "đ": "d", "ħ": "h", "ß": "ss",
    # Coptic, Armenian and Lisu letters that render like Latin ones (Unicode TR39 confusables)
    "ⲟ": "o", "ⲣ": "p", "ⲥ": "c", "ⲭ": "x", "ⲅ": "r", "օ": "o", "ս": "u", "հ": "h", "ո": "n",
    "զ": "q", "ց": "g",
    **dict(zip("ꓮꓐꓚꓓꓰꓝꓖꓧꓲꓙꓗꓡꓟꓠꓳꓑꓣꓢꓔꓴꓦꓪꓫꓬꓜ", "abcdefghijklmnoprstuvwxyz", strict=True)),
    # "Fancy text" generators: small capitals, negative squared and circled letters, regional
    # indicators (NFKC folds the mathematical, fullwidth, circled and squared ones already).
    **dict(zip(SMALL_CAPITALS, "abcdefghijklmnoprstuvwyz", strict=True)),
    **{chr(0x1F170 + i): chr(97 + i) for i in range(26)},
    **{chr(0x1F150 + i): chr(97 + i) for i in range(26)},
    **{chr(0x1F1E6 + i): chr(97 + i) for i in range(26)},
}

# Leetspeak digits and symbols. Applied only in aggressive mode, on both the blocklist and the
# text, so ``k1ll`` and ``kill`` meet in the middle.
_LEET = {
    "0": "o", "1": "i", "!": "i", "|": "i", "3": "e", "4": "a", "@": "a", "5": "s", "$": "s",
    "7": "t", "+": "t", "8": "b", "9": "g", "6": "g", "2": "z", "€": "e", "£": "l",
}
# After leet mapping, 'l' and 'i' are too close to tell apart ("k1ll" vs "kill" vs "ki11").
_SKELETON = {"l": "i"}


class Level(StrEnum):
    """How far normalisation goes.

    - ``none``: the text as sent.
    - ``basic``: NFKC, case folding, invisible characters removed, homoglyphs and accents
      folded. Safe for regexes over digits (phone numbers, keys).
    - ``aggressive``: basic + leetspeak + spaced-out letters collapsed ("k i l l" -> "kill").
      For word blocklists only: it rewrites digits.
    """

    NONE = "none"
    BASIC = "basic"
    AGGRESSIVE = "aggressive"


@dataclass(frozen=True, slots=True)
class Normalized:
    """A normalised text and, for each of its characters, the original span it came from."""

    text: str
    starts: tuple[int, ...]
    ends: tuple[int, ...]
    original_length: int
    joints: frozenset[int] = frozenset()
    """Positions where a spaced-out run was joined ("k i l l" -> "kill"): each one is a word
    boundary in the original text even though the normalised text has none there."""

    def is_boundary(self, pos: int) -> bool:
        """True if a word may start or end at ``pos`` of the normalised text."""
        if pos <= 0 or pos >= len(self.text) or pos in self.joints:
            return True
        return not (_is_word(self.text[pos - 1]) and _is_word(self.text[pos]))

    def span(self, start: int, end: int) -> tuple[int, int]:
        """Map a ``[start, end)`` span of the normalised text back to the original text."""
        if start >= end or not self.text:
            pos = self.starts[start] if start < len(self.starts) else self.original_length
            return pos, pos
        return self.starts[start], self.ends[end - 1]


def _is_word(ch: str) -> bool:
    return ch.isalnum()


def _fold_char(ch: str, level: Level, next_ch: str = "") -> str:
    if ch in _INVISIBLE or unicodedata.category(ch) == "Cf":
        return ""
    out = []
    for c in unicodedata.normalize("NFKC", ch).casefold():
        decomposed = unicodedata.normalize("NFKD", c)
        base = "".join(d for d in decomposed if not unicodedata.combining(d)) or c
        for b in base:
            b = _HOMOGLYPHS.get(b, b)
            # A symbol counts as a letter only inside a word ("k!ll", "$hit"), never as
            # punctuation after one ("gamma!").
            if level is Level.AGGRESSIVE and (b.isalnum() or next_ch.isalnum()):
                b = _LEET.get(b, b)
                b = "".join(_SKELETON.get(x, x) for x in b)
            out.append(b)
    return "".join(out)


def normalize(text: str, level: Level | str = Level.BASIC) -> Normalized:
    """Normalise ``text`` and keep the offset map."""
    level = Level(level)
    if level is Level.NONE or (level is Level.BASIC and text.isascii()):
        # Pure ASCII has no invisible, combining, compatibility or homoglyph characters:
        # basic folding is just lower case, one character for one.
        idx = tuple(range(len(text)))
        folded = text.lower() if level is Level.BASIC else text
        return Normalized(folded, idx, tuple(i + 1 for i in idx), len(text))
    chars: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    for i, ch in enumerate(text):
        if unicodedata.combining(ch) and chars:
            ends[-1] = i + 1  # a stray combining mark belongs to the previous letter
            continue
        next_ch = text[i + 1] if i + 1 < len(text) else ""
        for c in _fold_char(ch, level, next_ch):
            chars.append(c)
            starts.append(i)
            ends.append(i + 1)
    result = Normalized("".join(chars), tuple(starts), tuple(ends), len(text))
    if level is Level.AGGRESSIVE:
        result = _collapse_spaced_letters(result)
    return result


# Three or more single letters separated by one separator each: "k i l l", "k.i.l.l", "k-i-l-l".
_SPACED = re.compile(r"(?<![^\W_])(?:[^\W_][\s.\-_*,/\\]{1,2}){2,}[^\W_](?![^\W_])")
_SEPARATOR = re.compile(r"[\s.\-_*,/\\]")


def _collapse_spaced_letters(norm: Normalized) -> Normalized:
    chars = list(norm.text)
    keep = [True] * len(chars)
    for match in _SPACED.finditer(norm.text):
        for i in range(match.start(), match.end()):
            if _SEPARATOR.fullmatch(chars[i]):
                keep[i] = False
    if all(keep):
        return norm
    idx = [i for i, k in enumerate(keep) if k]
    joints = frozenset(n for n, i in enumerate(idx) if n > 0 and idx[n - 1] != i - 1)
    return Normalized(
        "".join(chars[i] for i in idx),
        tuple(norm.starts[i] for i in idx),
        tuple(norm.ends[i] for i in idx),
        norm.original_length,
        joints,
    )


def skeleton(term: str, level: Level | str = Level.AGGRESSIVE) -> str:
    """Normalise a blocklist term the same way texts are, so both meet in the middle."""
    return normalize(term, level).text
