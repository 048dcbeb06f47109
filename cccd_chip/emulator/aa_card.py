"""Active Authentication, the chip side: INTERNAL AUTHENTICATE (ICAO 9303-11 §6.1).

- RSA: ISO/IEC 9796-2 digital signature scheme 1, partial message recovery:
  ``F = 6A || M1 || H || T`` with ``M1`` random (filling the modulus),
  ``H = hash(M1 || RND.IFD)``, ``T = BC`` for SHA-1 or ``<hash id> CC``;
  the answer is ``F^d mod n``.
- ECDSA: the challenge is signed with the hash of ActiveAuthenticationInfo;
  the answer is plain ``r || s`` (BSI TR-03111 §5.2.1).

The key is ``card.json`` ``keys.aa`` (``path`` to a PKCS#8 PEM, ``type``,
``hash``). Without a key the instruction is not supported (6D00).
"""

from __future__ import annotations

import hashlib
from typing import Callable, Optional

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes

from ..iso7816.apdu import CommandApdu
from . import determinism as det
from .applet import Applet, Reply

TRAILER_IDS = {"sha1": None, "sha224": 0x38, "sha256": 0x34, "sha384": 0x36, "sha512": 0x35}


def iso9796_2_sign(key: rsa.RSAPrivateKey, challenge: bytes, hname: str,
                   m1_source: Callable[[int], bytes]) -> bytes:
    """ISO/IEC 9796-2 scheme 1 signature with partial recovery (``m1_source(n)`` gives M1)."""
    k = key.key_size
    size = (k + 7) // 8
    hlen = hashlib.new(hname).digest_size
    tid = TRAILER_IDS[hname]
    trailer = b"\xBC" if tid is None else bytes([tid, 0xCC])
    m1 = m1_source(size - hlen - len(trailer) - 1)
    h = hashlib.new(hname, m1 + challenge).digest()
    f = b"\x6A" + m1 + h + trailer
    s = det.rsa_raw_private(key, int.from_bytes(f, "big"))
    return s.to_bytes(size, "big")


def _load_key(app: Applet) -> Optional[PrivateKeyTypes]:
    """The AA private key of the card (loaded once; it outlives sessions and power-ups)."""
    if getattr(app, "aa_key_loaded", False):
        return app.aa_key
    info = app.card.keys.get("aa") if isinstance(app.card.keys, dict) else None
    key = None
    if info and app.card.directory is not None:
        try:
            key = serialization.load_pem_private_key((app.card.directory / info["path"]).read_bytes(), None)
        except (OSError, ValueError, KeyError):
            key = None
    app.aa_key = key
    app.aa_key_loaded = True
    return key


def _internal_authenticate(app: Applet, cmd: CommandApdu) -> Reply:
    key = _load_key(app)
    if key is None:
        return Reply(sw=0x6D00)
    if cmd.p1 != 0x00 or cmd.p2 != 0x00:
        return Reply(sw=0x6A86)
    if len(cmd.data) != 8:
        return Reply(sw=0x6700)
    if app.state.sm is None and app.card.files.get("DG15") is not None and app.card.files["DG15"].access != "open":
        return Reply(sw=0x6982)
    hname = (app.card.keys.get("aa") or {}).get("hash", "sha1")
    if isinstance(key, rsa.RSAPrivateKey):
        return Reply(iso9796_2_sign(key, cmd.data, hname, app.rng))
    if isinstance(key, ec.EllipticCurvePrivateKey):
        return Reply(det.ecdsa_plain(key, cmd.data, hname))
    return Reply(sw=0x6D00)


def install(applet: Applet) -> None:
    applet.aa_key = None
    applet.aa_key_loaded = False
    applet.register(0x88, _internal_authenticate)
