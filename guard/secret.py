"""The per-installation secret that keys every pseudonym Guard writes.

User ids in the audit log and ``hash`` rewrites are keyed hashes. Phone numbers, national ids
(NIR) and e-mail addresses are few enough to enumerate, so an unkeyed or publicly keyed hash is
as good as the clear text; the key must be secret and specific to one installation.

Where the key comes from (:func:`secret_from_env`, the only function here that reads the
environment, so a settings object can replace it with its own values):

1. ``$GUARD_HASH_SALT`` (the variable a policy's ``settings.hash_salt_env`` names), when set:
   for operators who keep the key in a secret store (the same value on every replica);
2. otherwise the secret file: ``$GUARD_SECRET_FILE``, else ``secret`` in the state directory
   (``$GUARD_STATE_DIR``, else ``$XDG_STATE_HOME/guard``, else ``~/.local/state/guard``). It is
   created at first start with 32 random bytes, mode 0600 (directory 0700), and refused when
   group or others may read or write it.

There is no built-in default key. Each use takes its own subkey (:meth:`Secret.derive`), so a
pseudonym from one purpose never matches one from another.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import stat
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from guard.errors import ConfigError

SECRET_FILE_ENV = "GUARD_SECRET_FILE"
STATE_DIR_ENV = "GUARD_STATE_DIR"
HASH_SALT_ENV = "GUARD_HASH_SALT"
SECRET_FILE_NAME = "secret"
MIN_FILE_SECRET_CHARS = 32
AUDIT_USER_ID = "audit.user-id"
REWRITE_HASH = "rewrite.hash"


class SecretError(ConfigError):
    """The installation secret is missing, unreadable, too weak or readable by others."""


@dataclass(frozen=True, slots=True)
class Secret:
    """Key material and where it came from (never the key itself in ``repr``)."""

    key: bytes = field(repr=False)
    source: str

    def derive(self, purpose: str) -> bytes:
        """The subkey for one purpose (:data:`AUDIT_USER_ID`, :data:`REWRITE_HASH`)."""
        return hmac.new(self.key, f"guard/{purpose}".encode(), hashlib.sha256).digest()


def load_secret(path: Path) -> Secret:
    """Read the secret file at ``path``, refusing a weak or exposed one."""
    try:
        info = path.stat()
        text = path.read_text(encoding="utf-8").strip()
    except OSError as exc:
        raise SecretError(f"cannot read the Guard secret file {path}: {exc.strerror}") from exc
    if info.st_mode & 0o077:
        raise SecretError(
            f"the Guard secret file {path} is accessible to group or others (mode "
            f"{stat.filemode(info.st_mode)}); run `chmod 600 {path}` (Kubernetes: defaultMode: "
            "0400)")
    if len(text) < MIN_FILE_SECRET_CHARS:
        raise SecretError(f"the Guard secret file {path} holds fewer than "
                          f"{MIN_FILE_SECRET_CHARS} characters; delete it to have a new one made")
    return Secret(text.encode(), f"file {path}")


def load_or_create_secret(path: Path) -> Secret:
    """The secret at ``path``, created (random, mode 0600) if there is none yet.

    Creation is atomic (``O_EXCL`` on a temporary name, then a hard link), so replicas
    starting together on one volume agree on a single secret.
    """
    if not path.exists():
        try:
            path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                fh.write(secrets.token_hex(32) + "\n")
                fh.flush()
                os.fsync(fh.fileno())
            try:
                os.link(tmp, path)  # fails if another process made one first: use theirs
            except FileExistsError:
                pass
            finally:
                tmp.unlink()
        except OSError as exc:
            raise SecretError(
                f"cannot create the Guard secret file {path}: {exc.strerror}; set "
                f"{SECRET_FILE_ENV} (or {STATE_DIR_ENV}) to a writable place, or "
                f"{HASH_SALT_ENV} to a secret of your own") from exc
    return load_secret(path)


def secret_file_path(environ: Mapping[str, str]) -> Path:
    """Where the secret file lives, from ``GUARD_SECRET_FILE`` / the state directory."""
    if environ.get(SECRET_FILE_ENV):
        return Path(environ[SECRET_FILE_ENV]).expanduser()
    if environ.get(STATE_DIR_ENV):
        return Path(environ[STATE_DIR_ENV]).expanduser() / SECRET_FILE_NAME
    base = environ.get("XDG_STATE_HOME") or os.path.join(os.path.expanduser("~"), ".local",
                                                         "state")
    return Path(base) / "guard" / SECRET_FILE_NAME


def secret_from_env(salt_env: str = HASH_SALT_ENV,
                    environ: Mapping[str, str] | None = None) -> Secret:
    """The installation secret as the environment configures it (see the module docstring).

    Raises:
        SecretError: no ``$salt_env`` and the secret file cannot be created or is unsafe.
    """
    env = os.environ if environ is None else environ
    salt = env.get(salt_env, "")
    if salt:
        return Secret(salt.encode(), f"${salt_env}")
    return _cached_file_secret(secret_file_path(env))


@lru_cache(maxsize=8)
def _cached_file_secret(path: Path) -> Secret:
    """Read once per process and path: pseudonyms are computed per request."""
    return load_or_create_secret(path)
