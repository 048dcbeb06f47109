"""DG2 (ICAO 9303-10 §4.7.2): CBEFF templates, ISO/IEC 19794-5 records, JPEG/JPEG2000 faces, export."""

from __future__ import annotations

import io

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from cccd_chip.errors import ParseError, UnsupportedError
from cccd_chip.lds import cbeff, dg2, face
from cccd_chip.lds.face import FaceImage, FeaturePoint

from lds_helpers import image_bytes


def _face(fmt="JPEG", **kw):
    return FaceImage(image_data_type=0 if fmt == "JPEG" else 1, width=24, height=32, image=image_bytes(fmt), **kw)


def test_single_jpeg_face_headers_and_offsets():
    im = _face(gender=2, eye_colour=3, expression=1, pose_angle=(1, 2, 3),
               feature_points=(FeaturePoint(1, 0x51, 10, 12), FeaturePoint(1, 0x52, 14, 12)), quality=7)
    v = dg2.make([im])
    assert v.raw[0] == 0x75 and v.group.count == 1
    (block,) = v.blocks
    assert block.encoding == "ISO/IEC 19794-5" and block.supported and block.error is None
    assert block.info.header.biometric_type == 0x02 and block.info.header.format_type == 0x0008
    assert v.faces == (im,)
    # the BDB offset points at "FAC\0" inside the file
    assert v.raw[block.info.offset : block.info.offset + 4] == b"FAC\x00"
    assert dg2.build(v) == v.raw and dg2.parse(dg2.build(v)) == v


@pytest.mark.parametrize("fmt", ["JPEG", "JP2", "J2K"])
def test_face_formats_and_export(fmt, tmp_path):
    v = dg2.make([_face(fmt)])
    assert v.faces[0].image_format == fmt
    out = tmp_path / "face.png"
    data = dg2.export_face(v, str(out))
    assert out.read_bytes() == data
    with Image.open(io.BytesIO(data)) as im:
        assert im.size == (24, 32) and im.format == "PNG"
    auto = dg2.export_face(v, "auto")
    if fmt == "JPEG":
        assert auto == v.faces[0].image  # JPEG exported as is
    else:
        assert auto[:8] == b"\x89PNG\r\n\x1a\n"


def test_several_faces_in_one_record_and_in_nested_groups():
    faces = [_face("JPEG"), _face("JP2", gender=1)]
    one = dg2.make(faces, one_block_per_image=False)
    assert len(one.blocks) == 1 and one.faces == tuple(faces)
    inner = cbeff.BiometricGroup(1, (cbeff.BiometricInfo(cbeff.face_header(), face.build_record([faces[1]])),))
    outer = cbeff.BiometricGroup(2, (cbeff.BiometricInfo(cbeff.face_header(), face.build_record([faces[0]])), inner))
    raw = cbeff.encode_file(0x75, outer)
    v = dg2.parse(raw)
    assert v.faces == tuple(faces) and dg2.build(v) == raw


def test_iso39794_is_detected_and_reported_unsupported():
    bdb = bytes.fromhex("a1 0a 30 08 a0 06 80 01 01 81 01 00".replace(" ", ""))
    group = cbeff.BiometricGroup(1, (cbeff.BiometricInfo(cbeff.face_header(format_type=0x0040), bdb),))
    v = dg2.parse(cbeff.encode_file(0x75, group))
    (b,) = v.blocks
    assert b.encoding == "ISO/IEC 39794-5" and not b.supported and "39794-5" in b.error
    assert v.faces == ()
    with pytest.raises(UnsupportedError):
        dg2.export_face(v, "png")


def test_wrong_record_length_is_a_defect_and_the_face_still_shows():
    good = face.build_record([_face()])
    bad = good[:8] + (len(good) + 5).to_bytes(4, "big") + good[12:] + b"\x00\x00"
    v = dg2.parse(cbeff.encode_file(0x75, cbeff.BiometricGroup(1, (cbeff.BiometricInfo(cbeff.face_header(), bad),))))
    assert v.blocks[0].record.defects == ("record length differs from the data block", "2 bytes left after the facial images")
    assert v.faces == (_face(),)


def test_broken_face_record_is_a_format_error_not_a_parse_failure():
    good = face.build_record([_face()])
    bad = good[:14] + (len(good) + 5).to_bytes(4, "big") + good[18:]  # image block longer than the data
    v = dg2.parse(cbeff.encode_file(0x75, cbeff.BiometricGroup(1, (cbeff.BiometricInfo(cbeff.face_header(), bad),))))
    assert v.blocks[0].supported and "length" in v.blocks[0].error and v.faces == ()
    with pytest.raises(ParseError):
        dg2.export_face(v, "png")


@pytest.mark.parametrize("blob", [b"", b"\x75\x00", b"\x75\x03\x7f\x61\x00\x00", b"\x75\x05\x7f\x61\x02\x02\x00",
                                  b"\x75\x06\x7f\x61\x03\x7f\x60\x00"])
def test_malformed_dg2(blob):
    with pytest.raises(ParseError):
        dg2.parse(blob)


points = st.builds(FeaturePoint, st.integers(0, 255), st.integers(0, 255), st.integers(0, 65535),
                   st.integers(0, 65535), st.integers(0, 65535))
u8 = st.integers(0, 255)
faces_st = st.builds(
    FaceImage, gender=u8, eye_colour=u8, hair_colour=u8, feature_mask=st.integers(0, 2**24 - 1),
    expression=st.integers(0, 65535), pose_angle=st.tuples(u8, u8, u8), pose_angle_uncertainty=st.tuples(u8, u8, u8),
    feature_points=st.lists(points, max_size=4).map(tuple), face_image_type=u8, image_data_type=u8,
    width=st.integers(0, 65535), height=st.integers(0, 65535), colour_space=u8, source_type=u8,
    device_type=st.integers(0, 65535), quality=st.integers(0, 65535), image=st.binary(max_size=300),
)


@settings(max_examples=80, deadline=None)
@given(st.lists(faces_st, min_size=1, max_size=4), st.booleans())
def test_round_trip(faces, split):
    v = dg2.make(faces, one_block_per_image=split)
    assert v.faces == tuple(faces)
    assert dg2.parse(dg2.build(v)) == v
    assert dg2.build(dg2.parse(v.raw)) == v.raw
