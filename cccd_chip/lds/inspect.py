"""Human view of any LDS file for ``cccd inspect`` (JSON-friendly dicts).

``describe(name, raw)`` or ``describe(raw)`` (the file is then identified by
its first byte). Malformed input never raises: the result carries an
``error`` entry (message, reason, offset) next to the size and SHA-256, so a
dump with one broken file still shows the others. Binary values are hex.
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
import hashlib
from typing import TYPE_CHECKING, Any, Callable, Optional, Union

from .names import name_text
from ..errors import CccdError
from . import oids, registry
from . import security_infos as si

if TYPE_CHECKING:  # the parsers are loaded lazily through the registry
    from ._biometric_dg import BiometricDG
    from .card_access import CardAccess
    from .card_security import CardSecurity
    from .cms import SignedData
    from .com import Com
    from .dg1 import DG1
    from .dg11 import DG11
    from .dg12 import DG12
    from .dg13 import DG13
    from .dg14 import DG14
    from .dg15 import DG15
    from .dg16 import DG16
    from .dg2 import DG2
    from .dg_generic import Node
    from .displayed import DisplayedImages
    from .face import FaceImage
    from .finger import FingerRecord
    from .iris import IrisRecord
    from .sod import SOD

Json = Any  # a JSON value: dict / list / str / int / bool / None
JsonObj = dict[str, Json]


def describe(name_or_raw: Union[str, bytes, None], raw: Optional[bytes] = None) -> JsonObj:
    """Decode ``raw`` as LDS file ``name`` into display fields.

    ``describe(raw)``, ``describe(None, raw)`` or a name that is not an LDS
    file name (e.g. a path such as ``"dump/DG13.bin"``) identify the file from
    the name's stem if it is one, else from the first byte.
    """
    name: Optional[str]
    if isinstance(name_or_raw, (bytes, bytearray)):
        name, raw = None, bytes(name_or_raw)
    else:
        name = name_or_raw
    raw = bytes(raw or b"")
    name = _resolve_name(name, raw)
    out: JsonObj = {"file": name, "size": len(raw), "sha256": hashlib.sha256(raw).hexdigest().upper()}
    info = registry.BY_NAME.get(name)
    if info is None:
        out["error"] = {"message": "not a known LDS file", "reason": "MALFORMED", "offset": 0}
        return out
    out["title"] = info.title
    try:
        value = info.parse(raw)
        out["fields"] = _json_safe(_FORMATTERS.get(info.module, _generic)(value))
    except CccdError as exc:
        out["error"] = {"message": exc.message, "reason": exc.reason, **({"offset": exc.offset} if exc.offset is not None else {})}
    return out


def _resolve_name(name: Optional[str], raw: bytes) -> str:
    if name in registry.BY_NAME:
        return name
    if name:
        stem = name.replace("\\", "/").rsplit("/", 1)[-1].split(".", 1)[0]
        for prefix in ("EF_", "EF.", "EF"):
            if stem.upper().startswith(prefix) and stem[len(prefix):] in registry.BY_NAME:
                return stem[len(prefix):]
        for known in registry.BY_NAME:
            if stem.lower() == known.lower():
                return known
    info = registry.identify(raw)
    return info.name if info else (name or "unknown")


def protected(name: str) -> JsonObj:
    """Entry for an EAC-protected file that could not be read (DG3, DG4)."""
    from ._biometric_dg import NOT_READABLE

    return {"file": name, "status": NOT_READABLE}


# --- formatters ----------------------------------------------------------------


def _hex(b: Optional[bytes]) -> Optional[str]:
    return None if b is None else b.hex().upper()


def _com(v: "Com") -> JsonObj:
    return {
        "lds_version": v.lds_version_text,
        "unicode_version": v.unicode_version_text,
        "data_groups": [f"DG{n}" for n in v.data_groups],
        **({"unknown_tags": [f"{t:02X}" for t in v.unknown_tags]} if v.unknown_tags else {}),
    }


def _dg1(v: "DG1") -> JsonObj:
    out: JsonObj = {
        "format": v.format,
        "document_code": v.document_code,
        "issuing_state": v.issuing_state,
        "document_number": v.document_number,
        "primary_identifier": v.primary_identifier,
        "secondary_identifier": v.secondary_identifier,
        "nationality": v.nationality,
        "date_of_birth": v.date_of_birth,
        "sex": v.sex,
        "date_of_expiry": v.date_of_expiry,
        "optional_data": v.optional_data,
        "check_digits": {c.field: {"found": c.found, "expected": c.expected, "ok": c.ok} for c in v.checks},
        "mrz": list(v.lines),
    }
    if v.cccd_id is not None:
        out["cccd_id"] = v.cccd_id
        out["no_expiry"] = v.no_expiry
    return out


def _signer(sd: "SignedData") -> list[JsonObj]:
    out: list[JsonObj] = []
    for signer in sd.signer_infos:
        out.append({
            "version": signer.version,
            "sid": {"subject_key_identifier": _hex(signer.sid_ski)} if signer.sid_ski is not None
            else {"issuer": _name(signer.sid_issuer), "serial": signer.sid_serial},
            "digest_algorithm": signer.digest_algorithm.name,
            "signature_algorithm": signer.signature_algorithm.name,
            "content_type": signer.content_type and oids.name(signer.content_type),
            "message_digest": _hex(signer.message_digest),
            "signing_time": signer.signing_time.isoformat() if signer.signing_time else None,
        })
    return out


def _name(der: Optional[bytes]) -> Optional[str]:
    if der is None:
        return None
    try:
        from asn1crypto import x509

        return name_text(x509.Name.load(der))
    except Exception:  # noqa: BLE001 - display only
        return _hex(der)


def _cert(der: bytes) -> JsonObj:
    try:
        from asn1crypto import x509

        c = x509.Certificate.load(der)
        tbs = c["tbs_certificate"]
        return {
            "subject": name_text(c.subject),
            "issuer": name_text(c.issuer),
            "serial": str(tbs["serial_number"].native),
            "not_before": tbs["validity"]["not_before"].native.isoformat(),
            "not_after": tbs["validity"]["not_after"].native.isoformat(),
            "public_key": _key_text(c.public_key),
            "signature_algorithm": c["signature_algorithm"]["algorithm"].native,
        }
    except Exception:  # noqa: BLE001 - display only
        return {"der_size": len(der), "error": "certificate not decodable"}


def _key_text(pk: Any) -> str:
    # ``pk``: an asn1crypto ``keys.PublicKeyInfo`` (asn1crypto ships no type stubs)
    """``ec brainpoolP384r1`` / ``ec (explicit parameters)`` / ``rsa 2048`` (display only)."""
    try:
        if pk.algorithm == "ec":
            params = pk["algorithm"]["parameters"]
            return f"ec {params.chosen.native}" if params.name == "named" else "ec (explicit parameters)"
        if pk.algorithm == "rsa":
            return f"rsa {pk.bit_size}"
    except Exception:  # noqa: BLE001 - display only
        pass
    return str(pk.algorithm)


def _signed_data(sd: "SignedData") -> JsonObj:
    return {
        "content_type": oids.name(sd.econtent_type),
        "version": sd.version,
        "digest_algorithms": [a.name for a in sd.digest_algorithms],
        "certificates": [_cert(c) for c in sd.certificates],
        "signer_infos": _signer(sd),
    }


def _sod(v: "SOD") -> JsonObj:
    lso = v.security_object
    out: JsonObj = {
        "lds_security_object_version": lso.version,
        "hash_algorithm": lso.hash_name,
        "data_group_hashes": {f"DG{h.number}": _hex(h.value) for h in lso.data_group_hashes},
        **_signed_data(v.signed_data),
    }
    if lso.lds_version:
        out["lds_version"] = lso.lds_version
        out["unicode_version"] = lso.unicode_version
    return out


def _infos(infos: si.SecurityInfos) -> list[JsonObj]:
    out: list[JsonObj] = []
    for i in infos.infos:
        d: JsonObj = {"type": type(i).__name__, "protocol": getattr(i, "protocol", None)}
        for f in dataclasses.fields(i):  # no __dict__: compiled, these are native classes (cccd_chip/_native.py)
            k, val = f.name, getattr(i, f.name)
            if k in ("raw", "protocol"):
                continue
            d[k] = _hex(val) if isinstance(val, bytes) else val
        proto = d["protocol"] or ""
        algo = si.pace_algorithm(proto) or si.ca_algorithm(proto)
        if algo is not None:
            d["algorithm"] = algo.name
        out.append(d)
    return out


def _security_infos_file(v: "Union[CardAccess, DG14]") -> JsonObj:
    return {"security_infos": _infos(v.security_infos)}


def _card_security(v: "CardSecurity") -> JsonObj:
    return {"security_infos": _infos(v.security_infos), **_signed_data(v.signed_data)}


def _face(im: "FaceImage") -> JsonObj:
    from .face import FACE_IMAGE_TYPES, GENDERS, IMAGE_DATA_TYPES

    return {
        "gender": GENDERS.get(im.gender, im.gender),
        "eye_colour": im.eye_colour,
        "hair_colour": im.hair_colour,
        "feature_mask": im.feature_mask,
        "expression": im.expression,
        "pose_angle": list(im.pose_angle),
        "feature_points": len(im.feature_points),
        "face_image_type": FACE_IMAGE_TYPES.get(im.face_image_type, im.face_image_type),
        "image_data_type": IMAGE_DATA_TYPES.get(im.image_data_type, im.image_data_type),
        "width": im.width,
        "height": im.height,
        "image_format": im.image_format,
        "image_size": len(im.image),
    }


def _dg2(v: "DG2") -> JsonObj:
    blocks: list[JsonObj] = []
    for b in v.blocks:
        d: JsonObj = {"encoding": b.encoding, "header": b.info.header.to_dict(), "data_size": len(b.info.data)}
        if b.record is not None:
            d["faces"] = [_face(im) for im in b.record.images]
            if b.record.defects:
                d["defects"] = list(b.record.defects)
        if b.error:
            d["error" if b.supported else "unsupported"] = b.error
        blocks.append(d)
    return {"instances": v.group.count, "blocks": blocks}


def _finger_record(rec: "FingerRecord") -> JsonObj:
    from .biometric_image import sniff
    from .finger import IMPRESSION_TYPES, SCALE_UNITS

    return {
        "version": rec.version.rstrip(b"\x00").decode("ascii", "replace"),
        "compression": rec.compression_name,
        "image_acquisition_level": rec.image_acquisition_level,
        "capture_device_id": rec.capture_device_id,
        "scale_units": SCALE_UNITS.get(rec.scale_units, rec.scale_units),
        "scan_resolution": [rec.horizontal_scan_resolution, rec.vertical_scan_resolution],
        "image_resolution": [rec.horizontal_image_resolution, rec.vertical_image_resolution],
        "pixel_depth": rec.pixel_depth,
        "views": [{
            "finger_position": v.position, "finger": v.position_name, "view_count": v.view_count,
            "view_number": v.view_number, "quality": v.quality,
            "impression_type": IMPRESSION_TYPES.get(v.impression_type, v.impression_type),
            "width": v.width, "height": v.height, "image_format": sniff(v.image), "image_size": len(v.image),
        } for v in rec.views],
    }


def _iris_record(rec: "IrisRecord") -> JsonObj:
    from .biometric_image import sniff

    return {
        "version": rec.version.rstrip(b"\x00").decode("ascii", "replace"),
        "image_format": rec.image_format_name,
        "width": rec.width, "height": rec.height, "intensity_depth": rec.intensity_depth,
        "iris_diameter": rec.iris_diameter, "capture_device_id": rec.capture_device_id,
        "image_properties": rec.properties(), "image_transformation": rec.image_transformation,
        "images": [{
            "eye": im.eye_name, "image_number": im.image_number, "quality": im.quality,
            "rotation_angle": im.rotation_angle, "rotation_uncertainty": im.rotation_uncertainty,
            "image_format": sniff(im.image), "image_size": len(im.image),
        } for im in rec.images],
    }


def _biometric(v: "BiometricDG") -> JsonObj:
    """DG3/DG4: CBEFF headers and the ISO/IEC 19794-4/-6 record headers; no image bytes."""
    from .finger import FingerRecord

    templates: list[JsonObj] = []
    for b in v.blocks:
        d: JsonObj = {"encoding": b.encoding, "header": b.info.header.to_dict(), "data_size": len(b.info.data)}
        if b.record is not None:
            d["record"] = _finger_record(b.record) if isinstance(b.record, FingerRecord) else _iris_record(b.record)
            if b.record.defects:
                d["defects"] = list(b.record.defects)
        if b.error:
            d["error" if b.supported else "unsupported"] = b.error
        templates.append(d)
    out: JsonObj = {"instances": v.group.count, "templates": templates}
    if v.count_mismatch:
        out["count_mismatch"] = True
    return out


def _displayed(v: "DisplayedImages") -> JsonObj:
    return {"count": v.count, "images": [{"format": i.image_format, "size": len(i.image)} for i in v.images]}


def _dg13(v: "DG13") -> JsonObj:
    pd = v.personal_data.to_json()
    out: JsonObj = {"version": v.version, "encoding": v.encoding_oid, "personal_data": pd,
                 "field_numbers": [f.number for f in v.fields]}
    f13 = v.field(13)
    if f13 is not None:
        out["parents_layout"] = f13.layout
    if v.duplicate_numbers:
        out["duplicate_fields"] = list(v.duplicate_numbers)
    return out


def _dg15(v: "DG15") -> JsonObj:
    return {
        "key_type": v.key_type,
        "algorithm": oids.name(v.algorithm),
        "key_size": v.key_size,
        "named_curve": v.named_curve,
        "explicit_parameters": v.explicit_parameters,
    }


def _dg16(v: "DG16") -> JsonObj:
    return {"count": v.count, "persons": list(v.persons)}


def _tagged(v: "Union[DG11, DG12]") -> JsonObj:
    return {"tag_list": [f"{t:X}" for t in v.tag_list], **v.fields()}


def _generic(v: object) -> JsonObj:
    def node(n: "Node") -> JsonObj:
        d: JsonObj = {"tag": f"{n.tag:X}"}
        if n.constructed:
            d["children"] = [node(c) for c in n.children]
        else:
            d["value"] = _hex(n.value)
        return d

    content = getattr(v, "content", None)
    if content is not None:
        return {"content": [node(n) for n in content]}
    return {}


_FORMATTERS: dict[str, Callable[[Any], JsonObj]] = {
    "com": _com,
    "dg1": _dg1,
    "sod": _sod,
    "card_access": _security_infos_file,
    "dg14": _security_infos_file,
    "card_security": _card_security,
    "dg2": _dg2,
    "dg3": _biometric,
    "dg4": _biometric,
    "dg5": _displayed,
    "dg6": _displayed,
    "dg7": _displayed,
    "dg11": _tagged,
    "dg12": _tagged,
    "dg13": _dg13,
    "dg15": _dg15,
    "dg16": _dg16,
}


def _json_safe(x: Json) -> Json:
    if isinstance(x, dict):
        return {k: _json_safe(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_json_safe(v) for v in x]
    if isinstance(x, bytes):
        return x.hex().upper()
    if isinstance(x, (_dt.date, _dt.datetime)):
        return x.isoformat()
    return x
