"""Small virtual cards with chosen APDU limits, for channel and strategy tests.

Built directly from :class:`cccd_chip.emulator.card.VirtualCard` (no personalisation,
no PKI): EF.COM, DG1 and big opaque data groups so that chunking, odd INS and
extended length are exercised. BAC only (no EF.CardAccess) unless asked.
"""

from __future__ import annotations

import dataclasses

from cccd_chip.emulator.applet import Applet
from cccd_chip.emulator.card import CardFile, CardOptions, VirtualCard
from cccd_chip.iso7816 import tlv
from cccd_chip.reader import Credential
from cccd_chip.transport.local import LocalTransport

DOC, DOB, DOE = "L898902C3", "740812", "120415"  # ICAO 9303-11 App. D example values
ATR = bytes.fromhex("3B8880014E564D2D4343434400")  # no card capabilities in the historical bytes
MRZ = ("IDVNM" + "L898902C3" + "3" + "<" * 15, "7408122F1204159VNM" + "<" * 11 + "6", "NGUYEN<<VAN<A" + "<" * 17)


def credential() -> Credential:
    return Credential.from_mrz(DOC, DOB, DOE)


def _blob(tag: int, n: int, salt: int) -> bytes:
    body = bytes(((i * 31 + salt) & 0xFF) for i in range(n))
    return tlv.encode(tag, tlv.encode(0x5F2E if tag == 0x75 else 0x53, body))


def files(dg2_size: int = 20000, *, card_access: bool = False) -> dict[str, CardFile]:
    com = tlv.encode(0x60, tlv.encode(0x5F01, b"0107") + tlv.encode(0x5F36, b"040000")
                     + tlv.encode(0x5C, bytes([0x61, 0x75, 0x6B])))
    dg1 = tlv.encode(0x61, tlv.encode(0x5F1F, "".join(MRZ).encode()))
    out = {
        "COM": CardFile("COM", 0x011E, 0x1E, com),
        "DG1": CardFile("DG1", 0x0101, 0x01, dg1),
        "DG2": CardFile("DG2", 0x0102, 0x02, _blob(0x75, dg2_size, 7)),
        "DG11": CardFile("DG11", 0x010B, 0x0B, _blob(0x6B, 300, 3)),
    }
    if card_access:
        # a CardAccess without PACE (only a CA info): read before access control, BAC follows
        ca = tlv.encode(0x31, tlv.encode(0x30, tlv.encode(0x06, bytes.fromhex("04007F00070202030201"))
                                         + tlv.encode(0x02, b"\x01")))
        out["CardAccess"] = CardFile("CardAccess", 0x011C, 0x1C, ca, "open", "mf")
    return out


def card(*, dg2_size: int = 20000, card_access: bool = False, atr: bytes = ATR, **options) -> VirtualCard:
    return VirtualCard(
        profile="test-limits", seed=0, atr=atr, files=files(dg2_size, card_access=card_access),
        secrets={"document_number": DOC, "date_of_birth": DOB, "date_of_expiry": DOE},
        options=dataclasses.replace(CardOptions(), **options),
    )


def transport(c: VirtualCard, faults=()) -> LocalTransport:
    app = Applet(c)
    app.faults.extend(faults)
    return LocalTransport(app)


def rng_from(seed: int = 1):
    import hashlib

    state = {"n": 0}

    def rng(n: int) -> bytes:
        out = b""
        while len(out) < n:
            state["n"] += 1
            out += hashlib.sha256(f"{seed}:{state['n']}".encode()).digest()
        return out[:n]

    return rng
