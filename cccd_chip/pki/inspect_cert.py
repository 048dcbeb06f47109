"""Human view of an X.509 certificate (CSCA, link, DSC) for ``cccd inspect`` (RFC 5280 §4; ICAO 9303-12 §7.1).

``describe_certificate(raw)`` takes PEM or DER and returns a JSON-friendly
dict: names, serial, validity, key (type, curve or size, named or explicit
parameters), signature algorithm, the extensions an eMRTD PKI uses
(basicConstraints, keyUsage, privateKeyUsagePeriod, CRL distribution points,
key identifiers, Document Type List) and the SHA-256 fingerprint, with a note
when it is a public CSCA the project knows (:mod:`.known_cscas`). Returns
None when ``raw`` is not a certificate; never raises for bad input.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from typing import Any, Optional

from ..errors import CccdError
from . import known_cscas
from .certificate import MAX_CERT_SIZE, load_certificate

_PEM = re.compile(rb"-----BEGIN (?:TRUSTED )?CERTIFICATE-----(.*?)-----END (?:TRUSTED )?CERTIFICATE-----", re.S)


def certificate_der(raw: bytes) -> Optional[bytes]:
    """The DER of the first certificate in ``raw`` (PEM or DER), or None."""
    m = _PEM.search(raw[: 4 * MAX_CERT_SIZE])
    if m:
        try:
            return base64.b64decode(b"".join(m.group(1).split()), validate=True)
        except (binascii.Error, ValueError):
            return None
    return raw if raw[:1] == b"\x30" else None


def describe_certificate(raw: bytes) -> Optional[dict[str, Any]]:
    """Display fields of a certificate, or None if ``raw`` holds none."""
    der = certificate_der(raw)
    if der is None:
        return None
    try:
        cert = load_certificate(der)
        from asn1crypto import x509

        a = x509.Certificate.load(der)
        fields: dict[str, Any] = {
            "subject": cert.subject_text,
            "issuer": cert.issuer_text,
            "self_issued": cert.self_issued,
            "serial": f"{cert.serial:X}",
            "not_before": cert.not_before.isoformat(),
            "not_after": cert.not_after.isoformat(),
            "public_key": _key(a),
            "signature_algorithm": a["signature_algorithm"]["algorithm"].native,
            "extensions": _extensions(a),
        }
    except CccdError as e:
        return {"file": "certificate", "size": len(raw), "error": {"message": e.message, "reason": e.reason}}
    except Exception:  # noqa: BLE001 - display only: asn1crypto raises many types on odd input
        return {"file": "certificate", "size": len(raw), "error": {"message": "certificate not decodable", "reason": "MALFORMED"}}
    out: dict[str, Any] = {"file": "certificate", "size": len(der), "sha256": hashlib.sha256(der).hexdigest().upper(),
                           "title": "X.509 certificate", "fields": fields}
    known = known_cscas.by_fingerprint(cert.fingerprint)
    if known is not None:
        out["known"] = {"title": known.title, "found": known.provenance,
                        "not_authenticated": known.not_authenticated,
                        "bundles": [name for name, ks in known_cscas.BUNDLES.items() if known in ks]}
    return out


# asn1crypto ships no type stubs: the certificate ``a`` and extension values ``v`` are ``Any`` to mypy.


def _key(a: Any) -> str:
    pk = a.public_key
    alg = pk.algorithm
    if alg == "ec":
        params = pk["algorithm"]["parameters"]
        if params.name == "named":
            return f"EC {params.chosen.native} (named curve)"
        return "EC, explicit domain parameters"
    if alg == "rsa":
        return f"RSA-{pk.bit_size}"
    return str(alg)


def _extensions(a: Any) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for ext in a["tbs_certificate"]["extensions"]:
        oid = ext["extn_id"].dotted
        name = ext["extn_id"].native
        crit = bool(ext["critical"].native)
        try:
            value = _ext_value(oid, ext["extn_value"].parsed)
        except Exception:  # noqa: BLE001 - display only
            value = ext["extn_value"].contents.hex().upper()
        out.append({"name": name, "critical": crit, "value": value})
    return out


def _ext_value(oid: str, v: Any) -> Any:
    if oid == "2.5.29.19":
        return {"ca": bool(v["ca"].native), "path_len": v["path_len_constraint"].native}
    if oid == "2.5.29.15":
        return sorted(v.native)
    if oid == "2.5.29.16":
        return {k: (t.isoformat() if t else None) for k, t in (("not_before", v["not_before"].native),
                                                                ("not_after", v["not_after"].native))}
    if oid == "2.5.29.31":
        urls = []
        for dp in v:
            for gn in dp["distribution_point"].chosen if dp["distribution_point"].name == "full_name" else ():
                urls.append(str(gn.native))
        return urls
    if oid == "2.5.29.14":
        return bytes(v.native).hex().upper()
    if oid == "2.5.29.35":
        kid = v["key_identifier"].native
        return bytes(kid).hex().upper() if kid is not None else None
    if v is None:
        return None
    native = v.native
    if isinstance(native, (bytes, bytearray)):
        return bytes(native).hex().upper()
    return native
