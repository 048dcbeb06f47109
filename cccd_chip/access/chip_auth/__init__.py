"""Chip Authentication v1 (ICAO 9303-11 §6.2; BSI TR-03110-1 §4.2, -3 §B.1), host side.

:mod:`.protocol` holds the pure steps (key choice from DG14, the commands, the
session keys); :mod:`.driver` is the one driver over a :class:`~cccd_chip.channel.Channel`.
The driver returns the new secure messaging session; the reader installs it and
then lets the driver prove it (:func:`confirm_session`). No verdicts here: the
outcome is evidence (:class:`~cccd_chip.evidence.ChipAuthEvidence`), judged by
``cccd_chip.verify``.
"""

from .driver import ChipAuthConfirmation, ChipAuthResult, ca_domain, confirm_session, perform_chip_authentication
from .protocol import choose_key, general_authenticate, mse_set_at, mse_set_kat, parse_dg14

__all__ = ["perform_chip_authentication", "confirm_session", "ca_domain", "ChipAuthResult", "ChipAuthConfirmation",
           "choose_key", "parse_dg14", "mse_set_kat", "mse_set_at", "general_authenticate"]
