"""Machine Readable Zone: check digits and the TD1/TD2/TD3 layouts.

ICAO 9303-3 §4.9 (check digits), 9303-4 §4.2.2 (TD3), 9303-5 §4.2.2 (TD1),
9303-6 §4.2.2 (TD2). The fixed layouts are tables of (field, width) over the
MRZ text (lines concatenated); every field is fixed width, filler ``<``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Optional
from ..values import FrozenValue


FILLER: Final = "<"
_WEIGHTS: Final = (7, 3, 1)
_VALUES: Final = {ch: i for i, ch in enumerate("0123456789")}
_VALUES.update({ch: 10 + i for i, ch in enumerate("ABCDEFGHIJKLMNOPQRSTUVWXYZ")})
_VALUES[FILLER] = 0
MRZ_CHARSET: Final = frozenset(_VALUES)


def check_digit(text: str) -> str:
    """ICAO 9303-3 §4.9: weights 7-3-1, digits, A-Z = 10..35, '<' = 0, mod 10.

    Raises ``ValueError`` for a character outside the MRZ set (callers that
    parse untrusted data use :func:`check_digit_or_none`).
    """
    total = 0
    for i, ch in enumerate(text):
        try:
            total += _VALUES[ch] * _WEIGHTS[i % 3]
        except KeyError:
            raise ValueError("character outside the MRZ character set") from None
    return str(total % 10)


def check_digit_or_none(text: str) -> Optional[str]:
    """Like :func:`check_digit`, ``None`` if ``text`` has a non-MRZ character."""
    try:
        return check_digit(text)
    except ValueError:
        return None


# The fixed layouts as data: (field, width, strip trailing fillers on parse).
# ICAO 9303-5 §4.2.2: TD1, three lines of 30.
TD1_FIELDS: Final = (
    ("document_code", 2, True), ("issuing_state", 3, False), ("document_number", 9, True),
    ("document_number_cd", 1, False), ("optional_data_1", 15, True), ("date_of_birth", 6, False),
    ("date_of_birth_cd", 1, False), ("sex", 1, False), ("date_of_expiry", 6, False),
    ("date_of_expiry_cd", 1, False), ("nationality", 3, False), ("optional_data_2", 11, True),
    ("composite_cd", 1, False), ("name", 30, True),
)
# ICAO 9303-6 §4.2.2: TD2, two lines of 36.
TD2_FIELDS: Final = (
    ("document_code", 2, True), ("issuing_state", 3, False), ("name", 31, True), ("document_number", 9, True),
    ("document_number_cd", 1, False), ("nationality", 3, False), ("date_of_birth", 6, False),
    ("date_of_birth_cd", 1, False), ("sex", 1, False), ("date_of_expiry", 6, False),
    ("date_of_expiry_cd", 1, False), ("optional_data_1", 7, True), ("composite_cd", 1, False),
)
# ICAO 9303-4 §4.2.2: TD3, two lines of 44.
TD3_FIELDS: Final = (
    ("document_code", 2, True), ("issuing_state", 3, False), ("name", 39, True), ("document_number", 9, True),
    ("document_number_cd", 1, False), ("nationality", 3, False), ("date_of_birth", 6, False),
    ("date_of_birth_cd", 1, False), ("sex", 1, False), ("date_of_expiry", 6, False),
    ("date_of_expiry_cd", 1, False), ("optional_data_1", 14, True), ("optional_data_cd", 1, False),
    ("composite_cd", 1, False),
)
FIELDS: Final = {"TD1": TD1_FIELDS, "TD2": TD2_FIELDS, "TD3": TD3_FIELDS}
SHAPES: Final = {"TD1": (30, 3), "TD2": (36, 2), "TD3": (44, 2)}  # (line width, lines)
FORMAT_BY_LENGTH: Final = {30 * 3: "TD1", 36 * 2: "TD2", 44 * 2: "TD3"}


def split_fields(fmt: str, text: str) -> dict[str, str]:
    """The fields of MRZ ``text`` (exactly the format's length), trailing fillers dropped where the layout says."""
    out: dict[str, str] = {}
    pos = 0
    for name, width, strip in FIELDS[fmt]:
        value = text[pos : pos + width]
        out[name] = value.rstrip(FILLER) if strip else value
        pos += width
    if pos != len(text):
        raise ValueError(f"MRZ text of {len(text)} characters is not {fmt}")
    return out


def join_fields(fmt: str, values: dict[str, str]) -> str:
    """MRZ text from field values (stripped fields padded with fillers; ValueError when one does not fit)."""
    parts = []
    for name, width, strip in FIELDS[fmt]:
        text = str(values[name])
        if len(text) > width or (not strip and len(text) != width):
            raise ValueError(f"MRZ field {name} must be {width} characters")
        parts.append(text.ljust(width, FILLER))
    return "".join(parts)


@dataclass(frozen=True)
class CheckResult(FrozenValue):
    """One MRZ check digit: what the document holds and what it should be."""

    field: str
    found: str
    expected: Optional[str]  # None when the checked text has non-MRZ characters

    @property
    def ok(self) -> bool:
        return self.expected is not None and self.found == self.expected


def split_name(field: str) -> tuple[str, str]:
    """ICAO 9303-3 §4.6: primary and secondary identifiers from the name field."""
    field = field.rstrip(FILLER)
    primary, sep, secondary = field.partition("<<")
    return primary.replace(FILLER, " ").strip(), secondary.replace(FILLER, " ").strip()


def join_name(primary: str, secondary: str = "") -> str:
    """Name field text (without the trailing filler) from the two identifiers."""
    p = FILLER.join(primary.upper().split())
    s = FILLER.join(secondary.upper().split())
    return f"{p}<<{s}" if s else p
