"""Active Authentication (ICAO 9303-11 §6.1), the terminal's side of the exchange.

:mod:`.protocol` holds the pure step (the challenge and its command), :mod:`.driver`
the one driver over a :class:`~cccd_chip.channel.Channel`. The signature is
evidence; ``cccd_chip.verify.active_auth`` verifies it against DG15.
"""

from .driver import ActiveAuthResult, perform_active_authentication
from .protocol import CHALLENGE_LENGTH, internal_authenticate

__all__ = ["perform_active_authentication", "ActiveAuthResult", "CHALLENGE_LENGTH", "internal_authenticate"]
