"""Human view of EAC files for ``cccd inspect``: CV certificates, certificate requests, EF.CVCA.

``describe(raw)`` returns a JSON-friendly dict (``title``, ``size``, ``sha256``, ``fields``), an
``error`` entry for a file that looks like one of them but does not parse, or None when the
bytes are none of them (the caller tries other formats). Never raises for bad input.
"""

from __future__ import annotations

import hashlib
from typing import Any, Optional

from ..errors import CccdError
from . import cvc, ef_cvca


def describe(raw: bytes, name: str = "") -> Optional[dict[str, Any]]:
    raw = bytes(raw)
    out: dict[str, Any] = {"file": name or "CVC", "size": len(raw), "sha256": hashlib.sha256(raw).hexdigest().upper()}
    if cvc.looks_like_cvc(raw):
        try:
            obj = cvc.parse_any(raw, file=name or "CVC")
        except CccdError as e:
            out["title"] = "CV certificate (malformed)"
            out["error"] = {"message": e.message, "reason": e.reason, **({"offset": e.offset} if e.offset is not None else {})}
            return out
        out["title"] = "CV certificate" if isinstance(obj, cvc.CvCertificate) else "CV certificate request"
        out["fields"] = obj.to_json()
        return out
    if raw[:1] == b"\x42" or (name.upper().startswith("CVCA") and raw):
        try:
            cars = ef_cvca.parse(raw)
        except CccdError as e:
            if raw[:1] != b"\x42":
                return None
            out["title"] = "EF.CVCA (malformed)"
            out["error"] = {"message": e.message, "reason": e.reason}
            return out
        out["title"] = "EF.CVCA (the chip's trust points)"
        out["fields"] = {"cars": list(cars)}
        return out
    return None
