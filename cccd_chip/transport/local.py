"""In-process link to the virtual chip (fast unit tests; not a PC/SC replacement)."""

from __future__ import annotations

from typing import Optional

from ..errors import CardRemovedError


class LocalTransport:
    """Sends APDUs straight to an :class:`cccd_chip.emulator.applet.Applet`."""

    def __init__(self, applet, reader: str = "cccd-chip in-process link") -> None:
        self.applet = applet
        self.reader: Optional[str] = reader
        self.atr: Optional[bytes] = applet.atr

    def transmit(self, apdu: bytes) -> bytes:
        resp = self.applet.process(apdu)
        if resp is None:
            raise CardRemovedError("card removed")
        return resp

    def reset(self) -> bytes:
        return self.applet.power_up()

    def close(self) -> None:
        pass
