"""DG14, security options (ICAO 9303-10 §4.7.14, 9303-11 §9.2): ``6E L SecurityInfos``.

The SET keeps the order and bytes read: re-encoding (or DER re-sorting) before
hashing has broken Passive Authentication elsewhere (JMRTD DG14 SET reorder).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Optional, Sequence

from ..content_cache import ContentCache
from ..iso7816 import tlv
from . import security_infos as si
from .security_infos import SecurityInfos
from ..values import exact_bytes, FrozenValue

TAG: Final = 0x6E
FILE: Final = "DG14"


@dataclass(frozen=True)
class DG14(FrozenValue):
    security_infos: SecurityInfos
    raw: bytes


_PARSED: Final["ContentCache[DG14]"] = ContentCache("DG14", 1024)


def parse(raw: bytes, *, file: Optional[str] = FILE) -> DG14:
    """Parse DG14; the result is cached by the exact bytes (and ``file``, which errors name):
    one verification reads it in the EF.CardAccess, PACE-CAM, CA and AA checks
    (:mod:`cccd_chip.content_cache`: errors are never cached, a changed byte is another key)."""
    raw = exact_bytes(raw)
    return _PARSED.get_or_compute((raw, file), lambda: _parse(raw, file))


def _parse(raw: bytes, file: Optional[str]) -> DG14:
    outer = tlv.decode_one(raw, expected_tag=TAG, file=file)
    base = len(raw) - len(outer.value)
    return DG14(si.parse(outer.value, file=file or FILE, base=base), raw)


def build(value: DG14) -> bytes:
    """Encode in the value's SET order (each info's own bytes kept)."""
    return tlv.encode(TAG, si.build(value.security_infos.infos, der_sort=False))


def make(infos: Sequence[si.SecurityInfo], *, der_sort: bool = True) -> DG14:
    """DG14 for the virtual chip; DER SET order by default."""
    return parse(tlv.encode(TAG, si.build(infos, der_sort=der_sort)))


CaKeyChoice = tuple[Optional[si.ChipAuthenticationInfo], Optional[si.ChipAuthenticationPublicKeyInfo],
                    Optional[str], Optional[str]]
DEFAULT_CA_CIPHER: Final = "3DES"  # DG14 without ChipAuthenticationInfo: TR-03110 v1 default


def ca_key_choice(infos: SecurityInfos) -> CaKeyChoice:
    """(ChipAuthenticationInfo or None, public key info, cipher, oid): the first usable pair.

    The key a terminal uses for Chip Authentication v1 (ICAO 9303-11 §9.2.5, §9.2.6): the
    first ChipAuthenticationInfo of version 1 whose keyId names a key of the same key
    agreement; without any ChipAuthenticationInfo, the first key with 3DES.
    """
    keys = infos.chip_authentication_public_keys
    for ca in infos.chip_authentication_infos:
        key = infos.ca_public_key(ca.key_id)
        if key is None and ca.key_id is None and keys:
            key = keys[0]
        if key is not None and key.key_agreement == ca.algorithm.key_agreement and ca.version == 1:
            return ca, key, ca.algorithm.cipher, ca.protocol
    if keys and not infos.chip_authentication_infos:
        key = keys[0]
        return None, key, DEFAULT_CA_CIPHER, si.ca_oid(key.key_agreement, DEFAULT_CA_CIPHER)
    return None, None, None, None
