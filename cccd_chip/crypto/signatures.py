"""Signature verification for eMRTD PKI objects (ICAO 9303-12 §4.4, BSI TR-03111).

One entry point, :func:`verify_signature`, for every signature the toolkit
checks: SOD / CardSecurity / master-list SignerInfos, certificates, CRLs and
Active Authentication (ECDSA, plain ``r||s``). Supported:

- RSA PKCS#1 v1.5 with SHA-1/224/256/384/512, also under the plain
  ``rsaEncryption`` OID (the hash then comes from the SignerInfo's
  digestAlgorithm);
- RSASSA-PSS with the parameters given in the AlgorithmIdentifier
  (hash, MGF1 hash, salt length; trailer field must be 1);
- ECDSA with SHA-1 .. SHA-512, ANSI X9.62 OIDs (DER signature) and BSI
  ``ecdsa-plain-*`` OIDs (plain ``r||s``), on NIST and brainpool curves;
- DSA (FIPS 186-4) with SHA-1 .. SHA-512 (``id-dsa-with-sha1``, NIST
  ``dsa-with-sha224`` ..; RFC 3279 §2.2.2, RFC 5758 §3.1), DER
  ``Dss-Sig-Value``, keys with p, q, g in the SPKI (RFC 3279 §2.3.2) of the
  FIPS 186-4 §4.2 sizes (L, N) = (1024, 160), (2048, 224), (2048, 256),
  (3072, 256).

EC keys may carry explicit domain parameters (ICAO 9303-12 requires it for
CSCA and DS keys). They are mapped to a named curve only when **every**
parameter matches (p, a, b, G, n, h, see :mod:`cccd_chip.crypto.ecdsa`);
otherwise the key is verified by the project's own ECDSA over the curve as
given, after the domain has been validated.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Callable, cast, Final, Optional

from asn1crypto import algos as _algos
from asn1crypto import core as _core
from asn1crypto import keys as _keys
from cryptography.exceptions import InvalidSignature
from cryptography.exceptions import UnsupportedAlgorithm as _CryptoUnsupported
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import dsa, ec, padding, rsa, utils

from ..errors import CccdError, InvalidPublicKeyError, ParseError, UnsupportedError, VerificationError
from ..iso7816.tlv import encode_length
from ..lds._der import read_element
from . import ec as _ec
from . import ecdsa as _ecdsa
from .key_integers import read_key_integer, read_key_integer_element, read_rsa_public_key
from .primes import probably_prime
from ..values import exact_bytes, FrozenValue

# --- algorithm identifiers ----------------------------------------------------

HASH_OIDS: Final[dict[str, str]] = {
    "1.3.14.3.2.26": "sha1",
    "2.16.840.1.101.3.4.2.4": "sha224",
    "2.16.840.1.101.3.4.2.1": "sha256",
    "2.16.840.1.101.3.4.2.2": "sha384",
    "2.16.840.1.101.3.4.2.3": "sha512",
}
HASH_SIZES: Final = {"sha1": 20, "sha224": 28, "sha256": 32, "sha384": 48, "sha512": 64}

OID_RSA: Final = "1.2.840.113549.1.1.1"
OID_RSASSA_PSS: Final = "1.2.840.113549.1.1.10"
OID_EC_PUBLIC_KEY: Final = "1.2.840.10045.2.1"
OID_MGF1: Final = "1.2.840.113549.1.1.8"
OID_DSA: Final = "1.2.840.10040.4.1"  # id-dsa (RFC 3279 §2.3.2)

_SIG_OIDS: Final[dict[str, tuple[str, Optional[str]]]] = {
    "1.2.840.113549.1.1.5": ("rsa-pkcs1v15", "sha1"),
    "1.3.14.3.2.29": ("rsa-pkcs1v15", "sha1"),
    "1.2.840.113549.1.1.14": ("rsa-pkcs1v15", "sha224"),
    "1.2.840.113549.1.1.11": ("rsa-pkcs1v15", "sha256"),
    "1.2.840.113549.1.1.12": ("rsa-pkcs1v15", "sha384"),
    "1.2.840.113549.1.1.13": ("rsa-pkcs1v15", "sha512"),
    OID_RSA: ("rsa-pkcs1v15", None),
    OID_RSASSA_PSS: ("rsa-pss", None),
    "1.2.840.10045.4.1": ("ecdsa", "sha1"),
    "1.2.840.10045.4.3.1": ("ecdsa", "sha224"),
    "1.2.840.10045.4.3.2": ("ecdsa", "sha256"),
    "1.2.840.10045.4.3.3": ("ecdsa", "sha384"),
    "1.2.840.10045.4.3.4": ("ecdsa", "sha512"),
    OID_EC_PUBLIC_KEY: ("ecdsa", None),
    # BSI TR-03111 §5.2.1 ecdsa-plain-signatures (r||s)
    "0.4.0.127.0.7.1.1.4.1.1": ("ecdsa-plain", "sha1"),
    "0.4.0.127.0.7.1.1.4.1.2": ("ecdsa-plain", "sha224"),
    "0.4.0.127.0.7.1.1.4.1.3": ("ecdsa-plain", "sha256"),
    "0.4.0.127.0.7.1.1.4.1.4": ("ecdsa-plain", "sha384"),
    "0.4.0.127.0.7.1.1.4.1.5": ("ecdsa-plain", "sha512"),
    # DSA: RFC 3279 §2.2.2 id-dsa-with-sha1, NIST CSOR sigAlgs (RFC 5758 §3.1)
    "1.2.840.10040.4.3": ("dsa", "sha1"),
    "2.16.840.1.101.3.4.3.1": ("dsa", "sha224"),
    "2.16.840.1.101.3.4.3.2": ("dsa", "sha256"),
    "2.16.840.1.101.3.4.3.3": ("dsa", "sha384"),
    "2.16.840.1.101.3.4.3.4": ("dsa", "sha512"),
    OID_DSA: ("dsa", None),  # bare id-dsa in a SignerInfo: hash from its digestAlgorithm
}
# FIPS 186-4 §4.2: the (L, N) = (bits of p, bits of q) pairs
DSA_SIZES: Final = frozenset({(1024, 160), (2048, 224), (2048, 256), (3072, 256)})

_HASH_CLASSES: Final[dict[str, type[hashes.HashAlgorithm]]] = {
    "sha1": hashes.SHA1,
    "sha224": hashes.SHA224,
    "sha256": hashes.SHA256,
    "sha384": hashes.SHA384,
    "sha512": hashes.SHA512,
}


def hash_algorithm(name: str) -> hashes.HashAlgorithm:
    """cryptography hash object for ``sha1`` .. ``sha512``."""
    try:
        return _HASH_CLASSES[name]()
    except KeyError:
        raise UnsupportedError(f"hash algorithm {name} not supported", reason="ALGORITHM_UNSUPPORTED") from None


# hashlib's named constructors: no name lookup per call, as hashlib.new does (a DG hash per data
# group per document, the eContent, the AA message)
_HASH_CONSTRUCTORS: Final[dict[str, Callable[[bytes], Any]]] = {
    "sha1": hashlib.sha1, "sha224": hashlib.sha224, "sha256": hashlib.sha256, "sha384": hashlib.sha384,
    "sha512": hashlib.sha512,
}


def digest_named(name: str, data: bytes) -> bytes:
    """The ``name`` digest of ``data`` (a hashlib name): its named constructor where there is one,
    else ``hashlib.new``."""
    ctor = _HASH_CONSTRUCTORS.get(name)
    return ctor(data).digest() if ctor is not None else hashlib.new(name, data).digest()


def hash_name_from_oid(oid: str) -> str:
    """``sha256`` for ``2.16.840.1.101.3.4.2.1`` etc.; UnsupportedError otherwise."""
    try:
        return HASH_OIDS[oid]
    except KeyError:
        raise UnsupportedError(f"digest algorithm {oid} not supported", reason="ALGORITHM_UNSUPPORTED") from None


@dataclass(frozen=True)
class SignatureAlgorithm(FrozenValue):
    """A resolved signature algorithm (scheme + hash + PSS parameters)."""

    scheme: str  # "rsa-pkcs1v15" | "rsa-pss" | "ecdsa" | "ecdsa-plain" | "dsa"
    hash: str  # "sha1" .. "sha512"
    oid: str = ""
    salt_length: Optional[int] = None
    mgf_hash: Optional[str] = None

    @property
    def name(self) -> str:
        if self.scheme == "rsa-pss":
            return f"rsassa-pss({self.hash},mgf1-{self.mgf_hash},salt={self.salt_length})"
        return f"{self.scheme}-{self.hash}"


def parse_signature_algorithm(alg_id_der: bytes, *, digest_oid: Optional[str] = None) -> SignatureAlgorithm:
    """Resolve an AlgorithmIdentifier (DER) to a :class:`SignatureAlgorithm`.

    ``digest_oid`` (the SignerInfo's digestAlgorithm) supplies the hash for
    the bare ``rsaEncryption`` / ``id-ecPublicKey`` OIDs (ICAO 9303-12 §4.4.2).
    """
    try:
        alg = _algos.SignedDigestAlgorithm.load(alg_id_der, strict=True)
        oid = alg["algorithm"].dotted
        params = alg["parameters"]
    except (ValueError, TypeError, KeyError) as e:
        raise ParseError(f"malformed signature AlgorithmIdentifier ({type(e).__name__})") from None
    return _resolve(oid, params, digest_oid)


@lru_cache(maxsize=256)
def _cached_alg(alg_id_der: bytes, digest_oid: Optional[str]) -> SignatureAlgorithm:
    return parse_signature_algorithm(alg_id_der, digest_oid=digest_oid)


def signature_algorithm(alg_id_der: bytes, *, digest_oid: Optional[str] = None) -> SignatureAlgorithm:
    """Cached :func:`parse_signature_algorithm` (algorithm ids repeat across documents)."""
    return _cached_alg(exact_bytes(alg_id_der), digest_oid)


# asn1crypto ships no type stubs: its values (``params``, ``info`` below) are ``Any`` to mypy.


def _resolve(oid: str, params: Any, digest_oid: Optional[str]) -> SignatureAlgorithm:
    entry = _SIG_OIDS.get(oid)
    if entry is None:
        raise UnsupportedError(f"signature algorithm {oid} not supported", reason="ALGORITHM_UNSUPPORTED")
    scheme, hash_name = entry
    if scheme == "rsa-pss":
        return _resolve_pss(oid, params)
    if hash_name is None:
        if digest_oid is None:
            raise UnsupportedError(f"signature algorithm {oid} needs a digest algorithm", reason="ALGORITHM_UNSUPPORTED")
        hash_name = hash_name_from_oid(digest_oid)
    return SignatureAlgorithm(scheme, hash_name, oid)


def _resolve_pss(oid: str, params: Any) -> SignatureAlgorithm:
    """RSASSA-PSS-params (RFC 4055 §3.1): defaults SHA-1, MGF1-SHA-1, salt 20."""
    try:
        if isinstance(params, _core.Void) or params is None or params.native is None:
            p = _algos.RSASSAPSSParams({})
        elif isinstance(params, _algos.RSASSAPSSParams):
            p = params
        else:
            p = _algos.RSASSAPSSParams.load(params.dump(), strict=True)
        hash_name = hash_name_from_oid(p["hash_algorithm"]["algorithm"].dotted)
        mgf = p["mask_gen_algorithm"]
        if mgf["algorithm"].dotted != OID_MGF1:
            raise UnsupportedError("RSASSA-PSS mask generation function not supported", reason="ALGORITHM_UNSUPPORTED")
        mgf_hash = hash_name_from_oid(mgf["parameters"]["algorithm"].dotted)
        salt = int(p["salt_length"].native)
        trailer = p["trailer_field"].native
    except (ValueError, TypeError, KeyError) as e:
        raise ParseError(f"malformed RSASSA-PSS parameters ({type(e).__name__})") from None
    if trailer not in ("trailer_field_bc", 1):
        raise UnsupportedError("RSASSA-PSS trailer field not supported", reason="ALGORITHM_UNSUPPORTED")
    if salt < 0 or salt > 1024:
        raise ParseError("RSASSA-PSS salt length out of range")
    return SignatureAlgorithm("rsa-pss", hash_name, oid, salt, mgf_hash)


# --- public keys ----------------------------------------------------------------


@dataclass(frozen=True)
class PublicKey(FrozenValue):
    """A verification key parsed from a SubjectPublicKeyInfo.

    ``curve`` is the named curve (``brainpoolP512r1``) when the key names one
    or its explicit parameters match one exactly (else ``explicit``);
    ``explicit`` says whether the SPKI carried explicit parameters. Either
    ``_key`` (a cryptography key, OpenSSL does the work) or
    ``_curve``/``_point`` (own ECDSA, :mod:`cccd_chip.crypto.ecdsa`) is set.
    DSA: ``bits`` is L (the size of p), ``subgroup_bits`` N (the size of q).
    """

    kind: str  # "rsa" | "ec" | "dsa"
    spki: bytes
    bits: int
    curve: Optional[str] = None
    explicit: bool = False
    _key: Any = field(default=None, repr=False, compare=False)
    _curve: Optional[_ec.Curve] = field(default=None, repr=False, compare=False)
    _point: Optional[_ec.Point] = field(default=None, repr=False, compare=False)
    subgroup_bits: int = 0
    # key integers DER-encoded as negative and read unsigned (crypto/key_integers.py): a warning
    negative_integers: tuple[str, ...] = ()

    @property
    def description(self) -> str:
        if self.kind == "rsa":
            return f"RSA-{self.bits}"
        if self.kind == "dsa":
            return f"DSA-{self.bits}/{self.subgroup_bits}"
        return f"EC {self.curve}{' (explicit parameters)' if self.explicit else ''}"

    def __reduce__(self) -> tuple[Callable[[bytes], "PublicKey"], tuple[bytes]]:
        # cryptography keys do not pickle: rebuild from the SPKI
        return (load_public_key, (self.spki,))


def _ossl_rsa(key: PublicKey) -> rsa.RSAPublicKey:
    """The OpenSSL key of an RSA PublicKey (``_load_rsa`` always sets one)."""
    return cast(rsa.RSAPublicKey, key._key)


def _ossl_ec(key: PublicKey) -> Optional[ec.EllipticCurvePublicKey]:
    """The OpenSSL key of an EC PublicKey; None when own ECDSA does the work (``_load_ec``)."""
    return cast(Optional[ec.EllipticCurvePublicKey], key._key)


def _ossl_dsa(key: PublicKey) -> dsa.DSAPublicKey:
    """The OpenSSL key of a DSA PublicKey (``_load_dsa`` always sets one)."""
    return cast(dsa.DSAPublicKey, key._key)


@lru_cache(maxsize=4096)
def load_public_key(spki_der: bytes) -> PublicKey:
    """Parse a SubjectPublicKeyInfo (RSA, RSASSA-PSS, EC named/explicit, DSA with p, q, g)."""
    return _load_spki(exact_bytes(spki_der), common_rsa=True)


def _load_spki(spki_der: bytes, *, common_rsa: bool) -> PublicKey:
    """:func:`load_public_key`; ``common_rsa`` False: every key through asn1crypto (the tests compare both)."""
    common = _rsa_spki_common(spki_der) if common_rsa else None
    if common is not None:
        try:
            return _load_rsa_key(spki_der, common)
        except Exception:  # refused: the general path below refuses it too, in its own words
            pass
    try:
        info = _keys.PublicKeyInfo.load(spki_der, strict=True)
        alg_oid = info["algorithm"]["algorithm"].dotted
        if alg_oid in (OID_RSA, OID_RSASSA_PSS):
            return _load_rsa(spki_der, info)
        if alg_oid == OID_EC_PUBLIC_KEY:
            return _load_ec(spki_der, info)
        if alg_oid == OID_DSA:
            return _load_dsa(spki_der, info)
    except CccdError:
        raise
    except Exception as e:  # asn1crypto raises many types on malformed input
        raise ParseError(f"malformed SubjectPublicKeyInfo ({type(e).__name__})") from None
    raise UnsupportedError(f"public key algorithm {alg_oid} not supported", reason="ALGORITHM_UNSUPPORTED")


# AlgorithmIdentifier { rsaEncryption, NULL } in DER (RFC 3279 §2.3.1): what nearly every RSA key carries
_RSA_ENCRYPTION_NULL: Final = bytes.fromhex("300d06092a864886f70d0101010500")


def _rsa_spki_common(spki: bytes) -> Optional[bytes]:
    """The RSAPublicKey DER of an RSA SubjectPublicKeyInfo in its common form (RFC 5280 §4.1.2.7:
    ``30 L { 30 0D 06 09 rsaEncryption 05 00, 03 L' 00 RSAPublicKey }``, minimal DER lengths,
    nothing after), read with the DER walker instead of asn1crypto (~3 us instead of ~16, once per
    card for an AA key); None for any other form, which the general path reads and judges, as it
    does every key the common form refuses (tests/crypto/test_rsa_spki_fast_path.py: the same key
    or the same refusal on every input)."""
    end = len(spki)
    try:
        tag, vs, ve = read_element(spki, 0, end)
        bpos = vs + len(_RSA_ENCRYPTION_NULL)
        if tag != 0x30 or ve != end or vs != 1 + len(encode_length(ve - vs)) or spki[vs:bpos] != _RSA_ENCRYPTION_NULL:
            return None
        tag, bs, be = read_element(spki, bpos, end)
    except ParseError:
        return None
    if tag != 0x03 or be != end or bs - bpos != 1 + len(encode_length(be - bs)) or be - bs < 2 or spki[bs] != 0:
        return None
    return spki[bs + 1:be]


def _load_rsa(spki_der: bytes, info: Any) -> PublicKey:
    """RSA key from asn1crypto's parse of the SubjectPublicKeyInfo."""
    return _load_rsa_key(spki_der, bytes(info["public_key"]))


def _load_rsa_key(spki_der: bytes, rsa_public_key: bytes) -> PublicKey:
    """RSA key; modulus and exponent read unsigned (:mod:`.key_integers`, issue 11)."""
    n_int, e_int = read_rsa_public_key(rsa_public_key)
    n, e = n_int.value, e_int.value
    if n <= 0 or e < 3 or e % 2 == 0 or n.bit_length() < 512 or n.bit_length() > 16384:
        raise InvalidPublicKeyError("RSA public key out of range")
    key = rsa.RSAPublicNumbers(e, n).public_key()
    warnings = tuple(w for w, k in (("RSA modulus", n_int), ("RSA exponent", e_int)) if k.negative_encoding)
    return PublicKey("rsa", spki_der, n.bit_length(), _key=key, negative_integers=warnings)


def _load_ec(spki_der: bytes, info: Any) -> PublicKey:
    params = info["algorithm"]["parameters"]
    point_bytes = bytes(info["public_key"])
    if params.name == "named":
        curve = _ecdsa.named_curve(params.chosen.dotted)
        if curve is None:
            raise UnsupportedError(f"EC curve {params.chosen.dotted} not supported", reason="ALGORITHM_UNSUPPORTED")
        explicit = False
    elif params.name == "specified":
        curve = _ecdsa.domain_from_specified(params.chosen)
        explicit = True
        if curve.oid is None:
            _ecdsa.validate_domain(curve)
    else:
        raise UnsupportedError("implicitlyCA EC parameters not supported", reason="ALGORITHM_UNSUPPORTED")
    ossl = _ec.ossl_curve(curve)
    if ossl is not None:
        q = _ecdsa.public_point(curve, point_bytes)
        key = ec.EllipticCurvePublicKey.from_encoded_point(ossl, _ec.encode_point(curve, q))
        return PublicKey("ec", spki_der, curve.n.bit_length(), curve.name, explicit, _key=key)
    q = _ecdsa.public_point(curve, point_bytes)
    return PublicKey("ec", spki_der, curve.n.bit_length(), curve.name, explicit, _curve=curve, _point=q)


def _load_dsa(spki_der: bytes, info: Any) -> PublicKey:
    """DSA key (RFC 3279 §2.3.2): Dss-Parms {p, q, g} in the AlgorithmIdentifier, INTEGER y.

    Sizes must be a FIPS 186-4 §4.2 pair (else UnsupportedError). Partial
    validation (SP 800-89 §5.3.2, FIPS 186-4 A.1.1.1 in part): q prime,
    q | p-1, p odd and a base-2 Fermat probable prime, g and y in [2, p-2]
    of order q (else InvalidPublicKeyError). The key is authenticated by its
    issuer's signature; these checks refuse broken keys, they do not replace
    full domain-parameter validation.
    """
    params = info["algorithm"]["parameters"]
    if not isinstance(params, _keys.DSAParams):
        # absent: RFC 3279 §2.3.2 lets the key inherit the issuer's parameters
        raise UnsupportedError("DSA key without p, q, g (inherited parameters) not supported", reason="ALGORITHM_UNSUPPORTED")
    ints = {k: read_key_integer(params[k].contents, what=f"DSA {k}") for k in ("p", "q", "g")}
    ints["y"] = read_key_integer_element(bytes(info["public_key"]), what="DSA y")
    p, q, g, y = (ints[k].value for k in ("p", "q", "g", "y"))
    warnings = tuple(f"DSA {k}" for k, v in ints.items() if v.negative_encoding)
    size = (p.bit_length(), q.bit_length())
    if size not in DSA_SIZES and warnings:  # negative, and no sense as a magnitude either
        raise InvalidPublicKeyError(f"DSA key integer {warnings[0]} is negative")
    if size not in DSA_SIZES:
        raise UnsupportedError(f"DSA (L, N) = {size} is not a FIPS 186-4 size", reason="ALGORITHM_UNSUPPORTED")
    if p <= 0 or q <= 0 or p % 2 == 0 or (p - 1) % q != 0:
        raise InvalidPublicKeyError("DSA parameters invalid: q does not divide p-1")
    if not 2 <= g <= p - 2 or pow(g, q, p) != 1:
        raise InvalidPublicKeyError("DSA parameters invalid: g does not generate a subgroup of order q")
    if not 2 <= y <= p - 2 or pow(y, q, p) != 1:
        raise InvalidPublicKeyError("DSA public key out of range or not in the subgroup of order q")
    if not probably_prime(q) or pow(2, p - 1, p) != 1:
        raise InvalidPublicKeyError("DSA parameters invalid: p or q not prime")
    try:
        key = dsa.DSAPublicNumbers(y, dsa.DSAParameterNumbers(p, q, g)).public_key()
    except (ValueError, TypeError, _CryptoUnsupported) as e:  # refused by cryptography / OpenSSL
        raise UnsupportedError(
            f"DSA key refused by the crypto back end ({type(e).__name__})", reason="ALGORITHM_UNSUPPORTED"
        ) from None
    return PublicKey("dsa", spki_der, size[0], _key=key, subgroup_bits=size[1], negative_integers=warnings)


# --- verification ---------------------------------------------------------------


def verify_signature(key: PublicKey, alg: SignatureAlgorithm, message: bytes, signature: bytes) -> None:
    """Verify ``signature`` over ``message``; raise VerificationError if it is wrong.

    The key type must fit the scheme. Both are known here, so a mismatch (an ECDSA
    signature under an RSA key, ...) is a signature that cannot be valid under this key:
    VerificationError (KEY_FAMILY_MISMATCH), never "unsupported" - a forger who re-signs
    with a key of another family must not be downgraded to undetermined (issue 10, defect 5).
    """
    wanted = "rsa" if alg.scheme.startswith("rsa") else "dsa" if alg.scheme == "dsa" else "ec"
    if key.kind != wanted:
        raise VerificationError(f"{alg.name} signature cannot be made by a {key.kind.upper()} key",
                                reason="KEY_FAMILY_MISMATCH")
    if wanted == "rsa":
        _verify_rsa(key, alg, message, signature)
        return
    if wanted == "dsa":
        _verify_dsa(key, alg, message, signature)
        return
    ossl = _ossl_ec(key)
    if alg.scheme == "ecdsa-plain":
        r, s = split_plain_signature(signature, key)
    elif ossl is not None:
        # DER Ecdsa-Sig-Value straight to OpenSSL (it rejects malformed DER)
        try:
            ossl.verify(signature, message, ec.ECDSA(hash_algorithm(alg.hash)))
            return
        except InvalidSignature:
            pass
        # some signers encode r or s without the leading 00 (a negative INTEGER) or
        # with extra zeros: read them as unsigned and retry with canonical DER
        canonical = _canonical_ecdsa_der(signature)
        if canonical is not None and canonical != signature:
            try:
                ossl.verify(canonical, message, ec.ECDSA(hash_algorithm(alg.hash)))
                return
            except InvalidSignature:
                pass
        raise VerificationError(f"ecdsa-{alg.hash} signature invalid")
    else:
        r, s = _decode_der_signature(signature)
    verify_ecdsa_rs(key, alg.hash, message, r, s)


def _verify_rsa(key: PublicKey, alg: SignatureAlgorithm, message: bytes, signature: bytes) -> None:
    pad, h = _rsa_padding(alg)
    try:
        _ossl_rsa(key).verify(signature, message, pad, h)
    except InvalidSignature:
        raise VerificationError(f"{alg.name} signature invalid") from None
    except ValueError:
        raise VerificationError(f"{alg.name} signature malformed") from None


_RsaPadding = tuple[padding.AsymmetricPadding, hashes.HashAlgorithm]
_RSA_PADDINGS: Final[dict[tuple[str, str, Optional[str], Optional[int]], _RsaPadding]] = {}
_RSA_PADDINGS_MAX: Final = 64  # the salt length comes from the signer: the cache stays bounded


def _rsa_padding(alg: SignatureAlgorithm) -> _RsaPadding:
    """pyca's padding and hash objects for an RSA scheme (RFC 8017 §8.1 PSS, §8.2 v1.5), made once:
    they are immutable parameters, and building PSS + MGF1 + two hashes costs ~0.6 us a signature."""
    key = (alg.scheme, alg.hash, alg.mgf_hash, alg.salt_length)
    hit = _RSA_PADDINGS.get(key)
    if hit is None:
        h = hash_algorithm(alg.hash)
        if alg.scheme == "rsa-pss":
            pad: padding.AsymmetricPadding = padding.PSS(
                mgf=padding.MGF1(hash_algorithm(alg.mgf_hash or alg.hash)), salt_length=alg.salt_length or 0
            )
        else:
            pad = padding.PKCS1v15()
        hit = (pad, h)
        if len(_RSA_PADDINGS) < _RSA_PADDINGS_MAX:
            _RSA_PADDINGS[key] = hit
    return hit


def _verify_dsa(key: PublicKey, alg: SignatureAlgorithm, message: bytes, signature: bytes) -> None:
    """DSA over a DER Dss-Sig-Value (RFC 3279 §2.2.2); a hash longer than q is truncated (FIPS 186-4 §4.6)."""
    h = hash_algorithm(alg.hash)
    ossl = _ossl_dsa(key)
    candidates = [signature]
    canonical = _canonical_ecdsa_der(signature)  # same SEQUENCE { r, s }: lenient INTEGERs, as for ECDSA
    if canonical is not None and canonical != signature:
        candidates.append(canonical)
    for sig in candidates:
        try:
            ossl.verify(sig, message, h)
            return
        except (InvalidSignature, ValueError):
            continue
    raise VerificationError(f"dsa-{alg.hash} signature invalid")


def split_plain_signature(signature: bytes, key: PublicKey) -> tuple[int, int]:
    """Plain ``r||s`` (BSI TR-03111 §5.2.1): two halves of the order's length."""
    size = (key.bits + 7) // 8
    if len(signature) != 2 * size:
        raise VerificationError("plain ECDSA signature has the wrong length")
    return int.from_bytes(signature[:size], "big"), int.from_bytes(signature[size:], "big")


def _canonical_ecdsa_der(signature: bytes) -> Optional[bytes]:
    """Re-encode SEQUENCE { INTEGER r, INTEGER s } read leniently (unsigned), or None."""
    from ..iso7816 import tlv

    try:
        outer = tlv.decode_one(signature, expected_tag=0x30)
        parts = tlv.decode(outer.value)
    except CccdError:
        return None
    if len(parts) != 2 or any(p.tag != 0x02 or not p.value or len(p.value) > 80 for p in parts):
        return None
    r, s = (int.from_bytes(p.value, "big") for p in parts)
    if r == 0 or s == 0:
        return None
    return utils.encode_dss_signature(r, s)


def _decode_der_signature(signature: bytes) -> tuple[int, int]:
    try:
        return utils.decode_dss_signature(signature)
    except ValueError:
        raise VerificationError("ECDSA signature is not a valid DER Ecdsa-Sig-Value") from None


def verify_ecdsa_rs(key: PublicKey, hash_name: str, message: bytes, r: int, s: int) -> None:
    """ECDSA verification of (r, s) over ``message`` hashed with ``hash_name``."""
    if key.kind != "ec":
        raise VerificationError(f"an ECDSA signature cannot be made by a {key.kind.upper()} key",
                                reason="KEY_FAMILY_MISMATCH")
    ossl = _ossl_ec(key)
    if ossl is not None:
        if r <= 0 or s <= 0:
            raise VerificationError("ECDSA signature out of range")
        try:
            sig = utils.encode_dss_signature(r, s)
            ossl.verify(sig, message, ec.ECDSA(hash_algorithm(hash_name)))
        except InvalidSignature:
            raise VerificationError(f"ecdsa-{hash_name} signature invalid") from None
        return
    assert key._curve is not None and key._point is not None
    digest = _digest(hash_name, message)
    if not _ecdsa.verify_digest(key._curve, key._point, digest, r, s):
        raise VerificationError(f"ecdsa-{hash_name} signature invalid")


def _digest(hash_name: str, message: bytes) -> bytes:
    h = hashes.Hash(hash_algorithm(hash_name))
    h.update(message)
    return h.finalize()
