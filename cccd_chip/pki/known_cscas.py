"""Public CSCA certificates this project knows by fingerprint, never trusted by default.

The Vietnamese chip ID card's CSCA (``CN=CSCA Vietnam``, P-384, 2021-2046) is
public but appears in no master list (cccd-chip-facts §7a), so nothing
vouches for it: it is the certificate a public 2021 reader app shipped. The
project carries it as package data, pinned by its SHA-256 fingerprint, for
two uses (docs/verification.md §8):

- an **opt-in anchor**: ``--trust-known vn-cccd`` (or ``--csca`` with the
  file) adds it, and the CLI says what it trusts and why that is not
  authenticated; the DSC chain check names it in every report;
- a **plain-words diagnosis**: a DSC that names this CSCA while it is not in
  the trust store stays ``undetermined`` ``CSCA_NOT_FOUND``, and the detail
  says which CSCA is missing and where to obtain it.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from typing import Optional

from ..errors import CccdError, TrustStoreError
from ..frozen import frozen_dataclass
from .certificate import Certificate, load_certificate


@frozen_dataclass
class KnownCsca:
    """One pinned public CSCA: file, fingerprint, what it is and why it is not authenticated."""

    file: str  # in cccd_chip/pki/known/
    sha256: str  # hex, upper case, of the DER
    title: str
    provenance: str
    not_authenticated: str
    obtain: str


VN_CSCA_2021 = KnownCsca(
    file="VN_CSCA_Vietnam_2021.der",
    sha256="6F0A20D63A43FC589EAF0D8C52113A2A8BFA341C6F2FAB04121238AA0C22B1A9",
    title="CSCA Vietnam (C=VN, O=Vietnam Government Information Security Commission, serialNumber=001; "
          "P-384, valid 2021-01-19..2046-04-13, key usable to 2026-01-21)",
    provenance="shipped in a public 2021 CCCD reader sample app (GitHub thieutv/ReadCardWithNFC, "
               "app/src/main/assets/CSCAVietnam.crt)",
    not_authenticated="it is in no public CSCA master list (German, Dutch, Italian, ICAO checked), so no "
                      "country or PKD vouches for it: a verdict that relies on it is only as good as that copy",
    obtain="from the issuing authority (Vietnam Government Information Security Commission / Ministry of "
           "Public Security, C06), or opt in to the project's pinned copy (the known anchor bundle vn-cccd)",
)

BUNDLES: dict[str, tuple[KnownCsca, ...]] = {"vn-cccd": (VN_CSCA_2021,)}
ALL: tuple[KnownCsca, ...] = (VN_CSCA_2021,)


@lru_cache(maxsize=None)
def certificate(known: KnownCsca) -> Certificate:
    """The pinned certificate; TrustStoreError if the packaged file does not match its fingerprint."""
    from importlib import resources  # only when a known CSCA is opted in or named: not on every verification

    data = resources.files(__package__).joinpath("known", known.file).read_bytes()
    if hashlib.sha256(data).hexdigest().upper() != known.sha256:
        raise TrustStoreError("packaged known CSCA does not match its pinned fingerprint", file=known.file)
    return load_certificate(data, file=known.file)


def packaged_path(known: KnownCsca) -> str:
    """Where the packaged copy lives (for ``--csca``)."""
    from importlib import resources

    return str(resources.files(__package__).joinpath("known", known.file))


def bundle(name: str) -> tuple[KnownCsca, ...]:
    try:
        return BUNDLES[name]
    except KeyError:
        raise TrustStoreError(f"unknown known-CSCA bundle (known: {', '.join(BUNDLES)})") from None


def by_fingerprint(fingerprint: bytes) -> Optional[KnownCsca]:
    """The known CSCA with this certificate fingerprint (SHA-256 of the DER), if any."""
    hexfp = fingerprint.hex().upper()
    return next((k for k in ALL if k.sha256 == hexfp), None)


def named_by(cert: Certificate) -> Optional[KnownCsca]:
    """The known CSCA that ``cert`` (a DSC or link) names as its issuer: by AKI = SKI, else by issuer name."""
    for k in ALL:
        try:
            ca = certificate(k)
        except CccdError:  # a damaged installation must not break verification
            continue
        if cert.aki is not None and ca.ski is not None:
            if cert.aki == ca.ski:
                return k
        elif cert.issuer_key == ca.subject_key:
            return k
    return None


def named_by_name_only(cert: Certificate) -> Optional[KnownCsca]:
    """The known CSCA whose name ``cert`` gives as issuer while its AKI names another key (a successor?)."""
    for k in ALL:
        try:
            ca = certificate(k)
        except CccdError:
            continue
        if cert.issuer_key == ca.subject_key and cert.aki is not None and ca.ski is not None and cert.aki != ca.ski:
            return k
    return None


def other_key_detail(known: KnownCsca) -> str:
    """What a report says when a DSC names ``known``'s name but another key."""
    return (f"the DSC's issuer has the name of {known.title} but another key (AKI differs from SHA-256 "
            f"{known.sha256}'s SKI): a successor CSCA or link certificate of that authority is needed, "
            f"which this project does not know; obtain it {known.obtain.split(', or opt in')[0]}")


def missing_detail(known: KnownCsca) -> str:
    """What a report says when a DSC names ``known`` and the trust store does not hold it."""
    return (f"the DSC names {known.title}, SHA-256 {known.sha256}, which is not in the trust store; "
            f"it is not trusted by default because {known.not_authenticated}; obtain it {known.obtain}")


def anchor_note(known: KnownCsca) -> str:
    """What a report says when the chain ends at ``known``."""
    return f"the public CSCA Vietnam certificate, opt-in anchor, NOT authenticated ({known.not_authenticated})"
