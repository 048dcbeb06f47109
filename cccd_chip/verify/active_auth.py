"""Active Authentication, the verifying side (ICAO 9303-11 §6.1, Appendix F; BSI TR-03111 §5.2.1).

Pure: challenge (RND.IFD, 8 bytes), the chip's signature, DG15 (the AA
public key) and DG14's ActiveAuthenticationInfo -> verified or not.

- RSA: ISO/IEC 9796-2 digital signature scheme 1 with partial message
  recovery. ``F = s^e mod n = 6A || M1 || H || T`` with ``H = hash(M1 || RND.IFD)``
  and trailer ``T = BC`` (SHA-1 implicit) or ``<hash id> CC``
  (33 SHA-1, 38 SHA-224, 34 SHA-256, 36 SHA-384, 35 SHA-512).
- ECDSA: the challenge is signed directly; the signature is plain ``r || s``
  (a DER signature is tolerated); the hash is the one named by
  ActiveAuthenticationInfo (when DG14 has none, the key size decides and the
  detail says so).

Chip authenticity counts only if DG15 (and DG14, when used) passed Passive
Authentication: :func:`check_active_authentication` gates the verdict on it.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from typing import Any, Callable, cast, Final, Optional

from cryptography.hazmat.primitives.asymmetric import utils as _utils

from ..content_cache import ContentCache
from ..crypto import libcrypto
from ..crypto.signatures import (
    PublicKey,
    digest_named,
    load_public_key,
    signature_algorithm as _sig_alg,
    split_plain_signature,
    verify_ecdsa_rs,
)
from ..errors import CccdError, ParseError, UnsupportedError, VerificationError
from ..iso7816 import tlv
from ..lds import dg14 as dg14_mod
from ..lds.security_infos import oid_to_bytes
from .report import CheckResult, Reason, Verdict
from ..values import exact_bytes, FrozenValue

DG15_TAG: Final = 0x6F
DG14_TAG: Final = 0x6E
ID_AA: Final = "2.23.136.1.1.5"
_TRAILER_HASHES: Final = {0x33: "sha1", 0x34: "sha256", 0x35: "sha512", 0x36: "sha384", 0x38: "sha224"}
_HASH_LEN: Final = {"sha1": 20, "sha224": 28, "sha256": 32, "sha384": 48, "sha512": 64}


@dataclass(frozen=True, init=False)
class AAResult(FrozenValue):
    """A verified AA signature: which scheme and hash it used."""

    scheme: str  # "iso9796-2" | "ecdsa"
    hash: str
    detail: str = ""

    def __init__(self, scheme: str, hash: str, detail: str = "") -> None:
        # stores into the slots (values.py: the generated __init__ is interpreted Python)
        object.__setattr__(self, "scheme", scheme)
        object.__setattr__(self, "hash", hash)
        object.__setattr__(self, "detail", detail)


_DG15_KEYS: Final["ContentCache[PublicKey]"] = ContentCache("DG15 public key", 1024)


def aa_public_key(dg15: bytes) -> PublicKey:
    """The SubjectPublicKeyInfo inside DG15 (tag 6F), cached by DG15's exact bytes
    (:mod:`cccd_chip.content_cache`; a PublicKey is frozen, errors are never cached)."""
    raw = exact_bytes(dg15)
    return _DG15_KEYS.get_or_compute(raw, lambda: load_public_key(tlv.decode_one(raw, expected_tag=DG15_TAG, file="DG15").value))


def aa_signature_algorithm(dg14: Optional[bytes]) -> Optional[str]:
    """DG14's ActiveAuthenticationInfo signatureAlgorithm OID, or None."""
    if not dg14:
        return None
    infos = dg14_mod.parse(dg14).security_infos
    aa = infos.active_authentication_infos
    return aa[0].signature_algorithm if aa else None


def verify_active_authentication(
    challenge: bytes, signature: bytes, key: PublicKey, aa_algorithm_oid: Optional[str] = None
) -> AAResult:
    """Verify an INTERNAL AUTHENTICATE response; raise VerificationError if it is wrong."""
    if key.kind == "rsa":
        return _verify_iso9796_2(challenge, signature, key)
    return _verify_ecdsa(challenge, signature, key, aa_algorithm_oid)


# --- RSA, ISO/IEC 9796-2 scheme 1 -----------------------------------------------------


def _verify_iso9796_2(challenge: bytes, signature: bytes, key: PublicKey) -> AAResult:
    n, e = _RSA_NUMBERS.get_or_compute(key.spki, lambda: _rsa_numbers(key))
    k = (n.bit_length() + 7) // 8
    s = int.from_bytes(signature, "big")
    if len(signature) > k or not 0 < s < n:
        raise VerificationError("AA signature out of range", reason="AA_SIGNATURE_INVALID")
    m = rsa_public_operation(s, e, n)
    if m & 0x0F != 0x0C:
        m = n - m  # ISO/IEC 9796-2 §B.6: the signature may be min(J^d, n - J^d)
    f = m.to_bytes(k, "big")
    return recover_iso9796_2(f, challenge)


_RSA_NUMBERS: Final["ContentCache[tuple[int, int]]"] = ContentCache("AA RSA public numbers", 1024)


def _rsa_numbers(key: PublicKey) -> tuple[int, int]:
    """(n, e) of an RSA key (cached by its exact SubjectPublicKeyInfo: OpenSSL converts them anew on every call)."""
    numbers = key._key.public_numbers()  # an RSA PublicKey always holds its OpenSSL key
    return numbers.n, numbers.e


_compare_digest: Final = hmac.compare_digest  # a C static in compiled code (no module lookups per call)
_UNSET: Final[Any] = object()
_POWMOD: Any = _UNSET
# RSA operations before a process imports GMP (the ``fast`` extra): without libcrypto after a few
# (Python's pow is ~7x slower); with it only once the import (~20-30 ms, most of it
# importlib.metadata, which gmpy2 loads) is repaid: GMP saves ~2 us a 2048-bit and ~4 us a
# 1024-bit operation over BN_mod_exp and its ctypes calls, so a batch worker, an archive
# re-verification or a server switches after 10,000 operations, a one-dump process never.
_GMP_AFTER_PURE: Final = 8
_GMP_AFTER: Final = 10_000
_calls = 0


def _gmp_powmod() -> Optional[Callable[[int, int, int], Any]]:
    """``gmpy2.powmod`` when the ``fast`` extra is installed, else None (imported once)."""
    global _POWMOD
    if _POWMOD is _UNSET:
        try:
            from gmpy2 import powmod
        except ImportError:
            powmod = None
        _POWMOD = powmod
    return cast("Optional[Callable[[int, int, int], Any]]", _POWMOD)


def rsa_public_operation(s: int, e: int, n: int) -> int:
    """``s^e mod n`` (RFC 8017 §5.2.2 RSAVP1), the same integer on every path.

    GMP once the process has switched to it (:data:`_GMP_AFTER`); before, OpenSSL's
    ``BN_mod_exp`` through the libcrypto binding the verifier has loaded anyway (~21 us on
    2048 bits, nothing to import; every operand is public); without libcrypto, Python's
    ``pow`` (~130 us) for the first :data:`_GMP_AFTER_PURE` operations, then GMP.
    """
    global _calls
    powmod = _POWMOD
    if powmod is _UNSET:
        _calls += 1
        if _calls > (_GMP_AFTER if libcrypto.AVAILABLE else _GMP_AFTER_PURE):
            powmod = _gmp_powmod()
    if powmod is not _UNSET and powmod is not None:
        return int(powmod(s, e, n))
    if libcrypto.AVAILABLE:
        try:
            return libcrypto.public_mod_exp(s, e, n)
        except (libcrypto.NativeError, ValueError):  # ValueError: an even modulus (a forged key), below
            pass
    return pow(s, e, n)


def recover_iso9796_2(f: bytes, challenge: bytes) -> AAResult:
    """Check a message representative F against the challenge (ICAO 9303-11 §6.1 steps 3-5)."""
    if len(f) < 32 or f[0] != 0x6A:
        raise VerificationError("AA message representative has a wrong header", reason="AA_SIGNATURE_INVALID")
    if f[-1] == 0xBC:
        hash_name, t = "sha1", 1
    elif f[-1] == 0xCC and f[-2] in _TRAILER_HASHES:
        hash_name, t = _TRAILER_HASHES[f[-2]], 2
    else:
        raise VerificationError("AA trailer is neither BC nor a known xx CC", reason="AA_SIGNATURE_INVALID")
    lh = _HASH_LEN[hash_name]
    if len(f) < 1 + lh + t + 1:
        raise VerificationError("AA message representative too short", reason="AA_SIGNATURE_INVALID")
    m1 = f[1 : len(f) - t - lh]
    d = f[len(f) - t - lh : len(f) - t]
    expected = digest_named(hash_name, m1 + challenge)
    if not _compare_digest(d, expected):
        raise VerificationError("AA recovered digest does not bind this challenge", reason="AA_CHALLENGE_MISMATCH")
    return AAResult("iso9796-2", hash_name, f"trailer {'BC' if t == 1 else f'{f[-2]:02X}CC'}")


# --- ECDSA -------------------------------------------------------------------------------


def _verify_ecdsa(challenge: bytes, signature: bytes, key: PublicKey, alg_oid: Optional[str]) -> AAResult:
    detail = ""
    if alg_oid is not None:
        try:
            hash_name = _sig_alg(_alg_id(alg_oid)).hash
        except (UnsupportedError, ParseError):
            raise UnsupportedError(f"AA signature algorithm {alg_oid} not supported", reason="ALGORITHM_UNSUPPORTED") from None
    else:
        hash_name = {224: "sha224", 256: "sha256", 384: "sha384"}.get(key.bits, "sha512" if key.bits > 384 else "sha1")
        detail = "DG14 has no ActiveAuthenticationInfo: hash chosen by key size"
    size = (key.bits + 7) // 8
    if len(signature) == 2 * size:
        r, s = split_plain_signature(signature, key)
    else:
        try:
            r, s = _utils.decode_dss_signature(signature)
            detail = (detail + "; " if detail else "") + "DER-encoded signature"
        except ValueError:
            raise VerificationError("AA ECDSA signature has the wrong length", reason="AA_SIGNATURE_INVALID") from None
    try:
        verify_ecdsa_rs(key, hash_name, challenge, r, s)
    except VerificationError:
        raise VerificationError(f"AA ecdsa-{hash_name} signature invalid", reason="AA_SIGNATURE_INVALID") from None
    return AAResult("ecdsa", hash_name, detail)


def _alg_id(oid: str) -> bytes:
    return tlv.encode(0x30, tlv.encode(0x06, oid_to_bytes(oid)))


# --- the check, with the PA gate ------------------------------------------------------------


def check_active_authentication(
    challenge: Optional[bytes],
    signature: Optional[bytes],
    dg15: Optional[bytes],
    dg14: Optional[bytes],
    *,
    dg15_authenticated: bool,
    dg14_authenticated: bool = True,
) -> CheckResult:
    """One ``active_auth`` CheckResult (TR-03135 Table 5.24; catalogue family 13)."""
    name = "active_auth"
    if dg15 is None:
        return CheckResult(name, Verdict.NOT_SUPPORTED, Reason.AA_NOT_AVAILABLE, "DG15", "no DG15: the chip offers no AA")
    if challenge is None:
        return CheckResult(name, Verdict.NOT_SUPPORTED, Reason.NOT_PERFORMED, "DG15", "no AA challenge/signature recorded")
    if signature is None:  # DG15 offers AA, the challenge was sent, the chip did not sign: a clone cannot
        return CheckResult(name, Verdict.FAILED, Reason.AA_PROTOCOL_ERROR, "DG15",
                           "the chip did not answer INTERNAL AUTHENTICATE with a signature although DG15 offers AA")
    if len(challenge) != 8:
        return CheckResult(name, Verdict.FAILED, Reason.AA_PROTOCOL_ERROR, "DG15", "challenge is not 8 bytes")
    try:
        key = aa_public_key(dg15)
        alg = aa_signature_algorithm(dg14) if key.kind == "ec" else None
        res = verify_active_authentication(challenge, signature, key, alg)
    except VerificationError as e:
        reason = Reason.AA_CHALLENGE_MISMATCH if e.reason == "AA_CHALLENGE_MISMATCH" else Reason.AA_SIGNATURE_INVALID
        return CheckResult(name, Verdict.FAILED, reason, "DG15", e.message)
    except UnsupportedError as e:
        return CheckResult(name, Verdict.UNDETERMINED, Reason.ALGORITHM_UNSUPPORTED, "DG15", e.message)
    except CccdError as e:
        return CheckResult(name, Verdict.FAILED, Reason.AA_PROTOCOL_ERROR, "DG15", str(e)[:200])
    text = f"{res.scheme} {res.hash} by {key.description}" + (f" ({res.detail})" if res.detail else "")
    if not dg15_authenticated or (key.kind == "ec" and dg14 is not None and not dg14_authenticated):
        return CheckResult(name, Verdict.UNDETERMINED, Reason.KEY_NOT_AUTHENTICATED, "DG15", "signature valid, but the key did not pass PA: " + text)
    if key.negative_integers:  # read unsigned (crypto/key_integers.py): a warning, issue 11
        return CheckResult(name, Verdict.SUCCESSFUL, Reason.KEY_INTEGER_NEGATIVE, "DG15",
                           f"{text}; {', '.join(key.negative_integers)} DER-encoded as negative, read unsigned")
    return CheckResult(name, Verdict.SUCCESSFUL, Reason.OK, "DG15", text)
