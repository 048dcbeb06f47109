"""DG1: the MRZ data (ICAO 9303-10 §4.7.1), TD1/TD2/TD3, plus the CCCD layout.

``61 L 5F1F L <MRZ text>``. Parsing never refuses a document for a bad check
digit: every check is reported in ``checks`` and the data is still shown.

CCCD (Vietnam, TD1): document number = last 9 digits of the 12-digit ID, the
full ID at the start of optional data 1 followed by ``<<`` and its own check
digit, expiry ``991231`` for cards without expiry (cccd-chip-facts §2.4).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Final, Optional

from ..errors import ParseError
from ..iso7816 import tlv
from . import mrz
from .mrz import FILLER, CheckResult, check_digit_or_none
from ..values import exact_bytes, FrozenValue

TAG: Final = 0x61
MRZ_TAG: Final = 0x5F1F
FILE: Final = "DG1"
NO_EXPIRY: Final = "991231"
_CCCD_OPT: Final = re.compile(r"^([0-9]{12})(?:<<(.))?$")


@dataclass(frozen=True, init=False)
class DG1(FrozenValue):
    """DG1 value; text fields are as on the document minus trailing fillers.

    ``issuing_state``, ``nationality``, dates, sex and check digits are kept
    exactly (fixed width, fillers included).
    """

    format: str  # "TD1" | "TD2" | "TD3"
    document_code: str
    issuing_state: str
    document_number_field: str  # the 9-character field, trailing fillers dropped
    document_number_cd: str
    date_of_birth: str  # YYMMDD
    date_of_birth_cd: str
    sex: str
    date_of_expiry: str  # YYMMDD
    date_of_expiry_cd: str
    nationality: str
    optional_data_1: str
    optional_data_2: str  # TD1 only, else ""
    optional_data_cd: str  # TD3 only, else ""
    composite_cd: str
    name: str  # the name field, e.g. "TRAN<<VAN<BINH"
    raw: bytes = field(default=b"", compare=True)

    def __init__(
            self,
            format: str,
            document_code: str,
            issuing_state: str,
            document_number_field: str,
            document_number_cd: str,
            date_of_birth: str,
            date_of_birth_cd: str,
            sex: str,
            date_of_expiry: str,
            date_of_expiry_cd: str,
            nationality: str,
            optional_data_1: str,
            optional_data_2: str,
            optional_data_cd: str,
            composite_cd: str,
            name: str,
            raw: bytes = b"",
    ) -> None:
        # stores into the slots (values.py: the generated __init__ is interpreted Python)
        object.__setattr__(self, "format", format)
        object.__setattr__(self, "document_code", document_code)
        object.__setattr__(self, "issuing_state", issuing_state)
        object.__setattr__(self, "document_number_field", document_number_field)
        object.__setattr__(self, "document_number_cd", document_number_cd)
        object.__setattr__(self, "date_of_birth", date_of_birth)
        object.__setattr__(self, "date_of_birth_cd", date_of_birth_cd)
        object.__setattr__(self, "sex", sex)
        object.__setattr__(self, "date_of_expiry", date_of_expiry)
        object.__setattr__(self, "date_of_expiry_cd", date_of_expiry_cd)
        object.__setattr__(self, "nationality", nationality)
        object.__setattr__(self, "optional_data_1", optional_data_1)
        object.__setattr__(self, "optional_data_2", optional_data_2)
        object.__setattr__(self, "optional_data_cd", optional_data_cd)
        object.__setattr__(self, "composite_cd", composite_cd)
        object.__setattr__(self, "name", name)
        object.__setattr__(self, "raw", raw)

    # --- derived ----------------------------------------------------------
    @property
    def mrz(self) -> str:
        """The MRZ text, lines concatenated."""
        return mrz.join_fields(self.format, _container(self))

    @property
    def lines(self) -> tuple[str, ...]:
        width, count = mrz.SHAPES[self.format]
        text = self.mrz
        return tuple(text[i * width : (i + 1) * width] for i in range(count))

    @property
    def primary_identifier(self) -> str:
        return mrz.split_name(self.name)[0]

    @property
    def secondary_identifier(self) -> str:
        return mrz.split_name(self.name)[1]

    @property
    def _long_number(self) -> Optional[tuple[str, str]]:
        """ICAO 9303-5 §4.2.4 note j: (number, cd) when the number continues in optional data."""
        if self.format in ("TD1", "TD2") and self.document_number_cd == FILLER:
            head = self.optional_data_1.split(FILLER, 1)[0]
            if len(head) >= 2:
                return self.document_number_field.ljust(9, FILLER) + head[:-1], head[-1]
        return None

    @property
    def document_number(self) -> str:
        """The logical document number (long numbers joined, fillers dropped)."""
        long = self._long_number
        return long[0] if long else self.document_number_field

    @property
    def document_number_check_digit(self) -> str:
        long = self._long_number
        return long[1] if long else self.document_number_cd

    @property
    def optional_data(self) -> str:
        """All optional data (TD1: both fields joined), trailing fillers dropped."""
        if self.format == "TD1":
            return (self.optional_data_1.ljust(15, FILLER) + self.optional_data_2).rstrip(FILLER)
        return self.optional_data_1

    @property
    def mrz_information(self) -> str:
        """ICAO 9303-11 §9.7.2 MRZ_information (BAC/PACE-MRZ password input)."""
        long = self._long_number
        number = long[0] if long else self.document_number_field.ljust(9, FILLER)
        return (
            number + self.document_number_check_digit + self.date_of_birth + self.date_of_birth_cd
            + self.date_of_expiry + self.date_of_expiry_cd
        )

    @property
    def cccd_id(self) -> Optional[str]:
        """The 12-digit Vietnamese ID when the CCCD layout is detected, else None."""
        if self.format != "TD1" or self.issuing_state != "VNM":
            return None
        m = _CCCD_OPT.match(self.optional_data_1)
        if not m or m.group(1)[3:] != self.document_number_field:
            return None
        return m.group(1)

    @property
    def no_expiry(self) -> bool:
        """CCCD cards "Không thời hạn" carry 991231 as MRZ expiry."""
        return self.date_of_expiry == NO_EXPIRY and self.issuing_state == "VNM"

    @property
    def checks(self) -> tuple[CheckResult, ...]:
        """Every check digit of the MRZ, with the found and expected value."""
        text = self.mrz
        out = [
            CheckResult(
                "document_number",
                self.document_number_check_digit,
                check_digit_or_none(
                    self._long_number[0] if self._long_number else self.document_number_field.ljust(9, FILLER)
                ),
            ),
            CheckResult("date_of_birth", self.date_of_birth_cd, check_digit_or_none(self.date_of_birth)),
            CheckResult("date_of_expiry", self.date_of_expiry_cd, check_digit_or_none(self.date_of_expiry)),
        ]
        if self.format == "TD3":
            opt = self.optional_data_1.ljust(14, FILLER)
            expected = check_digit_or_none(opt)
            found = self.optional_data_cd
            if found == FILLER and opt == FILLER * 14:
                expected = FILLER  # 9303-4 §4.2.2.3: '<' allowed when the field is unused
            out.append(CheckResult("optional_data", found, expected))
        m = _CCCD_OPT.match(self.optional_data_1) if self.cccd_id is not None else None
        if m is not None:
            out.append(CheckResult("cccd_id", m.group(2) or FILLER, check_digit_or_none(m.group(1))))
        composite_input = _composite_input(self.format, text)
        out.append(CheckResult("composite", self.composite_cd, check_digit_or_none(composite_input)))
        return tuple(out)

    @property
    def defects(self) -> tuple[str, ...]:
        """Field syntax problems (ICAO 9303-3 §4; robustness family 18), none of them fatal."""
        out = []
        text = self.mrz
        if any(ch not in mrz.MRZ_CHARSET for ch in text):
            out.append("characters outside the MRZ set")
        for name in ("date_of_birth", "date_of_expiry"):
            v = getattr(self, name)
            if v != FILLER * 6 and not _valid_yymmdd(v):
                out.append(f"{name} is not a valid YYMMDD date")
        if self.sex not in ("M", "F", "X", FILLER):
            out.append("sex is not M, F, X or <")
        for name in ("issuing_state", "nationality"):
            if not re.fullmatch(r"[A-Z<]{3}", getattr(self, name)) or getattr(self, name)[0] == FILLER:
                out.append(f"{name} is not a 3-letter code")
        if not self.document_code or self.document_code[0] not in "PIACV":
            out.append("unknown document code")
        if not self.primary_identifier:
            out.append("name is empty")
        return tuple(out)

    @property
    def checks_ok(self) -> bool:
        return all(ch.ok for ch in self.checks)

    @property
    def failed_checks(self) -> tuple[str, ...]:
        return tuple(ch.field for ch in self.checks if not ch.ok)


def _valid_yymmdd(v: str) -> bool:
    if not re.fullmatch(r"[0-9]{6}", v):
        return False
    month, day = int(v[2:4]), int(v[4:6])
    if v == "991231":
        return True
    import calendar

    return 1 <= month <= 12 and 1 <= day <= calendar.monthrange(2000, month)[1]


def _composite_input(fmt: str, text: str) -> str:
    """ICAO 9303-5/6/4: the characters covered by the composite check digit."""
    if fmt == "TD1":
        l1, l2 = text[0:30], text[30:60]
        return l1[5:30] + l2[0:7] + l2[8:15] + l2[18:29]
    if fmt == "TD2":
        l2 = text[36:72]
        return l2[0:10] + l2[13:20] + l2[21:35]
    l2 = text[44:88]
    return l2[0:10] + l2[13:20] + l2[21:43]


_FIELDS: Final = (
    "document_code issuing_state document_number_cd date_of_birth date_of_birth_cd sex date_of_expiry "
    "date_of_expiry_cd nationality optional_data_1 composite_cd name"
).split()


def _container(v: DG1) -> dict[str, Any]:
    d = {k: getattr(v, k) for k in _FIELDS}
    d["document_number"] = v.document_number_field
    if v.format == "TD1":
        d["optional_data_2"] = v.optional_data_2
    if v.format == "TD3":
        d["optional_data_cd"] = v.optional_data_cd
    return d


def parse_mrz(text: str, *, raw: bytes = b"", file: Optional[str] = FILE, offset: int = 0) -> DG1:
    """Parse MRZ text (lines concatenated, or separated by newlines)."""
    text = "".join(text.split()) if "\n" in text or "\r" in text else text
    fmt = mrz.FORMAT_BY_LENGTH.get(len(text))
    if fmt is None:
        raise ParseError(f"MRZ of {len(text)} characters is not TD1, TD2 or TD3", file=file, offset=offset)
    try:
        text.encode("latin-1")  # one byte per character, as read from the chip
        ct = mrz.split_fields(fmt, text)
    except (ValueError, UnicodeError) as exc:
        raise ParseError("MRZ layout", file=file, offset=offset) from exc
    return DG1(
        format=fmt,
        document_code=ct["document_code"],
        issuing_state=ct["issuing_state"],
        document_number_field=ct["document_number"],
        document_number_cd=ct["document_number_cd"],
        date_of_birth=ct["date_of_birth"],
        date_of_birth_cd=ct["date_of_birth_cd"],
        sex=ct["sex"],
        date_of_expiry=ct["date_of_expiry"],
        date_of_expiry_cd=ct["date_of_expiry_cd"],
        nationality=ct["nationality"],
        optional_data_1=ct["optional_data_1"],
        optional_data_2=ct.get("optional_data_2", ""),
        optional_data_cd=ct.get("optional_data_cd", ""),
        composite_cd=ct["composite_cd"],
        name=ct["name"],
        raw=raw,
    )


def parse(raw: bytes, *, file: Optional[str] = FILE) -> DG1:
    """Parse DG1 (tag 61 holding 5F1F)."""
    raw = exact_bytes(raw)
    n = len(raw)
    # the one form every chip writes, read inline: 61 L 5F 1F L' <MRZ> with both lengths in
    # short form and filling DG1 exactly; the same value (and the same MRZ offset, 2) as the
    # TLV walk below, which reads every other form and raises every error
    # (tests/lds/test_dg1_fast_path.py)
    if 5 <= n < 0x82 and raw[0] == TAG and raw[1] == n - 2 and raw[2] == 0x5F and raw[3] == 0x1F and raw[4] == n - 5:
        return parse_mrz(raw[5:].decode("latin-1"), raw=raw, file=file, offset=2)
    outer = tlv.decode_one(raw, expected_tag=TAG, file=file)
    base = len(raw) - len(outer.value)
    items = list(tlv.iter_tlv(outer.value, file=file))
    found = [t for t in items if t.tag == MRZ_TAG]
    if len(found) != 1:
        raise ParseError("DG1 must hold exactly one MRZ (5F1F)", file=file, offset=base)
    item = found[0]
    return parse_mrz(item.value.decode("latin-1"), raw=raw, file=file, offset=base + item.offset)


def build(value: DG1) -> bytes:
    """DG1 bytes from the value (canonical DER lengths)."""
    return tlv.encode(TAG, tlv.encode(MRZ_TAG, value.mrz.encode("latin-1")))


def make(
    fmt: str,
    *,
    document_code: str,
    issuing_state: str,
    document_number: str,
    date_of_birth: str,
    sex: str,
    date_of_expiry: str,
    nationality: str,
    primary_identifier: str,
    secondary_identifier: str = "",
    optional_data_1: str = "",
    optional_data_2: str = "",
) -> DG1:
    """A DG1 value with every check digit computed (for the virtual chip).

    Document numbers longer than 9 characters use the TD1/TD2 extension rule.
    """
    cd = mrz.check_digit
    number_field, number_cd, opt1 = document_number, cd(document_number.ljust(9, FILLER)), optional_data_1
    if len(document_number) > 9:
        if fmt == "TD3":
            raise ValueError("TD3 document numbers have at most 9 characters")
        number_field, number_cd = document_number[:9], FILLER
        opt1 = document_number[9:] + cd(document_number) + FILLER + optional_data_1 if optional_data_1 else (
            document_number[9:] + cd(document_number)
        )
    v = DG1(
        format=fmt,
        document_code=document_code.rstrip(FILLER),
        issuing_state=issuing_state.ljust(3, FILLER),
        document_number_field=number_field.rstrip(FILLER),
        document_number_cd=number_cd,
        date_of_birth=date_of_birth,
        date_of_birth_cd=cd(date_of_birth),
        sex=sex or FILLER,
        date_of_expiry=date_of_expiry,
        date_of_expiry_cd=cd(date_of_expiry),
        nationality=nationality.ljust(3, FILLER),
        optional_data_1=opt1.rstrip(FILLER),
        optional_data_2=optional_data_2.rstrip(FILLER) if fmt == "TD1" else "",
        optional_data_cd=cd(optional_data_1.ljust(14, FILLER)) if fmt == "TD3" else "",
        composite_cd="0",
        name=mrz.join_name(primary_identifier, secondary_identifier),
    )
    composite = cd(_composite_input(fmt, v.mrz))
    v = _replace(v, composite_cd=composite)
    return _replace(v, raw=build(v))


def make_cccd(
    id12: str,
    *,
    date_of_birth: str,
    sex: str,
    date_of_expiry: str,
    primary_identifier: str,
    secondary_identifier: str = "",
) -> DG1:
    """The CCCD TD1 layout (cccd-chip-facts §2.4): doc no = id[3:], ID + '<<' + cd in optional data."""
    if not re.fullmatch(r"[0-9]{12}", id12):
        raise ValueError("a CCCD ID has 12 digits")
    return make(
        "TD1",
        document_code="ID",
        issuing_state="VNM",
        document_number=id12[3:],
        date_of_birth=date_of_birth,
        sex=sex,
        date_of_expiry=date_of_expiry,
        nationality="VNM",
        primary_identifier=primary_identifier,
        secondary_identifier=secondary_identifier,
        optional_data_1=id12 + "<<" + mrz.check_digit(id12),
    )


def _replace(v: DG1, **changes: Any) -> DG1:
    from dataclasses import replace

    return replace(v, **changes)
