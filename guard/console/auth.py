"""Console login: password hashes, the server secret, signed session cookies and CSRF tokens.

- Passwords are stored as scrypt (default) or PBKDF2-SHA256 hashes from :mod:`hashlib`,
  compared in constant time; admin keys as ``sha256:<hex>`` like tenant keys.
- The server secret is never a public default: ``$GUARD_CONSOLE_SECRET`` (or the variable the
  config names), else a file generated once per installation with 32 random bytes, mode 0600.
- A session is a cookie ``payload.signature`` (HMAC-SHA256 with the secret), HttpOnly,
  SameSite=Strict, Secure over https, expiring after ``session_ttl_s``; logout revokes its id.
- Every POST carries a CSRF token: an HMAC of the session id (of a pre-login nonce cookie for
  the login form itself), so a forged cross-site form cannot know it.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import secrets
import threading
import time
from collections import deque
from dataclasses import dataclass
from pathlib import Path

from guard.console.config import ConsoleConfig
from guard.errors import ConfigError

SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**14, 8, 1
PBKDF2_ITERATIONS = 600_000
ADMIN_USER = "admin"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def hash_password(password: str, *, scheme: str = "scrypt") -> str:
    """A salted hash for the config's ``password_hash`` (``guard console --hash-password``)."""
    salt = secrets.token_bytes(16)
    if scheme == "pbkdf2_sha256":
        digest = hashlib.pbkdf2_hmac("sha256", password.encode(), salt, PBKDF2_ITERATIONS)
        return f"pbkdf2_sha256${PBKDF2_ITERATIONS}${_b64(salt)}${_b64(digest)}"
    digest = hashlib.scrypt(password.encode(), salt=salt, n=SCRYPT_N, r=SCRYPT_R, p=SCRYPT_P,
                            dklen=32)
    return f"scrypt${SCRYPT_N}${SCRYPT_R}${SCRYPT_P}${_b64(salt)}${_b64(digest)}"


def check_password(password: str, stored: str) -> bool:
    """Whether ``password`` matches ``stored`` (constant-time compare)."""
    parts = stored.split("$")
    try:
        if parts[0] == "scrypt" and len(parts) == 6:
            n, r, p = int(parts[1]), int(parts[2]), int(parts[3])
            salt, want = _unb64(parts[4]), _unb64(parts[5])
            got = hashlib.scrypt(password.encode(), salt=salt, n=n, r=r, p=p, dklen=len(want),
                                 maxmem=256 * 1024 * 1024)
        elif parts[0] == "pbkdf2_sha256" and len(parts) == 4:
            salt, want = _unb64(parts[2]), _unb64(parts[3])
            got = hashlib.pbkdf2_hmac("sha256", password.encode(), salt, int(parts[1]))
        else:
            return False
    except (ValueError, MemoryError):
        return False
    return hmac.compare_digest(got, want)


def load_secret(config: ConsoleConfig, env: dict[str, str] | None = None) -> bytes:
    """The session-signing secret: from the env variable the config names, else the secret
    file (created with 32 random bytes and mode 0600 on first use).

    Raises:
        ConfigError: the secret file is readable by others, or too short.
    """
    env_map = dict(os.environ) if env is None else env
    value = env_map.get(config.secret_env)
    if value:
        if len(value) < 16:
            raise ConfigError(f"${config.secret_env} is shorter than 16 characters")
        return value.encode()
    path = Path(config.secret_file)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        pass
    else:
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_hex(32))
    if path.stat().st_mode & 0o077:
        raise ConfigError(f"{path}: the console secret must not be readable by group or others "
                          "(chmod 600)")
    secret = path.read_text().strip()
    if len(secret) < 32:
        raise ConfigError(f"{path}: the console secret is shorter than 32 characters")
    return secret.encode()


@dataclass(frozen=True, slots=True)
class Session:
    """A logged-in user: ``sid`` identifies the login (for logout and CSRF)."""

    sid: str
    user: str
    role: str
    expires: float

    @property
    def can_review(self) -> bool:
        return self.role == "reviewer"


class Authenticator:
    """Checks credentials against the config and issues / reads signed session cookies."""

    def __init__(self, config: ConsoleConfig, secret: bytes) -> None:
        self.config = config
        self._secret = secret
        self._revoked: dict[str, float] = {}
        self._failures: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    # --- credentials ------------------------------------------------------------------------

    def login(self, username: str, password: str) -> Session | None:
        """A new session when the credentials are right, else None."""
        username = username.strip()
        role: str | None = None
        user = self.config.users.get(username)
        if user is not None and check_password(password, user.password_hash):
            role = user.role
        elif username == ADMIN_USER and self.config.admin_key_hashes:
            digest = "sha256:" + hashlib.sha256(password.encode()).hexdigest()
            for name, want in self.config.admin_key_hashes.items():
                if hmac.compare_digest(digest, want):
                    username, role = f"{ADMIN_USER}:{name}", "reviewer"
                    break
        if role is None:
            return None
        return Session(secrets.token_urlsafe(18), username, role,
                       float(int(time.time()) + self.config.session_ttl_s))

    def throttled(self, key: str, *, limit: int = 5, window_s: float = 300.0) -> bool:
        """Whether ``key`` (user name + client address) failed ``limit`` times in the window."""
        now = time.monotonic()
        with self._lock:
            recent = self._failures.get(key)
            while recent and now - recent[0] > window_s:
                recent.popleft()
            return bool(recent) and len(recent or ()) >= limit

    def failed(self, key: str) -> None:
        with self._lock:
            if len(self._failures) > 10_000:
                self._failures.clear()
            self._failures.setdefault(key, deque(maxlen=50)).append(time.monotonic())

    # --- cookies ------------------------------------------------------------------------------

    def _sign(self, text: str) -> str:
        return hmac.new(self._secret, text.encode(), hashlib.sha256).hexdigest()

    def encode(self, session: Session) -> str:
        payload = _b64(json.dumps({"sid": session.sid, "u": session.user, "r": session.role,
                                   "exp": int(session.expires)}).encode())
        return f"{payload}.{self._sign('session|' + payload)}"

    def decode(self, cookie: str | None) -> Session | None:
        """The session in a cookie, or None when missing, forged, expired, revoked or stale
        (the user was removed from the config or changed role since logging in)."""
        if not cookie or "." not in cookie:
            return None
        payload, _, signature = cookie.rpartition(".")
        if not hmac.compare_digest(signature, self._sign("session|" + payload)):
            return None
        try:
            data = json.loads(_unb64(payload))
            session = Session(str(data["sid"]), str(data["u"]), str(data["r"]),
                              float(data["exp"]))
        except (ValueError, KeyError, TypeError):
            return None
        if session.expires < time.time() or session.sid in self._revoked:
            return None
        return session if self._still_valid(session) else None

    def _still_valid(self, session: Session) -> bool:
        if session.user.startswith(f"{ADMIN_USER}:"):
            return session.user.split(":", 1)[1] in self.config.admin_key_hashes
        user = self.config.users.get(session.user)
        return user is not None and user.role == session.role

    def revoke(self, session: Session) -> None:
        now = time.time()
        with self._lock:
            self._revoked = {s: exp for s, exp in self._revoked.items() if exp > now}
            self._revoked[session.sid] = session.expires

    # --- CSRF -------------------------------------------------------------------------------

    def csrf_token(self, sid: str) -> str:
        return self._sign("csrf|" + sid)

    def check_csrf(self, sid: str | None, token: str | None) -> bool:
        return bool(sid and token) and hmac.compare_digest(self.csrf_token(str(sid)), str(token))
