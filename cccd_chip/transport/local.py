"""In-process link to the virtual chip (fast unit tests; not a PC/SC replacement)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Optional

from ..errors import CardRemovedError
from .base import Transport

if TYPE_CHECKING:  # the emulator is not a dependency of the transports
    from ..emulator.applet import Applet


class LocalTransport(Transport):
    """Sends APDUs straight to an :class:`cccd_chip.emulator.applet.Applet`."""

    def __init__(self, applet: "Applet", reader: str = "cccd-chip in-process link") -> None:
        self.applet = applet
        self.reader: Optional[str] = reader
        self.atr: Optional[bytes] = applet.atr

    def transmit(self, apdu: bytes) -> bytes:
        resp: Optional[bytes] = self.applet.process(apdu)
        if resp is None:
            raise CardRemovedError("card removed")
        return resp

    def reset(self) -> bytes:
        atr: bytes = self.applet.power_up()
        return atr

    def close(self) -> None:
        pass
