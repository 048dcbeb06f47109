"""Machine Readable Zone: check digits and the TD1/TD2/TD3 layouts.

ICAO 9303-3 §4.9 (check digits), 9303-4 §4.2.2 (TD3), 9303-5 §4.2.2 (TD1),
9303-6 §4.2.2 (TD2). The fixed layouts are ``construct`` structs over the
MRZ text (lines concatenated); every field is fixed width, filler ``<``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Optional

import construct as c

FILLER = "<"
_WEIGHTS = (7, 3, 1)
_VALUES = {ch: i for i, ch in enumerate("0123456789")}
_VALUES.update({ch: 10 + i for i, ch in enumerate("ABCDEFGHIJKLMNOPQRSTUVWXYZ")})
_VALUES[FILLER] = 0
MRZ_CHARSET = frozenset(_VALUES)


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


class _Field(c.Adapter):
    """Fixed-width MRZ text; ``strip`` drops trailing fillers on parse, pads on build."""

    def __init__(self, width: int, strip: bool = True) -> None:
        super().__init__(c.Bytes(width))
        self.width = width
        self.strip = strip

    def _decode(self, obj: bytes, context: Any, path: str) -> str:
        text = bytes(obj).decode("latin-1")
        return text.rstrip(FILLER) if self.strip else text

    def _encode(self, obj: object, context: Any, path: str) -> bytes:
        text = str(obj)
        if len(text) > self.width or (not self.strip and len(text) != self.width):
            raise ValueError(f"MRZ field {path} must be {self.width} characters")
        return text.ljust(self.width, FILLER).encode("latin-1")


def F(width: int) -> _Field:
    return _Field(width, strip=True)


def X(width: int) -> _Field:
    return _Field(width, strip=False)


# ICAO 9303-5 §4.2.2: TD1, three lines of 30.
TD1 = c.Struct(
    "document_code" / F(2),
    "issuing_state" / X(3),
    "document_number" / F(9),
    "document_number_cd" / X(1),
    "optional_data_1" / F(15),
    "date_of_birth" / X(6),
    "date_of_birth_cd" / X(1),
    "sex" / X(1),
    "date_of_expiry" / X(6),
    "date_of_expiry_cd" / X(1),
    "nationality" / X(3),
    "optional_data_2" / F(11),
    "composite_cd" / X(1),
    "name" / F(30),
)

# ICAO 9303-6 §4.2.2: TD2, two lines of 36.
TD2 = c.Struct(
    "document_code" / F(2),
    "issuing_state" / X(3),
    "name" / F(31),
    "document_number" / F(9),
    "document_number_cd" / X(1),
    "nationality" / X(3),
    "date_of_birth" / X(6),
    "date_of_birth_cd" / X(1),
    "sex" / X(1),
    "date_of_expiry" / X(6),
    "date_of_expiry_cd" / X(1),
    "optional_data_1" / F(7),
    "composite_cd" / X(1),
)

# ICAO 9303-4 §4.2.2: TD3, two lines of 44.
TD3 = c.Struct(
    "document_code" / F(2),
    "issuing_state" / X(3),
    "name" / F(39),
    "document_number" / F(9),
    "document_number_cd" / X(1),
    "nationality" / X(3),
    "date_of_birth" / X(6),
    "date_of_birth_cd" / X(1),
    "sex" / X(1),
    "date_of_expiry" / X(6),
    "date_of_expiry_cd" / X(1),
    "optional_data_1" / F(14),
    "optional_data_cd" / X(1),
    "composite_cd" / X(1),
)

LAYOUTS = {"TD1": (TD1, 30, 3), "TD2": (TD2, 36, 2), "TD3": (TD3, 44, 2)}
FORMAT_BY_LENGTH = {30 * 3: "TD1", 36 * 2: "TD2", 44 * 2: "TD3"}


@dataclass(frozen=True)
class CheckResult:
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
