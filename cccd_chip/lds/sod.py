"""EF.SOD, the Document Security Object (ICAO 9303-10 §4.6.2).

``77 L ContentInfo(SignedData(LDSSecurityObject))``. The LDSSecurityObject is
v0 (LDS 1.7) or v1 with LDSVersionInfo (LDS 1.8). Parsing keeps the raw file,
the CMS value (with exact eContent and signed-attribute bytes) and the data
group hashes in file order (duplicates are kept so a verifier can see them).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any, Callable, Final, Mapping, Optional, Sequence, Union

from ..errors import ParseError
from ..iso7816 import tlv
from . import cms, oids
from ._der import children, der, der_int, der_seq, int_at, octets, single
from .cms import AlgorithmIdentifier, SignedData
from ..values import exact_bytes, FrozenValue

TAG: Final = 0x77
FILE: Final = "SOD"


@dataclass(frozen=True, init=False)
class DataGroupHash(FrozenValue):
    number: int
    value: bytes

    def __init__(self, number: int, value: bytes) -> None:
        # stores into the slots (values.py: the generated __init__ is interpreted Python)
        object.__setattr__(self, "number", number)
        object.__setattr__(self, "value", value)


@dataclass(frozen=True, init=False)
class LDSSecurityObject(FrozenValue):
    """ICAO 9303-10 §4.6.2.2 LDSSecurityObject."""

    version: int
    hash_algorithm: AlgorithmIdentifier
    data_group_hashes: tuple[DataGroupHash, ...]
    lds_version: Optional[str] = None
    unicode_version: Optional[str] = None
    raw: bytes = b""

    def __init__(
            self,
            version: int,
            hash_algorithm: AlgorithmIdentifier,
            data_group_hashes: tuple[DataGroupHash, ...],
            lds_version: Optional[str] = None,
            unicode_version: Optional[str] = None,
            raw: bytes = b"",
    ) -> None:
        # stores into the slots (values.py: the generated __init__ is interpreted Python)
        object.__setattr__(self, "version", version)
        object.__setattr__(self, "hash_algorithm", hash_algorithm)
        object.__setattr__(self, "data_group_hashes", data_group_hashes)
        object.__setattr__(self, "lds_version", lds_version)
        object.__setattr__(self, "unicode_version", unicode_version)
        object.__setattr__(self, "raw", raw)

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


@dataclass(frozen=True, init=False)
class SOD(FrozenValue):
    """EF.SOD: the CMS SignedData and its decoded LDSSecurityObject."""

    signed_data: SignedData
    security_object: LDSSecurityObject
    raw: bytes

    def __init__(self, signed_data: SignedData, security_object: LDSSecurityObject, raw: bytes) -> None:
        # stores into the slots (values.py: the generated __init__ is interpreted Python)
        object.__setattr__(self, "signed_data", signed_data)
        object.__setattr__(self, "security_object", security_object)
        object.__setattr__(self, "raw", raw)

    @property
    def hashes(self) -> dict[int, bytes]:
        return self.security_object.hashes

    @property
    def certificates(self) -> tuple[bytes, ...]:
        return self.signed_data.certificates


def parse_security_object(raw: bytes, *, file: Optional[str] = FILE, base: int = 0) -> LDSSecurityObject:
    """Decode the DER LDSSecurityObject (eContent of the SOD), one bounded pass."""
    raw = exact_bytes(raw)
    _, _, vs, ve = single(raw, 0, len(raw), 0x30, "LDSSecurityObject", file=file, base=base)
    parts = children(raw, vs, ve, file=file, base=base)
    if len(parts) not in (3, 4):
        raise ParseError(f"LDSSecurityObject with {len(parts)} fields", file=file, offset=base)
    version = int_at(raw, parts[0], "LDSSecurityObject version", file=file, base=base)
    hash_alg = cms.read_algorithm_identifier(raw, parts[1], file=file, base=base)
    tag, pos, s, e = parts[2]
    if tag != 0x30:
        raise ParseError("dataGroupHashValues is not a SEQUENCE", file=file, offset=base + pos)
    hashes = []
    for tag, pos, hs, he in children(raw, s, e, file=file, base=base):
        entry = _inline_hash(raw, tag, hs, he)
        hashes.append(entry if entry is not None else _hash_entry(raw, tag, pos, hs, he, file, base))
    lds_version = unicode_version = None
    if len(parts) == 4:
        tag, pos, s, e = parts[3]
        info = children(raw, s, e, file=file, base=base) if tag == 0x30 else ()
        if len(info) != 2 or info[0][0] != 0x13 or info[1][0] != 0x13:
            raise ParseError("malformed LDSVersionInfo", file=file, offset=base + pos)
        # PrintableString (X.680 §41.4); latin-1 never fails, a verifier sees what was sent
        lds_version = raw[info[0][2] : info[0][3]].decode("latin-1")
        unicode_version = raw[info[1][2] : info[1][3]].decode("latin-1")
    return LDSSecurityObject(version, hash_alg, tuple(hashes), lds_version, unicode_version, raw)


def _inline_hash(raw: bytes, tag: int, hs: int, he: int) -> Optional[DataGroupHash]:
    """The common DataGroupHash form read inline, else None: 30 L 02 01 nn 04 L' <L' bytes> with
    nn < 80 (a one-byte non-negative dataGroupNumber) and L' < 80 filling the SEQUENCE exactly.

    Gives the values :func:`_hash_entry` gives it (tests/lds/test_sod_fast_path.py, which
    compares the parse with this function switched off); everything else, and every error,
    goes through :func:`_hash_entry`."""
    if (tag == 0x30 and he - hs >= 5 and raw[hs] == 0x02 and raw[hs + 1] == 0x01 and raw[hs + 2] < 0x80
            and raw[hs + 3] == 0x04 and raw[hs + 4] < 0x80 and hs + 5 + raw[hs + 4] == he):
        return DataGroupHash(raw[hs + 2], raw[hs + 5 : he])
    return None


def _hash_entry(raw: bytes, tag: int, pos: int, hs: int, he: int, file: Optional[str], base: int) -> DataGroupHash:
    """One DataGroupHash ::= SEQUENCE { dataGroupNumber INTEGER, dataGroupHashValue OCTET STRING } (9303-10 §4.6.2.2)."""
    item = children(raw, hs, he, file=file, base=base) if tag == 0x30 else ()
    if len(item) != 2:
        raise ParseError("malformed DataGroupHash", file=file, offset=base + pos)
    number = int_at(raw, item[0], "dataGroupNumber", file=file, base=base)
    return DataGroupHash(number, octets(raw, item[1], "dataGroupHashValue", file=file, base=base))


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
    """Parse EF.SOD (tag 77): one bounded pass over the DER (BER made definite first), eContent and signed attributes byte-exact."""
    raw = exact_bytes(raw)
    try:
        return _parse(raw, raw, file)
    except ParseError as exc:
        # RFC 5652 §1.1: BER (indefinite lengths, segmented eContent); only lengths change
        fixed = cms.definite_form(raw, exc, file=file)
    return _parse(fixed, raw, file)


def _parse(data: bytes, raw: bytes, file: Optional[str]) -> SOD:
    _, _, vs, ve = single(data, 0, len(data), TAG, "EF.SOD", file=file)
    sd, eoff = cms.parse_at(data, vs, ve, file=file)
    if sd.econtent is None:
        raise ParseError("SOD without encapsulated LDSSecurityObject", file=file, offset=vs)
    # an unexpected eContentType still parses: the verifier reports
    # SOD_CONTENT_TYPE_MISMATCH from ``signed_data.econtent_type``.
    lso = parse_security_object(sd.econtent, file=file, base=eoff if eoff >= 0 else vs)
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
    **cms_options: Any,  # forwarded to cms.build_signed_data's keyword options
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
