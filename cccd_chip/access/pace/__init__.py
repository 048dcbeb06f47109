"""PACE: Password Authenticated Connection Establishment (ICAO 9303-11 §4.4).

Host side. The pure steps live in :mod:`.protocol` (messages, tokens),
:mod:`.mapping` (GM, IM, CAM), :mod:`.symmetric` (cipher suite);
:func:`perform_pace` is the one driver over a :class:`~cccd_chip.channel.Channel`:
it returns the session, the reader installs it. :mod:`.cam` records the
PACE-CAM check against EF.CardSecurity once the reader has read it. See
docs/protocols.md for the choices made (parameter ID, errors, CAM).
"""

from .cam import card_security_infos, check_against_card_security
from .driver import PaceResult, perform_pace, select_info

__all__ = ["perform_pace", "PaceResult", "select_info", "card_security_infos", "check_against_card_security"]
