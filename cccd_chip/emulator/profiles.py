"""Chip profiles of the virtual card (architecture.md §3.4).

A profile says what a card of that kind holds and how its chip behaves:
document layout, access control (BAC, PACE variants), CA / AA keys,
signers of the PKI, APDU limits. ``cccd-2021`` and ``cccd-2024`` follow
``cccd-chip-facts.md`` (§1, §2.2-2.3, §4, §7a: SHA-256 DG hashes, SOD
ecdsa-with-SHA256 by a brainpoolP384r1 DSC under a P-384 CSCA shaped like
``CSCA Vietnam``, RSA-2048 Active Authentication, DG2 with the JPEG at byte
84); the other profiles cover the algorithm matrix a reader must handle
(``passport-pss`` keeps the RSA-PSS signer the CCCD profile used to have). Every value not documented for a
real card is a choice of this project and is named as such in
docs/emulator.md.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional

from ..errors import UsageError
from .card_pki import SignerSpec


@dataclass(frozen=True)
class PaceSpec:
    """One PACEInfo: mapping GM | IM | CAM, key agreement ECDH | DH, cipher, standardized parameterId."""

    mapping: str
    key_agreement: str
    cipher: str
    parameter_id: int


@dataclass(frozen=True)
class CaSpec:
    """Chip Authentication: key agreement, cipher, parameterId of the static key, keyId."""

    key_agreement: str
    cipher: str
    parameter_id: int
    key_id: Optional[int] = None


@dataclass(frozen=True)
class AaSpec:
    """Active Authentication key: ``rsa1024`` / ``rsa2048`` (ISO 9796-2) or an EC spec (ECDSA, plain r||s)."""

    key_spec: str
    hash: str = "sha1"  # RSA: trailer BC (sha1) or hash id + CC; ECDSA: hash of ActiveAuthenticationInfo


@dataclass(frozen=True)
class Profile:
    name: str
    description: str
    kind: str  # "cccd" | "passport" | "id"
    country: str  # ISO 3166 alpha-2 for certificates
    state: str  # alpha-3 in the MRZ
    bac: bool = True
    pace: tuple[PaceSpec, ...] = ()
    ta_info: bool = False
    ta_version: int = 1  # TerminalAuthenticationInfo version: 1 (EAC1, TA after CA) or 2 (quirk eac2)
    ca: Optional[CaSpec] = None
    aa: Optional[AaSpec] = None
    card_security: bool = False
    csca: SignerSpec = SignerSpec("p256", "ecdsa", "sha256")
    dsc: SignerSpec = SignerSpec("p256", "ecdsa", "sha256")
    explicit_csca: bool = False
    dg_hash: str = "sha256"
    sod_version: int = 0
    data_groups: tuple[int, ...] = (1, 2)
    eac_data_groups: tuple[int, ...] = ()
    max_le: int = 256
    extended: bool = False
    mf_select_sw: int = 0x9000
    eof_warning: bool = False
    dg13_layout: str = "A"
    dg2_layout: str = "icao"  # "icao": BHT with header version; "cccd": the CCCD's 84-byte header (facts §4, §7a)
    pki: str = "generic"  # "generic" | "vn-cccd" (card_pki: the real CCCD PKI's shape, shared by both generations)
    generation: int = 2021
    atr_historical: bytes = b"cccd-chip"
    doc_types: tuple[str, ...] = ("P",)
    notes: tuple[str, ...] = field(default=())


_CCCD_PACE = PaceSpec("GM", "ECDH", "AES-128", 13)

PROFILES: dict[str, Profile] = {}


def _add(p: Profile) -> None:
    PROFILES[p.name] = p


_VN_DSC = SignerSpec("bp384", "ecdsa", "sha256")  # facts §7a: ECDSA brainpoolP384r1 over SHA-256
_add(Profile(
    name="cccd-2021",
    description="Vietnamese CCCD (2021): PACE-ECDH-GM-AES-128 on brainpoolP256r1 with CAN, BAC, CA, TA info; "
                "SOD ecdsa-with-SHA256 by a brainpoolP384r1 DSC under a P-384 test CSCA; RSA-2048 AA",
    kind="cccd", country="VN", state="VNM", bac=True, pace=(_CCCD_PACE,), ta_info=True,
    ca=CaSpec("ECDH", "AES-128", 13, None), aa=AaSpec("rsa2048", "sha1"),
    csca=SignerSpec("p384", "ecdsa", "sha384"), dsc=_VN_DSC, dg_hash="sha256", sod_version=0,
    data_groups=(1, 2, 3, 13, 14, 15), eac_data_groups=(3,), max_le=256, extended=False,
    mf_select_sw=0x6D00, dg13_layout="A", dg2_layout="cccd", pki="vn-cccd", generation=2021,
    atr_historical=b"VNM-CCCD", doc_types=("ID",),
    notes=("EF.CardAccess byte-identical to the blob of cccd-chip-facts §2.2",
           "SOD, DSC, CSCA and AA key type follow facts §7a; the AA hash is not documented: "
           "SHA-1 (trailer BC) is a choice; the CA curve (bp256) is a choice"),
))
_add(Profile(
    name="cccd-2024",
    description="Vietnamese Căn cước (2024): PACE-CAN only (GM and CAM), no BAC, extended length; "
                "SOD v1 (long-form eContent) ecdsa-with-SHA256 by a brainpoolP384r1 DSC; RSA-2048 AA",
    kind="cccd", country="VN", state="VNM", bac=False,
    pace=(_CCCD_PACE, PaceSpec("CAM", "ECDH", "AES-128", 13)), ta_info=True,
    ca=CaSpec("ECDH", "AES-128", 13, 13), aa=AaSpec("rsa2048", "sha1"), card_security=True,
    csca=SignerSpec("p384", "ecdsa", "sha384"), dsc=_VN_DSC, dg_hash="sha256",
    sod_version=1, data_groups=(1, 2, 3, 13, 14, 15), eac_data_groups=(3,), max_le=256, extended=True,
    mf_select_sw=0x6D00, dg13_layout="B", dg2_layout="cccd", pki="vn-cccd", generation=2024,
    atr_historical=b"VNM-CC24", doc_types=("ID",),
    notes=("whether 2024 cards keep BAC is open (facts §2.1); this profile assumes they do not",
           "the longer 2024 eContent (facts §7a) is modelled as LDS v1 with LDSVersionInfo "
           "(LDSSecurityObject length 30 82 ..; the 2021 one is 30 81 ..)"),
))
_add(Profile(
    name="passport-pss",
    description="Passport, BAC + PACE-ECDH-GM-AES-128 bp256, RSA-PSS-2048 signer under a brainpoolP512r1 CSCA, "
                "RSA-2048 AA (the algorithms the cccd-2021 profile had before issue 20)",
    kind="passport", country="UT", state="UTO", bac=True, pace=(_CCCD_PACE,),
    ca=CaSpec("ECDH", "AES-128", 13, None), aa=AaSpec("rsa2048", "sha1"),
    csca=SignerSpec("bp512", "ecdsa", "sha512"), dsc=SignerSpec("rsa2048", "pss", "sha256"),
    data_groups=(1, 2, 14, 15), max_le=256, extended=False,
))
_add(Profile(
    name="passport-eac",
    description="EU-shaped passport with EAC: BAC + PACE-ECDH-GM-AES-128 bp256, CA, TA info, DG3 fingerprints "
                "and DG4 irises (EAC-protected), ECDSA brainpool signer, no AA",
    kind="passport", country="UT", state="UTO", bac=True, pace=(_CCCD_PACE,), ta_info=True,
    ca=CaSpec("ECDH", "AES-128", 13, None), csca=SignerSpec("bp384", "ecdsa", "sha384"),
    dsc=SignerSpec("bp256", "ecdsa", "sha256"), data_groups=(1, 2, 3, 4, 14), eac_data_groups=(3, 4),
    notes=("EU Regulation 2252/2004 passports: two index fingers in DG3; DG4 (iris) is optional in ICAO 9303 "
           "and carried here so that the 19794-6 path is exercised",),
))
_add(Profile(
    name="passport-bac",
    description="Passport, BAC only (3DES secure messaging), RSA PKCS#1 v1.5 signer, RSA-1024 AA, short Le",
    kind="passport", country="UT", state="UTO", bac=True, pace=(), aa=AaSpec("rsa1024", "sha1"),
    csca=SignerSpec("rsa3072", "pkcs1", "sha256"), dsc=SignerSpec("rsa2048", "pkcs1", "sha256"),
    data_groups=(1, 2, 15), max_le=256, extended=False,
))
_add(Profile(
    name="passport-pace-im",
    description="Passport, PACE-ECDH-IM-AES-128 on P-256, CA, ECDSA P-256 signer and ECDSA AA, extended length",
    kind="passport", country="UT", state="UTO", bac=True, pace=(PaceSpec("IM", "ECDH", "AES-128", 12),),
    ca=CaSpec("ECDH", "AES-128", 12, 1), aa=AaSpec("p256", "sha256"),
    csca=SignerSpec("p384", "ecdsa", "sha384"), dsc=SignerSpec("p256", "ecdsa", "sha256"),
    data_groups=(1, 2, 14, 15), extended=True,
))
_add(Profile(
    name="passport-pace-cam",
    description="Passport, PACE-ECDH-CAM-AES-128 on brainpoolP256r1 (+GM), EF.CardSecurity, ECDSA brainpool signer",
    kind="passport", country="UT", state="UTO", bac=True,
    pace=(PaceSpec("GM", "ECDH", "AES-128", 13), PaceSpec("CAM", "ECDH", "AES-128", 13)),
    ca=CaSpec("ECDH", "AES-128", 13, 13), card_security=True,
    csca=SignerSpec("bp384", "ecdsa", "sha384"), dsc=SignerSpec("bp256", "ecdsa", "sha256"),
    data_groups=(1, 2, 14),
))
_add(Profile(
    name="passport-dh",
    description="Passport, PACE-DH-GM-AES-128 (2048-bit MODP, id 2), CA with DH and 3DES, RSA-PSS signer",
    kind="passport", country="UT", state="UTO", bac=True, pace=(PaceSpec("GM", "DH", "AES-128", 2),),
    ca=CaSpec("DH", "3DES", 2, None), aa=AaSpec("rsa2048", "sha256"),
    csca=SignerSpec("rsa3072", "pss", "sha256"), dsc=SignerSpec("rsa2048", "pss", "sha256"),
    data_groups=(1, 2, 14, 15),
))
_add(Profile(
    name="passport-aes256",
    description="Passport, PACE-ECDH-GM-AES-256 on brainpoolP384r1, CA ECDH-AES-256, SOD v1 with SHA-384",
    kind="passport", country="UT", state="UTO", bac=True, pace=(PaceSpec("GM", "ECDH", "AES-256", 16),),
    ca=CaSpec("ECDH", "AES-256", 16, None), aa=AaSpec("bp384", "sha384"),
    csca=SignerSpec("bp512", "ecdsa", "sha512"), dsc=SignerSpec("bp384", "ecdsa", "sha384"),
    dg_hash="sha384", sod_version=1, data_groups=(1, 2, 14, 15), extended=True,
))
_add(Profile(
    name="id-small-le",
    description="ID card (TD1), PACE-ECDH-GM-AES-192 on P-384, BAC, answers at most 0x80 bytes per READ BINARY",
    kind="id", country="UT", state="UTO", bac=True, pace=(PaceSpec("GM", "ECDH", "AES-192", 15),),
    csca=SignerSpec("p521", "ecdsa", "sha512"), dsc=SignerSpec("p384", "ecdsa", "sha384"),
    data_groups=(1, 2), max_le=0x80, extended=False, eof_warning=True, doc_types=("ID",),
))
_add(Profile(
    name="id-explicit-csca",
    description="ID card (TD1), BAC + PACE-ECDH-GM-AES-128, CSCA key with explicit EC parameters (brainpoolP256r1)",
    kind="id", country="UT", state="UTO", bac=True, pace=(PaceSpec("GM", "ECDH", "AES-128", 13),),
    csca=SignerSpec("bp256", "ecdsa", "sha256"), dsc=SignerSpec("bp256", "ecdsa", "sha256"),
    explicit_csca=True, data_groups=(1, 2), doc_types=("ID",),
))


def get(name: str) -> Profile:
    try:
        return PROFILES[name]
    except KeyError:
        raise UsageError(f"unknown profile {name!r} (known: {', '.join(PROFILES)})") from None
