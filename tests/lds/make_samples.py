"""Regenerate test_vectors/lds/ (invented holders, generated images): run from the repo root.

    .venv/bin/python tests/lds/make_samples.py
"""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from cccd_chip.lds import card_access, com, dg1, dg2, dg13  # noqa: E402
from cccd_chip.lds.face import FaceImage  # noqa: E402

from fuzz_corpus import CARD_ACCESS  # noqa: E402
from lds_helpers import image_bytes  # noqa: E402

OUT = Path(__file__).resolve().parents[2] / "test_vectors" / "lds"

HOLDER = dg13.CCCDPersonalData(  # invented person (cccd-chip-facts §2.5)
    id_number="079090123456", full_name="Trần Văn Bình", date_of_birth=dt.date(1990, 5, 15), sex="Nam",
    nationality="Việt Nam", ethnicity="Kinh", religion="Không",
    place_of_origin="Xã Tân Phú, Huyện Đức Hòa, Long An",
    place_of_residence="123 Đường Nguyễn Thị Minh Khai, Phường Bến Nghé, Quận 1, Thành phố Hồ Chí Minh",
    identifying_marks="Nốt ruồi C:2cm trên trước mép phải", date_of_issue=dt.date(2021, 4, 1),
    date_of_expiry=dt.date(2030, 5, 15), father_name="Trần Văn Cường", mother_name="Lê Thị Dung",
    old_id_number="025123456", field_16="0123456789ABCDEF",
)


def deterministic() -> dict[str, bytes]:
    """Samples that the builders reproduce byte for byte."""
    return {
        "com_cccd.bin": com.make([1, 2, 3, 13, 14, 15]).raw,
        "dg1_cccd.bin": dg1.make_cccd("079090123456", date_of_birth="900515", sex="M", date_of_expiry="300515",
                                      primary_identifier="TRAN", secondary_identifier="VAN BINH").raw,
        "dg13_layout_a.bin": dg13.build_personal_data(HOLDER, parents_layout="A").raw,
        "dg13_layout_b.bin": dg13.build_personal_data(HOLDER, parents_layout="B").raw,
        "card_access_cccd.bin": card_access.parse(CARD_ACCESS).raw,
    }


def images() -> dict[str, bytes]:
    out = {}
    for fmt in ("JPEG", "JP2", "J2K"):
        face = FaceImage(gender=1, image_data_type=0 if fmt == "JPEG" else 1, width=48, height=64,
                         image=image_bytes(fmt, (48, 64), (200, 160, 120)))
        out[f"dg2_{fmt.lower()}.bin"] = dg2.make([face]).raw
    return out


if __name__ == "__main__":
    OUT.mkdir(parents=True, exist_ok=True)
    for name, data in {**deterministic(), **images()}.items():
        (OUT / name).write_bytes(data)
        print(name, len(data))
