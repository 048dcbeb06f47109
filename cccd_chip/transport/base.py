"""The transport protocol: the only I/O seam of the library.

A transport moves one APDU and returns the raw response bytes (ISO/IEC 7816-4 §5.1:
command APDU in, response data + SW1 SW2 out). Failures are
:class:`cccd_chip.errors.TransportError` (or its subclasses) only.

Every transport of the package declares it (``class X(Transport)``): PC/SC
(``pcsc.PcscTransport``), the in-process link to the virtual chip
(``local.LocalTransport``), trace record and replay (``trace``), the demo's vpcd link.
:func:`cccd_chip.reader.read_document` and :class:`cccd_chip.channel.CardChannel` take
a ``Transport``. A transport may say ``extended_length = False`` when its reader cannot
carry extended-length APDUs (the channel then never sends one).
"""

from __future__ import annotations

from typing import Optional, Protocol, runtime_checkable


@runtime_checkable
class Transport(Protocol):
    """Moves APDUs to a card: the library's one I/O seam."""

    def transmit(self, apdu: bytes) -> bytes:
        """Send one C-APDU and return the R-APDU bytes (data + SW1 SW2)."""
        ...


class TransportInfo(Protocol):
    """Optional attributes a transport may offer."""

    reader: Optional[str]
    atr: Optional[bytes]
