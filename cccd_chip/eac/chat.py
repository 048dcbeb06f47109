"""Certificate Holder Authorization Template, CHAT (BSI TR-03110-3 §C.1.5, §C.4).

``7F4C { 06 terminal type (role OID), 53 discretionary data }``. The two most
significant bits of the discretionary data are the certificate holder's role
(TR-03110-3 Table C.? "Roles"): 11 CVCA, 10 DV (official domestic), 01 DV
(non-official / foreign), 00 terminal. For inspection systems (``id-IS``, one
byte, TR-03110-3 §C.4.1) bit 1 grants read access to DG4 (iris) and bit 0 to
DG3 (fingerprint); bit 5 is the deprecated eID read right, bits 4-2 are RFU.

The *effective* authorization of a terminal is the bitwise AND of the rights of
every certificate of its chain (CVCA, DV, terminal; TR-03110-1 §2.7), the role
comes from the terminal certificate. The fixed one-byte layout of id-IS is a
``construct`` BitStruct; other terminal types keep their bytes as they are.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import construct as c

from ..errors import ParseError
from ..iso7816 import tlv
from ..lds.security_infos import oid_from_bytes, oid_to_bytes
from . import oids

TAG_CHAT = 0x7F4C
TAG_OID = 0x06
TAG_DISCRETIONARY = 0x53
MAX_TEMPLATE = 16  # id-AT has 5 bytes; nothing defined is longer

ROLE_CVCA = 3
ROLE_DV_DOMESTIC = 2
ROLE_DV_FOREIGN = 1
ROLE_TERMINAL = 0
ROLE_NAMES = {ROLE_CVCA: "CVCA", ROLE_DV_DOMESTIC: "DV (domestic)", ROLE_DV_FOREIGN: "DV (foreign)",
              ROLE_TERMINAL: "terminal"}

RIGHT_DG3 = 0x01
RIGHT_DG4 = 0x02
RIGHT_EID = 0x20  # deprecated
RIGHTS_MASK_IS = 0x3F

# TR-03110-3 §C.4.1 Table C.4 (inspection systems): one byte
IsAuthorization = c.BitStruct(
    "role" / c.BitsInteger(2),
    "eid" / c.Flag,
    "rfu" / c.BitsInteger(3),
    "dg4" / c.Flag,
    "dg3" / c.Flag,
)

DG_RIGHTS = {"DG3": RIGHT_DG3, "DG4": RIGHT_DG4}


@dataclass(frozen=True)
class Chat:
    """A CHAT: terminal type (role OID) and the discretionary data (role + rights bits)."""

    role_oid: str
    template: bytes

    @property
    def role(self) -> int:
        """ROLE_CVCA / ROLE_DV_DOMESTIC / ROLE_DV_FOREIGN / ROLE_TERMINAL."""
        return self.template[0] >> 6

    @property
    def role_name(self) -> str:
        return ROLE_NAMES[self.role]

    @property
    def terminal_type(self) -> str:
        return oids.ROLE_NAMES.get(self.role_oid, self.role_oid)

    @property
    def rights(self) -> bytes:
        """The discretionary data without the role bits."""
        return bytes([self.template[0] & 0x3F]) + self.template[1:]

    def allows(self, dg: str) -> bool:
        """Whether this template alone grants reading ``dg`` (DG3 / DG4) to an inspection system."""
        bit = DG_RIGHTS.get(dg)
        if bit is None or self.role_oid != oids.ID_IS:
            return False
        return bool(self.template[-1] & bit)

    def rights_names(self) -> tuple[str, ...]:
        """Human names of the rights set (inspection systems; others: the bytes in hex)."""
        if self.role_oid != oids.ID_IS or len(self.template) != 1:
            return (self.rights.hex().upper(),)
        bits = IsAuthorization.parse(self.template)
        out = []
        if bits.dg3:
            out.append("read DG3 (fingerprint)")
        if bits.dg4:
            out.append("read DG4 (iris)")
        if bits.eid:
            out.append("read eID (deprecated)")
        if bits.rfu:
            out.append(f"RFU bits {bits.rfu:03b}")
        return tuple(out)

    def encode(self) -> bytes:
        return tlv.encode(TAG_CHAT, tlv.encode(TAG_OID, oid_to_bytes(self.role_oid))
                          + tlv.encode(TAG_DISCRETIONARY, self.template))

    def to_json(self) -> dict[str, Any]:
        return {"terminal_type": self.terminal_type, "role": self.role_name,
                "template": self.template.hex().upper(), "rights": list(self.rights_names())}


def inspection_system(role: int, *, dg3: bool, dg4: bool) -> Chat:
    """An id-IS CHAT with ``role`` and the two biometric read rights."""
    byte = IsAuthorization.build({"role": role, "eid": False, "rfu": 0, "dg4": dg4, "dg3": dg3})
    return Chat(oids.ID_IS, byte)


def parse(value: bytes, *, file: str = "CVC", base: int = 0) -> Chat:
    """The value of a 7F4C template (OID then discretionary data, nothing else)."""
    items = tlv.decode(value, file=file)
    if len(items) != 2 or items[0].tag != TAG_OID or items[1].tag != TAG_DISCRETIONARY:
        raise ParseError("CHAT must hold an OID (06) and discretionary data (53)", file=file, offset=base)
    oid = oid_from_bytes(items[0].value, file=file, offset=base)
    template = items[1].value
    if not 1 <= len(template) <= MAX_TEMPLATE:
        raise ParseError(f"CHAT discretionary data of {len(template)} bytes", file=file, offset=base)
    if oid == oids.ID_IS and len(template) != 1:
        raise ParseError("an id-IS CHAT has exactly one byte of discretionary data", file=file, offset=base)
    return Chat(oid, template)


def effective(chats: "list[Chat] | tuple[Chat, ...]") -> Chat:
    """The effective authorization of a chain (TR-03110-1 §2.7): rights ANDed, role of the last.

    Every template must have the same terminal type and length (else ParseError: a chain
    mixing terminal types grants nothing defined).
    """
    if not chats:
        raise ParseError("no CHAT in the chain")
    last = chats[-1]
    acc = bytearray(b"\xff" * len(last.template))
    for ch in chats:
        if ch.role_oid != last.role_oid or len(ch.template) != len(last.template):
            raise ParseError("the chain mixes terminal types in its CHATs")
        for i, b in enumerate(ch.template):
            acc[i] &= b
    acc[0] = (acc[0] & 0x3F) | (last.template[0] & 0xC0)
    return Chat(last.role_oid, bytes(acc))
