"""``topics``: subjects a deployment must stay off (``deny``) or on (``allow``), by description.

A topic is a name, a sentence and a few example requests, written in the policy in any of the
languages the traffic uses. Each is embedded once at load with the shared sentence encoder
(:mod:`guard.ml.encoder`, the one the classifiers use, so a text costs one more pass at most);
each text is cut into the encoder's windows and a window's similarity to a topic is its best
cosine to the topic's description or examples, minus its best cosine to a background of
ordinary requests (built in, EN + FR, plus the policy's own ``background``). That margin is
mapped to a 0..1 score between ``floor`` (no closer to the topic than to ordinary traffic) and
``ceiling``, calibrated by ``bench/topics_quality.py``; the policy's threshold does the rest.

- ``deny``: one finding per topic per text, category = the topic's name, span = the window
  closest to it.
- ``allow``: one finding ``off_topic`` when the text is close to none of the topics, its
  score = 1 - the best topic score.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from typing import Any, Literal

import numpy as np
from pydantic import Field, model_validator

from guard.detectors.base import DetectorSettings, SyncDetector
from guard.types import Finding

OFF_TOPIC = "off_topic"

# Ordinary requests in English and French, on no particular topic. A text's similarity to a
# topic is judged against its similarity to these: with an English-centred encoder any two
# French sentences look alike, and the margin over this background cancels that out.
BACKGROUND = (
    "How do I reverse a list in Python?",
    "Can you help me write an email to my landlord about a broken heater?",
    "What is a good recipe for a quick vegetarian dinner?",
    "Explain how a neural network learns, simply.",
    "Translate this paragraph into Spanish.",
    "My laptop is slow, how can I speed it up?",
    "Summarise this meeting transcript in five bullet points.",
    "What are the opening hours of the museum on Sunday?",
    "How do I configure my router's wifi password?",
    "Write a short birthday poem for my sister.",
    "What is the difference between TCP and UDP?",
    "How can I improve my CV for a developer job?",
    "Recommend a few exercises for back pain.",
    "How many days should I plan for a trip to Japan?",
    "Comment inverser une liste en Python ?",
    "Peux-tu m'aider à écrire un e-mail à mon propriétaire au sujet du chauffage ?",
    "Quelle recette rapide pour un dîner végétarien ?",
    "Explique simplement comment un réseau de neurones apprend.",
    "Traduis ce paragraphe en espagnol.",
    "Mon ordinateur est lent, comment l'accélérer ?",
    "Résume cette réunion en cinq points.",
    "Quels sont les horaires d'ouverture du musée le dimanche ?",
    "Comment changer le mot de passe wifi de ma box ?",
    "Écris un petit poème d'anniversaire pour ma sœur.",
    "Quelle est la différence entre TCP et UDP ?",
    "Comment améliorer mon CV pour un poste de développeur ?",
    "Quels exercices pour soulager le mal de dos ?",
    "Combien de jours prévoir pour un voyage au Japon ?",
)


class Topic(DetectorSettings):
    name: str = Field(min_length=1, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.:/\-]*$")
    description: str = Field(min_length=1)
    examples: tuple[str, ...] = Field(default=(), max_length=200)


class TopicsSettings(DetectorSettings):
    topics: tuple[Topic, ...] = Field(min_length=1)
    mode: Literal["deny", "allow"] = "deny"
    background: tuple[str, ...] = Field(
        default=(), max_length=500,
        description="Ordinary requests of this deployment, added to the built-in background.")
    floor: float = Field(default=0.0, ge=-2.0, le=2.0,
                         description="Margin over the background at or below which score is 0.")
    ceiling: float = Field(default=0.2, ge=-2.0, le=2.0,
                           description="Margin over the background at or above which score is 1.")
    encoder: str | None = Field(default=None, description="Encoder ref; default: the shared one.")
    revision: str | None = None
    backend: Literal["auto", "torch", "onnx", "onnx-int8"] = "auto"
    window_tokens: int = Field(default=48, ge=16, le=512)
    stride_tokens: int = Field(default=16, ge=8, le=512)

    @model_validator(mode="after")
    def _consistent(self) -> TopicsSettings:
        if self.ceiling <= self.floor:
            raise ValueError("'ceiling' must be greater than 'floor'")
        names = [t.name for t in self.topics]
        if len(set(names)) != len(names):
            raise ValueError(f"topic names must be unique, got {names}")
        return self


class TopicsDetector(SyncDetector):
    name = "topics"

    def __init__(self, settings: TopicsSettings) -> None:
        self.settings = settings
        self._lock = threading.Lock()
        self._ready = False

    def warmup(self) -> None:
        """Load the shared encoder and embed the topics (once; a policy load stays cheap)."""
        with self._lock:
            if self._ready:
                return
            from guard.ml.classifier import get_encoder

            s = self.settings
            self._encoder = get_encoder(s.encoder, s.revision, s.backend)
            anchors: list[str] = []
            owner: list[int] = []
            for i, topic in enumerate(s.topics):
                for text in (topic.description, *topic.examples):
                    anchors.append(text)
                    owner.append(i)
            self._anchors = self._embed_texts(anchors)
            self._owner = np.asarray(owner)
            self._background = self._embed_texts([*BACKGROUND, *s.background])
            self._ready = True

    def _embed_texts(self, texts: Sequence[str]) -> Any:
        """One vector per text (the mean of its windows, re-normalised)."""
        s = self.settings
        windows = self._encoder.windows(texts, s.window_tokens, s.stride_tokens)
        vectors = self._encoder.embed(windows)
        out = np.zeros((len(texts), vectors.shape[1]), dtype=np.float32)
        for w, vec in zip(windows, vectors, strict=True):
            out[w.text_index] += vec
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return out / np.clip(norms, 1e-12, None)

    def _score(self, cosine: float) -> float:
        s = self.settings
        return float(min(1.0, max(0.0, (cosine - s.floor) / (s.ceiling - s.floor))))

    def detect_batch(self, texts: Sequence[str]) -> list[list[Finding]]:
        s = self.settings
        results: list[list[Finding]] = [[] for _ in texts]
        if not texts:
            return results
        from guard.ml.heads import dense  # guard.ml loads with the encoder, not at import

        self.warmup()
        windows = self._encoder.windows(texts, s.window_tokens, s.stride_tokens)
        vectors = self._encoder.embed(windows)
        sims = dense(vectors, self._anchors.T)  # windows x anchors
        background = dense(vectors, self._background.T).max(axis=1)
        n_topics = len(s.topics)
        # best margin of each window over the background, per topic
        per_topic = np.full((len(windows), n_topics), -1.0, dtype=np.float32)
        for t in range(n_topics):
            per_topic[:, t] = sims[:, self._owner == t].max(axis=1) - background
        for i, text in enumerate(texts):
            rows = [k for k, w in enumerate(windows) if w.text_index == i]
            block = per_topic[rows]
            if s.mode == "deny":
                for t, topic in enumerate(s.topics):
                    k = int(block[:, t].argmax())
                    score = self._score(float(block[k, t]))
                    if score > 0.0:
                        w = windows[rows[k]]
                        results[i].append(Finding(
                            self.name, topic.name, score, w.start, w.end,
                            f"close to topic {topic.name!r} (margin {float(block[k, t]):+.2f})"))
            else:
                best = self._score(float(block.max()))
                if best < 1.0:
                    results[i].append(Finding(
                        self.name, OFF_TOPIC, 1.0 - best, 0, len(text),
                        "close to none of the allowed topics"))
        return results


def build(settings: Mapping[str, Any]) -> TopicsDetector:
    return TopicsDetector(TopicsSettings.model_validate(settings))
