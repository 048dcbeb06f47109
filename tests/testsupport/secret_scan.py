"""Search outputs for a secret without false alarms from hex, digests and timings.

A CAN, a date of birth or a document number is a short run of digits. Traces, dumps and
records are full of hex (APDUs, digests) and decimal timings, where any six digits turn up
by chance: about one trace in four hundred holds a given six-digit string inside its random
secure-messaging bytes. A *short* secret therefore counts as leaked only as a token of its
own: not preceded or followed by a hex digit or a letter. A leak as text (``CAN 123456``,
``"can": "123456"``) is still found; the secret written as ASCII hex or as a derived key is
searched as its own long form by the callers, where a chance hit is 2^-48 or less.
"""

from __future__ import annotations

import re

SHORT = 16  # secrets up to this length are searched as tokens


def contains_secret(text: str, secret: str) -> bool:
    """True when ``secret`` occurs in ``text`` (short secrets only as a standalone token)."""
    if not secret:
        return False
    if len(secret) > SHORT:
        return secret in text
    pattern = r"(?<![0-9A-Za-z])" + re.escape(secret) + r"(?![0-9A-Za-z])"
    return re.search(pattern, text) is not None
