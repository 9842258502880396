"""Conversation <-> text segments: what detectors see, and how rewrites go back in place.

A message can hold several texts (content parts of any type, tool-call and legacy
function-call arguments, refusals, reasoning, image URLs); each is checked and rewritten on
its own, so spans are always offsets into one contiguous string. Whatever a model would read
is a segment: a field this module skips is a field an attacker can use, so unknown content
part types are walked for every string they hold rather than ignored.

Tool *definitions* (the request's ``tools`` / legacy ``functions``) are text the model reads
too; :func:`tool_definitions` wraps them in a pseudo-message of role ``tool_definition`` so
policies can scope rules to them like any other role.

Besides the texts as sent, :func:`extract` appends *derived* segments: text hidden in an
encoding (tag characters, base64, hex, ROT13, leetspeak, spaced letters, homoglyphs; see
``guard.engine.decode``), and a user turn that stops on a dangling word joined to the next
(:func:`joined_turns`). A finding in a derived segment is reported on the segment it was
decoded from, at the span of the encoded run (:meth:`Segment.locate`).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from dataclasses import replace as dc_replace
from typing import Any

from guard.types import Finding, Message, SegmentRef

TOOL_DEFINITION = "tool_definition"
"""Role of the pseudo-message carrying a request's tool definitions."""
PAYLOAD = "~payload"
"""Role of an encoded file payload as sent: never selected by a rule (not a policy role)."""

_SURROGATE = re.compile("[\ud800-\udfff]")

# Keys whose string values are identifiers or formats, not text a model reads as prose.
_SKIP_KEYS = frozenset({
    "type", "id", "detail", "format", "mime_type", "media_type", "file_id", "cache_control",
    "role", "index", "tool_call_id", "call_id", "name", "$ref", "$schema", "$id", "signature",
    "encrypted_content", "status",
})
# Keys holding binary payloads (base64 audio, images, files): checked only when they are a
# ``data:text/...`` URL, decoded (see guard.engine.decode.data_url_text).
_BINARY_KEYS = frozenset({"data", "file_data", "b64_json"})
_MAX_WALK_DEPTH = 32
_MAX_STRINGS_PER_FIELD = 2_000
# Message-level fields that hold model-read text besides ``content``.
_MESSAGE_TEXT_FIELDS = ("function_call", "refusal", "reasoning_content", "reasoning",
                        "thinking", "audio")


def scrub(text: str) -> str:
    """Replace lone surrogates (valid JSON, invalid Unicode) with U+FFFD, keeping offsets.

    Tokenizers and UTF-8 encoders raise on them, which would turn a crafted request into a
    detector error instead of a decision.
    """
    return _SURROGATE.sub("\ufffd", text)


@dataclass(frozen=True, slots=True)
class Segment:
    """One text a detector sees.

    A derived segment (``source`` set) holds text decoded from ``source``; ``starts[i]`` and
    ``ends[i]`` give the span of ``source``'s text that derived character ``i`` came from.
    """

    ref: SegmentRef
    text: str
    source: SegmentRef | None = None
    starts: tuple[int, ...] = ()
    ends: tuple[int, ...] = ()
    kind: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "text", scrub(self.text))

    def locate(self, finding: Finding) -> Finding:
        """``finding`` attributed to the text as sent: a derived segment's finding points at
        the encoded run it was decoded from, with the decoding named in its explanation."""
        if self.source is None or not self.starts:
            return dc_replace(finding, segment=self.ref)
        last = len(self.starts) - 1
        lo = min(max(finding.start, 0), last)
        hi = min(max(finding.end, lo + 1), last + 1)
        start = min(self.starts[lo:hi])
        end = max(self.ends[lo:hi])
        note = f"decoded from {self.kind}"
        explanation = f"{finding.explanation} ({note})" if finding.explanation else note
        return dc_replace(finding, segment=self.source, start=start, end=end,
                          explanation=explanation)


def to_messages(messages: str | Sequence[Message | Mapping[str, Any]], *,
                default_role: str) -> tuple[Message, ...]:
    """Accept a bare string, Message objects or OpenAI-style dicts."""
    if isinstance(messages, str):
        return (Message(role=default_role, content=messages),)
    out = []
    for m in messages:
        if isinstance(m, Message):
            out.append(m)
        elif isinstance(m, Mapping):
            out.append(Message.from_dict(m))
        else:
            raise TypeError(f"expected a message dict or Message, got {type(m).__name__}")
    return tuple(out)


def tool_definitions(request: Mapping[str, Any]) -> Message | None:
    """The request's ``tools`` and legacy ``functions`` as one pseudo-message, or None."""
    defs = {k: request[k] for k in ("tools", "functions")
            if isinstance(request.get(k), list) and request[k]}
    return Message(role=TOOL_DEFINITION, content=None, extra=defs) if defs else None


def apply_tool_definitions(request: dict[str, Any], message: Message) -> dict[str, Any]:
    """``request`` with its tool definitions taken from a (rewritten) pseudo-message."""
    return {**request, **{k: v for k, v in message.extra.items() if k in ("tools", "functions")}}


# --- extraction ------------------------------------------------------------------------------

Path = tuple[str | int, ...]


def _strings(value: Any, path: Path, depth: int = 0) -> Iterator[tuple[Path, str]]:
    """Every model-readable string under ``value`` (identifier-like keys skipped)."""
    if depth > _MAX_WALK_DEPTH:
        return
    if isinstance(value, str):
        if value:
            yield path, value
    elif isinstance(value, Mapping):
        for key, item in value.items():
            if not isinstance(key, str) or key in _SKIP_KEYS:
                continue
            if key in _BINARY_KEYS:
                continue  # binary payloads: see _binary_texts
            if key in ("url", "image_url") and isinstance(item, str) and item.startswith("data:"):
                continue  # inline image/audio bytes: not text (see docs/security.md)
            yield from _strings(item, (*path, key), depth + 1)
    elif isinstance(value, list | tuple):
        for i, item in enumerate(value):
            yield from _strings(item, (*path, i), depth + 1)


def _binary_texts(value: Any, path: Path, depth: int = 0) -> Iterator[tuple[Path, str]]:
    """Binary-payload fields (``data``, ``file_data`` ...) as sent, for decoding."""
    if depth > _MAX_WALK_DEPTH:
        return
    if isinstance(value, Mapping):
        for key, item in value.items():
            if key in _BINARY_KEYS and isinstance(item, str):
                yield (*path, key), item
            elif isinstance(key, str) and key not in _SKIP_KEYS:
                yield from _binary_texts(item, (*path, key), depth + 1)
    elif isinstance(value, list | tuple):
        for i, item in enumerate(value):
            yield from _binary_texts(item, (*path, i), depth + 1)


def _bounded(items: Iterator[tuple[Path, str]]) -> Iterator[tuple[Path, str]]:
    for n, item in enumerate(items):
        if n >= _MAX_STRINGS_PER_FIELD:
            return
        yield item


def _message_texts(message: Message) -> Iterator[tuple[Path, str]]:
    content = message.content
    if isinstance(content, str):
        yield ("content",), content
    elif isinstance(content, tuple):
        for j, part in enumerate(content):
            yield from _bounded(_strings(part, ("content", j)))
    extra = message.extra
    for j, call in enumerate(extra.get("tool_calls") or ()):
        if isinstance(call, Mapping):
            yield from _bounded(_strings(call, ("tool_calls", j)))
    for key in _MESSAGE_TEXT_FIELDS:
        if key in extra:
            yield from _bounded(_strings(extra[key], (key,)))
    if message.role == TOOL_DEFINITION:
        for key in ("tools", "functions"):
            yield from _bounded(_strings(extra.get(key) or (), (key,)))


def _binary_fields(message: Message) -> Iterator[tuple[Path, str]]:
    if isinstance(message.content, tuple):
        for j, part in enumerate(message.content):
            yield from _bounded(_binary_texts(part, ("content", j)))


def extract(messages: Sequence[Message], *, decode: bool = True,
            decode_chars: int | None = None) -> list[Segment]:
    """Every text the model would read, then the text decoded from them (if ``decode``; from
    each text's first ``decode_chars`` characters when set)."""
    from guard.engine.decode import data_url_text, derive

    segments: list[Segment] = []
    files: list[Segment] = []
    for i, message in enumerate(messages):
        for path, text in _message_texts(message):
            segments.append(Segment(SegmentRef(i, format_part(path), message.role), text))
        for path, raw in _binary_fields(message):
            decoded = data_url_text(raw) if decode else None
            if decoded is None:
                continue
            # The payload as sent is a segment no rule selects (it is not prose); its decoded
            # text is checked under the message's role and maps back onto the whole payload.
            payload = Segment(SegmentRef(i, format_part(path), PAYLOAD), raw)
            segments.append(payload)
            files.append(Segment(SegmentRef(i, payload.ref.part + "~file", message.role),
                                 decoded, source=payload.ref, starts=(0,) * len(decoded),
                                 ends=(len(raw),) * len(decoded), kind="data URL"))
    if not decode:
        return segments
    return (segments + files + joined_turns(segments)
            + derive([s for s in segments if s.ref.role != PAYLOAD] + files, decode_chars))


_DANGLING = re.compile(
    r"(?:^|[\s'’])(?:a|an|the|to|of|for|with|and|or|how|into|from|about|my|your|some|make|"
    r"build|create|making|building|without|using|by|un|une|le|la|les|l|des|du|de|d|à|au|aux|"
    r"pour|avec|et|ou|comment|fabriquer|faire|créer|creer|construire|sans|mon|ma|mes|ton|ta|"
    r"tes|son|sa|ses|sur|dans|par)\s*$", re.IGNORECASE)
"""A turn that stops on a word no sentence ends with ("How do I make a", "Comment fabriquer")
goes on in the next. Turns without a final full stop are common in chat ("hello", "mail
jane@example.com"): joining those cost every such conversation another check of each turn
(Presidio's NER included), and joining every pair of turns blocked 2 more of MT-Bench's 80
two-turn conversations (scores 0.50 and 0.56 on two unrelated questions read as one)."""
JOIN_MAX_CHARS = 1000
"""Longest user text :func:`joined_turns` joins: a request split across turns is split into
short halves; long texts are read whole on their own."""


def joined_turns(segments: Sequence[Segment]) -> list[Segment]:
    """The last user message's text with the previous user message's text before it, as one
    derived segment, when that one stops on a dangling word: "How do I make a" + "pipe bomb at
    home?" sent as two turns is read whole (each half passed on its own). A finding that lies
    in the earlier turn maps to an empty span of the last message (it is reported there and
    blocks; a rewrite edits nothing in a text it did not come from)."""
    last_text: dict[int, Segment] = {}
    for segment in segments:
        if segment.ref.role == "user" and segment.source is None and segment.text.strip():
            last_text[segment.ref.message_index] = segment
    if len(last_text) < 2:
        return []
    *_, before, after = (last_text[i] for i in sorted(last_text))
    if (len(before.text) > JOIN_MAX_CHARS or len(after.text) > JOIN_MAX_CHARS
            or not _DANGLING.search(before.text)):
        return []
    lead = before.text + "\n"
    return [Segment(SegmentRef(after.ref.message_index, f"{after.ref.part}~turns", "user"),
                    lead + after.text, source=after.ref,
                    starts=(0,) * len(lead) + tuple(range(len(after.text))),
                    ends=(0,) * len(lead) + tuple(range(1, len(after.text) + 1)),
                    kind="joined user turns")]


# --- part paths ------------------------------------------------------------------------------

_IDENT = re.compile(r"[A-Za-z_$][\w$\-]*")
_TOKEN = re.compile(r'\.?([A-Za-z_$][\w$\-]*)|\[(\d+)\]|\[("(?:[^"\\]|\\.)*")\]')
_PART = re.compile(r"^content\[(\d+)\]$")
_TOOL = re.compile(r"^tool_calls\[(\d+)\]\.arguments$")


def format_part(path: Path) -> str:
    """A field path as ``SegmentRef.part``; the historical short forms are kept:
    ``content[i]`` is a part's ``text`` and ``tool_calls[i].arguments`` a call's arguments."""
    if len(path) == 3 and path[0] == "content" and path[2] == "text":
        return f"content[{path[1]}]"
    if (len(path) == 4 and path[0] == "tool_calls" and path[2] == "function"
            and path[3] == "arguments"):
        return f"tool_calls[{path[1]}].arguments"
    out = []
    for key in path:
        if isinstance(key, int):
            out.append(f"[{key}]")
        elif _IDENT.fullmatch(key):
            out.append(f".{key}" if out else key)
        else:
            out.append(f"[{json.dumps(key)}]")
    return "".join(out)


def parse_part(part: str) -> Path:
    """Inverse of :func:`format_part`."""
    if m := _PART.match(part):
        return ("content", int(m.group(1)), "text")
    if m := _TOOL.match(part):
        return ("tool_calls", int(m.group(1)), "function", "arguments")
    path: list[str | int] = []
    pos = 0
    while pos < len(part):
        m = _TOKEN.match(part, pos)
        if m is None:
            raise ValueError(f"bad segment part {part!r}")
        name, index, quoted = m.groups()
        path.append(name if name is not None else int(index) if index is not None
                    else json.loads(quoted))
        pos = m.end()
    return tuple(path)


# --- rewriting back in place -----------------------------------------------------------------

def replace(messages: Sequence[Message],
            new_texts: Mapping[SegmentRef, str]) -> tuple[Message, ...]:
    """Return ``messages`` with the given segments' texts replaced."""
    by_message: dict[int, dict[str, str]] = {}
    for ref, text in new_texts.items():
        by_message.setdefault(ref.message_index, {})[ref.part] = text
    out = []
    for i, message in enumerate(messages):
        changes = by_message.get(i)
        out.append(message if not changes else _replace_in(message, changes))
    return tuple(out)


def _set(container: Any, path: Path, text: str) -> Any:
    """A copy of ``container`` with the string at ``path`` replaced (copy on write)."""
    if not path:
        return text
    key, rest = path[0], path[1:]
    if isinstance(container, Mapping) and isinstance(key, str):
        copy = dict(container)
        copy[key] = _set(copy.get(key), rest, text)
        return copy
    if isinstance(container, list | tuple) and isinstance(key, int) and key < len(container):
        items = list(container)
        items[key] = _set(items[key], rest, text)
        return tuple(items) if isinstance(container, tuple) else items
    return container


def _replace_in(message: Message, changes: Mapping[str, str]) -> Message:
    data: Any = {"content": message.content, **message.extra}
    for part, text in changes.items():
        data = _set(data, parse_part(part), text)
    content = data.pop("content")
    if isinstance(content, list):
        content = tuple(content)
    return Message(role=message.role, content=content, extra=data)
