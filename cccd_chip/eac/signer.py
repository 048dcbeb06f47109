"""The inspection system's private key behind a small ``Signer`` protocol (BSI TR-03110-3 §B.11.6).

Terminal Authentication ends with EXTERNAL AUTHENTICATE carrying the terminal's
signature (ECDSA in the plain r||s format of TR-03111 §5.2.1, or RSA per the
id-TA OID of the terminal certificate). Who holds the key is the operator's
business: :class:`PemSigner` reads an unencrypted (or, with a password from the
environment variable ``CCCD_TERMINAL_KEY_PASSWORD``, an encrypted) PEM / DER
PKCS#8 file. A PKCS#11 token is an *extension point*: anything with a
``fingerprint`` and a ``sign(message, algorithm, domain)`` that never exposes the
key (a token object implementing :class:`Signer`) can be handed to the driver.

The key never appears in a message, a log line or ``repr``.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Optional, Protocol

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

from ..crypto import ec as _ec
from ..crypto.signatures import hash_algorithm
from ..errors import UnsupportedError, UsageError
from .oids import TaAlgorithm

MAX_KEY_FILE = 64 * 1024
PASSWORD_ENV = "CCCD_TERMINAL_KEY_PASSWORD"


class Signer(Protocol):
    """What Terminal Authentication needs from the terminal's key (a file, a PKCS#11 token, an HSM)."""

    @property
    def fingerprint(self) -> str:
        """SHA-256 (hex) of the public point / modulus: matches :meth:`CvcPublicKey.fingerprint`."""
        ...

    def sign(self, message: bytes, algorithm: TaAlgorithm, domain: Optional[_ec.Curve]) -> bytes:
        """The signature of ``message`` (ECDSA: plain r||s over the domain's order length)."""
        ...


class PemSigner:
    """A terminal key held in a PEM or DER (PKCS#8 / SEC 1 / PKCS#1) file."""

    def __init__(self, key: "ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey", label: str = "key") -> None:
        self._key = key
        self._label = label

    def __repr__(self) -> str:
        kind = "EC " + self._key.curve.name if isinstance(self._key, ec.EllipticCurvePrivateKey) else "RSA"
        return f"PemSigner({self._label}, {kind})"

    __str__ = __repr__

    @classmethod
    def load(cls, path: "str | Path") -> "PemSigner":
        from ..safe_files import read_regular_file

        p = Path(path)
        raw = read_regular_file(p, MAX_KEY_FILE, error=UsageError, follow_symlinks=True)
        password = os.environ.get(PASSWORD_ENV)
        pw = password.encode() if password else None
        key = None
        for loader in (serialization.load_pem_private_key, serialization.load_der_private_key):
            try:
                key = loader(raw, password=pw)
                break
            except TypeError:
                raise UsageError(f"{p.name}: the terminal key is encrypted; set {PASSWORD_ENV}") from None
            except (ValueError, UnsupportedError):
                continue
            except Exception:  # noqa: BLE001 - the backend raises several types for junk
                continue
        if key is None:
            raise UsageError(f"{p.name} is not a readable private key (PEM or DER PKCS#8)")
        if not isinstance(key, (ec.EllipticCurvePrivateKey, rsa.RSAPrivateKey)):
            raise UsageError(f"{p.name}: only EC and RSA terminal keys are supported")
        return cls(key, p.name)

    @property
    def fingerprint(self) -> str:
        pub = self._key.public_key()
        if isinstance(pub, ec.EllipticCurvePublicKey):
            core = pub.public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
        else:
            n = pub.public_numbers().n
            core = n.to_bytes((n.bit_length() + 7) // 8, "big")
        return hashlib.sha256(core).hexdigest().upper()

    def sign(self, message: bytes, algorithm: TaAlgorithm, domain: Optional[_ec.Curve]) -> bytes:
        h = hash_algorithm(algorithm.hash)
        if algorithm.scheme == "ecdsa":
            if not isinstance(self._key, ec.EllipticCurvePrivateKey):
                raise UsageError("the terminal certificate names ECDSA but the key is RSA")
            # deterministic nonces (RFC 6979): a recorded TA replays byte for byte, no RNG to trust
            der = self._key.sign(message, ec.ECDSA(h, deterministic_signing=True))
            r, s = decode_dss_signature(der)
            size = (self._key.curve.key_size + 7) // 8 if domain is None else domain.order_size
            return r.to_bytes(size, "big") + s.to_bytes(size, "big")
        if not isinstance(self._key, rsa.RSAPrivateKey):
            raise UsageError("the terminal certificate names RSA but the key is EC")
        if algorithm.scheme == "rsa-pss":
            return self._key.sign(message, padding.PSS(mgf=padding.MGF1(h), salt_length=h.digest_size), h)
        return self._key.sign(message, padding.PKCS1v15(), h)


def digest(message: bytes, hash_name: str) -> bytes:
    d = hashes.Hash(hash_algorithm(hash_name))
    d.update(message)
    return d.finalize()
