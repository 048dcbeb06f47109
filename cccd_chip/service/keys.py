"""API keys of ``cccd serve``: generation, the stored digest, constant-time comparison.

A key is ``cccd_<key_id>_<secret>``: ``key_id`` (12 hex digits) is public and
names the key in records, logs and ``cccd keys list``; ``secret`` is 32 random
bytes, base64url. Only the hex SHA-256 of the whole key is stored (a key has 256
bits of entropy, so a fast hash is enough: there is nothing to brute-force). A
presented key is looked up by its ``key_id`` and its digest compared with
:func:`hmac.compare_digest`; an unknown ``key_id`` still costs one comparison.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
from typing import Callable, Optional

SCOPES = ("verify", "admin")  # admin may also verify
KEY_PREFIX = "cccd"
MAX_KEY_LENGTH = 128
_KEY_RE = re.compile(r"^cccd_([0-9a-f]{12})_([A-Za-z0-9_-]{43})$")
_DUMMY_DIGEST = hashlib.sha256(b"cccd-no-such-key").hexdigest()


def new_key(rng: Callable[[int], bytes] = secrets.token_bytes) -> tuple[str, str]:
    """A fresh key: ``(full key, key_id)``."""
    key_id = rng(6).hex()
    secret = base64.urlsafe_b64encode(rng(32)).rstrip(b"=").decode()
    return f"{KEY_PREFIX}_{key_id}_{secret}", key_id


def key_id_of(presented: str) -> Optional[str]:
    """The ``key_id`` of a well-formed key, else None (the key itself is never echoed)."""
    if len(presented) > MAX_KEY_LENGTH:
        return None
    m = _KEY_RE.match(presented)
    return m.group(1) if m else None


def digest(full_key: str) -> str:
    """Hex SHA-256 of the whole key: what ``api_keys.secret_sha256`` holds."""
    return hashlib.sha256(full_key.encode()).hexdigest()


def matches(presented: str, stored_digest: Optional[str]) -> bool:
    """Constant-time comparison of a presented key with a stored digest (None: no such key)."""
    ok = hmac.compare_digest(digest(presented), stored_digest or _DUMMY_DIGEST)
    return ok and stored_digest is not None


def bearer_token(header: Optional[str]) -> Optional[str]:
    """The key from ``Authorization: Bearer KEY`` (RFC 6750 §2.1), else None."""
    if not header or len(header) > MAX_KEY_LENGTH + 16:
        return None
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer":
        return None
    token = token.strip()
    return token or None


def allows(scope: str, needed: str) -> bool:
    """Whether a key of ``scope`` may call an endpoint that needs ``needed``."""
    return scope == needed or (scope == "admin" and needed == "verify")
