"""Explicit PACE domain parameters a malicious chip offers (issue 10 defect 2; tests only).

EF.CardAccess is unsigned, so a fake chip chooses the domain of PACE. With a
weak one, one failed PACE run gives the password away offline (the host's
mapped key depends on the nonce decrypted with K_pi; discrete logarithms in a
weak group are easy). The host admits only the standardized domains of ICAO
9303-11 Table 12 by default, and explicit ones only when allowed and strong
(:mod:`cccd_chip.crypto.domain_params`). The virtual chip offers these with the
``pace-domain:NAME`` fault. Every parameter set is sound (validates); each is weak
in exactly one way, except the ``strong-*`` ones, which are merely not standardized.

Generated once with the project's own arithmetic: the small curve by counting
points; the anomalous curve by complex multiplication with D = -3 (y^2 = x^3 + b,
4p = 1 + 3v^2, the twist of order p); the supersingular curve y^2 = x^3 + x over
p = 4n - 1 (order p + 1 = 4n, embedding degree 2); the DH group as p = kq + 1.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Callable

from ..crypto import dh, ec
from ..crypto.domain_params import AnyDomain, DhDomain, EcDomain
from ..crypto.ec import Curve

if TYPE_CHECKING:
    from ..lds.security_infos import SecurityInfo

SMALL_CURVE = (
    Curve("small-20", None, 0xD3E1F, 0xA6C5E, 0x5274F,
          0x12E91,
          0x4F129,
          0xD395D, 1)
)
ANOMALOUS_CURVE = (
    Curve("anomalous-232", None, 0x85B6D9F25FED4411F47972A39063686D8C1F4D1C85C32A0CECBF538A33, 0x0, 0x2,
          0x5D2BB9DAA6AA01E1262DC86F6D7443F1FF0303CD03F01528EC3591DB10,
          0x858E911C20C49104FE38EAC199A777924304B9B0612542C4AB325FB502,
          0x85B6D9F25FED4411F47972A39063686D8C1F4D1C85C32A0CECBF538A33, 1)
)
SUPERSINGULAR_CURVE = (
    Curve("supersingular-232", None, 0xB99C09C6E0D4246EB2CCBF7E802E1140CFAAFB425BD0F4609FA87046FB, 0x1, 0x0,
          0x8F9E13059ACE56D98EC80A625DA60AE63E44B39A4A33C86D395F38752,
          0x5356B04B1E27D9CFFE6E91E0C18E0D6A19009ED66AA3A949BFD9A69E7B,
          0x2E670271B835091BACB32FDFA00B845033EABED096F43D1827EA1C11BF, 4)
)
DH_Q160 = dh.DhGroup(
    "dh-2048-q160",
    int(
        "DA8201DA1B0E849C16C699368AF03C1B77302567CF52D6C7D76FA89E210BD96BFFDD0607D2107FB3DF4B5CD1CF6CB815"
        "67787E182416EB4F4B9A92A48C669277DDDB24A0939B5E87464C657485D7DA36AE067CF0A31E9D06988DABD1ACDE16E3"
        "F5557C77807E589E35C7A912116C86289D0B16FAF55274E372DA9840C81DCB530E75617DDD530BB83D489171EB47E4B6"
        "AF418F1C5A496D094A1B08C5A484401970984D5402C512B742AE484698692079B8C284EE953733A2CB472A49131855D1"
        "40D736C9EDACE13CF3817F0D2838273EAD330EBC8ACF85DA6102043EF89DD842AEE13F4E230A46955DEBB7AAE27C5E1B"
        "41EFA9F77C862742D1520029A9783745", 16),
    int(
        "3CE9FB0CF854D7F8E740DE0068B32EC7541431E73829C22506500DF7694D34D612AB6B98D5DF1EEE1E43195FC6F8F361"
        "7DB712937EEDDAEAE06939A1368F0565BB0BD23187D6F4A28A5C0EF3D827A0EA464B21EAFDEF2DBDD5F7E4AE4A9D319B"
        "65B8F8B2D26463CBA61E962CA55FADC2B63D0F522463835C0E228931D51E437C58C6DC5D374B23AF7F491D7BAD44C514"
        "319C0076F6CF30AF9571EA3E8B3C30262ADFD1E5041BD0D18405874D3CF0DBEA4EED5204ADD6A13B335D9413805CBE72"
        "A6FBB05CAB7FA4FCCE35AFE390834E652D0E7620CF1A88D18254E1FE201D7A572A02D2E14619AE2755D560C22E4DFEB1"
        "536B3A6D7BB12726C784ED6DD0000609", 16),
    0x9EA20E7BC1CFDE8769B46276A4EAEDA1A7C0C867,
)


def _other_generator(name: str, k: int = 7) -> Curve:
    c = ec.curve_by_name(name)
    g = ec.mul(c, k, c.G)
    assert g is not None
    return Curve(f"{name}-g{k}", None, c.p, c.a, c.b, g.x, g.y, c.n, c.h)


def _dh_other_generator(name: str, k: int = 7) -> dh.DhGroup:
    g = dh.GROUPS[name]
    return dh.DhGroup(f"{name}-g{k}", g.p, pow(g.g, k, g.p), g.q)


def _dh_bad_order() -> dh.DhGroup:
    """RFC 5114 2048/224 with g of order 2q (-g): unsound, refused whatever the policy."""
    g = dh.GROUPS["rfc5114-2048-224"]
    return dh.DhGroup("rfc5114-2048-224-neg-g", g.p, g.p - g.g, g.q)


def domain(name: str) -> AnyDomain:
    """The named attack domain (see :data:`NAMES`)."""
    if name not in NAMES:
        raise KeyError(name)
    return _BUILD[name]()


_BUILD: "dict[str, Callable[[], AnyDomain]]" = {
    "small-curve": lambda: EcDomain(SMALL_CURVE),
    "anomalous": lambda: EcDomain(ANOMALOUS_CURVE),
    "supersingular": lambda: EcDomain(SUPERSINGULAR_CURVE),
    "p192-other-g": lambda: EcDomain(_other_generator("secp192r1")),
    "bp192-other-g": lambda: EcDomain(_other_generator("brainpoolP192r1")),
    "bp160": lambda: EcDomain(ec.curve_by_name("brainpoolP160r1")),
    "dh-1024-other-g": lambda: DhDomain(_dh_other_generator("rfc5114-1024-160")),
    "dh-q160": lambda: DhDomain(DH_Q160),
    "dh-bad-order": lambda: DhDomain(_dh_bad_order()),
    "strong-p256-other-g": lambda: EcDomain(_other_generator("secp256r1")),
    "strong-bp256-other-g": lambda: EcDomain(_other_generator("brainpoolP256r1")),
    "strong-dh-2048-other-g": lambda: DhDomain(_dh_other_generator("rfc5114-2048-224")),
    "explicit-bp256": lambda: EcDomain(ec.curve_by_name("brainpoolP256r1")),
}
NAMES = tuple(_BUILD)
# accepted with the explicit-parameters option (strong) / by default (equal to a Table 12 domain)
STRONG = ("strong-p256-other-g", "strong-bp256-other-g", "strong-dh-2048-other-g")
STANDARD_SPELT_OUT = ("explicit-bp256",)
UNSOUND = ("dh-bad-order",)
WEAK = tuple(n for n in NAMES if n not in STRONG + STANDARD_SPELT_OUT + UNSOUND)


PROPRIETARY_ID = 32  # a parameterId outside Table 12 (0-31): a PACEDomainParameterInfo defines it


def algorithm_identifier(d: AnyDomain) -> bytes:
    """The AlgorithmIdentifier (ecPublicKey + specifiedCurve / dhpublicnumber + DomainParameters) of ``d``."""
    from ..iso7816 import tlv
    from ..lds import security_infos as si

    spki = si.build_subject_public_key(d, d.generator, explicit=True)
    inner = tlv.decode_one(spki).value
    return bytes(inner[: tlv.decode(inner)[1].offset])


def pace_infos_with_domain(name: str, infos: "list[SecurityInfo]", parameter_id: int = PROPRIETARY_ID
                           ) -> "list[SecurityInfo]":
    """The PACEInfos of a card re-pointed at the named explicit domain (GM, same cipher), plus its
    PACEDomainParameterInfo; other infos are kept (the ``pace-domain:NAME`` fault)."""
    from ..lds import security_infos as si

    d = domain(name)
    out: "list[SecurityInfo]" = []
    for info in infos:
        if isinstance(info, si.PaceInfo):
            alg = info.algorithm
            out.append(si.PaceInfo(si.pace_oid("GM", d.kind, alg.cipher), 2, parameter_id))
        else:
            out.append(info)
    proto = si.ID_PACE_ECDH_GM if d.kind == "ECDH" else si.ID_PACE_DH_GM
    out.append(si.PaceDomainParameterInfo(proto, algorithm_identifier(d), parameter_id))
    return out
