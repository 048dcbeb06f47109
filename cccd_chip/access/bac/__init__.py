"""Basic Access Control (ICAO 9303-11 §4.3, Appendix D).

:mod:`.protocol` holds the pure steps, :mod:`.driver` the one driver over a
:class:`~cccd_chip.channel.Channel`; it returns the session, the reader installs it.
"""

from .driver import BacResult, perform_bac
from .protocol import BacKeys, cryptogram_mac, derive_keys, external_authenticate_data, open_ic_response, session_keys

__all__ = ["perform_bac", "BacResult", "BacKeys", "cryptogram_mac", "derive_keys", "external_authenticate_data", "open_ic_response",
           "session_keys"]
