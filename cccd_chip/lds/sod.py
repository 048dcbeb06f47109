"""EF.SOD, the Document Security Object (ICAO 9303-10 §4.6.2).

``77 L ContentInfo(SignedData(LDSSecurityObject))``. The LDSSecurityObject is
v0 (LDS 1.7) or v1 with LDSVersionInfo (LDS 1.8). Parsing keeps the raw file,
the CMS value (with exact eContent and signed-attribute bytes) and the data
group hashes in file order (duplicates are kept so a verifier can see them).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Callable, Mapping, Optional, Sequence, Union

from asn1crypto import core as a_core

from ..errors import ParseError
from ..iso7816 import tlv
from . import cms, oids
from ._der import check_structure, der, der_int, der_seq, guard
from .asn1 import LDSSecurityObject as _LSO
from .cms import AlgorithmIdentifier, SignedData

TAG = 0x77
FILE = "SOD"


@dataclass(frozen=True)
class DataGroupHash:
    number: int
    value: bytes


@dataclass(frozen=True)
class LDSSecurityObject:
    """ICAO 9303-10 §4.6.2.2 LDSSecurityObject."""

    version: int
    hash_algorithm: AlgorithmIdentifier
    data_group_hashes: tuple[DataGroupHash, ...]
    lds_version: Optional[str] = None
    unicode_version: Optional[str] = None
    raw: bytes = b""

    @property
    def hashes(self) -> dict[int, bytes]:
        """DG number -> hash (the first one when a number repeats)."""
        out: dict[int, bytes] = {}
        for h in self.data_group_hashes:
            out.setdefault(h.number, h.value)
        return out

    @property
    def hash_name(self) -> str:
        return oids.name(self.hash_algorithm.oid)


@dataclass(frozen=True)
class SOD:
    """EF.SOD: the CMS SignedData and its decoded LDSSecurityObject."""

    signed_data: SignedData
    security_object: LDSSecurityObject
    raw: bytes

    @property
    def hashes(self) -> dict[int, bytes]:
        return self.security_object.hashes

    @property
    def certificates(self) -> tuple[bytes, ...]:
        return self.signed_data.certificates


def parse_security_object(raw: bytes, *, file: Optional[str] = FILE, base: int = 0) -> LDSSecurityObject:
    """Decode the DER LDSSecurityObject (eContent of the SOD)."""
    raw = bytes(raw)
    check_structure(raw, file=file, base=base)
    with guard(file, "LDSSecurityObject", base):
        lso = _LSO.load(raw, strict=True)
        version = int(lso["version"].native)
        alg = lso["hash_algorithm"]
        params = alg["parameters"]
        hash_alg = AlgorithmIdentifier(
            alg["algorithm"].dotted, None if isinstance(params, a_core.Void) else params.dump()
        )
        hashes = []
        for item in lso["data_group_hash_values"]:
            hashes.append(
                DataGroupHash(int(item["data_group_number"].native), bytes(item["data_group_hash_value"].native))
            )
        info = lso["lds_version_info"]
        lds_version = unicode_version = None
        if not isinstance(info, a_core.Void):
            lds_version = info["lds_version"].native
            unicode_version = info["unicode_version"].native
        return LDSSecurityObject(version, hash_alg, tuple(hashes), lds_version, unicode_version, raw)


def build_security_object(value: LDSSecurityObject) -> bytes:
    """DER LDSSecurityObject from its fields (hash order kept)."""
    info = b""
    if value.lds_version is not None or value.unicode_version is not None:
        info = der_seq(der(0x13, (value.lds_version or "").encode()), der(0x13, (value.unicode_version or "").encode()))
    return der_seq(
        der_int(value.version),
        value.hash_algorithm.encode(),
        der_seq(*(der_seq(der_int(h.number), der(0x04, h.value)) for h in value.data_group_hashes)),
        info,
    )


def parse(raw: bytes, *, file: Optional[str] = FILE) -> SOD:
    """Parse EF.SOD (tag 77)."""
    raw = bytes(raw)
    outer = tlv.decode_one(raw, expected_tag=TAG, file=file)
    base = len(raw) - len(outer.value)
    try:
        sd = cms.parse(outer.value, file=file)
    except ParseError as exc:
        raise ParseError(exc.message, file=file, offset=(exc.offset or 0) + base) from exc
    if sd.econtent is None:
        raise ParseError("SOD without encapsulated LDSSecurityObject", file=file, offset=base)
    # an unexpected eContentType still parses: the verifier reports
    # SOD_CONTENT_TYPE_MISMATCH from ``signed_data.econtent_type``.
    eoff = outer.value.find(sd.econtent)
    lso = parse_security_object(sd.econtent, file=file, base=base + max(eoff, 0))
    return SOD(sd, lso, raw)


def build(value: SOD) -> bytes:
    """EF.SOD bytes from a parsed/constructed value (CMS re-encoded field by field)."""
    return tlv.encode(TAG, cms.build(value.signed_data))


def hash_data_groups(files: Mapping[int, bytes], hash_alg: str = "sha256") -> dict[int, bytes]:
    """DG number -> hash of the raw DG bytes (ICAO 9303-10 §4.6.2.2)."""
    name = oids.DIGEST_NAMES[oids.digest_oid(hash_alg)]
    return {n: hashlib.new(name, data).digest() for n, data in sorted(files.items())}


def build_sod(
    dg_hashes: Union[Mapping[int, bytes], Sequence[tuple[int, bytes]]],
    certificate_der: bytes,
    signer: Callable[[bytes], bytes],
    *,
    hash_alg: str = "sha256",
    digest_alg: Optional[str] = None,
    signature_alg_oid: str = oids.ECDSA_WITH_SHA256,
    signature_params_der: Optional[bytes] = None,
    version: int = 0,
    lds_version: str = "0108",
    unicode_version: str = "040000",
    sid: str = "ski",
    include_cert: bool = True,
    **cms_options,
) -> bytes:
    """Build and sign EF.SOD for the virtual chip (ICAO 9303-10 §4.6.2).

    ``version`` 1 adds LDSVersionInfo. ``digest_alg`` (SignerInfo) defaults
    to ``hash_alg``. Extra keyword options go to :func:`cms.build_signed_data`.
    """
    items = sorted(dg_hashes.items()) if isinstance(dg_hashes, Mapping) else list(dg_hashes)
    lso = LDSSecurityObject(
        version=version,
        hash_algorithm=AlgorithmIdentifier(oids.digest_oid(hash_alg)),
        data_group_hashes=tuple(DataGroupHash(n, v) for n, v in items),
        lds_version=lds_version if version >= 1 else None,
        unicode_version=unicode_version if version >= 1 else None,
    )
    econtent = build_security_object(lso)
    content_info = cms.build_signed_data(
        oids.ID_ICAO_LDS_SECURITY_OBJECT,
        econtent,
        certificate_der,
        signer,
        digest_alg or hash_alg,
        signature_alg_oid,
        signature_params_der,
        sid=sid,
        include_cert=include_cert,
        **cms_options,
    )
    return tlv.encode(TAG, content_info)
