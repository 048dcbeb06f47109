"""Invented Vietnamese holders for virtual cards (no real person).

Everything is drawn from a seeded ``random.Random``: the same seed gives the
same holder. ID numbers follow the CCCD structure (cccd-chip-facts §2.4):
3-digit province code, century/gender digit, 2-digit birth year, 6 digits.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from typing import Optional

from ..access.passwords import mrz_check_digit

PROVINCES = {
    "001": "Hà Nội", "079": "Hồ Chí Minh", "048": "Đà Nẵng", "031": "Hải Phòng",
    "092": "Cần Thơ", "038": "Thanh Hóa", "040": "Nghệ An", "046": "Thừa Thiên Huế",
    "036": "Nam Định", "034": "Thái Bình", "056": "Khánh Hòa", "066": "Đắk Lắk",
}
SURNAMES = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô"]
MIDDLE_M = ["Văn", "Hữu", "Đức", "Minh", "Quang", "Thành", "Công"]
MIDDLE_F = ["Thị", "Ngọc", "Thu", "Thanh", "Kim", "Bảo"]
GIVEN_M = ["Bình", "An", "Dũng", "Hùng", "Khoa", "Long", "Nam", "Phúc", "Quân", "Sơn", "Tuấn", "Việt"]
GIVEN_F = ["Anh", "Hà", "Hương", "Lan", "Linh", "Mai", "Ngọc", "Phương", "Thảo", "Trang", "Vy", "Yến"]
STREETS = ["Lê Lợi", "Trần Hưng Đạo", "Nguyễn Huệ", "Hai Bà Trưng", "Lý Thường Kiệt", "Điện Biên Phủ"]
WARDS = ["Phường Bến Nghé", "Phường Cửa Nam", "Phường Hải Châu I", "Xã Tân Phú", "Phường Đông Ba"]
MARKS = ["Nốt ruồi C:2cm trên sau đầu mày trái", "Sẹo chấm C:1cm dưới cằm", "Nốt ruồi C:3cm dưới mép phải"]

_FOLD = str.maketrans(
    "ÀÁẢÃẠĂẰẮẲẴẶÂẦẤẨẪẬĐÈÉẺẼẸÊỀẾỂỄỆÌÍỈĨỊÒÓỎÕỌÔỒỐỔỖỘƠỜỚỞỠỢÙÚỦŨỤƯỪỨỬỮỰỲÝỶỸỴ",
    "AAAAAAAAAAAAAAAAADEEEEEEEEEEEIIIIIOOOOOOOOOOOOOOOOOUUUUUUUUUUUYYYYY",
)


def fold(text: str) -> str:
    """Upper-case ASCII without diacritics, as printed in the MRZ (ICAO 9303-3 §6)."""
    return text.upper().translate(_FOLD)


@dataclass(frozen=True)
class Holder:
    id_number: str
    surname: str
    middle: str
    given: str
    sex: str  # "M" | "F"
    date_of_birth: dt.date
    date_of_expiry: Optional[dt.date]  # None: "Không thời hạn" (MRZ 991231)
    date_of_issue: dt.date
    province: str
    hometown: str
    residence: str
    ethnicity: str
    religion: str
    marks: str
    father: str
    mother: str
    spouse: Optional[str]
    old_id: Optional[str]

    @property
    def full_name(self) -> str:
        return " ".join(p for p in (self.surname, self.middle, self.given) if p)

    @property
    def document_number(self) -> str:
        return self.id_number[3:]

    @property
    def can(self) -> str:
        return self.id_number[6:]

    @property
    def dob_yymmdd(self) -> str:
        return self.date_of_birth.strftime("%y%m%d")

    @property
    def doe_yymmdd(self) -> str:
        return self.date_of_expiry.strftime("%y%m%d") if self.date_of_expiry else "991231"

    def mrz_td1(self) -> tuple[str, str, str]:
        """The three TD1 lines of a CCCD (cccd-chip-facts §2.4)."""
        doc = self.document_number
        l1 = "IDVNM" + doc + mrz_check_digit(doc) + self.id_number + "<<" + mrz_check_digit(self.id_number)
        l2 = self.dob_yymmdd + mrz_check_digit(self.dob_yymmdd) + self.sex
        l2 += self.doe_yymmdd + mrz_check_digit(self.doe_yymmdd) + "VNM" + "<" * 11
        composite = l1[5:30] + l2[0:7] + l2[8:15] + l2[18:29]
        l2 += mrz_check_digit(composite)
        name = fold(self.surname).replace(" ", "<") + "<<" + fold(f"{self.middle} {self.given}".strip()).replace(" ", "<")
        l3 = (name + "<" * 30)[:30]
        return l1, l2, l3


def invent(seed: int, *, no_expiry: bool = False, today: dt.date = dt.date(2026, 1, 1)) -> Holder:
    r = random.Random(f"holder:{seed}")
    sex = r.choice("MF")
    year = r.randint(1950, 2004)
    dob = dt.date(year, r.randint(1, 12), r.randint(1, 28))
    province = r.choice(sorted(PROVINCES))
    century = (year // 100 - 19) * 2 + (0 if sex == "M" else 1)
    id_number = f"{province}{century}{year % 100:02d}{r.randint(0, 999999):06d}"
    age_today = today.year - year
    if no_expiry or age_today >= 60:
        doe = None
    else:
        nxt = next(a for a in (25, 40, 60) if a > age_today)
        doe = dob.replace(year=year + nxt)
    surname = r.choice(SURNAMES)
    middle = r.choice(MIDDLE_M if sex == "M" else MIDDLE_F)
    given = r.choice(GIVEN_M if sex == "M" else GIVEN_F)
    father = f"{surname} {r.choice(MIDDLE_M)} {r.choice(GIVEN_M)}"
    mother = f"{r.choice(SURNAMES)} {r.choice(MIDDLE_F)} {r.choice(GIVEN_F)}"
    spouse = None
    if age_today > 25 and r.random() < 0.6:
        spouse = f"{r.choice(SURNAMES)} {r.choice(MIDDLE_F if sex == 'M' else MIDDLE_M)} " \
                 f"{r.choice(GIVEN_F if sex == 'M' else GIVEN_M)}"
    hometown = f"{r.choice(WARDS)}, {PROVINCES[r.choice(sorted(PROVINCES))]}"
    residence = f"Số {r.randint(1, 300)} {r.choice(STREETS)}, {r.choice(WARDS)}, {PROVINCES[province]}"
    issue = dt.date(2021, r.randint(1, 12), r.randint(1, 28))
    old_id = f"{r.randint(0, 999999999):09d}" if r.random() < 0.7 else None
    return Holder(id_number, surname, middle, given, sex, dob, doe, issue, province, hometown, residence,
                  "Kinh", "Không", r.choice(MARKS), father, mother, spouse, old_id)
