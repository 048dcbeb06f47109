"""PACE-CAM: do the chip authentication data match a static CA key? (ICAO 9303-11 §4.4.3.5.2)

The terminal decrypts A_IC to CA_IC and checks PK_map,IC = CA_IC * PK_IC with the
chip's static Chip Authentication key PK_IC (in EF.CardSecurity, keyId =
parameterId). Pure maths shared by the live read (``access.pace.cam``, recorded)
and offline verification (``verify.pace_cam``, judged); neither imports the other.

Degenerate values are made from public data alone: CA_IC = 1 with PK_map,IC = PK_IC
(copied from EF.CardSecurity), n-1 with its negative, 0. A chip computes
CA_IC = SK_map,IC * SK_IC^-1 mod n, never one of these (issue 10, defect 6).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Optional, TYPE_CHECKING

from ..errors import CccdError, UnsupportedError
from . import ec
from .domain_params import AnyDomain, EcDomain, Element
from ..values import FrozenValue

if TYPE_CHECKING:  # typing only: lds is above crypto
    from ..crypto.domain_params import DomainPolicy
    from ..lds.security_infos import ChipAuthenticationPublicKeyInfo

NO_KEY: Final = "EF.CardSecurity has no ECDH Chip Authentication key with keyId = parameterId"
DEGENERATE: Final = "degenerate PACE-CAM data (CA_IC 0, 1 or n-1, or PK_map,IC = +/-PK_IC): made from public data"
MISMATCH: Final = "PK_map,IC != CA_IC * PK_IC: the chip does not hold the key of EF.CardSecurity"


@dataclass(frozen=True)
class CamKeyCheck(FrozenValue):
    """``consistent``: True (the data match the key), False (they do not, or are degenerate /
    unusable), None (the key's domain is not usable here). ``reason`` is a reason code
    (OK, CAM_DATA_INVALID, ALGORITHM_UNSUPPORTED), ``detail`` says why."""

    consistent: Optional[bool]
    reason: str
    detail: str


def cam_relation(domain: AnyDomain, ca_ic: int, pk_ic_static: Element, pk_map_ic: Element) -> bool:
    """PK_map,IC == CA_IC * PK_IC: the chip knows the static key (§4.4.3.5.2); one scalar product."""
    if isinstance(domain, EcDomain):
        assert isinstance(pk_ic_static, ec.Point) and isinstance(pk_map_ic, ec.Point)
        return ec.is_multiple(domain.curve, ca_ic, pk_ic_static, pk_map_ic)
    return bool(domain.mul(ca_ic, pk_ic_static) == pk_map_ic)


def check_cam_data(key: "Optional[ChipAuthenticationPublicKeyInfo]", ca_ic: bytes, pk_map_ic: bytes,
                   policy: "Optional[DomainPolicy]" = None) -> CamKeyCheck:
    """Check CA_IC and PK_map,IC against ``key`` (None: EF.CardSecurity has no such key).

    ``policy``: the DomainPolicy for the key's domain (None: standardized domains only);
    a domain the policy refuses cannot be checked, a weak one fails.
    """
    if key is None or key.key_agreement != "ECDH":
        return CamKeyCheck(False, "CAM_DATA_INVALID", NO_KEY)
    try:
        domain, pk_ic = key.domain_and_key() if policy is None else key.domain_and_key(policy)
        pk_map = domain.decode(pk_map_ic)
        k = int.from_bytes(ca_ic, "big")
        n = domain.order
        degenerate = k in (0, 1, n - 1) or k >= n or pk_map == pk_ic or pk_map == domain.inverse(pk_ic)
        ok = not degenerate and cam_relation(domain, k, pk_ic, pk_map)
    except UnsupportedError as e:
        return CamKeyCheck(None, "ALGORITHM_UNSUPPORTED", f"CA key not usable here: {e.reason}")
    except CccdError as e:
        return CamKeyCheck(False, "CAM_DATA_INVALID", f"CA key or CAM data unusable: {e.reason}")
    if degenerate:
        return CamKeyCheck(False, "CAM_DATA_INVALID", DEGENERATE)
    if not ok:
        return CamKeyCheck(False, "CAM_DATA_INVALID", MISMATCH)
    return CamKeyCheck(True, "OK", "CAM data consistent with the CA key of EF.CardSecurity")
