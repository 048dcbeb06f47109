"""Object identifiers of Extended Access Control (BSI TR-03110-3 Appendix A.6.2, A.7).

bsi-de = 0.4.0.127.0.7; id-TA = bsi-de 2 2 2; the roles (CHAT terminal types) hang
under id-roles = bsi-de 3 1 2; certificate extensions under id-extensions = bsi-de 3 1 3.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

BSI_DE = "0.4.0.127.0.7"
ID_TA = BSI_DE + ".2.2.2"
ID_TA_RSA = ID_TA + ".1"
ID_TA_ECDSA = ID_TA + ".2"

ID_ROLES = BSI_DE + ".3.1.2"
ID_IS = ID_ROLES + ".1"  # inspection systems (ePassport application)
ID_AT = ID_ROLES + ".2"  # authentication terminals (eID application)
ID_ST = ID_ROLES + ".3"  # signature terminals (eSign application)
ROLE_NAMES = {ID_IS: "id-IS", ID_AT: "id-AT", ID_ST: "id-ST"}

ID_EXTENSIONS = BSI_DE + ".3.1.3"
EXTENSION_NAMES = {
    ID_EXTENSIONS + ".1": "id-description",
    ID_EXTENSIONS + ".2": "id-sector",
}


@dataclass(frozen=True)
class TaAlgorithm:
    """A Terminal Authentication signature algorithm (TR-03110-3 Table A.? "id-TA-*")."""

    oid: str
    name: str
    scheme: str  # "ecdsa" (plain r||s, TR-03111 §5.2.1) | "rsa-pkcs1v15" | "rsa-pss"
    hash: str  # sha1 .. sha512


_TA_ALGORITHMS = (
    TaAlgorithm(ID_TA_RSA + ".1", "id-TA-RSA-v1-5-SHA-1", "rsa-pkcs1v15", "sha1"),
    TaAlgorithm(ID_TA_RSA + ".2", "id-TA-RSA-v1-5-SHA-256", "rsa-pkcs1v15", "sha256"),
    TaAlgorithm(ID_TA_RSA + ".3", "id-TA-RSA-PSS-SHA-1", "rsa-pss", "sha1"),
    TaAlgorithm(ID_TA_RSA + ".4", "id-TA-RSA-PSS-SHA-256", "rsa-pss", "sha256"),
    TaAlgorithm(ID_TA_RSA + ".5", "id-TA-RSA-v1-5-SHA-512", "rsa-pkcs1v15", "sha512"),
    TaAlgorithm(ID_TA_RSA + ".6", "id-TA-RSA-PSS-SHA-512", "rsa-pss", "sha512"),
    TaAlgorithm(ID_TA_ECDSA + ".1", "id-TA-ECDSA-SHA-1", "ecdsa", "sha1"),
    TaAlgorithm(ID_TA_ECDSA + ".2", "id-TA-ECDSA-SHA-224", "ecdsa", "sha224"),
    TaAlgorithm(ID_TA_ECDSA + ".3", "id-TA-ECDSA-SHA-256", "ecdsa", "sha256"),
    TaAlgorithm(ID_TA_ECDSA + ".4", "id-TA-ECDSA-SHA-384", "ecdsa", "sha384"),
    TaAlgorithm(ID_TA_ECDSA + ".5", "id-TA-ECDSA-SHA-512", "ecdsa", "sha512"),
)
TA_ALGORITHMS: dict[str, TaAlgorithm] = {a.oid: a for a in _TA_ALGORITHMS}
TA_BY_NAME: dict[str, TaAlgorithm] = {a.name: a for a in _TA_ALGORITHMS}


def ta_algorithm(oid: str) -> Optional[TaAlgorithm]:
    """The id-TA algorithm for ``oid``, None when it is not one."""
    return TA_ALGORITHMS.get(oid)


def ecdsa_oid(hash_name: str) -> str:
    """id-TA-ECDSA-SHA-x for ``sha256`` etc."""
    for a in _TA_ALGORITHMS:
        if a.scheme == "ecdsa" and a.hash == hash_name:
            return a.oid
    raise KeyError(hash_name)
