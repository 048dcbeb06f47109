"""eMRTD PKI: certificates, CRLs, CSCA master lists, PKD LDIF and the trust store (ICAO 9303-12)."""

from .certificate import Certificate, check_issued_by, load_certificate
from .crl import CRL, load_crl
from .masterlist import MasterList, load_master_list
from .trust_store import TrustStore, trust_store_from

__all__ = [
    "CRL",
    "Certificate",
    "MasterList",
    "TrustStore",
    "check_issued_by",
    "load_certificate",
    "load_crl",
    "load_master_list",
    "trust_store_from",
]
