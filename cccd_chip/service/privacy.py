"""What the service keeps about a person, and how (docs/service.md "Data kept").

- The document number is kept only as an HMAC-SHA256 (RFC 2104) under a key from
  the environment (``CCCD_SERVICE_HASH_KEY``): the same document gives the same
  hash (records can be found for a document the operator already knows), but the
  number cannot be read back without the key. Without the variable no hash is kept.
- Dumps are kept only with ``--store-dumps``, sealed with AES-256-GCM (NIST SP
  800-38D) under ``CCCD_SERVICE_DUMP_KEY``; the record id is the associated data, so
  a sealed dump cannot be moved to another record. ``dump_key_id`` names the key
  (a digest of it), so a rotated key is noticed instead of failing obscurely.

Both keys are 32 bytes given as 64 hex digits (``openssl rand -hex 32``). Their
values never appear in an error message or a log.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
from typing import Mapping, Optional

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from ..errors import DumpSealError, UsageError

HASH_KEY_ENV = "CCCD_SERVICE_HASH_KEY"
DUMP_KEY_ENV = "CCCD_SERVICE_DUMP_KEY"
_HEX64 = re.compile(r"^[0-9a-fA-F]{64}$")
DOCNUM_LABEL = b"cccd-document-number/1"
NONCE_LEN = 12


def key_from_env(name: str, environ: Optional[Mapping[str, str]] = None) -> Optional[bytes]:
    """The 32-byte key in environment variable ``name`` (64 hex digits), None when unset."""
    env = os.environ if environ is None else environ
    value = env.get(name)
    if value is None or value == "":
        return None
    if not _HEX64.match(value.strip()):
        raise UsageError(f"{name} must be 64 hex digits (32 bytes, e.g. from 'openssl rand -hex 32')")
    return bytes.fromhex(value.strip())


def document_number_hash(key: bytes, issuing_state: str, number: str) -> str:
    """Hex HMAC-SHA256 over ``label | issuing state | document number`` (MRZ fields, '<' removed)."""
    msg = b"|".join((DOCNUM_LABEL, issuing_state.replace("<", "").encode(), number.replace("<", "").encode()))
    return hmac.new(key, msg, hashlib.sha256).hexdigest()


class DumpSealer:
    """AES-256-GCM sealing of stored dumps; the record id is bound as associated data."""

    def __init__(self, key: bytes) -> None:
        if len(key) != 32:
            raise UsageError("the dump key must be 32 bytes")
        self._aead = AESGCM(key)
        self.key_id = hashlib.sha256(b"cccd-dump-key-id|" + key).hexdigest()[:16]

    def __repr__(self) -> str:
        return f"DumpSealer(key_id={self.key_id})"

    def seal(self, record_id: str, dump: bytes) -> bytes:
        nonce = os.urandom(NONCE_LEN)
        return nonce + self._aead.encrypt(nonce, dump, record_id.encode())

    def open(self, record_id: str, sealed: bytes, key_id: Optional[str] = None) -> bytes:
        if key_id is not None and key_id != self.key_id:
            raise DumpSealError(f"dump was sealed with another key ({key_id})")
        try:
            return self._aead.decrypt(sealed[:NONCE_LEN], sealed[NONCE_LEN:], record_id.encode())
        except (InvalidTag, ValueError):
            raise DumpSealError("sealed dump does not open (wrong key or altered data)") from None
