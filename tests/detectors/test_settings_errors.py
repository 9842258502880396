"""Every detector of issue 13 rejects an unknown settings key with file, line and field."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from guard.errors import PolicyError
from guard.policy.compiled import load_policy

POLICY = """\
name: t
version: 1
rules:
  - id: r
    stages: [input]
    detector: {detector}
    action: flag
    settings:
{settings}
      bogus_key: 1
"""

CASES = {
    "invisible_text": "      tags: true",
    "urls": "      deny_domains: [evil.example]",
    "language": "      allow: [en, fr]",
    "topics": "      topics: [{name: politics, description: Elections and parties.}]",
    "llm_judge": "      base_url: 'http://127.0.0.1:9/v1'\n      model: m\n"
                 "      format: llama_guard",
    "openai_moderation": "      base_url: 'http://127.0.0.1:9/v1'",
    "azure_content_safety": "      endpoint: 'http://127.0.0.1:9'",
    "http_classifier": "      url: 'http://127.0.0.1:9/predict'\n      labels: {MALICIOUS: attack}",
}


@pytest.mark.parametrize("detector", sorted(CASES))
def test_unknown_settings_key_names_file_line_and_field(
    detector: str, write_policy: Callable[..., Path]
) -> None:
    path = write_policy(POLICY.format(detector=detector, settings=CASES[detector]))
    with pytest.raises(PolicyError) as info:
        load_policy(path)
    err = info.value
    line = 10 + CASES[detector].count("\n")
    assert (err.file, err.line, err.field) == (str(path), line, "rules.0.settings.bogus_key")
    assert "unknown key 'bogus_key'" in str(err)
