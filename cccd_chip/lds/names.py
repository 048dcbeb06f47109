"""X.501 names as one line of text, the same everywhere the tool shows one.

``C=VN, O=..., OU=..., CN=...`` in the order of the encoding (RFC 4514 attribute
short names, without RFC 4514's reversal: ICAO certificates are read top-down).
Display only: comparisons use the RFC 5280 §7.1 normalised form (pki/certificate.py).
"""

from __future__ import annotations

from typing import Any

MAX_NAME_TEXT = 200
_SHORT = {"country_name": "C", "organization_name": "O", "organizational_unit_name": "OU",
          "common_name": "CN", "serial_number": "serialNumber", "locality_name": "L",
          "state_or_province_name": "ST"}


def name_text(name: Any) -> str:
    """An asn1crypto ``x509.Name`` as ``C=.., O=.., CN=..`` (at most 200 characters)."""
    try:
        parts = []
        for rdn in name.chosen:
            for atv in rdn:
                t = atv["type"].native
                parts.append(f"{_SHORT.get(t, t)}={atv['value'].native}")
        return ", ".join(parts)[:MAX_NAME_TEXT]
    except Exception:  # noqa: BLE001 - display only, on untrusted names
        return "<unprintable name>"
