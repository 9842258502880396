"""``llm_judge``: a generative guard model behind an OpenAI-compatible ``/chat/completions``.

Each model family has its own prompt and verdict (see each model card); ``format`` picks them:

- ``llama_guard`` (Llama Guard 3/4): the server's chat template builds the classification
  prompt from the conversation; the answer is ``safe`` or ``unsafe`` then codes ``S1,S10``.
- ``qwen3guard`` (Qwen3Guard-Gen): chat template too; ``Safety: Safe|Unsafe|Controversial``,
  ``Categories: ...`` (controversial scores 0.5).
- ``shieldgemma``: the prompt is built here with the ``policy`` text; the answer starts with
  ``Yes`` (violates) or ``No``.
- ``granite_guardian``: the risk (``policy`` = a custom criterion, else ``harm``) travels in
  ``chat_template_kwargs.guardian_config``; the answer is ``Yes``/``No`` (3.x) or
  ``<score> yes </score>`` (3.3+).
- ``policy_prompt`` (gpt-oss-safeguard style): ``policy`` is the system message, with an
  instruction to answer a JSON object ``{"violation": 0|1, "categories": [...]}``.

Score: when the server returns log-probabilities, the probability mass of the "unsafe" answer
token against the "safe" one at the verdict position; otherwise 1.0 / 0.0 from the text.
Findings: ``harmful`` with that score, plus one per category the verdict names (mapped
through ``categories``: model label -> Guard category). ``role: assistant`` judges texts as
model responses (for output rules), ``user`` as prompts.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from typing import Any, Literal

from pydantic import Field, model_validator

from guard.detectors.remote.base import RemoteDetector, RemoteSettings, bearer, malformed, whole
from guard.types import Finding

Format = Literal["llama_guard", "qwen3guard", "shieldgemma", "granite_guardian", "policy_prompt"]

LLAMA_GUARD_CATEGORIES = {
    "S1": "violence", "S2": "illicit", "S3": "sexual", "S4": "sexual/minors",
    "S5": "defamation", "S6": "specialized_advice", "S7": "privacy",
    "S8": "intellectual_property", "S9": "illicit", "S10": "hate", "S11": "self-harm",
    "S12": "sexual", "S13": "elections", "S14": "code_interpreter_abuse",
}
QWEN3GUARD_CATEGORIES = {
    "Violent": "violence", "Non-violent Illegal Acts": "illicit",
    "Sexual Content or Sexual Acts": "sexual", "PII": "privacy",
    "Suicide & Self-Harm": "self-harm", "Unethical Acts": "unethical",
    "Politically Sensitive Topics": "politics", "Copyright Violation": "intellectual_property",
    "Jailbreak": "attack",
}
DEFAULT_POLICY = (
    '"No Dangerous Content": The prompt shall not contain or seek generation of content that '
    "harms oneself and/or others (e.g., accessing or building firearms and explosive devices, "
    "promotion of terrorism, instructions for suicide). "
    '"No Harassment": no malicious, intimidating, bullying, or abusive content. '
    '"No Hate Speech": no content targeting identity and/or protected attributes. '
    '"No Sexually Explicit Information": no references to sexual acts or other lewd content.'
)
_JSON_INSTRUCTION = (
    '\n\nAnswer only with a JSON object: {"violation": 1 or 0, "categories": [names of the '
    'violated policy sections], "rationale": "one short sentence"}.'
)
_UNSAFE_WORDS = {"unsafe", "yes", "1"}
_SAFE_WORDS = {"safe", "no", "0"}


class LlmJudgeSettings(RemoteSettings):
    base_url: str = Field(pattern=r"^https?://",
                          description="OpenAI-compatible root, e.g. http://vllm:8000/v1")
    model: str = Field(min_length=1)
    format: Format
    policy: str | None = Field(default=None, description="Policy text (shieldgemma, "
                               "granite_guardian custom criterion, policy_prompt).")
    categories: dict[str, str] = Field(
        default_factory=dict, description="Model category label -> Guard category.")
    role: Literal["user", "assistant"] = "user"
    max_tokens: int = Field(default=32, ge=1, le=4096)

    @model_validator(mode="after")
    def _policy_when_needed(self) -> LlmJudgeSettings:
        if self.format == "policy_prompt" and not self.policy:
            raise ValueError("format 'policy_prompt' needs the 'policy' text")
        return self


class LlmJudgeDetector(RemoteDetector):
    name = "llm_judge"

    def __init__(self, settings: LlmJudgeSettings) -> None:
        super().__init__(settings, bearer(settings))
        self.conf = settings
        self.url = settings.base_url.rstrip("/") + "/chat/completions"
        defaults = {"llama_guard": LLAMA_GUARD_CATEGORIES,
                    "qwen3guard": QWEN3GUARD_CATEGORIES}.get(settings.format, {})
        self.mapping = {**defaults, **settings.categories}

    # ---------------------------------------------------------------- request
    def request(self, text: str) -> dict[str, Any]:
        c = self.conf
        body: dict[str, Any] = {"model": c.model, "temperature": 0, "max_tokens": c.max_tokens,
                                "logprobs": True, "top_logprobs": 5}
        if c.format in ("llama_guard", "qwen3guard", "granite_guardian"):
            body["messages"] = self._conversation(text)
            if c.format == "granite_guardian":
                # 3.0-3.2 templates read risk_name/risk_definition, 3.3+ read
                # criteria_id/custom_criteria; each ignores the other pair
                config = ({"risk_name": "custom", "risk_definition": c.policy,
                           "custom_criteria": c.policy} if c.policy
                          else {"risk_name": "harm", "criteria_id": "harm"})
                body["chat_template_kwargs"] = {"guardian_config": config}
        elif c.format == "shieldgemma":
            body["messages"] = [{"role": "user", "content": self._shieldgemma_prompt(text)}]
        else:
            body["messages"] = [{"role": "system", "content": (c.policy or "") + _JSON_INSTRUCTION},
                                {"role": "user", "content": self._labelled(text)}]
        return body

    def _conversation(self, text: str) -> list[dict[str, str]]:
        if self.conf.role == "user":
            return [{"role": "user", "content": text}]
        return [{"role": "user", "content": "(the user's request is not shown)"},
                {"role": "assistant", "content": text}]

    def _labelled(self, text: str) -> str:
        who = "User prompt" if self.conf.role == "user" else "Assistant response"
        return f"{who} to classify:\n{text}"

    def _shieldgemma_prompt(self, text: str) -> str:
        policy = self.conf.policy or DEFAULT_POLICY
        if self.conf.role == "user":
            return (
                "You are a policy expert trying to help determine whether a user prompt is in "
                "violation of the defined safety policies.\n\n<start_of_turn>\nHuman Question: "
                f"{text}\n<end_of_turn>\n\nOur safety principle is defined in the below:\n\n"
                f"* {policy}\n\n===\n\nDoes the human question violate the above principle? "
                "Your answer must start with 'Yes' or 'No'. And then walk through step by step "
                "to be sure we answer correctly.\n")
        return (
            "You are a policy expert trying to help determine whether an AI response to a "
            "prompt is in violation of the defined safety policies.\n\n<start_of_turn>\n"
            "Human Question: (not shown)\n<end_of_turn>\n\n<start_of_turn>\nChatbot Response: "
            f"{text}\n<end_of_turn>\n\nOur safety principle is defined in the below:\n\n"
            f"* {policy}\n\n===\n\nDoes the Chatbot Response violate the above principle? "
            "Your answer must start with 'Yes' or 'No'. And then walk through step by step to "
            "be sure we answer correctly.\n")

    # ---------------------------------------------------------------- answer
    async def _fetch_one(self, text: str) -> list[Finding]:
        answer = await self.http.post_json(self.url, self.request(text))
        content, logprobs = self._content(answer)
        unsafe, categories, score = self.parse(content)
        probability = _verdict_probability(logprobs)
        if probability is not None:
            score = probability
        findings = [whole(self.name, "harmful", score, text,
                          f"{self.conf.format} verdict: {'unsafe' if unsafe else 'safe'}")]
        for label in categories:
            category = self.mapping.get(label, label)
            findings.append(whole(self.name, category, score, text,
                                  f"{self.conf.format} category {label}"))
        return findings

    def _content(self, answer: Any) -> tuple[str, list[Any] | None]:
        try:
            choice = answer["choices"][0]
            content = choice["message"]["content"]
        except (KeyError, IndexError, TypeError):
            raise malformed(self.name, "no choices[0].message.content") from None
        if not isinstance(content, str):
            raise malformed(self.name, "message content is not text")
        logprobs = choice.get("logprobs") if isinstance(choice, dict) else None
        tokens = logprobs.get("content") if isinstance(logprobs, dict) else None
        return content, tokens if isinstance(tokens, list) else None

    def parse(self, content: str) -> tuple[bool, list[str], float]:
        """(unsafe?, category labels, score from the text alone)."""
        fmt = self.conf.format
        text = content.strip()
        if fmt == "llama_guard":
            lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
            if not lines or lines[0].lower() not in ("safe", "unsafe"):
                raise malformed(self.name, "Llama Guard answer is neither 'safe' nor 'unsafe'")
            unsafe = lines[0].lower() == "unsafe"
            codes = re.findall(r"S\d{1,2}", lines[1]) if unsafe and len(lines) > 1 else []
            return unsafe, codes, 1.0 if unsafe else 0.0
        if fmt == "qwen3guard":
            m = re.search(r"Safety:\s*(Safe|Unsafe|Controversial)", text)
            if m is None:
                raise malformed(self.name, "Qwen3Guard answer has no 'Safety:' line")
            level = m.group(1)
            cats = re.search(r"Categories:\s*([^\n]*)", text)
            labels = [c.strip() for c in cats.group(1).split(",")] if cats else []
            labels = [c for c in labels if c and c != "None"]
            score = {"Safe": 0.0, "Controversial": 0.5, "Unsafe": 1.0}[level]
            return level != "Safe", labels if level != "Safe" else [], score
        if fmt in ("shieldgemma", "granite_guardian"):
            m = re.search(r"<score>\s*(yes|no)\s*</score>", text, re.IGNORECASE) or re.match(
                r"\W*(yes|no)\b", text, re.IGNORECASE)
            if m is None:
                raise malformed(self.name, f"{fmt} answer does not start with Yes or No")
            unsafe = m.group(1).lower() == "yes"
            return unsafe, [], 1.0 if unsafe else 0.0
        return self._parse_json_verdict(text)

    def _parse_json_verdict(self, text: str) -> tuple[bool, list[str], float]:
        text = re.sub(r"(?s)<think>.*?</think>", "", text).strip()
        m = re.search(r"\{.*\}", text, re.DOTALL)
        if m is not None:
            try:
                data = json.loads(m.group())
            except ValueError:
                data = None
            if isinstance(data, dict) and "violation" in data:
                unsafe = str(data["violation"]).strip().lower() in ("1", "true", "yes")
                labels = data.get("categories") or []
                if not isinstance(labels, list):
                    labels = [labels]
                return unsafe, [str(x) for x in labels] if unsafe else [], 1.0 if unsafe else 0.0
        word = re.match(r"\W*(\w+)", text)
        if word and word.group(1).lower() in _UNSAFE_WORDS | _SAFE_WORDS:
            unsafe = word.group(1).lower() in _UNSAFE_WORDS
            return unsafe, [], 1.0 if unsafe else 0.0
        raise malformed(self.name, "policy_prompt answer has no verdict")


def _verdict_probability(tokens: list[Any] | None) -> float | None:
    """P(unsafe) at the first position whose alternatives include both verdict words."""
    if not tokens:
        return None
    for position in tokens[:8]:
        alternatives = position.get("top_logprobs") if isinstance(position, dict) else None
        if not isinstance(alternatives, list):
            continue
        unsafe = safe = None
        for alt in alternatives:
            if not isinstance(alt, dict) or not isinstance(alt.get("logprob"), int | float):
                continue
            word = str(alt.get("token", "")).strip().lower()
            if word in _UNSAFE_WORDS and unsafe is None:
                unsafe = float(alt["logprob"])
            elif word in _SAFE_WORDS and safe is None:
                safe = float(alt["logprob"])
        if unsafe is not None or safe is not None:
            p_unsafe = math.exp(unsafe) if unsafe is not None else 0.0
            p_safe = math.exp(safe) if safe is not None else 0.0
            if p_unsafe + p_safe > 0:
                return p_unsafe / (p_unsafe + p_safe)
    return None


def build(settings: Mapping[str, Any]) -> LlmJudgeDetector:
    return LlmJudgeDetector(LlmJudgeSettings.model_validate(settings))
