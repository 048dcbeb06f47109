"""The transport protocol: the only I/O seam of the library.

A transport moves one APDU and returns the raw response bytes. Failures are
:class:`cccd_chip.errors.TransportError` (or its subclasses) only.
"""

from __future__ import annotations

from typing import Optional, Protocol, runtime_checkable


@runtime_checkable
class Transport(Protocol):
    def transmit(self, apdu: bytes) -> bytes:
        """Send one C-APDU and return the R-APDU bytes (data + SW1 SW2)."""
        ...


class TransportInfo(Protocol):
    """Optional attributes a transport may offer."""

    reader: Optional[str]
    atr: Optional[bytes]
