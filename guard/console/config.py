"""The ``console:`` section of the sidecar config: who may log in, and where replay may look.

Example::

    console:
      users:
        alice: {role: reviewer, password_hash: "scrypt$16384$8$1$..."}  # --hash-password
        bob:   {role: auditor,  password_hash: "pbkdf2_sha256$600000$..."}
      admin_key_hashes: {ops: "sha256:9f86d08..."}   # log in as user "admin" with the key
      secret_env: GUARD_CONSOLE_SECRET                # else secret_file, created 0600 if missing
      secret_file: guard-console.secret
      policies_dir: policies/candidates               # replay candidates: *.yaml in this dir only
      review_blocked: true                            # blocked decisions join the review queue

No user and no admin key means no console: nobody could log in, so nothing is served.
"""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

Role = Literal["auditor", "reviewer"]
_HASH = re.compile(r"^(scrypt\$\d+\$\d+\$\d+|pbkdf2_sha256\$\d+)\$[A-Za-z0-9_-]+\$[A-Za-z0-9_-]+$")


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ConsoleUser(_Model):
    """A console user: read-only ``auditor`` or ``reviewer`` (may record reviews)."""

    role: Role
    password_hash: str = Field(description="scrypt or PBKDF2 hash (guard console "
                               "--hash-password); never the password itself.")

    @field_validator("password_hash")
    @classmethod
    def _hash(cls, value: str) -> str:
        if not _HASH.match(value):
            raise ValueError("password_hash must come from 'guard console --hash-password' "
                             "(scrypt$... or pbkdf2_sha256$...), never a plain password")
        return value


class ConsoleConfig(_Model):
    """Login, session and replay settings of the compliance console."""

    enabled: bool = True
    users: dict[str, ConsoleUser] = Field(default_factory=dict)
    admin_key_hashes: dict[str, str] = Field(
        default_factory=dict, description="name -> sha256:<hex> of an admin key; an admin logs "
        "in as user 'admin' with the key as password and has the reviewer role.")
    secret_env: str = "GUARD_CONSOLE_SECRET"
    secret_file: str = "guard-console.secret"
    session_ttl_s: int = Field(default=8 * 3600, ge=60, le=7 * 24 * 3600)
    policies_dir: str | None = None
    review_blocked: bool = True
    page_size: int = Field(default=50, ge=5, le=500)

    @field_validator("admin_key_hashes")
    @classmethod
    def _keys(cls, value: dict[str, str]) -> dict[str, str]:
        for name, digest in value.items():
            if not re.fullmatch(r"sha256:[0-9a-f]{64}", digest):
                raise ValueError(f"admin key {name!r}: expected 'sha256:<64 hex>' "
                                 "(guard serve --hash-key KEY)")
        return value

    @field_validator("users")
    @classmethod
    def _names(cls, value: dict[str, ConsoleUser]) -> dict[str, ConsoleUser]:
        for name in value:
            if not re.fullmatch(r"[A-Za-z0-9_.@-]{1,64}", name) or name == "admin":
                raise ValueError(f"user name {name!r}: 1-64 of A-Z a-z 0-9 _ . @ - "
                                 "('admin' is reserved for admin keys)")
        return value

    @property
    def can_log_in(self) -> bool:
        return self.enabled and bool(self.users or self.admin_key_hashes)
