"""Parsed views of a read document: the holder (DG1 and DG13 merged) and the face (DG2).

Sources of each field:

- DG1, the MRZ (ICAO 9303-4 §4.2.2 TD1 / TD3, 9303-10 §4.7.1): document code, issuing
  state, document number, the name in Latin letters without diacritics, nationality,
  sex, dates of birth and expiry as ``YYMMDD``; on a CCCD the 12-digit ID number sits in
  the optional data (cccd-chip-facts §1).
- DG13 of the Vietnamese CCCD (cccd-chip-facts §3): the name in Vietnamese (with
  diacritics), the ID number, dates as ``dd/mm/yyyy``, and the clerk's fields (place of
  origin, place of residence, date of issue, ethnicity, religion, parents, spouse).
- DG2 (9303-10 §4.7.2): the first face image of the first decodable ISO/IEC 19794-5
  record, as stored (JPEG or JPEG 2000).

Where DG1 and DG13 both give a field, DG13's value wins (it is the one the holder's
card prints); DG1's name stays available as ``Holder.name_mrz``. These views are for
display: they do not verify anything. Whether the data is genuine is the
verification report's answer (``verify_document``).
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Optional, Union

from .errors import CccdError

if TYPE_CHECKING:
    from .lds.dg1 import DG1
    from .lds.dg13 import CCCDPersonalData

DateOrText = Union[_dt.date, str]  # a date, or the text as written when it is not one
NO_EXPIRY_MRZ = "991231"  # a CCCD without expiry writes 991231 in the MRZ (cccd-chip-facts §1)


@dataclass(frozen=True)
class Holder:
    """The holder's and the document's data, DG1 and DG13 merged (DG13 first where both give a field)."""

    name: Optional[str] = None  # DG13 full name (Vietnamese), else DG1 primary + secondary identifiers
    name_mrz: Optional[str] = None  # the name as DG1 writes it (Latin letters, no diacritics)
    id_number: Optional[str] = None  # CCCD 12-digit ID number (DG13 field 1, else DG1 optional data)
    document_number: Optional[str] = None
    document_code: Optional[str] = None  # e.g. "ID", "P<" (DG1)
    issuing_state: Optional[str] = None  # ICAO 9303-3 code, e.g. "VNM" (DG1)
    nationality: Optional[str] = None
    sex: Optional[str] = None  # DG13's word, else DG1's "M" / "F" / "X"
    date_of_birth: Optional[DateOrText] = None
    date_of_expiry: Optional[DateOrText] = None  # None with ``no_expiry`` when the card never expires
    no_expiry: bool = False
    date_of_issue: Optional[DateOrText] = None  # DG13 only
    place_of_origin: Optional[str] = None  # DG13 only
    place_of_residence: Optional[str] = None  # DG13 only
    ethnicity: Optional[str] = None  # DG13 only
    religion: Optional[str] = None  # DG13 only
    mrz_check_digits_ok: Optional[bool] = None  # None without a readable DG1
    sources: tuple[str, ...] = ()  # the data groups that gave fields ("DG1", "DG13")
    unreadable: tuple[str, ...] = ()  # groups present but malformed: their fields are left out


@dataclass(frozen=True)
class Face:
    """A face image as stored in DG2: ``image`` bytes and their ``format`` (JPEG | JPEG2000)."""

    image: bytes
    format: str  # "JPEG" | "JPEG2000" | "unknown"

    @property
    def mime_type(self) -> str:
        return {"JPEG": "image/jpeg", "JPEG2000": "image/jp2"}.get(self.format, "application/octet-stream")

    def displayable(self) -> tuple[bytes, str]:
        """(bytes, MIME type) every browser shows: a JPEG as it is, a JPEG 2000 converted to PNG (needs Pillow)."""
        from .lds import face as facemod

        shown = facemod.export_image(self.image, "auto")
        return shown, "image/jpeg" if shown[:2] == b"\xff\xd8" else "image/png"


def mrz_date(yymmdd: str, kind: str, today: Optional[_dt.date] = None) -> Optional[_dt.date]:
    """An MRZ date (``YYMMDD``, ICAO 9303-3 §4.4) as a date, the century from the kind of date.

    ``kind`` is ``"birth"`` (the latest century that is not in the future) or ``"expiry"``
    (20YY: 9303-3 leaves the century to the reader). None when it is not a date
    (fillers, a day that does not exist). ``991231`` is 2099-12-31 here: only on a
    CCCD does it mean "no expiry" (``DG1.no_expiry``; ``Holder.no_expiry``).
    """
    if len(yymmdd) != 6 or not yymmdd.isdigit():
        return None
    today = today or _dt.date.today()
    yy, mm, dd = int(yymmdd[:2]), int(yymmdd[2:4]), int(yymmdd[4:])
    century = 2000 if kind == "expiry" else (2000 if 2000 + yy <= today.year else 1900)
    try:
        return _dt.date(century + yy, mm, dd)
    except ValueError:
        return None


def parse_dg1(raw: Optional[bytes]) -> "Optional[DG1]":
    """DG1 parsed (None when absent); a malformed DG1 raises ParseError."""
    if raw is None:
        return None
    from .lds import dg1

    return dg1.parse(raw)


def parse_dg13(raw: Optional[bytes]) -> "Optional[CCCDPersonalData]":
    """The personal data of a CCCD's DG13 (None when absent); a malformed DG13 raises ParseError."""
    if raw is None:
        return None
    from .lds import dg13

    return dg13.parse(raw).personal_data


def _mrz_field(value: str) -> Optional[str]:
    text = value.replace("<", " ").strip()
    return text or None


def holder_of(dg1_raw: Optional[bytes], dg13_raw: Optional[bytes]) -> Optional[Holder]:
    """DG1 and DG13 merged into one Holder; None when the document has neither."""
    if dg1_raw is None and dg13_raw is None:
        return None
    holder = Holder()
    unreadable: list[str] = []
    v1: "Optional[DG1]" = None
    pd: "Optional[CCCDPersonalData]" = None
    try:
        v1 = parse_dg1(dg1_raw)
    except CccdError:
        unreadable.append("DG1")
    try:
        pd = parse_dg13(dg13_raw)
    except CccdError:
        unreadable.append("DG13")
    if v1 is not None:
        name = " ".join(p for p in (v1.primary_identifier, v1.secondary_identifier) if p) or None
        holder = Holder(
            name=name, name_mrz=name, id_number=v1.cccd_id, document_number=v1.document_number or None,
            document_code=_mrz_field(v1.document_code), issuing_state=_mrz_field(v1.issuing_state),
            nationality=_mrz_field(v1.nationality), sex=v1.sex.strip("<") or "X",
            date_of_birth=mrz_date(v1.date_of_birth, "birth") or _mrz_field(v1.date_of_birth),
            date_of_expiry=None if v1.no_expiry else (mrz_date(v1.date_of_expiry, "expiry")
                                                      or _mrz_field(v1.date_of_expiry)),
            no_expiry=v1.no_expiry, mrz_check_digits_ok=not v1.failed_checks, sources=("DG1",))
    if pd is not None:
        from .lds.dg13 import NO_EXPIRY_TEXT

        given: dict[str, Any] = {key: value for key, value in (
            ("name", pd.full_name), ("id_number", pd.id_number), ("sex", pd.sex), ("nationality", pd.nationality),
            ("date_of_birth", pd.date_of_birth), ("date_of_expiry", pd.date_of_expiry),
            ("date_of_issue", pd.date_of_issue), ("place_of_origin", pd.place_of_origin),
            ("place_of_residence", pd.place_of_residence), ("ethnicity", pd.ethnicity),
            ("religion", pd.religion)) if value not in (None, "")}
        no_expiry = holder.no_expiry or (isinstance(pd.date_of_expiry, str)
                                         and pd.date_of_expiry.strip() == NO_EXPIRY_TEXT)
        holder = dataclasses.replace(holder, **given, no_expiry=no_expiry, sources=holder.sources + ("DG13",))
    return dataclasses.replace(holder, unreadable=tuple(unreadable))


def face_of(dg2_raw: Optional[bytes]) -> Optional[Face]:
    """The first face image of DG2 (None when DG2 is absent or holds no decodable face record).

    A DG2 whose framing is malformed raises ParseError.
    """
    if dg2_raw is None:
        return None
    from .lds import dg2, face as facemod

    faces = dg2.parse(dg2_raw).faces
    if not faces:
        return None
    image = faces[0].image
    kind = facemod.sniff_image(image)
    return Face(image, {"JP2": "JPEG2000", "J2K": "JPEG2000"}.get(kind, kind))
