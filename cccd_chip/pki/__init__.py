"""eMRTD PKI: certificates, CRLs, CSCA master lists, PKD LDIF and the trust store (ICAO 9303-12).

The names below are imported on first use (PEP 562): ``from cccd_chip.pki import signed_data``
(verification) loads neither the master-list nor the LDIF codec.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .certificate import Certificate as Certificate
    from .certificate import check_issued_by as check_issued_by
    from .certificate import load_certificate as load_certificate
    from .crl import CRL as CRL
    from .crl import load_crl as load_crl
    from .masterlist import MasterList as MasterList
    from .masterlist import load_master_list as load_master_list
    from .trust_store import TrustStore as TrustStore
    from .trust_store import trust_store_from as trust_store_from

_EXPORTS = {
    "Certificate": "certificate", "check_issued_by": "certificate", "load_certificate": "certificate",
    "CRL": "crl", "load_crl": "crl",
    "MasterList": "masterlist", "load_master_list": "masterlist",
    "TrustStore": "trust_store", "trust_store_from": "trust_store",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    """Import a name of ``__all__`` on first use."""
    try:
        module = _EXPORTS[name]
    except KeyError:
        raise AttributeError(f"module 'cccd_chip.pki' has no attribute {name!r}") from None
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value
