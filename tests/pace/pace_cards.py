"""Virtual cards for PACE / CA tests, built directly (no personalisation profile needed)."""

from __future__ import annotations

from typing import Optional

from cccd_chip.access.passwords import mrz_password, can_password
from cccd_chip.channel import CardChannel
from cccd_chip.emulator import ca_card, pace_card
from cccd_chip.emulator.applet import Applet
from cccd_chip.emulator.determinism import Drbg
from cccd_chip.emulator.card import CardFile, CardOptions, VirtualCard
from cccd_chip.lds import security_infos as si
from cccd_chip.transport.local import LocalTransport

CAN = "123456"
DOC, DOB, DOE = "C11T002JM", "960816", "291024"


def can():
    return can_password(CAN)


def mrz():
    return mrz_password(DOC, DOB, DOE)


_DSC = None


def dsc():
    global _DSC
    if _DSC is None:
        from cccd_chip.emulator import testpki

        _DSC = testpki.make_dsc(testpki.make_csca("UT", key_spec="p256", seed=3), key_spec="p256", seed=3)
    return _DSC


def make_card(pace_infos: list, *, ca_keys: Optional[list] = None, card_security: bool = False,
              dg14: bool = False, ca_cipher: str = "AES-128", seed: int = 1, extra_infos=(),
              ca_info_key_ids: bool = True, sec_infos_override=None) -> VirtualCard:
    """A card offering ``pace_infos`` in EF.CardAccess, optional CA keys, DG14, EF.CardSecurity."""
    files = {
        "CardAccess": CardFile("CardAccess", 0x011C, 0x1C, pace_card.build_card_access(list(pace_infos) + list(extra_infos)), "open", "mf"),
        "COM": CardFile("COM", 0x011E, 0x1E, bytes.fromhex("60055C03616E6F"), "sm"),
    }
    keys = {}
    if ca_keys:
        keys["ca"] = list(ca_keys)
        loaded = [ca_card.load_ca_key(k) for k in ca_keys]
        ca_infos = ca_card.ca_security_infos(loaded, ca_cipher)
        if sec_infos_override is not None:
            ca_infos = sec_infos_override
        if dg14:
            from cccd_chip.iso7816 import tlv

            files["DG14"] = CardFile("DG14", 0x010E, 14, tlv.encode(0x6E, si.build(ca_infos)), "sm")
        if card_security:
            files["CardSecurity"] = CardFile(
                "CardSecurity", 0x011D, 0x1D, pace_card.build_card_security(list(pace_infos) + ca_infos, dsc()), "sm", "mf")
    secrets = {"can": CAN, "document_number": DOC, "date_of_birth": DOB, "date_of_expiry": DOE}
    return VirtualCard("test-pace", seed, b"\x3B\x80\x80\x01\x01", files, secrets, CardOptions(extended=True),
                       keys)


def channel_for(card: VirtualCard, seed: bytes = b"chip") -> tuple[CardChannel, Applet]:
    app = Applet(card, rng=Drbg(seed.hex()))
    return CardChannel(LocalTransport(app)), app
