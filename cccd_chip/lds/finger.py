"""ISO/IEC 19794-4:2005 finger image records (the DG3 data blocks, ICAO 9303-10 §4.7.3).

Record layout (19794-4:2005 §8.3 general record header, §8.4 finger image
header, all big-endian):

- general record header, 32 bytes: format identifier ``FIR\\0``, version
  ``010\\0``, record length (6 bytes), capture device ID (2), image
  acquisition level (2), number of fingers/palms (1), scale units (1:
  pixels per inch, 2: per cm), horizontal / vertical scan resolution (2+2),
  horizontal / vertical image resolution (2+2), pixel depth in bits (1),
  image compression algorithm (1), reserved (2);
- per finger view, a 14-byte finger image header: length of the finger data
  block including this header (4), finger/palm position (1, Table 5), count
  of views (1), view number (1), image quality (1, 0-100, 254/255 not
  computed/not available), impression type (1, Table 7), horizontal /
  vertical line length in pixels (2+2), reserved (1); then the image data
  in the record's compression.

Headers are ``construct`` structs; every length is checked against the bytes
present (a hostile record cannot make the parser read past its data block).
The image bytes are kept raw; :mod:`.biometric_image` decodes them.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Optional, Sequence

import construct as c

from ..errors import ParseError, UnsupportedError

FORMAT_ID = b"FIR\x00"
VERSION_2005 = b"010\x00"
#: CBEFF format type of a 19794-4 finger image record (format owner 0x0101, ISO/IEC JTC 1 SC 37)
CBEFF_FORMAT_TYPE = 0x0007
MAX_RECORD_VIEWS = 1024  # bound on views per record (fingers x views; each view is at least 14 bytes)

GeneralHeader = c.Struct(
    "format_identifier" / c.Const(FORMAT_ID),
    "version" / c.Bytes(4),
    "record_length" / c.BytesInteger(6),
    "capture_device_id" / c.Int16ub,
    "image_acquisition_level" / c.Int16ub,
    "number_of_fingers" / c.Int8ub,
    "scale_units" / c.Int8ub,
    "horizontal_scan_resolution" / c.Int16ub,
    "vertical_scan_resolution" / c.Int16ub,
    "horizontal_image_resolution" / c.Int16ub,
    "vertical_image_resolution" / c.Int16ub,
    "pixel_depth" / c.Int8ub,
    "compression_algorithm" / c.Int8ub,
    "reserved" / c.Int16ub,
)
FingerImageHeader = c.Struct(
    "length" / c.Int32ub,
    "finger_position" / c.Int8ub,
    "view_count" / c.Int8ub,
    "view_number" / c.Int8ub,
    "quality" / c.Int8ub,
    "impression_type" / c.Int8ub,
    "horizontal_line_length" / c.Int16ub,
    "vertical_line_length" / c.Int16ub,
    "reserved" / c.Int8ub,
)
HEADER_LEN = GeneralHeader.sizeof()  # 32
VIEW_HEADER_LEN = FingerImageHeader.sizeof()  # 14

# 19794-4:2005 Table 3: image compression algorithm codes
COMPRESSION_UNCOMPRESSED = 0
COMPRESSION_UNCOMPRESSED_BIT_PACKED = 1
COMPRESSION_WSQ = 2
COMPRESSION_JPEG = 3
COMPRESSION_JPEG2000 = 4
COMPRESSION_PNG = 5
COMPRESSIONS = {
    COMPRESSION_UNCOMPRESSED: "uncompressed",
    COMPRESSION_UNCOMPRESSED_BIT_PACKED: "uncompressed (bit packed)",
    COMPRESSION_WSQ: "WSQ",
    COMPRESSION_JPEG: "JPEG",
    COMPRESSION_JPEG2000: "JPEG2000",
    COMPRESSION_PNG: "PNG",
}

# 19794-4:2005 Table 5: finger and palm position codes; the slugs name exported files
POSITIONS = {
    0: "unknown-finger",
    1: "right-thumb", 2: "right-index", 3: "right-middle", 4: "right-ring", 5: "right-little",
    6: "left-thumb", 7: "left-index", 8: "left-middle", 9: "left-ring", 10: "left-little",
    11: "plain-right-thumb", 12: "plain-left-thumb", 13: "plain-right-four-fingers",
    14: "plain-left-four-fingers", 15: "plain-thumbs",
    20: "unknown-palm", 21: "right-full-palm", 22: "right-writers-palm", 23: "left-full-palm",
    24: "left-writers-palm", 25: "right-lower-palm", 26: "right-upper-palm", 27: "left-lower-palm",
    28: "left-upper-palm", 29: "right-other", 30: "left-other", 31: "right-interdigital",
    32: "right-thenar", 33: "right-hypothenar", 34: "left-interdigital", 35: "left-thenar",
    36: "left-hypothenar",
}

# 19794-4:2005 Table 7: impression types
IMPRESSION_TYPES = {
    0: "live-scan plain", 1: "live-scan rolled", 2: "non-live-scan plain", 3: "non-live-scan rolled",
    7: "latent", 8: "swipe", 9: "live-scan contactless",
}
QUALITY_NOT_COMPUTED = 254
QUALITY_NOT_AVAILABLE = 255
SCALE_UNITS = {1: "ppi", 2: "ppcm"}


def position_name(code: int) -> str:
    """File-name slug of a finger position (``right-index``); unknown codes as ``position-NN``."""
    return POSITIONS.get(code, f"position-{code}")


def cbeff_subtype(position: int) -> int:
    """CBEFF biometric subtype of a finger position (ISO/IEC 19785-3, ICAO 9303-10 Table 40).

    Bit 0x01 right / 0x02 left; bits 3-5 thumb (0x04), index (0x08), middle
    (0x0C), ring (0x10), little (0x14). Positions other than single fingers
    have no subtype (0x00).
    """
    if 1 <= position <= 5:
        return 0x01 | (position << 2)
    if 6 <= position <= 10:
        return 0x02 | ((position - 5) << 2)
    return 0x00


@dataclass(frozen=True)
class FingerView:
    """One finger image (19794-4:2005 §8.4): header fields and the image bytes as stored."""

    position: int
    view_count: int = 1
    view_number: int = 1
    quality: int = QUALITY_NOT_AVAILABLE
    impression_type: int = 0
    width: int = 0  # horizontal line length, pixels
    height: int = 0  # vertical line length, pixels
    image: bytes = b""
    reserved: int = 0

    @property
    def position_name(self) -> str:
        return position_name(self.position)


@dataclass(frozen=True)
class FingerRecord:
    """A 19794-4:2005 finger image record (general header + views)."""

    views: tuple[FingerView, ...]
    compression: int = COMPRESSION_WSQ
    capture_device_id: int = 0
    image_acquisition_level: int = 31
    scale_units: int = 1
    horizontal_scan_resolution: int = 500
    vertical_scan_resolution: int = 500
    horizontal_image_resolution: int = 500
    vertical_image_resolution: int = 500
    pixel_depth: int = 8
    version: bytes = VERSION_2005
    reserved: int = 0
    raw: bytes = b""
    defects: tuple[str, ...] = ()  # non-fatal inconsistencies (record length, finger count, trailing bytes)

    @property
    def compression_name(self) -> str:
        return COMPRESSIONS.get(self.compression, f"unknown ({self.compression})")


def parse_record(bdb: bytes, *, file: Optional[str] = "DG3", base: int = 0) -> FingerRecord:
    """Decode an ISO/IEC 19794-4:2005 finger image record; bounded by ``len(bdb)``.

    Raises :class:`ParseError` for a structure that does not fit its bytes
    and :class:`UnsupportedError` for another format or version.
    """
    bdb = bytes(bdb)
    if bdb[:4] != FORMAT_ID:
        raise UnsupportedError("not an ISO/IEC 19794-4 finger image record (no 'FIR' identifier)",
                               file=file, offset=base)
    if len(bdb) < HEADER_LEN:
        raise ParseError("finger image record shorter than its general header", file=file, offset=base)
    hdr = GeneralHeader.parse(bdb[:HEADER_LEN])
    if hdr.version != VERSION_2005:
        raise UnsupportedError("ISO/IEC 19794-4 record version other than 010 (2005)", file=file, offset=base + 4)
    defects: list[str] = []
    if hdr.record_length != len(bdb):
        defects.append("record length differs from the data block")
    pos = HEADER_LEN
    views: list[FingerView] = []
    while pos < len(bdb):
        if len(bdb) - pos < VIEW_HEADER_LEN:
            if views:
                defects.append(f"{len(bdb) - pos} bytes left after the finger views")
                break
            raise ParseError("finger image record truncated", file=file, offset=base + pos)
        vh = FingerImageHeader.parse(bdb[pos:pos + VIEW_HEADER_LEN])
        if vh.length < VIEW_HEADER_LEN or vh.length > len(bdb) - pos:
            raise ParseError("finger data block length out of bounds", file=file, offset=base + pos)
        if len(views) >= MAX_RECORD_VIEWS:
            raise ParseError("too many finger views in one record", file=file, offset=base + pos)
        views.append(FingerView(
            position=vh.finger_position, view_count=vh.view_count, view_number=vh.view_number,
            quality=vh.quality, impression_type=vh.impression_type, width=vh.horizontal_line_length,
            height=vh.vertical_line_length, image=bdb[pos + VIEW_HEADER_LEN:pos + vh.length], reserved=vh.reserved))
        pos += vh.length
    if not views:
        raise ParseError("finger image record without a finger view", file=file, offset=base + pos)
    if len({v.position for v in views}) != hdr.number_of_fingers:
        defects.append("number of fingers differs from the distinct finger positions")
    return FingerRecord(
        views=tuple(views), compression=hdr.compression_algorithm, capture_device_id=hdr.capture_device_id,
        image_acquisition_level=hdr.image_acquisition_level, scale_units=hdr.scale_units,
        horizontal_scan_resolution=hdr.horizontal_scan_resolution,
        vertical_scan_resolution=hdr.vertical_scan_resolution,
        horizontal_image_resolution=hdr.horizontal_image_resolution,
        vertical_image_resolution=hdr.vertical_image_resolution, pixel_depth=hdr.pixel_depth,
        version=bytes(hdr.version), reserved=hdr.reserved, raw=bdb, defects=tuple(defects))


def build_record(record: FingerRecord) -> bytes:
    """The bytes of a 19794-4:2005 finger image record (record length and finger count computed)."""
    if not record.views:
        raise ValueError("a finger image record needs at least one view")
    body = b"".join(
        FingerImageHeader.build(dict(
            length=VIEW_HEADER_LEN + len(v.image), finger_position=v.position, view_count=v.view_count,
            view_number=v.view_number, quality=v.quality, impression_type=v.impression_type,
            horizontal_line_length=v.width, vertical_line_length=v.height, reserved=v.reserved)) + v.image
        for v in record.views)
    header = GeneralHeader.build(dict(
        version=record.version, record_length=HEADER_LEN + len(body), capture_device_id=record.capture_device_id,
        image_acquisition_level=record.image_acquisition_level,
        number_of_fingers=len({v.position for v in record.views}), scale_units=record.scale_units,
        horizontal_scan_resolution=record.horizontal_scan_resolution,
        vertical_scan_resolution=record.vertical_scan_resolution,
        horizontal_image_resolution=record.horizontal_image_resolution,
        vertical_image_resolution=record.vertical_image_resolution, pixel_depth=record.pixel_depth,
        compression_algorithm=record.compression, reserved=record.reserved))
    return bytes(header) + body


def make_record(views: Sequence[FingerView], template: Optional[FingerRecord] = None) -> FingerRecord:
    """A parsed record of ``views`` with the general header of ``template`` (for the virtual chip and tests)."""
    return parse_record(build_record(replace(template or FingerRecord(()), views=tuple(views))))


__all__ = [
    "FingerView", "FingerRecord", "parse_record", "build_record", "make_record", "position_name", "cbeff_subtype",
    "COMPRESSIONS", "POSITIONS", "IMPRESSION_TYPES", "COMPRESSION_WSQ", "CBEFF_FORMAT_TYPE", "FORMAT_ID",
]
