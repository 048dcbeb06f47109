"""Finite-field Diffie-Hellman groups (RFC 5114 §2.1-2.3; ICAO 9303-11 §9.5.1).

A group is (p, g, q): p prime, g generating the subgroup of prime order q.
Every received value y is checked before use (BSI TR-03110-3 §A.3, NIST
SP 800-56A §5.6.2.3.1): 2 <= y <= p-2 and y^q = 1 mod p. Values and shared
secrets are encoded big-endian, padded to the byte length of p.
Powers go through OpenSSL's constant-time Montgomery exponentiation
(:func:`.libcrypto.pow_mod`; about 9x Python's ``pow`` on 2048-bit p).
"""

from __future__ import annotations

from dataclasses import field
from typing import Callable

from ..errors import InvalidPublicKeyError
from ..frozen import frozen_dataclass
from .ec import random_scalar
from .libcrypto import pow_mod

R_LENGTH = "DH_VALUE_LENGTH"
R_RANGE = "DH_VALUE_OUT_OF_RANGE"
R_SUBGROUP = "DH_VALUE_NOT_IN_SUBGROUP"

MAX_DH_BITS = 8192


@frozen_dataclass
class DhGroup:
    """(p, g, q) with the byte size of p."""

    name: str
    p: int
    g: int
    q: int
    size: int = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "size", (self.p.bit_length() + 7) // 8)

    def with_generator(self, g: int) -> "DhGroup":
        """The same group with another generator (PACE mapped generator g')."""
        return DhGroup(self.name + "'", self.p, g, self.q)

    def __repr__(self) -> str:
        return f"DhGroup({self.name})"


def _DhParams(name: str, p: int, g: int, q: int) -> DhGroup:
    return DhGroup(name, p, g, q)


RFC5114_GROUPS: tuple[DhGroup, ...] = (
_DhParams(
    "rfc5114-1024-160",
    int(
        "B10B8F96A080E01DDE92DE5EAE5D54EC52C99FBCFB06A3C69A6A9DCA52D23B61"
        "6073E28675A23D189838EF1E2EE652C013ECB4AEA906112324975C3CD49B83BF"
        "ACCBDD7D90C4BD7098488E9C219A73724EFFD6FAE5644738FAA31A4FF55BCCC0"
        "A151AF5F0DC8B4BD45BF37DF365C1A65E68CFDA76D4DA708DF1FB2BC2E4A4371",
        16,
    ),
    int(
        "A4D1CBD5C3FD34126765A442EFB99905F8104DD258AC507FD6406CFF14266D31"
        "266FEA1E5C41564B777E690F5504F213160217B4B01B886A5E91547F9E2749F4"
        "D7FBD7D3B9A92EE1909D0D2263F80A76A6A24C087A091F531DBF0A0169B6A28A"
        "D662A4D18E73AFA32D779D5918D08BC8858F4DCEF97C2A24855E6EEB22B3B2E5",
        16,
    ),
    int("F518AA8781A8DF278ABA4E7D64B7CB9D49462353", 16),
),
_DhParams(
    "rfc5114-2048-224",
    int(
        "AD107E1E9123A9D0D660FAA79559C51FA20D64E5683B9FD1B54B1597B61D0A75"
        "E6FA141DF95A56DBAF9A3C407BA1DF15EB3D688A309C180E1DE6B85A1274A0A6"
        "6D3F8152AD6AC2129037C9EDEFDA4DF8D91E8FEF55B7394B7AD5B7D0B6C12207"
        "C9F98D11ED34DBF6C6BA0B2C8BBC27BE6A00E0A0B9C49708B3BF8A3170918836"
        "81286130BC8985DB1602E714415D9330278273C7DE31EFDC7310F7121FD5A074"
        "15987D9ADC0A486DCDF93ACC44328387315D75E198C641A480CD86A1B9E587E8"
        "BE60E69CC928B2B9C52172E413042E9B23F10B0E16E79763C9B53DCF4BA80A29"
        "E3FB73C16B8E75B97EF363E2FFA31F71CF9DE5384E71B81C0AC4DFFE0C10E64F",
        16,
    ),
    int(
        "AC4032EF4F2D9AE39DF30B5C8FFDAC506CDEBE7B89998CAF74866A08CFE4FFE3"
        "A6824A4E10B9A6F0DD921F01A70C4AFAAB739D7700C29F52C57DB17C620A8652"
        "BE5E9001A8D66AD7C17669101999024AF4D027275AC1348BB8A762D0521BC98A"
        "E247150422EA1ED409939D54DA7460CDB5F6C6B250717CBEF180EB34118E98D1"
        "19529A45D6F834566E3025E316A330EFBB77A86F0C1AB15B051AE3D428C8F8AC"
        "B70A8137150B8EEB10E183EDD19963DDD9E263E4770589EF6AA21E7F5F2FF381"
        "B539CCE3409D13CD566AFBB48D6C019181E1BCFE94B30269EDFE72FE9B6AA4BD"
        "7B5A0F1C71CFFF4C19C418E1F6EC017981BC087F2A7065B384B890D3191F2BFA",
        16,
    ),
    int("801C0D34C58D93FE997177101F80535A4738CEBCBF389A99B36371EB", 16),
),
_DhParams(
    "rfc5114-2048-256",
    int(
        "87A8E61DB4B6663CFFBBD19C651959998CEEF608660DD0F25D2CEED4435E3B00"
        "E00DF8F1D61957D4FAF7DF4561B2AA3016C3D91134096FAA3BF4296D830E9A7C"
        "209E0C6497517ABD5A8A9D306BCF67ED91F9E6725B4758C022E0B1EF4275BF7B"
        "6C5BFC11D45F9088B941F54EB1E59BB8BC39A0BF12307F5C4FDB70C581B23F76"
        "B63ACAE1CAA6B7902D52526735488A0EF13C6D9A51BFA4AB3AD8347796524D8E"
        "F6A167B5A41825D967E144E5140564251CCACB83E6B486F6B3CA3F7971506026"
        "C0B857F689962856DED4010ABD0BE621C3A3960A54E710C375F26375D7014103"
        "A4B54330C198AF126116D2276E11715F693877FAD7EF09CADB094AE91E1A1597",
        16,
    ),
    int(
        "3FB32C9B73134D0B2E77506660EDBD484CA7B18F21EF205407F4793A1A0BA125"
        "10DBC15077BE463FFF4FED4AAC0BB555BE3A6C1B0C6B47B1BC3773BF7E8C6F62"
        "901228F8C28CBB18A55AE31341000A650196F931C77A57F2DDF463E5E9EC144B"
        "777DE62AAAB8A8628AC376D282D6ED3864E67982428EBC831D14348F6F2F9193"
        "B5045AF2767164E1DFC967C1FB3F2E55A4BD1BFFE83B9C80D052B985D182EA0A"
        "DB2A3B7313D3FE14C8484B1E052588B9B7D2BBD2DF016199ECD06E1557CD0915"
        "B3353BBB64E0EC377FD028370DF92B52C7891428CDC67EB6184B523D1DB246C3"
        "2F63078490F00EF8D647D148D47954515E2327CFEF98C582664B4C0F6CC41659",
        16,
    ),
    int("8CF83642A709A097B447997640129DA299B1A47D1EB3750BA308B0FE64F5FBD3", 16),
),
)
GROUPS: dict[str, DhGroup] = {g.name: g for g in RFC5114_GROUPS}


def encode_value(group: DhGroup, y: int) -> bytes:
    """Big-endian, padded to the byte length of p."""
    return y.to_bytes(group.size, "big")


def check_value(group: DhGroup, y: int) -> int:
    """Refuse 0, 1, p-1, values >= p and values outside the order-q subgroup."""
    p = group.p
    if not 2 <= y <= p - 2:
        raise InvalidPublicKeyError("DH value outside [2, p-2]", reason=R_RANGE)
    if pow_mod(y, group.q, p) != 1:
        raise InvalidPublicKeyError("DH value not in the subgroup of order q", reason=R_SUBGROUP)
    return y


def decode_value(group: DhGroup, data: bytes) -> int:
    """Decode and validate a received public value (at most the byte length of p)."""
    if not data or len(data) > group.size:
        raise InvalidPublicKeyError(
            f"DH value of {len(data)} bytes, at most {group.size} allowed", reason=R_LENGTH
        )
    return check_value(group, int.from_bytes(data, "big"))


def generate_keypair(group: DhGroup, rng: Callable[[int], bytes]) -> tuple[int, int]:
    """(x, g^x mod p) with x drawn in [1, q-1]."""
    x = random_scalar(group.q, rng)
    return x, pow_mod(group.g, x, group.p)


def power(group: DhGroup, base: int, exponent: int) -> int:
    """base^exponent mod p (constant-time in OpenSSL when available)."""
    return pow_mod(base, exponent, group.p)


def shared_secret(group: DhGroup, sk: int, peer: int) -> bytes:
    """peer^sk mod p, padded to the byte length of p (``peer`` already validated)."""
    z = pow_mod(peer, sk, group.p)
    if z in (0, 1, group.p - 1):
        raise InvalidPublicKeyError("DH shared secret is degenerate", reason=R_RANGE)
    return encode_value(group, z)


def validate_group(group: DhGroup) -> None:
    """Sanity checks for explicit DH parameters (sizes, q | p-1, g of order q)."""
    from .primes import probably_prime

    p, g, q = group.p, group.g, group.q

    def bad(msg: str) -> InvalidPublicKeyError:
        return InvalidPublicKeyError(f"explicit DH parameters invalid: {msg}", reason="DH_DOMAIN_INVALID")

    if p.bit_length() > MAX_DH_BITS or p.bit_length() < 1024:
        raise bad("size of p")
    if not 2 <= g <= p - 2 or q < 2 or (p - 1) % q:
        raise bad("q does not divide p-1 or g out of range")
    if not probably_prime(p) or not probably_prime(q):
        raise bad("p or q not prime")
    if pow_mod(g, q, p) != 1:
        raise bad("g does not have order q")
