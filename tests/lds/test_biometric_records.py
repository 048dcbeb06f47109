"""ISO/IEC 19794-4:2005 finger and 19794-6:2005 iris records, DG3/DG4 framing, WSQ, PNG export.

The byte-level tests assemble records by hand from the standards' field tables
(19794-4:2005 §8.3/8.4, 19794-6:2005 §6.5; layouts cross-checked in
test_vectors/SOURCES.md, "Biometric records") and never with the module's own
builder, so a wrong field width or order in the ``construct`` structs fails.
"""

from __future__ import annotations

import io
import sys

import pytest
from PIL import Image

from cccd_chip.errors import ParseError, UnsupportedError
from cccd_chip.lds import biometric_image, cbeff, dg3, dg4, finger, inspect, iris, wsq


def be(value: int, width: int) -> bytes:
    return value.to_bytes(width, "big")


def fir_bytes(views: list[tuple[int, int, bytes]], *, compression: int = 2, record_length=None,
              fingers=None, version: bytes = b"010\x00") -> bytes:
    """A 19794-4:2005 record from the field table: views = (position, quality, image)."""
    body = b""
    for position, quality, image in views:
        body += (be(14 + len(image), 4) + bytes([position, 1, 1, quality, 0]) + be(320, 2) + be(400, 2)
                 + b"\x00" + image)
    header = (b"FIR\x00" + version + be(record_length if record_length is not None else 32 + len(body), 6)
              + be(0x1234, 2)           # capture device ID
              + be(31, 2)               # image acquisition level
              + bytes([fingers if fingers is not None else len({v[0] for v in views}), 1])  # fingers, ppi
              + be(500, 2) + be(500, 2)  # scan resolution
              + be(500, 2) + be(500, 2)  # image resolution
              + bytes([8, compression]) + b"\x00\x00")
    assert len(header) == 32
    return header + body


def iir_bytes(eyes: list[tuple[int, list[tuple[int, int, bytes]]]], *, image_format: int = 0x0006,
              header_length: int = 45) -> bytes:
    """A 19794-6:2005 rectilinear record: eyes = (eye, [(number, quality, image)])."""
    body = b""
    for eye, images in eyes:
        body += bytes([eye]) + be(len(images), 2)
        for number, quality, image in images:
            body += be(number, 2) + bytes([quality]) + be(0xFFFF, 2) + be(0xFFFF, 2) + be(len(image), 4) + image
    header = (b"IIR\x00" + b"010\x00" + be(45 + len(body), 4) + be(7, 2) + bytes([len(eyes)])
              + be(header_length, 2) + be(0x0005, 2) + be(210, 2) + be(image_format, 2) + be(640, 2) + be(480, 2)
              + bytes([8, 0]) + b"D000000000000042")
    assert len(header) == 45
    return header + body


# --- 19794-4 -----------------------------------------------------------------------------


def test_finger_record_from_the_field_table():
    raw = fir_bytes([(2, 80, b"\xff\xa0IMAGE1"), (7, 254, b"\xff\xa0IMG2")])
    rec = finger.parse_record(raw)
    assert finger.HEADER_LEN == 32 and finger.VIEW_HEADER_LEN == 14
    assert rec.defects == () and rec.compression_name == "WSQ" and rec.capture_device_id == 0x1234
    assert (rec.image_acquisition_level, rec.scale_units, rec.pixel_depth) == (31, 1, 8)
    assert (rec.horizontal_scan_resolution, rec.vertical_image_resolution) == (500, 500)
    assert [(v.position_name, v.quality, v.width, v.height, v.image) for v in rec.views] == [
        ("right-index", 80, 320, 400, b"\xff\xa0IMAGE1"), ("left-index", 254, 320, 400, b"\xff\xa0IMG2")]
    assert finger.build_record(rec) == raw  # the builder writes the same bytes


def test_one_byte_image_gives_a_15_byte_view():
    # JMRTD's FingerImageInfoTest states a view with a one-byte image has record length 15 (14 + 1)
    raw = fir_bytes([(1, 10, b"\x2a")])
    assert len(raw) == 32 + 15 and raw[32:36] == be(15, 4)
    assert finger.parse_record(raw).views[0].image == b"\x2a"


@pytest.mark.parametrize("position,subtype", [(1, 0x05), (2, 0x09), (3, 0x0D), (5, 0x15), (6, 0x06), (7, 0x0A),
                                              (10, 0x16), (13, 0x00)])
def test_cbeff_subtype_of_finger_positions(position, subtype):
    assert finger.cbeff_subtype(position) == subtype


def test_finger_record_defects_are_reported_not_fatal():
    raw = fir_bytes([(2, 80, b"\xff\xa0x")], record_length=999, fingers=3)
    rec = finger.parse_record(raw + b"\x00\x01")
    assert "record length differs from the data block" in rec.defects
    assert any("bytes left" in d for d in rec.defects)
    assert any("number of fingers" in d for d in rec.defects)


@pytest.mark.parametrize("mutate,error", [
    (lambda r: r[:20], ParseError),                                      # shorter than the header
    (lambda r: r[:32], ParseError),                                      # no view
    (lambda r: r[:32] + be(13, 4) + r[36:], ParseError),                 # view length below its header
    (lambda r: r[:32] + be(0x7FFFFFFF, 4) + r[36:], ParseError),         # view length past the data
    (lambda r: b"FIR\x00020\x00" + r[8:], UnsupportedError),             # 2011 version
    (lambda r: b"XYZ\x00" + r[4:], UnsupportedError),                    # not a finger record
])
def test_finger_record_bounds(mutate, error):
    raw = fir_bytes([(2, 80, b"\xff\xa0abc")])
    with pytest.raises(error) as exc:
        finger.parse_record(mutate(raw), base=100)
    assert exc.value.offset is not None and exc.value.offset >= 100


# --- 19794-6 -----------------------------------------------------------------------------


def test_iris_record_from_the_field_table():
    raw = iir_bytes([(1, [(1, 70, b"\xff\xd8\xffR")]), (2, [(1, 255, b"\xff\xd8\xffLL"), (2, 60, b"\xff\xd8\xff")])])
    rec = iris.parse_record(raw)
    assert iris.HEADER_LEN == 45 and iris.SUBTYPE_HEADER_LEN == 3 and iris.IMAGE_HEADER_LEN == 11
    assert rec.defects == () and rec.image_format_name == "mono JPEG" and (rec.width, rec.height) == (640, 480)
    assert rec.iris_diameter == 210 and rec.capture_device_id == 7 and rec.device_unique_id == b"D000000000000042"
    assert rec.properties()["horizontal_orientation"] == 1 and rec.properties()["vertical_orientation"] == 1
    assert [(i.eye_name, i.image_number, i.quality, i.image) for i in rec.images] == [
        ("right-eye", 1, 70, b"\xff\xd8\xffR"), ("left-eye", 1, 255, b"\xff\xd8\xffLL"),
        ("left-eye", 2, 60, b"\xff\xd8\xff")]
    assert iris.build_record(rec) == raw


@pytest.mark.parametrize("mutate", [
    lambda r: r[:44],                                  # header cut
    lambda r: r[:15] + be(46, 2) + r[17:],             # header length other than 45
    lambda r: r[:-1],                                  # last image cut
    lambda r: r[:14] + b"\x09" + r[15:],               # nine eyes announced
])
def test_iris_record_bounds(mutate):
    raw = iir_bytes([(1, [(1, 70, b"\xff\xd8\xffR")])])
    with pytest.raises(ParseError):
        iris.parse_record(mutate(raw))


# --- DG3 / DG4 framing -------------------------------------------------------------------


def test_dg3_make_parse_build_and_headers():
    views = [finger.FingerView(2, quality=80, width=320, height=400, image=b"\xff\xa0a"),
             finger.FingerView(7, quality=70, width=320, height=400, image=b"\xff\xa0b")]
    v = dg3.make(views)
    assert v.raw[0] == 0x63 and v.count == 2 and not v.count_mismatch
    assert [b.info.header.biometric_subtype for b in v.blocks] == [0x09, 0x0A]
    assert {b.info.header.format_type for b in v.blocks} == {finger.CBEFF_FORMAT_TYPE}
    assert all(b.encoding == "ISO/IEC 19794-4" and b.error is None for b in v.blocks)
    assert [im.name for im in v.images()] == ["right-index", "left-index"]
    assert dg3.parse(dg3.build(v)) == v


def test_dg3_block_errors_keep_the_file():
    good = cbeff.BiometricInfo(cbeff.finger_header(0x09), fir_bytes([(2, 80, b"\xff\xa0a")]))
    broken = cbeff.BiometricInfo(cbeff.finger_header(0x0A), fir_bytes([(7, 80, b"\xff\xa0a")])[:40])
    asn1 = cbeff.BiometricInfo(cbeff.finger_header(0x0A), b"\xa1\x03\x80\x01\x00")
    raw = cbeff.encode_file(0x63, cbeff.BiometricGroup(3, (good, broken, asn1)))
    v = dg3.parse(raw)
    assert [b.encoding for b in v.blocks] == ["ISO/IEC 19794-4", "ISO/IEC 19794-4", "ISO/IEC 39794"]
    assert v.blocks[0].record is not None and "truncated" in (v.blocks[1].error or "")
    assert not v.blocks[2].supported
    d = inspect.describe("DG3", raw)["fields"]
    assert d["templates"][0]["record"]["views"][0]["finger"] == "right-index"
    assert "error" in d["templates"][1] and "unsupported" in d["templates"][2]


def test_duplicate_finger_names_are_numbered():
    views = [finger.FingerView(2, image=b"\xff\xa0a"), finger.FingerView(2, view_number=2, image=b"\xff\xa0b")]
    rec = finger.FingerRecord(tuple(views))
    info = cbeff.BiometricInfo(cbeff.finger_header(0x09), finger.build_record(rec))
    v = dg3.parse(cbeff.encode_file(0x63, cbeff.BiometricGroup(1, (info,))))
    assert [im.name for im in v.images()] == ["right-index", "right-index-2"]


def test_dg4_make_parse_inspect():
    images = [iris.IrisImage(1, image=b"\xff\xd8\xffa"), iris.IrisImage(2, image=b"\xff\xd8\xffb")]
    v = dg4.make(images)
    assert v.raw[0] == 0x76 and [b.info.header.biometric_subtype for b in v.blocks] == [1, 2]
    assert {b.info.header.biometric_type for b in v.blocks} == {0x10}
    assert [im.name for im in v.images()] == ["right-eye", "left-eye"]
    d = inspect.describe("DG4", v.raw)["fields"]
    rec = d["templates"][0]["record"]
    assert rec["image_format"] == "mono JPEG" and rec["images"][0]["eye"] == "right-eye"
    assert "image" not in str(d).replace("image_", "").replace("images", "")  # no image bytes shown


# --- WSQ and export ----------------------------------------------------------------------


def ridges(width: int = 96, height: int = 120) -> Image.Image:
    im = Image.new("L", (width, height))
    im.frombytes(bytes(128 + 100 * ((x * 3 + y) % 11 < 5) - 50 for y in range(height) for x in range(width)))
    return im


def test_wsq_round_trip_through_the_codec():
    im = ridges()
    data = wsq.encode(im)
    frame = wsq.inspect_stream(data)
    assert (frame.width, frame.height) == (96, 120) and frame.blocks >= 1 and frame.tables >= 2
    back = wsq.decode(data)
    assert back.size == im.size and back.mode == "L"
    diff = sum(abs(a - b) for a, b in zip(back.tobytes(), im.tobytes())) / (96 * 120)
    assert diff < 25  # lossy but the same picture


@pytest.mark.parametrize("mutate,message", [
    (lambda d: d[:-2], "runs to the end"),
    (lambda d: d[:2] + b"\xff\xb9\x00\x04ab" + d[2:], "unknown WSQ marker"),
    (lambda d: d + b"\x00", "after the WSQ EOI"),
    (lambda d: b"\x00\x00" + d[2:], "no SOI"),
])
def test_wsq_structure_is_checked_before_the_decoder(mutate, message):
    with pytest.raises(ParseError, match=message):
        wsq.decode(mutate(wsq.encode(ridges())))


def test_wsq_frame_size_is_bounded():
    data = bytearray(wsq.encode(ridges()))
    sof = data.find(b"\xff\xa2")
    data[sof + 6:sof + 10] = b"\xff\xff\xff\xff"  # 65535 x 65535
    with pytest.raises(ParseError, match="out of bounds"):
        wsq.inspect_stream(bytes(data))


def test_a_decoder_crash_is_a_parse_error_not_a_dead_process():
    """The NBIS decoder crashes on some mutated streams; decoding runs in a child process.

    Mutations drawn from a fixed seed: every one must end as an image or a
    ParseError, and at least one must be refused by the decoder child (not by the
    marker walk), which proves the child path is exercised.
    """
    import random

    good = wsq.encode(ridges(120, 140))
    rng = random.Random(5)
    start = good.find(b"\xff\xa3") + 5  # inside the entropy-coded data
    outcomes = {"image": 0, "walk": 0, "child": 0}
    for _ in range(25):
        b = bytearray(good)
        for _ in range(4):
            b[rng.randrange(start, len(b) - 2)] = rng.randrange(256)
        try:
            wsq.inspect_stream(bytes(b))
        except ParseError:
            outcomes["walk"] += 1
            continue
        try:
            wsq.decode(bytes(b))
            outcomes["image"] += 1
        except ParseError:
            outcomes["child"] += 1
    assert outcomes["child"] >= 1, outcomes


def test_a_decoder_killed_by_a_signal_is_a_parse_error(monkeypatch):
    """What a SIGSEGV in the NBIS decoder becomes: the child dies, the caller gets ParseError (exit 6)."""
    monkeypatch.setattr(wsq, "_CHILD", "import os, signal; os.kill(os.getpid(), signal.SIGSEGV)")
    with pytest.raises(ParseError, match="signal 11") as exc:
        wsq.decode(_CACHED_WSQ, file="DG3", base=7)
    assert exc.value.file == "DG3" and exc.value.offset == 7


def test_missing_codec_is_a_clear_unsupported_error(monkeypatch):
    monkeypatch.setitem(sys.modules, "wsq", None)  # import wsq -> ImportError
    assert not wsq.codec_available()
    with pytest.raises(UnsupportedError) as exc:
        wsq.decode(wsq_bytes_for_missing_codec())
    assert "cccd-chip[bio]" in exc.value.message  # exit 5 end to end: tests/cli/test_biometric_dump.py
    with pytest.raises(UnsupportedError, match=r"cccd-chip\[emulator\]"):
        wsq.encode(ridges())


def wsq_bytes_for_missing_codec() -> bytes:
    # a stream that passes the marker walk, made before the codec was hidden
    return _CACHED_WSQ


_CACHED_WSQ = wsq.encode(ridges())


def test_png_export_of_each_declared_format():
    im = ridges()
    png = biometric_image.to_png(wsq.encode(im), "WSQ")
    assert Image.open(io.BytesIO(png)).size == (96, 120)
    raw = biometric_image.to_png(im.tobytes(), biometric_image.RAW, width=96, height=120)
    assert Image.open(io.BytesIO(raw)).tobytes() == im.tobytes()
    buf = io.BytesIO()
    im.save(buf, "JPEG")
    assert Image.open(io.BytesIO(biometric_image.to_png(buf.getvalue(), "JPEG"))).size == (96, 120)
    with pytest.raises(ParseError, match="declared WSQ"):
        biometric_image.to_png(buf.getvalue(), "WSQ")
    with pytest.raises(ParseError, match="size differs"):
        biometric_image.to_png(im.tobytes()[:-1], biometric_image.RAW, width=96, height=120)
    with pytest.raises(UnsupportedError):
        biometric_image.to_png(b"\x00", "JPEG-LS")


def test_dg3_images_export_as_png():
    im = ridges()
    v = dg3.make([finger.FingerView(2, width=96, height=120, image=wsq.encode(im)),
                  finger.FingerView(7, width=96, height=120, image=wsq.encode(im.transpose(Image.FLIP_LEFT_RIGHT)))])
    pngs = {x.name: Image.open(io.BytesIO(x.png())) for x in v.images()}
    assert set(pngs) == {"right-index", "left-index"} and all(p.size == (96, 120) for p in pngs.values())
    unsupported = dg3.make([finger.FingerView(2, image=b"\x00")], finger.FingerRecord((), compression=1))
    with pytest.raises(UnsupportedError, match="bit packed"):
        unsupported.images()[0].png()
