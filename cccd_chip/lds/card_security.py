"""EF.CardSecurity (BSI TR-03110-3 §A.1.2.5; ICAO 9303-11 §9.2.2, PACE-CAM).

CMS SignedData with eContentType id-SecurityObject (0.4.0.127.0.7.3.2.1) whose
eContent is the DER ``SET OF SecurityInfo``; signed by the Document Signer, so
it is verified like the SOD.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Final, Optional, Sequence

from ..errors import ParseError
from . import cms, oids
from . import security_infos as si
from .cms import SignedData
from .security_infos import SecurityInfos
from ..values import exact_bytes, FrozenValue

FILE: Final = "CardSecurity"


@dataclass(frozen=True)
class CardSecurity(FrozenValue):
    signed_data: SignedData
    security_infos: SecurityInfos
    raw: bytes


def parse(raw: bytes, *, file: Optional[str] = FILE) -> CardSecurity:
    raw = exact_bytes(raw)
    file = file or FILE
    sd = cms.parse(raw, file=file)
    if sd.econtent is None:
        raise ParseError("EF.CardSecurity without encapsulated SecurityInfos", file=file, offset=0)
    base = raw.find(sd.econtent)
    return CardSecurity(sd, si.parse(sd.econtent, file=file, base=max(base, 0)), raw)


def build(value: CardSecurity) -> bytes:
    return cms.build(value.signed_data)


def build_card_security(
    infos: Sequence[si.SecurityInfo],
    certificate_der: bytes,
    signer: Callable[[bytes], bytes],
    digest_alg: str = "sha256",
    signature_alg_oid: str = oids.ECDSA_WITH_SHA256,
    signature_params_der: Optional[bytes] = None,
    **options: Any,  # forwarded to cms.build_signed_data's keyword options
) -> bytes:
    """Sign the SecurityInfos for the virtual chip (eContentType id-SecurityObject)."""
    return cms.build_signed_data(
        oids.ID_SECURITY_OBJECT, si.build(infos), certificate_der, signer, digest_alg, signature_alg_oid,
        signature_params_der, **options,
    )
