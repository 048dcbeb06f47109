"""Document.holder() / face() / dg13() / dg1(): DG1 and DG13 merged, the face as stored (cccd_chip/holder.py)."""

from __future__ import annotations

import datetime as dt

import pytest

from cccd_chip import Document, Face, Holder, virtual_card
from cccd_chip.emulator.personalize import personalize
from cccd_chip.errors import ParseError
from cccd_chip.holder import mrz_date
from cccd_chip.lds import dg1 as dg1mod
from cccd_chip.lds import dg13 as dg13mod
from cccd_chip.reader import Credential, read_document


def _files(card) -> dict[str, bytes]:
    """The card's personal data groups (what the views read)."""
    return {p.stem: p.read_bytes() for p in (card / "files").glob("*.bin") if p.stem in ("DG1", "DG2", "DG13")}


@pytest.fixture(scope="module")
def cccd_files(tmp_path_factory) -> dict[str, bytes]:
    return _files(personalize("cccd-2021", 5, tmp_path_factory.mktemp("hv") / "card"))


@pytest.fixture(scope="module")
def passport_files(tmp_path_factory) -> dict[str, bytes]:
    return _files(personalize("passport-bac", 5, tmp_path_factory.mktemp("hv") / "card"))


def test_cccd_holder_merges_dg13_over_dg1(cccd_files):
    doc = Document(files=cccd_files)
    h = doc.holder()
    assert isinstance(h, Holder)
    pd = dg13mod.parse(cccd_files["DG13"]).personal_data
    mrz = dg1mod.parse(cccd_files["DG1"])
    assert h.sources == ("DG1", "DG13") and h.unreadable == ()
    assert h.name == pd.full_name and not h.name.isascii()  # Vietnamese, with diacritics
    assert h.name_mrz == " ".join(p for p in (mrz.primary_identifier, mrz.secondary_identifier) if p)
    assert h.name_mrz.isascii() and h.name != h.name_mrz
    assert h.id_number == pd.id_number == mrz.cccd_id and len(h.id_number) == 12
    assert h.date_of_birth == pd.date_of_birth and isinstance(h.date_of_birth, dt.date)
    assert h.place_of_residence == pd.place_of_residence and h.date_of_issue == pd.date_of_issue
    assert h.issuing_state == "VNM" and h.mrz_check_digits_ok is True
    assert doc.dg13() == pd and doc.dg1() == mrz


def test_passport_holder_is_dg1_alone(passport_files):
    doc = Document(files=passport_files)
    h = doc.holder()
    assert h is not None and h.sources == ("DG1",) and doc.dg13() is None
    mrz = dg1mod.parse(passport_files["DG1"])
    assert h.name == h.name_mrz and h.name.isascii()
    assert h.document_number == mrz.document_number and h.id_number is None
    assert h.sex in ("M", "F", "X") and h.place_of_origin is None
    assert h.date_of_birth == mrz_date(mrz.date_of_birth, "birth")
    assert h.date_of_expiry == mrz_date(mrz.date_of_expiry, "expiry")


def test_malformed_dg13_is_left_out_of_the_holder_and_raises_from_dg13(cccd_files):
    files = dict(cccd_files, DG13=b"\x6d\x05\x02\x01\x01\x04\x00")
    doc = Document(files=files)
    h = doc.holder()
    assert h is not None and h.unreadable == ("DG13",) and h.sources == ("DG1",)
    assert h.name == h.name_mrz  # DG1's name, no DG13 to override it
    with pytest.raises(ParseError):
        doc.dg13()


def test_no_personal_groups_no_holder_no_face():
    doc = Document(files={})
    assert doc.holder() is None and doc.face() is None and doc.dg13() is None and doc.dg1() is None


def test_face_is_dg2_first_image_as_stored(cccd_files):
    f = Document(files=cccd_files).face()
    assert isinstance(f, Face) and f.format == "JPEG" and f.image[:3] == b"\xff\xd8\xff"
    assert f.mime_type == "image/jpeg" and f.displayable() == (f.image, "image/jpeg")


def test_a_jpeg2000_face_is_shown_as_png(cccd_files):
    import io

    from PIL import Image  # Pillow: the cli extra, installed for the suite

    f = Document(files=cccd_files).face()
    assert f is not None
    jp2 = io.BytesIO()
    Image.open(io.BytesIO(f.image)).save(jp2, "JPEG2000")
    shown = Face(jp2.getvalue(), "JPEG2000")
    image, mime = shown.displayable()
    assert mime == "image/png" and image[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize("text, kind, expected", [
    ("880418", "birth", dt.date(1988, 4, 18)), ("050101", "birth", dt.date(2005, 1, 1)),
    ("310101", "expiry", dt.date(2031, 1, 1)), ("991231", "expiry", dt.date(2099, 12, 31)),
    ("881341", "birth", None),
    ("88<<<<", "birth", None),
])
def test_mrz_dates(text, kind, expected):
    assert mrz_date(text, kind, today=dt.date(2026, 12, 3)) == expected


def test_the_views_of_a_read_are_those_of_its_dump(tmp_path):
    card = personalize("cccd-2024", 2, tmp_path / "card")
    import json

    can = json.loads((card / "card.json").read_text())["secrets"]["can"]
    doc = read_document(virtual_card(card), Credential.from_can(can))
    doc.save(tmp_path / "dump")
    again = Document.load(tmp_path / "dump")
    assert doc.holder() == again.holder() and doc.face() == again.face()
    assert doc.holder() is not None and doc.holder().sources == ("DG1", "DG13")
