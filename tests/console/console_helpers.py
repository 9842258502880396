"""Helpers shared by the console tests (plain functions, imported by name)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from guard.console.auth import hash_password
from guard.console.config import ConsoleConfig, ConsoleUser
from tests.support.audit_log import PROMPTS as AUDIT_PROMPTS
from tests.support.audit_log import populate as populate_log
from tests.support.audit_log import write_light_policy

PASSWORDS = {"alice": "alice-reviews-1", "bob": "bob-audits-22"}
ADMIN_KEY = "admin-key-0123456789"
_HASHES = {name: hash_password(pw) for name, pw in PASSWORDS.items()}

# The shared prompts plus a second e-mail address (another tenant and model).
PROMPTS = (*AUDIT_PROMPTS, ("cc carol@example.org on this", "acme", "llama-3"))


def write_policy(path: Path, *, version: int = 1, retention: str = "full",
                 injection_mode: str = "shadow", email_mode: str = "enforce") -> Path:
    """The light policy with the e-mail rule enforced unless told otherwise."""
    return write_light_policy(path, name="console-test", version=version, retention=retention,
                              injection_mode=injection_mode, email_mode=email_mode)


async def populate(url: str, policy: Path, rounds: int = 3) -> None:
    await populate_log(url, policy, rounds, PROMPTS)


def console_config(tmp_path: Path, **overrides: Any) -> ConsoleConfig:
    candidates = tmp_path / "candidates"
    candidates.mkdir(exist_ok=True)
    write_policy(candidates / "email-shadow.yaml", version=2, email_mode="shadow")
    write_policy(candidates / "strict.yaml", version=3, injection_mode="enforce")
    settings: dict[str, Any] = {
        "users": {"alice": ConsoleUser(role="reviewer", password_hash=_HASHES["alice"]),
                  "bob": ConsoleUser(role="auditor", password_hash=_HASHES["bob"])},
        "admin_key_hashes": {"ops": "sha256:" + __import__("hashlib").sha256(
            ADMIN_KEY.encode()).hexdigest()},
        "secret_file": str(tmp_path / "console.secret"),
        "policies_dir": str(candidates),
        "page_size": 10,
    }
    settings.update(overrides)
    return ConsoleConfig(**settings)


@dataclass
class Served:
    base: str  # http://127.0.0.1:PORT/console
    url: str  # audit URL
    app: Any

    def client(self) -> httpx.Client:
        return httpx.Client(base_url=self.base, follow_redirects=False, timeout=30.0)

    def login(self, user: str, password: str | None = None) -> httpx.Client:
        client = self.client()
        form = client.get("/login")
        token = form.text.split('name="csrf" value="', 1)[1].split('"', 1)[0]
        r = client.post("/login", data={"username": user, "password": password or
                                        PASSWORDS[user], "csrf": token, "next": ""})
        assert r.status_code == 303, r.text
        return client


def csrf_of(html: str) -> str:
    return html.split('name="csrf" value="', 1)[1].split('"', 1)[0]

